/**
 * Stage "Передача работодателю": the dues-deduction application goes to the employer's accounting
 * (Labour Code art. 377). Record when and how, and tell the union's accountant(s).
 */
import { dateInZone } from '../clock.js';
import type { HandlerContext } from '../context.js';
import { notifyCommand } from '../crm/messages.js';
import { once } from '../effects.js';
import { fullName, readApplication } from './applicant.js';
import { portalUrlOf } from './portal.js';
import { membershipRefs } from './refs.js';
import { staffTexts } from './texts.js';
import { writeBatch } from '../crm/write.js';

export const HANDOFF_METHODS = ['in_person', 'hr', 'mail', 'edm'] as const;
export type HandoffMethod = (typeof HANDOFF_METHODS)[number];

export async function recordEmployerHandoff(
  ctx: HandlerContext,
  dealId: number,
  entryKey: string,
  given: { date?: string; how?: HandoffMethod },
): Promise<{ date: string; how: HandoffMethod | null; notified: number[] }> {
  const refs = membershipRefs(ctx);
  const app = await readApplication(ctx, refs, dealId);
  const recordedDate = String(app.fields[refs.deal.employerSentAt] ?? '').slice(0, 10);
  const date = given.date ?? (recordedDate || dateInZone(ctx.clock.now(), ctx.settings.process.timeZone));
  const currentHow = refs.enumXmlIds('deal.employerSentHow').get(String(app.fields[refs.deal.employerSentHow] ?? '')) as HandoffMethod | undefined;
  const how = given.how ?? currentHow ?? null;

  const fields: Record<string, unknown> = {};
  if (date !== recordedDate) fields[refs.deal.employerSentAt] = date;
  if (how && how !== currentHow) fields[refs.deal.employerSentHow] = refs.enumItem('deal.employerSentHow', how);
  // The accountant is a role from the settings; without one the deal's responsible is told instead.
  const accountants = ctx.settings.roles.accountant.length ? ctx.settings.roles.accountant : [app.assignedById || 1];
  const name = app.applicant ? fullName(app.applicant) : 'заявителя';
  const org = app.organisation?.title ?? 'организация не указана';

  await once(ctx, `${entryKey}:employer`, () =>
    writeBatch(ctx, 'employer handoff', [
      ...(Object.keys(fields).length ? [{ method: 'crm.deal.update', params: { id: dealId, fields } }] : []),
      ...accountants.map((u) => notifyCommand(u, staffTexts.toEmployer(portalUrlOf(ctx.portal), dealId, name, org), `du-deal-${dealId}-employer`)),
    ]),
  );
  return { date, how, notified: accountants };
}
