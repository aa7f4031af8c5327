/**
 * From the portal's records to the documents' data: the membership process hands over the
 * application (deal, contact, organisations) and gets rendered files back. The documents are
 * addressed to the primary organisation (its chairman), the union is the organisation above it.
 */
import type { HandlerContext } from '../context.js';
import type { Application, Applicant, Organisation } from '../membership/applicant.js';
import { fullName } from '../membership/applicant.js';
import { ADMISSION_KEYS, PUBLIC_CATEGORIES, type AdmissionKey } from './catalog.js';
import { documentFileName, renderAdmissionSet, renderDocument } from './render.js';
import { loadTemplates } from './template-source.js';

export interface GeneratedFile {
  name: string;
  content: Buffer;
}

type Row = Record<string, unknown>;
const personName = (u: Row | undefined) => (u ? [u.NAME, u.SECOND_NAME, u.LAST_NAME].map((s) => String(s ?? '').trim()).filter(Boolean).join(' ') : '');

/** The chairman's name and the union's name (the organisation above the primary), in one request. */
async function signatories(ctx: Pick<HandlerContext, 'rest'>, primary: Organisation): Promise<{ chairmanName: string; unionName: string }> {
  const [users, parent] = await ctx.rest.batch<unknown>([
    { method: 'user.get', params: { filter: { ID: primary.chairmanId || 0 } } },
    ...(primary.parentId ? [{ method: 'crm.company.get', params: { id: primary.parentId } }] : []),
  ]);
  const chairman = users?.ok ? (users.result as Row[])[0] : undefined;
  const unionName = parent?.ok ? String((parent.result as Row).TITLE ?? '') : '';
  return { chairmanName: personName(chairman), unionName: unionName || primary.title };
}

const organisationData = (primary: Organisation, org: Organisation, chairmanName: string) => ({
  name: primary.title,
  chairmanName: chairmanName || undefined,
  employer: { name: org.employer || primary.employer || 'Работодатель' },
});

export async function renderAdmissionDocuments(
  ctx: Pick<HandlerContext, 'rest' | 'portal'>,
  input: { app: Application; applicant: Applicant; organisation: Organisation; primary: Organisation; publicCategories: Set<string> },
): Promise<GeneratedFile[]> {
  const { applicant: a, organisation, primary } = input;
  const [{ chairmanName, unionName }, templates] = await Promise.all([signatories(ctx, primary), loadTemplates(ctx, ADMISSION_KEYS)]);
  const docs = await renderAdmissionSet(
    {
      applicant: { fullName: fullName(a), birthDate: a.birthDate, position: a.position, phone: a.phone || undefined, email: a.email || undefined, department: organisation.id !== primary.id ? organisation.title : undefined },
      organisation: organisationData(primary, organisation, chairmanName),
      union: { name: unionName },
      date: input.app.appliedAt,
      publicCategories: Object.fromEntries(PUBLIC_CATEGORIES.map((c) => [c, input.publicCategories.has(c)])),
    },
    Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, t.content])) as Record<AdmissionKey, Buffer>,
  );
  return docs.map((d) => ({ name: d.fileName, content: d.content }));
}

export async function renderResolution(
  ctx: Pick<HandlerContext, 'rest' | 'portal'>,
  data: { number: string; date: string; applicant: Applicant; organisation: Organisation; primary: Organisation },
): Promise<GeneratedFile> {
  const [{ chairmanName, unionName }, templates] = await Promise.all([signatories(ctx, data.primary), loadTemplates(ctx, ['resolution'] as const)]);
  const content = await renderDocument(
    'resolution',
    {
      organisation: organisationData(data.primary, data.organisation, chairmanName),
      union: { name: unionName },
      resolution: { number: data.number, date: data.date },
      members: [{ fullName: fullName(data.applicant), birthDate: data.applicant.birthDate || undefined, position: data.applicant.position || undefined }],
    },
    templates.resolution.content,
  );
  return { name: documentFileName('resolution', `№ ${data.number}`), content };
}
