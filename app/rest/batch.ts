import type { Logger } from 'pino';
import type { BatchCommand, BatchOutcome } from './types.js';
import { backoffDelay, type RetryConfig, type Sleep } from './limits.js';
import { isRateLimitCode, parseErrorBody } from './errors-map.js';
import { isIdempotentMethod } from './method-kind.js';
import { batchCommandString } from './query.js';

/** Bitrix runs at most 50 commands per batch. */
export const MAX_BATCH_COMMANDS = 50;

/** The `result` of a `batch` call, each part keyed by command key (PHP's `[]` already turned into `{}`). */
export interface BatchEnvelope {
  result: Record<string, unknown>;
  result_error: Record<string, unknown>;
  result_total: Record<string, unknown>;
  result_next: Record<string, unknown>;
}

export interface BatchSender {
  sendBatch(cmd: Record<string, string>, idempotent: boolean): Promise<BatchEnvelope>;
}

interface BatchContext {
  retry: RetryConfig;
  sleep: Sleep;
  random: () => number;
  logger: Logger;
}

/**
 * Runs any number of commands as batches of ≤ 50 (halt=0) and returns one outcome per command, in order.
 * A whole-batch failure throws (the sender already waited out rate limits and repeated idempotent
 * batches). Sub-commands refused by a rate/operating limit did not run, so only they are sent again.
 */
export async function runBatch<T>(sender: BatchSender, commands: BatchCommand[], ctx: BatchContext): Promise<BatchOutcome<T>[]> {
  const outcomes = new Array<BatchOutcome<T> | undefined>(commands.length);
  const rows = commands.map((c) => batchCommandString(c.method, c.params));
  for (let start = 0; start < commands.length; start += MAX_BATCH_COMMANDS) {
    let pending = range(start, Math.min(commands.length, start + MAX_BATCH_COMMANDS));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const cmd: Record<string, string> = {};
      for (const i of pending) cmd[`c${i}`] = rows[i] as string;
      const idempotent = pending.every((i) => isIdempotentMethod((commands[i] as BatchCommand).method));
      const envelope = await sender.sendBatch(cmd, idempotent);
      const limited: number[] = [];
      for (const i of pending) {
        const outcome = outcomeOf<T>(envelope, `c${i}`);
        if (!outcome.ok && isRateLimitCode(outcome.error.code) && attempt < ctx.retry.maxAttempts) limited.push(i);
        else outcomes[i] = outcome;
      }
      if (limited.length > 0) {
        ctx.logger.debug({ commands: limited.length, attempt }, 'batch sub-commands rate-limited, repeating');
        await ctx.sleep(backoffDelay(attempt, ctx.retry, ctx.random));
      }
      pending = limited;
    }
  }
  return outcomes as BatchOutcome<T>[];
}

/** One command's outcome from a batch answer. */
export function outcomeOf<T>(envelope: BatchEnvelope, key: string): BatchOutcome<T> {
  const rawError = envelope.result_error[key];
  if (rawError !== undefined && rawError !== null) {
    const parsed = typeof rawError === 'string' ? { code: rawError, description: '' } : parseErrorBody(rawError);
    return { ok: false, error: parsed ?? { code: 'UNKNOWN_ERROR', description: '' } };
  }
  if (!(key in envelope.result)) {
    return { ok: false, error: { code: 'BATCH_NO_ANSWER', description: 'the batch answer has no result for this command' } };
  }
  const total = toNumber(envelope.result_total[key]);
  const next = toNumber(envelope.result_next[key]);
  return {
    ok: true,
    result: envelope.result[key] as T,
    ...(total === undefined ? {} : { total }),
    ...(next === undefined ? {} : { next }),
  };
}

function toNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}
