import type { HandlerContext } from './context.js';

/**
 * Run `fn` unless an effect with this key was recorded for the portal, then record it. A crash
 * between the two repeats `fn` once on retry, so effects keep their own writes idempotent where
 * they can (dedup keys, "already set" checks); the key makes repeats of whole steps do nothing.
 */
export async function once(ctx: Pick<HandlerContext, 'store' | 'portal'>, key: string, fn: () => Promise<unknown>): Promise<boolean> {
  if (await ctx.store.hasEffect(ctx.portal.memberId, key)) return false;
  await fn();
  await ctx.store.recordEffect(ctx.portal.memberId, key);
  return true;
}
