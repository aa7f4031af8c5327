import { dateInZone } from '../app/clock.js';
import type { HandlerContext } from '../app/context.js';
import { setMemberStatus } from '../app/crm/member-status.js';
import { mapKeys, stageKeyOf } from '../app/registry/names.js';

/** A deal or smart-process item as crm.item.* returns it (camelCase). */
export interface CrmItem {
  id: number;
  categoryId: number;
  stageId: string;
  movedTime?: string | null;
  contactId?: number | null;
  [field: string]: unknown;
}

export interface StageAction {
  pipeline: string;
  stage: string;
  /** Kebab-case name, used in effect keys and logs. */
  action: string;
  title: string;
  /** The robot an admin can put on the stage instead (settings-page checklist). */
  robotCode?: string;
  run(ctx: HandlerContext, item: CrmItem): Promise<void>;
}

/** What happens when a membership deal enters a stage. Issue-by-issue this table grows. */
export const STAGE_ACTIONS: StageAction[] = [
  {
    pipeline: 'membership',
    stage: 'WON',
    action: 'admit-member',
    title: 'Контакт становится членом профсоюза с датой решения',
    robotCode: 'set-member-status',
    async run(ctx, item) {
      if (!item.contactId) {
        ctx.logger.warn({ dealId: item.id }, 'positive decision without a contact');
        return;
      }
      const from = dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
      await setMemberStatus(ctx, item.contactId, { status: 'member', from, source: 'decision' });
    },
  },
];

export const DEAL_ITEM_SELECT = ['id', 'categoryId', 'stageId', 'movedTime', 'contactId'];

/** The effect key of one entry into a stage: repeats of the same entry do nothing. */
export const stageEntryKey = (entityTypeId: number, item: CrmItem) => `stage:${entityTypeId}:${item.id}:${item.stageId}:${item.movedTime ?? ''}`;

/**
 * Run the action of the stage each deal is in, once per entry into that stage, whichever way we
 * heard of it (online event, offline queue, catch-up scan, robot).
 */
export async function actOnDeals(ctx: HandlerContext, items: CrmItem[]): Promise<number> {
  if (!ctx.settings.process.handleStagesByEvents) return 0;
  let ran = 0;
  for (const item of items) {
    const pipeline = ctx.manifest.pipelines.find((p) => ctx.map[mapKeys.pipelineCategory(p.key)] === String(item.categoryId));
    if (!pipeline) continue;
    const action = STAGE_ACTIONS.find((a) => a.pipeline === pipeline.key && a.stage === stageKeyOf(item.stageId));
    if (!action) continue;
    const key = `${stageEntryKey(2, item)}:${action.action}`;
    if (await ctx.store.hasEffect(ctx.portal.memberId, key)) continue;
    await action.run(ctx, item);
    await ctx.store.recordEffect(ctx.portal.memberId, key);
    ctx.logger.info({ dealId: item.id, stage: action.stage, action: action.action }, 'stage action done');
    ran++;
  }
  return ran;
}

/** Read deals by id in one request (filter on the portal) and act on them. */
export async function actOnDealIds(ctx: HandlerContext, ids: number[]): Promise<number> {
  let ran = 0;
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const { items } = await ctx.rest.call<{ items: CrmItem[] }>('crm.item.list', { entityTypeId: 2, select: DEAL_ITEM_SELECT, filter: { '@id': chunk }, order: { id: 'ASC' }, start: -1 });
    ran += await actOnDeals(ctx, items);
  }
  return ran;
}
