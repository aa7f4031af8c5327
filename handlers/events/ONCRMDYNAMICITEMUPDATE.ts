import type { EventHandler } from '../../app/events.js';
import { mapKeys } from '../../app/registry/names.js';

/** Smart-process items: only ours matter; their stage actions arrive with the document-routing issues. */
const handler: EventHandler = async (ctx, payload) => {
  const fields = (payload.data.FIELDS ?? {}) as { ID?: string; ENTITY_TYPE_ID?: string };
  const ours = ctx.manifest.smartProcesses.find((s) => ctx.map[mapKeys.spaEntityType(s.key)] === fields.ENTITY_TYPE_ID);
  if (!ours) return;
  ctx.logger.debug({ spa: ours.key, id: fields.ID }, 'smart-process item changed');
};
export default handler;
