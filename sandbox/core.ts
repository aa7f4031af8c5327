/** The wiring every sandbox module receives: options, clock, state, services. */
import type { VirtualClock } from './clock.js';
import type { StateStore } from './state.js';
import type { TokenService } from './tokens.js';
import type { Outbound } from './outbound.js';
import type { EventBus } from './events.js';
import type { Automation } from './automation.js';
import type { StatsCollector } from './stats.js';
import type { SandboxAppConfig, SandboxLogger, SandboxOptions, SandboxState, SandboxWebhook } from './types.js';

export interface PortalUrls {
  /** http://127.0.0.1:PORT */
  portalUrl: string;
  /** 127.0.0.1:PORT */
  domain: string;
  /** http://127.0.0.1:PORT/rest/ */
  clientEndpoint: string;
  /** http://127.0.0.1:OAUTHPORT/rest/ */
  serverEndpoint: string;
  /** http://127.0.0.1:OAUTHPORT/oauth/token/ */
  oauthTokenUrl: string;
  /** 127.0.0.1:OAUTHPORT — what the OAuth server calls its own `domain`. */
  oauthDomain: string;
}

export interface ResolvedOptions {
  app: Required<SandboxAppConfig>;
  accessTokenTtlSec: number;
  webhooks: SandboxWebhook[];
  deliveryTimeoutMs: number;
  statePath: string | undefined;
}

export interface Portal {
  readonly opts: ResolvedOptions;
  readonly clock: VirtualClock;
  readonly store: StateStore;
  readonly logger: SandboxLogger;
  readonly urls: PortalUrls;
  readonly tokens: TokenService;
  readonly outbound: Outbound;
  readonly events: EventBus;
  readonly automation: Automation;
  readonly stats: StatsCollector;
  /** Shortcut for store.state. */
  readonly state: SandboxState;
}

export function resolveOptions(opts: SandboxOptions): ResolvedOptions {
  return {
    app: { code: opts.app.clientId, version: '1', ...opts.app },
    accessTokenTtlSec: opts.accessTokenTtlSec ?? 3600,
    webhooks: opts.webhooks ?? [],
    deliveryTimeoutMs: opts.deliveryTimeoutMs ?? 10_000,
    statePath: opts.statePath,
  };
}

export const silentLogger: SandboxLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
