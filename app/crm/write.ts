import type { HandlerContext } from '../context.js';
import { AppError } from '../errors.js';
import type { BatchCommand } from '../rest/types.js';

/** Send writes in one batch and fail the job if any of them failed (the queue retries; effect keys stop repeats). */
export async function writeBatch(ctx: Pick<HandlerContext, 'rest'>, what: string, commands: BatchCommand[]): Promise<unknown[]> {
  if (!commands.length) return [];
  const outcomes = await ctx.rest.batch(commands);
  const failed = outcomes.map((o, i) => ({ o, c: commands[i]! })).filter(({ o }) => !o?.ok);
  if (failed.length) {
    const detail = failed.map(({ o, c }) => `${c.method}: ${o && !o.ok ? `${o.error.code} ${o.error.description}` : 'no answer'}`).join('; ');
    throw new AppError('REST_ERROR', `${what} not saved: ${detail}`);
  }
  return outcomes.map((o) => (o.ok ? o.result : undefined));
}
