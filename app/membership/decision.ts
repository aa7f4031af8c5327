/** The two decisions: a new member (status with the date, congratulation) or a refusal (letter with the reason). */
import { dateInZone } from '../clock.js';
import type { HandlerContext } from '../context.js';
import { setMemberStatus } from '../crm/member-status.js';
import { DEAL, emailCommand } from '../crm/messages.js';
import { once } from '../effects.js';
import { readApplication, type Application } from './applicant.js';
import { primaryOf } from './organisations.js';
import { membershipRefs, type MembershipRefs } from './refs.js';
import { applicantTexts } from './texts.js';
import { writeBatch } from '../crm/write.js';

async function unionName(ctx: HandlerContext, refs: MembershipRefs, app: Application): Promise<string> {
  return app.organisation ? (await primaryOf(ctx, refs, app.organisation)).title : 'Профсоюзная организация';
}

async function emailApplicant(ctx: HandlerContext, app: Application, letter: { subject: string; html: string }): Promise<void> {
  const a = app.applicant;
  if (!a?.email) return;
  await writeBatch(ctx, 'e-mail', [emailCommand({ owner: { typeId: DEAL, id: app.dealId }, contactId: a.contactId, to: a.email, ...letter, responsibleId: app.assignedById || undefined })]);
}

export async function decidePositive(ctx: HandlerContext, dealId: number, entryKey: string): Promise<void> {
  const refs = membershipRefs(ctx);
  const app = await readApplication(ctx, refs, dealId);
  if (!app.applicant) {
    ctx.logger.warn({ dealId }, 'positive decision without a contact');
    return;
  }
  const from = dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
  await once(ctx, `${entryKey}:status`, async () => {
    await setMemberStatus(ctx, app.applicant!.contactId, { status: 'member', from, source: 'decision' });
  });
  await once(ctx, `${entryKey}:email`, async () => emailApplicant(ctx, app, applicantTexts.approved(app.applicant!.firstName, from, await unionName(ctx, refs, app))));
}

/** Set by whoever already sent the refusal letter with the closing itself (the deadline scan). */
export const refusalSentKey = (dealId: number, at: string) => `membership:${dealId}:refusal:${at}`;

export async function decideNegative(ctx: HandlerContext, dealId: number, entryKey: string): Promise<void> {
  const today = dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
  if (await ctx.store.hasEffect(ctx.portal.memberId, refusalSentKey(dealId, today))) return;
  const refs = membershipRefs(ctx);
  const app = await readApplication(ctx, refs, dealId);
  if (!app.applicant) return;
  const reason = String(app.fields[refs.deal.refusalReason] ?? '').trim();
  await once(ctx, `${entryKey}:email`, async () => emailApplicant(ctx, app, applicantTexts.refused(app.applicant!.firstName, reason, await unionName(ctx, refs, app))));
}
