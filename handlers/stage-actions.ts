import type { HandlerContext } from '../app/context.js';
import { once } from '../app/effects.js';
import { recordEmployerHandoff } from '../app/membership/employer.js';
import { decideNegative, decidePositive } from '../app/membership/decision.js';
import { handleNewApplication } from '../app/membership/new-application.js';
import { createResolution } from '../app/membership/resolution.js';
import { checkSignedDocuments } from '../app/membership/signing.js';
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
  /** The robot an admin puts on the stage to run this action (settings-page checklist). */
  robotCode: string;
  /**
   * Entry actions run once per entry into the stage. A watch runs on every change while the deal
   * sits in the stage (signed documents arriving), and guards its own effects.
   */
  mode: 'entry' | 'watch';
  run(ctx: HandlerContext, item: CrmItem, entryKey: string): Promise<void>;
}

/** What happens when a membership deal enters (or sits in) a stage. */
export const STAGE_ACTIONS: StageAction[] = [
  {
    pipeline: 'membership',
    stage: 'NEW',
    action: 'check-and-prepare',
    title: 'Проверка заявителя, документы, статус «подано заявление», организация и ответственный, письмо заявителю, переход к подписанию',
    robotCode: 'run-stage-action',
    mode: 'entry',
    run: async (ctx, item, entryKey) => void (await handleNewApplication(ctx, item.id, entryKey)),
  },
  {
    pipeline: 'membership',
    stage: 'SIGNING',
    action: 'await-signed',
    title: 'Когда подписанные документы приложены — переход к подготовке постановления',
    robotCode: 'run-stage-action',
    mode: 'watch',
    run: async (ctx, item, entryKey) => void (await checkSignedDocuments(ctx, item.id, entryKey)),
  },
  {
    pipeline: 'membership',
    stage: 'RESOLUTION',
    action: 'create-resolution',
    title: 'Постановление: элемент смарт-процесса с номером, датой, организацией и документом',
    robotCode: 'run-stage-action',
    mode: 'entry',
    run: async (ctx, item) => void (await createResolution(ctx, item.id)),
  },
  {
    pipeline: 'membership',
    stage: 'EMPLOYER',
    action: 'employer-handoff',
    title: 'Дата передачи заявления об удержании взносов работодателю, уведомление бухгалтеру',
    robotCode: 'run-stage-action',
    mode: 'entry',
    run: async (ctx, item, entryKey) => void (await recordEmployerHandoff(ctx, item.id, entryKey, {})),
  },
  {
    pipeline: 'membership',
    stage: 'WON',
    action: 'admit-member',
    title: 'Контакт становится членом профсоюза с датой решения, письмо-поздравление',
    robotCode: 'run-stage-action',
    mode: 'entry',
    run: async (ctx, item, entryKey) => void (await decidePositive(ctx, item.id, entryKey)),
  },
  {
    pipeline: 'membership',
    stage: 'LOSE',
    action: 'refuse',
    title: 'Письмо заявителю с причиной отказа',
    robotCode: 'run-stage-action',
    mode: 'entry',
    run: async (ctx, item, entryKey) => void (await decideNegative(ctx, item.id, entryKey)),
  },
];

export const DEAL_ITEM_SELECT = ['id', 'categoryId', 'stageId', 'movedTime', 'contactId'];

/** The effect key of one entry into a stage: repeats of the same entry do nothing. */
export const stageEntryKey = (entityTypeId: number, item: Pick<CrmItem, 'id' | 'stageId' | 'movedTime'>) => `stage:${entityTypeId}:${item.id}:${item.stageId}:${item.movedTime ?? ''}`;

export function stageActionFor(ctx: Pick<HandlerContext, 'manifest' | 'map'>, item: Pick<CrmItem, 'categoryId' | 'stageId'>): StageAction | undefined {
  const pipeline = ctx.manifest.pipelines.find((p) => ctx.map[mapKeys.pipelineCategory(p.key)] === String(item.categoryId));
  if (!pipeline) return undefined;
  return STAGE_ACTIONS.find((a) => a.pipeline === pipeline.key && a.stage === stageKeyOf(item.stageId));
}

/**
 * Run the action of the stage each deal is in, once per entry into that stage, whichever way we
 * heard of it (online event, offline queue, catch-up scan, robot).
 */
export async function actOnDeals(ctx: HandlerContext, items: CrmItem[]): Promise<number> {
  if (!ctx.settings.process.handleStagesByEvents) return 0;
  let ran = 0;
  for (const item of items) {
    const action = stageActionFor(ctx, item);
    if (!action) continue;
    const entryKey = `${stageEntryKey(2, item)}:${action.action}`;
    if (action.mode === 'watch') {
      await action.run(ctx, item, entryKey);
      continue;
    }
    const done = await once(ctx, entryKey, () => action.run(ctx, item, entryKey));
    if (!done) continue;
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

/** For robots: the current stage entry of a deal, so a robot and the event path share effect keys. */
export async function currentEntry(ctx: HandlerContext, dealId: number): Promise<{ item: CrmItem; action: StageAction | undefined; entryKey: string }> {
  const { item } = await ctx.rest.call<{ item: CrmItem }>('crm.item.get', { entityTypeId: 2, id: dealId });
  const action = stageActionFor(ctx, item);
  return { item, action, entryKey: `${stageEntryKey(2, item)}:${action?.action ?? 'none'}` };
}
