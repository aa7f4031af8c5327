/**
 * Field catalogs of CRM entities: camelCase name (crm.item), upperName, legacy UPPER name (crm.deal.* …),
 * type. Smart-process fields depend on the type's is…Enabled flags; user fields and parentId{N}
 * relation fields are added from the state.
 */
import type { CrmTypeRec, SandboxState, UserFieldRec } from '../types.js';
import { defaultCategory, ENTITY, stageEntityId } from './stages.js';

export interface FieldDef {
  name: string;
  upper: string;
  /** Name in legacy crm.deal/contact/company methods; null = not exposed there. */
  legacy: string | null;
  type: string;
  multiple: boolean;
  readOnly: boolean;
  required: boolean;
  title: string;
  statusType?: string;
  settings?: Record<string, unknown>;
  /** Always null in this emulator (present only so shapes match the real answers). */
  placeholder?: boolean;
  /** Present in crm.item answers and writable through legacy methods, but not in legacy reads. */
  legacyWriteOnly?: boolean;
  deprecated?: boolean;
  uf?: UserFieldRec;
}

type Spec = [name: string, upper: string, type: string, opts?: Partial<FieldDef>];

function def([name, upper, type, opts]: Spec): FieldDef {
  return { name, upper, legacy: upper, type, multiple: false, readOnly: false, required: false, title: upper, ...opts };
}

const RO = { readOnly: true };
const MULTI = { multiple: true };
const NULL = { placeholder: true, readOnly: true, legacy: null };

const COMMON_HEAD: Spec[] = [
  ['id', 'ID', 'integer', RO],
  ['createdTime', 'CREATED_TIME', 'datetime', { ...RO, legacy: 'DATE_CREATE' }],
  ['updatedTime', 'UPDATED_TIME', 'datetime', { ...RO, legacy: 'DATE_MODIFY' }],
  ['createdBy', 'CREATED_BY', 'user', { ...RO, legacy: 'CREATED_BY_ID' }],
  ['updatedBy', 'UPDATED_BY', 'user', { ...RO, legacy: 'MODIFY_BY_ID' }],
  ['assignedById', 'ASSIGNED_BY_ID', 'user'],
  ['opened', 'OPENED', 'boolean'],
];

const UTM: Spec[] = [
  ['utmSource', 'UTM_SOURCE', 'string'],
  ['utmMedium', 'UTM_MEDIUM', 'string'],
  ['utmCampaign', 'UTM_CAMPAIGN', 'string'],
  ['utmContent', 'UTM_CONTENT', 'string'],
  ['utmTerm', 'UTM_TERM', 'string'],
];

const ACTIVITY: Spec[] = [
  ['lastActivityBy', 'LAST_ACTIVITY_BY', 'user', RO],
  ['lastActivityTime', 'LAST_ACTIVITY_TIME', 'datetime', RO],
];

const DEAL: Spec[] = [
  ...COMMON_HEAD.slice(0, 3),
  ['dateCreateShort', 'DATE_CREATE_SHORT', 'datetime', NULL],
  ['dateModifyShort', 'DATE_MODIFY_SHORT', 'datetime', NULL],
  ...COMMON_HEAD.slice(3),
  ['leadId', 'LEAD_ID', 'crm_lead'],
  ['companyId', 'COMPANY_ID', 'crm_company', { settings: { parentEntityTypeId: 4 } }],
  ['contactId', 'CONTACT_ID', 'crm_contact', { deprecated: true }],
  ['quoteId', 'QUOTE_ID', 'crm_quote'],
  ['title', 'TITLE', 'string'],
  ['productId', 'PRODUCT_ID', 'integer', NULL],
  ['categoryId', 'CATEGORY_ID', 'crm_category'],
  ['stageId', 'STAGE_ID', 'crm_status'],
  ['previousStageId', 'PREVIOUS_STAGE_ID', 'crm_status', { ...RO, legacy: null }],
  ['stageSemanticId', 'STAGE_SEMANTIC_ID', 'string', RO],
  ['isNew', 'IS_NEW', 'boolean', RO],
  ['isRecurring', 'IS_RECURRING', 'boolean'],
  ['isReturnCustomer', 'IS_RETURN_CUSTOMER', 'boolean'],
  ['isRepeatedApproach', 'IS_REPEATED_APPROACH', 'boolean'],
  ['closed', 'CLOSED', 'boolean'],
  ['typeId', 'TYPE_ID', 'crm_status', { statusType: 'DEAL_TYPE' }],
  ['opportunity', 'OPPORTUNITY', 'double'],
  ['isManualOpportunity', 'IS_MANUAL_OPPORTUNITY', 'boolean'],
  ['taxValue', 'TAX_VALUE', 'double'],
  ['currencyId', 'CURRENCY_ID', 'crm_currency'],
  ['probability', 'PROBABILITY', 'integer'],
  ['comments', 'COMMENTS', 'text'],
  ['begindate', 'BEGINDATE', 'date'],
  ['begindateShort', 'BEGINDATE_SHORT', 'date', NULL],
  ['closedate', 'CLOSEDATE', 'date'],
  ['closedateShort', 'CLOSEDATE_SHORT', 'date', NULL],
  ['eventDate', 'EVENT_DATE', 'datetime', NULL],
  ['eventDateShort', 'EVENT_DATE_SHORT', 'datetime', NULL],
  ['eventId', 'EVENT_ID', 'string', NULL],
  ['eventDescription', 'EVENT_DESCRIPTION', 'text', NULL],
  ['locationId', 'LOCATION_ID', 'location'],
  ['webformId', 'WEBFORM_ID', 'integer', { legacy: null }],
  ['sourceId', 'SOURCE_ID', 'crm_status', { statusType: 'SOURCE' }],
  ['sourceDescription', 'SOURCE_DESCRIPTION', 'text'],
  ['originatorId', 'ORIGINATOR_ID', 'string'],
  ['originId', 'ORIGIN_ID', 'string'],
  ['additionalInfo', 'ADDITIONAL_INFO', 'text'],
  ['searchContent', 'SEARCH_CONTENT', 'text', NULL],
  ['orderStage', 'ORDER_STAGE', 'string', NULL],
  ['movedBy', 'MOVED_BY', 'user', { ...RO, legacy: 'MOVED_BY_ID' }],
  ['movedTime', 'MOVED_TIME', 'datetime', RO],
  ...ACTIVITY,
  ['isWork', 'IS_WORK', 'boolean', NULL],
  ['isWon', 'IS_WON', 'boolean', NULL],
  ['isLose', 'IS_LOSE', 'boolean', NULL],
  ['receivedAmount', 'RECEIVED_AMOUNT', 'double', NULL],
  ['lostAmount', 'LOST_AMOUNT', 'double', NULL],
  ['hasProducts', 'HAS_PRODUCTS', 'boolean', NULL],
  ...UTM,
  ['observers', 'OBSERVERS', 'user', { ...MULTI, legacy: null }],
  ['contactIds', 'CONTACT_IDS', 'crm_contact', { ...MULTI, legacyWriteOnly: true }],
];

const CONTACT: Spec[] = [
  ...COMMON_HEAD,
  ['name', 'NAME', 'string'],
  ['secondName', 'SECOND_NAME', 'string'],
  ['lastName', 'LAST_NAME', 'string'],
  ['honorific', 'HONORIFIC', 'crm_status', { statusType: 'HONORIFIC' }],
  ['post', 'POST', 'string'],
  ['typeId', 'TYPE_ID', 'crm_status', { statusType: 'CONTACT_TYPE' }],
  ['sourceId', 'SOURCE_ID', 'crm_status', { statusType: 'SOURCE' }],
  ['sourceDescription', 'SOURCE_DESCRIPTION', 'text'],
  ['birthdate', 'BIRTHDATE', 'date'],
  ['comments', 'COMMENTS', 'text'],
  ['export', 'EXPORT', 'boolean'],
  ['companyId', 'COMPANY_ID', 'crm_company', { settings: { parentEntityTypeId: 4 } }],
  ['companyIds', 'COMPANY_IDS', 'crm_company', { ...MULTI, legacyWriteOnly: true }],
  ['leadId', 'LEAD_ID', 'crm_lead'],
  ['originatorId', 'ORIGINATOR_ID', 'string'],
  ['originId', 'ORIGIN_ID', 'string'],
  ['hasPhone', 'HAS_PHONE', 'boolean', RO],
  ['hasEmail', 'HAS_EMAIL', 'boolean', RO],
  ['hasImol', 'HAS_IMOL', 'boolean', RO],
  ...ACTIVITY,
  ...UTM,
  ['observers', 'OBSERVERS', 'user', { ...MULTI, legacy: null }],
];

const COMPANY: Spec[] = [
  ...COMMON_HEAD,
  ['title', 'TITLE', 'string'],
  ['companyType', 'COMPANY_TYPE', 'crm_status', { statusType: 'COMPANY_TYPE' }],
  ['industry', 'INDUSTRY', 'crm_status', { statusType: 'INDUSTRY' }],
  ['employees', 'EMPLOYEES', 'crm_status', { statusType: 'EMPLOYEES' }],
  ['revenue', 'REVENUE', 'double'],
  ['currencyId', 'CURRENCY_ID', 'crm_currency'],
  ['comments', 'COMMENTS', 'text'],
  ['isMyCompany', 'IS_MY_COMPANY', 'boolean'],
  ['leadId', 'LEAD_ID', 'crm_lead'],
  ['originatorId', 'ORIGINATOR_ID', 'string'],
  ['originId', 'ORIGIN_ID', 'string'],
  ['hasPhone', 'HAS_PHONE', 'boolean', RO],
  ['hasEmail', 'HAS_EMAIL', 'boolean', RO],
  ['hasImol', 'HAS_IMOL', 'boolean', RO],
  ...ACTIVITY,
  ...UTM,
  ['observers', 'OBSERVERS', 'user', { ...MULTI, legacy: null }],
  ['contactIds', 'CONTACT_IDS', 'crm_contact', { ...MULTI, legacyWriteOnly: true }],
];

const LEAD: Spec[] = [
  ...COMMON_HEAD,
  ['companyId', 'COMPANY_ID', 'crm_company'],
  ['contactId', 'CONTACT_ID', 'crm_contact'],
  ['stageId', 'STATUS_ID', 'crm_status', { statusType: 'STATUS' }],
  ['stageSemanticId', 'STATUS_SEMANTIC_ID', 'string', RO],
  ['statusDescription', 'STATUS_DESCRIPTION', 'text'],
  ['opportunity', 'OPPORTUNITY', 'double'],
  ['currencyId', 'CURRENCY_ID', 'crm_currency'],
  ['isManualOpportunity', 'IS_MANUAL_OPPORTUNITY', 'boolean'],
  ['sourceId', 'SOURCE_ID', 'crm_status', { statusType: 'SOURCE' }],
  ['sourceDescription', 'SOURCE_DESCRIPTION', 'text'],
  ['title', 'TITLE', 'string'],
  ['name', 'NAME', 'string'],
  ['lastName', 'LAST_NAME', 'string'],
  ['secondName', 'SECOND_NAME', 'string'],
  ['companyTitle', 'COMPANY_TITLE', 'string'],
  ['post', 'POST', 'string'],
  ['comments', 'COMMENTS', 'text'],
  ['birthdate', 'BIRTHDATE', 'date'],
  ['honorific', 'HONORIFIC', 'crm_status', { statusType: 'HONORIFIC' }],
  ['hasPhone', 'HAS_PHONE', 'boolean', RO],
  ['hasEmail', 'HAS_EMAIL', 'boolean', RO],
  ['hasImol', 'HAS_IMOL', 'boolean', RO],
  ['isReturnCustomer', 'IS_RETURN_CUSTOMER', 'boolean'],
  ['movedBy', 'MOVED_BY', 'user', { ...RO, legacy: 'MOVED_BY_ID' }],
  ['movedTime', 'MOVED_TIME', 'datetime', RO],
  ...ACTIVITY,
  ...UTM,
  ['observers', 'OBSERVERS', 'user', { ...MULTI, legacy: null }],
  ['contactIds', 'CONTACT_IDS', 'crm_contact', { ...MULTI, legacyWriteOnly: true }],
];

function spaSpecs(type: CrmTypeRec): Spec[] {
  const on = (flag: string) => type.flags[flag] === 'Y';
  const specs: Spec[] = [
    ['id', 'ID', 'integer', RO],
    ['xmlId', 'XML_ID', 'string'],
    ['title', 'TITLE', 'string'],
    ...COMMON_HEAD.slice(1),
    ['webformId', 'WEBFORM_ID', 'integer'],
    ['categoryId', 'CATEGORY_ID', 'crm_category'],
    ['stageId', 'STAGE_ID', 'crm_status'],
    ['previousStageId', 'PREVIOUS_STAGE_ID', 'crm_status', RO],
    ['stageSemanticId', 'STAGE_SEMANTIC_ID', 'string', RO],
    ['movedBy', 'MOVED_BY', 'user', RO],
    ['movedTime', 'MOVED_TIME', 'datetime', RO],
  ];
  if (on('isBeginCloseDatesEnabled')) specs.push(['begindate', 'BEGINDATE', 'date'], ['closedate', 'CLOSEDATE', 'date']);
  if (on('isClientEnabled'))
    specs.push(
      ['companyId', 'COMPANY_ID', 'crm_company', { settings: { parentEntityTypeId: 4 } }],
      ['contactId', 'CONTACT_ID', 'crm_contact', { deprecated: true }],
      ['contactIds', 'CONTACT_IDS', 'crm_contact', MULTI],
    );
  if (on('isObserversEnabled')) specs.push(['observers', 'OBSERVERS', 'user', MULTI]);
  if (on('isLinkWithProductsEnabled'))
    specs.push(
      ['opportunity', 'OPPORTUNITY', 'double'],
      ['isManualOpportunity', 'IS_MANUAL_OPPORTUNITY', 'boolean'],
      ['taxValue', 'TAX_VALUE', 'double'],
      ['currencyId', 'CURRENCY_ID', 'crm_currency'],
    );
  if (on('isMycompanyEnabled'))
    specs.push(['mycompanyId', 'MYCOMPANY_ID', 'crm_company', { settings: { isMyCompany: true, parentEntityTypeId: 4, isEmbeddedEditorEnabled: true } }]);
  if (on('isSourceEnabled'))
    specs.push(['sourceId', 'SOURCE_ID', 'crm_status', { statusType: 'SOURCE' }], ['sourceDescription', 'SOURCE_DESCRIPTION', 'text']);
  specs.push(...ACTIVITY);
  return specs.map(([n, u, t, o]) => [n, u, t, { ...o, legacy: null }] as Spec);
}

/** entityId of user fields: CRM_DEAL / CRM_CONTACT / CRM_COMPANY / CRM_LEAD / CRM_{typeId}. */
export function ufEntityId(state: SandboxState, entityTypeId: number): string | null {
  const fixed: Record<number, string> = { 1: 'CRM_LEAD', 2: 'CRM_DEAL', 3: 'CRM_CONTACT', 4: 'CRM_COMPANY' };
  if (fixed[entityTypeId]) return fixed[entityTypeId];
  const type = state.crmTypes.find((t) => t.entityTypeId === entityTypeId);
  return type ? `CRM_${type.id}` : null;
}

/**
 * camelCase name of a user field, per the docs: digit blocks keep their underscore
 * (UF_CRM_10_5186744711 → ufCrm10_5186744711), letters camelise (UF_CRM_10_DIGIT → ufCrm10Digit),
 * and anything mixed or bare digits only changes the prefix (UF_CRM_1747309879 → ufCrm_1747309879).
 */
export function ufCamelName(fieldName: string): string {
  const rest = fieldName.replace(/^UF_CRM_/, '');
  const camel = (s: string) => s.toLowerCase().split('_').map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : '')).join('');
  let m = /^(\d+)_(\d+)$/.exec(rest);
  if (m) return `ufCrm${m[1]}_${m[2]}`;
  m = /^(\d+)_([A-Z][A-Z_]*)$/.exec(rest);
  if (m && !/\d/.test(m[2]!)) return `ufCrm${m[1]}${camel(m[2]!)}`;
  if (/^[A-Z][A-Z_]*$/.test(rest)) return `ufCrm${camel(rest)}`;
  return `ufCrm_${rest}`;
}

const UF_TYPE_TO_FIELD_TYPE: Record<string, string> = { integer: 'integer', double: 'double', boolean: 'boolean' };

function ufDef(uf: UserFieldRec, taken: Set<string>): FieldDef {
  const camel = ufCamelName(uf.fieldName);
  const name = taken.has(camel) ? uf.fieldName : camel;
  const label = (key: string) => uf.labels[key]?.['ru'] ?? uf.labels[key]?.['en'] ?? Object.values(uf.labels[key] ?? {})[0] ?? uf.fieldName;
  return {
    name,
    upper: uf.fieldName,
    legacy: uf.fieldName,
    type: UF_TYPE_TO_FIELD_TYPE[uf.userTypeId] ?? uf.userTypeId,
    multiple: uf.multiple === 'Y',
    readOnly: false,
    required: uf.mandatory === 'Y',
    title: label('editFormLabel') ?? uf.fieldName,
    settings: uf.settings,
    uf,
  };
}

/** Parents whose id an item of this type can hold in parentId{N} (relations configured on smart-process types). */
export function parentEntityTypeIds(state: SandboxState, entityTypeId: number): number[] {
  const parents = new Set<number>();
  for (const type of state.crmTypes) {
    if (type.entityTypeId === entityTypeId) {
      for (const rel of type.relations.parent) if (rel.isPredefined !== 'Y') parents.add(rel.entityTypeId);
    }
    if (type.relations.child.some((rel) => rel.entityTypeId === entityTypeId)) parents.add(type.entityTypeId);
  }
  parents.delete(entityTypeId);
  return [...parents].sort((a, b) => a - b);
}

export function isSupportedEntity(state: SandboxState, entityTypeId: number): boolean {
  return entityTypeId in BASE || state.crmTypes.some((t) => t.entityTypeId === entityTypeId);
}

const BASE: Record<number, Spec[]> = { [ENTITY.LEAD]: LEAD, [ENTITY.DEAL]: DEAL, [ENTITY.CONTACT]: CONTACT, [ENTITY.COMPANY]: COMPANY };

/** All fields of an entity type in answer order; undefined for an unknown type. */
export function fieldCatalog(state: SandboxState, entityTypeId: number): FieldDef[] | undefined {
  let specs = BASE[entityTypeId];
  if (!specs) {
    const type = state.crmTypes.find((t) => t.entityTypeId === entityTypeId);
    if (!type) return undefined;
    specs = spaSpecs(type);
  }
  const fields = specs.map(def);
  // Stage fields name the crm.status list of the default pipeline.
  if (entityTypeId !== ENTITY.LEAD) {
    const statusType = stageEntityId(entityTypeId, defaultCategory(state, entityTypeId)?.id ?? 0);
    for (const f of fields) if (f.name === 'stageId' || f.name === 'previousStageId') f.statusType = statusType;
  }
  const taken = new Set(fields.map((f) => f.name));
  const entityId = ufEntityId(state, entityTypeId);
  const ufs = state.userFields.filter((u) => u.entityId === entityId).sort((a, b) => a.sort - b.sort || a.id - b.id);
  for (const uf of ufs) {
    const d = ufDef(uf, taken);
    taken.add(d.name);
    fields.push(d);
  }
  for (const parent of parentEntityTypeIds(state, entityTypeId)) {
    fields.push({
      name: `parentId${parent}`,
      upper: `PARENT_ID_${parent}`,
      legacy: BASE[entityTypeId] ? `PARENT_ID_${parent}` : null,
      type: 'crm_entity',
      multiple: false,
      readOnly: false,
      required: false,
      title: `PARENT_ID_${parent}`,
      settings: { parentEntityTypeId: parent },
    });
  }
  return fields;
}

/** Entities that carry phones/e-mails (fm / PHONE, EMAIL …). */
export function hasMultifields(entityTypeId: number): boolean {
  return entityTypeId === ENTITY.LEAD || entityTypeId === ENTITY.CONTACT || entityTypeId === ENTITY.COMPANY;
}

export const MULTIFIELD_TYPES = ['PHONE', 'EMAIL', 'WEB', 'IM'] as const;
