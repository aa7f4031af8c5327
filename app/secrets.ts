import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The app's own secret: signs page sessions and upload links, and encrypts job payloads at rest
 * (robot properties may carry personal data while a job waits). From APP_SECRET, or generated
 * once and kept beside the database with owner-only permissions.
 */
export function loadAppSecret(configured: string | undefined, dbPath: string): string {
  if (configured) return configured;
  if (dbPath === ':memory:') return randomBytes(32).toString('hex');
  const file = join(dirname(dbPath), 'app.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Constant-time string comparison (length leaks nothing useful: tokens have fixed formats). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    // Still spend the comparison so timing does not depend on where the length differs.
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export class Sealer {
  readonly #key: Buffer;
  readonly #macKey: Buffer;
  constructor(secret: string) {
    this.#key = createHash('sha256').update(`seal:${secret}`).digest();
    this.#macKey = createHash('sha256').update(`mac:${secret}`).digest();
  }

  /** AES-256-GCM; output is base64url(iv | tag | ciphertext). */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Signed, expiring token: base64url(json).mac — for page sessions and upload links. */
  sign(claims: Record<string, unknown>, ttlMs: number, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, exp: now + ttlMs })).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  verify<T extends Record<string, unknown>>(token: string, now = Date.now()): T | null {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    if (!safeEqual(this.#mac(body), token.slice(dot + 1))) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp?: number };
      if (typeof claims.exp !== 'number' || claims.exp < now) return null;
      return claims;
    } catch {
      return null;
    }
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#macKey).update(body).digest('base64url');
  }
}
