/**
 * Stage "Подготовка постановления": an item of the smart process "Постановления" linked to the
 * deal, numbered sequentially per organisation and year, with the resolution document attached.
 */
import { dateInZone } from '../clock.js';
import type { HandlerContext } from '../context.js';
import { AppError } from '../errors.js';
import { fullName, readApplication } from './applicant.js';
import { renderResolutionFile } from './documents.js';
import { primaryOf } from './organisations.js';
import { membershipRefs, type MembershipRefs } from './refs.js';
import { writeBatch } from '../crm/write.js';

export interface ResolutionRef {
  id: number;
  number: string;
  date: string;
  created: boolean;
}

type Row = Record<string, unknown>;

/** Next number for the organisation and year: one more than the largest number used so far. */
export async function nextResolutionNumber(ctx: Pick<HandlerContext, 'rest'>, refs: MembershipRefs, companyId: number, year: string): Promise<number> {
  const entityTypeId = refs.resolutions.entityTypeId();
  const numberField = refs.resolutions.field('number');
  const dateField = refs.resolutions.field('date');
  let max = 0;
  for await (const page of ctx.rest.walk<Row>('crm.item.list', {
    params: { entityTypeId, useOriginalUfNames: 'Y' },
    filter: { companyId, [`>=${dateField}`]: `${year}-01-01`, [`<=${dateField}`]: `${year}-12-31` },
    select: ['id', numberField],
  })) {
    for (const row of page) max = Math.max(max, parseInt(String(row[numberField] ?? ''), 10) || 0);
  }
  return max + 1;
}

/** Idempotent: a deal that already has its resolution item gets it back, not a second one. */
export async function createResolution(ctx: HandlerContext, dealId: number): Promise<ResolutionRef> {
  const refs = membershipRefs(ctx);
  const entityTypeId = refs.resolutions.entityTypeId();
  const f = { number: refs.resolutions.field('number'), date: refs.resolutions.field('date'), file: refs.resolutions.field('file') };

  const { items: existing } = await ctx.rest.call<{ items: Row[] }>('crm.item.list', {
    entityTypeId,
    useOriginalUfNames: 'Y',
    filter: { parentId2: dealId },
    select: ['id', f.number, f.date, f.file],
    order: { id: 'ASC' },
    start: -1,
  });
  const found = existing[0];
  if (found && found[f.file]) return { id: Number(found.id), number: String(found[f.number]), date: String(found[f.date]).slice(0, 10), created: false };

  const app = await readApplication(ctx, refs, dealId);
  if (!app.applicant) throw new AppError('VALIDATION_FAILED', 'В сделке нет контакта заявителя: постановление не создано.');
  if (!app.organisation) throw new AppError('VALIDATION_FAILED', 'В сделке не указана организация заявителя: постановление не создано.');
  const org = app.organisation;
  const date = found ? String(found[f.date]).slice(0, 10) : dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
  const number = found ? String(found[f.number]) : String(await nextResolutionNumber(ctx, refs, org.id, date.slice(0, 4)));

  let id = found ? Number(found.id) : 0;
  if (!id) {
    const [added] = (await writeBatch(ctx, 'resolution', [
      {
        method: 'crm.item.add',
        params: {
          entityTypeId,
          useOriginalUfNames: 'Y',
          fields: {
            title: `Постановление № ${number} — ${fullName(app.applicant)}`,
            parentId2: dealId,
            companyId: org.id,
            contactIds: [app.applicant.contactId],
            assignedById: app.assignedById || org.chairmanId || 1,
            [f.number]: number,
            [f.date]: date,
          },
        },
      },
    ])) as [{ item: { id: number } }];
    id = added.item.id;
  }
  const primary = await primaryOf(ctx, refs, org);
  const file = await renderResolutionFile(ctx, { number, date, applicant: app.applicant, organisation: org, primary });
  await writeBatch(ctx, 'resolution document', [
    { method: 'crm.item.update', params: { entityTypeId, id, useOriginalUfNames: 'Y', fields: { [f.file]: [file.name, file.content.toString('base64')] } } },
  ]);
  ctx.logger.info({ dealId, resolutionId: id }, 'resolution created');
  return { id, number, date, created: true };
}
