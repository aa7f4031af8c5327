import type { Organisation } from '../app/membership/applicant.js';
import { organisationOf, stepOf, type Step } from '../app/membership/new-application.js';
import { RobotFailure, type RobotContext } from '../app/robots.js';
import { currentEntry } from './stage-actions.js';

const fail = (message: string) => new RobotFailure(message);

/** What the membership robots on a deal start from: the application at its current stage entry. */
export async function dealStep(ctx: RobotContext): Promise<Step & { applicant: NonNullable<Step['app']['applicant']> }> {
  if (ctx.document.entityTypeId !== 2) throw fail('Робот работает со сделками воронки «Вступление в профсоюз».');
  const { entryKey } = await currentEntry(ctx, ctx.document.id);
  return stepOf(ctx, ctx.document.id, entryKey, fail);
}

/** …and the organisation named in the application, which these robots cannot do without. */
export async function dealStepWithOrganisation(ctx: RobotContext): Promise<Step & { applicant: NonNullable<Step['app']['applicant']>; org: Organisation }> {
  const step = await dealStep(ctx);
  const org = await organisationOf(step);
  if (!org) throw fail('Не указана организация заявителя: выберите её в сделке.');
  return { ...step, org };
}
