/**
 * OAuth tokens of the one installed app: access tokens expire by the virtual clock,
 * refresh tokens are single-use (a used or revoked one gives invalid_grant).
 */
import { faults } from './errors.js';
import { randomHex } from './ids.js';
import type { Portal } from './core.js';
import type { TokenPair } from './types.js';

const REFRESH_TTL_MS = 180 * 24 * 3600 * 1000;

/** A token's record, never an inherited property: a "token" such as `__proto__` names nothing. */
export function ownRecord<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

export type RefreshOutcome = { ok: true; pair: TokenPair } | { ok: false; error: 'invalid_grant'; description: string };

export class TokenService {
  constructor(private readonly portal: Portal) {}

  private get ttlMs(): number {
    return this.portal.opts.accessTokenTtlSec * 1000;
  }

  /** A fresh access + refresh pair for the user (install, frame POST, refresh). */
  issuePair(userId: number): TokenPair {
    const { state } = this.portal;
    const now = this.portal.clock.now();
    const accessToken = randomHex(64);
    const refreshToken = randomHex(64);
    state.accessTokens[accessToken] = { token: accessToken, userId, expiresAt: now + this.ttlMs, revoked: false };
    state.refreshTokens[refreshToken] = { token: refreshToken, userId, used: false, revoked: false, expiresAt: now + REFRESH_TTL_MS };
    this.portal.store.touch();
    return { accessToken, refreshToken, expiresIn: this.portal.opts.accessTokenTtlSec, userId };
  }

  /** Who owns this access token; throws the REST 401 the real portal gives. */
  authenticate(token: string | undefined): number {
    if (!token) throw faults.noAuth();
    const rec = ownRecord(this.portal.state.accessTokens, token);
    if (!rec) throw faults.noAuth();
    if (rec.revoked) throw faults.invalidToken();
    if (rec.expiresAt <= this.portal.clock.now()) throw faults.expiredToken();
    return rec.userId;
  }

  /** Unix seconds when the token expires (for `expires` fields). */
  expiresAtSec(token: string): number {
    const rec = ownRecord(this.portal.state.accessTokens, token);
    return Math.floor((rec?.expiresAt ?? this.portal.clock.now()) / 1000);
  }

  refresh(refreshToken: string): RefreshOutcome {
    const rec = ownRecord(this.portal.state.refreshTokens, refreshToken);
    if (!rec) return { ok: false, error: 'invalid_grant', description: 'Invalid refresh token' };
    if (rec.revoked) return { ok: false, error: 'invalid_grant', description: 'Refresh token has been revoked' };
    if (rec.used) return { ok: false, error: 'invalid_grant', description: 'Refresh token has already been used' };
    if (rec.expiresAt <= this.portal.clock.now()) return { ok: false, error: 'invalid_grant', description: 'Refresh token has expired' };
    rec.used = true;
    return { ok: true, pair: this.issuePair(rec.userId) };
  }

  expireAccessTokens(): void {
    const past = this.portal.clock.now() - 1;
    for (const rec of Object.values(this.portal.state.accessTokens)) rec.expiresAt = Math.min(rec.expiresAt, past);
    this.portal.store.touch();
  }

  revokeRefreshTokens(): void {
    for (const rec of Object.values(this.portal.state.refreshTokens)) rec.revoked = true;
    this.portal.store.touch();
  }

  /** Uninstall closes the API: every token of the app stops working. */
  revokeAll(): void {
    for (const rec of Object.values(this.portal.state.accessTokens)) rec.revoked = true;
    this.revokeRefreshTokens();
  }

  /** Drops long-dead tokens so snapshots don't grow without bound. */
  prune(): void {
    const { state } = this.portal;
    const cutoff = this.portal.clock.now() - 24 * 3600 * 1000;
    for (const [k, rec] of Object.entries(state.accessTokens)) if (rec.expiresAt < cutoff) delete state.accessTokens[k];
    for (const [k, rec] of Object.entries(state.refreshTokens)) if (rec.expiresAt < cutoff) delete state.refreshTokens[k];
  }
}
