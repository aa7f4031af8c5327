/**
 * The sandbox portal: one Bitrix24 portal (REST emulator) plus its OAuth server, each on its own
 * 127.0.0.1 port. Used by `npm start` without a real portal and by the app's tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Automation } from './automation.js';
import { VirtualClock } from './clock.js';
import { resolveOptions, silentLogger, type Portal, type PortalUrls } from './core.js';
import { EventBus } from './events.js';
import { createRestApp } from './http.js';
import { finishInstall, framePost, installApp, uninstallApp, updateApp, type FramePostOptions } from './install.js';
import { createOAuthApp } from './oauth.js';
import { Outbound } from './outbound.js';
import { LeakyBucket } from './ratelimit.js';
import { buildRegistry } from './rest/index.js';
import { dispatch } from './rest/dispatch.js';
import { createInitialState, StateStore } from './state.js';
import { StatsCollector } from './stats.js';
import { TokenService } from './tokens.js';
import { DEFAULT_DEPARTMENTS, DEFAULT_USERS } from './users.js';
import type {
  AddRobotRule,
  AutomationRule,
  DeliveryRecord,
  FramePost,
  InstallResult,
  RobotRun,
  SandboxFaults,
  SandboxOptions,
  SandboxState,
  SandboxStats,
  TokenPair,
} from './types.js';

export { VirtualClock } from './clock.js';
export { RestFault } from './errors.js';
export { DEFAULT_DEPARTMENTS, DEFAULT_USERS } from './users.js';
export type { FramePostOptions } from './install.js';
export type * from './types.js';

export interface Sandbox {
  /** http://127.0.0.1:PORT */
  readonly portalUrl: string;
  /** 127.0.0.1:PORT */
  readonly domain: string;
  /** http://127.0.0.1:PORT/rest/ */
  readonly clientEndpoint: string;
  /** http://127.0.0.1:OAUTHPORT/rest/ */
  readonly serverEndpoint: string;
  /** http://127.0.0.1:OAUTHPORT/oauth/token/ */
  readonly oauthTokenUrl: string;
  readonly memberId: string;
  readonly port: number;
  readonly oauthPort: number;
  readonly clock: VirtualClock;
  /** Live state, for assertions (do not mutate in tests unless you mean to). */
  readonly state: SandboxState;
  readonly stats: SandboxStats;
  resetStats(): void;
  /** Fault hooks applied to every later /rest/ request. */
  faults: SandboxFaults;
  /** Every outbound POST (events, robot calls, install callbacks) with the app's answer. */
  readonly deliveries: readonly DeliveryRecord[];
  /** Resolves when no outbound POST is queued or in flight. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;

  /** REST-only install (POST of the ONAPPINSTALL shape to app.installUrl); `ui: true` returns the installer frame POST instead. */
  installApp(opts?: { ui?: boolean; userId?: number }): Promise<InstallResult>;
  /** BX24.installFinish() from the installer page. */
  finishInstall(): void;
  /** New app version: event handlers and robots are wiped, ONAPPUPDATE goes to handlers bound before. */
  updateApp(opts: { version: string }): Promise<void>;
  /** ONAPPUNINSTALL to bound handlers, then handlers, placements and robots are removed and tokens revoked. */
  uninstallApp(opts?: { clean?: boolean }): Promise<void>;

  /** Tokens a user gets when opening an app page. */
  issueUserToken(userId: number): TokenPair;
  /** Makes every issued access token expired (by the virtual clock). */
  expireAccessTokens(): void;
  /** Makes every refresh token unusable (invalid_grant). */
  revokeRefreshTokens(): void;
  /** The frame POST a user opening the app page or a bound placement would send. */
  framePost(opts?: FramePostOptions): FramePost;

  /**
   * Calls a REST method inside the portal as a person in the portal UI (userId) or as the portal
   * itself (null: robot/workflow — events carry no token). Not counted in stats. Throws RestFault.
   */
  callAs(userId: number | null, method: string, params?: Record<string, unknown>): Promise<unknown>;

  automation: {
    /** The admin put the app's robot `code` on a stage. */
    addRobot(rule: AddRobotRule): AutomationRule;
    removeRobot(id: number): void;
    readonly runs: readonly RobotRun[];
  };

  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const opts = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? new VirtualClock();
  const store = StateStore.load(
    opts.statePath,
    () =>
      createInitialState({
        users: options.users ?? DEFAULT_USERS,
        departments: options.departments ?? DEFAULT_DEPARTMENTS,
        ...(options.memberId ? { memberId: options.memberId } : {}),
        version: opts.app.version,
      }),
    logger,
  );
  const urls: PortalUrls = { portalUrl: '', domain: '', clientEndpoint: '', serverEndpoint: '', oauthTokenUrl: '', oauthDomain: '' };
  const stats = new StatsCollector();

  // Services receive the portal object and read it lazily, so they can be wired after creation.
  const portal = { opts, clock, store, logger, urls, stats } as unknown as Portal & Record<string, unknown>;
  Object.defineProperty(portal, 'state', { get: () => store.state });
  Object.assign(portal, {
    tokens: new TokenService(portal),
    outbound: new Outbound(portal),
    events: new EventBus(portal),
    automation: new Automation(portal),
  });

  const registry = buildRegistry();
  const bucket = options.rateLimit ? new LeakyBucket(options.rateLimit) : null;
  let faultHooks: SandboxFaults = {};
  const portalServer = createServer(createRestApp({ portal, registry, bucket, faults: () => faultHooks }));
  const oauthServer = createServer(createOAuthApp(portal));
  const port = await listen(portalServer, options.port ?? 0);
  const oauthPort = await listen(oauthServer, options.oauthPort ?? 0);
  Object.assign(urls, {
    portalUrl: `http://127.0.0.1:${port}`,
    domain: `127.0.0.1:${port}`,
    clientEndpoint: `http://127.0.0.1:${port}/rest/`,
    serverEndpoint: `http://127.0.0.1:${oauthPort}/rest/`,
    oauthTokenUrl: `http://127.0.0.1:${oauthPort}/oauth/token/`,
    oauthDomain: `127.0.0.1:${oauthPort}`,
  });
  portal.tokens.prune();
  logger.info({ portal: urls.portalUrl, oauth: urls.serverEndpoint }, 'sandbox portal started');

  const sb: Sandbox = {
    portalUrl: urls.portalUrl,
    domain: urls.domain,
    clientEndpoint: urls.clientEndpoint,
    serverEndpoint: urls.serverEndpoint,
    oauthTokenUrl: urls.oauthTokenUrl,
    memberId: store.state.memberId,
    port,
    oauthPort,
    clock,
    get state() {
      return store.state;
    },
    get stats() {
      return stats.stats;
    },
    resetStats: () => stats.reset(),
    get faults() {
      return faultHooks;
    },
    set faults(value: SandboxFaults) {
      faultHooks = value;
    },
    get deliveries() {
      return portal.outbound.deliveries;
    },
    waitForDeliveries: (timeoutMs?: number) => portal.outbound.waitForIdle(timeoutMs),
    installApp: (o) => installApp(portal, o),
    finishInstall: () => finishInstall(portal),
    updateApp: (o) => updateApp(portal, o.version),
    uninstallApp: (o) => uninstallApp(portal, o),
    issueUserToken: (userId) => {
      if (!store.state.users.some((u) => u.id === userId)) throw new Error(`sandbox: no user ${userId}`);
      return portal.tokens.issuePair(userId);
    },
    expireAccessTokens: () => portal.tokens.expireAccessTokens(),
    revokeRefreshTokens: () => portal.tokens.revokeRefreshTokens(),
    framePost: (o) => framePost(portal, o),
    callAs: async (userId, method, params = {}) => {
      const caller = { userId, kind: 'internal' as const, accessToken: null, scopes: null };
      const answer = await dispatch(portal, registry, method, params, caller, { count: false });
      return answer.result;
    },
    automation: {
      addRobot: (rule) => portal.automation.addRule(rule),
      removeRobot: (id) => portal.automation.removeRule(id),
      get runs() {
        return store.state.robotRuns;
      },
    },
    close: async () => {
      store.flush();
      await Promise.all([closeServer(portalServer), closeServer(oauthServer)]);
    },
  };
  return sb;
}

