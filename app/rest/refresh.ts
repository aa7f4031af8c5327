import type { Logger } from 'pino';
import type { Portal, Store, TokenPair } from '../store/types.js';
import { PortalDisconnectedError, RestError } from '../errors.js';
import { slashRestBase } from './query.js';

/** Answers of the OAuth server after which only a re-install helps. */
const REVOKED_CODES = new Set(['invalid_grant', 'invalid_client', 'PAYMENT_REQUIRED']);

/**
 * Tokens are treated as expired this long before their real expiry, so a call never leaves with
 * a token that dies on the way. The SDK is given the same shortened expiry (see sdk.ts).
 */
export const TOKEN_EXPIRY_SKEW_MS = 60_000;

/** What a refresh hands back: the pair plus what the SDK wants to know about the portal. */
export interface FreshTokens extends TokenPair {
  clientEndpoint: string;
  serverEndpoint: string;
  scope: string;
  domain: string;
}

export interface RefresherOptions {
  store: Store;
  oauthTokenUrl: string;
  clientId: string;
  clientSecret: string;
  logger: Logger;
  /** Called once per request actually sent to the OAuth server (for counts). */
  onRefreshRequest: (memberId: string) => void;
  /** Test seam; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Token expiry uses Date.now() on purpose: the SDK decides "expired" with Date.now(),
 * and the two clocks must agree or the SDK would ask for a refresh we consider unnecessary forever.
 */
export function isFresh(expiresAt: number): boolean {
  return expiresAt - TOKEN_EXPIRY_SKEW_MS > Date.now();
}

/**
 * Refreshes OAuth tokens with one request per portal at a time.
 *
 * Refresh tokens are single-use: two concurrent refreshes with the same refresh token make the
 * second fail (invalid_grant) and can lose the grant. So: one flight per portal; the stored pair
 * is re-read first (another client or process may have refreshed already); the new pair is written
 * to the store before anybody uses it.
 */
export class TokenRefresher {
  readonly #opts: RefresherOptions;
  readonly #inflight = new Map<string, Promise<FreshTokens>>();

  constructor(opts: RefresherOptions) {
    this.#opts = opts;
  }

  /**
   * @param isRejected tells whether the portal has already refused an access token (401), so a
   * stored token that is "fresh" by the clock but was just refused is not handed out again.
   */
  refresh(memberId: string, isRejected: (accessToken: string) => boolean): Promise<FreshTokens> {
    const running = this.#inflight.get(memberId);
    if (running) return running;
    const flight = this.#run(memberId, isRejected).finally(() => this.#inflight.delete(memberId));
    this.#inflight.set(memberId, flight);
    return flight;
  }

  async #run(memberId: string, isRejected: (accessToken: string) => boolean): Promise<FreshTokens> {
    const { store } = this.#opts;
    const portal = await store.getPortal(memberId);
    if (!portal || portal.status === 'uninstalled') throw new PortalDisconnectedError(memberId, 'not installed');
    if (portal.status === 'disconnected') throw new PortalDisconnectedError(memberId, portal.statusReason ?? 'disconnected');
    if (portal.accessToken && isFresh(portal.expiresAt) && !isRejected(portal.accessToken)) {
      // Somebody refreshed already (another process, or the flight that this 401 straggled behind).
      return fromPortal(portal);
    }
    const answer = await this.#post(memberId, portal.refreshToken);
    const fresh = toFreshTokens(portal, answer);
    await store.saveTokens(memberId, {
      accessToken: fresh.accessToken,
      refreshToken: fresh.refreshToken,
      expiresAt: fresh.expiresAt,
      clientEndpoint: fresh.clientEndpoint,
      serverEndpoint: fresh.serverEndpoint,
    });
    this.#opts.logger.info({ memberId }, 'oauth tokens refreshed');
    return fresh;
  }

  async #post(memberId: string, refreshToken: string): Promise<Record<string, unknown>> {
    const { oauthTokenUrl, clientId, clientSecret, logger, store } = this.#opts;
    const doFetch = this.#opts.fetch ?? fetch;
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    });
    this.#opts.onRefreshRequest(memberId);
    let status = 0;
    let data: unknown;
    try {
      const res = await doFetch(oauthTokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 15_000),
      });
      status = res.status;
      data = await res.json().catch(() => undefined);
    } catch (err) {
      throw new RestError('oauth.token', 'NETWORK_ERROR', err instanceof Error ? err.message : String(err), 0);
    }
    if (!data || typeof data !== 'object') throw new RestError('oauth.token', `HTTP_${status}`, 'unexpected answer', status);
    const answer = data as Record<string, unknown>;
    if (typeof answer.error === 'string' && answer.error) {
      const code = answer.error;
      const description = typeof answer.error_description === 'string' ? answer.error_description : '';
      if (REVOKED_CODES.has(code)) {
        await store.setPortalStatus(memberId, 'disconnected', `${code}${description ? `: ${description}` : ''}`);
        logger.warn({ memberId, code }, 'oauth refresh refused: portal disconnected');
        throw new PortalDisconnectedError(memberId, code);
      }
      throw new RestError('oauth.token', code, description, status);
    }
    if (typeof answer.access_token !== 'string' || typeof answer.refresh_token !== 'string') {
      throw new RestError('oauth.token', 'INVALID_TOKEN_ANSWER', 'no tokens in the answer', status);
    }
    if (typeof answer.member_id === 'string' && answer.member_id && answer.member_id !== memberId) {
      throw new RestError('oauth.token', 'MEMBER_ID_MISMATCH', 'the answer belongs to another portal', status);
    }
    return answer;
  }
}

function fromPortal(portal: Portal): FreshTokens {
  return {
    accessToken: portal.accessToken,
    refreshToken: portal.refreshToken,
    expiresAt: portal.expiresAt,
    clientEndpoint: portal.clientEndpoint,
    serverEndpoint: portal.serverEndpoint,
    scope: portal.scope,
    domain: portal.domain,
  };
}

function toFreshTokens(portal: Portal, answer: Record<string, unknown>): FreshTokens {
  // expires_in is relative, so it survives a clock difference with the OAuth server; `expires` is the fallback.
  const expiresIn = Number(answer.expires_in);
  const expires = Number(answer.expires);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0
    ? Date.now() + expiresIn * 1000
    : Number.isFinite(expires) && expires > 0 ? expires * 1000 : Date.now() + 3_600_000;
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v ? v : fallback);
  return {
    accessToken: answer.access_token as string,
    refreshToken: answer.refresh_token as string,
    expiresAt,
    clientEndpoint: slashRestBase(str(answer.client_endpoint, portal.clientEndpoint)),
    serverEndpoint: slashRestBase(str(answer.server_endpoint, portal.serverEndpoint)),
    scope: str(answer.scope, portal.scope),
    domain: portal.domain,
  };
}
