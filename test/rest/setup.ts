import nock from 'nock';
import { createRestPool, type RestPoolOptions } from '../../app/rest/pool.js';
import type { Portal } from '../../app/store/types.js';
import { createMemoryStore, FakePortal, makePortal, silentLogger } from './fakes.js';

export const OAUTH_URL = 'https://oauth.test/oauth/token/';

/** A pool over one fake portal, with fake sleep (recorded) and no client-side rate limit. */
export function setupPortal(portalOver: Partial<Portal> = {}, poolOver: Partial<RestPoolOptions> = {}) {
  const portal = makePortal(portalOver);
  const { store, portals, events } = createMemoryStore([portal]);
  const sleeps: number[] = [];
  const pool = createRestPool({
    store,
    oauthTokenUrl: OAUTH_URL,
    clientId: 'app.client',
    clientSecret: 'app.secret',
    logger: silentLogger,
    rateLimit: false,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...poolOver,
  });
  const fake = new FakePortal();
  fake.validTokens.add(portal.accessToken);
  fake.mount(new URL(portal.clientEndpoint).origin);
  return { pool, fake, store, portals, events, sleeps, portal, client: pool.forPortal(portal.memberId) };
}

/** Intercepts one refresh request; returns what it was sent. */
export function expectRefresh(answer: { status: number; body: unknown }, delayMs = 0) {
  const seen: URLSearchParams[] = [];
  const scope = nock('https://oauth.test')
    .post('/oauth/token/')
    .delay(delayMs)
    .reply(async (req: Request) => {
      seen.push(new URLSearchParams(await req.text()));
      return [answer.status, answer.body];
    });
  return { scope, seen };
}

export function refreshAnswer(accessToken: string, refreshToken: string) {
  return {
    status: 200,
    body: {
      access_token: accessToken,
      refresh_token: refreshToken,
      client_endpoint: 'https://portal.test/rest/',
      server_endpoint: 'https://oauth.test/rest/',
      domain: 'oauth.test',
      expires: Math.floor(Date.now() / 1000) + 3600,
      expires_in: 3600,
      member_id: 'member-1',
      scope: 'crm,bizproc,placement,user_brief',
      status: 'L',
      user_id: 1,
    },
  };
}
