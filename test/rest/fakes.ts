/** Test doubles for the REST layer: an in-memory Store and a fake portal that speaks Bitrix REST v2 (incl. batch references). */
import qs from 'qs';
import nock from 'nock';
import pino from 'pino';
import type { Portal, PortalStatus, Store, TokenPair } from '../../app/store/types.js';

export const silentLogger = pino({ level: 'silent' });

export { CONTRACT_DIR } from '../helpers/contract.js';

/** Store fake: only what the REST layer uses; `events` records the order of writes. */
export function createMemoryStore(initial: Portal[]): { store: Store; portals: Map<string, Portal>; events: string[] } {
  const portals = new Map(initial.map((p) => [p.memberId, { ...p }]));
  const events: string[] = [];
  const impl = {
    async getPortal(memberId: string) {
      const p = portals.get(memberId);
      return p ? { ...p } : undefined;
    },
    async saveTokens(memberId: string, t: TokenPair) {
      const p = portals.get(memberId);
      if (!p) throw new Error('no portal');
      events.push(`save:${t.accessToken}`);
      Object.assign(p, { ...t, updatedAt: Date.now() });
    },
    async setPortalStatus(memberId: string, status: PortalStatus, reason: string | null = null) {
      const p = portals.get(memberId);
      if (!p) throw new Error('no portal');
      events.push(`status:${status}`);
      Object.assign(p, { status, statusReason: reason });
    },
  };
  const store = new Proxy(impl, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`MemoryStore.${String(prop)} is not implemented`);
      };
    },
  }) as unknown as Store;
  return { store, portals, events };
}

export function makePortal(over: Partial<Portal> = {}): Portal {
  return {
    memberId: 'member-1',
    domain: 'portal.test',
    clientEndpoint: 'https://portal.test/rest/',
    serverEndpoint: 'https://oauth.test/rest/',
    applicationToken: 'app-token',
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresAt: Date.now() + 3_600_000,
    scope: 'crm,bizproc,placement,user_brief',
    status: 'active',
    statusReason: null,
    installedAt: Date.now(),
    appVersion: '1',
    updatedAt: Date.now(),
    ...over,
  };
}

type Json = Record<string, unknown>;
export type MethodHandler = (params: Json) => unknown;
/** A scripted answer: HTTP status + body, or a transport error. */
export type Scripted = { status: number; body: unknown; delayMs?: number } | { networkError: string };

export interface RequestRecord {
  method: string;
  path: string;
  auth: string | undefined;
  /** For batch: the sub-command strings. */
  cmd?: Record<string, string>;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const time = (extra: Json = {}): Json => ({ start: 1, finish: 1.01, duration: 0.01, processing: 0.01, date_start: '', date_finish: '', ...extra });

/**
 * A fake Bitrix24 portal. Methods are plain functions of the (already reference-substituted) params.
 * `script(method, ...answers)` queues answers that win over the handler (errors, limits, network failures).
 */
export class FakePortal {
  readonly requests: RequestRecord[] = [];
  readonly handlers = new Map<string, MethodHandler>();
  readonly scripts = new Map<string, Scripted[]>();
  /** Access tokens the portal accepts; empty set = accept anything (webhooks put the secret in the path). */
  readonly validTokens = new Set<string>();
  /** Delay (ms) of a 401 answer for a given request number; to make 401s straggle behind a refresh. */
  unauthorizedDelay: (n: number) => number = () => 0;
  /** `time` fields added to every successful answer. */
  timeExtra: Json = {};
  /** Called with the token of every accepted request (to check "saved before use"). */
  onTokenUsed: (token: string) => void = () => {};

  handle(method: string, handler: MethodHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  script(method: string, ...answers: Scripted[]): this {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), ...answers]);
    return this;
  }

  count(method: string): number {
    return this.requests.filter((r) => r.method === method).length;
  }

  /** Intercepts `{origin}{restPath}{method}` with nock (persisted until nock.cleanAll()). */
  mount(origin: string, restPath = '/rest/'): nock.Scope {
    // nock 15 calls a one-argument reply function with the fetch Request (its README still shows (uri, body)).
    return nock(origin)
      .persist()
      .post((uri: string) => uri.startsWith(restPath))
      .query(true)
      .reply(async (req: Request) => this.#answer(req, restPath));
  }

  async #answer(req: Request, restPath: string): Promise<[number, unknown]> {
    const path = new URL(req.url).pathname;
    const rest = path.slice(restPath.length);
    const text = await req.text();
    const body = (text ? JSON.parse(text) : {}) as Json;
    const method = decodeURIComponent(rest);
    const auth = typeof body.auth === 'string' ? body.auth : undefined;
    this.requests.push({ method, path, auth, ...(method === 'batch' ? { cmd: body.cmd as Record<string, string> } : {}) });
    const n = this.requests.length;
    if (rest.includes('/') || rest === '') return [404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: `bad path ${path}` }];
    if (this.validTokens.size > 0 && (!auth || !this.validTokens.has(auth))) {
      await delay(this.unauthorizedDelay(n));
      return [401, { error: 'expired_token', error_description: 'The access token provided has expired.' }];
    }
    if (auth) this.onTokenUsed(auth);
    const scripted = this.scripts.get(method)?.shift();
    if (scripted) {
      // A rejected reply becomes a transport error on the client side, like a reset connection.
      if ('networkError' in scripted) throw Object.assign(new Error('socket hang up'), { code: scripted.networkError });
      await delay(scripted.delayMs ?? 0);
      return [scripted.status, scripted.body];
    }
    const params = { ...body };
    delete params.auth;
    return method === 'batch' ? [200, this.#batch(params)] : this.#single(method, params);
  }

  #single(method: string, params: Json): [number, Json] {
    const handler = this.handlers.get(method);
    if (!handler) return [404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' }];
    try {
      const answer = handler(params);
      if (answer instanceof FakeError) return [answer.status, { error: answer.code, error_description: answer.description }];
      const { result, total, next } = answer instanceof ListAnswer ? answer : { result: answer, total: undefined, next: undefined };
      return [200, { result, ...(total === undefined ? {} : { total }), ...(next === undefined ? {} : { next }), time: time(this.timeExtra) }];
    } catch (err) {
      return [500, { error: 'INTERNAL_SERVER_ERROR', error_description: String(err) }];
    }
  }

  /** Bitrix's methodsBatch: parse_str each command, substitute `$result[..]` references, run in order. */
  #batch(params: Json): Json {
    const cmd = (params.cmd ?? {}) as Record<string, string>;
    const arResult: Record<string, Json> = { result: {}, next: {}, total: {}, time: {}, error: {} };
    for (const [key, call] of Object.entries(cmd)) {
      const q = call.indexOf('?');
      const method = q < 0 ? call : call.slice(0, q);
      const parsed = qs.parse(q < 0 ? '' : call.slice(q + 1), { depth: 20, arrayLimit: 1000, parameterLimit: 10_000 }) as Json;
      const subParams = substituteReferences(parsed, arResult) as Json;
      const [status, answer] = this.#single(method, subParams);
      if (status !== 200) {
        arResult.error![key] = { error: answer.error, error_description: answer.error_description };
        continue;
      }
      arResult.result![key] = answer.result;
      arResult.time![key] = time();
      if (answer.total !== undefined) arResult.total![key] = answer.total;
      if (answer.next !== undefined) arResult.next![key] = answer.next;
    }
    const phpMap = (m: Json): unknown => (Object.keys(m).length === 0 ? [] : m);
    return {
      result: {
        result: phpMap(arResult.result!),
        result_error: phpMap(arResult.error!),
        result_total: phpMap(arResult.total!),
        result_next: phpMap(arResult.next!),
        result_time: phpMap(arResult.time!),
      },
      time: time(),
    };
  }
}

export class FakeError {
  constructor(readonly code: string, readonly description = '', readonly status = 400) {}
}

export class ListAnswer {
  constructor(readonly result: unknown, readonly total?: number, readonly next?: number) {}
}

/**
 * PHP CRestUtil::processBatchElement: `$result[key][a][b]` walks with isset() and stops at the first
 * missing key, so a reference past the end of a short page yields the part that did exist (e.g. the
 * whole `items` array). A value that is exactly the reference is replaced by that (possibly array) value.
 */
export function substituteReferences(value: unknown, arResult: Record<string, Json>): unknown {
  if (Array.isArray(value)) return value.map((v) => substituteReferences(v, arResult));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteReferences(v, arResult)]));
  }
  if (typeof value !== 'string') return value;
  const re = /\$(result|next|total|time|error)(\S*)/gi;
  let out: unknown = value;
  for (const match of value.matchAll(re)) {
    const path = [...(match[2] ?? '').matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] as string);
    if (path.length === 0) continue;
    let r: unknown = arResult[(match[1] as string).toLowerCase()];
    for (const key of path) {
      const next = r && typeof r === 'object' ? (r as Json)[key] : undefined;
      if (next === undefined || next === null) break;
      r = next;
    }
    out = match[0] === value ? r : String(out).replace(match[0], typeof r === 'object' ? 'Array' : String(r));
  }
  return out;
}

/** A list of rows with a keyset-capable `*.list` handler (filter `>id`, order id ASC, start=-1, 50 per page). */
export function listHandler(rows: Json[], opts: { idField: string; container?: string }): MethodHandler {
  return (params) => {
    const filter = (params.filter ?? {}) as Json;
    let selected = rows;
    for (const [key, raw] of Object.entries(filter)) {
      if (key === `>${opts.idField}`) {
        // A non-scalar (a reference that hit a short page) is ignored here: the worst case for the walker.
        if (typeof raw !== 'string' && typeof raw !== 'number') continue;
        const after = Number(raw);
        selected = selected.filter((r) => Number(r[opts.idField]) > after);
      } else {
        selected = selected.filter((r) => String(r[key]) === String(raw));
      }
    }
    const order = (params.order ?? {}) as Json;
    if (String(order[opts.idField] ?? '').toUpperCase() === 'ASC') {
      selected = [...selected].sort((a, b) => Number(a[opts.idField]) - Number(b[opts.idField]));
    }
    const start = Number(params.start ?? 0);
    const page = selected.slice(Math.max(0, start), Math.max(0, start) + 50);
    const select = params.select as string[] | undefined;
    const shaped = select ? page.map((r) => Object.fromEntries(select.map((f) => [f, r[f]]))) : page;
    const result = opts.container ? { [opts.container]: shaped } : shaped;
    if (start === -1) return new ListAnswer(result, 0);
    return new ListAnswer(result, selected.length, start + 50 < selected.length ? start + 50 : undefined);
  };
}
