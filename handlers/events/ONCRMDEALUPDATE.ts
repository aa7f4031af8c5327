import type { EventHandler } from '../../app/events.js';
import { actOnDealIds } from '../stage-actions.js';

/** A deal changed: read it and run its stage's action if it just entered that stage. */
const handler: EventHandler = async (ctx, payload) => {
  const id = Number((payload.data.FIELDS as { ID?: string } | undefined)?.ID);
  if (!Number.isInteger(id) || id <= 0) return;
  await actOnDealIds(ctx, [id]);
};
export default handler;
