/** OAuth refresh (single-use, virtual-clock expiry), request formats, auth errors, webhooks, rate limit, faults, stats. */
import { afterEach, describe, expect, it } from 'vitest';
import { ok, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function refresh(hh: Harness, refreshToken: string, via: 'get' | 'post' = 'get', secret = 'secret-1') {
  const params = new URLSearchParams({ grant_type: 'refresh_token', client_id: 'local.sandbox-test.1', client_secret: secret, refresh_token: refreshToken });
  const res =
    via === 'get'
      ? await fetch(`${hh.sb.oauthTokenUrl}?${params}`)
      : await fetch(hh.sb.oauthTokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
  return { status: res.status, body: (await res.json()) as any };
}

describe('OAuth server', () => {
  it('refresh tokens are single-use and the answer points at the sandbox', async () => {
    h = await startHarness();
    const first = await refresh(h, h.install.tokens.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      client_endpoint: h.sb.clientEndpoint,
      server_endpoint: h.sb.serverEndpoint,
      member_id: h.sb.memberId,
      expires_in: 3600,
      user_id: 1,
      domain: new URL(h.sb.serverEndpoint).host,
    });
    const reused = await refresh(h, h.install.tokens.refreshToken);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(reused.body.error_description).toEqual(expect.any(String));
    // The new pair works, from a form body too.
    const second = await refresh(h, first.body.refresh_token, 'post');
    expect(second.status).toBe(200);
    expect((await h.rest('user.current', {}, { token: second.body.access_token })).status).toBe(200);
    expect(h.sb.stats.refreshes).toBe(2);
    expect((await refresh(h, second.body.refresh_token, 'get', 'wrong')).status).toBe(401);
  });

  it('access tokens expire by the virtual clock; helpers expire and revoke', async () => {
    h = await startHarness();
    expect((await h.rest('user.current')).status).toBe(200);
    h.sb.clock.advance(3601_000);
    const expired = await h.rest('user.current');
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('expired_token');
    const fresh = await refresh(h, h.install.tokens.refreshToken);
    expect((await h.rest('user.current', {}, { token: fresh.body.access_token })).status).toBe(200);

    h.sb.expireAccessTokens();
    expect((await h.rest('user.current', {}, { token: fresh.body.access_token })).body.error).toBe('expired_token');
    h.sb.revokeRefreshTokens();
    expect((await refresh(h, fresh.body.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('unknown and revoked tokens', async () => {
    h = await startHarness();
    const unknown = await h.rest('user.current', {}, { token: 'nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('NO_AUTH_FOUND');
    const missing = await fetch(`${h.sb.clientEndpoint}user.current`);
    expect(missing.status).toBe(401);
    await h.sb.uninstallApp();
    const revoked = await h.rest('user.current');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('invalid_token');
  });

  it('app.info on the OAuth server tells who installed what', async () => {
    h = await startHarness();
    const res = await fetch(`${h.sb.serverEndpoint}app.info?auth=${h.install.tokens.accessToken}`);
    const body = (await res.json()) as any;
    expect(body.result).toMatchObject({
      client_id: 'local.sandbox-test.1',
      user_id: 1,
      install: { installed: true, member_id: h.sb.memberId, domain: h.sb.domain, client_endpoint: h.sb.clientEndpoint },
    });
    const bad = await fetch(`${h.sb.serverEndpoint}app.info?auth=forged`);
    expect(bad.status).toBe(401);
  });

  it('issueUserToken gives a user token as an app page receives it', async () => {
    h = await startHarness();
    const t = h.sb.issueUserToken(3);
    expect((await ok(h, 'user.current', {}, { token: t.accessToken })).ID).toBe('3');
    const frame = h.sb.framePost({ userId: 5 });
    expect(frame.url).toContain(`DOMAIN=${encodeURIComponent(h.sb.domain)}`);
    expect((await ok(h, 'user.current', {}, { token: frame.body['AUTH_ID']! })).ID).toBe('5');
  });
});

describe('REST transport', () => {
  it('accepts JSON, PHP-style form bodies, query strings, .json suffix and a double slash', async () => {
    h = await startHarness();
    const form = await h.rest('crm.item.add', { entityTypeId: 2, fields: { title: 'Из формы', observers: [2, 3], opportunity: '150.5' } }, { as: 'form' });
    expect(form.body.result.item).toMatchObject({ title: 'Из формы', observers: [2, 3], opportunity: 150.5 });
    const get = await h.rest('user.get', { ID: 3 }, { as: 'get' });
    expect(get.body.result.map((u: any) => u.ID)).toEqual(['3']);
    const token = h.install.tokens.accessToken;
    expect((await fetch(`${h.sb.portalUrl}/rest//user.current.json?auth=${token}`)).status).toBe(200);
    const unknown = await h.rest('no.such.method');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('ERROR_METHOD_NOT_FOUND');
  });

  it('numbers are strings in legacy answers and numbers in crm.item', async () => {
    h = await startHarness();
    const id = await ok(h, 'crm.deal.add', { fields: { TITLE: 'x', OPPORTUNITY: 5 } });
    expect(typeof id).toBe('number');
    const deal = await ok(h, 'crm.deal.get', { id });
    expect(deal).toMatchObject({ ID: String(id), OPPORTUNITY: '5.00', ASSIGNED_BY_ID: '1', CATEGORY_ID: '0' });
    const item = (await ok(h, 'crm.item.get', { entityTypeId: 2, id })).item;
    expect(item).toMatchObject({ id, opportunity: 5, assignedById: 1, categoryId: 0 });
  });

  it('webhooks run as their user and cannot call app-context methods', async () => {
    h = await startHarness({ webhooks: [{ userId: 3, secret: 's3cr3t' }] });
    const url = (m: string) => `${h.sb.portalUrl}/rest/3/s3cr3t/${m}`;
    expect((await h.rest('user.current', {}, { url: url('user.current.json') })).body.result.ID).toBe('3');
    const placement = await h.rest('placement.bind', { PLACEMENT: 'LEFT_MENU', HANDLER: `${h.appUrl}/x` }, { url: url('placement.bind') });
    expect(placement.status).toBe(403);
    expect(placement.body.error).toBe('WRONG_AUTH_TYPE');
    const robot = await h.rest('bizproc.robot.add', { CODE: 'x' }, { url: url('bizproc.robot.add') });
    expect([robot.status, robot.body.error]).toEqual([403, 'ACCESS_DENIED']);
    for (const m of ['event.bind', 'event.get', 'app.option.get', 'app.info', 'disk.storage.getForApp']) {
      expect((await h.rest(m, {}, { url: url(m) })).status, m).toBe(403);
    }
    expect((await h.rest('crm.deal.list', {}, { url: url('crm.deal.list') })).status).toBe(200);
    expect((await h.rest('user.current', {}, { url: `${h.sb.portalUrl}/rest/3/wrong/user.current` })).status).toBe(401);
  });

  it('admin-only methods refuse a regular user', async () => {
    h = await startHarness();
    const token = h.sb.issueUserToken(8).accessToken;
    expect((await h.rest('placement.bind', { PLACEMENT: 'LEFT_MENU', HANDLER: `${h.appUrl}/p` }, { token })).status).toBe(403);
    expect((await h.rest('event.bind', { event: 'ONCRMDEALADD', event_type: 'offline' }, { token })).body.error).toBe('ACCESS_DENIED');
    expect((await h.rest('app.option.set', { options: { a: 1 } }, { token })).status).toBe(403);
    expect((await h.rest('bizproc.robot.list', {}, { token })).body.error).toBe('ACCESS_DENIED');
    expect((await h.rest('event.bind', { event: 'ONCRMDEALADD', handler: `${h.appUrl}/events` }, { token })).body.result).toBe(true);
  });

  it('rate limit: a leaky bucket per portal, batch counts once', async () => {
    h = await startHarness({ rateLimit: { burst: 5, drainPerSec: 0.001 } });
    const cmd = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}`, 'user.current']));
    const statuses: number[] = [];
    statuses.push((await h.rest('batch', { cmd })).status);
    for (let i = 0; i < 5; i += 1) statuses.push((await h.rest('user.current')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503]);
    const limited = await h.rest('user.current');
    expect(limited.body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    expect(h.sb.stats.rejected).toBe(2);
  });

  it('fault hooks: forced 503, 500 and delay', async () => {
    h = await startHarness();
    h.sb.faults = { queryLimitRatio: 1 };
    expect((await h.rest('user.current')).status).toBe(503);
    h.sb.faults = { error500Ratio: 1 };
    const e500 = await h.rest('user.current');
    expect([e500.status, e500.body.error]).toEqual([500, 'INTERNAL_SERVER_ERROR']);
    h.sb.faults = { delayMs: 120 };
    const t0 = Date.now();
    expect((await h.rest('user.current')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    h.sb.faults = {};
  });

  it('stats count requests, methods (batch sub-commands too) and mutations', async () => {
    h = await startHarness();
    h.sb.resetStats();
    await h.rest('batch', { cmd: { a: 'crm.deal.add?fields[TITLE]=A', b: 'crm.deal.add?fields[TITLE]=B', c: 'crm.deal.list' } });
    await h.rest('crm.item.update', { entityTypeId: 2, id: 1, fields: { title: 'A2' } });
    await h.rest('disk.folder.addSubFolder', { id: 1, data: { NAME: 'x' } });
    expect(h.sb.stats).toMatchObject({
      requests: 3,
      methods: { batch: 1, 'crm.deal.add': 2, 'crm.deal.list': 1, 'crm.item.update': 1, 'disk.folder.addsubfolder': 1 },
      mutations: 4,
      mutationsByMethod: { 'crm.deal.add': 2, 'crm.item.update': 1, 'disk.folder.addsubfolder': 1 },
    });
  });
});

describe('batch', () => {
  it('references, halt, length and forbidden methods', async () => {
    h = await startHarness();
    const linked = await ok(h, 'batch', {
      halt: 1,
      cmd: {
        deal: 'crm.item.add?entityTypeId=2&fields[title]=Linked',
        read: 'crm.item.get?entityTypeId=2&id=$result[deal][item][id]',
        legacy: 'crm.deal.get?id=$result[deal][item][id]',
      },
    });
    expect(linked.result.read.item.title).toBe('Linked');
    expect(linked.result.legacy.TITLE).toBe('Linked');
    expect(linked.result_time.deal).toEqual(expect.objectContaining({ start: expect.any(Number), duration: expect.any(Number) }));

    const asArray = await ok(h, 'batch', { cmd: ['user.current', 'crm.deal.list?select[]=ID&start=-1'] });
    expect(Array.isArray(asArray.result)).toBe(true);
    // start=-1: no COUNT — total 0 and no next.
    expect(asArray.result_total).toEqual({ 1: 0 });
    expect(asArray.result_next).toEqual([]);

    const halted = await ok(h, 'batch', { halt: 1, cmd: { a: 'crm.deal.get?id=999', b: 'user.current' } });
    expect(Object.keys(halted.result_error)).toEqual(['a']);
    expect(halted.result).toEqual([]);
    const all = await ok(h, 'batch', { halt: 0, cmd: { a: 'crm.deal.get?id=999', b: 'user.current' } });
    expect(Object.keys(all.result)).toEqual(['b']);
    expect(all.result_error.a).toEqual({ error: '', error_description: 'Not found' });

    const nested = await ok(h, 'batch', { cmd: { n: 'batch?cmd[x]=user.current', u: 'disk.folder.uploadfile?id=1' } });
    expect(nested.result_error.n.error).toBe('ERROR_BATCH_METHOD_NOT_ALLOWED');
    expect(nested.result_error.u.error).toBe('ERROR_BATCH_METHOD_NOT_ALLOWED');

    const tooLong = await h.rest('batch', { cmd: Array.from({ length: 51 }, () => 'user.current') });
    expect([tooLong.status, tooLong.body.error]).toEqual([400, 'ERROR_BATCH_LENGTH_EXCEEDED']);

    // Form-encoded batch with URL-encoded sub-queries (qs.stringify, PHP http_build_query style).
    const form = await h.rest('batch', { cmd: { f: 'crm.deal.list?filter%5B%3EID%5D=0&select%5B0%5D=ID' } }, { as: 'form' });
    expect(form.body.result.result.f.length).toBeGreaterThan(0);
  });
});
