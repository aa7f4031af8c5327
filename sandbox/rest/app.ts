/** app.info, app.option.*, user.*, department.get, profile. */
import { formatIso } from '../clock.js';
import { compileFilter, paginate, sortRows } from '../crm/filter.js';
import { RestFault } from '../errors.js';
import type { SandboxDepartment, SandboxUser } from '../types.js';
import { asObject, callerUser, isAdmin, ok, phpMap, pick, type CallContext, type Params, type Registry } from './registry.js';

const USER_SCOPES = ['user', 'user_basic', 'user_brief'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * user.current prints its dates as strings; user.get serialises the same DateTime objects as `{}`
 * (both as in the docs samples).
 */
function userJson(ctx: CallContext, u: SandboxUser, list = false): Record<string, unknown> {
  const scopes = ctx.caller.scopes;
  const d = new Date(ctx.portal.clock.now() + 3 * 3600_000);
  const ymd = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  // user_brief has no contact fields; user and user_basic include the e-mail.
  const withEmail = !scopes || scopes.has('user') || scopes.has('user_basic');
  const registered = formatIso(Date.UTC(2024, 0, 15));
  return {
    ID: String(u.id),
    XML_ID: '',
    ACTIVE: u.active,
    NAME: u.name,
    LAST_NAME: u.lastName,
    SECOND_NAME: u.secondName ?? '',
    ...(withEmail ? { EMAIL: u.email, PERSONAL_WWW: '', PERSONAL_MOBILE: '', PERSONAL_CITY: '', WORK_PHONE: '' } : {}),
    LAST_LOGIN: formatIso(ctx.portal.clock.now()),
    DATE_REGISTER: registered,
    IS_ONLINE: 'N',
    TIME_ZONE: '',
    TIMESTAMP_X: list ? {} : `${ymd.split('-').reverse().join('.')} ${hms}`,
    LAST_ACTIVITY_DATE: list ? {} : `${ymd} ${hms}`,
    PERSONAL_GENDER: u.gender ?? '',
    PERSONAL_BIRTHDAY: '',
    WORK_POSITION: u.workPosition,
    UF_EMPLOYMENT_DATE: '',
    UF_DEPARTMENT: [...u.departments],
    USER_TYPE: 'employee',
  };
}

function userGetter(u: SandboxUser) {
  return (field: string): unknown => {
    switch (field) {
      case 'ID':
        return u.id;
      case 'ACTIVE':
        return u.active ? 'Y' : 'N';
      case 'NAME':
        return u.name;
      case 'LAST_NAME':
        return u.lastName;
      case 'SECOND_NAME':
        return u.secondName ?? '';
      case 'EMAIL':
        return u.email;
      case 'WORK_POSITION':
        return u.workPosition;
      case 'UF_DEPARTMENT':
        return u.departments;
      case 'USER_TYPE':
        return 'employee';
      case 'IS_ADMIN':
        return u.isAdmin ? 'Y' : 'N';
      default:
        return undefined;
    }
  };
}

const USER_FILTER_FIELDS = new Set(['ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', 'WORK_POSITION', 'UF_DEPARTMENT', 'USER_TYPE', 'IS_ADMIN']);

function userGet(ctx: CallContext, params: Params) {
  // Filter keys come in FILTER/filter or directly as top-level params (user.get?ID=1).
  const filter: Record<string, unknown> = { ...(asObject(pick(params, 'FILTER', 'filter')) ?? {}) };
  for (const [k, v] of Object.entries(params)) {
    const field = k.replace(/^[!@%<>=]+/, '');
    if (USER_FILTER_FIELDS.has(field)) filter[k] = v;
  }
  const predicate = compileFilter(filter, { resolve: (f) => (USER_FILTER_FIELDS.has(f.toUpperCase()) ? f.toUpperCase() : null) });
  let users = ctx.portal.state.users.filter((u) => predicate(userGetter(u)));
  const sortField = pick(params, 'sort', 'SORT');
  const order = pick(params, 'order', 'ORDER');
  if (typeof sortField === 'string') {
    users = sortRows(users, { [sortField.toUpperCase()]: typeof order === 'string' ? order : 'ASC' }, userGetter, { resolve: (f) => f });
  }
  const page = paginate(users, pick(params, 'start', 'START'));
  return { result: page.rows.map((u) => userJson(ctx, u, true)), total: page.total, next: page.next };
}

function departmentJson(d: SandboxDepartment): Record<string, unknown> {
  return {
    ID: String(d.id),
    NAME: d.name,
    SORT: d.sort,
    ...(d.parent !== null ? { PARENT: String(d.parent) } : {}),
    ...(d.head !== null ? { UF_HEAD: String(d.head) } : {}),
  };
}

function departmentGet(ctx: CallContext, params: Params) {
  const filter: Record<string, unknown> = {};
  for (const key of ['ID', 'NAME', 'PARENT', 'UF_HEAD']) if (params[key] !== undefined) filter[key] = params[key];
  const getter = (d: SandboxDepartment) => (f: string) =>
    ({ ID: d.id, NAME: d.name, PARENT: d.parent, UF_HEAD: d.head, SORT: d.sort })[f as 'ID'];
  const predicate = compileFilter(filter, { resolve: (f) => f });
  let rows = ctx.portal.state.departments.filter((d) => predicate(getter(d)));
  const sort = pick(params, 'sort', 'SORT');
  if (typeof sort === 'string') {
    rows = sortRows(rows, { [sort.toUpperCase()]: String(pick(params, 'order', 'ORDER') ?? 'ASC') }, getter, { resolve: (f) => f });
  }
  const page = paginate(rows, pick(params, 'START', 'start'));
  return { result: page.rows.map(departmentJson), total: page.total, next: page.next };
}

export function registerApp(registry: Registry): void {
  registry.add('app.info', {
    scopes: [],
    appContext: 'WRONG_AUTH_TYPE',
    handler: (ctx) => {
      const { app } = ctx.portal.state;
      const numeric = Number(app.version);
      return ok({
        ID: 1,
        CODE: ctx.portal.opts.app.code,
        VERSION: Number.isFinite(numeric) ? numeric : app.version,
        STATUS: app.status,
        INSTALLED: app.installed,
        PAYMENT_EXPIRED: 'N',
        DAYS: null,
        LANGUAGE_ID: 'ru',
        LICENSE: 'ru_project',
        LICENSE_TYPE: 'project',
        LICENSE_FAMILY: 'project',
      });
    },
  });

  registry.add('app.option.get', {
    scopes: [],
    appContext: 'WRONG_AUTH_TYPE',
    handler: (ctx, params) => {
      const options = ctx.portal.state.app.options;
      const name = pick(params, 'option', 'OPTION');
      if (typeof name === 'string' && name !== '') return ok(options[name] ?? null);
      return ok(phpMap(options));
    },
  });

  registry.add('app.option.set', {
    scopes: [],
    appContext: 'WRONG_AUTH_TYPE',
    handler: (ctx, params) => {
      if (!isAdmin(ctx)) throw new RestFault('AccessException', 'Administrator access required', 403);
      const options = asObject(pick(params, 'options', 'OPTIONS'));
      if (!options || Object.keys(options).length === 0) {
        throw new RestFault('ArgumentNullException', 'Argument "options" is null or empty', 400);
      }
      Object.assign(ctx.portal.state.app.options, options);
      return ok(true);
    },
  });

  registry.add('user.current', { scopes: USER_SCOPES, handler: (ctx) => ok(userJson(ctx, callerUser(ctx))) });
  registry.add('user.get', { scopes: USER_SCOPES, handler: userGet });
  registry.add('user.admin', { scopes: [], handler: (ctx) => ok(isAdmin(ctx)) });
  registry.add('department.get', { scopes: ['department'], handler: departmentGet });

  registry.add('profile', {
    scopes: [],
    handler: (ctx) => {
      const u = callerUser(ctx);
      return ok({
        ID: String(u.id),
        ADMIN: u.isAdmin,
        NAME: u.name,
        LAST_NAME: u.lastName,
        PERSONAL_GENDER: u.gender ?? '',
        PERSONAL_PHOTO: null,
        TIME_ZONE: 'Europe/Moscow',
        TIME_ZONE_OFFSET: 10800,
      });
    },
  });

  registry.add('scope', {
    scopes: [],
    handler: (ctx) => ok(ctx.portal.opts.app.scope.split(/[,\s]+/).filter(Boolean)),
  });
}
