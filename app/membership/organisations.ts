/** The organisation hierarchy as the membership process needs it: find by name, go up to the primary. */
import type { HandlerContext } from '../context.js';
import { organisationFromCompany, type Organisation } from './applicant.js';
import { normaliseOrgTitle } from './list-admission/organisations.js';
import type { MembershipRefs } from './refs.js';


/** An organisation named in a web form: exact title first (filter on the portal), then a normalised match among those. */
export async function findOrganisation(ctx: Pick<HandlerContext, 'rest'>, refs: MembershipRefs, named: string): Promise<Organisation | null> {
  const title = named.trim();
  if (!title) return null;
  const rows = await ctx.rest.call<Record<string, unknown>[]>('crm.company.list', {
    filter: { '%TITLE': title },
    select: ['ID', 'TITLE', 'ASSIGNED_BY_ID', refs.company.orgType, refs.company.parentOrg, refs.company.employer],
    order: { ID: 'ASC' },
    start: -1,
  });
  const want = normaliseOrgTitle(title);
  const hits = rows.filter((r) => normaliseOrgTitle(String(r.TITLE ?? '')) === want);
  // A union organisation (typed) wins over an employer's company with the same name.
  const hit = hits.find((r) => r[refs.company.orgType]) ?? hits[0];
  return hit ? organisationFromCompany(refs, hit) : null;
}

/** The primary organisation of a workshop (its parent), or the organisation itself. */
export async function primaryOf(ctx: Pick<HandlerContext, 'rest'>, refs: MembershipRefs, org: Organisation): Promise<Organisation> {
  if (org.orgType !== 'workshop' || !org.parentId) return org;
  const parent = await ctx.rest.call<Record<string, unknown>>('crm.company.get', { id: org.parentId });
  return organisationFromCompany(refs, parent);
}
