/** REST method table: name → handler plus the rules the portal applies before running it. */
import type { Portal } from '../core.js';
import { RestFault, faults } from '../errors.js';
import type { SandboxUser } from '../types.js';

export type Params = Record<string, unknown>;

export interface Caller {
  /** null = the portal itself (robot, workflow, agent): changes carry no user token. */
  userId: number | null;
  kind: 'app' | 'webhook' | 'internal';
  accessToken: string | null;
  /** Granted scopes; null = everything. */
  scopes: Set<string> | null;
}

export interface CallContext {
  portal: Portal;
  caller: Caller;
  method: string;
  inBatch: boolean;
}

export interface Answer {
  result: unknown;
  total?: number;
  next?: number;
}

export type MethodHandler = (ctx: CallContext, params: Params) => Answer | Promise<Answer>;

export interface MethodDef {
  /** Scopes any one of which grants the method; empty = basic (always granted). */
  scopes: string[];
  handler: MethodHandler;
  /** App-context-only method: what a webhook call gets. */
  appContext?: 'WRONG_AUTH_TYPE' | 'ACCESS_DENIED';
  /** File upload/download methods are refused inside batch. */
  notInBatch?: boolean;
}

export class Registry {
  private readonly methods = new Map<string, MethodDef>();

  add(name: string, def: MethodDef): void {
    this.methods.set(name.toLowerCase(), def);
  }

  get(name: string): MethodDef | undefined {
    return this.methods.get(name.toLowerCase());
  }
}

export const ok = (result: unknown): Answer => ({ result });

/** The calling user (the system actor acts as the admin). */
export function callerUser(ctx: CallContext): SandboxUser {
  const id = ctx.caller.userId ?? 1;
  const user = ctx.portal.state.users.find((u) => u.id === id);
  if (!user) throw new RestFault('NO_AUTH_FOUND', 'Wrong authorization data', 401);
  return user;
}

export function isAdmin(ctx: CallContext): boolean {
  return ctx.caller.userId === null || callerUser(ctx).isAdmin;
}

export function requireAdmin(ctx: CallContext, fault: RestFault = faults.accessDenied('Access denied! Administrator access required')): void {
  if (!isAdmin(ctx)) throw fault;
}

/** Reads a parameter under any of the given spellings (legacy methods accept fields/FIELDS, id/ID …). */
export function pick(params: Params, ...names: string[]): unknown {
  for (const n of names) if (params[n] !== undefined) return params[n];
  return undefined;
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function asInt(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

export function asString(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** PHP serialises an empty associative array as `[]`. */
export function phpMap<T>(map: Record<string, T>): Record<string, T> | [] {
  return Object.keys(map).length === 0 ? [] : map;
}
