import type { EventHandler } from '../../app/events.js';
import { drainOfflineEvents } from '../offline-queue.js';

/** The portal's nudge that its offline queue has records. */
const handler: EventHandler = async (ctx) => {
  await drainOfflineEvents(ctx);
};
export default handler;
