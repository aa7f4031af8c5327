/**
 * How manifest keys become portal names. Portal-wide things (user fields, pipelines, smart
 * processes) carry our prefix, with CODE_SUFFIX so a dev and a prod install can share a portal.
 */
export interface InstallTarget {
  memberId: string;
  /** Base URL portals use to reach this app (PUBLIC_URL), no trailing slash. */
  publicUrl: string;
  codeSuffix: string;
  /** The user whose token robots get (the installing admin). */
  authUserId: number;
}

export const ENTITY_TYPE = { deal: 2, contact: 3, company: 4 } as const;
export type CrmEntity = keyof typeof ENTITY_TYPE;

export function fieldPrefix(t: Pick<InstallTarget, 'codeSuffix'>): string {
  return `DU${t.codeSuffix.toUpperCase()}_`;
}

/** `STATUS` → `UF_CRM_DU_STATUS` (deal/contact/company). */
export function userFieldName(t: Pick<InstallTarget, 'codeSuffix'>, name: string): string {
  return `UF_CRM_${fieldPrefix(t)}${name}`;
}

/**
 * Smart-process fields carry the type id: `UF_CRM_{typeId}_DU_NUMBER`. The id may be a batch
 * placeholder for a type created in the same request (pack.ts).
 */
export function spaFieldName(t: Pick<InstallTarget, 'codeSuffix'>, typeId: number | string, name: string): string {
  return `UF_CRM_${typeId}_${fieldPrefix(t)}${name}`;
}

export function titleWithSuffix(t: Pick<InstallTarget, 'codeSuffix'>, title: string): string {
  return t.codeSuffix ? `${title} (${t.codeSuffix})` : title;
}

export const handlerUrls = (t: Pick<InstallTarget, 'publicUrl'>) => ({
  events: `${t.publicUrl}/events`,
  robot: (code: string) => `${t.publicUrl}/robots/${code}`,
  placement: (page: string) => `${t.publicUrl}/placements/${page}`,
});

export const dealStageEntityId = (categoryId: number) => (categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`);
export const dealStageId = (categoryId: number, key: string) => (categoryId === 0 ? key : `C${categoryId}:${key}`);
export const spaStageEntityId = (entityTypeId: number, categoryId: number) => `DYNAMIC_${entityTypeId}_STAGE_${categoryId}`;
export const spaStageId = (entityTypeId: number, categoryId: number, key: string) => `DT${entityTypeId}_${categoryId}:${key}`;

/** The part of a STATUS_ID after the pipeline prefix: `C5:SIGNING` → `SIGNING`. */
export const stageKeyOf = (statusId: string) => statusId.slice(statusId.indexOf(':') + 1);

/** Keys of the per-portal id map (entity_map table). */
export const mapKeys = {
  pipelineCategory: (key: string) => `pipeline.${key}.categoryId`,
  stage: (pipeline: string, stage: string) => `stage.${pipeline}.${stage}`,
  spaEntityType: (key: string) => `spa.${key}.entityTypeId`,
  spaTypeId: (key: string) => `spa.${key}.typeId`,
  spaCategory: (key: string) => `spa.${key}.categoryId`,
  spaStage: (spa: string, stage: string) => `spaStage.${spa}.${stage}`,
  spaField: (spa: string, field: string) => `spaField.${spa}.${field}`,
  field: (key: string) => `field.${key}`,
  enumItem: (fieldKey: string, xmlId: string) => `enum.${fieldKey}.${xmlId}`,
};
