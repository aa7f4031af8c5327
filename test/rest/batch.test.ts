import { readFileSync } from 'node:fs';
import nock from 'nock';
import qs from 'qs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchCommandString, phpQuery } from '../../app/rest/query.js';
import { CONTRACT_DIR, FakeError } from './fakes.js';
import { setupPortal } from './setup.js';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A contract batch answer with its command keys renamed to ours (c0, c1 …). */
function contractBatch(file: string, keys: Record<string, string>): unknown {
  let text = readFileSync(`${CONTRACT_DIR}/${file}`, 'utf8');
  for (const [from, to] of Object.entries(keys)) text = text.replaceAll(`"${from}"`, `"${to}"`);
  return JSON.parse(text) as unknown;
}

describe('phpQuery (http_build_query)', () => {
  it('writes PHP bracket keys, 1/0 booleans, drops nulls, leaves batch references raw', () => {
    const q = phpQuery({ entityTypeId: 2, filter: { '>id': '$result[p0][items][49][id]', '%title': 'a b&c' }, select: ['id', 'title'], flag: true, off: false, none: null });
    expect(q).toBe('entityTypeId=2&filter[%3Eid]=$result[p0][items][49][id]&filter[%25title]=a+b%26c&select[0]=id&select[1]=title&flag=1&off=0');
    expect(qs.parse(q)).toEqual({ entityTypeId: '2', filter: { '>id': '$result[p0][items][49][id]', '%title': 'a b&c' }, select: ['id', 'title'], flag: '1', off: '0' });
  });

  it('builds `method?query` and bare methods', () => {
    expect(batchCommandString('user.current', undefined)).toBe('user.current');
    expect(batchCommandString('crm.item.get', { entityTypeId: 2, id: 5 })).toBe('crm.item.get?entityTypeId=2&id=5');
  });
});

describe('batch', () => {
  it('packs 120 commands into 3 requests (50, 50, 20) and returns outcomes in order', async () => {
    const { client, fake } = setupPortal();
    fake.handle('crm.item.get', (p) => (Number(p.id) % 40 === 7 ? new FakeError('NOT_FOUND', `item ${String(p.id)} not found`) : { item: { id: Number(p.id), title: p.title } }));
    const commands = Array.from({ length: 120 }, (_, i) => ({ method: 'crm.item.get', params: { entityTypeId: 2, id: i, title: `T ${i} & co` } }));

    const outcomes = await client.batch<{ item: { id: number; title: string } }>(commands);

    expect(fake.requests.map((r) => Object.keys(r.cmd ?? {}).length)).toEqual([50, 50, 20]);
    expect(outcomes).toHaveLength(120);
    outcomes.forEach((o, i) => {
      if (i % 40 === 7) expect(o).toEqual({ ok: false, error: { code: 'NOT_FOUND', description: `item ${i} not found` } });
      else expect(o).toEqual({ ok: true, result: { item: { id: i, title: `T ${i} & co` } } });
    });
    expect(client.counts()).toMatchObject({ requests: 3, methods: { 'crm.item.get': 120 }, mutations: 0 });
  });

  it('maps halt=0 sub-errors from the contract answer (batch.error-halt0.response.json)', async () => {
    const { client, fake } = setupPortal();
    fake.script('batch', { status: 200, body: contractBatch('batch.error-halt0.response.json', { get_user: 'c0', get_department: 'c1' }) });

    const outcomes = await client.batch([{ method: 'user.current' }, { method: 'department.get', params: { ID: 1 } }]);

    expect(outcomes).toEqual([
      { ok: false, error: { code: 'insufficient_scope', description: '' } },
      { ok: false, error: { code: 'insufficient_scope', description: '' } },
    ]);
    expect(fake.requests[0]?.cmd).toEqual({ c0: 'user.current', c1: 'department.get?ID=1' });
  });

  it('maps results and result_total from the contract answer (batch.response.json)', async () => {
    const { client, fake } = setupPortal();
    fake.script('batch', { status: 200, body: contractBatch('batch.response.json', { get_user: 'c0', get_department: 'c1' }) });

    const [user, department] = await client.batch([{ method: 'user.current' }, { method: 'department.get', params: { ID: 1 } }]);

    expect(user).toMatchObject({ ok: true, result: { ID: '1', NAME: 'John' } });
    expect(user).not.toHaveProperty('total');
    expect(department).toEqual({ ok: true, result: [{ ID: '1', NAME: 'DEMO', SORT: 500 }], total: 1 });
  });

  it('waits out a whole-batch rate limit and repeats even a batch with *.add (nothing ran)', async () => {
    const { client, fake, sleeps } = setupPortal();
    fake.handle('crm.item.add', () => ({ item: { id: 1 } }));
    fake.script('batch', { status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } });

    const outcomes = await client.batch([{ method: 'crm.item.add', params: { fields: { title: 'x' } } }]);
    expect(outcomes).toEqual([{ ok: true, result: { item: { id: 1 } } }]);
    expect(fake.count('batch')).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('does not repeat a batch containing *.add after a 500, but repeats a read-only batch', async () => {
    const { client, fake } = setupPortal();
    fake.handle('crm.item.add', () => ({ item: { id: 1 } }));
    fake.handle('crm.item.get', () => ({ item: { id: 1 } }));
    const internal = { status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: '' } };
    fake.script('batch', internal);

    await expect(client.batch([{ method: 'crm.item.get', params: { id: 1 } }, { method: 'crm.item.add', params: { fields: {} } }])).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR', method: 'batch' });
    expect(fake.count('batch')).toBe(1);

    fake.script('batch', internal);
    await expect(client.batch([{ method: 'crm.item.get', params: { id: 1 } }])).resolves.toEqual([{ ok: true, result: { item: { id: 1 } } }]);
    expect(fake.count('batch')).toBe(3);
  });

  it('repeats only the sub-commands refused by an operating limit', async () => {
    const { client, fake } = setupPortal();
    let refused = false;
    fake.handle('crm.item.add', (p) => {
      if (p.fields && (p.fields as { title?: string }).title === 'b' && !refused) {
        refused = true;
        return new FakeError('OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', 429);
      }
      return { item: { title: (p.fields as { title?: string }).title } };
    });

    const outcomes = await client.batch([
      { method: 'crm.item.add', params: { fields: { title: 'a' } } },
      { method: 'crm.item.add', params: { fields: { title: 'b' } } },
    ]);
    expect(outcomes).toEqual([
      { ok: true, result: { item: { title: 'a' } } },
      { ok: true, result: { item: { title: 'b' } } },
    ]);
    expect(fake.requests.map((r) => Object.keys(r.cmd ?? {}))).toEqual([['c0', 'c1'], ['c1']]);
  });

  it('an empty command list makes no request', async () => {
    const { client, fake } = setupPortal();
    await expect(client.batch([])).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});
