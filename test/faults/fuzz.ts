/**
 * Malformed requests for the fault suite's flood case, generated from a seeded PRNG so a failing
 * request can be rebuilt from (seed, endpoint, index). Each endpoint starts from a request of the
 * shape it expects (real member_id, and for a share of them the real application_token, a real
 * user token, a valid page session or upload link, so the damage reaches past the first check),
 * then breaks it: wrong types, missing and random fields, huge values, broken percent-encoding and
 * UTF-8, wrong content types, truncation, deeply nested PHP arrays and JSON, JSON where a form is
 * expected and the other way round.
 */
import qs from 'qs';
import { mulberry32, PEOPLE } from './harness.js';

export interface FuzzContext {
  memberId: string;
  applicationToken: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  robotCodes: string[];
  /** Access tokens portal users really have (placements check them with the portal). */
  userTokens: string[];
  /** Access tokens of users who do not manage the portal's applications (they must not be able to re-install). */
  nonAdminTokens: string[];
  /** The public form's slug. */
  slug: string;
  /** A valid upload link token. */
  uploadToken: string;
  /** Page sessions (x-du-session): an administrator's on the app page, and a card tab's on `contactId`. */
  adminSession: string;
  tabSession: string;
  contactId: number;
}

export interface FuzzRequest {
  method: 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** What kind of damage, for the report. */
  kind: string;
  /** A local address to send from (the public form limits attempts per client address). */
  localAddress?: string;
}

type Rand = () => number;
type Obj = Record<string, unknown>;

export const ENDPOINTS = ['events', 'robots', 'install', 'placements', 'apply', 'upload', 'api-admission', 'api-member', 'api-settings'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

class Gen {
  constructor(readonly r: Rand) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  /** Strings that break things: unicode oddities, control characters, numbers in disguise, personal data. */
  nasty(): string {
    const p = this.pick(PEOPLE);
    return this.pick([
      '',
      ' ',
      '0',
      '-1',
      '1e309',
      '9'.repeat(40),
      '0x1F',
      'NaN',
      'null',
      'undefined',
      'true',
      '[]',
      '{}',
      '__proto__',
      'constructor',
      'toString',
      '\u0000',
      'a\u0000b',
      '\u202e\u200f\u200b',
      '😀'.repeat(this.int(50) + 1),
      '\ud800',
      '\udfff\ud800',
      'ё'.repeat(200),
      '<script>alert(1)</script>',
      "'; DROP TABLE jobs; --",
      '../../../../etc/passwd',
      '%00%ff',
      `${p.last} ${p.first} ${p.middle}`,
      p.phone,
      p.email,
      p.birth,
      `DEAL_${this.int(1e6)}`,
      `CONTACT_${'9'.repeat(30)}`,
      'x'.repeat(this.int(5000)),
    ]);
  }
  /** Long values: past the schemas' limits, and now and then past the body limits (1 MB for portal bodies). */
  huge(): string {
    if (this.chance(0.04)) return 'a'.repeat(1_050_000);
    return this.pick(['a', 'я', '%', '[', '😀']).repeat(this.pick([600, 5_000, 30_000]) + this.int(1000));
  }
  /** A random value of a random type (JSON side). */
  value(depth = 0): unknown {
    const k = this.int(depth > 3 ? 6 : 9);
    switch (k) {
      case 0: return this.nasty();
      case 1: return this.int(2) ? this.int(1e9) : -this.int(1e9);
      case 2: return this.pick([0, -0, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308]);
      case 3: return this.chance(0.5);
      case 4: return null;
      case 5: return this.hex(this.int(40));
      case 6: return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: this.int(5) }, () => [this.key(), this.value(depth + 1)]));
      default: return this.pick(PEOPLE).email;
    }
  }
  key(): string {
    return this.pick(['a', 'ID', 'FIELDS', 'auth', 'data', 'event', 'ts', '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', '0', '', ' ', 'ключ', this.hex(8), '[', ']', '&', '=']);
  }
}

// ── well-formed starting points ──────────────────────────────────────────────────────────────────

function auth(g: Gen, c: FuzzContext): Obj {
  // A share carry the real application_token: their damage has to be caught after the check. Another
  // share carry a real access token of a user who does not manage apps (an install must refuse it).
  const realAppToken = g.chance(0.35);
  const access = !realAppToken && g.chance(0.4) ? g.pick(c.nonAdminTokens) : g.hex(70);
  return {
    domain: c.domain,
    client_endpoint: c.clientEndpoint,
    server_endpoint: c.serverEndpoint,
    member_id: g.chance(0.9) ? c.memberId : g.hex(32),
    application_token: realAppToken ? c.applicationToken : g.hex(32),
    ...(g.chance(0.6) ? { access_token: access, refresh_token: g.hex(70), expires: String(Math.floor(Date.now() / 1000) + 3600), expires_in: '3600', user_id: '2' } : {}),
    scope: 'crm,bizproc',
    status: 'L',
  };
}

function eventPayload(g: Gen, c: FuzzContext): Obj {
  const event = g.pick(['ONCRMDEALUPDATE', 'ONCRMDEALADD', 'ONCRMCONTACTUPDATE', 'ONCRMCONTACTADD', 'ONCRMDYNAMICITEMUPDATE', 'ONOFFLINEEVENT', 'ONAPPINSTALL', 'ONAPPUPDATE', 'ONCRMLEADADD', g.hex(12)]);
  return {
    event,
    event_handler_id: String(g.int(100)),
    data: event === 'ONAPPINSTALL' || event === 'ONAPPUPDATE' ? { VERSION: String(g.int(10)), LANGUAGE_ID: 'ru' } : { FIELDS: { ID: String(g.int(5000) + 1), ENTITY_TYPE_ID: '2' } },
    ts: String(Math.floor(Date.now() / 1000) - g.int(100000)),
    auth: auth(g, c),
  };
}

function robotPayload(g: Gen, c: FuzzContext, code: string): Obj {
  const p = g.pick(PEOPLE);
  return {
    workflow_id: g.hex(24),
    code,
    document_id: ['crm', 'CCrmDocumentDeal', `DEAL_${g.int(5000) + 1}`],
    document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
    event_token: `${g.hex(24)}|A${g.hex(5)}_${g.hex(5)}|${g.hex(32)}.${g.hex(64)}`,
    properties: g.pick([{ status: 'member' }, { status: g.nasty(), effectiveDate: p.birth }, { days: String(g.int(100)), date: p.birth }, { comment: `${p.last} ${p.phone}` }]),
    use_subscription: g.pick(['Y', 'N']),
    timeout_duration: String(g.int(1000)),
    ts: String(Math.floor(Date.now() / 1000)),
    auth: auth(g, c),
  };
}

/** A frame POST; `tokens` are the real access tokens it may carry (30% of them do). */
function frame(g: Gen, c: FuzzContext, placement: string, tokens: string[]): Obj {
  return {
    DOMAIN: c.domain,
    PROTOCOL: '0',
    LANG: 'ru',
    APP_SID: g.hex(32),
    AUTH_ID: g.chance(0.3) && tokens.length ? g.pick(tokens) : g.hex(70),
    AUTH_EXPIRES: '3600',
    REFRESH_ID: g.hex(70),
    SERVER_ENDPOINT: c.serverEndpoint,
    APPLICATION_TOKEN: g.hex(32),
    member_id: g.chance(0.9) ? c.memberId : g.hex(32),
    status: 'L',
    PLACEMENT: placement,
    PLACEMENT_OPTIONS: g.pick([JSON.stringify({ ID: String(c.contactId) }), '{"ID":', 'undefined', JSON.stringify({ ID: { a: 1 } }), JSON.stringify([1, 2]), g.nasty()]),
  };
}

function applyForm(g: Gen): Obj {
  const p = g.pick(PEOPLE);
  return {
    lastName: p.last,
    firstName: p.first,
    middleName: p.middle,
    birthDate: p.birth.split('-').reverse().join('.'),
    phone: p.phone,
    email: p.email,
    orgId: g.int(50) + 1,
    position: 'Инженер',
    consentProcessing: true,
    consentDistribution: g.chance(0.5),
    publicCategories: ['full_name', 'phone'],
    idempotencyKey: `fuzz-${g.hex(20)}`,
    homepage: '',
  };
}

function uploadBody(g: Gen): Obj {
  const pdf = Buffer.from(`%PDF-1.4 ${PEOPLE[0]!.last}`).toString('base64');
  return { files: [{ name: `${g.pick(PEOPLE).last}.pdf`, data: g.chance(0.5) ? pdf : Buffer.from(g.hex(40)).toString('base64') }] };
}

function admissionBody(g: Gen): { path: string; body: Obj } {
  if (g.chance(0.5)) {
    const p = g.pick(PEOPLE);
    const csv = `Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail\n${p.last};${p.first};${p.middle};${p.birth};${p.phone};${p.email}\n`;
    return { path: '/api/admission/upload', body: { fileName: g.pick(['list.csv', 'list.xlsx', 'x', '']), contentBase64: g.chance(0.3) ? Buffer.from(csv).toString('base64') : Buffer.from(g.hex(200)).toString('base64') } };
  }
  return { path: '/api/admission/execute', body: { uploadId: g.hex(16), mode: g.pick(['members', 'applications', 'x']), date: '2024-01-01', useFileDates: true, duplicateDefault: 'skip', rows: { 1: { action: 'new' } } } };
}

function memberBody(g: Gen): Obj {
  return { status: g.pick(['member', 'applied', 'suspended', 'deregistered', 'x']), from: '2024-01-01', until: g.pick(['', '2030-01-01']), reason: g.pick(['', 'moved', 'x']) };
}

function settingsBody(g: Gen): { path: string; body: Obj } {
  return g.pick([
    { path: '/api/settings/roles', body: { mapping: { clerk: [1], chairman: [g.int(10)] } } },
    { path: '/api/settings/process', body: { values: { timeZone: 'Europe/Moscow', signingReminderDays: 10, signingCloseDays: 40, signingDayKind: 'calendar', handleStagesByEvents: true } } },
    { path: '/api/settings/calendar', body: { overrides: { [String(2025)]: { holidays: ['2025-01-01'] } } } },
  ]);
}

// ── damage ───────────────────────────────────────────────────────────────────────────────────────

/** Leaf paths of an object, as arrays of keys. */
function paths(o: unknown, prefix: string[] = []): string[][] {
  if (!o || typeof o !== 'object') return [prefix];
  const entries = Object.entries(o as Obj);
  if (!entries.length) return [prefix];
  return entries.flatMap(([k, v]) => paths(v, [...prefix, k]));
}

function setPath(o: Obj, path: string[], value: unknown): void {
  let cur: Obj = o;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Obj;
  }
  const last = path[path.length - 1];
  // Not an array's `length` (a billion empty slots is a memory test of the generator, not of the app).
  if (last === undefined || (Array.isArray(cur) && last === 'length')) return;
  cur[last] = value;
}

function deletePath(o: Obj, path: string[]): void {
  let cur: Obj = o;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') return;
    cur = cur[k] as Obj;
  }
  if (path.length) delete cur[path[path.length - 1]!];
}

function mutate(g: Gen, base: Obj): { obj: Obj; kind: string } {
  const obj = structuredClone(base);
  const kinds: string[] = [];
  const n = 1 + g.int(3);
  for (let i = 0; i < n; i++) {
    const leaves = paths(obj).filter((p) => p.length);
    const path = leaves.length ? g.pick(leaves) : ['x'];
    switch (g.int(8)) {
      case 0:
        deletePath(obj, path);
        kinds.push('missing field');
        break;
      case 1:
        setPath(obj, path, g.value());
        kinds.push('wrong type');
        break;
      case 2:
        setPath(obj, path, g.huge());
        kinds.push('huge value');
        break;
      case 3:
        setPath(obj, path, g.nasty());
        kinds.push('nasty string');
        break;
      case 4:
        setPath(obj, [...path.slice(0, -1), g.key()], g.value());
        kinds.push('random field');
        break;
      case 5:
        setPath(obj, path, Array.from({ length: 1 + g.int(3) }, () => g.nasty()));
        kinds.push('array for string');
        break;
      case 6:
        setPath(obj, path, { [g.key()]: g.nasty() });
        kinds.push('object for string');
        break;
      default:
        setPath(obj, path, g.pick([g.int(1e6), -g.int(1e6), 1e21, true, null]));
        kinds.push('number/bool/null');
    }
  }
  return { obj, kind: `mutated: ${kinds.join(', ')}` };
}

/** encodeURIComponent that writes a lone surrogate as the (invalid) UTF-8 bytes of one instead of throwing. */
function percent(s: string): string {
  let out = '';
  for (const ch of s) out += /^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch);
  return out;
}

/** `a[b][c]…` nested `depth` levels deep (PHP arrays). */
function nestedForm(g: Gen, depth: number): string {
  const head = g.pick(['data', 'auth', 'properties', 'a', 'document_id', 'PLACEMENT_OPTIONS', 'files']);
  const tail = Array.from({ length: depth }, () => `[${g.pick(['', 'b', '0', String(g.int(1e9)), '__proto__', 'FIELDS'])}]`).join('');
  return `${head}${tail}=${percent(g.nasty())}`;
}

function nestedJson(g: Gen, depth: number): string {
  return g.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function encodeForm(o: Obj): string {
  return qs.stringify(o, { arrayFormat: 'indices' });
}

function brokenEncoding(g: Gen, text: string): Buffer {
  const pos = g.int(text.length + 1);
  const junk = g.pick([
    Buffer.from('%'),
    Buffer.from('%G1'),
    Buffer.from('%E0%A4%A'),
    Buffer.from('%C0%AF'),
    Buffer.from('%ED%A0%80'),
    Buffer.from('%FF%FE'),
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from([0xc3, 0x28]),
    Buffer.from([0xe2, 0x82]),
    Buffer.from([0xf0, 0x90, 0x80]),
    Buffer.from([0x00]),
  ]);
  const bytes = Buffer.from(text, 'utf8');
  const cut = Math.min(pos, bytes.length);
  if (g.chance(0.2)) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  if (g.chance(0.1)) return Buffer.from(text, 'utf16le');
  return Buffer.concat([bytes.subarray(0, cut), junk, bytes.subarray(cut)]);
}

const WRONG_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=----x',
  'multipart/form-data',
  'application/octet-stream',
  'text/html; charset=utf-8',
  `${FORM}; charset=koi8-r`,
  `${JSON_TYPE}; charset=utf-16`,
  `${FORM}; charset=iso-8859-1`,
  'application/x-www-form-urlencoded, application/json',
  'application/json; charset=',
  ';;;',
  '*/*',
  'form',
  'application/vnd.api+json',
];

/**
 * One broken request for an endpoint. The body's own form (form or JSON) follows what the endpoint
 * expects; about a fifth of the requests get the other one.
 */
export function fuzzRequest(endpoint: Endpoint, seed: number, index: number, c: FuzzContext): FuzzRequest {
  const g = new Gen(mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(ENDPOINTS.indexOf(endpoint) + 1, 0x85ebca6b)) >>> 0));
  let path: string;
  let base: Obj;
  let wantsForm = true;
  let method: 'POST' | 'PUT' = 'POST';
  const headers: Record<string, string> = {};
  let localAddress: string | undefined;
  switch (endpoint) {
    case 'events':
      path = '/events';
      base = eventPayload(g, c);
      break;
    case 'robots': {
      const code = g.chance(0.7) ? g.pick(c.robotCodes) : g.pick(['', 'UNKNOWN', 'a'.repeat(100), '..%2f..', '%F0%9F%98%80', 'set-member-status%00', g.hex(10), 'x y', 'constructor', '__proto__', 'tostring', 'hasownproperty', 'valueof']);
      path = `/robots/${code}`;
      base = robotPayload(g, c, code);
      break;
    }
    case 'install':
      path = '/install';
      base = g.chance(0.5) ? eventPayload(g, c) : frame(g, c, 'DEFAULT', c.nonAdminTokens);
      delete base.event;
      break;
    case 'placements': {
      const name = g.chance(0.8) ? g.pick(['DEFAULT', 'admission', 'member']) : g.pick(['', 'CRM_CONTACT_DETAIL_TAB', g.hex(8), '%ZZ', 'a'.repeat(300), 'constructor', '__proto__', 'toString', 'hasOwnProperty']);
      path = `/placements/${name}`;
      base = frame(g, c, g.pick(['DEFAULT', 'CRM_CONTACT_DETAIL_TAB', 'CRM_DEAL_LIST_MENU', 'bad placement']), c.userTokens);
      if (g.chance(0.3)) path += `?DOMAIN=${percent(g.nasty())}&PROTOCOL=${g.pick(['0', '1', '2', '%'])}&LANG[x]=ru`;
      break;
    }
    case 'apply':
      path = `/apply/${g.chance(0.85) ? c.slug : g.pick(['NoSuchFormLink12345', 'x', g.hex(20), '%E0%A4%A'])}`;
      base = applyForm(g);
      wantsForm = false;
      // The form limits attempts per client address: spread the flood over loopback addresses.
      {
        const group = Math.floor(index / 20);
        localAddress = `127.${1 + (group % 250)}.${1 + (Math.floor(group / 250) % 250)}.${1 + (seed % 250)}`;
      }
      break;
    case 'upload':
      path = `/upload/${g.chance(0.85) ? c.uploadToken : g.pick(['x', `${c.uploadToken}x`, 'a.b', g.hex(40)])}`;
      base = uploadBody(g);
      wantsForm = false;
      break;
    case 'api-admission': {
      const a = admissionBody(g);
      path = a.path;
      base = a.body;
      wantsForm = false;
      headers['x-du-session'] = g.chance(0.9) ? c.adminSession : g.pick(['', 'x.y', `${c.adminSession}x`]);
      break;
    }
    case 'api-member':
      path = `/api/member/${g.chance(0.9) ? c.contactId : g.pick(['0', '-1', 'abc', '9'.repeat(30)])}/status`;
      base = memberBody(g);
      wantsForm = false;
      headers['x-du-session'] = g.chance(0.9) ? c.tabSession : `${c.tabSession}x`;
      break;
    case 'api-settings': {
      const s = settingsBody(g);
      path = s.path;
      base = s.body;
      method = 'PUT';
      wantsForm = false;
      headers['x-du-session'] = g.chance(0.9) ? c.adminSession : '';
      break;
    }
  }
  const asForm = g.chance(0.2) ? !wantsForm : wantsForm;
  const typeFor = (form: boolean) => (form ? FORM : JSON_TYPE);
  const encode = (o: Obj, form: boolean) => (form ? encodeForm(o) : JSON.stringify(o));

  let body: Buffer;
  let kind: string;
  const family = g.int(10);
  switch (family) {
    case 0: {
      // random fields only
      const o = Object.fromEntries(Array.from({ length: g.int(12) }, () => [g.key(), g.value()]));
      body = Buffer.from(encode(o, asForm));
      headers['content-type'] = typeFor(asForm);
      kind = 'random fields';
      break;
    }
    case 1: {
      body = brokenEncoding(g, encode(mutate(g, base).obj, asForm));
      headers['content-type'] = g.chance(0.3) ? `${typeFor(asForm)}; charset=utf-8` : typeFor(asForm);
      kind = 'broken encoding';
      break;
    }
    case 2: {
      body = Buffer.from(encode(base, asForm));
      const t = g.pick([...WRONG_TYPES, '']);
      if (t) headers['content-type'] = t;
      kind = `wrong content type: ${t || 'none'}`;
      break;
    }
    case 3: {
      const text = Buffer.from(encode(base, asForm));
      body = text.subarray(0, g.int(text.length));
      headers['content-type'] = typeFor(asForm);
      kind = 'truncated';
      break;
    }
    case 4: {
      const depth = g.pick([5, 20, 33, 100, 1000, 5000]);
      if (asForm) {
        body = Buffer.from(Array.from({ length: 1 + g.int(3) }, () => nestedForm(g, depth)).join('&') + (g.chance(0.5) ? `&${encodeForm(base)}` : ''));
      } else {
        const o = structuredClone(base);
        const leaves = paths(o).filter((p) => p.length);
        setPath(o, leaves.length ? g.pick(leaves) : ['x'], '__NESTED__');
        body = Buffer.from(JSON.stringify(o).replace('"__NESTED__"', nestedJson(g, g.pick([10, 33, 100, 1000, 10000, 60000]))));
      }
      headers['content-type'] = typeFor(asForm);
      kind = `deep nesting (${depth})`;
      break;
    }
    case 5: {
      // the other format under this format's content type
      body = Buffer.from(encode(base, !wantsForm));
      headers['content-type'] = typeFor(wantsForm);
      kind = wantsForm ? 'JSON sent as a form' : 'form sent as JSON';
      break;
    }
    case 6: {
      const many = g.pick([500, 1999, 2001, 5000]);
      body = Buffer.from(Array.from({ length: many }, (_, i) => `k${i}[${g.int(1e9)}]=${g.int(10)}`).join('&'));
      headers['content-type'] = FORM;
      kind = `many parameters (${many})`;
      break;
    }
    case 7: {
      body = Buffer.from(g.pick(['', ' ', 'null', '[]', '"x"', '123', 'true', '{', '=', '&&&', '[=1', 'a[=1', ']=1', '%', '\u0000', '{"__proto__":{"polluted":1}}', 'constructor[prototype][polluted]=1', '__proto__[x]=1']));
      headers['content-type'] = typeFor(asForm);
      kind = 'empty or scalar';
      break;
    }
    default: {
      const m = mutate(g, base);
      body = Buffer.from(encode(m.obj, asForm));
      headers['content-type'] = typeFor(asForm);
      kind = m.kind;
    }
  }
  return { method, path, headers, body, kind, ...(localAddress ? { localAddress } : {}) };
}
