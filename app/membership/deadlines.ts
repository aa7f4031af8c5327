/**
 * The signing deadlines (stage "Подписание документов"): after N days without signed documents a
 * reminder (notification, e-mail with the documents again, a to-do "позвонить заявителю"); after M
 * days from the application the deal closes as negative. The portal is asked only for the due
 * applications (filter by stage and application date), and all writes go out in packed batches, so
 * the cost follows the number of due items, not of open ones.
 */
import { dateInZone } from '../clock.js';
import { asDayCount, dueDateBefore, loadPortalCalendar } from '../domain/calendar/index.js';
import type { HandlerContext } from '../context.js';
import { listWhereIn } from '../crm/duplicates.js';
import { DEAL, emailCommand, notifyCommand, todoCommand } from '../crm/messages.js';
import { AppError } from '../errors.js';
import type { BatchCommand } from '../rest/types.js';
import { fullName, applicantFromContact, type Applicant } from './applicant.js';
import { portalUrlOf } from './portal.js';
import { membershipRefs, type MembershipRefs } from './refs.js';
import { refusalSentKey } from './decision.js';
import { applicantTexts, REASON_DOCUMENTS_NOT_PROVIDED, staffTexts } from './texts.js';

type Row = Record<string, unknown>;

export interface ScanResult {
  today: string;
  remindCutoff: string;
  closeCutoff: string;
  /** How each cut-off was computed, in Russian (production calendar, days off skipped …). */
  explanations: { remind: string; close: string };
  reminded: number[];
  closed: number[];
}

const LAST_REMIND_CUTOFF = 'membership.lastRemindCutoff';

interface DueDeal {
  id: number;
  title: string;
  contactId: number;
  assignedById: number;
  appliedAt: string;
  docsDiskIds: string;
}

/**
 * Both kinds of due applications in one keyset walk (one request up to 2,500 rows): in signing,
 * dated on or before the closing cut-off, or inside the reminder window.
 */
async function dueDeals(ctx: HandlerContext, refs: MembershipRefs, closeCutoff: string, remind: { from: string; to: string } | null): Promise<DueDeal[]> {
  const applied = refs.deal.appliedAt;
  const windows: Record<string, unknown> = { logic: 'OR', '0': { [`<=${applied}`]: closeCutoff } };
  if (remind) windows['1'] = { [`>${applied}`]: remind.from, [`<=${applied}`]: remind.to };
  const rows: DueDeal[] = [];
  for await (const page of ctx.rest.walk<Row>('crm.item.list', {
    params: { entityTypeId: DEAL, useOriginalUfNames: 'Y' },
    filter: { categoryId: refs.categoryId, stageId: refs.stage('SIGNING'), '0': windows },
    select: ['id', 'title', 'contactId', 'assignedById', applied, refs.deal.docsDiskIds],
  })) {
    for (const r of page) {
      rows.push({
        id: Number(r.id),
        title: String(r.title ?? ''),
        contactId: Number(r.contactId) || 0,
        assignedById: Number(r.assignedById) || 1,
        appliedAt: String(r[applied] ?? '').slice(0, 10),
        docsDiskIds: String(r[refs.deal.docsDiskIds] ?? ''),
      });
    }
  }
  return rows;
}

/** The applicants of many deals: contacts filtered by id on the portal, chunks packed in one batch. */
async function applicantsOf(ctx: HandlerContext, refs: MembershipRefs, deals: DueDeal[]): Promise<Map<number, Applicant>> {
  const ids = deals.map((d) => d.contactId).filter((n) => n > 0);
  const rows = await listWhereIn(ctx.rest, 'crm.contact.list', 'ID', ids, { select: ['NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', refs.contact.status] });
  return new Map(rows.map((c) => [Number(c.ID), applicantFromContact(refs, c)]));
}

const diskIds = (v: unknown) => String(v ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

export async function scanSigningDeadlines(ctx: HandlerContext): Promise<ScanResult> {
  const refs = membershipRefs(ctx);
  const p = ctx.settings.process;
  const today = dateInZone(ctx.clock.now(), p.timeZone);
  // "Applications dated on or before the cut-off are due" (production calendar for working days).
  const calendar = await loadPortalCalendar(ctx.store, ctx.portal.memberId);
  const close = dueDateBefore(calendar, today, p.signingCloseDays, asDayCount(p.signingDayKind));
  const remind = dueDateBefore(calendar, today, p.signingReminderDays, asDayCount(p.signingDayKind));
  const closeCutoff = close.date;
  const remindCutoff = remind.date;
  // Reminders already sent by earlier scans lie at or before the last cut-off: ask only for newer ones.
  const last = await ctx.store.getSetting<string>(ctx.portal.memberId, LAST_REMIND_CUTOFF);
  const remindFrom = last && last > closeCutoff ? last : closeCutoff;

  const due = await dueDeals(ctx, refs, closeCutoff, remindCutoff > remindFrom ? { from: remindFrom, to: remindCutoff } : null);
  const toClose = due.filter((d) => d.appliedAt <= closeCutoff);
  const toRemind = due.filter((d) => d.appliedAt > closeCutoff);
  const applicants = await applicantsOf(ctx, refs, [...toClose, ...toRemind]);
  const portalUrl = portalUrlOf(ctx.portal);
  const nameOf = (d: DueDeal) => {
    const a = applicants.get(d.contactId);
    return a ? fullName(a) : d.title || `заявление №${d.id}`;
  };
  // Commands grouped per deal: a deal counts as done (effect recorded) only when all of its writes went through.
  const groups: { key: string | null; commands: BatchCommand[] }[] = [];
  const notes = new Map<number, string[]>();
  const note = (userId: number, text: string) => notes.set(userId, [...(notes.get(userId) ?? []), text]);

  for (const d of toClose) {
    const id = d.id;
    const a = applicants.get(d.contactId);
    const commands: BatchCommand[] = [{ method: 'crm.deal.update', params: { id, fields: { STAGE_ID: refs.stage('LOSE'), [refs.deal.refusalReason]: REASON_DOCUMENTS_NOT_PROVIDED } } }];
    // The refusal letter goes with the closing; the stage's own action then finds it sent.
    if (a?.email) {
      const letter = applicantTexts.refused(a.firstName, REASON_DOCUMENTS_NOT_PROVIDED, 'Профсоюзная организация');
      commands.push(emailCommand({ owner: { typeId: DEAL, id }, contactId: a.contactId, to: a.email, ...letter, responsibleId: d.assignedById }));
    }
    groups.push({ key: refusalSentKey(id, today), commands });
    note(d.assignedById, staffTexts.signingClosed(portalUrl, id, nameOf(d), p.signingCloseDays));
  }
  const deadline = `${today}T18:00:00`;
  for (const d of toRemind) {
    const id = d.id;
    const key = `remind:${id}:${d.appliedAt}`;
    if (await ctx.store.hasEffect(ctx.portal.memberId, key)) continue;
    const a = applicants.get(d.contactId);
    const responsibleId = d.assignedById;
    note(responsibleId, staffTexts.signingReminder(portalUrl, id, nameOf(d), p.signingReminderDays));
    const commands = [todoCommand({ owner: { typeId: DEAL, id }, title: 'Позвонить заявителю', description: 'Подписанные документы для вступления в профсоюз не получены. Позвоните заявителю и напомните о них.', deadline, responsibleId })];
    if (a?.email) {
      const text = applicantTexts.reminder(a.firstName, ctx.links.uploadUrl(id), 'Профсоюзная организация');
      commands.push(emailCommand({ owner: { typeId: DEAL, id }, contactId: a.contactId, to: a.email, ...text, responsibleId, diskFileIds: diskIds(d.docsDiskIds) }));
    }
    groups.push({ key, commands });
  }
  // One notification per responsible, listing their deals, instead of one per deal.
  for (const [userId, lines] of notes) groups.push({ key: null, commands: [notifyCommand(userId, lines.join('\n'), `du-deadlines-${today}`)] });

  const outcomes = await ctx.rest.batch(groups.flatMap((g) => g.commands));
  let at = 0;
  const failures: string[] = [];
  for (const g of groups) {
    const mine = outcomes.slice(at, (at += g.commands.length));
    const bad = mine.find((o) => !o?.ok);
    if (bad) failures.push(bad.ok ? '' : `${bad.error.code} ${bad.error.description}`);
    else if (g.key) await ctx.store.recordEffect(ctx.portal.memberId, g.key);
  }
  if (failures.length) throw new AppError('REST_ERROR', `signing deadlines: ${failures.length} writes failed, first: ${failures[0]}`);
  await ctx.store.setSetting(ctx.portal.memberId, LAST_REMIND_CUTOFF, remindCutoff > remindFrom ? remindCutoff : remindFrom);
  const explanations = { remind: remind.explanation.text, close: close.explanation.text };
  const result = { today, remindCutoff, closeCutoff, explanations, reminded: toRemind.map((d) => d.id), closed: toClose.map((d) => d.id) };
  ctx.logger.info({ today, reminded: result.reminded.length, closed: result.closed.length, explanations }, 'signing deadlines scanned');
  return result;
}
