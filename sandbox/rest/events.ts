/** event.bind/unbind/get, event.offline.*, events. */
import { formatIso } from '../clock.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { RestFault, faults } from '../errors.js';
import { nextId, randomHex } from '../ids.js';
import type { OfflineEventRec } from '../types.js';
import { sameHostAsApp } from './handler-url.js';
import { asInt, asObject, asString, isAdmin, ok, pick, requireAdmin, type CallContext, type Params, type Registry } from './registry.js';

function offlineJson(r: OfflineEventRec, withState: boolean): Record<string, unknown> {
  return {
    ID: String(r.id),
    TIMESTAMP_X: formatIso(r.timestamp),
    EVENT_NAME: r.eventName,
    EVENT_DATA: r.eventData,
    EVENT_ADDITIONAL: r.additional,
    MESSAGE_ID: r.messageId,
    ...(withState ? { PROCESS_ID: r.processId, ERROR: r.error ? '1' : '0' } : {}),
  };
}

function offlineGetter(r: OfflineEventRec) {
  return (f: string): unknown =>
    ({ ID: r.id, TIMESTAMP_X: formatIso(r.timestamp), EVENT_NAME: r.eventName, MESSAGE_ID: r.messageId, PROCESS_ID: r.processId, ERROR: r.error ? '1' : '0' })[
      f as 'ID'
    ];
}

const OFFLINE_FIELDS = new Set(['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'MESSAGE_ID', 'PROCESS_ID', 'ERROR']);
const resolveOffline = (f: string) => (OFFLINE_FIELDS.has(f.toUpperCase()) ? f.toUpperCase() : null);

const argumentNull = (name: string) => new RestFault('ERROR_ARGUMENT', `Argument '${name}' is null or empty`, 400, { argument: name });

function bind(ctx: CallContext, params: Params) {
  const { portal } = ctx;
  const event = asString(pick(params, 'event', 'EVENT')).toUpperCase();
  const handler = asString(pick(params, 'handler', 'HANDLER'));
  const offline = asString(pick(params, 'event_type', 'EVENT_TYPE')).toLowerCase() === 'offline';
  const authTypeRaw = pick(params, 'auth_type', 'AUTH_TYPE');
  const authType = asInt(authTypeRaw) ?? 0;
  if (!event) throw argumentNull('EVENT');
  if (!portal.events.knownEvents().includes(event)) throw new RestFault('ERROR_EVENT_NOT_FOUND', 'Event not found', 400);
  if (offline && !isAdmin(ctx)) throw faults.accessDenied('Access denied! Offline events binding requires administrator access rights');
  if (authType > 0 && !isAdmin(ctx)) throw faults.accessDenied('Access denied! Event binding with AUTH_TYPE requires administrator access rights');
  if (!offline) {
    if (!handler) throw argumentNull('HANDLER');
    if (!sameHostAsApp(handler, [portal.opts.app.handlerUrl, portal.opts.app.installUrl])) {
      throw new RestFault('ERROR_HANDLER_URL_MISMATCH', 'Wrong handler URL', 400);
    }
  }
  const authConnector = asString(pick(params, 'auth_connector', 'AUTH_CONNECTOR'));
  const options = asObject(pick(params, 'options', 'OPTIONS')) ?? {};
  const bindings = portal.state.eventBindings;
  const duplicate = bindings.some(
    (b) => b.event === event && b.offline === offline && b.handler === (offline ? '' : handler) && b.authType === authType && b.authConnector === authConnector,
  );
  if (duplicate) throw new RestFault('ERROR_CORE', 'Unable to set event handler: Handler already binded', 400);
  bindings.push({
    id: nextId(portal.state, 'eventBinding'),
    event,
    handler: offline ? '' : handler,
    authType,
    offline,
    minTimeout: asInt(options['minTimeout']) ?? 1,
    authConnector,
    lastPingAt: null,
  });
  return ok(true);
}

function unbind(ctx: CallContext, params: Params) {
  const event = asString(pick(params, 'event', 'EVENT')).toUpperCase();
  const handler = pick(params, 'handler', 'HANDLER');
  const offline = asString(pick(params, 'event_type', 'EVENT_TYPE')).toLowerCase() === 'offline';
  const authType = asInt(pick(params, 'auth_type', 'AUTH_TYPE'));
  if (!event) throw argumentNull('EVENT');
  const before = ctx.portal.state.eventBindings.length;
  ctx.portal.state.eventBindings = ctx.portal.state.eventBindings.filter(
    (b) =>
      !(
        b.event === event &&
        b.offline === offline &&
        (handler === undefined || offline || b.handler === handler) &&
        (authType === null || b.authType === authType)
      ),
  );
  return ok({ count: before - ctx.portal.state.eventBindings.length });
}

function offlineGet(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const { state } = ctx.portal;
  const clear = asInt(pick(params, 'clear', 'CLEAR')) ?? 1;
  const wantErrors = (asInt(pick(params, 'error', 'ERROR')) ?? 0) === 1;
  const limit = Math.max(1, Math.min(asInt(pick(params, 'limit', 'LIMIT')) ?? 50, 1000));
  const givenProcess = asString(pick(params, 'process_id', 'PROCESS_ID'));
  const connector = asString(pick(params, 'auth_connector', 'AUTH_CONNECTOR'));
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve: resolveOffline });
  // Parallel readers get disjoint sets: only unreserved records (or the caller's own process) qualify.
  let rows = state.offlineEvents.filter(
    (r) =>
      (r.processId === '' || (givenProcess !== '' && r.processId === givenProcess)) &&
      r.error === wantErrors &&
      r.authConnector === connector &&
      predicate(offlineGetter(r)),
  );
  const order = asObject(pick(params, 'order', 'ORDER')) ?? { TIMESTAMP_X: 'ASC' };
  rows = sortRows(rows, order, offlineGetter, { resolve: resolveOffline }).slice(0, limit);
  const events = rows.map((r) => offlineJson(r, false));
  let processId: string | null = null;
  if (clear === 1) {
    const ids = new Set(rows.map((r) => r.id));
    state.offlineEvents = state.offlineEvents.filter((r) => !ids.has(r.id));
  } else if (rows.length > 0) {
    processId = givenProcess || randomHex(32);
    for (const r of rows) r.processId = processId;
  }
  ctx.portal.store.touch();
  return ok({ process_id: processId, events });
}

function listOf(v: unknown): string[] | null {
  if (v === undefined || v === null || v === '') return null;
  return (Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v as object) : [v]).map(String);
}

function offlineClear(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const processId = asString(pick(params, 'process_id', 'PROCESS_ID'));
  if (!processId) throw argumentNull('process_id');
  const ids = listOf(pick(params, 'id', 'ID'));
  const messageIds = listOf(pick(params, 'message_id', 'MESSAGE_ID'));
  ctx.portal.state.offlineEvents = ctx.portal.state.offlineEvents.filter(
    (r) =>
      !(
        r.processId === processId &&
        (!ids || ids.includes(String(r.id))) &&
        (!messageIds || messageIds.includes(r.messageId))
      ),
  );
  return ok(true);
}

function offlineError(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const processId = asString(pick(params, 'process_id', 'PROCESS_ID'));
  if (!processId) throw argumentNull('process_id');
  const messageIds = listOf(pick(params, 'message_id', 'MESSAGE_ID')) ?? [];
  for (const r of ctx.portal.state.offlineEvents) {
    if (r.processId === processId && messageIds.includes(r.messageId)) {
      r.error = true;
      r.processId = '';
    }
  }
  return ok(true);
}

function offlineList(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const predicate = compileFilter(pick(params, 'filter', 'FILTER'), { resolve: resolveOffline });
  let rows = ctx.portal.state.offlineEvents.filter((r) => predicate(offlineGetter(r)));
  rows = sortRows(rows, asObject(pick(params, 'order', 'ORDER')) ?? { ID: 'ASC' }, offlineGetter, { resolve: resolveOffline });
  const page = paginate(rows, pick(params, 'start', 'START'));
  return { result: page.rows.map((r) => offlineJson(r, true)), total: page.total, next: page.next };
}

export function registerEvents(registry: Registry): void {
  registry.add('event.bind', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: bind });
  registry.add('event.unbind', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: unbind });
  registry.add('event.get', {
    scopes: [],
    appContext: 'WRONG_AUTH_TYPE',
    handler: (ctx) => {
      const admin = isAdmin(ctx);
      const rows = ctx.portal.state.eventBindings.filter((b) => admin || b.authType === ctx.caller.userId || b.authType === 0);
      return ok(
        rows.map((b) => ({
          event: b.event,
          handler: b.handler,
          auth_type: String(b.authType),
          offline: b.offline ? 1 : 0,
          ...(b.offline ? { connector_id: b.authConnector } : {}),
        })),
      );
    },
  });
  registry.add('event.offline.get', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: offlineGet });
  registry.add('event.offline.clear', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: offlineClear });
  registry.add('event.offline.error', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: offlineError });
  registry.add('event.offline.list', { scopes: [], appContext: 'WRONG_AUTH_TYPE', handler: offlineList });
  registry.add('events', { scopes: [], handler: (ctx) => ok(ctx.portal.events.knownEvents()) });
}
