import type { Logger } from 'pino';
import type { AjaxResult, TypeB24 } from '@bitrix24/b24jssdk';
import { RestError } from '../errors.js';
import type { BatchCommand, BatchOutcome, CallCounts, RestCallOptions, RestClient, RestResponse, WalkOptions } from './types.js';
import type { CallCounter } from './counts.js';
import { backoffDelay, type LeakyBucket, type RetryConfig, type Sleep } from './limits.js';
import { ajaxResultError, errorResponseBody, isTransient, toRestError } from './errors-map.js';
import { isIdempotentMethod } from './method-kind.js';
import { runBatch, type BatchEnvelope } from './batch.js';
import { walkList } from './walker.js';

export interface ClientContext {
  memberId: string;
  /** Child logger of this portal. */
  logger: Logger;
  counter: CallCounter;
  /** Client-side leaky bucket of this portal; null when disabled. */
  limiter: LeakyBucket | null;
  retry: RetryConfig;
  sleep: Sleep;
  now: () => number;
  random: () => number;
  /** The portal's SDK object (built lazily from the store, rebuilt after eviction or a portal move). */
  sdk: () => Promise<TypeB24>;
}

interface Envelope<T> extends RestResponse<T> {
  time?: { operating_reset_at?: number };
}

/** Longest wait for a method's operating-time block to lift (Bitrix blocks for at most 10 minutes). */
const MAX_OPERATING_WAIT_MS = 600_000;

/** The REST client of one portal: retry policy, pacing, counting. Transport and auth are the SDK's. */
export class PortalRestClient implements RestClient {
  readonly memberId: string;
  readonly #ctx: ClientContext;
  /** Last `time.operating_reset_at` (ms) seen per method: how long an OPERATION_TIME_LIMIT block lasts. */
  readonly #operatingResetAt = new Map<string, number>();

  constructor(ctx: ClientContext) {
    this.memberId = ctx.memberId;
    this.#ctx = ctx;
  }

  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, opts?: RestCallOptions): Promise<T> {
    return (await this.callRaw<T>(method, params, opts)).result;
  }

  async callRaw<T = unknown>(method: string, params: Record<string, unknown> = {}, opts?: RestCallOptions): Promise<RestResponse<T>> {
    const idempotent = opts?.idempotent ?? isIdempotentMethod(method);
    const { result, total, next } = await this.#send<T>(method, params, idempotent);
    return { result, ...(total === undefined ? {} : { total }), ...(next === undefined ? {} : { next }) };
  }

  batch<T = unknown>(commands: BatchCommand[]): Promise<BatchOutcome<T>[]> {
    return runBatch<T>(this, commands, this.#ctx);
  }

  walk<T = Record<string, unknown>>(method: string, opts?: WalkOptions): AsyncIterable<T[]> {
    return walkList<T>(this, method, opts);
  }

  /** One `batch` request with ready-made `cmd` strings (halt=0). Used by batch() and walk(). */
  async sendBatch(cmd: Record<string, string>, idempotent: boolean): Promise<BatchEnvelope> {
    const { result } = await this.#send<unknown>('batch', { halt: 0, cmd }, idempotent);
    return normaliseBatchResult(result);
  }

  counts(): CallCounts {
    return this.#ctx.counter.snapshot();
  }

  resetCounts(): void {
    this.#ctx.counter.reset();
  }

  /**
   * One REST call with our retry policy:
   * - rate/operating limits (nothing ran) are waited out for every call, `*.add` included;
   * - 5xx / network errors (outcome unknown) are retried only when the call is idempotent;
   * - everything else is thrown at once as RestError. A 401 is refreshed and retried by the SDK.
   */
  async #send<T>(method: string, params: Record<string, unknown>, idempotent: boolean): Promise<Envelope<T>> {
    const { retry, logger, now, sleep } = this.#ctx;
    for (let attempt = 1; ; attempt += 1) {
      await this.#ctx.limiter?.take();
      const started = now();
      let error: ReturnType<typeof toRestError>;
      let errorBody: unknown;
      try {
        const b24 = await this.#ctx.sdk();
        const res = (await b24.actions.v2.call.make({ method, params })) as AjaxResult<T>;
        if (res.isSuccess) {
          const envelope = envelopeOf<T>(res);
          this.#noteOperating(method, envelope.time);
          logger.debug({ method, ms: now() - started, attempt }, 'rest call');
          return envelope;
        }
        error = ajaxResultError(method, res);
      } catch (err) {
        error = toRestError(method, err);
        errorBody = errorResponseBody(err);
      }
      if (!(error instanceof RestError)) throw error;
      const wait = attempt < retry.maxAttempts ? this.#retryDelay(error, errorBody, attempt, idempotent, method) : undefined;
      logger.debug({ method, code: error.code, status: error.httpStatus, attempt, ms: now() - started, retryInMs: wait }, 'rest call failed');
      if (wait === undefined) {
        if (attempt > 1 || error.isRateLimit || isTransient(error)) {
          logger.warn({ method, code: error.code, attempts: attempt }, 'rest call gave up');
        }
        throw error;
      }
      await sleep(wait);
    }
  }

  /** Milliseconds to wait before repeating, or undefined when the failure must not be repeated. */
  #retryDelay(error: RestError, body: unknown, attempt: number, idempotent: boolean, method: string): number | undefined {
    const { retry, random, now } = this.#ctx;
    const backoff = backoffDelay(attempt, retry, random);
    if (error.code === 'QUERY_LIMIT_EXCEEDED') {
      this.#ctx.limiter?.fill();
      return backoff;
    }
    if (error.code === 'OPERATION_TIME_LIMIT') {
      const resetAt = operatingResetAt(body) ?? this.#operatingResetAt.get(method);
      const untilReset = resetAt === undefined ? 0 : resetAt - now();
      return untilReset > 0 ? Math.min(MAX_OPERATING_WAIT_MS, untilReset + 1_000 + Math.round(random() * 1_000)) : backoff;
    }
    // A failed refresh (network to the OAuth server) means our call never left: safe to repeat.
    if (isTransient(error) && (idempotent || error.method === 'oauth.token')) return backoff;
    return undefined;
  }

  #noteOperating(method: string, time: Envelope<unknown>['time']): void {
    const resetAt = time?.operating_reset_at;
    if (typeof resetAt === 'number' && resetAt > 0) this.#operatingResetAt.set(method, resetAt * 1000);
  }
}

function operatingResetAt(body: unknown): number | undefined {
  const value = (body as { time?: { operating_reset_at?: unknown } } | undefined)?.time?.operating_reset_at;
  return typeof value === 'number' && value > 0 ? value * 1000 : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * AjaxResult.getData() exposes only {result, time}; `total`/`next` live in the raw answer, which the
 * SDK keeps in its protected `_data` (stable in 2.x; getTotal() is the documented fallback).
 */
function envelopeOf<T>(res: AjaxResult<T>): Envelope<T> {
  const raw = (res as unknown as { _data?: Record<string, unknown> })._data;
  const data = res.getData();
  const total = raw ? optionalNumber(raw.total) : res.getTotal() || undefined;
  const next = raw ? optionalNumber(raw.next) : undefined;
  return {
    result: data?.result as T,
    time: data?.time as Envelope<T>['time'],
    ...(total === undefined ? {} : { total }),
    ...(next === undefined ? {} : { next }),
  };
}

/** PHP sends empty maps as `[]`: turn every part into a plain object keyed by command. */
function normaliseBatchResult(result: unknown): BatchEnvelope {
  const r = (result ?? {}) as Record<string, unknown>;
  const map = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  if (!result || typeof result !== 'object') throw new RestError('batch', 'INVALID_BATCH_ANSWER', 'no result in the batch answer', 200);
  return {
    result: map(r.result),
    result_error: map(r.result_error),
    result_total: map(r.result_total),
    result_next: map(r.result_next),
  };
}
