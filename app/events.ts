import type { HandlerContext } from './context.js';
import type { EventPayload } from './http/payloads.js';

/** Job payload of an event: the parsed body without its auth block (tokens never go to the queue). */
export type QueuedEvent = Omit<EventPayload, 'auth'>;
export type EventHandler = (ctx: HandlerContext, payload: QueuedEvent) => Promise<void>;

/** Idempotency key of an event delivery: the same delivery repeated is one job. */
export function eventJobKey(p: QueuedEvent): string {
  const fields = (p.data.FIELDS ?? {}) as Record<string, unknown>;
  const id = typeof fields.ID === 'string' || typeof fields.ID === 'number' ? String(fields.ID) : '-';
  return `${p.event}:${id}:${p.ts}`;
}
