/** crm.timeline.comment.*, crm.activity.* (to-do, e-mail), crm.duplicate.findbycomm. */
import { formatIso, parseDate } from '../clock.js';
import type { Portal } from '../core.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { getItem, itemsOf } from '../crm/items.js';
import { ENTITY } from '../crm/stages.js';
import { RestFault, faults } from '../errors.js';
import { asFilePair, storeFile } from '../files.js';
import { nextId } from '../ids.js';
import type { CrmActivityRec } from '../types.js';
import { asInt, asObject, asString, callerUser, ok, phpMap, pick, type CallContext, type Params, type Registry } from './registry.js';

const TIMELINE_TYPES: Record<string, number> = { lead: 1, deal: 2, contact: 3, company: 4 };

function timelineEntityTypeId(entityType: string): number | null {
  const t = entityType.toLowerCase();
  if (TIMELINE_TYPES[t]) return TIMELINE_TYPES[t];
  const m = /^dynamic_(\d+)$/.exec(t);
  return m ? Number(m[1]) : null;
}

function ownerExists(portal: Portal, entityTypeId: number | null, id: number | null): boolean {
  return entityTypeId !== null && id !== null && getItem(portal.state, entityTypeId, id) !== undefined;
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : asObject(v) ? Object.values(v as object) : [];
}

function commentAdd(ctx: CallContext, params: Params) {
  // Since crm 23.100.0 only the lower-case `fields` key is read.
  const f = asObject(params['fields']);
  if (!f) throw faults.legacy("Parameter 'fields' must be array.");
  const entityType = asString(f['ENTITY_TYPE']).toLowerCase();
  const entityId = asInt(f['ENTITY_ID']);
  if (!ownerExists(ctx.portal, timelineEntityTypeId(entityType), entityId)) throw faults.notFound('Entity not found');
  const comment = asString(f['COMMENT']);
  if (!comment) throw faults.invalidArg('COMMENT is empty');
  const fileIds = listOf(f['FILES'])
    .map(asFilePair)
    .filter((p): p is [string, string] => p !== null)
    .map(([name, b64]) => storeFile(ctx.portal, name, b64).id);
  const id = nextId(ctx.portal.state, 'timelineComment', 1000);
  ctx.portal.state.timelineComments.push({
    id,
    entityType,
    entityId: entityId!,
    comment,
    authorId: ctx.caller.userId ?? 1,
    created: ctx.portal.clock.now(),
    fileIds,
  });
  ctx.portal.events.emit('ONCRMTIMELINECOMMENTADD', { ID: id }, ctx.caller.userId);
  return ok(id);
}

function commentList(ctx: CallContext, params: Params) {
  const filter = asObject(pick(params, 'filter', 'FILTER')) ?? {};
  const entityType = asString(filter['ENTITY_TYPE']).toLowerCase();
  const entityId = asInt(filter['ENTITY_ID']);
  const rows = ctx.portal.state.timelineComments
    .filter((c) => (!entityType || c.entityType === entityType) && (entityId === null || c.entityId === entityId))
    .sort((a, b) => b.id - a.id);
  const page = paginate(rows, pick(params, 'start', 'START'));
  return {
    result: page.rows.map((c) => ({
      ID: String(c.id),
      CREATED: formatIso(c.created),
      ENTITY_ID: String(c.entityId),
      ENTITY_TYPE: c.entityType,
      AUTHOR_ID: String(c.authorId),
      COMMENT: c.comment,
      FILES: phpMap(Object.fromEntries(c.fileIds.map((id) => [String(id), { id, name: ctx.portal.state.files.find((x) => x.id === id)?.name ?? '' }]))),
    })),
    total: page.total,
    next: page.next,
  };
}

function todoAdd(ctx: CallContext, params: Params) {
  const ownerTypeId = asInt(pick(params, 'ownerTypeId', 'OWNER_TYPE_ID'));
  const ownerId = asInt(pick(params, 'ownerId', 'OWNER_ID'));
  if (!ownerExists(ctx.portal, ownerTypeId, ownerId)) throw new RestFault('OWNER_NOT_FOUND', 'Owner not found', 400);
  const deadlineRaw = pick(params, 'deadline', 'DEADLINE');
  const deadline = parseDate(deadlineRaw);
  if (!Number.isFinite(deadline)) throw new RestFault('WRONG_DATETIME_FORMAT', `Wrong datetime format: ${asString(deadlineRaw)}`, 400);
  const rec = newActivity(ctx, {
    ownerTypeId: ownerTypeId!,
    ownerId: ownerId!,
    typeId: 6,
    providerId: 'CRM_TODO',
    subject: asString(pick(params, 'title', 'TITLE')),
    description: asString(pick(params, 'description', 'DESCRIPTION')),
    responsibleId: asInt(pick(params, 'responsibleId', 'RESPONSIBLE_ID')) ?? ctx.caller.userId ?? 1,
    deadline: formatIso(deadline),
    completed: 'N',
    extra: { pingOffsets: listOf(pick(params, 'pingOffsets')), colorId: pick(params, 'colorId') ?? null },
  });
  return ok({ id: rec.id });
}

function newActivity(ctx: CallContext, base: Partial<CrmActivityRec> & { ownerTypeId: number; ownerId: number }): CrmActivityRec {
  const rec: CrmActivityRec = {
    id: nextId(ctx.portal.state, 'activity', 3000),
    typeId: 1,
    providerId: '',
    subject: '',
    description: '',
    descriptionType: 1,
    direction: 0,
    completed: 'N',
    responsibleId: ctx.caller.userId ?? 1,
    deadline: null,
    startTime: null,
    endTime: null,
    communications: [],
    settings: {},
    extra: {},
    created: ctx.portal.clock.now(),
    authorId: ctx.caller.userId ?? 1,
    ...base,
  };
  ctx.portal.state.activities.push(rec);
  ctx.portal.events.emit('ONCRMACTIVITYADD', { ID: rec.id }, ctx.caller.userId);
  return rec;
}

function activityAdd(ctx: CallContext, params: Params) {
  const f = asObject(pick(params, 'fields', 'FIELDS'));
  if (!f) throw faults.legacy("Parameter 'fields' must be array.");
  const ownerTypeId = asInt(f['OWNER_TYPE_ID']);
  const ownerId = asInt(f['OWNER_ID']);
  if (!ownerExists(ctx.portal, ownerTypeId, ownerId)) throw faults.legacy('The owner is not found.');
  const typeId = asInt(f['TYPE_ID']) ?? 1;
  const direction = asInt(f['DIRECTION']) ?? 0;
  const completed = asString(f['COMPLETED']) === 'Y' ? 'Y' : 'N';
  const subject = asString(f['SUBJECT']);
  if (typeId === 4 && !subject) throw faults.legacy('The field SUBJECT is required.');
  const communications = listOf(f['COMMUNICATIONS']).map((c) => {
    const o = asObject(c) ?? {};
    return {
      id: nextId(ctx.portal.state, 'communication', 4000),
      type: asString(o['TYPE']) || (typeId === 4 ? 'EMAIL' : 'PHONE'),
      value: asString(o['VALUE']),
      entityId: asInt(o['ENTITY_ID']) ?? ownerId!,
      entityTypeId: asInt(o['ENTITY_TYPE_ID']) ?? ownerTypeId!,
    };
  });
  const settings = asObject(f['SETTINGS']) ?? {};
  const rec = newActivity(ctx, {
    ownerTypeId: ownerTypeId!,
    ownerId: ownerId!,
    typeId,
    providerId: typeId === 4 ? 'CRM_EMAIL' : '',
    subject,
    description: asString(f['DESCRIPTION']),
    descriptionType: asInt(f['DESCRIPTION_TYPE']) ?? 1,
    direction,
    completed,
    responsibleId: asInt(f['RESPONSIBLE_ID']) ?? ctx.caller.userId ?? 1,
    startTime: f['START_TIME'] ? asString(f['START_TIME']) : null,
    endTime: f['END_TIME'] ? asString(f['END_TIME']) : null,
    communications,
    settings,
  });
  // Mail goes out only for an outgoing (2), completed e-mail (4); the activity exists either way.
  if (typeId === 4 && direction === 2 && completed === 'Y') {
    const to = communications.map((c) => c.value).filter(Boolean);
    if (to.length === 0) throw faults.legacy('Email send error. Recipient e-mail is not specified.');
    const user = callerUser(ctx);
    // Attachments are Drive files (STORAGE_TYPE_ID 3); an unknown id fails the call as on the portal.
    const attachments = listOf(f['STORAGE_ELEMENT_IDS']).map((raw) => {
      const o = ctx.portal.state.disk.objects.find((x) => x.id === Number(raw) && x.type === 'file');
      if (!o) throw faults.legacy(`Email send error. File ${String(raw)} is not found.`);
      return o.name;
    });
    ctx.portal.state.emails.push({
      attachments,
      activityId: rec.id,
      from: asString(settings['MESSAGE_FROM']) || `${user.name} ${user.lastName} <${user.email}>`,
      to,
      subject,
      body: rec.description,
      descriptionType: rec.descriptionType,
      ownerTypeId: rec.ownerTypeId,
      ownerId: rec.ownerId,
      sentAt: ctx.portal.clock.now(),
    });
  }
  return ok(rec.id);
}

function activityJson(a: CrmActivityRec, withCommunications: boolean): Record<string, unknown> {
  return {
    ID: String(a.id),
    OWNER_ID: String(a.ownerId),
    OWNER_TYPE_ID: String(a.ownerTypeId),
    TYPE_ID: String(a.typeId),
    PROVIDER_ID: a.providerId,
    SUBJECT: a.subject,
    COMPLETED: a.completed,
    DIRECTION: String(a.direction),
    RESPONSIBLE_ID: String(a.responsibleId),
    DESCRIPTION: a.description,
    DESCRIPTION_TYPE: String(a.descriptionType),
    DEADLINE: a.deadline,
    START_TIME: a.startTime,
    END_TIME: a.endTime,
    CREATED: formatIso(a.created),
    AUTHOR_ID: String(a.authorId),
    ...(withCommunications
      ? {
          COMMUNICATIONS: a.communications.map((c) => ({
            ID: String(c.id),
            TYPE: c.type,
            VALUE: c.value,
            ENTITY_ID: String(c.entityId),
            ENTITY_TYPE_ID: String(c.entityTypeId),
          })),
        }
      : {}),
  };
}

function activityList(ctx: CallContext, params: Params) {
  const getter = (a: CrmActivityRec) => (k: string): unknown => activityJson(a, false)[k];
  const resolve = (f: string) => f.toUpperCase();
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve });
  let rows = ctx.portal.state.activities.filter((a) => predicate(getter(a)));
  rows = sortRows(rows, pick(params, 'order', 'ORDER'), getter, { resolve });
  const page = paginate(rows, pick(params, 'start', 'START'));
  const select = listOf(pick(params, 'select', 'SELECT')).map(String);
  const withComms = select.includes('COMMUNICATIONS');
  const pickSelected = (row: Record<string, unknown>) =>
    select.length === 0 || select.includes('*') ? row : Object.fromEntries(Object.entries(row).filter(([k]) => k === 'ID' || select.includes(k)));
  return { result: page.rows.map((a) => pickSelected(activityJson(a, withComms))), total: page.total, next: page.next };
}

function normalizeComm(type: string, value: string): string {
  return type === 'PHONE' ? value.replace(/\D/g, '').replace(/^8(\d{10})$/, '7$1') : value.trim().toLowerCase();
}

function findByComm(ctx: CallContext, params: Params) {
  const type = asString(pick(params, 'type', 'TYPE')).toUpperCase();
  const values = listOf(pick(params, 'values', 'VALUES')).map(String);
  if (type !== 'EMAIL' && type !== 'PHONE') throw faults.legacy('Communication type is not supported.');
  if (values.length > 20) throw faults.legacy('Too many values. The maximum is 20.');
  const wanted = new Set(values.map((v) => normalizeComm(type, v)));
  const only = asString(pick(params, 'entity_type', 'ENTITY_TYPE')).toUpperCase();
  const result: Record<string, number[]> = {};
  for (const [name, etid] of [['LEAD', ENTITY.LEAD], ['CONTACT', ENTITY.CONTACT], ['COMPANY', ENTITY.COMPANY]] as const) {
    if (only && only !== name) continue;
    const ids = itemsOf(ctx.portal.state, etid)
      .filter((i) => i.fm.some((f) => f.typeId === type && wanted.has(normalizeComm(type, f.value))))
      .map((i) => i.id);
    if (ids.length) result[name] = ids;
  }
  return ok(phpMap(result));
}

export function registerCrmActivity(registry: Registry): void {
  registry.add('crm.timeline.comment.add', { scopes: ['crm'], handler: commentAdd });
  registry.add('crm.timeline.comment.list', { scopes: ['crm'], handler: commentList });
  registry.add('crm.activity.todo.add', { scopes: ['crm'], handler: todoAdd });
  registry.add('crm.activity.add', { scopes: ['crm'], handler: activityAdd });
  registry.add('crm.activity.list', { scopes: ['crm'], handler: activityList });
  registry.add('crm.activity.get', {
    scopes: ['crm'],
    handler: (ctx, params) => {
      const id = asInt(pick(params, 'id', 'ID'));
      const a = ctx.portal.state.activities.find((x) => x.id === id);
      if (!a) throw faults.legacy('Not found');
      return ok(activityJson(a, true));
    },
  });
  registry.add('crm.duplicate.findbycomm', { scopes: ['crm'], handler: findByComm });
}
