import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sealer } from '../../app/secrets.js';
import { SqliteStore } from '../../app/store/sqlite.js';
import type { NewJob } from '../../app/store/types.js';

const portal = (memberId: string) => ({
  memberId,
  domain: `${memberId}.example`,
  clientEndpoint: `https://${memberId}.example/rest/`,
  serverEndpoint: 'https://oauth.example/rest/',
  applicationToken: 'app-token',
  accessToken: 'a',
  refreshToken: 'r',
  expiresAt: 0,
  scope: 'crm',
  status: 'active' as const,
});

describe('SQLite store and queue', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'du-store-'));
    store = new SqliteStore({ path: join(dir, 'app.db'), sealer: new Sealer('x'.repeat(32)) });
    await store.upsertPortal(portal('p1'));
    await store.upsertPortal(portal('p2'));
  });
  afterEach(() => store.close());

  it('records a job once per idempotency key', async () => {
    const a = await store.enqueue({ memberId: 'p1', kind: 'event:ONCRMDEALUPDATE', key: 'k1', payload: { n: 1 } });
    const b = await store.enqueue({ memberId: 'p1', kind: 'event:ONCRMDEALUPDATE', key: 'k1', payload: { n: 2 } });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    expect((await store.queueStats()).queued).toBe(1);
  });

  it('claims at most one job per portal and skips paused portals', async () => {
    for (const k of ['a', 'b', 'c']) await store.enqueue({ memberId: 'p1', kind: 'x', key: k, payload: null });
    await store.enqueue({ memberId: 'p2', kind: 'x', key: 'a', payload: null });
    const first = await store.claim(Date.now(), 10);
    expect(first.map((j) => j.memberId).sort()).toEqual(['p1', 'p2']);
    expect(await store.claim(Date.now(), 10)).toEqual([]);
    await store.complete(first.find((j) => j.memberId === 'p1')!.id);
    await store.setPortalStatus('p1', 'disconnected', 'invalid_grant');
    expect(await store.claim(Date.now(), 10)).toEqual([]);
    await store.setPortalStatus('p1', 'active');
    expect((await store.claim(Date.now(), 10)).map((j) => j.key)).toEqual(['b']);
  });

  it('requeues jobs left running by a crash and keeps failures with their error', async () => {
    await store.enqueue({ memberId: 'p1', kind: 'x', key: 'a', payload: null });
    const [job] = await store.claim(Date.now(), 1);
    expect(await store.requeueRunning()).toBe(1);
    const [again] = await store.claim(Date.now(), 1);
    expect(again!.id).toBe(job!.id);
    expect(again!.attempts).toBe(2);
    await store.fail(again!.id, 'REST_ERROR: boom');
    expect((await store.listJobs('p1', 'failed', 5))[0]!.lastError).toBe('REST_ERROR: boom');
    expect(await store.requeueFailed('p1')).toBe(1);
  });

  it('honours run_at for retries', async () => {
    const { id } = await store.enqueue({ memberId: 'p1', kind: 'x', key: 'a', payload: null });
    await store.claim(Date.now(), 1);
    await store.retry(id, Date.now() + 60_000, 'later');
    expect(await store.claim(Date.now(), 1)).toEqual([]);
    expect((await store.claim(Date.now() + 61_000, 1)).length).toBe(1);
  });

  it('seals job payloads so personal data never sits in the file in clear', async () => {
    await store.enqueue({ memberId: 'p1', kind: 'robot:x', key: 'a', payload: { properties: { name: 'Иванова Мария Петровна' } } });
    const [job] = await store.claim(Date.now(), 1);
    expect((job!.payload as { properties: { name: string } }).properties.name).toBe('Иванова Мария Петровна');
    store.close();
    const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('utf8')).join('');
    expect(bytes).not.toContain('Иванова');
  });

  it('records effects once', async () => {
    expect(await store.hasEffect('p1', 'stage:2:1:C1:WON:t')).toBe(false);
    expect(await store.recordEffect('p1', 'stage:2:1:C1:WON:t')).toBe(true);
    expect(await store.recordEffect('p1', 'stage:2:1:C1:WON:t')).toBe(false);
    expect(await store.hasEffect('p1', 'stage:2:1:C1:WON:t')).toBe(true);
  });

  it('caches portals and drops the entry on every write to them', async () => {
    const first = await store.getPortal('p1');
    first!.applicationToken = 'mutated by a caller';
    expect((await store.getPortal('p1'))!.applicationToken).toBe('app-token');
    await store.upsertPortal({ ...portal('p1'), applicationToken: 'new-token' });
    expect((await store.getPortal('p1'))!.applicationToken).toBe('new-token');
    await store.saveTokens('p1', { accessToken: 'a2', refreshToken: 'r2', expiresAt: 5 });
    expect((await store.getPortal('p1'))!.refreshToken).toBe('r2');
    await store.setPortalStatus('p1', 'disconnected', 'invalid_grant');
    expect((await store.getPortal('p1'))!.status).toBe('disconnected');
    await store.markInstalled('p1', '2.0.0');
    expect((await store.getPortal('p1'))!.appVersion).toBe('2.0.0');
    await store.forgetTokens('p1');
    expect((await store.getPortal('p1'))!.status).toBe('uninstalled');
    await store.getPortal('p2');
    await store.deletePortalData('p2');
    expect(await store.getPortal('p2')).toBeUndefined();
  });

  it('forgets tokens on uninstall', async () => {
    await store.forgetTokens('p1');
    const p = await store.getPortal('p1');
    expect(p!.status).toBe('uninstalled');
    expect(p!.accessToken).toBe('');
    expect(p!.refreshToken).toBe('');
  });
});

describe('group commit of enqueues', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  const sealer = new Sealer('x'.repeat(32));
  /** What another process reading the file sees right now. */
  const committedKeys = (): string[] => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare<[], { key: string }>('SELECT key FROM jobs ORDER BY id').all().map((r) => r.key);
    } finally {
      db.close();
    }
  };
  const job = (key: string, extra: Partial<NewJob> = {}): NewJob => ({ memberId: 'p1', kind: 'event:ONCRMDEALUPDATE', key, payload: { key }, ...extra });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'du-group-'));
    path = join(dir, 'app.db');
    store = new SqliteStore({ path, sealer });
    await store.upsertPortal(portal('p1'));
  });
  afterEach(() => store.close());

  it('writes the enqueues of one tick in one transaction, and answers only after it committed', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => store.enqueue(job(`k${i}`)));
    // Nothing is written while the callers are still in this tick…
    expect(committedKeys()).toEqual([]);
    // …and when the first caller hears back, the whole group is in the file.
    await calls[0];
    expect(committedKeys()).toHaveLength(20);
    const results = await Promise.all(calls);
    expect(results.every((r) => r.created)).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(20);
  });

  it('bounds a group and writes the rest in the next ones', async () => {
    const results = await Promise.all(Array.from({ length: 600 }, (_, i) => store.enqueue(job(`k${i}`))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(committedKeys()).toHaveLength(600);
    // In call order.
    expect(results.map((r) => r.id)).toEqual([...results.map((r) => r.id)].sort((a, b) => a - b));
  });

  it('coalesces duplicates inside one group and across groups', async () => {
    const [a, b, c, d] = await Promise.all([store.enqueue(job('k1')), store.enqueue(job('k1')), store.enqueue(job('k2')), store.enqueue(job('k1'))]);
    expect(a!.created).toBe(true);
    expect(b).toEqual({ id: a!.id, created: false });
    expect(c!.created).toBe(true);
    expect(d).toEqual({ id: a!.id, created: false });
    expect(await store.enqueue(job('k1'))).toEqual({ id: a!.id, created: false });
    // Unique per (portal, kind, key): another kind or portal is another job.
    await store.upsertPortal(portal('p2'));
    const [e, f] = await Promise.all([store.enqueue(job('k1', { kind: 'robot:x' })), store.enqueue(job('k1', { memberId: 'p2' }))]);
    expect(e!.created && f!.created).toBe(true);
    expect((await store.queueStats()).queued).toBe(4);
    // The first payload wins.
    const [claimed] = await store.claim(Date.now(), 1);
    expect(claimed!.payload).toEqual({ key: 'k1' });
  });

  it('rejects only the caller whose job fails; the rest of the group is written', async () => {
    const bigint = { n: 1n };
    const calls = [
      store.enqueue(job('ok1')),
      // Fails in the database (NOT NULL), inside the group's transaction.
      store.enqueue(job('bad', { memberId: null as unknown as string })),
      // Fails before the database: the payload cannot be serialised.
      store.enqueue(job('unserialisable', { payload: bigint })),
      store.enqueue(job('ok2')),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(committedKeys()).toEqual(['ok1', 'ok2']);
    expect(await store.enqueue(job('ok3'))).toMatchObject({ created: true });
  });

  it('gives a repeat of a started job a follow-up, once, when asked (also within one group)', async () => {
    const first = await store.enqueue(job('k', { followUpIfStarted: true }));
    // Not started yet: repeats coalesce.
    expect(await store.enqueue(job('k', { followUpIfStarted: true }))).toEqual({ id: first.id, created: false });
    const [running] = await store.claim(Date.now(), 1);
    expect(running!.id).toBe(first.id);
    // Started: a repeat without the flag coalesces; with it, two repeats in one group make one follow-up.
    const [plain, up1, up2] = await Promise.all([
      store.enqueue(job('k')),
      store.enqueue(job('k', { followUpIfStarted: true })),
      store.enqueue(job('k', { followUpIfStarted: true })),
    ]);
    expect(plain).toEqual({ id: first.id, created: false });
    expect(up1!.created).toBe(true);
    expect(up2).toEqual({ id: up1!.id, created: false });
    expect(committedKeys()).toEqual(['k', `k+${first.id}`]);
    // The follow-up started too: the next repeat follows it.
    await store.complete(first.id);
    const [next] = await store.claim(Date.now(), 1);
    expect(next!.id).toBe(up1!.id);
    const up3 = await store.enqueue(job('k', { followUpIfStarted: true }));
    expect(up3.created).toBe(true);
    expect(committedKeys().at(-1)).toBe(`k+${first.id}+${up1!.id}`);
  });

  it('keeps call order with the other job operations', async () => {
    const pending = store.enqueue(job('k1'));
    // Not awaited: the queue still counts it, and the worker can claim it.
    expect((await store.queueStats()).queued).toBe(1);
    const [claimed] = await store.claim(Date.now(), 1);
    expect(claimed!.key).toBe('k1');
    expect((await pending).id).toBe(claimed!.id);
  });

  it('an answered enqueue survives a crash and a restart', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.enqueue(job(`k${i}`, { payload: { properties: { n: i } } }))));
    // A crash right now: take the files as they are on disk, with the connection still open.
    const crashed = mkdtempSync(join(tmpdir(), 'du-crash-'));
    for (const suffix of ['', '-wal']) if (existsSync(`${path}${suffix}`)) copyFileSync(`${path}${suffix}`, join(crashed, `app.db${suffix}`));
    const recovered = new SqliteStore({ path: join(crashed, 'app.db'), sealer });
    try {
      expect((await recovered.queueStats()).queued).toBe(10);
      const jobs = await recovered.listJobs('p1', 'queued', 100);
      expect(jobs.map((j) => j.id).sort((a, b) => a - b)).toEqual(results.map((r) => r.id));
      expect(jobs.find((j) => j.key === 'k3')!.payload).toEqual({ properties: { n: 3 } });
    } finally {
      recovered.close();
    }
    // And an orderly restart: close (writing what is still waiting), reopen.
    const late = store.enqueue(job('late'));
    store.close();
    expect((await late).created).toBe(true);
    store = new SqliteStore({ path, sealer });
    expect(await store.enqueue(job('late'))).toEqual({ id: (await late).id, created: false });
    expect((await store.queueStats()).queued).toBe(11);
  });
});
