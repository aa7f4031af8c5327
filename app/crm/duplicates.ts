/**
 * Duplicate search on the portal (DOMAIN.md "Members: duplicates"): same full name after
 * normalisation, then hints on birth date, phone and e-mail. Never merges anything.
 *
 * Every contact the app creates or touches carries its normalised name in the user field
 * `contact.nameKey`, so the portal does the matching: `crm.contact.list` filtered by
 * `@UF_…_NAME_KEY = [keys…]` (an in-list filter), 40 keys per command and up to 50 commands per
 * `batch` request — 2,000 people per request, never a walk over all contacts. Contacts created
 * outside the app (staff, web forms) get their key from `ensureNameKeys`.
 */
import { requireMapped, type HandlerContext } from '../context.js';
import { nameKeyOf, normaliseEmail, normalisePhone } from '../domain/membership/names.js';
import { MEMBER_STATUSES, type MemberStatus } from '../domain/membership/status.js';
import { AppError } from '../errors.js';
import { mapKeys } from '../registry/names.js';
import type { BatchCommand, RestClient } from '../rest/types.js';

type Ctx = Pick<HandlerContext, 'rest' | 'map'>;
type Row = Record<string, unknown>;

const PAGE = 50;
/**
 * Values per in-list command. A command whose page comes back full (50 rows) is continued, so the
 * chunk is kept below a page: 49 for values that match one row each (ids, ORIGIN_ID), 40 for name
 * keys (up to 10 namesakes per 40 names before a second round is needed).
 */
export const IN_LIST_CHUNK = { unique: PAGE - 1, names: 40 } as const;

/**
 * Rows of a legacy list method (`crm.contact.list`, `crm.company.list`, `crm.deal.list` …) whose
 * `field` is one of `values`: one command per chunk of values, packed 50 commands to a batch request.
 * A command that fills its page of 50 is continued by ID (`>ID`, order by ID, start=-1) in the
 * next round, so no match is lost however many namesakes there are.
 */
export async function listWhereIn<T extends Row = Row>(
  rest: RestClient,
  method: string,
  field: string,
  values: readonly (string | number)[],
  opts: { select: string[]; filter?: Record<string, unknown>; chunk?: number },
): Promise<T[]> {
  const unique = [...new Set(values.filter((v) => v !== '' && v !== null && v !== undefined))];
  const chunk = Math.max(1, Math.min(PAGE, opts.chunk ?? IN_LIST_CHUNK.unique));
  let pending: { values: (string | number)[]; after: number }[] = [];
  for (let i = 0; i < unique.length; i += chunk) pending.push({ values: unique.slice(i, i + chunk), after: 0 });
  const select = opts.select.includes('ID') ? opts.select : ['ID', ...opts.select];
  const rows: T[] = [];
  while (pending.length > 0) {
    const commands: BatchCommand[] = pending.map((p) => ({
      method,
      params: {
        filter: { ...opts.filter, [`@${field}`]: p.values, ...(p.after > 0 ? { '>ID': p.after } : {}) },
        select,
        order: { ID: 'ASC' },
        start: -1,
      },
    }));
    const outcomes = await rest.batch<T[]>(commands);
    const next: typeof pending = [];
    outcomes.forEach((o, i) => {
      if (!o?.ok) throw new AppError('REST_ERROR', `${method}: ${o ? `${o.error.code} ${o.error.description}` : 'no answer'}`);
      const page = Array.isArray(o.result) ? o.result : [];
      rows.push(...page);
      if (page.length >= PAGE) next.push({ values: pending[i]!.values, after: Math.max(...page.map((r) => Number(r.ID) || 0)) });
    });
    pending = next;
  }
  return rows;
}

/** A person to look for. Phone and e-mail may be given raw; they are normalised here. */
export interface DuplicateQuery {
  lastName: string;
  firstName: string;
  middleName?: string | null;
  /** YYYY-MM-DD */
  birthDate?: string | null;
  phone?: string | null;
  email?: string | null;
  /** The person's own contact (a web-form applicant is already a contact): not a duplicate of itself. */
  excludeContactIds?: number[];
}

export interface DuplicateHints {
  birthDate: boolean;
  phone: boolean;
  email: boolean;
}

export interface DuplicateCandidate {
  contactId: number;
  lastName: string;
  firstName: string;
  middleName: string;
  /** YYYY-MM-DD or '' */
  birthDate: string;
  companyId: number | null;
  /** Membership status code, null when the contact has none. */
  status: MemberStatus | null;
  /** YYYY-MM-DD or '' */
  statusDate: string;
  /** The full name matches (that is why it is a candidate); these say what else does. */
  hints: DuplicateHints;
}

/** The portal names findDuplicates reads. */
export function contactFieldNames(ctx: Pick<HandlerContext, 'map'>) {
  return {
    nameKey: requireMapped(ctx, mapKeys.field('contact.nameKey')),
    status: requireMapped(ctx, mapKeys.field('contact.status')),
    statusDate: requireMapped(ctx, mapKeys.field('contact.statusDate')),
  };
}

/** enum item id (as the portal returns it) → status code. */
export function statusByEnumId(ctx: Pick<HandlerContext, 'map'>): Map<string, MemberStatus> {
  const out = new Map<string, MemberStatus>();
  for (const s of MEMBER_STATUSES) {
    const id = ctx.map[mapKeys.enumItem('contact.status', s)];
    if (id !== undefined) out.set(String(id), s);
  }
  return out;
}

const str = (v: unknown) => (v === null || v === undefined || v === false ? '' : String(v));
const multi = (v: unknown): string[] => (Array.isArray(v) ? v.map((e) => str((e as Row)?.VALUE)).filter(Boolean) : []);

/** «совпадает ФИО и дата рождения», «совпадает ФИО, телефон и e-mail», «совпадает только ФИО». */
export function describeHints(h: DuplicateHints): string {
  const parts = ['ФИО', h.birthDate && 'дата рождения', h.phone && 'телефон', h.email && 'e-mail'].filter((p): p is string => Boolean(p));
  if (parts.length === 1) return 'совпадает только ФИО';
  return `совпадает ${parts.slice(0, -1).join(', ')} и ${parts[parts.length - 1]!}`;
}

/** How strongly a candidate looks like the person: birth date weighs most. */
export const hintScore = (h: DuplicateHints) => (h.birthDate ? 4 : 0) + (h.phone ? 2 : 0) + (h.email ? 2 : 0);

export const CONTACT_DUPLICATE_SELECT = ['ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'BIRTHDATE', 'PHONE', 'EMAIL', 'COMPANY_ID'];

/**
 * For each person, the portal's contacts with the same name key, best hints first. One batch
 * request per 2,000 distinct names (more only when a name has more than 50 namesakes).
 */
export async function findDuplicates(ctx: Ctx, people: readonly DuplicateQuery[]): Promise<DuplicateCandidate[][]> {
  const f = contactFieldNames(ctx);
  const statuses = statusByEnumId(ctx);
  const keys = people.map((p) => nameKeyOf(p.lastName, p.firstName, p.middleName));
  const rows = await listWhereIn(ctx.rest, 'crm.contact.list', f.nameKey, keys, { select: [...CONTACT_DUPLICATE_SELECT, f.nameKey, f.status, f.statusDate], chunk: IN_LIST_CHUNK.names });

  const byKey = new Map<string, Row[]>();
  for (const r of rows) {
    const key = str(r[f.nameKey]);
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }

  return people.map((p, i) => {
    const key = keys[i]!;
    if (!key) return [];
    const phone = normalisePhone(p.phone);
    const email = normaliseEmail(p.email);
    const birth = str(p.birthDate).slice(0, 10);
    const exclude = new Set(p.excludeContactIds ?? []);
    return (byKey.get(key) ?? [])
      .filter((r) => !exclude.has(Number(r.ID)))
      .map((r): DuplicateCandidate => {
        const candidateBirth = str(r.BIRTHDATE).slice(0, 10);
        const hints = {
          birthDate: Boolean(birth) && candidateBirth === birth,
          phone: Boolean(phone) && multi(r.PHONE).some((v) => normalisePhone(v) === phone),
          email: Boolean(email) && multi(r.EMAIL).some((v) => normaliseEmail(v) === email),
        };
        const companyId = Number(r.COMPANY_ID);
        return {
          contactId: Number(r.ID),
          lastName: str(r.LAST_NAME),
          firstName: str(r.NAME),
          middleName: str(r.SECOND_NAME),
          birthDate: candidateBirth,
          companyId: Number.isInteger(companyId) && companyId > 0 ? companyId : null,
          status: statuses.get(str(r[f.status])) ?? null,
          statusDate: str(r[f.statusDate]).slice(0, 10),
          hints,
        };
      })
      .sort((a, b) => hintScore(b.hints) - hintScore(a.hints) || a.contactId - b.contactId);
  });
}

/**
 * Contacts whose name key the app has just written itself, with the number of change events
 * those writes will cause (an add fires ONCRMCONTACTADD, an update ONCRMCONTACTUPDATE). The event
 * handler calls ensureNameKeys for each of them; each such event is answered from here without a
 * request, so admitting 1,000 people does not cost 1,000 extra reads. Per process and short-lived:
 * after a restart the events are simply checked against the portal.
 */
const justWritten = new Map<string, Map<number, { events: number; at: number }>>();
const JUST_WRITTEN_TTL_MS = 30 * 60 * 1000;

export function noteNameKeysWritten(memberId: string, contactIds: readonly number[], now = Date.now()): void {
  let mine = justWritten.get(memberId);
  if (!mine) justWritten.set(memberId, (mine = new Map()));
  for (const [id, v] of mine) if (now - v.at > JUST_WRITTEN_TTL_MS) mine.delete(id);
  for (const id of contactIds) mine.set(id, { events: (mine.get(id)?.events ?? 0) + 1, at: now });
}

/** Takes one pending event of a contact we wrote; false when there is none. */
function takeJustWritten(memberId: string, id: number, now = Date.now()): boolean {
  const mine = justWritten.get(memberId);
  const v = mine?.get(id);
  if (!mine || !v) return false;
  if (now - v.at > JUST_WRITTEN_TTL_MS) {
    mine.delete(id);
    return false;
  }
  if (v.events <= 1) mine.delete(id);
  else v.events -= 1;
  return true;
}

/**
 * Make sure these contacts carry the right name key (contacts created by staff or web forms have
 * none, and a renamed contact has a stale one). Reads them in one batch request per 2,450 ids and
 * updates only those whose key differs, 50 updates per batch request. Safe to repeat, and safe to
 * call from ONCRMCONTACTUPDATE: a contact whose key is already right is not written, so our own
 * update's event does not loop; and the event of a contact the app itself just wrote (list
 * admission) is answered without a request (noteNameKeysWritten).
 */
export async function ensureNameKeys(ctx: Ctx, contactIds: readonly number[]): Promise<{ checked: number; updated: number }> {
  const f = contactFieldNames(ctx);
  const ids = [...new Set(contactIds.filter((id) => Number.isInteger(id) && id > 0))].filter((id) => !takeJustWritten(ctx.rest.memberId, id));
  if (ids.length === 0) return { checked: 0, updated: 0 };
  const rows = await listWhereIn(ctx.rest, 'crm.contact.list', 'ID', ids, { select: ['ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', f.nameKey] });
  const updates: BatchCommand[] = [];
  for (const r of rows) {
    const key = nameKeyOf(str(r.LAST_NAME), str(r.NAME), str(r.SECOND_NAME));
    if (key === str(r[f.nameKey])) continue;
    updates.push({ method: 'crm.contact.update', params: { id: Number(r.ID), fields: { [f.nameKey]: key }, params: { REGISTER_SONET_EVENT: 'N' } } });
  }
  const outcomes = await ctx.rest.batch(updates);
  // Our own update fires ONCRMCONTACTUPDATE again: that event needs no check.
  noteNameKeysWritten(ctx.rest.memberId, updates.filter((_, i) => outcomes[i]?.ok).map((u) => Number(u.params?.id)));
  const failed = outcomes.filter((o) => !o?.ok);
  if (failed.length) {
    const first = failed[0];
    throw new AppError('REST_ERROR', `name keys not saved for ${failed.length} contact(s): ${first && !first.ok ? `${first.error.code} ${first.error.description}` : 'no answer'}`);
  }
  return { checked: rows.length, updated: updates.length };
}

/**
 * One-off backfill for a portal that had contacts before the app: walks all contacts by ID
 * (50 pages per batch request) and fixes the keys that are missing or stale. Meant for the
 * install/repair path, not for every request.
 */
export async function backfillNameKeys(ctx: Ctx): Promise<{ checked: number; updated: number }> {
  const f = contactFieldNames(ctx);
  let checked = 0;
  let updated = 0;
  for await (const page of ctx.rest.walk<Row>('crm.contact.list', { select: ['ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', f.nameKey] })) {
    checked += page.length;
    const updates: BatchCommand[] = [];
    for (const r of page) {
      const key = nameKeyOf(str(r.LAST_NAME), str(r.NAME), str(r.SECOND_NAME));
      if (key !== str(r[f.nameKey])) updates.push({ method: 'crm.contact.update', params: { id: Number(r.ID), fields: { [f.nameKey]: key }, params: { REGISTER_SONET_EVENT: 'N' } } });
    }
    const outcomes = await ctx.rest.batch(updates);
    updated += outcomes.filter((o) => o?.ok).length;
  }
  return { checked, updated };
}
