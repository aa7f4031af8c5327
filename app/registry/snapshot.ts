import type { BatchCommand, BatchOutcome, RestClient } from '../rest/types.js';
import type { Manifest } from './manifest.js';
import { dealStageEntityId, spaStageEntityId, userFieldName, type InstallTarget } from './names.js';

/** What the portal has of the things we register, read in one batch. */
export interface Snapshot {
  robots: string[];
  events: { event: string; handler: string; offline: boolean }[];
  placements: { placement: string; handler: string; title: string }[];
  types: PortalType[];
  dealCategories: PortalCategory[];
  /** Stage rows by ENTITY_ID (only for the pipelines we know). */
  stages: Record<string, PortalStage[]>;
  /** Categories of our smart processes, by entityTypeId. */
  spaCategories: Record<number, PortalCategory[]>;
  /** Our deal/contact/company fields by `${entity}:${FIELD_NAME}`; null when absent. */
  userFields: Record<string, PortalUserField | null>;
  /** Fields of our smart processes by type id. */
  spaFields: Record<number, PortalSpaField[]>;
}

export interface PortalType {
  id: number;
  entityTypeId: number;
  title: string;
  flags: Record<string, string>;
  /**
   * Parent relations, or null when not read: crm.type.list does not return relations, only
   * crm.type.get (and crm.type.add/update) do.
   */
  parents: PortalRelation[] | null;
}
export interface PortalRelation {
  entityTypeId: number;
  /** The portal's own (client) relations that follow isClientEnabled; they can't be changed. */
  predefined: boolean;
  childrenList: boolean;
}
export interface PortalCategory {
  id: number;
  name: string;
  sort: number;
  isDefault: boolean;
  originatorId?: string;
  originId?: string;
}
export interface PortalStage {
  id: string;
  statusId: string;
  name: string;
  sort: number;
  color: string;
  semantics: 'process' | 'success' | 'failure';
  system: boolean;
}
export interface PortalUserField {
  id: string;
  fieldName: string;
  type: string;
  multiple: boolean;
  mandatory: boolean;
  label: string;
  list: { id: string; value: string; xmlId: string }[];
}
export interface PortalSpaField extends PortalUserField {}

/** Container ids we already know (from SQLite or from the previous read). */
export interface KnownIds {
  dealCategories: Record<string, number>;
  spa: Record<string, { entityTypeId: number; typeId: number; categoryId?: number }>;
}

/**
 * A container id, or a placeholder for one that a command earlier in the same batch creates
 * (`{{change:pipeline:membership}}[category][id]`, see pack.ts).
 */
export type IdRef = number | string;
export interface ContainerRefs {
  dealCategories: Record<string, IdRef>;
  spa: Record<string, { entityTypeId: IdRef; typeId: IdRef; categoryId?: IdRef }>;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const yes = (v: unknown): boolean => v === 'Y' || v === true || v === 1 || v === '1';

function toStage(r: Row): PortalStage {
  const extra = (r.EXTRA ?? {}) as Row;
  const sem = str(extra.SEMANTICS) || (r.SEMANTICS === 'S' ? 'success' : r.SEMANTICS === 'F' ? 'failure' : 'process');
  return {
    id: str(r.ID),
    statusId: str(r.STATUS_ID),
    name: str(r.NAME),
    sort: Number(r.SORT ?? 0),
    color: str(r.COLOR || extra.COLOR).toUpperCase(),
    semantics: sem as PortalStage['semantics'],
    system: yes(r.SYSTEM),
  };
}

function label(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return str(o.ru ?? o.en ?? Object.values(o).find((x) => x));
  }
  return '';
}

function toUserField(r: Row): PortalUserField {
  const list = (Array.isArray(r.LIST) ? r.LIST : []) as Row[];
  return {
    id: str(r.ID),
    fieldName: str(r.FIELD_NAME),
    type: str(r.USER_TYPE_ID),
    multiple: yes(r.MULTIPLE),
    mandatory: yes(r.MANDATORY),
    label: label(r.EDIT_FORM_LABEL) || label(r.LIST_COLUMN_LABEL),
    list: list.map((i) => ({ id: str(i.ID), value: str(i.VALUE), xmlId: str(i.XML_ID) })),
  };
}

function toSpaField(r: Row): PortalSpaField {
  const list = (Array.isArray(r.enum) ? r.enum : []) as Row[];
  return {
    id: str(r.id),
    fieldName: str(r.fieldName),
    type: str(r.userTypeId),
    multiple: yes(r.multiple),
    mandatory: yes(r.mandatory),
    label: label(r.editFormLabel),
    list: list.map((i) => ({ id: str(i.id), value: str(i.value), xmlId: str(i.xmlId) })),
  };
}

function toCategory(r: Row): PortalCategory {
  return {
    id: Number(r.id),
    name: str(r.name),
    sort: Number(r.sort ?? 0),
    isDefault: yes(r.isDefault),
    originatorId: r.originatorId === undefined ? undefined : str(r.originatorId),
    originId: r.originId === undefined ? undefined : str(r.originId),
  };
}

function toType(r: Row): PortalType {
  const flags: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (/^is[A-Z]\w*Enabled$/.test(k)) flags[k] = str(v);
  const relations = r.relations as { parent?: Row[] } | undefined;
  return {
    id: Number(r.id),
    entityTypeId: Number(r.entityTypeId),
    title: str(r.title),
    flags,
    parents: relations
      ? (relations.parent ?? []).map((p) => ({ entityTypeId: Number(p.entityTypeId), predefined: yes(p.isPredefined), childrenList: yes(p.isChildrenListEnabled) }))
      : null,
  };
}

/** One read of the snapshot; `name` says what it is, `ref` lets later commands of the batch use its result. */
export interface ReadCommand {
  name: string;
  ref: string;
  cmd: BatchCommand;
}

const read = (name: string, cmd: BatchCommand): ReadCommand => ({ name, ref: `read:${name}`, cmd });
const stagesRead = (name: string, entityId: string) => read(name, { method: 'crm.status.list', params: { order: { SORT: 'ASC' }, filter: { ENTITY_ID: entityId } } });
const stageEntity = (prefix: string, id: IdRef) => (typeof id === 'number' ? dealStageEntityId(id) : `${prefix}${id}`);

export interface SnapshotScope {
  /** Read only these containers' details and the container lists, nothing else (after creating them). */
  only?: { pipelines: string[]; spa: string[] };
  /** Read only the reads of these names (and the reads they reference), e.g. what a round changed. */
  names?: ReadonlySet<string>;
}

/**
 * The snapshot reads that show a change's effect: what to read again to verify it. Stage and
 * field keys are `<container key>.<key>`; deal/contact/company field keys are manifest keys.
 */
export function readsShowing(manifest: Manifest, target: InstallTarget, change: { kind: string; key: string }): string[] {
  const owner = change.key.slice(0, change.key.indexOf('.'));
  switch (change.kind) {
    case 'robot':
      return ['robots'];
    case 'event':
      return ['events'];
    case 'placement':
      return ['placements'];
    case 'pipeline':
      return ['dealCategories'];
    case 'smartProcess':
      return ['types', `spaType:${change.key}`];
    case 'stage':
      return [
        ...(manifest.pipelines.some((p) => p.key === owner) ? [`stages:pipeline:${owner}`] : []),
        ...(manifest.smartProcesses.some((p) => p.key === owner) ? [`stages:spa:${owner}`] : []),
      ];
    case 'userField': {
      const f = manifest.userFields.find((u) => u.key === change.key);
      return f ? [`uf:${f.entity}:${userFieldName(target, f.name)}`] : [`spaFields:${owner}`];
    }
    default:
      return [];
  }
}

/** The named reads plus, transitively, the reads they reference. */
function selectReads(commands: ReadCommand[], names: ReadonlySet<string>): ReadCommand[] {
  const keep = new Set([...names]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of commands) {
      if (!keep.has(c.name)) continue;
      for (const m of JSON.stringify(c.cmd.params ?? {}).matchAll(/\{\{read:([^{}]+)\}\}/g)) {
        if (!keep.has(m[1]!)) {
          keep.add(m[1]!);
          grew = true;
        }
      }
    }
  }
  return commands.filter((c) => keep.has(c.name));
}

/**
 * The reads of a snapshot. Ids may be placeholders for containers created earlier in the same
 * batch: their stages and fields are then read in that batch, right after they were made.
 */
export function snapshotCommands(manifest: Manifest, target: InstallTarget, known: ContainerRefs, scope: SnapshotScope = {}): ReadCommand[] {
  const only = scope.only;
  const commands: ReadCommand[] = [];
  if (!only) {
    commands.push(read('robots', { method: 'bizproc.robot.list' }), read('events', { method: 'event.get' }), read('placements', { method: 'placement.get' }));
  }
  if (!only || only.spa.length) commands.push(read('types', { method: 'crm.type.list', params: { order: { id: 'ASC' } } }));
  if (!only || only.pipelines.length) commands.push(read('dealCategories', { method: 'crm.category.list', params: { entityTypeId: 2 } }));
  for (const p of manifest.pipelines) {
    if (only && !only.pipelines.includes(p.key)) continue;
    const cat = known.dealCategories[p.key];
    if (cat !== undefined) commands.push(stagesRead(`stages:pipeline:${p.key}`, stageEntity('DEAL_STAGE_', cat)));
  }
  for (const s of manifest.smartProcesses) {
    if (only && !only.spa.includes(s.key)) continue;
    const k = known.spa[s.key];
    if (!k) continue;
    commands.push(read(`spaType:${s.key}`, { method: 'crm.type.get', params: { id: k.typeId } }));
    const categories = read(`spaCategories:${s.key}`, { method: 'crm.category.list', params: { entityTypeId: k.entityTypeId } });
    commands.push(categories);
    commands.push(read(`spaFields:${s.key}`, { method: 'userfieldconfig.list', params: { moduleId: 'crm', filter: { entityId: `CRM_${k.typeId}` } } }));
    // A type made in this batch has exactly one category (its default): read its stages by reference.
    const categoryId = k.categoryId ?? (typeof k.typeId === 'string' ? `{{${categories.ref}}}[categories][0][id]` : undefined);
    if (categoryId !== undefined) commands.push(stagesRead(`stages:spa:${s.key}`, `DYNAMIC_${k.entityTypeId}_STAGE_${categoryId}`));
  }
  if (!only) {
    for (const f of manifest.userFields) {
      const name = userFieldName(target, f.name);
      commands.push(read(`uf:${f.entity}:${name}`, { method: `crm.${f.entity}.userfield.list`, params: { filter: { FIELD_NAME: name, LANG: 'ru' } } }));
    }
  }
  return scope.names ? selectReads(commands, scope.names) : commands;
}

export const emptySnapshot = (): Snapshot => ({ robots: [], events: [], placements: [], types: [], dealCategories: [], stages: {}, spaCategories: {}, userFields: {}, spaFields: {} });

/**
 * Files the answers of `snapshotCommands` into `into` (parts read replace what was there), with
 * `known` the containers' real ids by then. Throws when a read failed: planning on a partial
 * picture could delete or duplicate things.
 */
export function parseSnapshot(reads: ReadCommand[], outcomes: BatchOutcome[], known: KnownIds, into: Snapshot = emptySnapshot()): Snapshot {
  const snap: Snapshot = { ...into, stages: { ...into.stages }, spaCategories: { ...into.spaCategories }, userFields: { ...into.userFields }, spaFields: { ...into.spaFields } };
  const results = new Map<string, unknown>();
  reads.forEach(({ name }, i) => {
    const o = outcomes[i];
    if (!o || !o.ok) throw new Error(`registry read ${name} failed: ${o && !o.ok ? `${o.error.code} ${o.error.description}` : 'no answer'}`);
    results.set(name, o.result);
  });
  const list = (r: unknown): Row[] => (Array.isArray(r) ? (r as Row[]) : []);
  const inner = (r: unknown, key: string): Row[] => list((r as Row | null | undefined)?.[key]);
  const spaTypeIds = new Map<string, { entityTypeId: number; typeId: number; categoryId?: number }>(Object.entries(known.spa));
  const typeDetails: PortalType[] = [];

  // Lists first: the stages of a new smart process are filed under its default category.
  for (const [name, r] of results) {
    const [kind, arg = ''] = name.split(/:(.*)/s) as [string, string?];
    switch (kind) {
      case 'robots':
        snap.robots = list(r).map(str);
        break;
      case 'events':
        snap.events = list(r).map((e) => ({ event: str(e.event).toUpperCase(), handler: str(e.handler), offline: yes(e.offline) }));
        break;
      case 'placements':
        snap.placements = list(r).map((p) => ({ placement: str(p.placement), handler: str(p.handler), title: str(p.title) }));
        break;
      case 'types':
        snap.types = inner(r, 'types').map(toType);
        break;
      case 'dealCategories':
        snap.dealCategories = inner(r, 'categories').map(toCategory);
        break;
      case 'spaType': {
        const type = (r as Row | null | undefined)?.type as Row | undefined;
        if (type) typeDetails.push(toType(type));
        break;
      }
      case 'spaCategories': {
        const k = spaTypeIds.get(arg);
        if (!k) break;
        const cats = inner(r, 'categories').map(toCategory);
        snap.spaCategories[k.entityTypeId] = cats;
        if (k.categoryId === undefined) {
          const def = cats.find((c) => c.isDefault) ?? cats[0];
          if (def) spaTypeIds.set(arg, { ...k, categoryId: def.id });
        }
        break;
      }
      case 'uf': {
        const rows = list(r);
        snap.userFields[arg] = rows[0] ? toUserField(rows[0]) : null;
        break;
      }
    }
  }
  // crm.type.list has no relations: take them (and the freshest flags) from crm.type.get.
  for (const t of typeDetails) {
    const i = snap.types.findIndex((x) => x.entityTypeId === t.entityTypeId);
    if (i >= 0) snap.types[i] = t;
    else snap.types.push(t);
  }
  for (const [name, r] of results) {
    const [kind, arg = ''] = name.split(/:(.*)/s) as [string, string?];
    if (kind === 'spaFields') {
      const k = spaTypeIds.get(arg);
      if (k) snap.spaFields[k.typeId] = inner(r, 'fields').map(toSpaField);
    } else if (kind === 'stages') {
      const [family, key = ''] = arg.split(/:(.*)/s) as [string, string?];
      if (family === 'pipeline') {
        const cat = known.dealCategories[key];
        if (cat !== undefined) snap.stages[dealStageEntityId(cat)] = list(r).map(toStage);
      } else {
        const k = spaTypeIds.get(key);
        if (k?.categoryId !== undefined) snap.stages[spaStageEntityId(k.entityTypeId, k.categoryId)] = list(r).map(toStage);
      }
    }
  }
  return snap;
}

/** Reads everything in one batch (one HTTP request, while the reads fit in 50 commands). */
export async function readSnapshot(client: RestClient, manifest: Manifest, target: InstallTarget, known: KnownIds): Promise<Snapshot> {
  const reads = snapshotCommands(manifest, target, known);
  const outcomes = await client.batch(reads.map((r) => r.cmd));
  return parseSnapshot(reads, outcomes, known);
}
