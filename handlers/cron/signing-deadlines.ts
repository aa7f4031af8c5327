import type { CronHandler } from '../../app/schedules.js';
import { scanSigningDeadlines } from '../../app/membership/deadlines.js';

/** Reminders at day N and closing at day M of the signing stage (schedule: DEADLINE_SCAN_CRON). */
const handler: CronHandler = {
  name: 'signing-deadlines',
  schedule: '0 8-18 * * 1-5',
  async run(ctx) {
    await scanSigningDeadlines(ctx);
  },
};
export default handler;
