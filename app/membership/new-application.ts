/**
 * Stage "Новое заявление": check the applicant, and for a real newcomer generate the four
 * documents, mark the contact as applied, attach it to its organisation, hand the deal to that
 * organisation's chairman, tell everyone, and move the deal to signing. Each step runs once per
 * entry into the stage (effect keys under `entryKey`), so a retried job, or a robot doing one of
 * the steps on the same stage, repeats nothing.
 */
import { dateInZone } from '../clock.js';
import type { HandlerContext } from '../context.js';
import { setMemberStatus } from '../crm/member-status.js';
import { DEAL, emailCommand, notifyCommand } from '../crm/messages.js';
import { once } from '../effects.js';
import { fullName, readApplication, type Application, type Applicant, type Organisation } from './applicant.js';
import { checkApplicant, describeCheck, type ApplicantCheck } from './check.js';
import { admissionDocuments } from './documents.js';
import { nameKeyOf } from '../domain/membership/names.js';
import { findOrganisation, primaryOf } from './organisations.js';
import { portalUrlOf } from './portal.js';
import { membershipRefs, type MembershipRefs } from './refs.js';
import { applicantTexts, staffTexts } from './texts.js';
import { writeBatch } from '../crm/write.js';

export type NewApplicationOutcome =
  | { kind: 'sent-to-signing'; organisationId: number; responsibleId: number; check: ApplicantCheck }
  | { kind: 'has-status'; check: ApplicantCheck }
  | { kind: 'needs-staff'; problem: 'no-contact' | 'no-organisation' };

/**
 * What is done once per application, not per entry into the stage: documents, status, organisation,
 * the letter and the move. A robot that fires after the event path has moved the deal on (its entry
 * key is then another stage's) must still find them done. The check and the notices are per entry.
 */
const applicationKey = (dealId: number) => `membership:${dealId}`;

export interface Step {
  ctx: HandlerContext;
  refs: MembershipRefs;
  app: Application;
  entryKey: string;
}

/**
 * For the robots that do one step of the new-application action: the deal's application and its
 * current stage entry (so a robot and the event path share effect keys). Throws `fail(message)` for
 * what the admin must fix.
 */
export async function stepOf(ctx: HandlerContext, dealId: number, entryKey: string, fail: (message: string) => Error): Promise<Step & { applicant: Applicant }> {
  const refs = membershipRefs(ctx);
  const app = await readApplication(ctx, refs, dealId);
  if (!app.applicant) throw fail('У сделки нет контакта: укажите заявителя.');
  return { ctx, refs, app, entryKey, applicant: app.applicant };
}

const notifyOnce = (s: Step, userId: number, text: string, tag: string) =>
  once(s.ctx, `${s.entryKey}:notify:${tag}`, () => writeBatch(s.ctx, 'notification', [notifyCommand(userId || 1, text, `du-deal-${s.app.dealId}-${tag}`)]));

/** Check and write the result into the deal. */
export async function runCheck(s: Step, applicant: Applicant): Promise<ApplicantCheck> {
  const check = await checkApplicant(s.ctx, s.refs, applicant);
  await once(s.ctx, `${s.entryKey}:check`, () =>
    writeBatch(s.ctx, 'check result', [{ method: 'crm.deal.update', params: { id: s.app.dealId, fields: { [s.refs.deal.checkResult]: describeCheck(check) } } }]),
  );
  return check;
}

/** The organisation chosen in the application (or named in a web form). */
export async function organisationOf(s: Step): Promise<Organisation | null> {
  return s.app.organisation ?? (await findOrganisation(s.ctx, s.refs, String(s.app.fields[s.refs.deal.applicantOrgName] ?? '')));
}

/** The contact joins the organisation; its chairman becomes responsible for the deal. */
export async function attachToOrganisation(s: Step, applicant: Applicant, org: Organisation, today: string): Promise<number> {
  const responsibleId = org.chairmanId || s.app.assignedById || 1;
  await once(s.ctx, `${applicationKey(s.app.dealId)}:organisation`, () =>
    writeBatch(s.ctx, 'organisation', [
      { method: 'crm.contact.update', params: { id: applicant.contactId, fields: { COMPANY_ID: org.id, [s.refs.contact.nameKey]: nameKeyOf(applicant.lastName, applicant.firstName, applicant.middleName) } } },
      {
        method: 'crm.deal.update',
        params: { id: s.app.dealId, fields: { ASSIGNED_BY_ID: responsibleId, [s.refs.deal.applicantOrg]: org.id, ...(s.app.fields[s.refs.deal.appliedAt] ? {} : { [s.refs.deal.appliedAt]: today }) } },
      },
    ]),
  );
  return responsibleId;
}

/** Generate the four documents into the deal (and the app's disk, for e-mail attachments). */
export async function prepareDocuments(s: Step, applicant: Applicant, org: Organisation): Promise<void> {
  await once(s.ctx, `${applicationKey(s.app.dealId)}:documents`, async () => {
    const primary = await primaryOf(s.ctx, s.refs, org);
    await admissionDocuments.generate(s.ctx, s.refs, s.app, applicant, org, primary);
  });
}

export async function handleNewApplication(ctx: HandlerContext, dealId: number, entryKey: string): Promise<NewApplicationOutcome> {
  const refs = membershipRefs(ctx);
  const s: Step = { ctx, refs, app: await readApplication(ctx, refs, dealId), entryKey };
  const portalUrl = portalUrlOf(ctx.portal);
  const applicant = s.app.applicant;
  if (!applicant) {
    await notifyOnce(s, s.app.assignedById, staffTexts.noContact(portalUrl, dealId), 'no-contact');
    return { kind: 'needs-staff', problem: 'no-contact' };
  }

  const check = await runCheck(s, applicant);
  if (check.blockingStatus) {
    await notifyOnce(s, s.app.assignedById, staffTexts.alreadyHasStatus(portalUrl, dealId, fullName(applicant), check.blockingStatus.status, check.blockingStatus.where), 'has-status');
    return { kind: 'has-status', check };
  }

  const org = await organisationOf(s);
  if (!org) {
    await notifyOnce(s, s.app.assignedById, staffTexts.noOrganisation(portalUrl, dealId, String(s.app.fields[refs.deal.applicantOrgName] ?? '')), 'no-org');
    return { kind: 'needs-staff', problem: 'no-organisation' };
  }

  const today = dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
  await prepareDocuments(s, applicant, org);
  await once(ctx, `${applicationKey(dealId)}:status`, () => setMemberStatus(ctx, applicant.contactId, { status: 'applied', from: s.app.appliedAt || today, source: 'stage' }));
  const responsibleId = await attachToOrganisation(s, applicant, org, today);
  await notifyOnce(s, responsibleId, staffTexts.newApplication(portalUrl, dealId, fullName(applicant), org.title, check.warnings), 'new');
  await once(ctx, `${applicationKey(dealId)}:email`, async () => {
    if (!applicant.email) return;
    const [diskFileIds, primary] = await Promise.all([admissionDocuments.stored(ctx, refs, dealId), primaryOf(ctx, refs, org)]);
    const text = applicantTexts.documents(applicant.firstName, ctx.links.uploadUrl(dealId), primary.title);
    await writeBatch(ctx, 'e-mail', [
      emailCommand({ owner: { typeId: DEAL, id: dealId }, contactId: applicant.contactId, to: applicant.email, ...text, responsibleId, diskFileIds }),
    ]);
  });
  await once(ctx, `${applicationKey(dealId)}:to-signing`, () =>
    writeBatch(ctx, 'move to signing', [{ method: 'crm.deal.update', params: { id: dealId, fields: { STAGE_ID: refs.stage('SIGNING') } } }]),
  );
  return { kind: 'sent-to-signing', organisationId: org.id, responsibleId, check };
}
