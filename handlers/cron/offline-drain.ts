import type { CronHandler } from '../../app/schedules.js';
import { drainOfflineEvents } from '../offline-queue.js';

/** Every few minutes, and once at boot: the safety net under the online events. */
const handler: CronHandler = {
  name: 'offline-drain',
  schedule: '*/5 * * * *',
  async run(ctx) {
    await drainOfflineEvents(ctx);
  },
};
export default handler;
