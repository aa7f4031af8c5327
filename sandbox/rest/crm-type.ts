/** crm.type.* — smart-process types. Type `id` (user fields) ≠ `entityTypeId` (items, stages, events). */
import { formatIso } from '../clock.js';
import type { Portal } from '../core.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { itemsOf } from '../crm/items.js';
import { seedPipelineStages, stageEntityId } from '../crm/stages.js';
import { RestFault, faults } from '../errors.js';
import { nextId } from '../ids.js';
import type { CrmTypeRec, TypeRelation, YN } from '../types.js';
import { asInt, asObject, asString, ok, pick, requireAdmin, type CallContext, type Params, type Registry } from './registry.js';

const FLAGS = [
  'isCategoriesEnabled', 'isStagesEnabled', 'isBeginCloseDatesEnabled', 'isClientEnabled', 'isUseInUserfieldEnabled',
  'isLinkWithProductsEnabled', 'isMycompanyEnabled', 'isDocumentsEnabled', 'isSourceEnabled', 'isObserversEnabled',
  'isRecyclebinEnabled', 'isAutomationEnabled', 'isBizProcEnabled', 'isSetOpenPermissions', 'isPaymentsEnabled', 'isCountersEnabled',
];
const READ_ONLY_FLAGS = new Set(['isPaymentsEnabled', 'isCountersEnabled']);
const LINKED_UF_KEYS = ['CALENDAR_EVENT|UF_CRM_CAL_EVENT', 'TASKS_TASK|UF_CRM_TASK', 'TASKS_TASK_TEMPLATE|UF_CRM_TASK'];

const yn = (v: unknown): YN => (v === 'Y' || v === true || v === 'true' || v === 1 || v === '1' ? 'Y' : 'N');
/** Relations and linked fields take "true"/"false"; Y/N is not understood there. */
const trueFalse = (v: unknown): YN => (v === true || v === 'true' || v === 1 || v === '1' ? 'Y' : 'N');

const crmAdminOnly = () => faults.accessDenied('Access denied', 400);

function isAllowedEntityTypeId(id: number): boolean {
  return (id >= 128 && id <= 192) || (id >= 1030 && id % 2 === 0);
}

function relationsFrom(raw: unknown): TypeRelation[] {
  const list = Array.isArray(raw) ? raw : asObject(raw) ? Object.values(raw as object) : [];
  return list
    .map((r) => asObject(r) ?? {})
    .filter((r) => asInt(r['entityTypeId']) !== null)
    .map((r) => ({ entityTypeId: asInt(r['entityTypeId'])!, isChildrenListEnabled: trueFalse(r['isChildrenListEnabled']), isPredefined: 'N' as YN }));
}

const PREDEFINED: TypeRelation[] = [
  { entityTypeId: 3, isChildrenListEnabled: 'Y', isPredefined: 'Y' },
  { entityTypeId: 4, isChildrenListEnabled: 'Y', isPredefined: 'Y' },
];

function applyFields(type: CrmTypeRec, fields: Record<string, unknown>): void {
  if (fields['title'] !== undefined) type.title = asString(fields['title']);
  if (fields['code'] !== undefined) type.code = asString(fields['code']);
  for (const flag of FLAGS) if (!READ_ONLY_FLAGS.has(flag) && fields[flag] !== undefined) type.flags[flag] = yn(fields[flag]);
  const linked = asObject(fields['linkedUserFields']);
  if (linked) for (const key of LINKED_UF_KEYS) if (linked[key] !== undefined) type.linkedUserFields[key] = trueFalse(linked[key]);
  const relations = asObject(fields['relations']);
  // Relations are replaced wholesale; predefined client relations follow isClientEnabled.
  const parent = relations ? relationsFrom(relations['parent']) : type.relations.parent.filter((r) => r.isPredefined !== 'Y');
  const child = relations ? relationsFrom(relations['child']) : type.relations.child;
  const predefined = type.flags['isClientEnabled'] === 'Y' ? PREDEFINED.map((r) => ({ ...r })) : [];
  type.relations = {
    parent: [...predefined, ...parent.filter((r) => !predefined.some((p) => p.entityTypeId === r.entityTypeId))],
    child,
  };
}

export function typeJson(type: CrmTypeRec, full: boolean): Record<string, unknown> {
  return {
    id: type.id,
    title: type.title,
    code: type.code,
    createdBy: type.createdBy,
    entityTypeId: type.entityTypeId,
    customSectionId: null,
    ...Object.fromEntries(FLAGS.map((f) => [f, type.flags[f] ?? 'N'])),
    createdTime: formatIso(type.createdTime),
    updatedTime: formatIso(type.updatedTime),
    updatedBy: type.updatedBy,
    ...(full ? { relations: type.relations, linkedUserFields: type.linkedUserFields, customSections: [] } : {}),
  };
}

function ensureStages(portal: Portal, type: CrmTypeRec): void {
  if (type.flags['isStagesEnabled'] !== 'Y') return;
  for (const cat of portal.state.categories.filter((c) => c.entityTypeId === type.entityTypeId)) {
    const entityId = stageEntityId(type.entityTypeId, cat.id);
    if (!portal.state.statuses.some((s) => s.entityId === entityId)) seedPipelineStages(portal.state, type.entityTypeId, cat.id);
  }
}

function findType(ctx: CallContext, id: number | null): CrmTypeRec {
  const type = ctx.portal.state.crmTypes.find((t) => t.id === id);
  if (!type) throw faults.notFound('Smart process not found');
  return type;
}

function add(ctx: CallContext, params: Params) {
  requireAdmin(ctx, crmAdminOnly());
  const { state, clock } = ctx.portal;
  const fields = asObject(pick(params, 'fields', 'FIELDS')) ?? {};
  if (!asString(fields['title'])) throw new RestFault('CRM_FIELD_ERROR_REQUIRED', 'Поле "Название" обязательно для заполнения', 400);
  let entityTypeId = asInt(fields['entityTypeId']);
  if (entityTypeId !== null) {
    if (!isAllowedEntityTypeId(entityTypeId)) throw faults.invalidArg('entityTypeId is out of allowed range');
    if (state.crmTypes.some((t) => t.entityTypeId === entityTypeId)) throw faults.invalidArg(`entityTypeId ${entityTypeId} is already in use`);
  } else {
    entityTypeId = 1030;
    while (state.crmTypes.some((t) => t.entityTypeId === entityTypeId)) entityTypeId += 2;
  }
  const user = ctx.caller.userId ?? 1;
  const now = clock.now();
  const type: CrmTypeRec = {
    id: nextId(state, 'crmType'),
    entityTypeId,
    title: '',
    code: '',
    flags: Object.fromEntries(FLAGS.map((f) => [f, f === 'isSetOpenPermissions' ? 'Y' : 'N'])) as Record<string, YN>,
    relations: { parent: [], child: [] },
    linkedUserFields: Object.fromEntries(LINKED_UF_KEYS.map((k) => [k, 'N'])) as Record<string, YN>,
    createdBy: user,
    createdTime: now,
    updatedBy: user,
    updatedTime: now,
  };
  applyFields(type, fields);
  state.crmTypes.push(type);
  // Every smart process has a numbered default pipeline, even with categories off.
  state.categories.push({ id: nextId(state, 'category'), entityTypeId, name: 'Общая', sort: 500, isDefault: true, code: null });
  ensureStages(ctx.portal, type);
  ctx.portal.events.emit('ONCRMTYPEADD', { ID: type.id }, ctx.caller.userId);
  return ok({ type: typeJson(type, true) });
}

function update(ctx: CallContext, params: Params) {
  requireAdmin(ctx, crmAdminOnly());
  const type = findType(ctx, asInt(pick(params, 'id', 'ID')));
  applyFields(type, asObject(pick(params, 'fields', 'FIELDS')) ?? {});
  type.updatedBy = ctx.caller.userId ?? 1;
  type.updatedTime = ctx.portal.clock.now();
  ensureStages(ctx.portal, type);
  ctx.portal.events.emit('ONCRMTYPEUPDATE', { ID: type.id }, ctx.caller.userId);
  return ok({ type: typeJson(type, true) });
}

function remove(ctx: CallContext, params: Params) {
  requireAdmin(ctx, crmAdminOnly());
  const id = asInt(pick(params, 'id', 'ID'));
  if (id === null) return ok(null);
  const type = findType(ctx, id);
  const { state } = ctx.portal;
  if (itemsOf(state, type.entityTypeId).length > 0) throw new RestFault('BX_ERROR', 'You cannot delete an entity type that has elements', 400);
  state.crmTypes = state.crmTypes.filter((t) => t !== type);
  state.categories = state.categories.filter((c) => c.entityTypeId !== type.entityTypeId);
  state.statuses = state.statuses.filter((s) => !s.entityId.startsWith(`DYNAMIC_${type.entityTypeId}_STAGE_`));
  state.userFields = state.userFields.filter((u) => u.entityId !== `CRM_${type.id}`);
  ctx.portal.events.emit('ONCRMTYPEDELETE', { ID: type.id }, ctx.caller.userId);
  return ok([]);
}

function list(ctx: CallContext, params: Params) {
  const getter = (t: CrmTypeRec) => (f: string): unknown => {
    if (f in t.flags) return t.flags[f];
    return { id: t.id, title: t.title, code: t.code, entityTypeId: t.entityTypeId, createdBy: t.createdBy, updatedBy: t.updatedBy }[f as 'id'];
  };
  const known = new Set(['id', 'title', 'code', 'entityTypeId', 'createdBy', 'updatedBy', ...FLAGS]);
  const resolve = (f: string) => (known.has(f) ? f : null);
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve });
  let rows = ctx.portal.state.crmTypes.filter((t) => predicate(getter(t)));
  rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, { resolve });
  const page = paginate(rows, pick(params, 'start', 'START'));
  return { result: { types: page.rows.map((t) => typeJson(t, false)) }, total: page.total, next: page.next };
}

export function registerCrmType(registry: Registry): void {
  registry.add('crm.type.add', { scopes: ['crm'], handler: add });
  registry.add('crm.type.update', { scopes: ['crm'], handler: update });
  registry.add('crm.type.delete', { scopes: ['crm'], handler: remove });
  registry.add('crm.type.list', { scopes: ['crm'], handler: list });
  registry.add('crm.type.get', {
    scopes: ['crm'],
    handler: (ctx, params) => ok({ type: typeJson(findType(ctx, asInt(pick(params, 'id', 'ID'))), true) }),
  });
  registry.add('crm.type.getbyentitytypeid', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const etid = asInt(pick(params, 'entityTypeId', 'ENTITY_TYPE_ID'));
      const type = ctx.portal.state.crmTypes.find((t) => t.entityTypeId === etid);
      if (!type) throw faults.notFound('Smart process not found');
      return ok({ type: typeJson(type, true) });
    },
  });
}
