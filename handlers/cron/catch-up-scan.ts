/**
 * Catch-up scan by modification time: every 10 minutes (and at boot) ask the portal for the deals
 * of our pipelines changed since the last scan and run their stages' actions. The safety net under
 * events and the offline queue (a delivery the portal never retried, an offline queue we may not
 * read), and the only way stage actions run in webhook mode, where the portal sends us nothing.
 *
 * REST: one request when nothing changed (a keyset walk of `crm.item.list`, filtered on the portal
 * by category and `>=updatedTime`); a busy window costs one request per SCAN_PAGES_PER_REQUEST × 50
 * deals, plus what the actions themselves do. Repeats are harmless: entry actions are keyed by
 * (deal, stage, moved time), so a deal seen by an event and again by the scan acts once.
 *
 * State: one timestamp per portal in settings (when the last complete scan started). First run:
 * start from now, don't replay history. The window starts SCAN_OVERLAP_MS before the last scan,
 * for the clock skew between us and the portal and for changes committed while we read.
 */
import type { HandlerContext } from '../../app/context.js';
import { mapKeys } from '../../app/registry/names.js';
import type { CronHandler } from '../../app/schedules.js';
import type { Store } from '../../app/store/types.js';
import { actOnDeals, DEAL_ITEM_SELECT, STAGE_ACTIONS, type CrmItem } from '../stage-actions.js';

export const CATCH_UP_SETTING = 'catchUp.lastScanAt';
export const SCAN_OVERLAP_MS = 2 * 60_000;
/** Pages of 50 per batch request: small, since a 10-minute window rarely holds more than a few deals. */
export const SCAN_PAGES_PER_REQUEST = 10;

/** First registration (webhook mode) or first scan: stage actions start from now. */
export async function ensureCatchUpBaseline(store: Store, memberId: string, now: number): Promise<void> {
  if ((await store.getSetting<number>(memberId, CATCH_UP_SETTING)) === undefined) await store.setSetting(memberId, CATCH_UP_SETTING, now);
}

/** ISO 8601 with the offset of `timeZone` at that instant, as the portal prints times: 2024-07-18T14:00:14+03:00. */
export function isoInZone(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(ms);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? '';
  const offset = get('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

/**
 * One change of one deal, as the scan saw it. Times have seconds only: a second change in the same
 * second in the same stage looks seen (entry actions don't care — their keys are the stage entry;
 * a watched stage waits for the deal's next change).
 */
const seenKey = (item: CrmItem) => `catch-up:${item.id}:${item.stageId}:${String(item.updatedTime ?? '')}`;

export interface CatchUpResult {
  /** Deals the portal returned as changed in the window. */
  seen: number;
  /** Entry actions that ran (not counting repeats the effect keys stopped). */
  ran: number;
  /** The window's start as sent, or null when nothing was asked (first run, actions off, not installed). */
  since: string | null;
}

export async function catchUpScan(ctx: HandlerContext): Promise<CatchUpResult> {
  const memberId = ctx.portal.memberId;
  const startedAt = ctx.clock.now();
  const last = await ctx.store.getSetting<number>(memberId, CATCH_UP_SETTING);
  if (last === undefined || !ctx.settings.process.handleStagesByEvents) {
    // First run; or stage actions are left to robots: keep the mark current, ask nothing.
    await ctx.store.setSetting(memberId, CATCH_UP_SETTING, startedAt);
    return { seen: 0, ran: 0, since: null };
  }
  const categories = [...new Set(STAGE_ACTIONS.map((a) => a.pipeline))].map((p) => ctx.map[mapKeys.pipelineCategory(p)]).filter((c): c is string => c !== undefined);
  // Not reconciled yet: keep the mark where it is, so the first scan after the registry ran covers the gap.
  if (!categories.length) return { seen: 0, ran: 0, since: null };

  const since = isoInZone(Math.min(last, startedAt) - SCAN_OVERLAP_MS, ctx.settings.process.timeZone);
  const filter = { ...(categories.length === 1 ? { categoryId: Number(categories[0]) } : { '@categoryId': categories.map(Number) }), '>=updatedTime': since };
  let seen = 0;
  let ran = 0;
  for await (const page of ctx.rest.walk<CrmItem>('crm.item.list', { params: { entityTypeId: 2 }, filter, select: [...DEAL_ITEM_SELECT, 'updatedTime'], pagesPerBatch: SCAN_PAGES_PER_REQUEST })) {
    seen += page.length;
    // A change already seen by an earlier scan (the overlap) is skipped, so a deal sitting in a
    // watched stage is not read again for nothing.
    const fresh: CrmItem[] = [];
    for (const item of page) if (!(await ctx.store.hasEffect(memberId, seenKey(item)))) fresh.push(item);
    ran += await actOnDeals(ctx, fresh);
    for (const item of fresh) await ctx.store.recordEffect(memberId, seenKey(item));
  }
  // Only a complete scan moves the mark: a crash or a failed action repeats the window (harmlessly).
  await ctx.store.setSetting(memberId, CATCH_UP_SETTING, startedAt);
  if (seen) ctx.logger.info({ seen, ran, since }, 'catch-up scan');
  return { seen, ran, since };
}

const handler: CronHandler = {
  name: 'catch-up-scan',
  schedule: '*/10 * * * *',
  async run(ctx) {
    await catchUpScan(ctx);
  },
};
export default handler;
