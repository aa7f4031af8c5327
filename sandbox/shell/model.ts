/**
 * What the shell shows, read straight from the portal state: boards (pipelines and their stages),
 * item names and links, field rows with display values and editors. Writes never happen here —
 * they go through REST dispatch (see api.ts) so events and robots fire as on a real portal.
 */
import { formatIso } from '../clock.js';
import type { Portal } from '../core.js';
import { fieldCatalog, hasMultifields, type FieldDef } from '../crm/fields.js';
import { getItem, itemsOf, storeKey } from '../crm/items.js';
import { categoriesOf, ENTITY, stagesOf } from '../crm/stages.js';
import type { CategoryRec, ItemRec, PlacementRec, SandboxState, SandboxUser, StatusRec } from '../types.js';

// ---------------------------------------------------------------- entities, boards, links

export interface EntityInfo {
  entityTypeId: number;
  /** deal | contact | company | lead | type */
  kind: 'deal' | 'contact' | 'company' | 'lead' | 'type';
  /** Plural title for menus and lists. */
  title: string;
  /** Singular title for card headers. */
  single: string;
  /** Placement entity code: DEAL, CONTACT, COMPANY, LEAD, DYNAMIC_{id}. */
  placementCode: string;
  hasStages: boolean;
}

const FIXED: Record<number, Omit<EntityInfo, 'entityTypeId' | 'hasStages'>> = {
  [ENTITY.LEAD]: { kind: 'lead', title: 'Лиды', single: 'Лид', placementCode: 'LEAD' },
  [ENTITY.DEAL]: { kind: 'deal', title: 'Сделки', single: 'Сделка', placementCode: 'DEAL' },
  [ENTITY.CONTACT]: { kind: 'contact', title: 'Контакты', single: 'Контакт', placementCode: 'CONTACT' },
  [ENTITY.COMPANY]: { kind: 'company', title: 'Компании', single: 'Компания', placementCode: 'COMPANY' },
};

export function entityInfo(state: SandboxState, entityTypeId: number): EntityInfo | undefined {
  const fixed = FIXED[entityTypeId];
  if (fixed) return { ...fixed, entityTypeId, hasStages: entityTypeId === ENTITY.DEAL || entityTypeId === ENTITY.LEAD };
  const type = state.crmTypes.find((t) => t.entityTypeId === entityTypeId);
  if (!type) return undefined;
  return {
    entityTypeId,
    kind: 'type',
    title: type.title,
    single: type.title,
    placementCode: `DYNAMIC_${entityTypeId}`,
    hasStages: type.flags['isStagesEnabled'] === 'Y',
  };
}

export function itemUrl(entityTypeId: number, id: number): string {
  const kind = FIXED[entityTypeId]?.kind;
  return kind ? `/crm/${kind}/details/${id}/` : `/crm/type/${entityTypeId}/details/${id}/`;
}

export function boardUrl(entityTypeId: number, categoryId: number): string {
  return entityTypeId === ENTITY.DEAL ? `/crm/deal/category/${categoryId}/` : `/crm/type/${entityTypeId}/category/${categoryId}/`;
}

export interface Board {
  entityTypeId: number;
  categoryId: number;
  /** Pipeline name (for deals) or smart-process title (plus pipeline name when it has several). */
  title: string;
  url: string;
  kanban: boolean;
}

function sortedCategories(state: SandboxState, entityTypeId: number): CategoryRec[] {
  return [...categoriesOf(state, entityTypeId)].sort((a, b) => a.sort - b.sort || a.id - b.id);
}

/** Every deal pipeline, then every smart process (each of its pipelines). */
export function boards(state: SandboxState): { deals: Board[]; types: Board[] } {
  const deals = sortedCategories(state, ENTITY.DEAL).map((c) => ({
    entityTypeId: ENTITY.DEAL,
    categoryId: c.id,
    title: c.name,
    url: boardUrl(ENTITY.DEAL, c.id),
    kanban: true,
  }));
  const types: Board[] = [];
  for (const t of [...state.crmTypes].sort((a, b) => a.id - b.id)) {
    const cats = sortedCategories(state, t.entityTypeId);
    const kanban = t.flags['isStagesEnabled'] === 'Y';
    for (const c of cats) {
      types.push({
        entityTypeId: t.entityTypeId,
        categoryId: c.id,
        title: cats.length > 1 ? `${t.title}: ${c.name}` : t.title,
        url: boardUrl(t.entityTypeId, c.id),
        kanban,
      });
    }
  }
  return { deals, types };
}

export function findBoard(state: SandboxState, entityTypeId: number, categoryId: number): Board | undefined {
  const { deals, types } = boards(state);
  return [...deals, ...types].find((b) => b.entityTypeId === entityTypeId && b.categoryId === categoryId);
}

export function boardStages(state: SandboxState, entityTypeId: number, categoryId: number | null): StatusRec[] {
  return stagesOf(state, entityTypeId, categoryId);
}

export function boardItems(state: SandboxState, entityTypeId: number, categoryId: number): ItemRec[] {
  return itemsOf(state, entityTypeId)
    .filter((i) => Number(i.data['categoryId'] ?? 0) === categoryId)
    .sort((a, b) => b.id - a.id);
}

// ---------------------------------------------------------------- names

export function userName(u: SandboxUser | undefined): string {
  if (!u) return '';
  return [u.name, u.lastName].filter(Boolean).join(' ');
}

export function userById(state: SandboxState, id: unknown): SandboxUser | undefined {
  const n = Number(id);
  return Number.isFinite(n) && n > 0 ? state.users.find((u) => u.id === n) : undefined;
}

export function itemName(item: ItemRec | undefined): string {
  if (!item) return '';
  if (item.entityTypeId === ENTITY.CONTACT) {
    const full = [item.data['lastName'], item.data['name'], item.data['secondName']].filter((x) => typeof x === 'string' && x).join(' ');
    return full || `Контакт #${item.id}`;
  }
  const title = item.data['title'];
  return typeof title === 'string' && title ? title : `#${item.id}`;
}

/** The first contact of a deal / smart-process item (contactIds first, then contactId). */
export function primaryContact(state: SandboxState, item: ItemRec): ItemRec | undefined {
  const ids = Array.isArray(item.data['contactIds']) ? (item.data['contactIds'] as unknown[]) : [];
  const id = Number(ids[0] ?? item.data['contactId'] ?? 0);
  return id ? getItem(state, ENTITY.CONTACT, id) : undefined;
}

export function stageName(state: SandboxState, entityTypeId: number, stageId: unknown): string {
  if (typeof stageId !== 'string' || !stageId) return '';
  const cats = categoriesOf(state, entityTypeId);
  for (const c of entityTypeId === ENTITY.LEAD ? [null] : cats.map((x) => x.id)) {
    const s = stagesOf(state, entityTypeId, c).find((x) => x.statusId === stageId);
    if (s) return s.name;
  }
  return stageId;
}

// ---------------------------------------------------------------- dates

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "2025-03-04T00:00:00+03:00" → parts in the portal's zone (Moscow). */
function isoParts(value: unknown): { date: string; time: string } | null {
  if (typeof value !== 'string' || !value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(value);
  if (!m) return null;
  // Stored values are written with the portal offset; re-format through formatIso to be safe.
  const ms = Date.parse(value);
  if (Number.isFinite(ms) && /[+-]\d{2}:\d{2}$|Z$/.test(value)) {
    const iso = formatIso(ms);
    return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
  }
  return { date: `${m[1]}-${m[2]}-${m[3]}`, time: m[4] ? `${m[4]}:${m[5]}` : '00:00' };
}

export function ruDate(value: unknown): string {
  const p = isoParts(value);
  if (!p) return '';
  const [y, mo, d] = p.date.split('-');
  return `${d}.${mo}.${y}`;
}

export function ruDateTime(value: unknown): string {
  const p = isoParts(value);
  return p ? `${ruDate(value)} ${p.time}` : '';
}

/** Clock display: "12.03.2025 14:05" in Moscow time. */
export function ruDateTimeMs(ms: number): string {
  return ruDateTime(formatIso(ms));
}

// ---------------------------------------------------------------- field rows

const LABELS: Record<string, string> = {
  ID: 'ID',
  TITLE: 'Название',
  XML_ID: 'Внешний код',
  CREATED_TIME: 'Дата создания',
  UPDATED_TIME: 'Дата изменения',
  CREATED_BY: 'Кем создан',
  UPDATED_BY: 'Кем изменён',
  ASSIGNED_BY_ID: 'Ответственный',
  OPENED: 'Доступно для всех',
  LEAD_ID: 'Лид',
  COMPANY_ID: 'Компания',
  CONTACT_ID: 'Контакт',
  CONTACT_IDS: 'Контакты',
  COMPANY_IDS: 'Компании',
  QUOTE_ID: 'Предложение',
  CATEGORY_ID: 'Воронка',
  STAGE_ID: 'Стадия',
  STATUS_ID: 'Статус',
  PREVIOUS_STAGE_ID: 'Предыдущая стадия',
  STAGE_SEMANTIC_ID: 'Группа стадии',
  STATUS_SEMANTIC_ID: 'Группа статуса',
  STATUS_DESCRIPTION: 'Описание статуса',
  IS_NEW: 'Новая',
  IS_RECURRING: 'Регулярная',
  IS_RETURN_CUSTOMER: 'Повторная',
  IS_REPEATED_APPROACH: 'Повторное обращение',
  CLOSED: 'Закрыта',
  TYPE_ID: 'Тип',
  OPPORTUNITY: 'Сумма',
  IS_MANUAL_OPPORTUNITY: 'Сумма вручную',
  TAX_VALUE: 'Налог',
  CURRENCY_ID: 'Валюта',
  PROBABILITY: 'Вероятность, %',
  COMMENTS: 'Комментарий',
  BEGINDATE: 'Дата начала',
  CLOSEDATE: 'Дата завершения',
  LOCATION_ID: 'Местоположение',
  WEBFORM_ID: 'CRM-форма',
  SOURCE_ID: 'Источник',
  SOURCE_DESCRIPTION: 'Дополнительно об источнике',
  ORIGINATOR_ID: 'Внешний источник',
  ORIGIN_ID: 'Внешний ID',
  ADDITIONAL_INFO: 'Дополнительная информация',
  MOVED_BY: 'Кем перемещён',
  MOVED_TIME: 'Дата перемещения',
  LAST_ACTIVITY_BY: 'Последняя активность: кто',
  LAST_ACTIVITY_TIME: 'Последняя активность',
  OBSERVERS: 'Наблюдатели',
  NAME: 'Имя',
  SECOND_NAME: 'Отчество',
  LAST_NAME: 'Фамилия',
  HONORIFIC: 'Обращение',
  POST: 'Должность',
  BIRTHDATE: 'Дата рождения',
  EXPORT: 'Участвует в экспорте',
  HAS_PHONE: 'Есть телефон',
  HAS_EMAIL: 'Есть e-mail',
  HAS_IMOL: 'Есть открытая линия',
  COMPANY_TYPE: 'Тип компании',
  INDUSTRY: 'Сфера деятельности',
  EMPLOYEES: 'Кол-во сотрудников',
  REVENUE: 'Годовой оборот',
  IS_MY_COMPANY: 'Моя компания',
  MYCOMPANY_ID: 'Моя компания',
  COMPANY_TITLE: 'Название компании',
  UTM_SOURCE: 'UTM source',
  UTM_MEDIUM: 'UTM medium',
  UTM_CAMPAIGN: 'UTM campaign',
  UTM_CONTENT: 'UTM content',
  UTM_TERM: 'UTM term',
};

/** Fields shown first on a card (in this order), per entity kind; the rest go under "Прочие поля". */
const MAIN: Record<string, string[]> = {
  deal: ['TITLE', 'CATEGORY_ID', 'STAGE_ID', 'ASSIGNED_BY_ID', 'CONTACT_IDS', 'COMPANY_ID', 'OPPORTUNITY', 'CURRENCY_ID', 'TYPE_ID', 'SOURCE_ID', 'BEGINDATE', 'CLOSEDATE', 'COMMENTS'],
  contact: ['LAST_NAME', 'NAME', 'SECOND_NAME', 'HONORIFIC', 'POST', 'BIRTHDATE', 'COMPANY_IDS', 'ASSIGNED_BY_ID', 'TYPE_ID', 'SOURCE_ID', 'COMMENTS'],
  company: ['TITLE', 'COMPANY_TYPE', 'INDUSTRY', 'EMPLOYEES', 'REVENUE', 'CONTACT_IDS', 'ASSIGNED_BY_ID', 'COMMENTS'],
  lead: ['TITLE', 'STATUS_ID', 'NAME', 'LAST_NAME', 'ASSIGNED_BY_ID', 'COMPANY_TITLE', 'COMMENTS'],
  type: ['TITLE', 'CATEGORY_ID', 'STAGE_ID', 'ASSIGNED_BY_ID', 'CONTACT_IDS', 'COMPANY_ID', 'MYCOMPANY_ID', 'OPPORTUNITY', 'BEGINDATE', 'CLOSEDATE', 'SOURCE_ID'],
};

export interface Choice {
  value: string;
  label: string;
}

/** How a field is edited in the card form. */
export type Editor =
  | { kind: 'text' | 'textarea' | 'number' | 'date' | 'datetime'; value: string }
  | { kind: 'lines'; value: string }
  | { kind: 'checkbox'; value: boolean }
  | { kind: 'select'; value: string; choices: Choice[] }
  | { kind: 'checks'; value: string[]; choices: Choice[] }
  | { kind: 'file'; multiple: boolean; files: { id: number; name: string }[] };

export interface DisplayPart {
  text: string;
  href?: string;
  /** Download link (opens as a file). */
  download?: boolean;
}

export interface FieldRow {
  /** crm.item key with useOriginalUfNames=Y: camelCase for system fields, UF_CRM_… for user fields. */
  key: string;
  upper: string;
  label: string;
  isUf: boolean;
  /** Display parts (links for bindings, files); empty = no value. */
  display: DisplayPart[];
  editor: Editor | null;
  required: boolean;
}

function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined || v === '') return [];
  return [v];
}

const userChoices = (state: SandboxState): Choice[] =>
  state.users.filter((u) => u.active).map((u) => ({ value: String(u.id), label: userName(u) }));

const MAX_CHOICES = 500;

function itemChoices(state: SandboxState, entityTypeId: number, prefix = ''): Choice[] {
  return itemsOf(state, entityTypeId)
    .sort((a, b) => a.id - b.id)
    .slice(0, MAX_CHOICES)
    .map((i) => ({ value: `${prefix}${i.id}`, label: `${itemName(i)} [${i.id}]` }));
}

/** Prefixes of `crm` user-field values when more than one entity type is allowed. */
const CRM_PREFIX: Record<string, [number, string]> = { LEAD: [ENTITY.LEAD, 'L_'], CONTACT: [ENTITY.CONTACT, 'C_'], COMPANY: [ENTITY.COMPANY, 'CO_'], DEAL: [ENTITY.DEAL, 'D_'] };

function crmBindingTargets(def: FieldDef): { entityTypeId: number; prefix: string }[] {
  const settings = def.settings ?? {};
  const on = Object.entries(settings).filter(([, v]) => v === 'Y').map(([k]) => k);
  const targets: { entityTypeId: number; code: string }[] = [];
  for (const code of on) {
    if (CRM_PREFIX[code]) targets.push({ entityTypeId: CRM_PREFIX[code][0], code });
    const m = /^DYNAMIC_(\d+)$/.exec(code);
    if (m) targets.push({ entityTypeId: Number(m[1]), code });
  }
  const single = targets.length === 1;
  return targets.map((t) => ({
    entityTypeId: t.entityTypeId,
    prefix: single ? '' : (CRM_PREFIX[t.code]?.[1] ?? `T${t.entityTypeId.toString(16)}_`),
  }));
}

/** `CO_12` / `12` of a crm binding → the item it names. */
function resolveCrmBinding(state: SandboxState, def: FieldDef, value: unknown): ItemRec | undefined {
  const s = String(value ?? '');
  const targets = crmBindingTargets(def);
  for (const t of targets) {
    if (t.prefix && s.startsWith(t.prefix)) return getItem(state, t.entityTypeId, Number(s.slice(t.prefix.length)));
  }
  if (/^\d+$/.test(s)) {
    // A bare id: the only allowed type, or (written by a client that skipped the prefix) the first type that has it, leads last.
    const ordered = [...targets].sort((a, b) => Number(a.entityTypeId === ENTITY.LEAD) - Number(b.entityTypeId === ENTITY.LEAD));
    for (const t of ordered) {
      const found = getItem(state, t.entityTypeId, Number(s));
      if (found) return found;
    }
  }
  const m = /^([A-Z]+)_(\d+)$/.exec(s);
  if (m) {
    const code = Object.entries(CRM_PREFIX).find(([, [, p]]) => p === `${m[1]}_`);
    if (code) return getItem(state, code[1][0], Number(m[2]));
  }
  return undefined;
}

function statusChoices(state: SandboxState, entityId: string): Choice[] {
  return state.statuses
    .filter((s) => s.entityId === entityId)
    .sort((a, b) => a.sort - b.sort || a.id - b.id)
    .map((s) => ({ value: s.statusId, label: s.name }));
}

function linkTo(state: SandboxState, entityTypeId: number, id: unknown): DisplayPart | null {
  const n = Number(id);
  if (!Number.isFinite(n) || n <= 0) return null;
  const item = getItem(state, entityTypeId, n);
  return { text: item ? itemName(item) : `#${n} (удалён)`, href: item ? itemUrl(entityTypeId, n) : undefined };
}

function fileParts(state: SandboxState, ids: unknown[]): DisplayPart[] {
  return ids.map((id) => {
    const file = state.files.find((f) => f.id === Number(id));
    return {
      text: file ? file.name : `файл #${String(id)}`,
      href: `/bitrix/services/main/ajax.php?action=crm.controller.item.getFile&fileId=${Number(id)}`,
      download: true,
    };
  });
}

function labelOf(state: SandboxState, def: FieldDef): string {
  if (def.uf) return def.title;
  const m = /^PARENT_ID_(\d+)$/.exec(def.upper);
  if (m) return entityInfo(state, Number(m[1]))?.single ?? def.upper;
  return LABELS[def.upper] ?? def.upper;
}

const text = (t: string): DisplayPart[] => (t === '' ? [] : [{ text: t }]);

function displayOf(state: SandboxState, item: ItemRec, def: FieldDef, value: unknown): DisplayPart[] {
  const values = def.multiple ? asList(value) : value === null || value === undefined || value === '' ? [] : [value];
  if (values.length === 0) return [];
  const uf = def.uf;
  if (def.type === 'file') return fileParts(state, values);
  if (uf?.userTypeId === 'enumeration') {
    return values.flatMap((v) => text(uf.enums.find((e) => e.id === Number(v))?.value ?? String(v)));
  }
  if (uf?.userTypeId === 'crm') {
    return values.flatMap((v) => {
      const target = resolveCrmBinding(state, def, v);
      return target ? [{ text: itemName(target), href: itemUrl(target.entityTypeId, target.id) }] : text(String(v));
    });
  }
  switch (def.type) {
    case 'user':
    case 'employee':
      return values.flatMap((v) => text(userName(userById(state, v)) || String(v)));
    case 'boolean':
      return values.flatMap((v) => text(v === 'Y' || v === true || v === 1 || v === '1' ? 'Да' : 'Нет'));
    case 'date':
      return values.flatMap((v) => text(ruDate(v) || String(v)));
    case 'datetime':
      return values.flatMap((v) => text(ruDateTime(v) || String(v)));
    case 'crm_company':
    case 'crm_contact':
    case 'crm_lead': {
      const etid = def.type === 'crm_company' ? ENTITY.COMPANY : def.type === 'crm_contact' ? ENTITY.CONTACT : ENTITY.LEAD;
      return values.map((v) => linkTo(state, etid, v)).filter((p): p is DisplayPart => p !== null);
    }
    case 'crm_entity': {
      const parent = Number(def.settings?.['parentEntityTypeId']);
      return values.map((v) => linkTo(state, parent, v)).filter((p): p is DisplayPart => p !== null);
    }
    case 'crm_category': {
      return values.flatMap((v) => text(categoriesOf(state, item.entityTypeId).find((c) => c.id === Number(v))?.name ?? String(v)));
    }
    case 'crm_status': {
      if (def.name === 'stageId' || def.name === 'previousStageId') return values.flatMap((v) => text(stageName(state, item.entityTypeId, v)));
      const dict = def.statusType ? state.statuses.filter((s) => s.entityId === def.statusType) : [];
      return values.flatMap((v) => text(dict.find((s) => s.statusId === v)?.name ?? String(v)));
    }
    default:
      return values.flatMap((v) => text(typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }
}

function dateInput(value: unknown): string {
  return isoParts(value)?.date ?? '';
}

function dateTimeInput(value: unknown): string {
  const p = isoParts(value);
  return p ? `${p.date}T${p.time}` : '';
}

function scalarString(value: unknown): string {
  return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function editorOf(state: SandboxState, item: ItemRec, def: FieldDef, value: unknown): Editor | null {
  if (def.readOnly || def.placeholder || def.name === 'id') return null;
  const uf = def.uf;
  const multiple = def.multiple;
  const strings = asList(value).map(scalarString);
  const select = (choices: Choice[]): Editor =>
    multiple ? { kind: 'checks', value: strings, choices } : { kind: 'select', value: strings[0] ?? '', choices };

  if (def.type === 'file') {
    const ids = asList(value).map(Number);
    return { kind: 'file', multiple, files: ids.map((id) => ({ id, name: state.files.find((f) => f.id === id)?.name ?? `файл #${id}` })) };
  }
  if (uf?.userTypeId === 'enumeration') return select(uf.enums.map((e) => ({ value: String(e.id), label: e.value })));
  if (uf?.userTypeId === 'crm') {
    const choices = crmBindingTargets(def).flatMap((t) => itemChoices(state, t.entityTypeId, t.prefix));
    return select(choices);
  }
  switch (def.type) {
    case 'boolean':
      return multiple ? null : { kind: 'checkbox', value: value === 'Y' || value === true || value === 1 || value === '1' };
    case 'user':
    case 'employee':
      return select(userChoices(state));
    case 'date':
      return multiple ? null : { kind: 'date', value: dateInput(value) };
    case 'datetime':
      return multiple ? null : { kind: 'datetime', value: dateTimeInput(value) };
    case 'crm_company':
      return select(itemChoices(state, ENTITY.COMPANY));
    case 'crm_contact':
      return select(itemChoices(state, ENTITY.CONTACT));
    case 'crm_entity': {
      const parent = Number(def.settings?.['parentEntityTypeId']);
      return Number.isFinite(parent) ? select(itemChoices(state, parent)) : null;
    }
    case 'crm_category':
      return select(categoriesOf(state, item.entityTypeId).map((c) => ({ value: String(c.id), label: c.name })));
    case 'crm_status': {
      if (def.name === 'stageId') {
        const cat = item.entityTypeId === ENTITY.LEAD ? null : Number(item.data['categoryId'] ?? 0);
        return select(stagesOf(state, item.entityTypeId, cat).map((s) => ({ value: s.statusId, label: s.name })));
      }
      return def.statusType ? select(statusChoices(state, def.statusType)) : null;
    }
    case 'crm_currency':
      return { kind: 'select', value: strings[0] ?? '', choices: ['RUB', 'USD', 'EUR', 'KZT', 'BYN'].map((c) => ({ value: c, label: c })) };
    case 'integer':
    case 'double':
      return multiple ? { kind: 'lines', value: strings.join('\n') } : { kind: 'number', value: strings[0] ?? '' };
    case 'text':
      return { kind: 'textarea', value: strings.join('\n') };
    case 'string':
    case 'url':
    case 'money':
    case 'address':
      return multiple ? { kind: 'lines', value: strings.join('\n') } : { kind: 'text', value: strings[0] ?? '' };
    default:
      return null;
  }
}

export interface CardModel {
  item: ItemRec;
  info: EntityInfo;
  main: FieldRow[];
  userFields: FieldRow[];
  other: FieldRow[];
  /** Phones, e-mails … of contacts and companies. */
  multifields: { typeId: string; valueType: string; value: string }[];
  placements: PlacementRec[];
}

export function cardModel(state: SandboxState, entityTypeId: number, id: number): CardModel | undefined {
  const item = getItem(state, entityTypeId, id);
  const info = entityInfo(state, entityTypeId);
  if (!item || !info) return undefined;
  const rows: FieldRow[] = [];
  for (const def of fieldCatalog(state, entityTypeId) ?? []) {
    if (def.placeholder) continue;
    const value = item.data[storeKey(def)];
    rows.push({
      key: def.uf ? def.upper : def.name,
      upper: def.upper,
      label: labelOf(state, def),
      isUf: Boolean(def.uf),
      display: def.name === 'id' ? [{ text: String(item.id) }] : displayOf(state, item, def, value),
      editor: editorOf(state, item, def, value),
      required: def.required,
    });
  }
  const mainOrder = MAIN[info.kind] ?? [];
  const main = mainOrder.map((u) => rows.find((r) => r.upper === u && !r.isUf)).filter((r): r is FieldRow => r !== undefined);
  // Deals and items show CONTACT_IDS; the deprecated single CONTACT_ID duplicates it.
  const skip = new Set([...main.map((r) => r.upper), 'CONTACT_ID']);
  const userFields = rows.filter((r) => r.isUf);
  const other = rows.filter((r) => !r.isUf && !skip.has(r.upper));
  const multifields = hasMultifields(entityTypeId) ? item.fm.map((f) => ({ typeId: f.typeId, valueType: f.valueType, value: f.value })) : [];
  const placements = state.placements.filter((p) => p.placement === `CRM_${info.placementCode}_DETAIL_TAB`);
  return { item, info, main, userFields, other, multifields, placements };
}

export function placementTitle(p: PlacementRec): string {
  return p.langAll['ru']?.['TITLE'] || p.title || p.langAll['en']?.['TITLE'] || p.placement;
}

// ---------------------------------------------------------------- lists

export function listRows(state: SandboxState, entityTypeId: number): ItemRec[] {
  return itemsOf(state, entityTypeId).sort((a, b) => b.id - a.id);
}

export function ufColumns(state: SandboxState, entityTypeId: number, limit = 3): FieldDef[] {
  return (fieldCatalog(state, entityTypeId) ?? []).filter((d) => d.uf && d.uf.showInList !== 'N' && d.type !== 'file').slice(0, limit);
}

export function cellText(state: SandboxState, item: ItemRec, def: FieldDef): DisplayPart[] {
  return displayOf(state, item, def, item.data[storeKey(def)]);
}

export function fieldDef(state: SandboxState, entityTypeId: number, upper: string): FieldDef | undefined {
  return fieldCatalog(state, entityTypeId)?.find((d) => d.upper === upper);
}

export function portalClock(portal: Portal): string {
  return ruDateTimeMs(portal.clock.now());
}
