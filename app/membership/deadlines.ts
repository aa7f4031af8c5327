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
import { DEAL, emailCommand, notifyCommand, todoCommand } from '../crm/messages.js';
import { AppError } from '../errors.js';
import type { BatchCommand } from '../rest/types.js';
import { fullName, applicantFromContact, type Applicant } from './applicant.js';
import { portalUrlOf } from './portal.js';
import { membershipRefs, type MembershipRefs } from './refs.js';
import { applicantTexts, REASON_DOCUMENTS_NOT_PROVIDED, staffTexts } from './texts.js';
import { writeBatch } from './write.js';

type Row = Record<string, unknown>;

export interface ScanResult {
  today: string;
  remindCutoff: string;
  closeCutoff: string;
  reminded: number[];
  closed: number[];
}

const LAST_REMIND_CUTOFF = 'membership.lastRemindCutoff';

async function dueDeals(ctx: HandlerContext, refs: MembershipRefs, filter: Record<string, unknown>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of ctx.rest.walk<Row>('crm.deal.list', {
    filter: { CATEGORY_ID: refs.categoryId, STAGE_ID: refs.stage('SIGNING'), ...filter },
    select: ['ID', 'TITLE', 'CONTACT_ID', 'ASSIGNED_BY_ID', refs.deal.appliedAt, refs.deal.docsDiskIds],
  })) rows.push(...page);
  return rows;
}

/** The applicants of many deals: contacts listed by id, 50 per page, pages packed in one batch. */
async function applicantsOf(ctx: HandlerContext, refs: MembershipRefs, deals: Row[]): Promise<Map<number, Applicant>> {
  const ids = [...new Set(deals.map((d) => Number(d.CONTACT_ID)).filter((n) => n > 0))];
  const commands: BatchCommand[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    commands.push({ method: 'crm.contact.list', params: { filter: { '@ID': ids.slice(i, i + 50) }, select: ['ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', refs.contact.status], start: -1 } });
  }
  const out = new Map<number, Applicant>();
  for (const r of await writeBatch(ctx, 'applicants', commands)) for (const c of (r as Row[]) ?? []) out.set(Number(c.ID), applicantFromContact(refs, c));
  return out;
}

const diskIds = (v: unknown) => String(v ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

export async function scanSigningDeadlines(ctx: HandlerContext): Promise<ScanResult> {
  const refs = membershipRefs(ctx);
  const p = ctx.settings.process;
  const today = dateInZone(ctx.clock.now(), p.timeZone);
  // "Applications dated on or before the cut-off are due" (production calendar for working days).
  const calendar = await loadPortalCalendar(ctx.store, ctx.portal.memberId);
  const closeCutoff = dueDateBefore(calendar, today, p.signingCloseDays, asDayCount(p.signingDayKind)).date;
  const remindCutoff = dueDateBefore(calendar, today, p.signingReminderDays, asDayCount(p.signingDayKind)).date;
  // Reminders already sent by earlier scans lie at or before the last cut-off: ask only for newer ones.
  const last = await ctx.store.getSetting<string>(ctx.portal.memberId, LAST_REMIND_CUTOFF);
  const remindFrom = last && last > closeCutoff ? last : closeCutoff;

  const [toClose, toRemind] = await Promise.all([
    dueDeals(ctx, refs, { [`<=${refs.deal.appliedAt}`]: closeCutoff }),
    remindCutoff > remindFrom ? dueDeals(ctx, refs, { [`>${refs.deal.appliedAt}`]: remindFrom, [`<=${refs.deal.appliedAt}`]: remindCutoff }) : Promise.resolve([]),
  ]);
  const applicants = await applicantsOf(ctx, refs, [...toClose, ...toRemind]);
  const portalUrl = portalUrlOf(ctx.portal);
  const nameOf = (d: Row) => {
    const a = applicants.get(Number(d.CONTACT_ID));
    return a ? fullName(a) : String(d.TITLE ?? `заявление №${d.ID}`);
  };
  // Commands grouped per deal: a deal counts as done (effect recorded) only when all of its writes went through.
  const groups: { key: string | null; commands: BatchCommand[] }[] = [];
  const notes = new Map<number, string[]>();
  const note = (userId: number, text: string) => notes.set(userId, [...(notes.get(userId) ?? []), text]);

  for (const d of toClose) {
    const id = Number(d.ID);
    groups.push({ key: null, commands: [{ method: 'crm.deal.update', params: { id, fields: { STAGE_ID: refs.stage('LOSE'), [refs.deal.refusalReason]: REASON_DOCUMENTS_NOT_PROVIDED } } }] });
    note(Number(d.ASSIGNED_BY_ID) || 1, staffTexts.signingClosed(portalUrl, id, nameOf(d), p.signingCloseDays));
  }
  const deadline = `${today}T18:00:00`;
  for (const d of toRemind) {
    const id = Number(d.ID);
    const key = `remind:${id}:${String(d[refs.deal.appliedAt] ?? '').slice(0, 10)}`;
    if (await ctx.store.hasEffect(ctx.portal.memberId, key)) continue;
    const a = applicants.get(Number(d.CONTACT_ID));
    const responsibleId = Number(d.ASSIGNED_BY_ID) || 1;
    note(responsibleId, staffTexts.signingReminder(portalUrl, id, nameOf(d), p.signingReminderDays));
    const commands = [todoCommand({ owner: { typeId: DEAL, id }, title: 'Позвонить заявителю', description: 'Подписанные документы для вступления в профсоюз не получены. Позвоните заявителю и напомните о них.', deadline, responsibleId })];
    if (a?.email) {
      const text = applicantTexts.reminder(a.firstName, ctx.links.uploadUrl(id), 'Профсоюзная организация');
      commands.push(emailCommand({ owner: { typeId: DEAL, id }, contactId: a.contactId, to: a.email, ...text, responsibleId, diskFileIds: diskIds(d[refs.deal.docsDiskIds]) }));
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
  const result = { today, remindCutoff, closeCutoff, reminded: toRemind.map((d) => Number(d.ID)), closed: toClose.map((d) => Number(d.ID)) };
  ctx.logger.info({ today, reminded: result.reminded.length, closed: result.closed.length }, 'signing deadlines scanned');
  return result;
}
