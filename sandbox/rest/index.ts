/** Every REST method family of the sandbox portal, registered in one table. */
import { registerApp } from './app.js';
import { registerBatch } from './batch.js';
import { registerBizproc } from './bizproc.js';
import { registerCrmActivity } from './crm-activity.js';
import { registerCrmCategory } from './crm-category.js';
import { registerCrmItem } from './crm-item.js';
import { registerCrmLegacy } from './crm-legacy.js';
import { registerCrmStatus } from './crm-status.js';
import { registerCrmType } from './crm-type.js';
import { registerCrmUserfields } from './crm-userfield.js';
import { registerDisk } from './disk.js';
import { registerDiskStorage } from './disk-storage.js';
import { registerEvents } from './events.js';
import { registerIm } from './im.js';
import { registerPlacement } from './placement.js';
import { Registry } from './registry.js';
import { registerTasks } from './tasks.js';

export function buildRegistry(): Registry {
  const registry = new Registry();
  for (const register of [
    registerBatch, registerApp, registerEvents, registerPlacement, registerBizproc, registerCrmType,
    registerCrmCategory, registerCrmStatus, registerCrmItem, registerCrmLegacy, registerCrmUserfields,
    registerCrmActivity, registerIm, registerDisk, registerDiskStorage, registerTasks,
  ]) {
    register(registry);
  }
  return registry;
}
