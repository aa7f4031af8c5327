/**
 * Stage "Подписание документов": the applicant's scans arrive in the deal's signed-documents field
 * (from the upload page or attached by staff). Once they are there the deal moves on to the
 * resolution stage and the responsible hears of it.
 */
import type { HandlerContext } from '../context.js';
import { notifyCommand } from '../crm/messages.js';
import { once } from '../effects.js';
import { fullName, readApplication } from './applicant.js';
import { portalUrlOf } from './portal.js';
import { membershipRefs } from './refs.js';
import { staffTexts } from './texts.js';
import { writeBatch } from '../crm/write.js';

/** Files of a file field as the portal returns them: one object or an array of {id, …}. */
export function filesOf(value: unknown): { id: number }[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return list.map((f) => ({ id: Number((f as { id?: unknown }).id) })).filter((f) => Number.isInteger(f.id) && f.id > 0);
}

export async function checkSignedDocuments(ctx: HandlerContext, dealId: number, entryKey: string): Promise<'moved' | 'waiting'> {
  const refs = membershipRefs(ctx);
  const app = await readApplication(ctx, refs, dealId);
  if (app.stageId !== refs.stage('SIGNING')) return 'waiting';
  const files = filesOf(app.fields[refs.deal.signedDocs]);
  if (!files.length) return 'waiting';
  await once(ctx, `${entryKey}:signed`, () =>
    writeBatch(ctx, 'signed documents received', [
      { method: 'crm.deal.update', params: { id: dealId, fields: { STAGE_ID: refs.stage('RESOLUTION') } } },
      notifyCommand(app.assignedById || 1, staffTexts.signedReceived(portalUrlOf(ctx.portal), dealId, app.applicant ? fullName(app.applicant) : 'заявителя', files.length), `du-deal-${dealId}-signed`),
    ]),
  );
  return 'moved';
}
