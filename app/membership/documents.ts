/**
 * The membership documents in the portal: the four admission documents go into the deal's
 * "generated documents" field and into the app's Drive folder (e-mail attachments need Drive files;
 * their ids are kept on the deal so a reminder can attach them again without searching).
 */
import type { HandlerContext } from '../context.js';
import { appFolder, uploadToFolder } from '../crm/disk.js';
import { renderAdmissionDocuments, renderResolution, type GeneratedFile } from '../documents/membership.js';
import type { Application, Applicant, Organisation } from './applicant.js';
import type { MembershipRefs } from './refs.js';
import { writeBatch } from '../crm/write.js';


const dealFolder = (dealId: number) => ['Заявления о вступлении', `Сделка ${dealId}`];

export const admissionDocuments = {
  async generate(ctx: HandlerContext, refs: MembershipRefs, app: Application, applicant: Applicant, org: Organisation, primary: Organisation): Promise<GeneratedFile[]> {
    const categories = refs.enumXmlIds('deal.publicCategories');
    const allowed = new Set(([] as unknown[]).concat(app.fields[refs.deal.publicCategories] ?? []).map((v) => categories.get(String(v))).filter(Boolean) as string[]);
    const files = await renderAdmissionDocuments(ctx, { app, applicant, organisation: org, primary, publicCategories: allowed });
    const folderId = await appFolder(ctx, dealFolder(app.dealId));
    const uploaded = [];
    for (const f of files) uploaded.push(await uploadToFolder(ctx, folderId, f.name, f.content));
    await writeBatch(ctx, 'generated documents', [
      {
        method: 'crm.deal.update',
        params: {
          id: app.dealId,
          fields: {
            [refs.deal.generatedDocs]: files.map((f) => [f.name, f.content.toString('base64')]),
            [refs.deal.docsDiskIds]: uploaded.map((u) => u.id).join(','),
          },
        },
      },
    ]);
    return files;
  },

  /** The Drive files of a deal's documents (for attachments). */
  async stored(ctx: HandlerContext, refs: MembershipRefs, dealId: number): Promise<number[]> {
    const deal = await ctx.rest.call<Record<string, unknown>>('crm.deal.get', { id: dealId });
    return String(deal[refs.deal.docsDiskIds] ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  },
};

export { renderResolution as renderResolutionFile, type GeneratedFile };
