/**
 * One membership application as the stage actions need it: the deal, its contact (the applicant)
 * and the organisation named in the application, read in one batch request.
 */
import type { HandlerContext } from '../context.js';
import { AppError } from '../errors.js';
import type { MemberStatus } from '../domain/membership/status.js';
import type { MembershipRefs } from './refs.js';

export interface Applicant {
  contactId: number;
  lastName: string;
  firstName: string;
  middleName: string;
  /** YYYY-MM-DD or '' */
  birthDate: string;
  position: string;
  phone: string;
  email: string;
  companyId: number | null;
  status: MemberStatus | null;
}

export interface Organisation {
  id: number;
  title: string;
  chairmanId: number;
  orgType: string | null;
  parentId: number | null;
  employer: string;
}

export interface Application {
  dealId: number;
  stageId: string;
  assignedById: number;
  /** YYYY-MM-DD (deal.appliedAt, else the deal's creation date). */
  appliedAt: string;
  fields: Record<string, unknown>;
  applicant: Applicant | null;
  organisation: Organisation | null;
}

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const firstValue = (v: unknown) => (Array.isArray(v) && v.length ? str((v[0] as Row).VALUE) : '');
/** A CRM binding is a bare id, or `CO_12` when the field allows several entity types. */
const idOrNull = (v: unknown) => {
  const n = Number(String(Array.isArray(v) ? v[0] : (v ?? '')).replace(/^[A-Z]+_/, ''));
  return Number.isInteger(n) && n > 0 ? n : null;
};

export function applicantFromContact(refs: MembershipRefs, c: Row): Applicant {
  const statuses = refs.enumXmlIds('contact.status');
  return {
    contactId: Number(c.ID),
    lastName: str(c.LAST_NAME).trim(),
    firstName: str(c.NAME).trim(),
    middleName: str(c.SECOND_NAME).trim(),
    birthDate: str(c.BIRTHDATE).slice(0, 10),
    position: str(c.POST).trim(),
    phone: firstValue(c.PHONE),
    email: firstValue(c.EMAIL),
    companyId: idOrNull(c.COMPANY_ID),
    status: (statuses.get(str(c[refs.contact.status])) as MemberStatus | undefined) ?? null,
  };
}

export function organisationFromCompany(refs: MembershipRefs, c: Row): Organisation {
  const types = refs.enumXmlIds('company.orgType');
  return {
    id: Number(c.ID),
    title: str(c.TITLE),
    chairmanId: Number(c.ASSIGNED_BY_ID) || 0,
    orgType: types.get(str(c[refs.company.orgType])) ?? null,
    parentId: idOrNull(c[refs.company.parentOrg]),
    employer: str(c[refs.company.employer]),
  };
}

/** Deal, contact and organisation in one request (batch references on the deal's answer). */
export async function readApplication(ctx: Pick<HandlerContext, 'rest'>, refs: MembershipRefs, dealId: number): Promise<Application> {
  const [deal, contact, company] = await ctx.rest.batch<Row>([
    { method: 'crm.deal.get', params: { id: dealId } },
    { method: 'crm.contact.get', params: { id: '$result[c0][CONTACT_ID]' } },
    { method: 'crm.company.get', params: { id: `$result[c0][${refs.deal.applicantOrg}]` } },
  ]);
  if (!deal?.ok) throw new AppError('NOT_FOUND', `deal ${dealId}: ${deal ? deal.error.description : 'no answer'}`);
  const d = deal.result;
  return {
    dealId,
    stageId: str(d.STAGE_ID),
    assignedById: Number(d.ASSIGNED_BY_ID) || 0,
    appliedAt: str(d[refs.deal.appliedAt]).slice(0, 10) || str(d.DATE_CREATE).slice(0, 10),
    fields: d,
    applicant: contact?.ok && contact.result ? applicantFromContact(refs, contact.result) : null,
    organisation: company?.ok && company.result ? organisationFromCompany(refs, company.result) : null,
  };
}

/** "Иванова Мария Петровна" */
export const fullName = (a: Pick<Applicant, 'lastName' | 'firstName' | 'middleName'>) => [a.lastName, a.firstName, a.middleName].filter(Boolean).join(' ');
/** "Иванова М. П." */
export const shortName = (a: Pick<Applicant, 'lastName' | 'firstName' | 'middleName'>) =>
  [a.lastName, a.firstName ? `${a.firstName[0]}.` : '', a.middleName ? `${a.middleName[0]}.` : ''].filter(Boolean).join(' ');
