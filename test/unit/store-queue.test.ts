import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sealer } from '../../app/secrets.js';
import { SqliteStore } from '../../app/store/sqlite.js';

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

  it('forgets tokens on uninstall', async () => {
    await store.forgetTokens('p1');
    const p = await store.getPortal('p1');
    expect(p!.status).toBe('uninstalled');
    expect(p!.accessToken).toBe('');
    expect(p!.refreshToken).toBe('');
  });
});
