/**
 * List filters, ordering and paging as the portal does them:
 * operator prefixes (>=, >, <=, <, @, !@, %, =%, %=, !%, =, !=, !), nested OR/AND groups
 * (`{"0": {"logic": "OR", "0": {...}, "1": {...}}}`), `order: {field: ASC|DESC}`, pages of 50,
 * `start=-1` = no COUNT (total 0, no next).
 */
import { parseDate } from '../clock.js';

export const PAGE_SIZE = 50;

type Op = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'like' | 'nlike' | 'pattern' | 'npattern';

const PREFIXES: [string, Op][] = [
  ['!=%', 'npattern'], ['!%=', 'npattern'], ['>=', 'gte'], ['<=', 'lte'], ['!=', 'neq'], ['!@', 'nin'],
  ['=%', 'pattern'], ['%=', 'pattern'], ['!%', 'nlike'], ['>', 'gt'], ['<', 'lt'], ['@', 'in'], ['%', 'like'],
  ['=', 'eq'], ['!', 'neq'],
];

export function parseFilterKey(key: string): { op: Op; field: string } {
  for (const [prefix, op] of PREFIXES) if (key.startsWith(prefix)) return { op, field: key.slice(prefix.length) };
  return { op: 'eq', field: key };
}

export type Getter = (field: string) => unknown;
export type Predicate = (get: Getter) => boolean;

export interface FilterOptions {
  /** Maps a filter field to the getter key; null = not allowed. */
  resolve: (field: string) => string | null;
  /** Called for a field that is not allowed (throw to reject); default: ignore the condition. */
  onUnknown?: (field: string) => void;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** PHP/qs arrays can arrive as objects with numeric keys. */
export function asList(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v) && Object.keys(v).every((k) => /^\d+$/.test(k))) return Object.values(v);
  return null;
}

const DATE_LIKE = /^(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})/;

function normalizeScalar(v: unknown): unknown {
  if (v === true) return 'Y';
  if (v === false) return 'N';
  return v;
}

/** <0, 0, >0, or NaN when the two can't be ordered. */
export function compareValues(a: unknown, b: unknown): number {
  a = normalizeScalar(a);
  b = normalizeScalar(b);
  if (a === null || a === undefined || b === null || b === undefined) return NaN;
  const na = typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : NaN;
  const nb = typeof b === 'number' ? b : typeof b === 'string' && b.trim() !== '' ? Number(b) : NaN;
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  if (typeof a === 'string' && typeof b === 'string' && DATE_LIKE.test(a) && DATE_LIKE.test(b)) {
    const da = parseDate(a);
    const db = parseDate(b);
    if (Number.isFinite(da) && Number.isFinite(db)) return da - db;
  }
  return String(a).localeCompare(String(b), 'ru', { sensitivity: 'base' });
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Equality the way MySQL + PHP see it: numbers by value, Y/N ≡ 1/0 for booleans, case-insensitive text. */
function equals(stored: unknown, wanted: unknown): boolean {
  if (Array.isArray(stored)) return stored.some((s) => equals(s, wanted));
  if (isEmpty(wanted)) return isEmpty(stored) || stored === 0;
  if (isEmpty(stored)) return false;
  if ((stored === 'Y' || stored === 'N') && ['1', '0', 1, 0, true, false].includes(wanted as never)) {
    return (stored === 'Y') === (wanted === '1' || wanted === 1 || wanted === true);
  }
  return compareValues(stored, wanted) === 0;
}

function likeRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'is');
}

function test(op: Op, stored: unknown, wanted: unknown): boolean {
  const list = asList(wanted);
  switch (op) {
    case 'eq':
      return list ? list.some((w) => equals(stored, w)) : equals(stored, wanted);
    case 'neq':
      return list ? !list.some((w) => equals(stored, w)) : !equals(stored, wanted);
    case 'in':
      return (list ?? [wanted]).some((w) => equals(stored, w));
    case 'nin':
      return !(list ?? [wanted]).some((w) => equals(stored, w));
    case 'gt':
      return compareValues(stored, wanted) > 0;
    case 'gte':
      return compareValues(stored, wanted) >= 0;
    case 'lt':
      return compareValues(stored, wanted) < 0;
    case 'lte':
      return compareValues(stored, wanted) <= 0;
    case 'like':
    case 'nlike': {
      const hit = !isEmpty(stored) && String(stored).toLowerCase().includes(String(wanted ?? '').toLowerCase());
      return op === 'like' ? hit : !hit;
    }
    case 'pattern':
    case 'npattern': {
      const hit = !isEmpty(stored) && likeRegex(String(wanted ?? '')).test(String(stored));
      return op === 'pattern' ? hit : !hit;
    }
  }
}

/** Compiles a filter object into a predicate over a row getter. */
export function compileFilter(filter: unknown, opts: FilterOptions): Predicate {
  if (!isPlainObject(filter)) return () => true;
  const logic = String(filter['logic'] ?? 'AND').toUpperCase() === 'OR' ? 'OR' : 'AND';
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key.toLowerCase() === 'logic') continue;
    if (/^\d+$/.test(key) && isPlainObject(value) && asList(value) === null) {
      parts.push(compileFilter(value, opts));
      continue;
    }
    const { op, field } = parseFilterKey(key);
    const resolved = opts.resolve(field);
    if (resolved === null) {
      opts.onUnknown?.(field);
      continue;
    }
    parts.push((get) => test(op, get(resolved), value));
  }
  if (parts.length === 0) return () => true;
  return logic === 'OR' ? (get) => parts.some((p) => p(get)) : (get) => parts.every((p) => p(get));
}

export interface OrderOptions {
  resolve: (field: string) => string | null;
  onUnknown?: (field: string) => void;
}

/** Sorts in place by `order` ({field: ASC|DESC}); ties keep the incoming order (callers pass id order). */
export function sortRows<T>(rows: T[], order: unknown, getterOf: (row: T) => Getter, opts: OrderOptions): T[] {
  if (!isPlainObject(order)) return rows;
  const keys: { key: string; dir: number }[] = [];
  for (const [field, dirRaw] of Object.entries(order)) {
    const key = opts.resolve(field);
    if (key === null) {
      opts.onUnknown?.(field);
      continue;
    }
    keys.push({ key, dir: String(dirRaw).toUpperCase() === 'DESC' ? -1 : 1 });
  }
  if (keys.length === 0) return rows;
  const indexed = rows.map((row, i) => ({ row, i, get: getterOf(row) }));
  indexed.sort((x, y) => {
    for (const { key, dir } of keys) {
      const a = x.get(key);
      const b = y.get(key);
      // MySQL puts NULLs first in ascending order.
      if (isEmpty(a) && isEmpty(b)) continue;
      if (isEmpty(a)) return -dir;
      if (isEmpty(b)) return dir;
      const c = compareValues(a, b);
      if (Number.isFinite(c) && c !== 0) return c * dir;
    }
    return x.i - y.i;
  });
  return indexed.map((x) => x.row);
}

export interface Page<T> {
  rows: T[];
  total?: number;
  next?: number;
}

/** One page of 50 from `start`; start=-1 skips the count (total 0, no next). */
export function paginate<T>(rows: T[], startRaw: unknown): Page<T> {
  const start = Number(startRaw ?? 0);
  if (start === -1) return { rows: rows.slice(0, PAGE_SIZE), total: 0 };
  const from = Number.isFinite(start) && start > 0 ? Math.floor(start) : 0;
  const page = rows.slice(from, from + PAGE_SIZE);
  const result: Page<T> = { rows: page, total: rows.length };
  if (from + PAGE_SIZE < rows.length) result.next = from + PAGE_SIZE;
  return result;
}
