import { describe, expect, it } from 'vitest';
import { planChanges } from '../../app/registry/diff.js';
import { loadManifest } from '../../app/registry/manifest.js';
import type { Snapshot } from '../../app/registry/snapshot.js';

const manifest = loadManifest();
const target = { memberId: 'm', publicUrl: 'https://du.example.org', codeSuffix: '', authUserId: 1 };
const empty = (): Snapshot => ({ robots: [], events: [], placements: [], types: [], dealCategories: [{ id: 0, name: 'Общая', sort: 100, isDefault: true }], stages: {}, spaCategories: {}, userFields: {}, spaFields: {} });

describe('registry plan', () => {
  it('creates everything on an empty portal, containers first', () => {
    const plan = planChanges(manifest, empty(), target, { dealCategories: {}, spa: {} }, {});
    const by = (kind: string) => plan.changes.filter((c) => c.kind === kind);
    expect(by('robot').map((c) => c.command.method)).toEqual(['bizproc.robot.add']);
    expect(by('event')).toHaveLength(manifest.events.length);
    expect(by('pipeline')[0]!.command.params).toMatchObject({ entityTypeId: 2, fields: { name: 'Вступление в профсоюз', originatorId: 'digital-union' } });
    expect(by('smartProcess')[0]!.command.params).toMatchObject({ fields: { title: 'Постановления', relations: { parent: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } } });
    expect(by('userField')).toHaveLength(manifest.userFields.length);
    expect(by('robot')[0]!.command.params).toMatchObject({ HANDLER: 'https://du.example.org/robots/set-member-status', USE_SUBSCRIPTION: 'Y', DOCUMENT_TYPE: ['crm', 'CCrmDocumentDeal', 'DEAL'] });
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
});
