/**
 * Value coercion per field type on write, and formatting on read:
 * crm.item keeps native JSON types; legacy methods print numbers as strings ("1000000.00").
 */
import { formatDateMidnight, formatIso, parseDate } from '../clock.js';
import type { Portal } from '../core.js';
import { RestFault } from '../errors.js';
import { asFilePair, storeFile } from '../files.js';
import type { ItemRec } from '../types.js';
import { asList } from './filter.js';
import type { FieldDef } from './fields.js';

const INT_TYPES = new Set(['integer', 'user', 'employee', 'crm_company', 'crm_contact', 'crm_lead', 'crm_quote', 'crm_category', 'crm_entity', 'enumeration']);

function toInt(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string' && /^user_\d+$/.test(v)) return Number(v.slice(5));
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function toYN(v: unknown): 'Y' | 'N' {
  return v === true || v === 1 || v === '1' || v === 'Y' || v === 'y' || v === 'true' ? 'Y' : 'N';
}

function toDate(v: unknown, withTime: boolean): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = parseDate(v);
  if (!Number.isFinite(ms)) return null;
  return withTime ? formatIso(ms) : formatDateMidnight(ms);
}

interface FileContext {
  portal: Portal;
  /** Legacy methods wrap new files as {fileData: [name, base64]}. */
  legacy: boolean;
}

function fileEntry(raw: unknown, keep: Set<number>, fc: FileContext): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (o['fileData'] !== undefined) {
      const fd = o['fileData'];
      const pair = asFilePair(fd) ?? (typeof fd === 'string' ? (['file', fd] as [string, string]) : null);
      return pair ? storeFile(fc.portal, pair[0], pair[1]).id : null;
    }
    if (o['id'] !== undefined) {
      const id = toInt(o['id']);
      // Only a file the item already has can be kept; any other id resets the value.
      return id !== null && keep.has(id) ? id : null;
    }
  }
  const pair = asFilePair(raw);
  if (pair) return storeFile(fc.portal, pair[0], pair[1]).id;
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d+$/.test(raw))) {
    const id = Number(raw);
    return keep.has(id) ? id : null;
  }
  return null;
}

function coerceFile(def: FieldDef, raw: unknown, existing: unknown, fc: FileContext): unknown {
  const keep = new Set<number>(Array.isArray(existing) ? (existing as number[]) : typeof existing === 'number' ? [existing] : []);
  if (def.multiple) {
    if (raw === '' || raw === null) return [];
    const single = asFilePair(raw);
    const list = single ? [raw] : (asList(raw) ?? [raw]);
    return list.map((e) => fileEntry(e, keep, fc)).filter((id): id is number => id !== null);
  }
  return fileEntry(raw, keep, fc);
}

function coerceScalar(def: FieldDef, v: unknown): unknown {
  if (INT_TYPES.has(def.type)) return toInt(v);
  switch (def.type) {
    case 'double':
      return toNumber(v);
    case 'boolean':
      return v === null || v === undefined || v === '' ? null : toYN(v);
    case 'date':
      return toDate(v, false);
    case 'datetime':
      return toDate(v, true);
    default:
      return v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** Turns an incoming value into the stored one; throws the portal's error for a non-iterable multiple value. */
export function coerceIn(def: FieldDef, raw: unknown, existing: unknown, fc: FileContext): unknown {
  if (def.type === 'file') return coerceFile(def, raw, existing, fc);
  if (def.multiple) {
    if (raw === '' || raw === null || raw === undefined) return [];
    const list = asList(raw);
    if (!list) {
      if (fc.legacy) return [coerceScalar(def, raw)].filter((x) => x !== null);
      throw new RestFault('100', `Expected iterable value for multiple field, but got \`${typeof raw}\` instead`, 400);
    }
    return list.map((x) => coerceScalar(def, x)).filter((x) => x !== null);
  }
  return coerceScalar(def, raw);
}

export interface ReadContext {
  portal: Portal;
  item: ItemRec;
  /** The caller's token, embedded in urlMachine like the portal does. */
  accessToken: string | null;
}

function fileUrls(rc: ReadContext, def: FieldDef, fileId: number) {
  const base = rc.portal.urls.portalUrl;
  const q = `entityTypeId=${rc.item.entityTypeId}&id=${rc.item.id}&fieldName=${def.upper}&fileId=${fileId}`;
  const token = encodeURIComponent(`crm|${Buffer.from(JSON.stringify({ fileId })).toString('base64')}`);
  const auth = rc.accessToken ? `auth=${rc.accessToken}&` : '';
  return {
    id: fileId,
    url: `${base}/bitrix/services/main/ajax.php?action=crm.controller.item.getFile&SITE_ID=s1&${q}`,
    urlMachine: `${base}/rest/crm.controller.item.getFile.json?${auth}token=${token}`,
  };
}

function legacyFile(rc: ReadContext, def: FieldDef, fileId: number) {
  const entity = { 1: 'lead', 2: 'deal', 3: 'contact', 4: 'company' }[rc.item.entityTypeId] ?? 'deal';
  const q = `ownerId=${rc.item.id}&fieldName=${def.upper}&dynamic=Y&fileId=${fileId}`;
  return {
    id: fileId,
    showUrl: `/bitrix/components/bitrix/crm.${entity}.show/show_file.php?${q}`,
    downloadUrl: `/bitrix/components/bitrix/crm.${entity}.show/show_file.php?auth=&${q}`,
  };
}

/** crm.item.* representation. */
export function formatItemValue(rc: ReadContext, def: FieldDef, value: unknown): unknown {
  if (def.placeholder) return null;
  if (def.type === 'file') {
    if (Array.isArray(value)) return value.map((id) => fileUrls(rc, def, id as number));
    return typeof value === 'number' ? fileUrls(rc, def, value) : null;
  }
  if (def.multiple) return Array.isArray(value) ? value : [];
  return value === undefined ? null : value;
}

const MONEY_FIELDS = new Set(['OPPORTUNITY', 'TAX_VALUE', 'REVENUE']);

function legacyScalar(def: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (def.uf && def.type === 'boolean') return v === 'Y' ? '1' : '0';
  if (typeof v === 'number') return MONEY_FIELDS.has(def.upper) ? v.toFixed(2) : String(v);
  return v;
}

/** crm.deal/contact/company.* representation: strings everywhere. */
export function formatLegacyValue(rc: ReadContext, def: FieldDef, value: unknown): unknown {
  if (def.type === 'file') {
    if (Array.isArray(value)) return value.map((id) => legacyFile(rc, def, id as number));
    return typeof value === 'number' ? legacyFile(rc, def, value) : null;
  }
  if (def.multiple) return Array.isArray(value) ? value.map((v) => legacyScalar(def, v)) : [];
  return legacyScalar(def, value);
}
