import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../app/errors.js';
import { verifyApplicationToken } from '../../app/http/verify.js';
import { Sealer } from '../../app/secrets.js';
import { SqliteStore } from '../../app/store/sqlite.js';
import { toForm } from '../helpers/contract.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

const portal = (memberId: string, applicationToken: string) => ({
  memberId,
  domain: `${memberId}.example`,
  clientEndpoint: `https://${memberId}.example/rest/`,
  serverEndpoint: 'https://oauth.example/rest/',
  applicationToken,
  accessToken: 'a',
  refreshToken: 'r',
  expiresAt: 0,
  scope: 'crm',
  status: 'active' as const,
});

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return { code: (err as AppError).code, status: (err as AppError).status };
};

describe('verifying application_token from the cached portal', () => {
  let store: SqliteStore;
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'du-verify-'));
    store = new SqliteStore({ path: join(dir, 'app.db'), sealer: new Sealer('x'.repeat(32)) });
    await store.upsertPortal(portal('p1', 'token-1'));
  });
  afterEach(() => store.close());

  const auth = (application_token: string) => ({ member_id: 'p1', application_token });

  it('accepts the stored token and refuses others', async () => {
    expect((await verifyApplicationToken(store, auth('token-1'))).memberId).toBe('p1');
    expect(await refusal(verifyApplicationToken(store, auth('token-2')))).toEqual({ code: 'INVALID_APPLICATION_TOKEN', status: 401 });
    expect(await refusal(verifyApplicationToken(store, { member_id: 'nobody', application_token: 'token-1' }))).toEqual({ code: 'PORTAL_NOT_INSTALLED', status: 401 });
  });

  it('refuses at once after an uninstall, with or without cleaning', async () => {
    await verifyApplicationToken(store, auth('token-1'));
    await store.forgetTokens('p1');
    expect(await refusal(verifyApplicationToken(store, auth('token-1')))).toEqual({ code: 'PORTAL_NOT_INSTALLED', status: 401 });
    await store.upsertPortal(portal('p1', 'token-1'));
    await verifyApplicationToken(store, auth('token-1'));
    await store.deletePortalData('p1');
    expect(await refusal(verifyApplicationToken(store, auth('token-1')))).toEqual({ code: 'PORTAL_NOT_INSTALLED', status: 401 });
  });

  it('follows a new token and a status change at once', async () => {
    await verifyApplicationToken(store, auth('token-1'));
    await store.upsertPortal(portal('p1', 'token-2'));
    expect(await refusal(verifyApplicationToken(store, auth('token-1')))).toEqual({ code: 'INVALID_APPLICATION_TOKEN', status: 401 });
    expect((await verifyApplicationToken(store, auth('token-2'))).applicationToken).toBe('token-2');
    await store.setPortalStatus('p1', 'uninstalled');
    expect(await refusal(verifyApplicationToken(store, auth('token-2')))).toEqual({ code: 'PORTAL_NOT_INSTALLED', status: 401 });
  });

  it('stays refused when a refresh that was in flight during the uninstall fails afterwards', async () => {
    await store.forgetTokens('p1');
    // refresh.ts marks a portal whose refresh token is refused as disconnected; an uninstalled one stays so.
    await store.setPortalStatus('p1', 'disconnected', 'invalid_grant');
    expect((await store.getPortal('p1'))!.status).toBe('uninstalled');
    expect(await refusal(verifyApplicationToken(store, auth('token-1')))).toEqual({ code: 'PORTAL_NOT_INSTALLED', status: 401 });
    // Only an install brings it back.
    await store.upsertPortal(portal('p1', 'token-3'));
    expect((await verifyApplicationToken(store, auth('token-3'))).status).toBe('active');
  });
});

describe('uninstall takes effect on the next call (app and sandbox portal)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const event = (applicationToken: string, dealId: number) =>
    fetch(`${stack.app.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: toForm({
        event: 'ONCRMDEALUPDATE',
        data: { FIELDS: { ID: String(dealId) } },
        ts: String(Math.floor(Date.now() / 1000)),
        auth: { domain: stack.sb.domain, client_endpoint: stack.sb.clientEndpoint, server_endpoint: stack.sb.serverEndpoint, member_id: stack.sb.memberId, application_token: applicationToken },
      }),
    });

  it('answers 401 to the old token right after ONAPPUNINSTALL, and follows a re-install', async () => {
    await stack.sb.installApp();
    // The install's reconcile binds ONAPPUNINSTALL: let it finish.
    await settle(stack);
    const token = stack.sb.state.app.applicationToken!;
    // Accepted: the portal is now in the app's cache.
    expect((await event(token, 900001)).status).toBe(200);
    await stack.sb.uninstallApp();
    await stack.sb.waitForDeliveries();
    const refused = await event(token, 900002);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('PORTAL_NOT_INSTALLED');
    // A re-install brings a new token: the old one stays refused, the new one is accepted.
    stack.sb.clock.advance(2_000);
    await stack.sb.installApp();
    await settle(stack);
    const fresh = stack.sb.state.app.applicationToken!;
    expect(fresh).not.toBe(token);
    expect((await event(token, 900003)).status).toBe(401);
    expect((await event(fresh, 900004)).status).toBe(200);
  });
});
