/** Client-side pacing and retry timing. Time is injected so tests run without real waiting. */

export interface RateLimitConfig {
  /** Bucket size: requests allowed in a burst (portal default 50). */
  burst: number;
  /** Sustained requests per second (portal default 2). */
  drainPerSec: number;
}

export interface RetryConfig {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { burst: 50, drainPerSec: 2 };
export const DEFAULT_RETRY: RetryConfig = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The portal's own leaky bucket, mirrored per portal so we rarely meet QUERY_LIMIT_EXCEEDED.
 * Reservation is synchronous, so concurrent callers queue up fairly without a lock.
 */
export class LeakyBucket {
  #level = 0;
  #last: number;
  readonly #config: RateLimitConfig;
  readonly #now: () => number;
  readonly #sleep: Sleep;

  constructor(config: RateLimitConfig, now: () => number, sleep: Sleep) {
    this.#config = config;
    this.#now = now;
    this.#sleep = sleep;
    this.#last = now();
  }

  /** Waits until one more request fits into the bucket. */
  async take(): Promise<void> {
    const wait = this.#reserve();
    if (wait > 0) await this.#sleep(wait);
  }

  /** The portal said "too many": assume its bucket is full so every caller slows down. */
  fill(): void {
    this.#drain();
    this.#level = Math.max(this.#level, this.#config.burst);
  }

  #drain(): void {
    const now = this.#now();
    this.#level = Math.max(0, this.#level - ((now - this.#last) / 1000) * this.#config.drainPerSec);
    this.#last = now;
  }

  #reserve(): number {
    this.#drain();
    this.#level += 1;
    const over = this.#level - this.#config.burst;
    return over > 0 ? Math.ceil((over / this.#config.drainPerSec) * 1000) : 0;
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. attempt starts at 1. */
export function backoffDelay(attempt: number, retry: RetryConfig, random: () => number = Math.random): number {
  const exp = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
