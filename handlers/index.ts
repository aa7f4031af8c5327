/**
 * Every trigger the app handles, by its one name (DESIGN idiom 1). A test checks this table
 * against manifest.json and the files on disk.
 */
import type { EventHandler } from '../app/events.js';
import type { RobotModule } from '../app/robots.js';
import type { CronHandler } from '../app/schedules.js';
import setMemberStatus from '../robots/set-member-status.js';
import offlineDrain from './cron/offline-drain.js';
import ONCRMDEALADD from './events/ONCRMDEALADD.js';
import ONCRMDEALUPDATE from './events/ONCRMDEALUPDATE.js';
import ONCRMDYNAMICITEMUPDATE from './events/ONCRMDYNAMICITEMUPDATE.js';
import ONOFFLINEEVENT from './events/ONOFFLINEEVENT.js';

export const EVENT_HANDLERS: Record<string, EventHandler> = { ONCRMDEALADD, ONCRMDEALUPDATE, ONCRMDYNAMICITEMUPDATE, ONOFFLINEEVENT };

export const ROBOTS: Record<string, RobotModule> = { [setMemberStatus.code]: setMemberStatus as unknown as RobotModule };

export const CRON_HANDLERS: CronHandler[] = [offlineDrain];
