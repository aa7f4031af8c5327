/**
 * User fields: crm.{deal,contact,company,lead}.userfield.* (UPPER_CASE, UF_CRM_ prepended) and
 * userfieldconfig.* (camelCase; smart processes use entityId CRM_{typeId}, never the entityTypeId).
 */
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { RestFault, faults } from '../errors.js';
import { nextId, randomHex } from '../ids.js';
import type { EnumRec, SandboxState, UserFieldRec, YN } from '../types.js';
import { asInt, asObject, asString, isAdmin, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

const USER_TYPES = new Set([
  'string', 'integer', 'double', 'boolean', 'datetime', 'date', 'money', 'url', 'address', 'enumeration', 'file',
  'employee', 'crm_status', 'iblock_section', 'iblock_element', 'crm',
]);
const LABEL_KEYS = ['editFormLabel', 'listColumnLabel', 'listFilterLabel', 'errorMessage', 'helpMessage'] as const;
const LEGACY_LABEL: Record<string, string> = {
  editFormLabel: 'EDIT_FORM_LABEL',
  listColumnLabel: 'LIST_COLUMN_LABEL',
  listFilterLabel: 'LIST_FILTER_LABEL',
  errorMessage: 'ERROR_MESSAGE',
  helpMessage: 'HELP_MESSAGE',
};

const coreError = (text: string) => new RestFault('ERROR_CORE', text, 400);
const yn = (v: unknown, dflt: YN): YN => (v === undefined || v === null || v === '' ? dflt : v === 'Y' || v === true || v === '1' || v === 1 ? 'Y' : 'N');

function defaultSettings(userTypeId: string): Record<string, unknown> {
  switch (userTypeId) {
    case 'string':
      return { SIZE: 20, ROWS: 1, REGEXP: '', MIN_LENGTH: 0, MAX_LENGTH: 0, DEFAULT_VALUE: '' };
    case 'enumeration':
      return { DISPLAY: 'LIST', LIST_HEIGHT: 1, CAPTION_NO_VALUE: '', SHOW_NO_VALUE: 'Y' };
    case 'double':
      return { PRECISION: 2, SIZE: 20, MIN_VALUE: 0, MAX_VALUE: 0, DEFAULT_VALUE: null };
    case 'boolean':
      return { DEFAULT_VALUE: 0, DISPLAY: 'CHECKBOX', LABEL: ['', ''], LABEL_CHECKBOX: '' };
    case 'url':
      return { POPUP: 'Y', SIZE: 20, MIN_LENGTH: 0, MAX_LENGTH: 0, DEFAULT_VALUE: '', ROWS: 1 };
    case 'file':
      return { SIZE: 20, LIST_WIDTH: 0, LIST_HEIGHT: 0, MAX_SHOW_SIZE: 0, MAX_ALLOWED_SIZE: 0, EXTENSIONS: [], TARGET_BLANK: 'Y' };
    case 'money':
      return { DEFAULT_VALUE: '' };
    case 'date':
    case 'datetime':
      return { DEFAULT_VALUE: { TYPE: 'NONE', VALUE: '' } };
    case 'crm':
      return { LEAD: 'Y', CONTACT: 'N', COMPANY: 'N', DEAL: 'N' };
    default:
      return {};
  }
}

/** A label given as a string applies to every language; a map is taken as is. */
function labelMap(v: unknown): Record<string, string | null> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return { ru: v, en: v };
  const o = asObject(v);
  return o ? Object.fromEntries(Object.entries(o).map(([k, x]) => [k, x === null ? null : String(x)])) : undefined;
}

interface EnumInput {
  id?: number;
  value: string;
  def: YN;
  sort: number;
  xmlId?: string;
  del: boolean;
}

function applyEnums(state: SandboxState, uf: UserFieldRec, list: EnumInput[]): void {
  for (const e of list) {
    const current = e.id !== undefined ? uf.enums.find((x) => x.id === e.id) : undefined;
    if (current) {
      if (e.del) uf.enums = uf.enums.filter((x) => x !== current);
      else Object.assign(current, { value: e.value || current.value, def: e.def, sort: e.sort, xmlId: e.xmlId ?? current.xmlId });
    } else if (!e.del && e.value) {
      const rec: EnumRec = { id: nextId(state, 'enum', 100), value: e.value, def: e.def, sort: e.sort, xmlId: e.xmlId || randomHex(32) };
      uf.enums.push(rec);
    }
  }
  uf.enums.sort((a, b) => a.sort - b.sort || a.id - b.id);
}

function listOf(v: unknown): Record<string, unknown>[] {
  const l = Array.isArray(v) ? v : asObject(v) ? Object.values(v as object) : [];
  return l.map((x) => asObject(x) ?? {});
}

interface FieldInput {
  entityId: string;
  fieldName: string;
  userTypeId: string;
  xmlId: unknown;
  sort: unknown;
  multiple: unknown;
  mandatory: unknown;
  showFilter: unknown;
  showInList: unknown;
  editInList: unknown;
  isSearchable: unknown;
  settings: unknown;
  label: unknown;
  labels: Partial<Record<(typeof LABEL_KEYS)[number], unknown>>;
  enums: EnumInput[];
}

function createField(ctx: CallContext, input: FieldInput): UserFieldRec {
  const { state } = ctx.portal;
  if (!USER_TYPES.has(input.userTypeId) && !input.userTypeId.startsWith('rest_')) throw coreError(`Unknown user type: ${input.userTypeId}`);
  if (!/^UF_[A-Z0-9_]+$/.test(input.fieldName)) throw coreError('Field name may contain only Latin letters, digits and underscores.');
  if (input.fieldName.length > 50) throw coreError('Field name is too long (50 characters max).');
  if (state.userFields.some((u) => u.entityId === input.entityId && u.fieldName === input.fieldName)) {
    throw coreError(`A field named ${input.fieldName} already exists.`);
  }
  const base = labelMap(input.label);
  const labels: Record<string, Record<string, string | null>> = {};
  for (const key of LABEL_KEYS) labels[key] = labelMap(input.labels[key]) ?? base ?? { en: null, ru: null };
  const uf: UserFieldRec = {
    id: nextId(state, 'userField', 100),
    entityId: input.entityId,
    fieldName: input.fieldName,
    userTypeId: input.userTypeId,
    xmlId: input.xmlId === undefined || input.xmlId === '' ? null : asString(input.xmlId),
    sort: asInt(input.sort) ?? 100,
    // Boolean fields cannot be multiple.
    multiple: input.userTypeId === 'boolean' ? 'N' : yn(input.multiple, 'N'),
    mandatory: yn(input.mandatory, 'N'),
    showFilter: yn(input.showFilter, 'N'),
    showInList: yn(input.showInList, 'Y'),
    editInList: yn(input.editInList, 'Y'),
    isSearchable: yn(input.isSearchable, 'N'),
    settings: { ...defaultSettings(input.userTypeId), ...(asObject(input.settings) ?? {}) },
    labels,
    enums: [],
  };
  if (uf.userTypeId === 'enumeration') applyEnums(state, uf, input.enums);
  if (uf.userTypeId === 'boolean' && uf.settings['LABEL_CHECKBOX'] === '') uf.settings['LABEL_CHECKBOX'] = uf.labels['editFormLabel'] ?? {};
  state.userFields.push(uf);
  return uf;
}

function deleteField(ctx: CallContext, uf: UserFieldRec): void {
  const { state } = ctx.portal;
  state.userFields = state.userFields.filter((u) => u !== uf);
  for (const byId of Object.values(state.items)) for (const item of Object.values(byId)) delete item.data[uf.fieldName];
}

// ------------------------------------------------------------------ legacy crm.*.userfield.*

function legacyEnums(list: unknown): EnumInput[] {
  return listOf(list).map((e, i) => ({
    ...(e['ID'] !== undefined ? { id: Number(e['ID']) } : {}),
    value: asString(e['VALUE']),
    def: yn(e['DEF'], 'N'),
    sort: asInt(e['SORT']) ?? (i + 1) * 100,
    ...(e['XML_ID'] !== undefined ? { xmlId: asString(e['XML_ID']) } : {}),
    del: e['DEL'] === 'Y',
  }));
}

function legacyJson(uf: UserFieldRec): Record<string, unknown> {
  const row: Record<string, unknown> = {
    ID: String(uf.id),
    ENTITY_ID: uf.entityId,
    FIELD_NAME: uf.fieldName,
    USER_TYPE_ID: uf.userTypeId,
    XML_ID: uf.xmlId,
    SORT: String(uf.sort),
    MULTIPLE: uf.multiple,
    MANDATORY: uf.mandatory,
    SHOW_FILTER: uf.showFilter === 'Y' ? 'E' : 'N',
    SHOW_IN_LIST: uf.showInList,
    EDIT_IN_LIST: uf.editInList,
    IS_SEARCHABLE: uf.isSearchable,
    SETTINGS: uf.settings,
  };
  for (const key of LABEL_KEYS) row[LEGACY_LABEL[key]!] = uf.labels[key]?.['ru'] ?? uf.labels[key]?.['en'] ?? null;
  if (uf.userTypeId === 'enumeration') {
    row['LIST'] = uf.enums.map((e) => ({ ID: String(e.id), SORT: String(e.sort), VALUE: e.value, DEF: e.def, XML_ID: e.xmlId }));
  }
  return row;
}

function registerLegacy(registry: Registry, name: string, entityId: string): void {
  const prefix = `crm.${name}.userfield`;
  const find = (ctx: CallContext, params: Params) => {
    const id = asInt(pick(params, 'id', 'ID'));
    const uf = ctx.portal.state.userFields.find((u) => u.id === id && u.entityId === entityId);
    if (!uf) throw faults.legacy('Not found');
    return uf;
  };
  const admin = (ctx: CallContext) => {
    if (!isAdmin(ctx)) throw faults.legacy('Access denied.');
  };

  registry.add(`${prefix}.add`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      admin(ctx);
      const f = asObject(pick(params, 'fields', 'FIELDS'));
      if (!f) throw faults.legacy("Parameter 'fields' must be array.");
      const raw = asString(f['FIELD_NAME']).toUpperCase();
      if (!raw) throw faults.legacy('The field FIELD_NAME is required.');
      // UF_CRM_ is always prepended: MANAGER_NOTE → UF_CRM_MANAGER_NOTE, UF_X → UF_CRM_X.
      const own = raw.startsWith('UF_CRM_') ? raw.slice(7) : raw.startsWith('UF_') ? raw.slice(3) : raw;
      const uf = createField(ctx, {
        entityId,
        fieldName: `UF_CRM_${own}`,
        userTypeId: asString(f['USER_TYPE_ID']),
        xmlId: f['XML_ID'],
        sort: f['SORT'],
        multiple: f['MULTIPLE'],
        mandatory: f['MANDATORY'],
        showFilter: f['SHOW_FILTER'],
        showInList: f['SHOW_IN_LIST'],
        editInList: f['EDIT_IN_LIST'],
        isSearchable: f['IS_SEARCHABLE'],
        settings: f['SETTINGS'],
        label: f['LABEL'],
        labels: Object.fromEntries(LABEL_KEYS.map((k) => [k, f[LEGACY_LABEL[k]!]])),
        enums: legacyEnums(f['LIST']),
      });
      return ok(uf.id);
    },
  });

  registry.add(`${prefix}.get`, { scopes: ['crm'], handler: (ctx, params) => ok(legacyJson(find(ctx, params))) });

  registry.add(`${prefix}.list`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const getter = (u: UserFieldRec) => (k: string): unknown => legacyJson(u)[k];
      // LANG is not a field: it picks the language of the labels, as on a real portal.
      const { LANG: _lang, ...filter } = asObject(pick(params, 'filter', 'FILTER')) ?? {};
      const predicate = compileFilter(filter, { resolve: (f) => f.toUpperCase() });
      let rows = ctx.portal.state.userFields.filter((u) => u.entityId === entityId && predicate(getter(u)));
      rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, { resolve: (f) => f.toUpperCase() });
      return { result: rows.map(legacyJson), total: rows.length };
    },
  });

  registry.add(`${prefix}.update`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      admin(ctx);
      const uf = find(ctx, params);
      const f = asObject(pick(params, 'fields', 'FIELDS')) ?? {};
      if (f['SORT'] !== undefined) uf.sort = asInt(f['SORT']) ?? uf.sort;
      if (f['MANDATORY'] !== undefined) uf.mandatory = yn(f['MANDATORY'], uf.mandatory);
      if (f['SHOW_FILTER'] !== undefined) uf.showFilter = yn(f['SHOW_FILTER'], uf.showFilter);
      if (f['EDIT_IN_LIST'] !== undefined) uf.editInList = yn(f['EDIT_IN_LIST'], uf.editInList);
      if (f['SETTINGS'] !== undefined) uf.settings = { ...uf.settings, ...(asObject(f['SETTINGS']) ?? {}) };
      const base = labelMap(f['LABEL']);
      for (const key of LABEL_KEYS) {
        const m = labelMap(f[LEGACY_LABEL[key]!]) ?? base;
        if (m) uf.labels[key] = m;
      }
      if (f['LIST'] !== undefined && uf.userTypeId === 'enumeration') applyEnums(ctx.portal.state, uf, legacyEnums(f['LIST']));
      return ok(true);
    },
  });

  registry.add(`${prefix}.delete`, {
    scopes: ['crm'],
    handler: (ctx, params) => {
      admin(ctx);
      deleteField(ctx, find(ctx, params));
      return ok(true);
    },
  });
}

// ------------------------------------------------------------------ userfieldconfig.*

function configJson(uf: UserFieldRec): Record<string, unknown> {
  const labels = Object.fromEntries(LABEL_KEYS.map((k) => [k, uf.labels[k] ?? { en: null, ru: null }]));
  return {
    id: String(uf.id),
    entityId: uf.entityId,
    fieldName: uf.fieldName,
    userTypeId: uf.userTypeId,
    xmlId: uf.xmlId,
    sort: String(uf.sort),
    multiple: uf.multiple,
    mandatory: uf.mandatory,
    showFilter: uf.showFilter,
    showInList: uf.showInList,
    editInList: uf.editInList,
    isSearchable: uf.isSearchable,
    settings: uf.settings,
    languageId: { en: 'en', ru: 'ru' },
    ...labels,
    ...(uf.userTypeId === 'enumeration'
      ? {
          enum: uf.enums.map((e) => ({ id: String(e.id), userFieldId: String(uf.id), value: e.value, def: e.def, sort: String(e.sort), xmlId: e.xmlId })),
        }
      : {}),
  };
}

const FIXED_ENTITY_IDS = new Set(['CRM_LEAD', 'CRM_DEAL', 'CRM_CONTACT', 'CRM_COMPANY']);

/** entityId → the field-name prefix it requires, or an error when the entity can't have fields. */
function requiredPrefix(ctx: CallContext, entityId: string): string {
  if (FIXED_ENTITY_IDS.has(entityId)) return 'UF_CRM_';
  const m = /^CRM_(\d+)$/.exec(entityId);
  if (m && ctx.portal.state.crmTypes.some((t) => t.id === Number(m[1]))) return `UF_CRM_${m[1]}_`;
  throw faults.accessDenied('You cannot create custom fields', 403);
}

function configEnums(list: unknown): EnumInput[] {
  return listOf(list).map((e, i) => ({
    ...(e['id'] !== undefined ? { id: Number(e['id']) } : {}),
    value: asString(e['value']),
    def: yn(e['def'], 'N'),
    sort: asInt(e['sort']) ?? (i + 1) * 100,
    ...(e['xmlId'] !== undefined ? { xmlId: asString(e['xmlId']) } : {}),
    del: e['del'] === 'Y',
  }));
}

function checkModule(params: Params): void {
  if (asString(pick(params, 'moduleId', 'MODULE_ID')) !== 'crm') throw new RestFault('ERROR_CORE', 'Module not found', 400);
}

function findConfig(ctx: CallContext, params: Params): UserFieldRec {
  const id = asInt(pick(params, 'id', 'ID'));
  const uf = ctx.portal.state.userFields.find((u) => u.id === id);
  if (!uf) throw faults.notFound('Field not found');
  return uf;
}

function registerConfig(registry: Registry): void {
  const scopes = ['userfieldconfig'];
  const needCrm = (ctx: CallContext) => {
    if (ctx.caller.scopes && !ctx.caller.scopes.has('crm')) throw faults.insufficientScope();
  };

  registry.add('userfieldconfig.add', {
    scopes,
    handler: (ctx, params) => {
      needCrm(ctx);
      checkModule(params);
      if (!isAdmin(ctx)) throw faults.accessDenied('Access denied', 403);
      const f = asObject(pick(params, 'field', 'FIELD')) ?? {};
      const entityId = asString(f['entityId']);
      const prefix = requiredPrefix(ctx, entityId);
      const fieldName = asString(f['fieldName']).toUpperCase();
      if (!fieldName.startsWith(prefix)) throw coreError(`Field name must start with ${prefix}`);
      const uf = createField(ctx, {
        entityId,
        fieldName,
        userTypeId: asString(f['userTypeId']),
        xmlId: f['xmlId'],
        sort: f['sort'],
        multiple: f['multiple'],
        mandatory: f['mandatory'],
        showFilter: f['showFilter'],
        showInList: undefined,
        editInList: f['editInList'],
        isSearchable: f['isSearchable'],
        settings: f['settings'],
        label: undefined,
        // label, listColumnLabel, listFilterLabel, errorMessage and showInList are ignored by this method.
        labels: { editFormLabel: f['editFormLabel'], helpMessage: f['helpMessage'] },
        enums: configEnums(f['enum']),
      });
      return ok({ field: configJson(uf) });
    },
  });

  registry.add('userfieldconfig.get', {
    scopes,
    handler: (ctx, params) => {
      checkModule(params);
      return ok({ field: configJson(findConfig(ctx, params)) });
    },
  });

  registry.add('userfieldconfig.list', {
    scopes,
    handler: (ctx, params) => {
      checkModule(params);
      const getter = (u: UserFieldRec) => (k: string): unknown => configJson(u)[k];
      const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve: (f) => f });
      let rows = ctx.portal.state.userFields.filter((u) => predicate(getter(u)));
      rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, { resolve: (f) => f });
      const page = paginate(rows, pick(params, 'start', 'START'));
      return { result: { fields: page.rows.map(configJson) }, total: page.total, next: page.next };
    },
  });

  registry.add('userfieldconfig.update', {
    scopes,
    handler: (ctx, params) => {
      checkModule(params);
      if (!isAdmin(ctx)) throw faults.accessDenied('Access denied', 403);
      const uf = findConfig(ctx, params);
      const f = asObject(pick(params, 'field', 'FIELD')) ?? {};
      if (f['sort'] !== undefined) uf.sort = asInt(f['sort']) ?? uf.sort;
      if (f['mandatory'] !== undefined) uf.mandatory = yn(f['mandatory'], uf.mandatory);
      if (f['showFilter'] !== undefined) uf.showFilter = yn(f['showFilter'], uf.showFilter);
      if (f['editInList'] !== undefined) uf.editInList = yn(f['editInList'], uf.editInList);
      if (f['isSearchable'] !== undefined) uf.isSearchable = yn(f['isSearchable'], uf.isSearchable);
      if (f['settings'] !== undefined) uf.settings = { ...uf.settings, ...(asObject(f['settings']) ?? {}) };
      for (const key of ['editFormLabel', 'helpMessage'] as const) {
        const m = labelMap(f[key]);
        if (m) uf.labels[key] = m;
      }
      if (f['enum'] !== undefined && uf.userTypeId === 'enumeration') applyEnums(ctx.portal.state, uf, configEnums(f['enum']));
      return ok({ field: configJson(uf) });
    },
  });

  registry.add('userfieldconfig.delete', {
    scopes,
    handler: (ctx, params) => {
      checkModule(params);
      if (!isAdmin(ctx)) throw faults.accessDenied('Access denied', 403);
      deleteField(ctx, findConfig(ctx, params));
      return ok(true);
    },
  });
}

export function registerCrmUserfields(registry: Registry): void {
  registerLegacy(registry, 'lead', 'CRM_LEAD');
  registerLegacy(registry, 'deal', 'CRM_DEAL');
  registerLegacy(registry, 'contact', 'CRM_CONTACT');
  registerLegacy(registry, 'company', 'CRM_COMPANY');
  registerConfig(registry);
}
