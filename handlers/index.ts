/**
 * Every trigger the app handles, by its one name (DESIGN idiom 1). A test checks this table
 * against manifest.json and the files on disk.
 */
import type { EventHandler } from '../app/events.js';
import type { RobotModule } from '../app/robots.js';
import type { CronHandler } from '../app/schedules.js';
import addDays from '../robots/add-days.js';
import attachToOrganisation from '../robots/attach-to-organisation.js';
import checkApplicant from '../robots/check-applicant.js';
import createResolution from '../robots/create-resolution.js';
import generateDocuments from '../robots/generate-documents.js';
import recordEmployerHandoff from '../robots/record-employer-handoff.js';
import runStageAction from '../robots/run-stage-action.js';
import setMemberStatus from '../robots/set-member-status.js';
import { isWebhookPortal } from '../app/webhook-mode.js';
import catchUpScan from './cron/catch-up-scan.js';
import offlineDrain from './cron/offline-drain.js';
import signingDeadlines from './cron/signing-deadlines.js';
import ONCRMCONTACTADD from './events/ONCRMCONTACTADD.js';
import ONCRMCONTACTUPDATE from './events/ONCRMCONTACTUPDATE.js';
import ONCRMDEALADD from './events/ONCRMDEALADD.js';
import ONCRMDEALUPDATE from './events/ONCRMDEALUPDATE.js';
import ONCRMDYNAMICITEMUPDATE from './events/ONCRMDYNAMICITEMUPDATE.js';
import ONOFFLINEEVENT from './events/ONOFFLINEEVENT.js';

export const EVENT_HANDLERS: Record<string, EventHandler> = { ONCRMCONTACTADD, ONCRMCONTACTUPDATE, ONCRMDEALADD, ONCRMDEALUPDATE, ONCRMDYNAMICITEMUPDATE, ONOFFLINEEVENT };

const robots: RobotModule[] = [
  setMemberStatus,
  runStageAction,
  checkApplicant,
  generateDocuments,
  attachToOrganisation,
  createResolution,
  recordEmployerHandoff,
  addDays,
] as unknown as RobotModule[];
export const ROBOTS: Record<string, RobotModule> = Object.fromEntries(robots.map((r) => [r.code, r]));

/** The offline event queue (event.offline.*) needs an app: a webhook portal relies on the catch-up scan. */
const appContextOnly = (h: CronHandler): CronHandler => ({ ...h, run: async (ctx) => (isWebhookPortal(ctx.portal) ? undefined : h.run(ctx)) });

export const CRON_HANDLERS: CronHandler[] = [appContextOnly(offlineDrain), catchUpScan, signingDeadlines];
