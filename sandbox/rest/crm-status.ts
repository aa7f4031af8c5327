/** crm.status.* — stages and dictionaries (legacy: strings, empty-code errors). */
import { itemsOf } from '../crm/items.js';
import { compileFilter, sortRows } from '../crm/filter.js';
import { DICTIONARIES, ENTITY, parseStageEntityId, stageEntityId, stagePrefix } from '../crm/stages.js';
import { RestFault, faults } from '../errors.js';
import { nextId } from '../ids.js';
import type { SandboxState, StatusRec } from '../types.js';
import { asInt, asObject, asString, isAdmin, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

function extraSemantics(s: StatusRec): string {
  if (s.semantics === 'S') return 'success';
  if (s.semantics === 'F') return s.system ? 'failure' : 'apology';
  return 'process';
}

export function statusJson(s: StatusRec): Record<string, unknown> {
  const row: Record<string, unknown> = {
    ID: String(s.id),
    ENTITY_ID: s.entityId,
    STATUS_ID: s.statusId,
    NAME: s.name,
    NAME_INIT: s.nameInit,
    SORT: String(s.sort),
    SYSTEM: s.system ? 'Y' : 'N',
    CATEGORY_ID: s.categoryId === null ? null : String(s.categoryId),
    COLOR: s.color,
    SEMANTICS: s.semantics,
  };
  if (parseStageEntityId(s.entityId)) row['EXTRA'] = { SEMANTICS: extraSemantics(s), COLOR: s.color };
  return row;
}

function statusGetter(s: StatusRec) {
  return (f: string): unknown =>
    ({
      ID: s.id, ENTITY_ID: s.entityId, STATUS_ID: s.statusId, NAME: s.name, SORT: s.sort,
      SYSTEM: s.system ? 'Y' : 'N', CATEGORY_ID: s.categoryId, SEMANTICS: s.semantics, COLOR: s.color,
    })[f as 'ID'];
}

const FIELDS = new Set(['ID', 'ENTITY_ID', 'STATUS_ID', 'NAME', 'SORT', 'SYSTEM', 'CATEGORY_ID', 'SEMANTICS', 'COLOR']);
const resolve = (f: string) => (FIELDS.has(f.toUpperCase()) ? f.toUpperCase() : null);

/** Is this ENTITY_ID a dictionary or an existing pipeline's stage list? */
function entityExists(state: SandboxState, entityId: string): boolean {
  if (DICTIONARIES[entityId]) return true;
  const stage = parseStageEntityId(entityId);
  if (!stage) return false;
  if (stage.entityTypeId === ENTITY.LEAD) return true;
  return state.categories.some((c) => c.entityTypeId === stage.entityTypeId && c.id === stage.categoryId);
}

function requireCrmAdmin(ctx: CallContext): void {
  if (!isAdmin(ctx)) throw faults.legacy('Access denied.');
}

function add(ctx: CallContext, params: Params) {
  requireCrmAdmin(ctx);
  const fields = asObject(pick(params, 'fields', 'FIELDS'));
  if (!fields) throw faults.legacy("Parameter 'fields' must be array.");
  const { state } = ctx.portal;
  const entityId = asString(fields['ENTITY_ID']);
  let statusId = asString(fields['STATUS_ID']);
  const name = asString(fields['NAME']);
  if (!entityId || !entityExists(state, entityId)) throw faults.legacy('The field ENTITY_ID is not defined or invalid.');
  if (!statusId) throw faults.legacy('The field STATUS_ID is required.');
  if (!name) throw faults.legacy('The field NAME is required.');
  const stage = parseStageEntityId(entityId);
  const prefix = stage ? stagePrefix(stage.entityTypeId, stage.categoryId) : '';
  // The pipeline prefix is added automatically: DECISION in DEAL_STAGE_1 → C1:DECISION.
  if (prefix && !statusId.startsWith(`${prefix}:`)) statusId = `${prefix}:${statusId}`;
  const own = prefix ? statusId.slice(prefix.length + 1) : statusId;
  const maxLength = entityId === 'STATUS' ? 21 : entityId === 'DEAL_STAGE' || entityId === 'QUOTE_STATUS' ? 22 : prefix ? 50 - prefix.length - 1 : 50;
  if (!/^[A-Za-z0-9_-]+$/.test(own) || statusId.length > Math.max(maxLength, own.length + prefix.length + 1) || own.length > 50) {
    throw new RestFault('ERROR_CORE', 'The field STATUS_ID contains invalid characters or is too long.', 400);
  }
  if (state.statuses.some((s) => s.entityId === entityId && s.statusId === statusId)) {
    throw new RestFault('ERROR_CORE', 'The specified status ID already exists.', 400);
  }
  const semantics = asString(fields['SEMANTICS']);
  const rec: StatusRec = {
    id: nextId(state, 'status', 100),
    entityId,
    statusId,
    name,
    nameInit: '',
    sort: asInt(fields['SORT']) ?? 10,
    system: false,
    categoryId: stage && stage.entityTypeId !== ENTITY.LEAD && stage.categoryId ? stage.categoryId : null,
    color: asString(fields['COLOR']),
    semantics: semantics === 'S' || semantics === 'F' ? semantics : null,
  };
  state.statuses.push(rec);
  return ok(rec.id);
}

function findStatus(ctx: CallContext, params: Params): StatusRec {
  const id = asInt(pick(params, 'id', 'ID'));
  const s = ctx.portal.state.statuses.find((x) => x.id === id);
  if (!s) throw faults.legacy('Not found');
  return s;
}

function update(ctx: CallContext, params: Params) {
  requireCrmAdmin(ctx);
  const s = findStatus(ctx, params);
  const fields = asObject(pick(params, 'fields', 'FIELDS')) ?? {};
  if (fields['NAME'] !== undefined) s.name = asString(fields['NAME']);
  if (fields['SORT'] !== undefined) s.sort = asInt(fields['SORT']) ?? s.sort;
  if (fields['COLOR'] !== undefined) s.color = asString(fields['COLOR']);
  if (fields['SEMANTICS'] !== undefined && !s.system) {
    const sem = asString(fields['SEMANTICS']);
    s.semantics = sem === 'S' || sem === 'F' ? sem : null;
  }
  return ok(true);
}

function remove(ctx: CallContext, params: Params) {
  requireCrmAdmin(ctx);
  const s = findStatus(ctx, params);
  const forced = asString(asObject(pick(params, 'params', 'PARAMS'))?.['FORCED']) === 'Y';
  if (s.system && !forced) throw faults.legacy('Could not delete the system status.');
  const stage = parseStageEntityId(s.entityId);
  if (stage && itemsOf(ctx.portal.state, stage.entityTypeId).some((i) => i.data['stageId'] === s.statusId)) {
    throw new RestFault('ERROR_CORE', 'There are items at this stage.', 400);
  }
  ctx.portal.state.statuses = ctx.portal.state.statuses.filter((x) => x !== s);
  return ok(true);
}

function list(ctx: CallContext, params: Params) {
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve });
  let rows = ctx.portal.state.statuses.filter((s) => predicate(statusGetter(s)));
  rows = sortRows(rows, asObject(pick(params, 'order', 'ORDER')) ?? { SORT: 'ASC' }, statusGetter, { resolve });
  return { result: rows.map(statusJson), total: rows.length };
}

function entityTypes(ctx: CallContext) {
  const { state } = ctx.portal;
  const out: Record<string, unknown>[] = [];
  const semanticInfo = (etid: number, cat: number | null) => {
    const entityId = stageEntityId(etid, cat);
    const stages = state.statuses.filter((s) => s.entityId === entityId).sort((a, b) => a.sort - b.sort);
    return {
      START_FIELD: stages[0]?.statusId ?? '',
      FINAL_SUCCESS_FIELD: stages.find((s) => s.semantics === 'S')?.statusId ?? '',
      FINAL_UNSUCCESS_FIELD: stages.find((s) => s.semantics === 'F')?.statusId ?? '',
      FINAL_SORT: 0,
    };
  };
  out.push({ ID: 'STATUS', NAME: 'Стадии лида', SEMANTIC_INFO: semanticInfo(ENTITY.LEAD, null), ENTITY_TYPE_ID: ENTITY.LEAD });
  for (const [id, d] of Object.entries(DICTIONARIES)) out.push({ ID: id, NAME: d.name });
  for (const c of state.categories.filter((x) => x.entityTypeId === ENTITY.DEAL).sort((a, b) => a.id - b.id)) {
    out.push(
      c.id === 0
        ? { ID: 'DEAL_STAGE', NAME: 'Стадии сделки', SEMANTIC_INFO: semanticInfo(2, 0), FIELD_ATTRIBUTE_SCOPE: '', ENTITY_TYPE_ID: 2, CATEGORY_ID: 0 }
        : {
            ID: `DEAL_STAGE_${c.id}`,
            NAME: `Стадии сделки (${c.name})`,
            PARENT_ID: 'DEAL_STAGE',
            SEMANTIC_INFO: semanticInfo(2, c.id),
            PREFIX: `C${c.id}`,
            FIELD_ATTRIBUTE_SCOPE: `category_${c.id}`,
            ENTITY_TYPE_ID: 2,
            CATEGORY_ID: String(c.id),
          },
    );
  }
  for (const type of state.crmTypes) {
    if (type.flags['isStagesEnabled'] !== 'Y') continue;
    for (const c of state.categories.filter((x) => x.entityTypeId === type.entityTypeId)) {
      out.push({
        ID: stageEntityId(type.entityTypeId, c.id),
        NAME: `${type.title} (${c.name})`,
        SEMANTIC_INFO: [],
        PREFIX: stagePrefix(type.entityTypeId, c.id),
        FIELD_ATTRIBUTE_SCOPE: `category_${c.id}`,
        ENTITY_TYPE_ID: type.entityTypeId,
        IS_ENABLED: true,
        CATEGORY_ID: c.id,
        CATEGORY_NAME: c.name,
        CATEGORY_SORT: c.sort,
        IS_DEFAULT_CATEGORY: c.isDefault,
      });
    }
  }
  return ok(out);
}

export function registerCrmStatus(registry: Registry): void {
  registry.add('crm.status.add', { scopes: ['crm'], handler: add });
  registry.add('crm.status.update', { scopes: ['crm'], handler: update });
  registry.add('crm.status.delete', { scopes: ['crm'], handler: remove });
  registry.add('crm.status.get', { scopes: ['crm'], handler: (ctx, params) => ok(statusJson(findStatus(ctx, params))) });
  registry.add('crm.status.list', { scopes: ['crm'], handler: list });
  registry.add('crm.status.entity.types', { scopes: ['crm'], handler: entityTypes });
  registry.add('crm.status.entity.items', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const entityId = asString(pick(params, 'entityId', 'ENTITY_ID'));
      const rows = ctx.portal.state.statuses.filter((s) => s.entityId === entityId).sort((a, b) => a.sort - b.sort);
      return ok(rows.map((s) => ({ NAME: s.name, SORT: s.sort, STATUS_ID: s.statusId })));
    },
  });
}
