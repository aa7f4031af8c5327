/**
 * batch: up to 50 `method?query` commands run in order with the caller's auth; `$result[key][field]…`
 * references read earlier results; halt=1 stops at the first error. Empty maps come back as [].
 */
import qs from 'qs';
import { RestFault, faults } from '../errors.js';
import { stopwatch, type TimeObject } from '../timing.js';
import { dispatch } from './dispatch.js';
import { asObject, ok, type CallContext, type Params, type Registry } from './registry.js';

export const QS_OPTIONS = { depth: 20, arrayLimit: 1000, parameterLimit: 100_000, allowDots: false } as const;
const MAX_COMMANDS = 50;
const REFERENCE = /\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g;

function lookup(results: Record<string, unknown>, key: string, path: string): unknown {
  let value: unknown = results[key];
  for (const m of path.matchAll(/\[([^\]]*)\]/g)) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[m[1]!];
  }
  return value;
}

/** Replaces references in every string of the parsed sub-call params. */
function substitute(value: unknown, results: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
    if (whole) {
      const v = lookup(results, whole[1]!, whole[2] ?? '');
      return v === undefined ? value : v;
    }
    return value.replace(REFERENCE, (match, key: string, path: string) => {
      const v = lookup(results, key, path);
      return v === undefined || v === null ? match : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  }
  return value;
}

/** PHP json_encode: [] when empty, a list when keys are 0..n-1 of a list cmd, else an object. */
function phpShape<T>(map: Record<string, T>, listCmd: boolean): Record<string, T> | T[] {
  const keys = Object.keys(map);
  if (keys.length === 0) return [];
  if (listCmd && keys.every((k, i) => k === String(i))) return keys.map((k) => map[k]!);
  return map;
}

function commands(raw: unknown): { entries: [string, string][]; listCmd: boolean } {
  if (Array.isArray(raw)) return { entries: raw.map((c, i) => [String(i), String(c)]), listCmd: true };
  const o = asObject(raw);
  if (!o) return { entries: [], listCmd: false };
  const keys = Object.keys(o);
  return { entries: keys.map((k) => [k, String(o[k])]), listCmd: keys.every((k, i) => k === String(i)) };
}

export function registerBatch(registry: Registry): void {
  registry.add('batch', {
    scopes: [],
    handler: async (ctx: CallContext, params: Params) => {
      const halt = [1, '1', true, 'true', 'Y', 'y'].includes(params['halt'] as never);
      const { entries, listCmd } = commands(params['cmd'] ?? params['CMD']);
      if (entries.length > MAX_COMMANDS) throw new RestFault('ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded', 400);
      const result: Record<string, unknown> = {};
      const errors: Record<string, { error: string; error_description: string }> = {};
      const totals: Record<string, number> = {};
      const nexts: Record<string, number> = {};
      const times: Record<string, TimeObject> = {};
      for (const [key, command] of entries) {
        const q = command.indexOf('?');
        const method = (q < 0 ? command : command.slice(0, q)).trim();
        const parsed = qs.parse(q < 0 ? '' : command.slice(q + 1), QS_OPTIONS) as Params;
        delete parsed['auth'];
        const sw = stopwatch(ctx.portal.clock.now());
        try {
          const answer = await dispatch(ctx.portal, registry, method, substitute(parsed, result) as Params, ctx.caller, { inBatch: true });
          result[key] = answer.result;
          if (answer.total !== undefined) totals[key] = answer.total;
          if (answer.next !== undefined) nexts[key] = answer.next;
          times[key] = sw.stop(false);
        } catch (err) {
          const fault = err instanceof RestFault ? err : faults.internal();
          if (!(err instanceof RestFault)) ctx.portal.logger.error({ err, method }, 'sandbox: batch sub-call crashed');
          errors[key] = { error: fault.code, error_description: fault.description };
          if (halt) break;
        }
      }
      return ok({
        result: phpShape(result, listCmd),
        result_error: phpShape(errors, listCmd),
        result_total: phpShape(totals, listCmd),
        result_next: phpShape(nexts, listCmd),
        result_time: phpShape(times, listCmd),
      });
    },
  });
}
