/**
 * The portal's leaky bucket: each request adds 1, the level drains by drainPerSec, above burst → 503.
 * Measured in real time: it limits how fast the app really talks to the portal.
 */
import type { RateLimitOptions } from './types.js';

export class LeakyBucket {
  private level = 0;
  private last = performance.now();

  constructor(private readonly opts: RateLimitOptions) {}

  /** True when the request may run (and is counted); false when it must be refused. */
  tryTake(): boolean {
    const now = performance.now();
    this.level = Math.max(0, this.level - ((now - this.last) / 1000) * this.opts.drainPerSec);
    this.last = now;
    if (this.level + 1 > this.opts.burst) return false;
    this.level += 1;
    return true;
  }
}
