/** crm.category.* — pipelines. Deal general pipeline is id 0 and always exists; new pipelines get default stages. */
import type { Portal } from '../core.js';
import { itemsOf } from '../crm/items.js';
import { categoriesOf, ENTITY, seedPipelineStages, stageEntityId } from '../crm/stages.js';
import { RestFault, faults } from '../errors.js';
import { nextId } from '../ids.js';
import type { CategoryRec } from '../types.js';
import { asInt, asObject, asString, ok, phpMap, pick, requireAdmin, type CallContext, type Params, type Registry } from './registry.js';

function entityTypeOf(ctx: CallContext, params: Params): number {
  const etid = asInt(pick(params, 'entityTypeId', 'ENTITY_TYPE_ID'));
  if (etid === ENTITY.DEAL) return etid;
  if (etid === ENTITY.LEAD || etid === ENTITY.CONTACT || etid === ENTITY.COMPANY) {
    throw new RestFault('ENTITY_TYPE_NOT_SUPPORTED', 'Entity type is not supported', 400);
  }
  if (!ctx.portal.state.crmTypes.some((t) => t.entityTypeId === etid)) throw faults.notFound('Smart process not found');
  return etid!;
}

export function categoryJson(c: CategoryRec): Record<string, unknown> {
  const base = { id: c.id, name: c.name, sort: c.sort, entityTypeId: c.entityTypeId, isDefault: c.isDefault ? 'Y' : 'N' };
  if (c.entityTypeId === ENTITY.DEAL) return c.id === 0 ? base : { ...base, originId: '', originatorId: '' };
  return { ...base, isSystem: 'N', code: c.code };
}

function findCategory(ctx: CallContext, etid: number, id: number | null): CategoryRec {
  const c = categoriesOf(ctx.portal.state, etid).find((x) => x.id === id);
  if (!c) throw faults.notFound('Category not found');
  return c;
}

function hasStagesEnabled(portal: Portal, etid: number): boolean {
  return etid === ENTITY.DEAL || portal.state.crmTypes.find((t) => t.entityTypeId === etid)?.flags['isStagesEnabled'] === 'Y';
}

function setDefault(ctx: CallContext, c: CategoryRec): void {
  for (const other of categoriesOf(ctx.portal.state, c.entityTypeId)) other.isDefault = other === c;
}

function add(ctx: CallContext, params: Params) {
  requireAdmin(ctx, faults.accessDenied('Access denied', 400));
  const etid = entityTypeOf(ctx, params);
  const fields = asObject(pick(params, 'fields', 'FIELDS')) ?? {};
  const name = asString(fields['name']);
  if (!name) throw new RestFault('CRM_FIELD_ERROR_REQUIRED', 'Поле "Название" обязательно для заполнения', 400);
  const { state } = ctx.portal;
  const category: CategoryRec = {
    id: nextId(state, 'category'),
    entityTypeId: etid,
    name,
    sort: asInt(fields['sort']) ?? 500,
    isDefault: false,
    code: fields['code'] === undefined ? null : asString(fields['code']),
  };
  state.categories.push(category);
  // Deals: the general pipeline stays the default; SPAs: a new default demotes the old one.
  if (etid !== ENTITY.DEAL && fields['isDefault'] === 'Y') setDefault(ctx, category);
  if (hasStagesEnabled(ctx.portal, etid)) seedPipelineStages(state, etid, category.id);
  return ok({ category: categoryJson(category) });
}

function update(ctx: CallContext, params: Params) {
  requireAdmin(ctx, faults.accessDenied('Access denied', 400));
  const etid = entityTypeOf(ctx, params);
  const c = findCategory(ctx, etid, asInt(pick(params, 'id', 'ID')));
  const fields = asObject(pick(params, 'fields', 'FIELDS')) ?? {};
  if (fields['name'] !== undefined) c.name = asString(fields['name']);
  if (fields['sort'] !== undefined) c.sort = asInt(fields['sort']) ?? c.sort;
  if (etid !== ENTITY.DEAL && fields['isDefault'] === 'Y') setDefault(ctx, c);
  return ok({ category: categoryJson(c) });
}

function remove(ctx: CallContext, params: Params) {
  requireAdmin(ctx, faults.accessDenied('Access denied', 400));
  const etid = entityTypeOf(ctx, params);
  const c = findCategory(ctx, etid, asInt(pick(params, 'id', 'ID')));
  const { state } = ctx.portal;
  if (c.isDefault) throw new RestFault('BX_ERROR', 'Нельзя удалить воронку по умолчанию', 400);
  if (itemsOf(state, etid).some((i) => i.data['categoryId'] === c.id)) throw new RestFault('BX_ERROR', 'Нельзя удалить воронку, в которой есть элементы', 400);
  state.categories = state.categories.filter((x) => x !== c);
  const entityId = stageEntityId(etid, c.id);
  state.statuses = state.statuses.filter((s) => s.entityId !== entityId);
  return ok(phpMap({}));
}

export function registerCrmCategory(registry: Registry): void {
  registry.add('crm.category.add', { scopes: ['crm'], handler: add });
  registry.add('crm.category.update', { scopes: ['crm'], handler: update });
  registry.add('crm.category.delete', { scopes: ['crm'], handler: remove });
  registry.add('crm.category.get', {
    scopes: ['crm'],
    handler: (ctx, params) => ok({ category: categoryJson(findCategory(ctx, entityTypeOf(ctx, params), asInt(pick(params, 'id', 'ID')))) }),
  });
  registry.add('crm.category.list', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = entityTypeOf(ctx, params);
      const rows = [...categoriesOf(ctx.portal.state, etid)].sort((a, b) => a.sort - b.sort || a.id - b.id);
      return { result: { categories: rows.map(categoryJson) }, total: rows.length };
    },
  });
}
