import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runBatch, type BatchEnvelope } from '../../app/rest/batch.js';
import { bindReferences, dependencyGroups, keepOneBatch, packBatches, referencesOf, type PackItem } from '../../app/registry/pack.js';

const single = (method: string, params?: Record<string, unknown>, ref?: string): PackItem => ({ cmd: { method, ...(params ? { params } : {}) }, ...(ref ? { ref } : {}) });

describe('registry batch packing', () => {
  it('finds the placeholders a command uses', () => {
    expect(referencesOf({ method: 'crm.status.list', params: { filter: { ENTITY_ID: 'DYNAMIC_{{a}}[type][entityTypeId]_STAGE_{{b}}[categories][0][id]' } } })).toEqual(['a', 'b']);
    expect(referencesOf({ method: 'event.get' })).toEqual([]);
  });

  it('groups commands connected by references, in the order of their first member', () => {
    const items = [
      single('event.bind', { event: 'X' }),
      single('crm.type.add', { fields: { title: 'T' } }, 'type'),
      single('crm.deal.userfield.add', { fields: { FIELD_NAME: 'F' } }),
      single('userfieldconfig.add', { field: { entityId: 'CRM_{{type}}[type][id]' } }),
      single('crm.category.list', { entityTypeId: '{{type}}[type][entityTypeId]' }, 'cats'),
      single('crm.status.list', { filter: { ENTITY_ID: 'DYNAMIC_{{type}}[type][entityTypeId]_STAGE_{{cats}}[categories][0][id]' } }),
    ];
    expect(dependencyGroups(items)).toEqual([[0], [1, 3, 4, 5], [2]]);
  });

  it('refuses a reference to a command that is not listed before it', () => {
    expect(() => dependencyGroups([single('a', { id: '{{later}}[id]' }), single('b', {}, 'later')])).toThrow(/not an earlier command/);
    expect(() => dependencyGroups([single('a', {}, 'x'), single('b', {}, 'x')])).toThrow(/two commands/);
  });

  it('fills batches up to 50 and never splits a group', () => {
    const items: PackItem[] = [];
    for (let i = 0; i < 45; i++) items.push(single('event.bind', { event: `E${i}` }));
    items.push(single('crm.category.add', { fields: { name: 'P' } }, 'cat'));
    for (let i = 0; i < 9; i++) items.push(single('crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_{{cat}}[category][id]', n: i } }));
    items.push(single('event.get'));
    const batches = packBatches(items);
    expect(batches.map((b) => b.length)).toEqual([45, 11]);
    expect(batches[1]![0]).toBe(45); // the group starts the second batch
    expect(batches[1]!.at(-1)).toBe(55); // the trailing read runs after everything listed before it
    expect(packBatches(items.slice(0, 30)).map((b) => b.length)).toEqual([30]);
  });

  it('refuses a group larger than one batch', () => {
    const items = [single('crm.type.add', {}, 't'), ...Array.from({ length: 50 }, () => single('userfieldconfig.add', { field: { entityId: 'CRM_{{t}}[type][id]' } }))];
    expect(() => packBatches(items)).toThrow(/cannot share one request/);
  });

  it('turns placeholders into $result references to positions within the batch', () => {
    const items = [
      single('event.bind', { event: 'X' }),
      single('crm.category.add', { entityTypeId: 2, fields: { name: 'P' } }, 'cat'),
      single('crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_{{cat}}[category][id]' }, list: ['{{cat}}[category][id]'] }),
    ];
    const [batch] = packBatches(items);
    expect(bindReferences(items, batch!)).toEqual([
      { method: 'event.bind', params: { event: 'X' } },
      { method: 'crm.category.add', params: { entityTypeId: 2, fields: { name: 'P' } } },
      { method: 'crm.status.list', params: { filter: { ENTITY_ID: 'DEAL_STAGE_$result[c1][category][id]' }, list: ['$result[c1][category][id]'] } },
    ]);
  });

  it('leaves independent items from the end for later when a round would overflow one batch', () => {
    const items: PackItem[] = [
      single('crm.category.add', { fields: { name: 'P' } }, 'cat'),
      ...Array.from({ length: 48 }, (_, i) => single('event.bind', { event: `E${i}` })),
      single('crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_{{cat}}[category][id]' } }),
      single('crm.category.list', { entityTypeId: 2 }),
      single('crm.type.list'),
    ];
    const reads = new Set([49, 50, 51]);
    const keep = keepOneBatch(items, (i) => !reads.has(i));
    expect(keep).toHaveLength(50);
    expect(keep).toEqual([...Array.from({ length: 47 }, (_, i) => i), 49, 50, 51]); // events 47 and 48 wait
    expect(keepOneBatch(items.slice(0, 10), () => true)).toHaveLength(10);
    // Nothing deferrable: the round keeps everything and packs into more batches.
    expect(keepOneBatch(items, () => false)).toHaveLength(items.length);
  });

  it('relies on RestClient.batch naming the commands of one call c0, c1 … in order', async () => {
    const sent: Record<string, string>[] = [];
    const sender = {
      async sendBatch(cmd: Record<string, string>): Promise<BatchEnvelope> {
        sent.push(cmd);
        return { result: Object.fromEntries(Object.keys(cmd).map((k) => [k, k])), result_error: {}, result_total: {}, result_next: {} };
      },
    };
    const ctx = { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, sleep: async () => undefined, random: () => 0, logger: pino({ level: 'silent' }) };
    const outcomes = await runBatch(sender, [{ method: 'a' }, { method: 'b', params: { x: '$result[c0][id]' } }, { method: 'c' }], ctx);
    expect(Object.keys(sent[0]!)).toEqual(['c0', 'c1', 'c2']);
    expect(sent[0]!.c1).toBe('b?x=$result[c0][id]');
    expect(outcomes.map((o) => (o.ok ? o.result : null))).toEqual(['c0', 'c1', 'c2']);
  });
});
