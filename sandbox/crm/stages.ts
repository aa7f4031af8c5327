/**
 * Pipelines (categories) and stages (crm.status rows) — naming rules of the portal:
 * deal general pipeline: entity DEAL_STAGE, stage `NEW`; deal pipeline N: DEAL_STAGE_N, `CN:NEW`;
 * smart process: DYNAMIC_{entityTypeId}_STAGE_{cat}, `DT{entityTypeId}_{cat}:NEW`; leads: STATUS.
 */
import { nextId } from '../ids.js';
import type { CategoryRec, SandboxState, StatusRec } from '../types.js';

export const ENTITY = { LEAD: 1, DEAL: 2, CONTACT: 3, COMPANY: 4 } as const;

interface StageSeed {
  code: string;
  name: string;
  sort: number;
  color: string;
  semantics: 'S' | 'F' | null;
  system: boolean;
}

const DEAL_STAGES: StageSeed[] = [
  { code: 'NEW', name: 'Новая', sort: 10, color: '#39A8EF', semantics: null, system: true },
  { code: 'PREPARATION', name: 'Подготовка документов', sort: 20, color: '#2FC6F6', semantics: null, system: false },
  { code: 'PREPAYMENT_INVOICE', name: 'Счёт на предоплату', sort: 30, color: '#55D0E0', semantics: null, system: false },
  { code: 'EXECUTING', name: 'В работе', sort: 40, color: '#47E4C2', semantics: null, system: false },
  { code: 'FINAL_INVOICE', name: 'Финальный счёт', sort: 50, color: '#FFA900', semantics: null, system: false },
  { code: 'WON', name: 'Сделка успешна', sort: 60, color: '#7BD500', semantics: 'S', system: true },
  { code: 'LOSE', name: 'Сделка провалена', sort: 70, color: '#FF5752', semantics: 'F', system: true },
  { code: 'APOLOGY', name: 'Анализ причины провала', sort: 80, color: '#FF5752', semantics: 'F', system: false },
];

const SPA_STAGES: StageSeed[] = [
  { code: 'NEW', name: 'Начало', sort: 10, color: '#39A8EF', semantics: null, system: true },
  { code: 'PREPARATION', name: 'Подготовка', sort: 20, color: '#2FC6F6', semantics: null, system: false },
  { code: 'CLIENT', name: 'Согласование', sort: 30, color: '#55D0E0', semantics: null, system: false },
  { code: 'SUCCESS', name: 'Успех', sort: 40, color: '#7BD500', semantics: 'S', system: true },
  { code: 'FAIL', name: 'Провал', sort: 50, color: '#FF5752', semantics: 'F', system: true },
];

const LEAD_STAGES: StageSeed[] = [
  { code: 'NEW', name: 'Не обработан', sort: 10, color: '#39A8EF', semantics: null, system: true },
  { code: 'IN_PROCESS', name: 'В работе', sort: 20, color: '#2FC6F6', semantics: null, system: false },
  { code: 'PROCESSED', name: 'Обработан', sort: 30, color: '#55D0E0', semantics: null, system: false },
  { code: 'CONVERTED', name: 'Качественный лид', sort: 40, color: '#7BD500', semantics: 'S', system: true },
  { code: 'JUNK', name: 'Некачественный лид', sort: 50, color: '#FF5752', semantics: 'F', system: true },
];

/** Plain dictionaries (no stages): ENTITY_ID → [[STATUS_ID, NAME], …]. */
export const DICTIONARIES: Record<string, { name: string; rows: [string, string][] }> = {
  SOURCE: {
    name: 'Источники',
    rows: [
      ['CALL', 'Звонок'], ['EMAIL', 'Электронная почта'], ['WEB', 'Веб-сайт'], ['ADVERTISING', 'Реклама'],
      ['PARTNER', 'Существующий клиент'], ['RECOMMENDATION', 'По рекомендации'], ['TRADE_SHOW', 'Выставка'],
      ['WEBFORM', 'CRM-форма'], ['CALLBACK', 'Обратный звонок'], ['OTHER', 'Другое'],
    ],
  },
  CONTACT_TYPE: { name: 'Тип контакта', rows: [['CLIENT', 'Клиенты'], ['SUPPLIER', 'Поставщики'], ['PARTNER', 'Партнеры'], ['OTHER', 'Другое']] },
  COMPANY_TYPE: {
    name: 'Тип компании',
    rows: [['CUSTOMER', 'Клиент'], ['SUPPLIER', 'Поставщик'], ['COMPETITOR', 'Конкурент'], ['PARTNER', 'Партнер'], ['OTHER', 'Другое']],
  },
  EMPLOYEES: {
    name: 'Кол-во сотрудников',
    rows: [['EMPLOYEES_1', 'менее 50'], ['EMPLOYEES_2', '50-250'], ['EMPLOYEES_3', '250-500'], ['EMPLOYEES_4', 'более 500']],
  },
  INDUSTRY: {
    name: 'Сфера деятельности',
    rows: [
      ['IT', 'Информационные технологии'], ['TELECOM', 'Телекоммуникации и связь'], ['MANUFACTURING', 'Производство'],
      ['BANKING', 'Банковские услуги'], ['CONSULTING', 'Консалтинг'], ['FINANCE', 'Финансы'], ['GOVERNMENT', 'Правительство'],
      ['DELIVERY', 'Доставка'], ['ENTERTAINMENT', 'Развлечения'], ['NOTPROFIT', 'Не для получения прибыли'], ['OTHER', 'Другое'],
    ],
  },
  DEAL_TYPE: {
    name: 'Тип сделки',
    rows: [['SALE', 'Продажа'], ['COMPLEX', 'Комплексная продажа'], ['GOODS', 'Продажа товара'], ['SERVICE', 'Продажа услуги'], ['SERVICES', 'Сервисное обслуживание']],
  },
  HONORIFIC: { name: 'Обращения', rows: [['HNR_RU_1', 'г-н'], ['HNR_RU_2', 'г-жа']] },
};

/** crm.status ENTITY_ID of a pipeline's stages. */
export function stageEntityId(entityTypeId: number, categoryId: number | null): string {
  if (entityTypeId === ENTITY.LEAD) return 'STATUS';
  if (entityTypeId === ENTITY.DEAL) return categoryId ? `DEAL_STAGE_${categoryId}` : 'DEAL_STAGE';
  return `DYNAMIC_${entityTypeId}_STAGE_${categoryId ?? 0}`;
}

/** Stage-id prefix (without the colon): '' for the general deal pipeline and leads. */
export function stagePrefix(entityTypeId: number, categoryId: number | null): string {
  if (entityTypeId === ENTITY.LEAD) return '';
  if (entityTypeId === ENTITY.DEAL) return categoryId ? `C${categoryId}` : '';
  return `DT${entityTypeId}_${categoryId ?? 0}`;
}

/** Parses a stage ENTITY_ID back to its owner; null for plain dictionaries. */
export function parseStageEntityId(entityId: string): { entityTypeId: number; categoryId: number | null } | null {
  if (entityId === 'STATUS') return { entityTypeId: ENTITY.LEAD, categoryId: null };
  if (entityId === 'DEAL_STAGE') return { entityTypeId: ENTITY.DEAL, categoryId: 0 };
  let m = /^DEAL_STAGE_(\d+)$/.exec(entityId);
  if (m) return { entityTypeId: ENTITY.DEAL, categoryId: Number(m[1]) };
  m = /^DYNAMIC_(\d+)_STAGE_(\d+)$/.exec(entityId);
  if (m) return { entityTypeId: Number(m[1]), categoryId: Number(m[2]) };
  return null;
}

function seedStages(state: SandboxState, entityTypeId: number, categoryId: number | null, seeds: StageSeed[]): void {
  const entityId = stageEntityId(entityTypeId, categoryId);
  const prefix = stagePrefix(entityTypeId, categoryId);
  for (const s of seeds) {
    state.statuses.push({
      id: nextId(state, 'status', 100),
      entityId,
      statusId: prefix ? `${prefix}:${s.code}` : s.code,
      name: s.name,
      nameInit: s.system ? s.name : '',
      sort: s.sort,
      system: s.system,
      categoryId: entityTypeId === ENTITY.LEAD || (entityTypeId === ENTITY.DEAL && !categoryId) ? null : categoryId,
      color: s.color,
      semantics: s.semantics,
    });
  }
}

/** Default stages of a new pipeline (deal pipelines get the deal set, smart processes the SPA set). */
export function seedPipelineStages(state: SandboxState, entityTypeId: number, categoryId: number): void {
  seedStages(state, entityTypeId, categoryId, entityTypeId === ENTITY.DEAL ? DEAL_STAGES : SPA_STAGES);
}

export function seedDefaultStatuses(state: SandboxState): void {
  seedStages(state, ENTITY.DEAL, 0, DEAL_STAGES);
  seedStages(state, ENTITY.LEAD, null, LEAD_STAGES);
  for (const [entityId, dict] of Object.entries(DICTIONARIES)) {
    dict.rows.forEach(([code, name], i) => {
      state.statuses.push({
        id: nextId(state, 'status', 100),
        entityId,
        statusId: code,
        name,
        nameInit: name,
        sort: (i + 1) * 10,
        system: true,
        categoryId: null,
        color: '',
        semantics: null,
      });
    });
  }
}

export function stagesOf(state: SandboxState, entityTypeId: number, categoryId: number | null): StatusRec[] {
  const entityId = stageEntityId(entityTypeId, categoryId);
  return state.statuses.filter((s) => s.entityId === entityId).sort((a, b) => a.sort - b.sort || a.id - b.id);
}

/** Which pipeline of this entity type owns a stage id; undefined when none does. */
export function findStage(state: SandboxState, entityTypeId: number, stageId: string): StatusRec | undefined {
  return state.statuses.find((s) => s.statusId === stageId && parseStageEntityId(s.entityId)?.entityTypeId === entityTypeId);
}

export function stageSemanticId(stage: StatusRec | undefined): 'P' | 'S' | 'F' {
  return stage?.semantics ?? 'P';
}

export function categoriesOf(state: SandboxState, entityTypeId: number): CategoryRec[] {
  return state.categories.filter((c) => c.entityTypeId === entityTypeId);
}

export function defaultCategory(state: SandboxState, entityTypeId: number): CategoryRec | undefined {
  return categoriesOf(state, entityTypeId).find((c) => c.isDefault);
}
