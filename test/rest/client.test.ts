import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortalDisconnectedError, RestError } from '../../app/errors.js';
import { createRestPool } from '../../app/rest/pool.js';
import { createMemoryStore, FakeError, FakePortal, ListAnswer, silentLogger } from './fakes.js';
import { setupPortal } from './setup.js';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const LIMIT = { status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } };
const OPERATING = { status: 429, body: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' } };
const INTERNAL = { status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' } };

describe('calls', () => {
  it('calls `{client_endpoint}{method}` without a double slash, auth in the body, and keeps total/next', async () => {
    const { client, fake } = setupPortal({ clientEndpoint: 'https://portal.test/rest/' });
    fake.handle('crm.deal.list', () => new ListAnswer([{ ID: '1' }], 120, 50));

    await expect(client.callRaw('crm.deal.list', { select: ['ID'] })).resolves.toEqual({ result: [{ ID: '1' }], total: 120, next: 50 });
    expect(fake.requests[0]).toMatchObject({ method: 'crm.deal.list', path: '/rest/crm.deal.list', auth: 'access-1' });
  });

  it('maps errors by code, not by HTTP status (ACCESS_DENIED as 400, a placement error with 200)', async () => {
    const { client, fake } = setupPortal();
    fake.handle('crm.item.get', () => new FakeError('ACCESS_DENIED', 'Access denied', 400));
    fake.script('placement.bind', { status: 200, body: { error: 'ERROR_PLACEMENT_HANDLER_EXISTS', error_description: 'Handler already binded' } });

    const denied = await client.call('crm.item.get', { entityTypeId: 2, id: 1 }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(RestError);
    expect(denied).toMatchObject({ method: 'crm.item.get', code: 'ACCESS_DENIED', description: 'Access denied', httpStatus: 400 });

    const placement = await client.call('placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB' }).catch((e: unknown) => e);
    expect(placement).toMatchObject({ code: 'ERROR_PLACEMENT_HANDLER_EXISTS', httpStatus: 200 });
    expect(fake.requests).toHaveLength(2);
  });

  it('waits out QUERY_LIMIT_EXCEEDED with growing backoff, then succeeds', async () => {
    const { client, fake, sleeps } = setupPortal();
    fake.handle('crm.item.get', () => ({ item: { id: 1 } }));
    fake.script('crm.item.get', LIMIT, LIMIT);

    await expect(client.call('crm.item.get', { entityTypeId: 2, id: 1 })).resolves.toEqual({ item: { id: 1 } });
    expect(fake.count('crm.item.get')).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
  });

  it('gives up after maxAttempts rate-limit answers with a RestError that says so', async () => {
    const { client, fake, sleeps } = setupPortal({}, { retry: { maxAttempts: 3 } });
    fake.script('crm.item.get', LIMIT, LIMIT, LIMIT, LIMIT);

    const err = await client.call('crm.item.get', { id: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestError);
    expect((err as RestError).isRateLimit).toBe(true);
    expect(fake.count('crm.item.get')).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('waits for operating_reset_at on OPERATION_TIME_LIMIT', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 120;
    const { client, fake, sleeps } = setupPortal();
    fake.timeExtra = { operating: 470, operating_reset_at: resetAt };
    fake.handle('crm.item.list', () => new ListAnswer({ items: [] }, 0));
    await client.call('crm.item.list', { entityTypeId: 2 });
    fake.script('crm.item.list', OPERATING);

    await expect(client.call('crm.item.list', { entityTypeId: 2 })).resolves.toEqual({ items: [] });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]!).toBeGreaterThan(118_000);
    expect(sleeps[0]!).toBeLessThan(124_000);
  });

  it('never blindly repeats crm.item.add after a 500: exactly one request', async () => {
    const { client, fake, sleeps } = setupPortal();
    fake.script('crm.item.add', INTERNAL);

    const err = await client.call('crm.item.add', { entityTypeId: 2, fields: { title: 'x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, method: 'crm.item.add' });
    expect(fake.count('crm.item.add')).toBe(1);
    expect(sleeps).toHaveLength(0);
  });

  it('never blindly repeats crm.item.add after a network error: exactly one request', async () => {
    const { client, fake } = setupPortal();
    fake.script('crm.item.add', { networkError: 'ECONNRESET' });

    const err = await client.call('crm.item.add', { entityTypeId: 2, fields: { title: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestError);
    expect((err as RestError).httpStatus).toBe(0);
    expect(['ECONNRESET', 'NETWORK_ERROR']).toContain((err as RestError).code);
    expect(fake.count('crm.item.add')).toBe(1);
  });

  it('repeats crm.item.add after a rate-limit answer (nothing ran)', async () => {
    const { client, fake } = setupPortal();
    fake.handle('crm.item.add', () => ({ item: { id: 7 } }));
    fake.script('crm.item.add', LIMIT);

    await expect(client.call('crm.item.add', { entityTypeId: 2, fields: {} })).resolves.toEqual({ item: { id: 7 } });
    expect(fake.count('crm.item.add')).toBe(2);
  });

  it('repeats an idempotent read after a 500 and after a network error', async () => {
    const { client, fake, sleeps } = setupPortal();
    fake.handle('crm.item.get', () => ({ item: { id: 1 } }));
    fake.script('crm.item.get', INTERNAL, { networkError: 'ECONNRESET' });

    await expect(client.call('crm.item.get', { entityTypeId: 2, id: 1 })).resolves.toEqual({ item: { id: 1 } });
    expect(fake.count('crm.item.get')).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('an explicit idempotent:true lets a deduplicated add be repeated; idempotent:false stops an update', async () => {
    const { client, fake } = setupPortal();
    fake.handle('crm.item.add', () => ({ item: { id: 9 } }));
    fake.handle('crm.item.update', () => ({ item: { id: 9 } }));
    fake.script('crm.item.add', INTERNAL);
    fake.script('crm.item.update', INTERNAL);

    await expect(client.call('crm.item.add', { fields: { xmlId: 'k1' } }, { idempotent: true })).resolves.toEqual({ item: { id: 9 } });
    await expect(client.call('crm.item.update', { id: 9 }, { idempotent: false })).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(fake.count('crm.item.add')).toBe(2);
    expect(fake.count('crm.item.update')).toBe(1);
  });

  it('does not repeat OVERLOAD_LIMIT (a manual block) even for reads', async () => {
    const { client, fake } = setupPortal();
    fake.script('crm.item.get', { status: 503, body: { error: 'OVERLOAD_LIMIT', error_description: 'REST API is blocked due to overload.' } });

    await expect(client.call('crm.item.get', { id: 1 })).rejects.toMatchObject({ code: 'OVERLOAD_LIMIT' });
    expect(fake.count('crm.item.get')).toBe(1);
  });

  it('counts requests, calls per method and mutations', async () => {
    const { client, fake, pool } = setupPortal();
    fake.handle('crm.item.get', () => ({ item: { id: 1 } }));
    fake.handle('crm.item.update', () => ({ item: { id: 1 } }));
    fake.handle('crm.item.add', () => ({ item: { id: 2 } }));
    fake.script('crm.item.get', LIMIT);

    await client.call('crm.item.get', { id: 1 });
    await client.batch([
      { method: 'crm.item.update', params: { id: 1, fields: { title: 'a' } } },
      { method: 'crm.item.add', params: { fields: { title: 'b' } } },
      { method: 'crm.item.get', params: { id: 1 } },
    ]);

    expect(client.counts()).toEqual({
      requests: 3,
      methods: { 'crm.item.add': 1, 'crm.item.get': 3, 'crm.item.update': 1 },
      mutations: 2,
      refreshes: 0,
    });
    expect(pool.counts('member-1')).toEqual(client.counts());
    client.resetCounts();
    expect(client.counts()).toEqual({ requests: 0, methods: {}, mutations: 0, refreshes: 0 });
  });

  it('paces requests with the client-side leaky bucket when enabled', async () => {
    let clock = 0;
    const { client, fake, sleeps } = setupPortal({}, { rateLimit: { burst: 3, drainPerSec: 2 }, now: () => clock });
    fake.handle('crm.item.get', () => ({ item: {} }));

    await Promise.all(Array.from({ length: 5 }, () => client.call('crm.item.get', { id: 1 })));
    expect(sleeps).toEqual([500, 1000]);
    clock += 10_000;
    await client.call('crm.item.get', { id: 1 });
    expect(sleeps).toHaveLength(2);
  });

  it('a missing or disconnected portal fails without any request', async () => {
    const { store } = createMemoryStore([]);
    const pool = createRestPool({ store, oauthTokenUrl: 'https://oauth.test/oauth/token/', clientId: 'a', clientSecret: 'b', logger: silentLogger, rateLimit: false });
    await expect(pool.forPortal('nobody').call('user.current')).rejects.toMatchObject({ code: 'PORTAL_NOT_INSTALLED' });

    const disconnected = setupPortal({ status: 'disconnected', statusReason: 'invalid_grant' });
    await expect(disconnected.client.call('user.current')).rejects.toBeInstanceOf(PortalDisconnectedError);
    expect(disconnected.fake.requests).toHaveLength(0);
  });

  it('caches one client per portal; evict forgets it', () => {
    const { pool, client } = setupPortal();
    expect(pool.forPortal('member-1')).toBe(client);
    pool.evict('member-1');
    expect(pool.forPortal('member-1')).not.toBe(client);
  });
});

describe('webhook mode', () => {
  it('works over plain http with the secret in the path and no auth param', async () => {
    const { store } = createMemoryStore([]);
    const pool = createRestPool({
      store,
      oauthTokenUrl: 'https://oauth.test/oauth/token/',
      clientId: 'a',
      clientSecret: 'b',
      logger: silentLogger,
      rateLimit: false,
      webhookUrl: 'http://127.0.0.1:1234/rest/1/secret/',
      webhookMemberId: 'sandbox-member',
    });
    const fake = new FakePortal();
    fake.handle('user.current', () => ({ ID: '1' }));
    fake.mount('http://127.0.0.1:1234', '/rest/1/secret/');

    const client = pool.webhookClient()!;
    await expect(client.call('user.current')).resolves.toEqual({ ID: '1' });
    expect(fake.requests[0]).toMatchObject({ path: '/rest/1/secret/user.current', auth: undefined });
    expect(pool.forPortal('sandbox-member')).toBe(client);
    expect(client.counts()).toMatchObject({ requests: 1, methods: { 'user.current': 1 } });
  });

  it('is undefined without a webhook URL', () => {
    const { pool } = setupPortal();
    expect(pool.webhookClient()).toBeUndefined();
  });
});
