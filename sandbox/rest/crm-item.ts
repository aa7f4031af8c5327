/** crm.item.* — universal CRM methods (camelCase, native types) for leads, deals, contacts, companies and smart processes. */
import { fieldCatalog } from '../crm/fields.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { createItem, deleteItem, getItem, itemsOf, storeKey, updateItem } from '../crm/items.js';
import { itemFieldDescriptor, itemKey, itemToJson, patchFromItemFields } from '../crm/convert.js';
import { faults } from '../errors.js';
import type { ItemRec } from '../types.js';
import { asInt, ok, phpMap, pick, type CallContext, type Params, type Registry } from './registry.js';

function entityTypeOf(ctx: CallContext, params: Params): number {
  const etid = asInt(pick(params, 'entityTypeId', 'ENTITY_TYPE_ID'));
  if (etid === null || !fieldCatalog(ctx.portal.state, etid)) throw faults.notFound('Smart process not found');
  return etid;
}

function useOriginal(params: Params): boolean {
  const v = pick(params, 'useOriginalUfNames', 'USE_ORIGINAL_UF_NAMES');
  return v === 'Y' || v === true || v === 'true' || v === 1 || v === '1';
}

function itemOrFail(ctx: CallContext, etid: number, params: Params): ItemRec {
  const id = asInt(pick(params, 'id', 'ID'));
  const item = id === null ? undefined : getItem(ctx.portal.state, etid, id);
  if (!item) throw faults.notFound('Element not found');
  return item;
}

function selectOf(params: Params): string[] | null {
  const raw = pick(params, 'select', 'SELECT');
  if (raw === undefined || raw === null || raw === '') return null;
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' ? Object.values(raw as object) : [raw];
  return list.map(String);
}

function list(ctx: CallContext, params: Params) {
  const etid = entityTypeOf(ctx, params);
  const original = useOriginal(params);
  const catalog = fieldCatalog(ctx.portal.state, etid)!;
  const byKey = new Map(catalog.map((f) => [itemKey(f, original), storeKey(f)]));
  const resolve = (field: string) => byKey.get(field) ?? null;
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), {
    resolve,
    onUnknown: (f) => {
      throw faults.invalidArg(`Invalid filter: field '${f}' is not allowed in filter`);
    },
  });
  const getter = (item: ItemRec) => (key: string) => (key === 'id' ? item.id : item.data[key]);
  let rows = itemsOf(ctx.portal.state, etid).filter((i) => predicate(getter(i)));
  rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, {
    resolve,
    onUnknown: (f) => {
      throw faults.invalidArg(`Invalid order: field '${f}' is not allowed in order`);
    },
  });
  const page = paginate(rows, pick(params, 'start', 'START'));
  const select = selectOf(params);
  const items = page.rows.map((i) =>
    itemToJson(ctx.portal, i, { useOriginal: original, select, accessToken: ctx.caller.accessToken, includeFm: false }),
  );
  return { result: { items }, total: page.total, next: page.next };
}

export function registerCrmItem(registry: Registry): void {
  const json = (ctx: CallContext, params: Params, item: ItemRec) =>
    itemToJson(ctx.portal, item, { useOriginal: useOriginal(params), select: null, accessToken: ctx.caller.accessToken, includeFm: true });

  registry.add('crm.item.add', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = entityTypeOf(ctx, params);
      const patch = patchFromItemFields(ctx.portal, etid, pick(params, 'fields', 'FIELDS'), { useOriginal: useOriginal(params) });
      const item = createItem(ctx.portal, etid, patch, ctx.caller.userId);
      return ok({ item: json(ctx, params, item) });
    },
  });

  registry.add('crm.item.update', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = entityTypeOf(ctx, params);
      const existing = itemOrFail(ctx, etid, params);
      const patch = patchFromItemFields(ctx.portal, etid, pick(params, 'fields', 'FIELDS'), { useOriginal: useOriginal(params), existing });
      const item = updateItem(ctx.portal, etid, existing.id, patch, ctx.caller.userId);
      return ok({ item: json(ctx, params, item) });
    },
  });

  registry.add('crm.item.get', {
    scopes: ['crm'],
    handler: (ctx, params) => ok({ item: json(ctx, params, itemOrFail(ctx, entityTypeOf(ctx, params), params)) }),
  });

  registry.add('crm.item.delete', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = entityTypeOf(ctx, params);
      const item = itemOrFail(ctx, etid, params);
      deleteItem(ctx.portal, etid, item.id, ctx.caller.userId);
      return ok(phpMap({}));
    },
  });

  registry.add('crm.item.list', { scopes: ['crm'], handler: list });

  registry.add('crm.item.fields', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = entityTypeOf(ctx, params);
      const original = useOriginal(params);
      const fields: Record<string, unknown> = {};
      for (const def of fieldCatalog(ctx.portal.state, etid)!) {
        if (!def.placeholder) fields[itemKey(def, original)] = itemFieldDescriptor(def);
      }
      return ok({ fields });
    },
  });
}
