/**
 * CRM records (leads, deals, contacts, companies, smart-process items) — one store behind both
 * crm.item.* and the legacy crm.deal/contact/company.* methods. Keeps stage/category bookkeeping
 * (previousStageId, movedTime/movedBy, stageSemanticId), timestamps from the virtual clock, and
 * after every change fires the portal's events and stage automation.
 */
import { formatDateMidnight, formatIso } from '../clock.js';
import type { Portal } from '../core.js';
import { RestFault } from '../errors.js';
import { nextId } from '../ids.js';
import type { FmRec, ItemRec, SandboxState } from '../types.js';
import { fieldCatalog, type FieldDef } from './fields.js';
import { ENTITY, categoriesOf, defaultCategory, findStage, stageSemanticId, stagesOf } from './stages.js';

export interface FmPatch {
  id?: number;
  typeId: string;
  valueType: string;
  value: string;
  delete?: boolean;
}

/** Already-coerced changes: system fields by camelCase name, user fields by UF_CRM_… name. */
export interface ItemPatch {
  data: Record<string, unknown>;
  fm?: FmPatch[];
}

export function itemsOf(state: SandboxState, entityTypeId: number): ItemRec[] {
  return Object.values(state.items[String(entityTypeId)] ?? {});
}

export function getItem(state: SandboxState, entityTypeId: number, id: number): ItemRec | undefined {
  return state.items[String(entityTypeId)]?.[String(id)];
}

/** Storage key of a field: camelCase for system fields, the original UF_CRM_… name for user fields. */
export function storeKey(def: FieldDef): string {
  return def.uf ? def.upper : def.name;
}

const EVENT_STEM: Record<number, string> = { 1: 'ONCRMLEAD', 2: 'ONCRMDEAL', 3: 'ONCRMCONTACT', 4: 'ONCRMCOMPANY' };

function emitChange(portal: Portal, verb: 'ADD' | 'UPDATE' | 'DELETE', item: ItemRec, actor: number | null): void {
  const stem = EVENT_STEM[item.entityTypeId];
  if (stem) {
    portal.events.emit(`${stem}${verb}`, { ID: item.id }, actor);
  } else {
    const fields = { ID: item.id, ENTITY_TYPE_ID: item.entityTypeId };
    portal.events.emit(`ONCRMDYNAMICITEM${verb}`, fields, actor);
    portal.events.emit(`ONCRMDYNAMICITEM${verb}_${item.entityTypeId}`, fields, actor);
  }
}

function hasStages(portal: Portal, entityTypeId: number): boolean {
  if (entityTypeId === ENTITY.DEAL || entityTypeId === ENTITY.LEAD) return true;
  const type = portal.state.crmTypes.find((t) => t.entityTypeId === entityTypeId);
  return type?.flags['isStagesEnabled'] === 'Y';
}

function hasCategories(entityTypeId: number): boolean {
  return entityTypeId !== ENTITY.LEAD && entityTypeId !== ENTITY.CONTACT && entityTypeId !== ENTITY.COMPANY;
}

const invalidStage = (stageId: string) =>
  new RestFault('CRM_FIELD_ERROR_VALUE_NOT_VALID', `Неверное значение поля "Стадия": ${stageId}`, 400);

/**
 * Resolves categoryId/stageId of the next version of an item: a stage must belong to the item's
 * pipeline; a stage from another pipeline is accepted only together with that pipeline's categoryId
 * (or on add, where the pipeline follows the stage).
 */
function settleStage(portal: Portal, entityTypeId: number, next: Record<string, unknown>, patch: Record<string, unknown>, isNew: boolean): void {
  const { state } = portal;
  if (hasCategories(entityTypeId)) {
    let categoryId = next['categoryId'] as number | null | undefined;
    const stageGiven = typeof patch['stageId'] === 'string' && patch['stageId'] !== '';
    if (isNew && patch['categoryId'] === undefined && stageGiven && hasStages(portal, entityTypeId)) {
      const owner = findStage(state, entityTypeId, patch['stageId'] as string);
      if (owner) categoryId = owner.categoryId ?? 0;
    }
    if (categoryId === null || categoryId === undefined) categoryId = defaultCategory(state, entityTypeId)?.id ?? 0;
    if (!categoriesOf(state, entityTypeId).some((c) => c.id === categoryId)) {
      throw new RestFault('CRM_FIELD_ERROR_VALUE_NOT_VALID', `Неверное значение поля "Воронка": ${categoryId}`, 400);
    }
    next['categoryId'] = categoryId;
  }
  if (!hasStages(portal, entityTypeId)) {
    next['stageId'] = null;
    return;
  }
  const categoryId = hasCategories(entityTypeId) ? (next['categoryId'] as number) : null;
  const stages = stagesOf(state, entityTypeId, categoryId);
  const stageId = next['stageId'] as string | null | undefined;
  const categoryChanged = !isNew && patch['categoryId'] !== undefined;
  if (!stageId || (categoryChanged && patch['stageId'] === undefined && !stages.some((s) => s.statusId === stageId))) {
    next['stageId'] = stages[0]?.statusId ?? null;
  } else if (!stages.some((s) => s.statusId === stageId)) {
    throw invalidStage(stageId);
  }
}

/** A user field's default on a new record: DEF=Y list options, DEFAULT_VALUE settings. */
function ufDefault(def: FieldDef): unknown {
  const uf = def.uf!;
  if (uf.userTypeId === 'enumeration') {
    const ids = uf.enums.filter((e) => e.def === 'Y').map((e) => e.id);
    return def.multiple ? ids : (ids[0] ?? null);
  }
  if (uf.userTypeId === 'boolean') return Number(uf.settings['DEFAULT_VALUE'] ?? 0) === 1 ? 'Y' : 'N';
  const dv = uf.settings['DEFAULT_VALUE'];
  if ((typeof dv === 'string' && dv !== '') || typeof dv === 'number') {
    return def.multiple ? [dv] : ['integer', 'double'].includes(def.type) ? Number(dv) : String(dv);
  }
  return undefined;
}

function applyDefaults(portal: Portal, entityTypeId: number, data: Record<string, unknown>, catalog: FieldDef[], id: number, actor: number | null): void {
  const now = portal.clock.now();
  const user = actor ?? 1;
  const has = (name: string) => catalog.some((f) => f.name === name);
  const setIfMissing = (name: string, value: unknown) => {
    if (has(name) && (data[name] === undefined || data[name] === null)) data[name] = value;
  };
  setIfMissing('opened', 'Y');
  setIfMissing('assignedById', user);
  for (const f of catalog) if (f.uf && data[storeKey(f)] === undefined) data[storeKey(f)] = ufDefault(f);
  for (const f of catalog) if (f.multiple && data[storeKey(f)] === undefined) data[storeKey(f)] = [];
  if (entityTypeId === ENTITY.DEAL) {
    setIfMissing('typeId', 'SALE');
    setIfMissing('isNew', 'Y');
    for (const flag of ['isRecurring', 'isReturnCustomer', 'isRepeatedApproach', 'closed']) setIfMissing(flag, 'N');
    setIfMissing('begindate', formatDateMidnight(now));
    setIfMissing('closedate', formatDateMidnight(now + 7 * 86_400_000));
  }
  if (entityTypeId === ENTITY.CONTACT) {
    setIfMissing('typeId', 'CLIENT');
    setIfMissing('export', 'Y');
  }
  if (entityTypeId === ENTITY.COMPANY) {
    setIfMissing('companyType', 'CUSTOMER');
    setIfMissing('isMyCompany', 'N');
    setIfMissing('revenue', 0);
  }
  setIfMissing('currencyId', 'RUB');
  setIfMissing('opportunity', 0);
  setIfMissing('isManualOpportunity', 'N');
  setIfMissing('taxValue', 0);
  setIfMissing('companyId', 0);
  setIfMissing('contactId', 0);
  const titles: Record<number, string> = { 1: 'Лид', 2: 'Сделка', 4: 'Компания' };
  const type = portal.state.crmTypes.find((t) => t.entityTypeId === entityTypeId);
  setIfMissing('title', `${titles[entityTypeId] ?? type?.title ?? 'Элемент'} #${id}`);
  data['createdBy'] = user;
  data['createdTime'] = formatIso(now);
}

/** contactId ↔ contactIds (and companyId ↔ companyIds of contacts) describe the same links. */
function syncLinks(next: Record<string, unknown>, patch: Record<string, unknown>, catalog: FieldDef[]): void {
  const pairs: [string, string][] = [['contactId', 'contactIds'], ['companyId', 'companyIds']];
  for (const [single, multi] of pairs) {
    if (!catalog.some((f) => f.name === multi)) continue;
    if (patch[multi] !== undefined) {
      const list = (next[multi] as number[]) ?? [];
      if (catalog.some((f) => f.name === single)) next[single] = list[0] ?? 0;
    } else if (patch[single] !== undefined) {
      const id = next[single] as number | null;
      const list = ((next[multi] as number[]) ?? []).filter((x) => x !== id);
      next[multi] = id ? [id, ...list] : list;
    }
  }
}

function requireMandatory(catalog: FieldDef[], data: Record<string, unknown>): void {
  for (const f of catalog) {
    if (!f.uf || !f.required) continue;
    const v = data[storeKey(f)];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      throw new RestFault('CRM_FIELD_ERROR_REQUIRED', `Поле "${f.title}" обязательно для заполнения`, 400);
    }
  }
}

function applyFm(portal: Portal, item: ItemRec, patches: FmPatch[] | undefined): void {
  if (!patches) return;
  for (const p of patches) {
    const existing = p.id !== undefined ? item.fm.find((f) => f.id === p.id) : undefined;
    if (existing) {
      if (p.delete || p.value === '') item.fm = item.fm.filter((f) => f !== existing);
      else Object.assign(existing, { value: p.value, valueType: p.valueType || existing.valueType });
    } else if (p.id === undefined && p.value !== '' && !p.delete) {
      const rec: FmRec = { id: nextId(portal.state, 'fm', 100), typeId: p.typeId, valueType: p.valueType || 'WORK', value: p.value };
      item.fm.push(rec);
    }
  }
}

function touchStageMove(next: Record<string, unknown>, prevStage: unknown, actor: number | null, now: number): void {
  next['previousStageId'] = prevStage ?? null;
  next['movedBy'] = actor ?? 1;
  next['movedTime'] = formatIso(now);
}

function finalize(portal: Portal, entityTypeId: number, data: Record<string, unknown>): void {
  if (!hasStages(portal, entityTypeId)) {
    data['stageSemanticId'] = null;
    return;
  }
  const stage = data['stageId'] ? findStage(portal.state, entityTypeId, data['stageId'] as string) : undefined;
  data['stageSemanticId'] = data['stageId'] ? stageSemanticId(stage) : null;
  if (entityTypeId === ENTITY.DEAL) data['closed'] = data['stageSemanticId'] === 'P' ? 'N' : 'Y';
}

export function createItem(portal: Portal, entityTypeId: number, patch: ItemPatch, actor: number | null): ItemRec {
  const catalog = fieldCatalog(portal.state, entityTypeId);
  if (!catalog) throw new RestFault('NOT_FOUND', 'Smart process not found', 400);
  const id = nextId(portal.state, `item:${entityTypeId}`);
  const now = portal.clock.now();
  const data: Record<string, unknown> = { ...patch.data, id };
  applyDefaults(portal, entityTypeId, data, catalog, id, actor);
  settleStage(portal, entityTypeId, data, patch.data, true);
  syncLinks(data, patch.data, catalog);
  requireMandatory(catalog, data);
  data['updatedBy'] = actor ?? 1;
  data['updatedTime'] = formatIso(now);
  data['lastActivityBy'] = actor ?? 1;
  data['lastActivityTime'] = formatIso(now);
  if (data['stageId']) touchStageMove(data, null, actor, now);
  finalize(portal, entityTypeId, data);
  const item: ItemRec = { entityTypeId, id, data, fm: [] };
  applyFm(portal, item, patch.fm);
  (portal.state.items[String(entityTypeId)] ??= {})[String(id)] = item;
  portal.store.touch();
  emitChange(portal, 'ADD', item, actor);
  if (data['stageId']) portal.automation.onStageEntered(item);
  return item;
}

export function updateItem(portal: Portal, entityTypeId: number, id: number, patch: ItemPatch, actor: number | null): ItemRec {
  const item = getItem(portal.state, entityTypeId, id);
  if (!item) throw new RestFault('NOT_FOUND', 'Элемент не найден', 400);
  const catalog = fieldCatalog(portal.state, entityTypeId) ?? [];
  const before = { ...item.data };
  const next: Record<string, unknown> = { ...item.data, ...patch.data };
  settleStage(portal, entityTypeId, next, patch.data, false);
  syncLinks(next, patch.data, catalog);
  const now = portal.clock.now();
  const stageChanged = next['stageId'] !== before['stageId'];
  const categoryChanged = next['categoryId'] !== before['categoryId'];
  if (stageChanged) touchStageMove(next, before['stageId'], actor, now);
  next['updatedBy'] = actor ?? 1;
  next['updatedTime'] = formatIso(now);
  if (entityTypeId === ENTITY.DEAL) next['isNew'] = 'N';
  finalize(portal, entityTypeId, next);
  item.data = next;
  applyFm(portal, item, patch.fm);
  portal.store.touch();
  emitChange(portal, 'UPDATE', item, actor);
  if (categoryChanged && entityTypeId === ENTITY.DEAL) {
    portal.events.emit('ONCRMDEALMOVETOCATEGORY', { ID: id, CATEGORY_ID: next['categoryId'], STAGE_ID: next['stageId'] }, actor);
  }
  if (stageChanged && next['stageId']) portal.automation.onStageEntered(item);
  return item;
}

export function deleteItem(portal: Portal, entityTypeId: number, id: number, actor: number | null): void {
  const item = getItem(portal.state, entityTypeId, id);
  if (!item) throw new RestFault('NOT_FOUND', 'Элемент не найден', 400);
  delete portal.state.items[String(entityTypeId)]![String(id)];
  portal.store.touch();
  emitChange(portal, 'DELETE', item, actor);
}

/** Value of a field by its UPPER or legacy name (robot `{=Document:FIELD}` templates). */
export function valueByUpperName(portal: Portal, item: ItemRec, name: string): unknown {
  const upper = name.toUpperCase();
  if (upper === 'ID') return item.id;
  const def = (fieldCatalog(portal.state, item.entityTypeId) ?? []).find((f) => f.upper === upper || f.legacy === upper);
  if (def) return item.data[storeKey(def)];
  const fm = item.fm.filter((f) => f.typeId === upper).map((f) => f.value);
  return fm.length ? fm : undefined;
}
