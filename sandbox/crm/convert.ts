/**
 * Request/answer shapes of CRM records: crm.item (camelCase, native types, `fm`) and the legacy
 * methods (UPPER_CASE, strings, PHONE/EMAIL multifields). Both map onto the one store in items.ts.
 */
import type { Portal } from '../core.js';
import type { ItemRec } from '../types.js';
import { fieldCatalog, hasMultifields, MULTIFIELD_TYPES, type FieldDef } from './fields.js';
import { asList } from './filter.js';
import { storeKey, type FmPatch, type ItemPatch } from './items.js';
import { coerceIn, formatItemValue, formatLegacyValue, type ReadContext } from './values.js';

/** The key a field has in crm.item requests/answers. */
export function itemKey(def: FieldDef, useOriginal: boolean): string {
  return def.uf && useOriginal ? def.upper : def.name;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function fmFromItem(raw: unknown): FmPatch[] {
  return (asList(raw) ?? []).map((e) => {
    const o = asRecord(e);
    return {
      ...(o['id'] !== undefined ? { id: Number(o['id']) } : {}),
      typeId: String(o['typeId'] ?? 'PHONE').toUpperCase(),
      valueType: String(o['valueType'] ?? 'WORK'),
      value: String(o['value'] ?? ''),
    };
  });
}

/** PHONE/EMAIL/WEB/IM arrays of legacy methods: entries with ID edit or delete, entries without ID add. */
function fmFromLegacy(fields: Record<string, unknown>): FmPatch[] | undefined {
  const out: FmPatch[] = [];
  let seen = false;
  for (const typeId of MULTIFIELD_TYPES) {
    const list = asList(fields[typeId]);
    if (!list) continue;
    seen = true;
    for (const e of list) {
      const o = asRecord(e);
      const id = o['ID'] !== undefined && o['ID'] !== '' ? Number(o['ID']) : undefined;
      const hasValue = o['VALUE'] !== undefined;
      out.push({
        ...(id !== undefined ? { id } : {}),
        typeId,
        valueType: String(o['VALUE_TYPE'] ?? 'WORK'),
        value: hasValue ? String(o['VALUE']) : '',
        // {ID} alone, {ID, DELETE: Y} and {ID, VALUE: ""} all delete the entry.
        delete: o['DELETE'] === 'Y' || (id !== undefined && !hasValue),
      });
    }
  }
  return seen ? out : undefined;
}

export function patchFromItemFields(
  portal: Portal,
  entityTypeId: number,
  fieldsRaw: unknown,
  opts: { useOriginal: boolean; existing?: ItemRec },
): ItemPatch {
  const fields = asRecord(fieldsRaw);
  const data: Record<string, unknown> = {};
  for (const def of fieldCatalog(portal.state, entityTypeId) ?? []) {
    const key = itemKey(def, opts.useOriginal);
    if (!(key in fields) || def.readOnly) continue;
    data[storeKey(def)] = coerceIn(def, fields[key], opts.existing?.data[storeKey(def)], { portal, legacy: false });
  }
  const patch: ItemPatch = { data };
  if (hasMultifields(entityTypeId) && fields['fm'] !== undefined) patch.fm = fmFromItem(fields['fm']);
  return patch;
}

export function patchFromLegacyFields(portal: Portal, entityTypeId: number, fieldsRaw: unknown, existing?: ItemRec): ItemPatch {
  const fields = asRecord(fieldsRaw);
  const data: Record<string, unknown> = {};
  for (const def of fieldCatalog(portal.state, entityTypeId) ?? []) {
    if (!def.legacy || def.readOnly || !(def.legacy in fields)) continue;
    data[storeKey(def)] = coerceIn(def, fields[def.legacy], existing?.data[storeKey(def)], { portal, legacy: true });
  }
  const patch: ItemPatch = { data };
  const fm = hasMultifields(entityTypeId) ? fmFromLegacy(fields) : undefined;
  if (fm) patch.fm = fm;
  return patch;
}

function derivedValue(item: ItemRec, def: FieldDef): unknown {
  if (def.name === 'hasPhone') return item.fm.some((f) => f.typeId === 'PHONE') ? 'Y' : 'N';
  if (def.name === 'hasEmail') return item.fm.some((f) => f.typeId === 'EMAIL') ? 'Y' : 'N';
  if (def.name === 'hasImol') return item.fm.some((f) => f.typeId === 'IM') ? 'Y' : 'N';
  return item.data[storeKey(def)];
}

export interface ItemJsonOptions {
  useOriginal: boolean;
  /** Field names to return; null or containing '*' = everything. */
  select: string[] | null;
  accessToken: string | null;
  /** crm.item.get returns fm always; crm.item.list only with select '*'. */
  includeFm: boolean;
}

export function itemToJson(portal: Portal, item: ItemRec, opts: ItemJsonOptions): Record<string, unknown> {
  const rc: ReadContext = { portal, item, accessToken: opts.accessToken };
  const all = !opts.select || opts.select.includes('*');
  const wanted = new Set(opts.select ?? []);
  const out: Record<string, unknown> = {};
  for (const def of fieldCatalog(portal.state, item.entityTypeId) ?? []) {
    const key = itemKey(def, opts.useOriginal);
    if (!all && !wanted.has(key) && !(def.uf && (wanted.has('uf*') || wanted.has('UF_*')))) continue;
    out[key] = formatItemValue(rc, def, derivedValue(item, def));
  }
  if (hasMultifields(item.entityTypeId) && (opts.includeFm || all || wanted.has('fm'))) {
    out['fm'] = item.fm.map((f) => ({ id: f.id, valueType: f.valueType, value: f.value, typeId: f.typeId }));
  }
  if (all || wanted.has('entityTypeId')) out['entityTypeId'] = item.entityTypeId;
  return out;
}

export function itemToLegacy(
  portal: Portal,
  item: ItemRec,
  opts: { select: string[] | null; accessToken: string | null },
): Record<string, unknown> {
  const rc: ReadContext = { portal, item, accessToken: opts.accessToken };
  // get: everything; list: '*' = system single-value fields, 'UF_*' = user fields, or named fields.
  const select = opts.select;
  const star = !select || select.length === 0 || select.includes('*');
  const ufAll = !select || select.includes('UF_*');
  const named = new Set(select ?? []);
  const out: Record<string, unknown> = {};
  for (const def of fieldCatalog(portal.state, item.entityTypeId) ?? []) {
    if (!def.legacy || def.legacyWriteOnly) continue;
    const take = named.has(def.legacy) || (def.uf ? ufAll : star && (!select || !def.multiple));
    if (!take) continue;
    out[def.legacy] = formatLegacyValue(rc, def, derivedValue(item, def));
  }
  if (hasMultifields(item.entityTypeId)) {
    for (const typeId of MULTIFIELD_TYPES) {
      const entries = item.fm.filter((f) => f.typeId === typeId);
      if (named.has(typeId) || (!select && entries.length > 0)) {
        out[typeId] = entries.map((f) => ({ ID: String(f.id), VALUE_TYPE: f.valueType, VALUE: f.value, TYPE_ID: f.typeId }));
      }
    }
  }
  return out;
}

/** crm.item.fields descriptor of one field. */
export function itemFieldDescriptor(def: FieldDef): Record<string, unknown> {
  const d: Record<string, unknown> = {
    type: def.type,
    isRequired: def.required,
    isReadOnly: def.readOnly,
    isImmutable: false,
    isMultiple: def.multiple,
    isDynamic: Boolean(def.uf),
  };
  if (def.deprecated) d['isDeprecated'] = true;
  if (def.statusType) d['statusType'] = def.statusType;
  if (def.uf?.userTypeId === 'enumeration') d['items'] = def.uf.enums.map((e) => ({ ID: String(e.id), VALUE: e.value }));
  d['title'] = def.title;
  if (def.uf) {
    d['listLabel'] = def.title;
    d['formLabel'] = def.title;
    d['filterLabel'] = def.title;
  }
  if (def.settings) d['settings'] = def.settings;
  d['upperName'] = def.upper;
  return d;
}

/** crm.deal.fields-style descriptor. */
export function legacyFieldDescriptor(def: FieldDef): Record<string, unknown> {
  const d: Record<string, unknown> = {
    type: def.uf ? def.uf.userTypeId : def.type === 'boolean' ? 'char' : def.type,
    isRequired: def.required,
    isReadOnly: def.readOnly,
    isImmutable: false,
    isMultiple: def.multiple,
    isDynamic: Boolean(def.uf),
    title: def.title,
  };
  if (def.statusType) d['statusType'] = def.statusType;
  if (def.uf) {
    d['listLabel'] = def.title;
    d['formLabel'] = def.title;
    d['filterLabel'] = def.title;
    if (def.uf.userTypeId === 'enumeration') d['items'] = def.uf.enums.map((e) => ({ ID: String(e.id), VALUE: e.value }));
    d['settings'] = def.settings;
  }
  return d;
}
