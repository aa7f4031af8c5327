/** bizproc.robot.*, bizproc.activity.* (separate registries, same rules), bizproc.event.send, bizproc.activity.log. */
import { RestFault, faults } from '../errors.js';
import type { RobotRec } from '../types.js';
import { isHttpUrl, sameHostAsApp } from './handler-url.js';
import { asInt, asObject, asString, isAdmin, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

const validation = (text: string) => new RestFault('ERROR_ACTIVITY_VALIDATION_FAILURE', text, 400);

function isLangText(v: unknown): boolean {
  if (typeof v === 'string') return v.trim() !== '';
  const o = asObject(v);
  return !!o && Object.values(o).some((x) => typeof x === 'string' && x.trim() !== '');
}

function checkProperties(raw: unknown): Record<string, Record<string, unknown>> {
  if (raw === undefined || raw === null || raw === '') return {};
  const props = asObject(raw);
  if (!props) throw validation('Wrong properties array!');
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(props)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(key)) throw validation(`Wrong property key ${key}!`);
    const prop = asObject(value);
    if (!prop || !isLangText(prop['Name'] ?? prop['NAME'])) throw validation(`Empty property NAME ${key}!`);
    out[key] = prop;
  }
  return out;
}

function checkDocumentType(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const list = Array.isArray(raw) ? raw : asObject(raw) ? Object.values(raw as object) : null;
  if (!list || list.length !== 3 || list.some((x) => typeof x !== 'string' || x === '')) throw validation('Wrong activity DOCUMENT_TYPE!');
  return list;
}

function checkFilter(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const f = asObject(raw);
  if (!f || Object.keys(f).some((k) => k !== 'INCLUDE' && k !== 'EXCLUDE')) throw validation('Wrong activity FILTER!');
  return f;
}

function checkHandler(ctx: CallContext, handler: string, field: string): void {
  if (!handler) throw new RestFault('ERROR_WRONG_HANDLER_URL', `Wrong ${field} URL`, 400);
  if (!isHttpUrl(handler)) throw new RestFault('ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported protocol', 400);
  const app = ctx.portal.opts.app;
  if (!sameHostAsApp(handler, [app.handlerUrl, app.installUrl])) throw new RestFault('ERROR_WRONG_HANDLER_URL', `Wrong ${field} URL`, 400);
}

/** Builds a registry record from add/update fields; `base` is the record being updated. */
function buildRobot(ctx: CallContext, kind: RobotRec['kind'], code: string, f: Record<string, unknown>, base?: RobotRec): RobotRec {
  const robot: RobotRec = base
    ? { ...base }
    : {
        kind,
        code,
        handler: '',
        authUserId: 0,
        useSubscription: '',
        name: '',
        description: '',
        properties: {},
        returnProperties: {},
        documentType: null,
        filter: null,
        usePlacement: 'N',
        placementHandler: '',
      };
  if (!base || 'HANDLER' in f) {
    robot.handler = asString(f['HANDLER']);
    checkHandler(ctx, robot.handler, 'handler');
  }
  if (!base || 'NAME' in f) {
    if (!isLangText(f['NAME'])) throw validation('Empty activity NAME!');
    robot.name = f['NAME'];
  }
  if ('AUTH_USER_ID' in f) robot.authUserId = asInt(f['AUTH_USER_ID']) ?? 0;
  if ('USE_SUBSCRIPTION' in f) robot.useSubscription = asString(f['USE_SUBSCRIPTION']);
  if ('DESCRIPTION' in f) robot.description = f['DESCRIPTION'];
  if ('PROPERTIES' in f) robot.properties = checkProperties(f['PROPERTIES']);
  if ('RETURN_PROPERTIES' in f) robot.returnProperties = checkProperties(f['RETURN_PROPERTIES']);
  if ('DOCUMENT_TYPE' in f) robot.documentType = checkDocumentType(f['DOCUMENT_TYPE']);
  if ('FILTER' in f) robot.filter = checkFilter(f['FILTER']);
  if ('USE_PLACEMENT' in f) robot.usePlacement = asString(f['USE_PLACEMENT']) === 'Y' ? 'Y' : 'N';
  if ('PLACEMENT_HANDLER' in f) robot.placementHandler = asString(f['PLACEMENT_HANDLER']);
  if (robot.usePlacement === 'Y') checkHandler(ctx, robot.placementHandler, 'placement handler');
  return robot;
}

function requireBizprocAdmin(ctx: CallContext): void {
  if (!isAdmin(ctx)) throw faults.accessDenied('Access denied!');
}

function registerFamily(registry: Registry, kind: RobotRec['kind']): void {
  const prefix = kind === 'robot' ? 'bizproc.robot' : 'bizproc.activity';
  const common = { scopes: ['bizproc'], appContext: 'ACCESS_DENIED' as const };
  const find = (ctx: CallContext, code: string) => ctx.portal.state.robots.find((r) => r.kind === kind && r.code === code);

  registry.add(`${prefix}.add`, {
    ...common,
    handler: (ctx, params: Params) => {
      requireBizprocAdmin(ctx);
      if (Object.keys(params).length === 0) throw validation('Empty data!');
      const code = asString(params['CODE']);
      if (!code) throw validation('Empty activity code!');
      if (!/^[a-zA-Z0-9._-]+$/.test(code)) throw validation('Wrong activity code!');
      const robot = buildRobot(ctx, kind, code, params);
      if (find(ctx, code)) throw new RestFault('ERROR_ACTIVITY_ALREADY_INSTALLED', 'Activity or Robot already installed!', 400);
      ctx.portal.state.robots.push(robot);
      return ok(true);
    },
  });

  registry.add(`${prefix}.update`, {
    ...common,
    handler: (ctx, params: Params) => {
      requireBizprocAdmin(ctx);
      const code = asString(params['CODE']);
      if (!code) throw validation('Empty activity code!');
      const existing = find(ctx, code);
      if (!existing) throw new RestFault('ERROR_ACTIVITY_NOT_FOUND', 'Activity or Robot not found!', 400);
      const fields = asObject(params['FIELDS']);
      if (!fields || Object.keys(fields).length === 0) throw validation('No fields to update');
      const updated = buildRobot(ctx, kind, code, fields, existing);
      Object.assign(existing, updated);
      return ok(true);
    },
  });

  registry.add(`${prefix}.delete`, {
    ...common,
    handler: (ctx, params: Params) => {
      requireBizprocAdmin(ctx);
      const code = asString(params['CODE'] ?? params['code']);
      if (!find(ctx, code)) throw new RestFault('ERROR_ACTIVITY_NOT_FOUND', 'Activity or Robot not found!', 400);
      ctx.portal.state.robots = ctx.portal.state.robots.filter((r) => !(r.kind === kind && r.code === code));
      return ok(true);
    },
  });

  registry.add(`${prefix}.list`, {
    ...common,
    handler: (ctx) => {
      requireBizprocAdmin(ctx);
      return ok(ctx.portal.state.robots.filter((r) => r.kind === kind).map((r) => r.code));
    },
  });
}

export function registerBizproc(registry: Registry): void {
  registerFamily(registry, 'robot');
  registerFamily(registry, 'activity');

  registry.add('bizproc.event.send', {
    scopes: ['bizproc'],
    handler: (ctx, params) => {
      const token = asString(pick(params, 'EVENT_TOKEN', 'event_token'));
      const values = asObject(pick(params, 'RETURN_VALUES', 'return_values')) ?? {};
      const log = pick(params, 'LOG_MESSAGE', 'log_message');
      ctx.portal.automation.complete(token, values, log === undefined ? null : asString(log));
      return ok(true);
    },
  });

  registry.add('bizproc.activity.log', {
    scopes: ['bizproc'],
    handler: (ctx, params) => {
      const token = asString(pick(params, 'EVENT_TOKEN', 'event_token'));
      ctx.portal.automation.log(token, asString(pick(params, 'LOG_MESSAGE', 'log_message')));
      return ok(true);
    },
  });
}
