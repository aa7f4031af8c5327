import { randomBytes } from 'node:crypto';
import type { SandboxState } from './types.js';

/** Lower-case hex string of the given length (tokens, member_id, application_token). */
export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** Bitrix workflow ids look like PHP uniqid('', true): `664fa13bbbb410.99176768`. */
export function workflowId(): string {
  return `${randomHex(14)}.${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

/** Next value of a named sequence kept in the state (so ids survive a snapshot reload). */
export function nextId(state: SandboxState, name: string, start = 1): number {
  const current = state.seq[name] ?? start - 1;
  const next = current + 1;
  state.seq[name] = next;
  return next;
}
