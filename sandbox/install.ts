/**
 * App lifecycle on the portal: REST-only install (server POST of the ONAPPINSTALL shape, finished
 * at once), UI install (frame POST to the installer, finished by installFinish), update and uninstall
 * (handlers, placements and robots of the app are removed, as the real portal does).
 */
import type { Portal } from './core.js';
import { randomHex } from './ids.js';
import type { FramePost, InstallResult, TokenPair } from './types.js';

export interface FramePostOptions {
  userId?: number;
  placement?: string;
  placementOptions?: Record<string, unknown>;
  /** Handler URL; default: the bound placement handler, or the app page for DEFAULT. */
  handler?: string;
  tokens?: TokenPair;
}

/** What the portal POSTs into an app page/placement iframe opened by a user. */
export function framePost(portal: Portal, opts: FramePostOptions = {}): FramePost {
  const placement = opts.placement ?? 'DEFAULT';
  let handler = opts.handler;
  if (!handler) {
    if (placement === 'DEFAULT') handler = portal.opts.app.handlerUrl;
    else {
      const bound = portal.state.placements.find((p) => p.placement === placement);
      if (!bound) throw new Error(`sandbox: placement ${placement} is not bound by the app`);
      handler = bound.handler;
    }
  }
  const tokens = opts.tokens ?? portal.tokens.issuePair(opts.userId ?? 1);
  const query = { DOMAIN: portal.urls.domain, PROTOCOL: '0', LANG: 'ru', APP_SID: randomHex(32) };
  const body: Record<string, string> = {
    AUTH_ID: tokens.accessToken,
    AUTH_EXPIRES: String(tokens.expiresIn),
    REFRESH_ID: tokens.refreshToken,
    SERVER_ENDPOINT: portal.urls.serverEndpoint,
    APPLICATION_TOKEN: portal.state.app.applicationToken ?? '',
    APPLICATION_SCOPE: portal.opts.app.scope,
    member_id: portal.state.memberId,
    status: portal.state.app.status,
    PLACEMENT: placement,
  };
  if (placement !== 'DEFAULT' || opts.placementOptions) body['PLACEMENT_OPTIONS'] = JSON.stringify(opts.placementOptions ?? {});
  const url = new URL(handler);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return { url: url.toString(), query, body };
}

export async function installApp(portal: Portal, opts: { ui?: boolean; userId?: number } = {}): Promise<InstallResult> {
  const { state } = portal;
  const userId = opts.userId ?? 1;
  // One application_token per installation: kept on reinstall, new after an uninstall.
  state.app.applicationToken ??= randomHex(32);
  const tokens = portal.tokens.issuePair(userId);
  portal.store.touch();
  if (opts.ui) {
    const frame = framePost(portal, { handler: portal.opts.app.installUrl, tokens });
    return { tokens, applicationToken: state.app.applicationToken, frame };
  }
  // REST-only apps are installed at once; the callback may call app-context methods right away.
  state.app.installed = true;
  const payload = {
    event: 'ONAPPINSTALL',
    data: { VERSION: state.app.version, ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'ru' },
    ts: String(Math.floor(portal.clock.now() / 1000)),
    auth: {
      domain: portal.urls.domain,
      scope: portal.opts.app.scope,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires: String(portal.tokens.expiresAtSec(tokens.accessToken)),
      expires_in: String(tokens.expiresIn),
      server_endpoint: portal.urls.serverEndpoint,
      client_endpoint: portal.urls.clientEndpoint,
      member_id: state.memberId,
      application_token: state.app.applicationToken,
      status: state.app.status,
      user_id: String(userId),
    },
  };
  const rec = await portal.outbound.send('install', 'ONAPPINSTALL', portal.opts.app.installUrl, payload);
  return { tokens, applicationToken: state.app.applicationToken, status: rec.status };
}

/** BX24.installFinish() from the installer page. */
export function finishInstall(portal: Portal): void {
  portal.state.app.installed = true;
  portal.store.touch();
}

/** Removes what the portal removes on update/uninstall: event handlers and robots (and on uninstall placements). */
function wipeRegistrations(portal: Portal, placementsToo: boolean): void {
  const { state } = portal;
  state.eventBindings = [];
  state.robots = [];
  if (placementsToo) state.placements = [];
}

export async function updateApp(portal: Portal, version: string): Promise<void> {
  const { state } = portal;
  const previous = state.app.version;
  const handlers = state.eventBindings.filter((b) => b.event === 'ONAPPUPDATE' && !b.offline);
  wipeRegistrations(portal, false);
  state.app.version = version;
  portal.store.touch();
  const auth = portal.events.auth({ userId: 1, refresh: true });
  await Promise.all(portal.events.sendAppEvent('ONAPPUPDATE', handlers, { VERSION: version, PREVIOUS_VERSION: previous, LANGUAGE_ID: 'ru' }, auth));
}

export async function uninstallApp(portal: Portal, opts: { clean?: boolean } = {}): Promise<void> {
  const { state } = portal;
  const handlers = state.eventBindings.filter((b) => b.event === 'ONAPPUNINSTALL' && !b.offline);
  // No tokens in ONAPPUNINSTALL: the API is already closed to the app.
  const auth = {
    domain: portal.urls.domain,
    server_endpoint: portal.urls.serverEndpoint,
    client_endpoint: portal.urls.clientEndpoint,
    member_id: state.memberId,
    application_token: state.app.applicationToken ?? '',
  };
  const sent = portal.events.sendAppEvent('ONAPPUNINSTALL', handlers, { LANGUAGE_ID: 'ru', CLEAN: opts.clean ? '1' : '0' }, auth);
  wipeRegistrations(portal, true);
  state.offlineEvents = [];
  state.app.installed = false;
  state.app.applicationToken = null;
  if (opts.clean) state.app.options = {};
  portal.tokens.revokeAll();
  portal.store.touch();
  await Promise.all(sent);
}
