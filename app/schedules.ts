import cron from 'node-cron';
import type { HandlerContext } from './context.js';
import type { Logger } from './logger.js';
import type { Store } from './store/types.js';

export interface CronHandler {
  name: string;
  /** node-cron expression. */
  schedule: string;
  run(ctx: HandlerContext): Promise<void>;
}

/** Enqueue a scan for every active portal; the queue does the work within each portal's budget. */
export async function enqueueScan(store: Store, name: string, slot: string): Promise<number> {
  let created = 0;
  for (const p of await store.listPortals()) {
    if (p.status !== 'active' || !p.installedAt) continue;
    const r = await store.enqueue({ memberId: p.memberId, kind: `cron:${name}`, key: `${name}:${slot}`, payload: null });
    if (r.created) created++;
  }
  return created;
}

/** `overrides` replaces a handler's schedule by name (configured ones, e.g. DEADLINE_SCAN_CRON). */
export function startSchedules(handlers: CronHandler[], store: Store, logger: Logger, kick: () => void, overrides: Record<string, string> = {}): { stop(): void } {
  const tasks = handlers.map((h) =>
    cron.schedule(overrides[h.name] ?? h.schedule, async () => {
      const slot = new Date().toISOString().slice(0, 16);
      try {
        if (await enqueueScan(store, h.name, slot)) kick();
      } catch (err) {
        logger.error({ err, schedule: h.name }, 'schedule failed to enqueue');
      }
    }),
  );
  return { stop: () => tasks.forEach((t) => void t.stop()) };
}
