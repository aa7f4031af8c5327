import { ensureNameKeys } from '../../app/crm/duplicates.js';
import type { EventHandler } from '../../app/events.js';

/** Keep the contact's name key (duplicate search) in step with its name, whoever edited it. */
const handler: EventHandler = async (ctx, payload) => {
  const id = Number((payload.data.FIELDS as { ID?: string } | undefined)?.ID);
  if (!Number.isInteger(id) || id <= 0) return;
  await ensureNameKeys(ctx, [id]);
};
export default handler;
