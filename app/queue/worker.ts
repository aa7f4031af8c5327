import { AppError, PortalDisconnectedError, RestError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Job, Store } from '../store/types.js';

export type JobRunner = (job: Job) => Promise<void>;

export interface WorkerOptions {
  store: Store;
  /** Runs one job; throwing means "not done". */
  run: JobRunner;
  logger: Logger;
  concurrency: number;
  now?: () => number;
  /** Longest sleep between looks at the queue. */
  pollMs?: number;
  maxAttempts?: number;
}

/** Errors that will not go away by waiting: keep the job as failed with its reason. */
function isPermanent(err: unknown): boolean {
  if (err instanceof AppError) return ['VALIDATION_FAILED', 'NOT_FOUND', 'UNKNOWN_ROBOT', 'BAD_REQUEST'].includes(err.code);
  if (err instanceof RestError) return !err.isRateLimit && err.httpStatus >= 400 && err.httpStatus < 500 && err.code !== 'expired_token';
  return false;
}

export function backoffMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return base + Math.floor(Math.random() * Math.min(1000, base / 4));
}

/**
 * Pulls jobs from the durable queue, at most one per portal at a time (so one portal's rate
 * budget is never shared by two jobs and no portal blocks another), up to `concurrency` portals
 * at once. A job is marked done only after its handler returned: a crash re-runs it, so handlers
 * make their effects idempotent.
 */
export class Worker {
  readonly #o: Required<Omit<WorkerOptions, 'now'>> & { now: () => number };
  readonly #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #looking = false;
  #again = false;

  constructor(opts: WorkerOptions) {
    this.#o = { pollMs: 1000, maxAttempts: 8, now: Date.now, ...opts };
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  async start(): Promise<void> {
    const requeued = await this.#o.store.requeueRunning();
    if (requeued) this.#o.logger.warn({ requeued }, 'jobs left running by a previous process were requeued');
    this.#running = true;
    this.kick();
  }

  /** Look at the queue now (after an enqueue). */
  kick(): void {
    if (!this.#running) return;
    if (this.#looking) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    void this.#look();
  }

  /** Stop taking jobs and wait for the ones in flight (graceful shutdown). */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#inflight]);
  }

  /** Resolves when nothing is queued for now and nothing runs (tests and the bench). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await this.#o.store.queueStats();
      const next = await this.#o.store.nextRunAt();
      const due = next !== null && next <= this.#o.now();
      if (this.#inflight.size === 0 && stats.running === 0 && !due) return;
      if (Date.now() > deadline) throw new Error(`queue not idle after ${timeoutMs} ms: ${JSON.stringify(stats)}`);
      this.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async #look(): Promise<void> {
    this.#looking = true;
    try {
      do {
        this.#again = false;
        const free = this.#o.concurrency - this.#inflight.size;
        if (free <= 0) break;
        const jobs = await this.#o.store.claim(this.#o.now(), free);
        for (const job of jobs) this.#track(this.#execute(job));
        if (jobs.length === free) this.#again = true;
      } while (this.#again && this.#running);
    } catch (err) {
      this.#o.logger.error({ err }, 'queue look failed');
    } finally {
      this.#looking = false;
      this.#schedule();
    }
  }

  async #schedule(): Promise<void> {
    if (!this.#running || this.#timer) return;
    const next = await this.#o.store.nextRunAt().catch(() => null);
    const wait = next === null ? this.#o.pollMs : Math.max(0, Math.min(this.#o.pollMs, next - this.#o.now()));
    if (!this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.kick();
    }, wait);
    this.#timer.unref();
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => {
      this.#inflight.delete(p);
      this.kick();
    });
  }

  async #execute(job: Job): Promise<void> {
    const log = this.#o.logger.child({ memberId: job.memberId, kind: job.kind, jobId: job.id, attempt: job.attempts });
    const started = Date.now();
    try {
      await this.#o.run(job);
      await this.#o.store.complete(job.id);
      log.debug({ ms: Date.now() - started }, 'job done');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof PortalDisconnectedError) {
        // The portal is paused (status disconnected) until re-install; the job waits, it is not lost.
        await this.#o.store.retry(job.id, this.#o.now(), message);
        log.warn('portal disconnected; job waits for re-install');
      } else if (isPermanent(err) || job.attempts >= this.#o.maxAttempts) {
        await this.#o.store.fail(job.id, message);
        log.error({ err: message }, 'job failed');
      } else {
        const delay = err instanceof RestError && err.isRateLimit ? 2000 : backoffMs(job.attempts);
        await this.#o.store.retry(job.id, this.#o.now() + delay, message);
        log.warn({ err: message, delay }, 'job will be retried');
      }
    }
  }
}
