/**
 * The applicant's personal upload link: `PUBLIC_URL/upload/<token>`, where the token is signed with
 * the app's secret (Sealer.sign), names the portal and the deal, and expires (45 days by default —
 * longer than the 40 days after which an application without documents is closed).
 *
 * The claims are readable by whoever holds the link (base64url JSON: a kind marker, the portal's
 * member_id, the deal id, the expiry); they carry no personal data and grant nothing beyond the
 * upload page of that one application. The claim names deliberately differ from page sessions'
 * (`m`, `u` …), and `k` marks the kind, so neither token can stand in for the other.
 */
import type { Sealer } from '../secrets.js';

export const UPLOAD_LINK_TTL_MS = 45 * 24 * 60 * 60 * 1000;
const KIND = 'du-upload';

interface UploadClaims extends Record<string, unknown> {
  k: typeof KIND;
  p: string;
  d: number;
  exp: number;
}

export type UploadTokenCheck =
  | { ok: true; memberId: string; dealId: number; expiresAt: number }
  /** forged: bad signature or not an upload token (answer 403); expired: genuine but too old (answer 410). */
  | { ok: false; reason: 'forged' | 'expired'; expiresAt?: number };

export function uploadToken(sealer: Sealer, memberId: string, dealId: number, now: number, ttlMs = UPLOAD_LINK_TTL_MS): string {
  if (!memberId) throw new Error('uploadToken: memberId is empty');
  if (!Number.isInteger(dealId) || dealId <= 0) throw new Error(`uploadToken: bad deal id ${dealId}`);
  return sealer.sign({ k: KIND, p: memberId, d: dealId }, ttlMs, now);
}

/** The link the stage action e-mails to the applicant. `publicUrl` is config.publicUrl (a trailing slash is tolerated). */
export function uploadLinkFor(sealer: Sealer, publicUrl: string, memberId: string, dealId: number, now: number, ttlMs = UPLOAD_LINK_TTL_MS): string {
  return `${publicUrl.replace(/\/+$/, '')}/upload/${uploadToken(sealer, memberId, dealId, now, ttlMs)}`;
}

/** Tells a forged token from an expired one: the signature is checked first, the expiry after. */
export function verifyUploadToken(sealer: Sealer, token: string, now: number): UploadTokenCheck {
  if (typeof token !== 'string' || token.length > 1024 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'forged' };
  // verify() with now = 0 checks the signature but lets any expiry pass; the expiry is judged below.
  const claims = sealer.verify<UploadClaims>(token, 0);
  if (!claims || claims.k !== KIND || typeof claims.p !== 'string' || !claims.p || !Number.isInteger(claims.d) || claims.d <= 0) return { ok: false, reason: 'forged' };
  if (claims.exp < now) return { ok: false, reason: 'expired', expiresAt: claims.exp };
  return { ok: true, memberId: claims.p, dealId: claims.d, expiresAt: claims.exp };
}
