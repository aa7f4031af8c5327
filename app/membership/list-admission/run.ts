/**
 * Executing a plan with batched writes.
 *
 * Members: each new person is one `crm.contact.add` (name, birth date, phone, e-mail, position,
 * organisation as COMPANY_ID, name key, membership status fields, dedup key) plus its history entry
 * (`crm.timeline.comment.add` on `$result[…]` of the add) — 25 people, 50 commands per batch
 * request. Existing contacts chosen for a status update go through setMemberStatusMany.
 * Applications: contact add + deal add at «Новое заявление» (CONTACT_ID = `$result[…]`), or just
 * the deal for an existing contact.
 *
 * Retries never duplicate: every contact and deal carries ORIGINATOR_ID/ORIGIN_ID
 * (`digital-union` / `list:<run>:<row>`). On a repeated attempt the rows written before are found
 * by ORIGIN_ID (one request per 2,450 rows) and only the rest is written. A contact found with its
 * status already set is taken as complete: its status fields and history entry went in one batch.
 */
import { requireMapped, type HandlerContext } from '../../context.js';
import { IN_LIST_CHUNK, listWhereIn, noteNameKeysWritten } from '../../crm/duplicates.js';
import type { StatusChange } from '../../domain/membership/status.js';
import { mapKeys } from '../../registry/names.js';
import type { BatchCommand, BatchOutcome } from '../../rest/types.js';
import { alreadyAt, historyCommand, setMemberStatusMany, statusFieldNames, statusFieldValues, type StatusTarget } from './status-many.js';
import type { Plan, PlanEntry, RowResult } from './types.js';

export type RunCtx = Pick<HandlerContext, 'rest' | 'map' | 'logger'>;

export const ORIGINATOR_ID = 'digital-union';
export const originId = (runId: string, row: number) => `list:${runId}:${row}`;
const MAX_COMMANDS = 50;

const ruDate = (iso: string) => iso.split('-').reverse().join('.');
const describe = (o: BatchOutcome | undefined) => (o ? (o.ok ? '' : `${o.error.code} ${o.error.description}`.trim()) : 'нет ответа портала');
const idOf = (v: unknown) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
};
const shortName = (p: NonNullable<PlanEntry['person']>) =>
  [p.lastName, p.firstName ? `${p.firstName[0]}.` : '', p.middleName ? `${p.middleName[0]}.` : ''].filter(Boolean).join(' ');

export interface Progress {
  /** Rows finished so far (of those that need a write). */
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface RunOptions {
  /** Attempt number of the job; from 2 on, rows written before are looked up first. */
  attempt: number;
  onProgress?: (p: Progress) => void | Promise<void>;
}

/** A row's commands that must travel in one batch; `ref(j)` names the result of its j-th command. */
interface Unit {
  entry: PlanEntry;
  commands: (ref: (j: number) => string) => BatchCommand[];
  done: (outcomes: (BatchOutcome | undefined)[]) => void;
}

/** Packs units into batch requests of ≤ 50 commands without splitting a unit; calls back after each request. */
async function runUnits(ctx: RunCtx, units: Unit[], afterBatch: () => Promise<void>): Promise<void> {
  let i = 0;
  while (i < units.length) {
    const commands: BatchCommand[] = [];
    const spans: { unit: Unit; from: number; to: number }[] = [];
    while (i < units.length) {
      const unit = units[i]!;
      const offset = commands.length;
      const cmds = unit.commands((j) => `$result[c${offset + j}]`);
      if (offset > 0 && offset + cmds.length > MAX_COMMANDS) break;
      commands.push(...cmds);
      spans.push({ unit, from: offset, to: commands.length });
      i += 1;
    }
    const outcomes = await ctx.rest.batch(commands);
    for (const s of spans) s.unit.done(outcomes.slice(s.from, s.to));
    await afterBatch();
  }
}

function contactFields(ctx: RunCtx, plan: Plan, e: PlanEntry): Record<string, unknown> {
  const p = e.person!;
  const nameKey = requireMapped(ctx, mapKeys.field('contact.nameKey'));
  const fields: Record<string, unknown> = {
    LAST_NAME: p.lastName,
    NAME: p.firstName,
    SECOND_NAME: p.middleName,
    [nameKey]: p.nameKey,
    ORIGINATOR_ID,
    ORIGIN_ID: originId(plan.runId, e.row),
    SOURCE_DESCRIPTION: 'Приём по списку',
    ASSIGNED_BY_ID: plan.userId,
  };
  if (p.birthDate) fields.BIRTHDATE = p.birthDate;
  if (p.position) fields.POST = p.position;
  if (p.phone) fields.PHONE = [{ VALUE: p.phone, VALUE_TYPE: p.phone.startsWith('+79') ? 'MOBILE' : 'WORK' }];
  if (p.email) fields.EMAIL = [{ VALUE: p.email, VALUE_TYPE: 'WORK' }];
  if (e.companyId) fields.COMPANY_ID = e.companyId;
  return fields;
}

const memberChange = (e: PlanEntry): StatusChange => ({ status: 'member', from: e.date, source: 'list' });

/**
 * Namesakes that appeared in the portal after the preview (another run of the same list, a web
 * form, staff): those rows are skipped rather than admitted twice. Runs of one portal go one at a
 * time through the queue, so a second run of the same file sees the first one's contacts here.
 * One request per 2,000 names; contacts of this very run (an earlier attempt) do not count.
 */
async function appearedSincePreview(ctx: RunCtx, plan: Plan, creates: PlanEntry[]): Promise<Map<number, number[]>> {
  const keyField = requireMapped(ctx, mapKeys.field('contact.nameKey'));
  const keys = creates.map((e) => e.person?.nameKey ?? '').filter(Boolean);
  const out = new Map<number, number[]>();
  if (keys.length === 0) return out;
  const rows = await listWhereIn(ctx.rest, 'crm.contact.list', keyField, keys, { select: ['ID', 'ORIGIN_ID', keyField], chunk: IN_LIST_CHUNK.names });
  const own = `list:${plan.runId}:`;
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    if (String(r.ORIGIN_ID ?? '').startsWith(own)) continue;
    const k = String(r[keyField] ?? '');
    byKey.set(k, [...(byKey.get(k) ?? []), Number(r.ID)]);
  }
  for (const e of creates) {
    const known = new Set(e.knownContacts ?? []);
    const fresh = (byKey.get(e.person?.nameKey ?? '') ?? []).filter((id) => !known.has(id));
    if (fresh.length) out.set(e.row, fresh);
  }
  return out;
}

const appearedMessage = (ids: number[]) =>
  `Пропущен: после проверки списка на портале появился контакт с таким же ФИО (${ids.map((id) => `№${id}`).join(', ')}) — возможно, список уже загружали. Проверьте и при необходимости загрузите строку ещё раз.`;

/** Runs the plan; one result per plan entry, in order. Throws only when the portal cannot be reached (the queue repeats the job). */
export async function runPlan(ctx: RunCtx, plan: Plan, opts: RunOptions): Promise<RowResult[]> {
  const results = new Map<number, RowResult>();
  const progress: Progress = { processed: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
  const set = (e: PlanEntry, r: Omit<RowResult, 'row'>) => {
    if (!results.has(e.row)) progress.processed += 1;
    results.set(e.row, { row: e.row, ...r });
    if (r.outcome === 'created') progress.created += 1;
    else if (r.outcome === 'updated') progress.updated += 1;
    else if (r.outcome === 'unchanged') progress.unchanged += 1;
    else if (r.outcome === 'failed') progress.failed += 1;
  };
  const report = async () => opts.onProgress?.({ ...progress });

  for (const e of plan.entries) {
    if (e.action === 'error') results.set(e.row, { row: e.row, outcome: 'error', contactId: null, dealId: null, message: e.message ?? 'Ошибка в строке.' });
    if (e.action === 'skip') results.set(e.row, { row: e.row, outcome: 'skipped', contactId: e.contactId ?? null, dealId: null, message: e.message ?? 'Пропущен.' });
  }
  let creates = plan.entries.filter((e) => e.action === 'create');
  const updates = plan.entries.filter((e) => e.action === 'update');
  const appeared = await appearedSincePreview(ctx, plan, creates);
  if (appeared.size) {
    for (const e of creates) {
      const ids = appeared.get(e.row);
      if (ids) results.set(e.row, { row: e.row, outcome: 'skipped', contactId: null, dealId: null, message: appearedMessage(ids) });
    }
    creates = creates.filter((e) => !appeared.has(e.row));
    ctx.logger.info({ runId: plan.runId, rows: appeared.size }, 'admission: rows skipped, namesakes appeared after the preview');
  }

  if (plan.mode === 'members') await runMembers(ctx, plan, creates, updates, opts, set, report);
  else await runApplications(ctx, plan, creates, updates, opts, set, report);

  return plan.entries.map((e) => results.get(e.row) ?? { row: e.row, outcome: 'failed', contactId: null, dealId: null, message: 'Строка не обработана.' });
}

type Setter = (e: PlanEntry, r: Omit<RowResult, 'row'>) => void;

async function runMembers(ctx: RunCtx, plan: Plan, creates: PlanEntry[], updates: PlanEntry[], opts: RunOptions, set: Setter, report: () => Promise<void>) {
  const f = statusFieldNames(ctx);
  const statusTargets: { entry: PlanEntry; target: StatusTarget; isNew: boolean }[] = updates.map((e) => ({ entry: e, target: { contactId: e.contactId!, change: memberChange(e) }, isNew: false }));
  const commentsMissing: { entry: PlanEntry; contactId: number }[] = [];
  let toAdd = creates;

  if (opts.attempt > 1 && creates.length > 0) {
    const byOrigin = new Map(creates.map((e) => [originId(plan.runId, e.row), e]));
    const found = await listWhereIn(ctx.rest, 'crm.contact.list', 'ORIGIN_ID', [...byOrigin.keys()], { filter: { ORIGINATOR_ID }, select: ['ID', 'ORIGIN_ID', f.status, f.date] });
    const done = new Set<number>();
    for (const r of found) {
      const e = byOrigin.get(String(r.ORIGIN_ID));
      const id = idOf(r.ID);
      if (!e || !id || done.has(e.row)) continue;
      done.add(e.row);
      if (alreadyAt(ctx, r, memberChange(e))) set(e, { outcome: 'created', contactId: id, dealId: null, message: `Принят в члены профсоюза с ${ruDate(e.date)}.` });
      else statusTargets.push({ entry: e, target: { contactId: id, change: memberChange(e) }, isNew: true });
    }
    toAdd = creates.filter((e) => !done.has(e.row));
    ctx.logger.info({ runId: plan.runId, found: done.size }, 'admission: rows written by an earlier attempt found by ORIGIN_ID');
  }

  const units: Unit[] = toAdd.map((e) => ({
    entry: e,
    commands: (ref) => [
      { method: 'crm.contact.add', params: { fields: { ...contactFields(ctx, plan, e), ...statusFieldValues(ctx, memberChange(e)) }, params: { REGISTER_SONET_EVENT: 'N' } } },
      historyCommand(ref(0), memberChange(e)),
    ],
    done: ([add, comment]) => {
      const id = add?.ok ? idOf(add.result) : null;
      if (!id) return set(e, { outcome: 'failed', contactId: null, dealId: null, message: `Контакт не создан: ${describe(add)}` });
      noteNameKeysWritten(plan.memberId, [id]);
      if (!comment?.ok) commentsMissing.push({ entry: e, contactId: id });
      set(e, { outcome: 'created', contactId: id, dealId: null, message: `Принят в члены профсоюза с ${ruDate(e.date)}.` });
    },
  }));
  await runUnits(ctx, units, report);

  // A history entry refused after its contact was added: write it again with the real id.
  if (commentsMissing.length) {
    const outcomes = await ctx.rest.batch(commentsMissing.map((c) => historyCommand(c.contactId, memberChange(c.entry))));
    commentsMissing.forEach((c, i) => {
      if (!outcomes[i]?.ok) ctx.logger.warn({ runId: plan.runId, row: c.entry.row, contactId: c.contactId }, 'admission: status history entry not written');
    });
  }

  if (statusTargets.length) {
    const res = await setMemberStatusMany(ctx, statusTargets.map((s) => s.target), { onBatch: report });
    // Found by their name key (or made by us): their keys are right, their update events need no check.
    noteNameKeysWritten(plan.memberId, res.filter((r) => r.changed).map((r) => r.contactId));
    statusTargets.forEach((s, i) => {
      const r = res[i]!;
      const e = s.entry;
      if (r.error) set(e, { outcome: 'failed', contactId: r.contactId, dealId: null, message: r.error });
      else if (s.isNew) set(e, { outcome: 'created', contactId: r.contactId, dealId: null, message: `Принят в члены профсоюза с ${ruDate(e.date)}.` });
      else if (r.changed) set(e, { outcome: 'updated', contactId: r.contactId, dealId: null, message: `Статус существующего контакта: член профсоюза с ${ruDate(e.date)}.` });
      else set(e, { outcome: 'unchanged', contactId: r.contactId, dealId: null, message: `Уже член профсоюза с ${ruDate(e.date)}: изменений нет.` });
    });
  }
  await report();
}

async function runApplications(ctx: RunCtx, plan: Plan, creates: PlanEntry[], updates: PlanEntry[], opts: RunOptions, set: Setter, report: () => Promise<void>) {
  const categoryId = Number(requireMapped(ctx, mapKeys.pipelineCategory('membership')));
  const stageNew = requireMapped(ctx, mapKeys.stage('membership', 'NEW'));
  const appliedAt = requireMapped(ctx, mapKeys.field('deal.appliedAt'));
  const applicantOrg = requireMapped(ctx, mapKeys.field('deal.applicantOrg'));

  const contactsBefore = new Map<number, number>(); // row → contact id
  const dealsBefore = new Map<number, number>(); // row → deal id
  if (opts.attempt > 1) {
    const all = [...creates, ...updates];
    const byOrigin = new Map(all.map((e) => [originId(plan.runId, e.row), e]));
    const [contacts, deals] = [
      creates.length ? await listWhereIn(ctx.rest, 'crm.contact.list', 'ORIGIN_ID', creates.map((e) => originId(plan.runId, e.row)), { filter: { ORIGINATOR_ID }, select: ['ID', 'ORIGIN_ID'] }) : [],
      all.length ? await listWhereIn(ctx.rest, 'crm.deal.list', 'ORIGIN_ID', [...byOrigin.keys()], { filter: { ORIGINATOR_ID }, select: ['ID', 'ORIGIN_ID', 'CONTACT_ID'] }) : [],
    ];
    for (const r of contacts) {
      const e = byOrigin.get(String(r.ORIGIN_ID));
      const id = idOf(r.ID);
      if (e && id && !contactsBefore.has(e.row)) contactsBefore.set(e.row, id);
    }
    for (const r of deals) {
      const e = byOrigin.get(String(r.ORIGIN_ID));
      const id = idOf(r.ID);
      if (e && id && !dealsBefore.has(e.row)) {
        dealsBefore.set(e.row, id);
        if (!contactsBefore.has(e.row) && idOf(r.CONTACT_ID)) contactsBefore.set(e.row, idOf(r.CONTACT_ID)!);
      }
    }
  }

  const dealFields = (e: PlanEntry, contact: number | string): Record<string, unknown> => {
    const title = e.person ? shortName(e.person) : e.name;
    const fields: Record<string, unknown> = {
      TITLE: `Заявление о вступлении: ${title}`,
      CATEGORY_ID: categoryId,
      STAGE_ID: stageNew,
      CONTACT_ID: contact,
      [appliedAt]: e.date,
      ORIGINATOR_ID,
      ORIGIN_ID: originId(plan.runId, e.row),
      SOURCE_DESCRIPTION: 'Приём по списку',
      ASSIGNED_BY_ID: plan.userId,
    };
    if (e.companyId) {
      fields.COMPANY_ID = e.companyId;
      fields[applicantOrg] = e.companyId;
    }
    return fields;
  };
  const dealAdd = (e: PlanEntry, contact: number | string): BatchCommand => ({ method: 'crm.deal.add', params: { fields: dealFields(e, contact), params: { REGISTER_SONET_EVENT: 'N' } } });
  const createdMessage = (dealId: number | null) => `Создано заявление${dealId ? ` (сделка №${dealId})` : ''} на стадии «Новое заявление».`;

  const units: Unit[] = [];
  for (const e of [...creates, ...updates]) {
    const dealId = dealsBefore.get(e.row);
    const contactId = e.action === 'update' ? e.contactId! : contactsBefore.get(e.row);
    const outcome = e.action === 'update' ? 'updated' : 'created';
    if (dealId && contactId) {
      set(e, { outcome, contactId, dealId, message: createdMessage(dealId) });
      continue;
    }
    if (contactId) {
      units.push({
        entry: e,
        commands: () => [dealAdd(e, contactId)],
        done: ([deal]) => {
          const id = deal?.ok ? idOf(deal.result) : null;
          if (id) set(e, { outcome, contactId, dealId: id, message: createdMessage(id) });
          else set(e, { outcome: 'failed', contactId, dealId: null, message: `Заявление не создано: ${describe(deal)}` });
        },
      });
      continue;
    }
    units.push({
      entry: e,
      commands: (ref) => [{ method: 'crm.contact.add', params: { fields: contactFields(ctx, plan, e), params: { REGISTER_SONET_EVENT: 'N' } } }, dealAdd(e, ref(0))],
      done: ([contact, deal]) => {
        const cid = contact?.ok ? idOf(contact.result) : null;
        const did = deal?.ok ? idOf(deal.result) : null;
        if (cid) noteNameKeysWritten(plan.memberId, [cid]);
        if (!cid) set(e, { outcome: 'failed', contactId: null, dealId: null, message: `Контакт не создан: ${describe(contact)}` });
        else if (!did) set(e, { outcome: 'failed', contactId: cid, dealId: null, message: `Контакт создан, заявление — нет: ${describe(deal)}` });
        else set(e, { outcome: 'created', contactId: cid, dealId: did, message: createdMessage(did) });
      },
    });
  }
  await runUnits(ctx, units, report);
  await report();
}
