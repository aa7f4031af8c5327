import type { Logger } from 'pino';
import type { HandlerRefreshAuth, TypeB24 } from '@bitrix24/b24jssdk';
import type { Store } from '../store/types.js';
import { AppError, PortalDisconnectedError } from '../errors.js';
import type { CallCounts, RestClient } from './types.js';
import { CallCounter } from './counts.js';
import { DEFAULT_RATE_LIMIT, DEFAULT_RETRY, LeakyBucket, realSleep, type RateLimitConfig, type RetryConfig, type Sleep } from './limits.js';
import { PortalRestClient } from './client.js';
import { TokenRefresher } from './refresh.js';
import { createOAuthSdk, createWebhookSdk, toHandlerRefreshAuth } from './sdk.js';
import { trimRestBase } from './query.js';

export interface RestPoolOptions {
  store: Store;
  /** OAuth token endpoint (config B24_OAUTH_URL), e.g. `https://oauth.bitrix.info/oauth/token/`. */
  oauthTokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Incoming webhook `http(s)://host/rest/<userId>/<secret>/`: one client for a single portal. */
  webhookUrl?: string;
  /** When set, `forPortal(webhookMemberId)` returns the webhook client (single-portal deployments). */
  webhookMemberId?: string;
  logger: Logger;
  /** Client-side leaky bucket per portal (default burst 50, 2/s); false disables it (tests). */
  rateLimit?: RateLimitConfig | false;
  retry?: Partial<RetryConfig>;
  sleep?: Sleep;
  now?: () => number;
  /** Jitter source; tests may pin it. */
  random?: () => number;
  /** Test seam for the OAuth refresh request. */
  fetch?: typeof fetch;
}

export interface RestPool {
  /** The (cached) client of a portal; the portal is read from the store on first use. */
  forPortal(memberId: string): RestClient;
  webhookClient(): RestClient | undefined;
  /** Forget a portal's client (re-install, new tokens, uninstall); its counts stay. */
  evict(memberId: string): void;
  counts(memberId: string): CallCounts;
  resetCounts(memberId: string): void;
}

/** How many refused access tokens to remember per portal (to tell a straggling 401 from a dead token). */
const REJECTED_TOKENS_KEPT = 8;

export function createRestPool(opts: RestPoolOptions): RestPool {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const retry: RetryConfig = { ...DEFAULT_RETRY, ...opts.retry };
  const rateLimit = opts.rateLimit === false ? null : (opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const logger = opts.logger.child({ component: 'rest' });
  const counters = new Map<string, CallCounter>();
  const clients = new Map<string, PortalRestClient>();

  const counterOf = (memberId: string): CallCounter => {
    let counter = counters.get(memberId);
    if (!counter) counters.set(memberId, (counter = new CallCounter()));
    return counter;
  };

  // Shared by every client object of a portal, so even an evicted client's refresh is single-flight.
  const refresher = new TokenRefresher({
    store: opts.store,
    oauthTokenUrl: opts.oauthTokenUrl,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    logger,
    onRefreshRequest: (memberId) => counterOf(memberId).recordRefresh(),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });

  const makeClient = (memberId: string, sdk: () => Promise<TypeB24>): PortalRestClient =>
    new PortalRestClient({
      memberId,
      logger: logger.child({ memberId }),
      counter: counterOf(memberId),
      limiter: rateLimit ? new LeakyBucket(rateLimit, now, sleep) : null,
      retry,
      sleep,
      now,
      random,
      sdk,
    });

  let webhook: PortalRestClient | undefined;
  if (opts.webhookUrl) {
    const memberId = opts.webhookMemberId ?? `webhook:${new URL(opts.webhookUrl).host}`;
    const counter = counterOf(memberId);
    const b24 = createWebhookSdk(opts.webhookUrl, { onRequest: (methods) => counter.recordRequest(methods) });
    webhook = makeClient(memberId, async () => b24);
  }

  /** Builds the portal's B24OAuth from the store on first use; rebuilt after a failure or a portal move. */
  const oauthSdkFactory = (memberId: string): (() => Promise<TypeB24>) => {
    let building: Promise<TypeB24> | null = null;
    let endpoint = '';
    const rejected: string[] = [];
    const counter = counterOf(memberId);
    const refresh = async (): Promise<HandlerRefreshAuth> => {
      const fresh = await refresher.refresh(memberId, (token) => rejected.includes(token));
      // A renamed portal gets a new client_endpoint: the SDK's base URL is fixed, so rebuild next time.
      if (trimRestBase(fresh.clientEndpoint) !== endpoint) building = null;
      return toHandlerRefreshAuth(memberId, fresh);
    };
    const build = async (): Promise<TypeB24> => {
      const portal = await opts.store.getPortal(memberId);
      if (!portal || portal.status === 'uninstalled' || !portal.accessToken) {
        throw new AppError('PORTAL_NOT_INSTALLED', `portal ${memberId} is not installed`);
      }
      if (portal.status === 'disconnected') throw new PortalDisconnectedError(memberId, portal.statusReason ?? 'disconnected');
      endpoint = trimRestBase(portal.clientEndpoint);
      return createOAuthSdk(portal, { clientId: opts.clientId, clientSecret: opts.clientSecret }, refresh, {
        onRequest: (methods) => counter.recordRequest(methods),
        onTokenRejected: (token) => {
          if (!rejected.includes(token)) rejected.push(token);
          if (rejected.length > REJECTED_TOKENS_KEPT) rejected.shift();
        },
      });
    };
    return () => {
      if (!building) {
        const attempt = build();
        building = attempt;
        attempt.catch(() => {
          if (building === attempt) building = null;
        });
      }
      return building;
    };
  };

  return {
    forPortal(memberId) {
      if (webhook && memberId === webhook.memberId) return webhook;
      let client = clients.get(memberId);
      if (!client) clients.set(memberId, (client = makeClient(memberId, oauthSdkFactory(memberId))));
      return client;
    },
    webhookClient: () => webhook,
    evict(memberId) {
      clients.delete(memberId);
    },
    counts: (memberId) => counterOf(memberId).snapshot(),
    resetCounts: (memberId) => counterOf(memberId).reset(),
  };
}
