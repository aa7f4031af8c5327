import type { BatchCommand, RestClient } from '../rest/types.js';
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
  parents: number[];
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
  const relations = (r.relations ?? {}) as { parent?: Row[] };
  return {
    id: Number(r.id),
    entityTypeId: Number(r.entityTypeId),
    title: str(r.title),
    flags,
    parents: (relations.parent ?? []).map((p) => Number(p.entityTypeId)),
  };
}

/** Reads everything in one batch (one HTTP request), whatever the manifest's size within 50 commands. */
export async function readSnapshot(client: RestClient, manifest: Manifest, target: InstallTarget, known: KnownIds): Promise<Snapshot> {
  const commands: { name: string; cmd: BatchCommand }[] = [
    { name: 'robots', cmd: { method: 'bizproc.robot.list' } },
    { name: 'events', cmd: { method: 'event.get' } },
    { name: 'placements', cmd: { method: 'placement.get' } },
    { name: 'types', cmd: { method: 'crm.type.list', params: { order: { id: 'ASC' } } } },
    { name: 'dealCategories', cmd: { method: 'crm.category.list', params: { entityTypeId: 2 } } },
  ];
  for (const p of manifest.pipelines) {
    const cat = known.dealCategories[p.key];
    if (cat !== undefined) {
      const entityId = dealStageEntityId(cat);
      commands.push({ name: `stages:${entityId}`, cmd: { method: 'crm.status.list', params: { order: { SORT: 'ASC' }, filter: { ENTITY_ID: entityId } } } });
    }
  }
  for (const s of manifest.smartProcesses) {
    const k = known.spa[s.key];
    if (!k) continue;
    commands.push({ name: `spaCategories:${k.entityTypeId}`, cmd: { method: 'crm.category.list', params: { entityTypeId: k.entityTypeId } } });
    commands.push({ name: `spaFields:${k.typeId}`, cmd: { method: 'userfieldconfig.list', params: { moduleId: 'crm', filter: { entityId: `CRM_${k.typeId}` } } } });
    if (k.categoryId !== undefined) {
      const entityId = spaStageEntityId(k.entityTypeId, k.categoryId);
      commands.push({ name: `stages:${entityId}`, cmd: { method: 'crm.status.list', params: { order: { SORT: 'ASC' }, filter: { ENTITY_ID: entityId } } } });
    }
  }
  for (const f of manifest.userFields) {
    const name = userFieldName(target, f.name);
    commands.push({ name: `uf:${f.entity}:${name}`, cmd: { method: `crm.${f.entity}.userfield.list`, params: { filter: { FIELD_NAME: name, LANG: 'ru' } } } });
  }

  const outcomes = await client.batch(commands.map((c) => c.cmd));
  const snap: Snapshot = { robots: [], events: [], placements: [], types: [], dealCategories: [], stages: {}, spaCategories: {}, userFields: {}, spaFields: {} };
  commands.forEach(({ name }, i) => {
    const o = outcomes[i];
    if (!o || !o.ok) {
      throw new Error(`registry read ${name} failed: ${o && !o.ok ? `${o.error.code} ${o.error.description}` : 'no answer'}`);
    }
    const r = o.result as unknown;
    const [kind, arg] = name.split(/:(.*)/s) as [string, string | undefined];
    switch (kind) {
      case 'robots':
        snap.robots = Array.isArray(r) ? r.map(str) : [];
        break;
      case 'events':
        snap.events = (Array.isArray(r) ? (r as Row[]) : []).map((e) => ({ event: str(e.event).toUpperCase(), handler: str(e.handler), offline: yes(e.offline) }));
        break;
      case 'placements':
        snap.placements = (Array.isArray(r) ? (r as Row[]) : []).map((p) => ({ placement: str(p.placement), handler: str(p.handler), title: str(p.title) }));
        break;
      case 'types':
        snap.types = (((r as Row).types ?? []) as Row[]).map(toType);
        break;
      case 'dealCategories':
        snap.dealCategories = (((r as Row).categories ?? []) as Row[]).map(toCategory);
        break;
      case 'stages':
        snap.stages[arg!] = (Array.isArray(r) ? (r as Row[]) : []).map(toStage);
        break;
      case 'spaCategories':
        snap.spaCategories[Number(arg)] = (((r as Row).categories ?? []) as Row[]).map(toCategory);
        break;
      case 'spaFields':
        snap.spaFields[Number(arg)] = (((r as Row).fields ?? []) as Row[]).map(toSpaField);
        break;
      case 'uf': {
        const rows = Array.isArray(r) ? (r as Row[]) : [];
        snap.userFields[arg!] = rows[0] ? toUserField(rows[0]) : null;
        break;
      }
    }
  });
  return snap;
}
