import { describe, expect, it } from 'vitest';
import { pendingContainers, planChanges } from '../../app/registry/diff.js';
import { readsShowing, snapshotCommands, type PortalType } from '../../app/registry/snapshot.js';
import { loadManifest } from '../../app/registry/manifest.js';
import type { Snapshot } from '../../app/registry/snapshot.js';

const manifest = loadManifest();
const target = { memberId: 'm', publicUrl: 'https://du.example.org', codeSuffix: '', authUserId: 1 };
const empty = (): Snapshot => ({ robots: [], events: [], placements: [], types: [], dealCategories: [{ id: 0, name: 'Общая', sort: 100, isDefault: true }], stages: {}, spaCategories: {}, userFields: {}, spaFields: {} });

describe('registry plan', () => {
  it('creates everything on an empty portal, containers first', () => {
    const plan = planChanges(manifest, empty(), target, { dealCategories: {}, spa: {} }, {});
    const by = (kind: string) => plan.changes.filter((c) => c.kind === kind);
    expect(by('robot').map((c) => c.command.method)).toEqual(manifest.robots.map(() => 'bizproc.robot.add'));
    expect(by('event')).toHaveLength(manifest.events.length);
    expect(by('pipeline')[0]!.command.params).toMatchObject({ entityTypeId: 2, fields: { name: 'Вступление в профсоюз', originatorId: 'digital-union' } });
    expect(by('smartProcess')[0]!.command.params).toMatchObject({ fields: { title: 'Постановления', relations: { parent: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } } });
    const spa = manifest.smartProcesses[0]!;
    expect(by('userField').filter((c) => !c.key.startsWith(`${spa.key}.`))).toHaveLength(manifest.userFields.length);
    // The new smart process's fields go in the same batch, naming the type by reference (pack.ts).
    const spaFields = by('userField').filter((c) => c.key.startsWith(`${spa.key}.`));
    expect(spaFields).toHaveLength(spa.fields.length);
    expect(spaFields[0]!.command.params).toMatchObject({ moduleId: 'crm', field: { entityId: `CRM_{{${by('smartProcess')[0]!.ref}}}[type][id]`, fieldName: `UF_CRM_{{change:spa:${spa.key}}}[type][id]_DU_${spa.fields[0]!.name}` } });
    expect(plan.changes.indexOf(by('smartProcess')[0]!)).toBeLessThan(plan.changes.indexOf(spaFields[0]!));
    expect(by('robot').find((c) => c.key === 'set-member-status')!.command.params).toMatchObject({ HANDLER: 'https://du.example.org/robots/set-member-status', USE_SUBSCRIPTION: 'Y', DOCUMENT_TYPE: ['crm', 'CCrmDocumentDeal', 'DEAL'] });
    expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
  });

  it('prefixes field names with the code suffix so two installs can share a portal', () => {
    const plan = planChanges(manifest, empty(), { ...target, codeSuffix: 'dev' }, { dealCategories: {}, spa: {} }, {});
    const uf = plan.changes.find((c) => c.key === 'contact.status')!;
    expect((uf.command.params as { fields: { FIELD_NAME: string } }).fields.FIELD_NAME).toBe('DUDEV_STATUS');
    expect(plan.changes.find((c) => c.kind === 'pipeline')!.title).toBe('Вступление в профсоюз (dev)');
  });

  it('deletes only the stale registrations of this app and never the portal\'s ONAPPINSTALL', () => {
    const snap = empty();
    snap.robots = ['old-robot'];
    snap.events = [
      { event: 'ONAPPINSTALL', handler: 'https://du.example.org/install', offline: false },
      { event: 'ONCRMLEADADD', handler: 'https://du.example.org/events', offline: false },
    ];
    const plan = planChanges(manifest, snap, target, { dealCategories: {}, spa: {} }, {});
    const deletes = plan.changes.filter((c) => c.action === 'delete');
    expect(deletes.map((c) => c.command.method).sort()).toEqual(['bizproc.robot.delete', 'event.unbind']);
    expect(deletes.find((c) => c.kind === 'event')!.command.params).toEqual({ event: 'ONCRMLEADADD', handler: 'https://du.example.org/events' });
  });

  it('reads the new containers in the same batch, by reference to their creates', () => {
    const plan = planChanges(manifest, empty(), target, { dealCategories: {}, spa: {} }, {});
    const pending = pendingContainers(plan);
    expect(pending.pipelines).toEqual(['membership']);
    expect(pending.spa).toEqual(['resolutions']);
    const reads = snapshotCommands(manifest, target, pending.refs, { only: pending });
    expect(reads.map((r) => r.name)).toEqual(['types', 'dealCategories', 'stages:pipeline:membership', 'spaType:resolutions', 'spaCategories:resolutions', 'spaFields:resolutions', 'stages:spa:resolutions']);
    expect(reads.find((r) => r.name === 'stages:pipeline:membership')!.cmd.params).toMatchObject({ filter: { ENTITY_ID: 'DEAL_STAGE_{{change:pipeline:membership}}[category][id]' } });
    expect(reads.at(-1)!.cmd.params).toMatchObject({ filter: { ENTITY_ID: 'DYNAMIC_{{change:spa:resolutions}}[type][entityTypeId]_STAGE_{{read:spaCategories:resolutions}}[categories][0][id]' } });
  });

  it('verifies a round by reading again only what it changed', () => {
    const plan = planChanges(manifest, empty(), target, { dealCategories: {}, spa: {} }, {});
    const names = new Set(plan.changes.flatMap((c) => readsShowing(manifest, target, c)));
    expect(names).toContain('robots');
    expect(names).toContain('uf:contact:UF_CRM_DU_STATUS');
    expect(names).toContain('spaFields:resolutions');
    expect(readsShowing(manifest, target, { kind: 'stage', key: 'membership.SIGNING' })).toEqual(['stages:pipeline:membership']);
    const known = { dealCategories: { membership: 5 }, spa: { resolutions: { entityTypeId: 1030, typeId: 7, categoryId: 9 } } };
    const reads = snapshotCommands(manifest, target, known, { names: new Set(['stages:pipeline:membership', 'uf:contact:UF_CRM_DU_STATUS']) });
    expect(reads.map((r) => r.name)).toEqual(['stages:pipeline:membership', 'uf:contact:UF_CRM_DU_STATUS']);
    // A read by reference brings the read it references along.
    const fresh = snapshotCommands(manifest, target, pendingContainers(plan).refs, { names: new Set(['stages:spa:resolutions']) });
    expect(fresh.map((r) => r.name)).toEqual(['spaCategories:resolutions', 'stages:spa:resolutions']);
  });

  describe('smart-process relations (crm.type.list has none; crm.type.get does)', () => {
    const spa = manifest.smartProcesses[0]!;
    const known = { dealCategories: {}, spa: { [spa.key]: { entityTypeId: 1030, typeId: 7, categoryId: 9 } } };
    const withType = (parents: PortalType['parents']): Snapshot => ({
      ...empty(),
      types: [{ id: 7, entityTypeId: 1030, title: spa.title, flags: { ...spa.flags }, parents }],
      spaCategories: { 1030: [{ id: 9, name: 'Общая', sort: 500, isDefault: true }] },
      spaFields: { 7: [] },
      stages: { DYNAMIC_1030_STAGE_9: [] },
    });
    const typeUpdates = (snap: Snapshot) => planChanges(manifest, snap, target, known, {}).changes.filter((c) => c.kind === 'smartProcess');

    it('does not update a type whose relations were not read', () => {
      expect(typeUpdates(withType(null))).toEqual([]);
    });

    it('does not update a type that has our parents', () => {
      const parents = [...spa.parents, 3].map((entityTypeId) => ({ entityTypeId, predefined: entityTypeId === 3, childrenList: true }));
      expect(typeUpdates(withType(parents))).toEqual([]);
    });

    it('adds a missing parent and keeps the others an admin set (relations are replaced wholesale)', () => {
      const [update] = typeUpdates(withType([{ entityTypeId: 3, predefined: true, childrenList: true }, { entityTypeId: 1, predefined: false, childrenList: false }]));
      expect(update!.command).toEqual({
        method: 'crm.type.update',
        params: { id: 7, fields: expect.objectContaining({ relations: { parent: [{ entityTypeId: 1, isChildrenListEnabled: 'false' }, ...spa.parents.map((entityTypeId) => ({ entityTypeId, isChildrenListEnabled: 'true' }))] } }) },
      });
    });
  });
});
