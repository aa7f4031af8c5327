/**
 * Portal → app POSTs (events, robot calls, install callbacks) as PHP-style form bodies.
 * Like the real queue server: asynchronous (never inside the REST answer), failures are recorded and not retried.
 * Deliveries to one URL go out in order; different URLs run in parallel.
 */
import qs from 'qs';
import type { Portal } from './core.js';
import type { DeliveryRecord } from './types.js';

export class Outbound {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly portal: Portal) {}

  /** Queues one POST; the promise settles after the app answered (or the POST failed). */
  send(kind: DeliveryRecord['kind'], event: string, url: string, payload: Record<string, unknown>): Promise<DeliveryRecord> {
    const previous = this.chains.get(url) ?? Promise.resolve();
    // setImmediate: the REST answer that caused this goes out first.
    const run = previous
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.deliver(kind, event, url, payload));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(url, settled);
    this.pending.add(settled);
    void settled.then(() => {
      this.pending.delete(settled);
      if (this.chains.get(url) === settled) this.chains.delete(url);
    });
    return run;
  }

  /** Resolves when nothing is queued or in flight (including POSTs queued while waiting). */
  async waitForIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`sandbox: ${this.pending.size} outbound deliveries still pending after ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.pending]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
      // Let anything the just-finished handlers triggered get queued before checking again.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async deliver(
    kind: DeliveryRecord['kind'],
    event: string,
    url: string,
    payload: Record<string, unknown>,
  ): Promise<DeliveryRecord> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Sandbox Queue' },
        body: qs.stringify(payload),
        signal: AbortSignal.timeout(this.portal.opts.deliveryTimeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const record: DeliveryRecord = { kind, event, handler: url, status, error, payload, at: this.portal.clock.now() };
    this.deliveries.push(record);
    if (error) this.portal.logger.warn({ event, handler: url, status, error }, 'sandbox: delivery failed (not retried)');
    else this.portal.logger.debug({ event, handler: url, status }, 'sandbox: delivered');
    return record;
  }
}
