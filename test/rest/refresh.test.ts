import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortalDisconnectedError } from '../../app/errors.js';
import { CONTRACT_DIR } from './fakes.js';
import { expectRefresh, refreshAnswer, setupPortal } from './setup.js';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('token refresh', () => {
  it('20 calls in flight with an expired token cause exactly one refresh; all succeed; tokens saved before use', async () => {
    const { client, fake, events, portals } = setupPortal({ expiresAt: Date.now() - 1_000 });
    fake.validTokens.clear();
    fake.validTokens.add('access-2');
    fake.onTokenUsed = (token) => events.push(`use:${token}`);
    fake.handle('user.current', () => ({ ID: '1' }));
    const { scope, seen } = expectRefresh(refreshAnswer('access-2', 'refresh-2'), 30);

    const results = await Promise.all(Array.from({ length: 20 }, () => client.call<{ ID: string }>('user.current')));

    expect(results.every((r) => r.ID === '1')).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.get('grant_type')).toBe('refresh_token');
    expect(seen[0]!.get('refresh_token')).toBe('refresh-1');
    expect(seen[0]!.get('client_id')).toBe('app.client');
    expect(events.indexOf('save:access-2')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('save:access-2')).toBeLessThan(events.indexOf('use:access-2'));
    expect(portals.get('member-1')).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(fake.requests.every((r) => r.auth === 'access-2')).toBe(true);
    expect(client.counts()).toMatchObject({ requests: 20, refreshes: 1, methods: { 'user.current': 20 } });
  });

  it('401s that straggle in after the refresh do not cause more refreshes (SDK merging is only partial)', async () => {
    // The clock says the token is valid, the portal says expired: every call gets a 401, some after the refresh is done.
    const { client, fake } = setupPortal();
    fake.validTokens.clear();
    fake.validTokens.add('access-2');
    fake.unauthorizedDelay = (n) => n * 8;
    fake.handle('user.current', () => ({ ID: '1' }));
    const { seen } = expectRefresh(refreshAnswer('access-2', 'refresh-2'), 5);

    const results = await Promise.all(Array.from({ length: 20 }, () => client.call<{ ID: string }>('user.current')));

    expect(results).toHaveLength(20);
    expect(seen).toHaveLength(1);
    expect(fake.requests.filter((r) => r.auth === 'access-1')).toHaveLength(20);
    expect(fake.requests.filter((r) => r.auth === 'access-2')).toHaveLength(20);
    expect(client.counts().refreshes).toBe(1);
  });

  it('uses a token another process already refreshed instead of refreshing again', async () => {
    const { client, fake, portals } = setupPortal();
    fake.handle('user.current', () => ({ ID: '1' }));
    await client.call('user.current'); // the SDK now holds access-1
    // Another process refreshed: the store has a new pair, the portal no longer accepts access-1.
    Object.assign(portals.get('member-1')!, { accessToken: 'access-other', refreshToken: 'refresh-other', expiresAt: Date.now() + 3_600_000 });
    fake.validTokens.clear();
    fake.validTokens.add('access-other');
    const { seen } = expectRefresh(refreshAnswer('access-never', 'refresh-never'));

    await expect(client.call('user.current')).resolves.toEqual({ ID: '1' });
    expect(seen).toHaveLength(0);
    expect(fake.requests.map((r) => r.auth)).toEqual(['access-1', 'access-1', 'access-other']);
    expect(client.counts().refreshes).toBe(0);
  });

  it('invalid_grant disconnects the portal and throws PortalDisconnectedError; later calls do not refresh', async () => {
    const { client, fake, portals } = setupPortal({ expiresAt: Date.now() - 1_000 });
    fake.handle('user.current', () => ({ ID: '1' }));
    const { seen } = expectRefresh({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid grant' } });

    const err = await client.call('user.current').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortalDisconnectedError);
    expect(portals.get('member-1')).toMatchObject({ status: 'disconnected', statusReason: 'invalid_grant: Invalid grant' });

    await expect(client.call('user.current')).rejects.toBeInstanceOf(PortalDisconnectedError);
    expect(seen).toHaveLength(1);
    expect(fake.requests).toHaveLength(0);
  });

  it('PAYMENT_REQUIRED from the OAuth server disconnects the portal too', async () => {
    const { client, portals } = setupPortal({ expiresAt: Date.now() - 1_000 });
    const body = JSON.parse(readFileSync(`${CONTRACT_DIR}/oauth.token.error.PAYMENT_REQUIRED.json`, 'utf8')) as unknown;
    expectRefresh({ status: 402, body });

    await expect(client.call('user.current')).rejects.toBeInstanceOf(PortalDisconnectedError);
    expect(portals.get('member-1')?.status).toBe('disconnected');
  });

  it('accepts the contract refresh answer (expires in the past is ignored in favour of expires_in)', async () => {
    const { client, fake, portals } = setupPortal({ expiresAt: Date.now() - 1_000 });
    const body = JSON.parse(readFileSync(`${CONTRACT_DIR}/oauth.token.refresh_token.response.json`, 'utf8')) as Record<string, unknown>;
    body.member_id = 'member-1';
    fake.validTokens.add(body.access_token as string);
    fake.handle('user.current', () => ({ ID: '1' }));
    expectRefresh({ status: 200, body });

    await expect(client.call('user.current')).resolves.toEqual({ ID: '1' });
    expect(portals.get('member-1')!.expiresAt).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
