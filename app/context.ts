import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Manifest } from './registry/manifest.js';
import { uploadLinkFor } from './membership/upload-link.js';
import type { RestClient } from './rest/types.js';
import type { Sealer } from './secrets.js';
import type { Portal, Store } from './store/types.js';
import { loadPortalSettings, type PortalSettings } from './settings.js';

/** The one context every handler gets (DESIGN idiom 4). Handlers never read req, env or raw auth. */
export interface HandlerContext {
  portal: Portal;
  rest: RestClient;
  store: Store;
  manifest: Manifest;
  /** Manifest key → portal id (field names, stage ids, enum item ids …). */
  map: Record<string, string>;
  settings: PortalSettings;
  logger: Logger;
  clock: Clock;
  /** Links into this app that handlers hand out (e-mails, notifications). */
  links: { uploadUrl(dealId: number): string };
}

export interface ContextDeps {
  store: Store;
  manifest: Manifest;
  clock: Clock;
  logger: Logger;
  restFor(memberId: string): RestClient;
  /** PUBLIC_URL and the app's signer, for links that outlive a request. */
  publicUrl: string;
  sealer: Sealer;
}

export async function buildContext(deps: ContextDeps, portal: Portal, logFields: Record<string, unknown>): Promise<HandlerContext> {
  return {
    portal,
    rest: deps.restFor(portal.memberId),
    store: deps.store,
    manifest: deps.manifest,
    map: await deps.store.getMap(portal.memberId),
    settings: await loadPortalSettings(deps.store, portal.memberId),
    logger: deps.logger.child({ memberId: portal.memberId, ...logFields }),
    clock: deps.clock,
    links: { uploadUrl: (dealId) => uploadLinkFor(deps.sealer, deps.publicUrl, portal.memberId, dealId, deps.clock.now()) },
  };
}

/** A mapped id the handler cannot work without (the registry has not run, or was undone by hand). */
export function requireMapped(ctx: Pick<HandlerContext, 'map'>, key: string): string {
  const v = ctx.map[key];
  if (v === undefined) throw new Error(`not installed yet: ${key} is missing — run "repair" in the app settings`);
  return v;
}
