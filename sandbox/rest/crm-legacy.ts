/** Legacy crm.deal.* / crm.contact.* / crm.company.* / crm.lead.* — UPPER_CASE, strings, empty-code errors; same records as crm.item. */
import { fieldCatalog, hasMultifields, MULTIFIELD_TYPES } from '../crm/fields.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { createItem, deleteItem, getItem, itemsOf, storeKey, updateItem } from '../crm/items.js';
import { itemToLegacy, legacyFieldDescriptor, patchFromLegacyFields } from '../crm/convert.js';
import { ENTITY } from '../crm/stages.js';
import { RestFault, faults } from '../errors.js';
import type { ItemRec } from '../types.js';
import { asInt, asObject, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

const FAMILIES: [string, number][] = [
  ['lead', ENTITY.LEAD],
  ['deal', ENTITY.DEAL],
  ['contact', ENTITY.CONTACT],
  ['company', ENTITY.COMPANY],
];

function fieldsParam(params: Params): Record<string, unknown> {
  const fields = asObject(pick(params, 'fields', 'FIELDS'));
  if (!fields) throw faults.legacy("Parameter 'fields' must be array.");
  return fields;
}

function idParam(params: Params): number {
  const id = asInt(pick(params, 'id', 'ID'));
  if (id === null || id <= 0) throw faults.legacy('ID is not defined or invalid.');
  return id;
}

function existing(ctx: CallContext, etid: number, id: number): ItemRec {
  const item = getItem(ctx.portal.state, etid, id);
  if (!item) throw faults.legacy('Not found');
  return item;
}

/** Legacy errors keep the message and drop the code. */
function legacyErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RestFault && err.code !== '') throw faults.legacy(err.description);
    throw err;
  }
}

function selectOf(params: Params): string[] | null {
  const raw = pick(params, 'select', 'SELECT');
  if (raw === undefined || raw === null || raw === '') return ['*'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' ? Object.values(raw as object) : [raw];
  return list.map(String);
}

function registerFamily(registry: Registry, name: string, etid: number): void {
  const prefix = `crm.${name}`;

  registry.add(`${prefix}.add`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const fields = fieldsParam(params);
      const item = legacyErrors(() => createItem(ctx.portal, etid, patchFromLegacyFields(ctx.portal, etid, fields), ctx.caller.userId));
      return ok(item.id);
    },
  });

  registry.add(`${prefix}.update`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const id = idParam(params);
      const item = existing(ctx, etid, id);
      const fields = { ...fieldsParam(params) };
      // crm.deal.update cannot move a deal to another pipeline (use crm.item.update).
      if (etid === ENTITY.DEAL) delete fields['CATEGORY_ID'];
      legacyErrors(() => updateItem(ctx.portal, etid, id, patchFromLegacyFields(ctx.portal, etid, fields, item), ctx.caller.userId));
      return ok(true);
    },
  });

  registry.add(`${prefix}.get`, {
    scopes: ['crm'],
    handler: (ctx, params) => ok(itemToLegacy(ctx.portal, existing(ctx, etid, idParam(params)), { select: null, accessToken: ctx.caller.accessToken })),
  });

  registry.add(`${prefix}.delete`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const id = idParam(params);
      existing(ctx, etid, id);
      deleteItem(ctx.portal, etid, id, ctx.caller.userId);
      return ok(true);
    },
  });

  registry.add(`${prefix}.list`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const catalog = fieldCatalog(ctx.portal.state, etid)!;
      const byLegacy = new Map(catalog.filter((f) => f.legacy).map((f) => [f.legacy!, storeKey(f)]));
      const resolve = (field: string) => byLegacy.get(field.toUpperCase()) ?? (/^UF_/i.test(field) ? field.toUpperCase() : null);
      const getter = (item: ItemRec) => (key: string): unknown => {
        if (key === 'id') return item.id;
        if ((MULTIFIELD_TYPES as readonly string[]).includes(key)) return item.fm.filter((f) => f.typeId === key).map((f) => f.value);
        return item.data[key];
      };
      const resolveWithFm = (field: string) =>
        hasMultifields(etid) && (MULTIFIELD_TYPES as readonly string[]).includes(field.toUpperCase()) ? field.toUpperCase() : resolve(field);
      const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve: resolveWithFm });
      let rows = itemsOf(ctx.portal.state, etid).filter((i) => predicate(getter(i)));
      rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, { resolve });
      const page = paginate(rows, pick(params, 'start', 'START'));
      const select = selectOf(params);
      return {
        result: page.rows.map((i) => itemToLegacy(ctx.portal, i, { select, accessToken: ctx.caller.accessToken })),
        total: page.total,
        next: page.next,
      };
    },
  });

  registry.add(`${prefix}.fields`, {
    scopes: ['crm'],
    handler: (ctx) => {
      const out: Record<string, unknown> = {};
      for (const def of fieldCatalog(ctx.portal.state, etid)!) if (def.legacy) out[def.legacy] = legacyFieldDescriptor(def);
      if (hasMultifields(etid)) {
        for (const t of MULTIFIELD_TYPES) {
          out[t] = { type: 'crm_multifield', isRequired: false, isReadOnly: false, isImmutable: false, isMultiple: true, isDynamic: false, title: t };
        }
      }
      return ok(out);
    },
  });
}

export function registerCrmLegacy(registry: Registry): void {
  for (const [name, etid] of FAMILIES) registerFamily(registry, name, etid);

  registry.add('crm.contact.company.add', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const contact = existing(ctx, ENTITY.CONTACT, idParam(params));
      const fields = fieldsParam(params);
      const companyId = asInt(fields['COMPANY_ID']);
      if (companyId === null || !getItem(ctx.portal.state, ENTITY.COMPANY, companyId)) throw faults.legacy('The parameter COMPANY_ID is invalid or not defined.');
      const ids = (contact.data['companyIds'] as number[] | undefined) ?? [];
      if (ids.includes(companyId)) return ok(false);
      const next = fields['IS_PRIMARY'] === 'Y' ? [companyId, ...ids] : [...ids, companyId];
      contact.data['companyIds'] = next;
      contact.data['companyId'] = next[0] ?? 0;
      ctx.portal.store.touch();
      return ok(true);
    },
  });
}
