import { createHash } from 'node:crypto';
import type { BatchCommand } from '../rest/types.js';
import type { Manifest, ManifestRobot, ManifestRobotProperty, ManifestSpaField, ManifestStage, ManifestUserField } from './manifest.js';
import {
  dealStageEntityId,
  dealStageId,
  ENTITY_TYPE,
  fieldPrefix,
  handlerUrls,
  mapKeys,
  spaFieldName,
  spaStageEntityId,
  spaStageId,
  stageKeyOf,
  titleWithSuffix,
  userFieldName,
  type InstallTarget,
} from './names.js';
import type { ContainerRefs, IdRef, KnownIds, PortalStage, PortalUserField, Snapshot } from './snapshot.js';

export type ChangeKind = 'robot' | 'event' | 'placement' | 'smartProcess' | 'pipeline' | 'stage' | 'userField';

export interface Change {
  action: 'create' | 'update' | 'delete';
  kind: ChangeKind;
  key: string;
  title: string;
  command: BatchCommand;
  /** Creating a container (pipeline, smart process) means its stages/fields are planned after a re-read. */
  createsContainer?: boolean;
  /** For robots: the definition hash to remember once applied. */
  robotHash?: { code: string; hash: string | null };
  /**
   * Name later commands of the same batch use to reference this command's result (`{{ref}}[…]`,
   * see pack.ts); set on container creates, whose ids their fields and stage reads need.
   */
  ref?: string;
}

export interface Plan {
  changes: Change[];
  /** Differences we must not fix automatically (a field's type or multiplicity can't change). */
  conflicts: string[];
  /** Containers resolved from the portal (by id, origin or title). */
  known: KnownIds;
  /** Containers found whose stages/fields were not part of this read: read again before planning them. */
  needsDetails: boolean;
  /** Manifest key → portal id, derived from what the portal has now. */
  map: Record<string, string>;
  /** What this portal cannot have, for the settings page (webhook mode: no robots, events, placements). */
  notes?: string[];
}

export interface PlanOptions {
  /**
   * False when the portal is reached through an inbound webhook: robots, event bindings and
   * placements need an app context, so they are not planned (and not read), and the plan says so.
   */
  appContext?: boolean;
  /** The note shown instead (Russian); default WEBHOOK_PLAN_NOTE. */
  note?: string;
}

export const WEBHOOK_PLAN_NOTE =
  'Портал подключён через входящий вебхук: роботы, обработчики событий и встройки в этом режиме недоступны (для них нужно приложение). ' +
  'Воронки, стадии, смарт-процессы и поля создаются; действия стадий выполняются по расписанию, раз в 10 минут.';

const ORIGINATOR = 'digital-union';
const lang = (t: string | Record<string, string>) => (typeof t === 'string' ? { ru: t } : t);
const ru = (t: string | Record<string, string>) => (typeof t === 'string' ? t : (t.ru ?? Object.values(t)[0] ?? ''));
const yn = (b: boolean | undefined) => (b ? 'Y' : 'N');
const semanticsCode = (s: ManifestStage['semantics']) => (s === 'success' ? 'S' : s === 'failure' ? 'F' : '');

function robotDocumentType(r: ManifestRobot, known: KnownIds): [string, string, string] | null {
  switch (r.documentType) {
    case 'deal':
      return ['crm', 'CCrmDocumentDeal', 'DEAL'];
    case 'contact':
      return ['crm', 'CCrmDocumentContact', 'CONTACT'];
    case 'company':
      return ['crm', 'CCrmDocumentCompany', 'COMPANY'];
    case 'lead':
      return ['crm', 'CCrmDocumentLead', 'LEAD'];
    default: {
      const spa = known.spa[r.documentType.slice(4)];
      return spa ? ['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', `DYNAMIC_${spa.entityTypeId}`] : null;
    }
  }
}

function robotProperty(p: ManifestRobotProperty) {
  return {
    Name: lang(p.name),
    ...(p.description ? { Description: lang(p.description) } : {}),
    Type: p.type,
    Required: yn(p.required),
    Multiple: yn(p.multiple),
    ...(p.options ? { Options: p.options } : {}),
    ...(p.default !== undefined ? { Default: p.default } : {}),
  };
}

export function robotFields(r: ManifestRobot, target: InstallTarget, documentType: [string, string, string]) {
  return {
    HANDLER: handlerUrls(target).robot(r.code),
    AUTH_USER_ID: target.authUserId,
    USE_SUBSCRIPTION: 'Y',
    NAME: lang(r.name),
    ...(r.description ? { DESCRIPTION: lang(r.description) } : {}),
    PROPERTIES: Object.fromEntries(Object.entries(r.properties).map(([k, p]) => [k, robotProperty(p)])),
    RETURN_PROPERTIES: Object.fromEntries(Object.entries(r.returnProperties).map(([k, p]) => [k, robotProperty(p)])),
    DOCUMENT_TYPE: documentType,
  };
}

/** The `ref` of the command creating a container (pack.ts placeholders). */
export const containerRef = (kind: 'pipeline' | 'spa', key: string) => `change:${kind}:${key}`;

/**
 * Containers this plan creates, as placeholders into the creating commands' results: reading them
 * in the same batch (snapshotCommands) gives their stages and fields without another request.
 */
export function pendingContainers(plan: Pick<Plan, 'changes'>): { refs: ContainerRefs; pipelines: string[]; spa: string[] } {
  const refs: ContainerRefs = { dealCategories: {}, spa: {} };
  const pipelines: string[] = [];
  const spa: string[] = [];
  for (const c of plan.changes) {
    if (c.action !== 'create' || !c.createsContainer || !c.ref) continue;
    if (c.kind === 'pipeline') {
      refs.dealCategories[c.key] = `{{${c.ref}}}[category][id]`;
      pipelines.push(c.key);
    } else if (c.kind === 'smartProcess') {
      refs.spa[c.key] = { entityTypeId: `{{${c.ref}}}[type][entityTypeId]`, typeId: `{{${c.ref}}}[type][id]` };
      spa.push(c.key);
    }
  }
  return { refs, pipelines, spa };
}

/** Ids of the containers a create returned (`{category:{id}}`, `{type:{id, entityTypeId}}`), added to `known`. */
export function knownAfterCreate(known: KnownIds, change: Change, result: unknown): KnownIds {
  const r = (result ?? {}) as { category?: { id?: unknown }; type?: { id?: unknown; entityTypeId?: unknown } };
  if (change.kind === 'pipeline' && r.category?.id !== undefined) {
    return { ...known, dealCategories: { ...known.dealCategories, [change.key]: Number(r.category.id) } };
  }
  if (change.kind === 'smartProcess' && r.type?.id !== undefined && r.type.entityTypeId !== undefined) {
    return { ...known, spa: { ...known.spa, [change.key]: { entityTypeId: Number(r.type.entityTypeId), typeId: Number(r.type.id) } } };
  }
  return known;
}

/** What identifies a change across plans (the same thing planned again). */
export const changeId = (c: Pick<Change, 'action' | 'kind' | 'key' | 'command'>) => `${c.action}|${c.kind}|${c.key}|${c.command.method}`;

export const hashOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

/** Resolve our containers in the snapshot: by remembered id first, then by origin marker, then by title. */
export function resolveContainers(manifest: Manifest, snap: Snapshot, target: InstallTarget, known: KnownIds): KnownIds {
  const out: KnownIds = { dealCategories: {}, spa: {} };
  for (const p of manifest.pipelines) {
    const origin = `${p.key}${target.codeSuffix}`;
    const name = titleWithSuffix(target, p.name);
    const cat =
      snap.dealCategories.find((c) => c.id === known.dealCategories[p.key] && c.id !== 0) ??
      snap.dealCategories.find((c) => c.originatorId === ORIGINATOR && c.originId === origin) ??
      snap.dealCategories.find((c) => c.name === name && c.id !== 0);
    if (cat) out.dealCategories[p.key] = cat.id;
  }
  for (const s of manifest.smartProcesses) {
    const title = titleWithSuffix(target, s.title);
    const type = snap.types.find((t) => t.entityTypeId === known.spa[s.key]?.entityTypeId) ?? snap.types.find((t) => t.title === title);
    if (!type) continue;
    const cats = snap.spaCategories[type.entityTypeId];
    const def = cats?.find((c) => c.isDefault) ?? cats?.[0];
    out.spa[s.key] = { entityTypeId: type.entityTypeId, typeId: type.id, ...(def ? { categoryId: def.id } : {}) };
  }
  return out;
}

function diffStages(
  kind: 'pipeline' | 'spa',
  key: string,
  desired: ManifestStage[],
  rows: PortalStage[],
  entityId: string,
  statusIdOf: (stageKey: string) => string,
  changes: Change[],
  conflicts: string[],
  map: Record<string, string>,
) {
  const byStatus = new Map(rows.map((r) => [r.statusId, r]));
  for (const s of desired) {
    const statusId = statusIdOf(s.key);
    const row = byStatus.get(statusId);
    map[kind === 'pipeline' ? mapKeys.stage(key, s.key) : mapKeys.spaStage(key, s.key)] = statusId;
    const title = `${s.name} (${key})`;
    if (!row) {
      changes.push({
        action: 'create',
        kind: 'stage',
        key: `${key}.${s.key}`,
        title,
        command: { method: 'crm.status.add', params: { fields: { ENTITY_ID: entityId, STATUS_ID: s.key, NAME: s.name, SORT: s.sort, COLOR: s.color, SEMANTICS: semanticsCode(s.semantics) } } },
      });
      continue;
    }
    if (row.semantics !== s.semantics) conflicts.push(`Стадия «${row.name}» (${statusId}): тип стадии на портале другой, изменить его через REST нельзя`);
    if (row.name !== s.name || row.sort !== s.sort || row.color !== s.color.toUpperCase()) {
      changes.push({
        action: 'update',
        kind: 'stage',
        key: `${key}.${s.key}`,
        title,
        command: { method: 'crm.status.update', params: { id: row.id, fields: { NAME: s.name, SORT: s.sort, COLOR: s.color } } },
      });
    }
  }
  const wanted = new Set(desired.map((s) => statusIdOf(s.key)));
  for (const row of rows) {
    // We own the whole pipeline: stages the portal made by default and we don't use go away.
    if (wanted.has(row.statusId) || row.system) continue;
    changes.push({
      action: 'delete',
      kind: 'stage',
      key: `${key}.${stageKeyOf(row.statusId)}`,
      title: `${row.name} (${key})`,
      command: { method: 'crm.status.delete', params: { id: row.id, params: { FORCED: 'Y' } } },
    });
  }
}

type FieldSpec = ManifestUserField | ManifestSpaField;

/** Differences a field update can fix, or a conflict that needs a person. */
function fieldDrift(spec: FieldSpec, portal: PortalUserField, conflicts: string[]): { label: boolean; mandatory: boolean; missingItems: NonNullable<FieldSpec['list']>; changedItems: boolean } {
  if (portal.type !== spec.type) conflicts.push(`Поле ${portal.fieldName}: на портале тип «${portal.type}», в приложении «${spec.type}»`);
  if (portal.multiple !== spec.multiple) conflicts.push(`Поле ${portal.fieldName}: множественность на портале другая`);
  const items = spec.list ?? [];
  const byXml = new Map(portal.list.map((i) => [i.xmlId, i]));
  return {
    label: portal.label !== spec.label,
    mandatory: portal.mandatory !== spec.required,
    missingItems: items.filter((i) => !byXml.has(i.xmlId)),
    changedItems: items.some((i) => byXml.has(i.xmlId) && byXml.get(i.xmlId)!.value !== i.value),
  };
}

function mapEnumItems(fieldKey: string, portal: PortalUserField | null | undefined, map: Record<string, string>) {
  for (const item of portal?.list ?? []) if (item.xmlId) map[mapKeys.enumItem(fieldKey, item.xmlId)] = item.id;
}

function diffUserField(f: ManifestUserField, portal: PortalUserField | null | undefined, target: InstallTarget, changes: Change[], conflicts: string[]) {
  const list = f.list?.map((i, n) => ({ VALUE: i.value, XML_ID: i.xmlId, SORT: (n + 1) * 10, DEF: 'N' }));
  const labels = { EDIT_FORM_LABEL: { ru: f.label }, LIST_COLUMN_LABEL: { ru: f.label }, LIST_FILTER_LABEL: { ru: f.label } };
  const method = `crm.${f.entity}.userfield`;
  if (!portal) {
    changes.push({
      action: 'create',
      kind: 'userField',
      key: f.key,
      title: f.label,
      command: {
        method: `${method}.add`,
        params: {
          fields: {
            FIELD_NAME: `${fieldPrefix(target)}${f.name}`,
            USER_TYPE_ID: f.type,
            XML_ID: f.key,
            LABEL: f.label,
            ...labels,
            MULTIPLE: yn(f.multiple),
            MANDATORY: yn(f.required),
            SHOW_FILTER: 'Y',
            ...(f.settings ? { SETTINGS: f.settings } : {}),
            ...(list ? { LIST: list } : {}),
          },
        },
      },
    });
    return;
  }
  const drift = fieldDrift(f, portal, conflicts);
  if (!drift.label && !drift.mandatory && !drift.missingItems.length && !drift.changedItems) return;
  const byXml = new Map(portal.list.map((i) => [i.xmlId, i]));
  changes.push({
    action: 'update',
    kind: 'userField',
    key: f.key,
    title: f.label,
    command: {
      method: `${method}.update`,
      params: {
        id: portal.id,
        fields: {
          ...labels,
          MANDATORY: yn(f.required),
          ...(list ? { LIST: list.map((i) => (byXml.has(i.XML_ID) ? { ID: byXml.get(i.XML_ID)!.id, ...i } : i)) } : {}),
        },
      },
    },
  });
}

function diffSpaField(spaKey: string, typeId: IdRef, f: ManifestSpaField, portal: PortalUserField | undefined, target: InstallTarget, changes: Change[], conflicts: string[]) {
  const fieldName = spaFieldName(target, typeId, f.name);
  const enumItems = f.list?.map((i, n) => ({ value: i.value, xmlId: i.xmlId, sort: (n + 1) * 10, def: 'N' }));
  const key = `${spaKey}.${f.key}`;
  if (!portal) {
    changes.push({
      action: 'create',
      kind: 'userField',
      key,
      title: f.label,
      command: {
        method: 'userfieldconfig.add',
        params: {
          moduleId: 'crm',
          field: {
            entityId: `CRM_${typeId}`,
            fieldName,
            userTypeId: f.type,
            xmlId: key,
            multiple: yn(f.multiple),
            mandatory: yn(f.required),
            showFilter: 'Y',
            editFormLabel: { ru: f.label },
            ...(f.settings ? { settings: f.settings } : {}),
            ...(enumItems ? { enum: enumItems } : {}),
          },
        },
      },
    });
    return;
  }
  const drift = fieldDrift(f, portal, conflicts);
  if (!drift.label && !drift.mandatory && !drift.missingItems.length && !drift.changedItems) return;
  const byXml = new Map(portal.list.map((i) => [i.xmlId, i]));
  changes.push({
    action: 'update',
    kind: 'userField',
    key,
    title: f.label,
    command: {
      method: 'userfieldconfig.update',
      params: {
        moduleId: 'crm',
        id: portal.id,
        field: {
          editFormLabel: { ru: f.label },
          mandatory: yn(f.required),
          ...(enumItems ? { enum: enumItems.map((i) => (byXml.has(i.xmlId) ? { id: byXml.get(i.xmlId)!.id, ...i } : i)) } : {}),
        },
      },
    },
  });
}

/**
 * The plan: what to create, update and delete so the portal matches the manifest. Pure: the same
 * snapshot always gives the same plan. Only touches what is ours: the app's own robots, event
 * handlers and placements (those lists are per app), and the pipelines, smart processes and
 * fields we created (found by id, origin marker, or our prefixed names). Fields are never deleted:
 * they hold the union's data.
 */
export function planChanges(manifest: Manifest, snap: Snapshot, target: InstallTarget, knownBefore: KnownIds, robotHashes: Record<string, string>, opts: PlanOptions = {}): Plan {
  const appContext = opts.appContext !== false;
  const changes: Change[] = [];
  const conflicts: string[] = [];
  const map: Record<string, string> = {};
  const known = resolveContainers(manifest, snap, target, knownBefore);
  let needsDetails = false;
  const urls = handlerUrls(target);

  // Robots (bizproc.robot.list gives codes only, so we compare against what we last applied).
  const portalRobots = new Set(snap.robots);
  for (const r of appContext ? manifest.robots : []) {
    const docType = robotDocumentType(r, known);
    if (!docType) continue; // its smart process is created first
    const fields = robotFields(r, target, docType);
    const hash = hashOf(fields);
    const title = ru(r.name);
    if (!portalRobots.has(r.code)) {
      changes.push({ action: 'create', kind: 'robot', key: r.code, title, command: { method: 'bizproc.robot.add', params: { CODE: r.code, ...fields } }, robotHash: { code: r.code, hash } });
    } else if (robotHashes[r.code] !== hash) {
      changes.push({ action: 'update', kind: 'robot', key: r.code, title, command: { method: 'bizproc.robot.update', params: { CODE: r.code, FIELDS: fields } }, robotHash: { code: r.code, hash } });
    }
  }
  const manifestRobots = new Set(manifest.robots.map((r) => r.code));
  for (const code of snap.robots) {
    if (!manifestRobots.has(code)) {
      changes.push({ action: 'delete', kind: 'robot', key: code, title: code, command: { method: 'bizproc.robot.delete', params: { CODE: code } }, robotHash: { code, hash: null } });
    }
  }

  // Event handlers: online ones point at our /events, offline ones have no handler.
  const eventKey = (event: string, offline: boolean, handler: string) => `${event}|${offline ? 'offline' : handler}`;
  const portalEvents = new Set(snap.events.map((e) => eventKey(e.event, e.offline, e.handler)));
  const desiredEvents = new Set<string>();
  for (const e of appContext ? manifest.events : []) {
    const k = eventKey(e.event, e.offline, urls.events);
    desiredEvents.add(k);
    if (portalEvents.has(k)) continue;
    const params = e.offline ? { event: e.event, event_type: 'offline' } : { event: e.event, handler: urls.events, ...(e.options ? { options: e.options } : {}) };
    changes.push({ action: 'create', kind: 'event', key: `${e.event}${e.offline ? ' (offline)' : ''}`, title: e.event, command: { method: 'event.bind', params } });
  }
  for (const e of snap.events) {
    // ONAPPINSTALL is set in the app's card, not by us.
    if (e.event === 'ONAPPINSTALL' || desiredEvents.has(eventKey(e.event, e.offline, e.handler))) continue;
    const params = e.offline ? { event: e.event, event_type: 'offline' } : { event: e.event, handler: e.handler };
    changes.push({ action: 'delete', kind: 'event', key: `${e.event}${e.offline ? ' (offline)' : ''}`, title: e.event, command: { method: 'event.unbind', params } });
  }

  // Placements: there is no placement.update, so a changed title is unbind + bind.
  for (const p of appContext ? manifest.placements : []) {
    const handler = urls.placement(p.page);
    const title = ru(p.title);
    const existing = snap.placements.find((x) => x.placement === p.code && x.handler === handler);
    const bind: BatchCommand = {
      method: 'placement.bind',
      params: { PLACEMENT: p.code, HANDLER: handler, TITLE: title, ...(p.description ? { DESCRIPTION: ru(p.description) } : {}), LANG_ALL: { ru: { TITLE: title } } },
    };
    if (!existing) {
      changes.push({ action: 'create', kind: 'placement', key: `${p.code}:${p.page}`, title, command: bind });
    } else if (existing.title !== title) {
      changes.push({ action: 'update', kind: 'placement', key: `${p.code}:${p.page}`, title, command: { method: 'placement.unbind', params: { PLACEMENT: p.code, HANDLER: handler } } });
      changes.push({ action: 'update', kind: 'placement', key: `${p.code}:${p.page}`, title, command: bind });
    }
  }
  for (const x of snap.placements) {
    const ours = manifest.placements.some((p) => p.code === x.placement && urls.placement(p.page) === x.handler);
    if (!ours) changes.push({ action: 'delete', kind: 'placement', key: `${x.placement}:${x.handler}`, title: x.title || x.placement, command: { method: 'placement.unbind', params: { PLACEMENT: x.placement, HANDLER: x.handler } } });
  }

  // Deal pipelines and their stages.
  for (const p of manifest.pipelines) {
    const name = titleWithSuffix(target, p.name);
    const cat = known.dealCategories[p.key];
    if (cat === undefined) {
      changes.push({
        action: 'create',
        kind: 'pipeline',
        key: p.key,
        title: name,
        createsContainer: true,
        ref: containerRef('pipeline', p.key),
        command: { method: 'crm.category.add', params: { entityTypeId: ENTITY_TYPE.deal, fields: { name, sort: p.sort, originatorId: ORIGINATOR, originId: `${p.key}${target.codeSuffix}` } } },
      });
      continue;
    }
    map[mapKeys.pipelineCategory(p.key)] = String(cat);
    const portalCat = snap.dealCategories.find((c) => c.id === cat)!;
    if (portalCat.name !== name || portalCat.sort !== p.sort) {
      changes.push({ action: 'update', kind: 'pipeline', key: p.key, title: name, command: { method: 'crm.category.update', params: { entityTypeId: ENTITY_TYPE.deal, id: cat, fields: { name, sort: p.sort } } } });
    }
    const entityId = dealStageEntityId(cat);
    const rows = snap.stages[entityId];
    if (!rows) {
      needsDetails = true;
      continue;
    }
    diffStages('pipeline', p.key, p.stages, rows, entityId, (k) => dealStageId(cat, k), changes, conflicts, map);
  }

  // Smart processes, their stages and fields.
  for (const s of manifest.smartProcesses) {
    const title = titleWithSuffix(target, s.title);
    const k = known.spa[s.key];
    const relations = { parent: s.parents.map((entityTypeId) => ({ entityTypeId, isChildrenListEnabled: 'true' })) };
    if (!k) {
      const ref = containerRef('spa', s.key);
      changes.push({ action: 'create', kind: 'smartProcess', key: s.key, title, createsContainer: true, ref, command: { method: 'crm.type.add', params: { fields: { title, ...s.flags, relations } } } });
      // A new type has no fields: create them in the same batch, naming the type by reference.
      for (const f of s.fields) diffSpaField(s.key, `{{${ref}}}[type][id]`, f, undefined, target, changes, conflicts);
      continue;
    }
    map[mapKeys.spaEntityType(s.key)] = String(k.entityTypeId);
    map[mapKeys.spaTypeId(s.key)] = String(k.typeId);
    const type = snap.types.find((t) => t.entityTypeId === k.entityTypeId)!;
    const flagDrift = Object.entries(s.flags).filter(([f, v]) => type.flags[f] !== undefined && type.flags[f] !== v);
    // Relations come only from crm.type.get; unread (null) means "don't know", not "none".
    const parents = type.parents;
    const parentDrift = parents !== null && s.parents.some((pid) => !parents.some((p) => p.entityTypeId === pid));
    if (type.title !== title || flagDrift.length || parentDrift) {
      // Relations are replaced wholesale: keep the parents someone else added; predefined ones stay by themselves.
      const keep = (parents ?? []).filter((p) => !p.predefined && !s.parents.includes(p.entityTypeId)).map((p) => ({ entityTypeId: p.entityTypeId, isChildrenListEnabled: p.childrenList ? 'true' : 'false' }));
      const merged = { parent: [...keep, ...relations.parent] };
      changes.push({ action: 'update', kind: 'smartProcess', key: s.key, title, command: { method: 'crm.type.update', params: { id: k.typeId, fields: { title, ...s.flags, ...(parentDrift ? { relations: merged } : {}) } } } });
    }
    const fields = snap.spaFields[k.typeId];
    if (k.categoryId === undefined || !fields || !snap.stages[spaStageEntityId(k.entityTypeId, k.categoryId)]) {
      needsDetails = true;
      continue;
    }
    map[mapKeys.spaCategory(s.key)] = String(k.categoryId);
    const entityId = spaStageEntityId(k.entityTypeId, k.categoryId);
    diffStages('spa', s.key, s.stages, snap.stages[entityId]!, entityId, (key) => spaStageId(k.entityTypeId, k.categoryId!, key), changes, conflicts, map);
    for (const f of s.fields) {
      const name = spaFieldName(target, k.typeId, f.name);
      const portal = fields.find((x) => x.fieldName === name);
      map[mapKeys.spaField(s.key, f.key)] = name;
      mapEnumItems(`${s.key}.${f.key}`, portal, map);
      diffSpaField(s.key, k.typeId, f, portal, target, changes, conflicts);
    }
  }

  // Deal, contact and company fields.
  for (const f of manifest.userFields) {
    const name = userFieldName(target, f.name);
    const portal = snap.userFields[`${f.entity}:${name}`];
    map[mapKeys.field(f.key)] = name;
    mapEnumItems(f.key, portal, map);
    diffUserField(f, portal, target, changes, conflicts);
  }

  return { changes, conflicts, known, needsDetails, map, ...(appContext ? {} : { notes: [opts.note ?? WEBHOOK_PLAN_NOTE] }) };
}
