/** placement.bind/unbind/get/list — errors of placement.bind come with HTTP 200, as on the portal. */
import { RestFault } from '../errors.js';
import { nextId } from '../ids.js';
import { isHttpUrl, sameHostAsApp } from './handler-url.js';
import { asInt, asObject, asString, ok, pick, requireAdmin, type CallContext, type Params, type Registry } from './registry.js';

const CRM_ENTITIES = ['LEAD', 'DEAL', 'CONTACT', 'COMPANY', 'QUOTE', 'SMART_INVOICE', 'ORDER'];
const CRM_SUFFIXES = ['DETAIL_TAB', 'LIST_MENU', 'LIST_TOOLBAR', 'DETAIL_TOOLBAR', 'DETAIL_ACTIVITY'];
const GENERAL = ['LEFT_MENU', 'REST_APP_URI', 'PAGE_BACKGROUND_WORKER', 'USER_PROFILE_MENU', 'USER_PROFILE_TOOLBAR'];
const BY_SCOPE: Record<string, string[]> = {
  task: ['TASK_VIEW_TAB', 'TASK_VIEW_SIDEBAR', 'TASK_LIST_CONTEXT_MENU', 'TASK_USER_LIST_TOOLBAR'],
  im: ['IM_CONTEXT_MENU', 'IM_NAVIGATION', 'IM_TEXTAREA', 'IM_SIDEBAR'],
  calendar: ['CALENDAR_GRIDVIEW'],
};
/** Placements an app may hold only once. */
const SINGLE_INSTANCE = new Set(['REST_APP_URI', 'PAGE_BACKGROUND_WORKER']);

/** 200-status errors (the portal answers placement.bind errors with HTTP 200). */
const fault200 = (code: string, description: string, extra: Record<string, unknown> = {}) => new RestFault(code, description, 200, extra);

export function availablePlacements(ctx: CallContext): string[] {
  const scopes = ctx.caller.scopes;
  const has = (s: string) => !scopes || scopes.has(s);
  const codes = [...GENERAL];
  if (has('crm')) {
    const entities = [...CRM_ENTITIES, ...ctx.portal.state.crmTypes.map((t) => `DYNAMIC_${t.entityTypeId}`)];
    for (const e of entities) for (const s of CRM_SUFFIXES) codes.push(`CRM_${e}_${s}`);
    codes.push('CRM_ANALYTICS_MENU', 'CRM_ACTIVITY_LIST_MENU');
  }
  for (const [scope, list] of Object.entries(BY_SCOPE)) if (has(scope)) codes.push(...list);
  return codes;
}

function normalizeLangAll(raw: unknown, title: string, description: string, groupName: string) {
  const given = asObject(raw);
  if (!given) return { ru: { TITLE: title, DESCRIPTION: description, GROUP_NAME: groupName } };
  const out: Record<string, Record<string, string>> = {};
  for (const [lang, v] of Object.entries(given)) {
    const o = asObject(v) ?? {};
    out[lang] = { TITLE: asString(o['TITLE']), DESCRIPTION: asString(o['DESCRIPTION']), GROUP_NAME: asString(o['GROUP_NAME']) };
  }
  return out;
}

function bind(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const { state, opts } = ctx.portal;
  const placement = asString(pick(params, 'PLACEMENT', 'placement')).toUpperCase();
  const handler = asString(pick(params, 'HANDLER', 'handler'));
  if (!placement) throw fault200('ERROR_ARGUMENT', "Argument 'PLACEMENT' is null or empty", { argument: 'PLACEMENT' });
  if (!handler) throw fault200('ERROR_ARGUMENT', "Argument 'HANDLER' is null or empty", { argument: 'HANDLER' });
  if (!availablePlacements(ctx).includes(placement)) throw fault200('ERROR_PLACEMENT_NOT_FOUND', 'Placement not found');
  if (!isHttpUrl(handler) || !sameHostAsApp(handler, [opts.app.handlerUrl, opts.app.installUrl])) {
    throw fault200('ERROR_WRONG_HANDLER_URL', 'Wrong handler URL');
  }
  const userId = placement === 'PAGE_BACKGROUND_WORKER' ? (asInt(pick(params, 'USER_ID', 'user_id')) ?? 0) : 0;
  const existing = state.placements.filter((p) => p.placement === placement);
  if (SINGLE_INSTANCE.has(placement) && existing.length > 0) throw fault200('ERROR_PLACEMENT_MAX_COUNT', 'Placement max count reached');
  if (existing.some((p) => p.handler === handler && p.userId === userId)) {
    throw fault200('ERROR_CORE', 'Unable to set placement handler: Handler already binded');
  }
  const title = asString(pick(params, 'TITLE', 'title'));
  const description = asString(pick(params, 'DESCRIPTION', 'description'));
  const groupName = asString(pick(params, 'GROUP_NAME', 'group_name'));
  state.placements.push({
    id: nextId(state, 'placement'),
    placement,
    handler,
    title,
    description,
    groupName,
    langAll: normalizeLangAll(pick(params, 'LANG_ALL', 'lang_all'), title, description, groupName),
    options: asObject(pick(params, 'OPTIONS', 'options')) ?? {},
    userId,
  });
  return ok(true);
}

function unbind(ctx: CallContext, params: Params) {
  requireAdmin(ctx);
  const placement = asString(pick(params, 'PLACEMENT', 'placement')).toUpperCase();
  if (!placement) throw fault200('ERROR_ARGUMENT', "Argument 'PLACEMENT' is null or empty", { argument: 'PLACEMENT' });
  const handler = pick(params, 'HANDLER', 'handler');
  const userId = asInt(pick(params, 'USER_ID', 'user_id'));
  const matches = (p: { placement: string; handler: string; userId: number }) =>
    p.placement === placement && (handler === undefined || p.handler === handler) && (userId === null || p.userId === userId);
  const removed = ctx.portal.state.placements.filter(matches).length;
  ctx.portal.state.placements = ctx.portal.state.placements.filter((p) => !matches(p));
  // The portal counts each found record and each removal.
  return ok({ count: removed * 2 });
}

export function registerPlacement(registry: Registry): void {
  registry.add('placement.bind', { scopes: ['placement'], appContext: 'WRONG_AUTH_TYPE', handler: bind });
  registry.add('placement.unbind', { scopes: ['placement'], appContext: 'WRONG_AUTH_TYPE', handler: unbind });
  registry.add('placement.get', {
    scopes: ['placement'],
    appContext: 'WRONG_AUTH_TYPE',
    handler: (ctx) =>
      ok(
        ctx.portal.state.placements.map((p) => ({
          placement: p.placement,
          userId: p.userId,
          handler: p.handler,
          options: Object.keys(p.options).length ? p.options : [],
          title: p.title,
          description: p.description,
          langAll: p.langAll,
        })),
      ),
  });
  registry.add('placement.list', { scopes: ['placement'], appContext: 'WRONG_AUTH_TYPE', handler: (ctx) => ok(availablePlacements(ctx)) });
}
