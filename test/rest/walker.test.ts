import nock from 'nock';
import qs from 'qs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestError } from '../../app/errors.js';
import { lastIdReference } from '../../app/rest/walker.js';
import { FakeError, listHandler } from './fakes.js';
import { setupPortal } from './setup.js';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Rows with gaps in their ids (deleted items), in shuffled storage order. */
function makeItems(count: number): { id: number; title: string; stageId: string }[] {
  const rows = Array.from({ length: count }, (_, i) => ({ id: 1000 + i * 3 + (i % 7), title: `Item ${i}`, stageId: i % 2 ? 'NEW' : 'WON' }));
  return rows.reverse();
}

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<{ rows: T[]; chunks: number }> {
  const rows: T[] = [];
  let chunks = 0;
  for await (const chunk of iterable) {
    rows.push(...chunk);
    chunks += 1;
  }
  return { rows, chunks };
}

describe('walk (batched keyset)', () => {
  it('walks 5,237 crm.item.list rows in ceil(pages/50) = 3 requests, in order, without duplicates', async () => {
    const items = makeItems(5237);
    const { client, fake } = setupPortal();
    fake.handle('crm.item.list', listHandler(items, { idField: 'id', container: 'items' }));

    const { rows, chunks } = await collect(client.walk<{ id: number; title: string }>('crm.item.list', { params: { entityTypeId: 2 }, select: ['title'] }));

    const expected = [...items].sort((a, b) => a.id - b.id).map(({ id, title }) => ({ id, title }));
    expect(rows).toHaveLength(5237);
    expect(rows).toEqual(expected);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5237);
    expect(fake.count('batch')).toBe(Math.ceil(Math.ceil(5237 / 50) / 50));
    expect(chunks).toBe(3);
    expect(client.counts()).toMatchObject({ requests: 3, methods: { 'crm.item.list': 150 } });

    // The commands: keyset filter, no COUNT, id selected, chained by batch references.
    const cmd = fake.requests[0]!.cmd!;
    const first = qs.parse(cmd.p0!.split('?')[1]!);
    expect(first).toMatchObject({ entityTypeId: '2', order: { id: 'ASC' }, filter: { '>id': '0' }, select: ['id', 'title'], start: '-1' });
    expect(qs.parse(cmd.p1!.split('?')[1]!)).toMatchObject({ filter: { '>id': '$result[p0][items][49][id]' } });
  });

  it('ignores what the portal makes of references past a short page (the tail is garbage)', async () => {
    const items = makeItems(120);
    const { client, fake } = setupPortal();
    fake.handle('crm.item.list', listHandler(items, { idField: 'id', container: 'items' }));
    const seenPages: number[] = [];
    const original = fake.handlers.get('crm.item.list')!;
    fake.handle('crm.item.list', (p) => {
      const answer = original(p) as { result: { items: unknown[] } };
      seenPages.push(answer.result.items.length);
      return answer;
    });

    const { rows } = await collect(client.walk('crm.item.list', { params: { entityTypeId: 2 }, pagesPerBatch: 5 }));

    expect(rows).toHaveLength(120);
    // Pages 4 and 5 referenced page 3's missing [49]: the fake ignored the filter and served full pages again.
    expect(seenPages).toEqual([50, 50, 20, 50, 50]);
    expect(fake.count('batch')).toBe(1);
  });

  it('stops after an exact multiple of 50 with one empty page', async () => {
    const items = makeItems(5000);
    const { client, fake } = setupPortal();
    fake.handle('crm.item.list', listHandler(items, { idField: 'id', container: 'items' }));

    const { rows } = await collect(client.walk('crm.item.list', { params: { entityTypeId: 2 } }));
    expect(rows).toHaveLength(5000);
    expect(fake.count('batch')).toBe(3);
  });

  it('walks a legacy list (result is the array, ID strings) with the portal-side filter', async () => {
    const deals = makeItems(300).map((r) => ({ ID: String(r.id), TITLE: r.title, STAGE_ID: r.stageId }));
    const { client, fake } = setupPortal();
    fake.handle('crm.deal.list', listHandler(deals, { idField: 'ID' }));

    const { rows } = await collect(client.walk<{ ID: string; STAGE_ID: string }>('crm.deal.list', { filter: { STAGE_ID: 'NEW' }, select: ['ID', 'STAGE_ID'], pagesPerBatch: 2 }));

    expect(rows).toHaveLength(150);
    expect(rows.every((r) => r.STAGE_ID === 'NEW')).toBe(true);
    expect(rows.map((r) => Number(r.ID))).toEqual([...rows.map((r) => Number(r.ID))].sort((a, b) => a - b));
    expect(fake.count('batch')).toBe(2); // pages 50+50 | 50+0
    expect(qs.parse(fake.requests[0]!.cmd!.p1!.split('?')[1]!)).toMatchObject({ filter: { '>ID': '$result[p0][49][ID]', STAGE_ID: 'NEW' }, order: { ID: 'ASC' } });
  });

  it('yields the rows it has and throws RestError when a page fails', async () => {
    const items = makeItems(200);
    const { client, fake } = setupPortal();
    const list = listHandler(items, { idField: 'id', container: 'items' });
    let calls = 0;
    fake.handle('crm.item.list', (p) => (++calls === 3 ? new FakeError('ACCESS_DENIED', 'Access denied', 400) : list(p)));

    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const chunk of client.walk('crm.item.list', { params: { entityTypeId: 2 } })) seen.push(...chunk);
    })().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RestError);
    expect(err).toMatchObject({ method: 'crm.item.list', code: 'ACCESS_DENIED' });
    expect(seen).toHaveLength(100);
  });

  it('uses the right result container per method', () => {
    expect(lastIdReference('p3', 'items', 'id')).toBe('$result[p3][items][49][id]');
    expect(lastIdReference('p3', undefined, 'ID')).toBe('$result[p3][49][ID]');
  });

  it('walks crm.type.list (`types`) and crm.category.list (`categories`)', async () => {
    const types = makeItems(70).map((r) => ({ id: r.id, title: r.title }));
    const { client, fake } = setupPortal();
    fake.handle('crm.type.list', listHandler(types, { idField: 'id', container: 'types' }));
    fake.handle('crm.category.list', listHandler(types, { idField: 'id', container: 'categories' }));

    expect((await collect(client.walk('crm.type.list'))).rows).toHaveLength(70);
    expect((await collect(client.walk('crm.category.list', { params: { entityTypeId: 2 } }))).rows).toHaveLength(70);
  });
});
