/**
 * Stage automation: an admin put the app's robot on a stage (sb.automation.addRobot); when an item
 * enters that stage the portal POSTs the robot call to the robot's HANDLER and waits for
 * bizproc.event.send (USE_SUBSCRIPTION=Y). Runs are recorded in state.robotRuns.
 */
import type { Portal } from './core.js';
import { faults } from './errors.js';
import { nextId, randomHex, workflowId } from './ids.js';
import { valueByUpperName } from './crm/items.js';
import { ENTITY } from './crm/stages.js';
import type { AddRobotRule, AutomationRule, ItemRec, RobotRec, RobotRun } from './types.js';

const DOCUMENT_CLASS: Record<number, [string, string]> = {
  [ENTITY.LEAD]: ['CCrmDocumentLead', 'LEAD'],
  [ENTITY.DEAL]: ['CCrmDocumentDeal', 'DEAL'],
  [ENTITY.CONTACT]: ['CCrmDocumentContact', 'CONTACT'],
  [ENTITY.COMPANY]: ['CCrmDocumentCompany', 'COMPANY'],
};

/** document_id / document_type of a CRM item, as bizproc names them. */
export function documentOf(item: { entityTypeId: number; id: number }): { id: [string, string, string]; type: [string, string, string] } {
  const known = DOCUMENT_CLASS[item.entityTypeId];
  if (known) return { id: ['crm', known[0], `${known[1]}_${item.id}`], type: ['crm', known[0], known[1]] };
  const cls = 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic';
  return {
    id: ['crm', cls, `DYNAMIC_${item.entityTypeId}_${item.id}`],
    type: ['crm', cls, `DYNAMIC_${item.entityTypeId}`],
  };
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export class Automation {
  constructor(private readonly portal: Portal) {}

  addRule(rule: AddRobotRule): AutomationRule {
    const stored: AutomationRule = { ...rule, id: nextId(this.portal.state, 'automationRule') };
    this.portal.state.automationRules.push(stored);
    this.portal.store.touch();
    return stored;
  }

  removeRule(id: number): void {
    this.portal.state.automationRules = this.portal.state.automationRules.filter((r) => r.id !== id);
  }

  /** `{=Document:FIELD}` → the item's value; `Author` → the responsible person as user_{id}. */
  evaluate(value: unknown, item: ItemRec): unknown {
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v, item));
    if (typeof value !== 'string') return stringify(value);
    if (/^Author;?$/.test(value.trim())) return `user_${String(item.data['assignedById'] ?? 1)}`;
    const whole = /^\{=Document:([A-Za-z0-9_]+)\}$/.exec(value.trim());
    if (whole) {
      const v = valueByUpperName(this.portal, item, whole[1]!);
      return Array.isArray(v) ? v.map(stringify) : stringify(v);
    }
    return value.replace(/\{=Document:([A-Za-z0-9_]+)\}/g, (_, field: string) => {
      const v = valueByUpperName(this.portal, item, field);
      return Array.isArray(v) ? v.map(stringify).join(', ') : stringify(v);
    });
  }

  onStageEntered(item: ItemRec): void {
    const { state } = this.portal;
    if (!state.app.installed) return;
    const stageId = item.data['stageId'];
    for (const rule of state.automationRules) {
      if (rule.entityTypeId !== item.entityTypeId || rule.stageId !== stageId) continue;
      if (rule.categoryId !== undefined && rule.categoryId !== item.data['categoryId']) continue;
      const robot = state.robots.find((r) => r.kind === 'robot' && r.code === rule.code);
      if (!robot) {
        this.portal.logger.warn({ code: rule.code }, 'sandbox: robot on stage is not registered by the app; skipped');
        continue;
      }
      this.fire(rule, robot, item);
    }
  }

  private fire(rule: AutomationRule, robot: RobotRec, item: ItemRec): void {
    const { state, clock } = this.portal;
    const wf = workflowId();
    const activityName = `A${randomHex(5)}_${randomHex(5)}_${randomHex(5)}_${randomHex(5)}`;
    const eventToken = `${wf}|${activityName}|${randomHex(32)}.${randomHex(64)}`;
    const properties: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(robot.properties)) {
      const configured = rule.properties?.[key] ?? prop['Default'] ?? '';
      properties[key] = this.evaluate(configured, item);
    }
    for (const [key, value] of Object.entries(rule.properties ?? {})) {
      if (!(key in properties)) properties[key] = this.evaluate(value, item);
    }
    const doc = documentOf(item);
    const waits = robot.useSubscription !== 'N';
    const run: RobotRun = {
      id: nextId(state, 'robotRun'),
      kind: robot.kind,
      code: robot.code,
      workflowId: wf,
      eventToken,
      entityTypeId: item.entityTypeId,
      itemId: item.id,
      documentId: doc.id,
      status: waits ? 'waiting' : 'sent',
      properties,
      returnValues: null,
      logMessage: null,
      log: [],
      startedAt: clock.now(),
      completedAt: null,
    };
    state.robotRuns.push(run);
    this.portal.store.touch();
    const payload: Record<string, unknown> = {
      workflow_id: wf,
      code: robot.code,
      document_id: doc.id,
      document_type: doc.type,
      event_token: eventToken,
      ...(Object.keys(properties).length ? { properties } : {}),
      use_subscription: waits ? 'Y' : 'N',
      timeout_duration: String(rule.timeoutSec ?? 0),
      ts: String(Math.floor(clock.now() / 1000)),
      auth: this.portal.events.auth({ userId: robot.authUserId || 1, robot: true }),
    };
    void this.portal.outbound.send('robot', robot.code, robot.handler, payload).then((rec) => {
      if (rec.error) run.log.push(`delivery failed: ${rec.error}`);
    });
  }

  private runByToken(token: string): RobotRun {
    const run = this.portal.state.robotRuns.find((r) => r.eventToken === token);
    if (!run || run.status !== 'waiting') throw faults.accessDenied('Access denied!');
    return run;
  }

  /** bizproc.event.send: the first send closes the run; unknown/used tokens are refused. */
  complete(token: string, returnValues: Record<string, unknown>, logMessage: string | null): void {
    const run = this.runByToken(token);
    const robot = this.portal.state.robots.find((r) => r.kind === run.kind && r.code === run.code);
    const allowed = Object.keys(robot?.returnProperties ?? {});
    // Return keys match RETURN_PROPERTIES case-insensitively; unknown keys are dropped.
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(returnValues)) {
      const match = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
      if (match) values[match] = v;
    }
    run.returnValues = values;
    run.logMessage = logMessage;
    if (logMessage) run.log.push(logMessage);
    run.status = 'completed';
    run.completedAt = this.portal.clock.now();
    this.portal.store.touch();
  }

  log(token: string, message: string): void {
    const run = this.runByToken(token);
    run.log.push(message);
    this.portal.store.touch();
  }
}

