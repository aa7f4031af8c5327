import type { HandlerContext } from '../app/context.js';
import { actOnDealIds } from './stage-actions.js';

interface OfflineRecord {
  ID: string;
  EVENT_NAME: string;
  EVENT_DATA: unknown;
  MESSAGE_ID: string;
}

function entityId(data: unknown): number | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { FIELDS?: { ID?: unknown }; ID?: unknown };
  const id = Number(d.FIELDS?.ID ?? d.ID);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/**
 * Catch up on changes made while we were down or unreachable: the portal keeps one offline record
 * per changed object. Records are reserved (clear=0), acted on, then cleared, so a crash in between
 * leaves them for the next drain; the stage-entry effect keys make the repeat harmless.
 */
export async function drainOfflineEvents(ctx: HandlerContext): Promise<number> {
  let processed = 0;
  for (let round = 0; round < 100; round++) {
    const res = await ctx.rest.call<{ process_id: string; events: OfflineRecord[] }>('event.offline.get', { clear: 0, limit: 50 });
    const events = res.events ?? [];
    if (!events.length) break;
    const dealIds = new Set<number>();
    for (const e of events) {
      const id = entityId(e.EVENT_DATA);
      if (id !== null && (e.EVENT_NAME === 'ONCRMDEALUPDATE' || e.EVENT_NAME === 'ONCRMDEALADD')) dealIds.add(id);
    }
    await actOnDealIds(ctx, [...dealIds]);
    await ctx.rest.call('event.offline.clear', { process_id: res.process_id, id: events.map((e) => e.ID) });
    processed += events.length;
    if (events.length < 50) break;
  }
  if (processed) ctx.logger.info({ processed }, 'offline events drained');
  return processed;
}
