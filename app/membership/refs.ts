/**
 * The portal names of everything the membership process touches, resolved from the registry map
 * once per job: field names, the pipeline's category, its stage ids, enum item ids.
 */
import { requireMapped, type HandlerContext } from '../context.js';
import { mapKeys } from '../registry/names.js';

export const MEMBERSHIP = 'membership';
export const RESOLUTIONS = 'resolutions';
export type MembershipStage = 'NEW' | 'SIGNING' | 'RESOLUTION' | 'EMPLOYER' | 'WON' | 'LOSE';

type Ctx = Pick<HandlerContext, 'map'>;
const field = (ctx: Ctx, key: string) => requireMapped(ctx, mapKeys.field(key));

export function membershipRefs(ctx: Ctx) {
  return {
    categoryId: Number(requireMapped(ctx, mapKeys.pipelineCategory(MEMBERSHIP))),
    stage: (key: MembershipStage) => requireMapped(ctx, mapKeys.stage(MEMBERSHIP, key)),
    deal: {
      appliedAt: field(ctx, 'deal.appliedAt'),
      applicantOrg: field(ctx, 'deal.applicantOrg'),
      applicantOrgName: field(ctx, 'deal.applicantOrgName'),
      pdConsent: field(ctx, 'deal.pdConsent'),
      publicCategories: field(ctx, 'deal.publicCategories'),
      checkResult: field(ctx, 'deal.checkResult'),
      generatedDocs: field(ctx, 'deal.generatedDocs'),
      docsDiskIds: field(ctx, 'deal.docsDiskIds'),
      signedDocs: field(ctx, 'deal.signedDocs'),
      refusalReason: field(ctx, 'deal.refusalReason'),
      employerSentAt: field(ctx, 'deal.employerSentAt'),
      employerSentHow: field(ctx, 'deal.employerSentHow'),
    },
    contact: {
      status: field(ctx, 'contact.status'),
      nameKey: field(ctx, 'contact.nameKey'),
    },
    company: {
      orgType: field(ctx, 'company.orgType'),
      parentOrg: field(ctx, 'company.parentOrg'),
      employer: field(ctx, 'company.employer'),
    },
    /** enum item id → xml id for one enumeration field. */
    enumXmlIds: (fieldKey: string): Map<string, string> => {
      const prefix = `enum.${fieldKey}.`;
      return new Map(Object.entries(ctx.map).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [v, k.slice(prefix.length)]));
    },
    enumItem: (fieldKey: string, xmlId: string) => requireMapped(ctx, mapKeys.enumItem(fieldKey, xmlId)),
    resolutions: {
      entityTypeId: () => Number(requireMapped(ctx, mapKeys.spaEntityType(RESOLUTIONS))),
      field: (key: string) => requireMapped(ctx, mapKeys.spaField(RESOLUTIONS, key)),
    },
  };
}
export type MembershipRefs = ReturnType<typeof membershipRefs>;
