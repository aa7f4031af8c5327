/**
 * Helpers of the fault suite (test/faults/faults.test.ts): the personal data the suite uses and
 * looks for afterwards, captured logs and database snapshots, the app as a child process, effect
 * counting in the sandbox portal, and a seeded PRNG.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type DestinationStream } from 'pino';
import type { Sandbox } from '../helpers/stack.js';
import type { ProcessReport } from './app-process.js';

// ── personal data: used by the cases, looked for in the SQLite files and logs at the end ──────────

export interface Person {
  last: string;
  first: string;
  middle: string;
  /** YYYY-MM-DD */
  birth: string;
  /** +7XXXXXXXXXX */
  phone: string;
  email: string;
}

/** Fictional people with rare names, so a hit in a file can only come from the tests. */
export const PEOPLE: Person[] = [
  { last: 'Завьялова-Ферзева', first: 'Снежана', middle: 'Ростиславовна', birth: '1984-11-23', phone: '+79035551234', email: 'snezhana.zavyalova@example.test' },
  { last: 'Трофимчук', first: 'Евлампий', middle: 'Модестович', birth: '1979-02-17', phone: '+79165550987', email: 'evlampiy.trofimchuk@example.test' },
  { last: 'Колокольцева', first: 'Ариадна', middle: 'Всеволодовна', birth: '1991-07-05', phone: '+79265554411', email: 'ariadna.kolokoltseva@example.test' },
  { last: 'Шершнёв', first: 'Парамон', middle: 'Евграфович', birth: '1968-09-30', phone: '+79855553377', email: 'paramon.shershnev@example.test' },
  { last: 'Бржезинская', first: 'Олимпиада', middle: 'Феоктистовна', birth: '1995-04-12', phone: '+79995552200', email: 'olimpiada.brzh@example.test' },
];

/** Every spelling of a person's data that could end up in a file. */
export function needlesOf(p: Person): string[] {
  const [y, m, d] = p.birth.split('-');
  const digits = p.phone.replace(/\D/g, '');
  const raw = [p.last, p.first, p.middle, p.email, p.phone, digits, digits.slice(1), p.birth, `${d}.${m}.${y}`];
  return [...new Set(raw.flatMap((s) => [s, s.toLowerCase(), s.toUpperCase(), encodeURIComponent(s)]))];
}

export const ALL_NEEDLES = PEOPLE.flatMap(needlesOf);

/** Which needles occur in a buffer (UTF-8, as SQLite and pino write text). */
export function findNeedles(buf: Buffer, needles = ALL_NEEDLES): string[] {
  return needles.filter((n) => buf.includes(Buffer.from(n, 'utf8')));
}

// ── artifacts every case leaves for the last case ────────────────────────────────────────────────

export const ARTIFACT_DIR = mkdtempSync(join(tmpdir(), 'du-faults-'));

export const artifacts = {
  /** Copies of a database and its -wal taken while the app was running (the WAL is gone after a clean close). */
  dbCopies: [] as string[],
  /** Database files left behind after the app closed. */
  dbFiles: [] as string[],
  logFiles: [] as string[],
};

/** A debug-level pino destination writing to a file of the artifacts dir (sync: nothing is lost on a crash). */
export function captureLog(name: string): { path: string; destination: DestinationStream } {
  const path = join(ARTIFACT_DIR, `${name}.log`);
  artifacts.logFiles.push(path);
  return { path, destination: pino.destination({ dest: path, sync: true, mkdir: true }) };
}

/** Copy a live database (main file and -wal) into the artifacts dir, and remember the file itself. */
export function snapshotDb(dbPath: string, tag: string): void {
  const dir = join(ARTIFACT_DIR, 'db', tag);
  mkdirSync(dir, { recursive: true });
  for (const suffix of ['', '-wal']) {
    if (!existsSync(dbPath + suffix)) continue;
    const copy = join(dir, `app.db${suffix}`);
    copyFileSync(dbPath + suffix, copy);
    artifacts.dbCopies.push(copy);
  }
  if (!artifacts.dbFiles.includes(dbPath)) artifacts.dbFiles.push(dbPath, `${dbPath}-wal`);
}

// ── waiting ──────────────────────────────────────────────────────────────────────────────────────

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(intervalMs);
  }
}

// ── effects in the portal ────────────────────────────────────────────────────────────────────────

/** `#du-status` history comments per contact id (one per status change the app made). */
export function statusCommentCounts(sb: Sandbox): Map<number, number> {
  const counts = new Map<number, number>();
  for (const c of sb.state.timelineComments) {
    if (c.entityType.toLowerCase() !== 'contact' || !String(c.comment).includes('#du-status')) continue;
    counts.set(Number(c.entityId), (counts.get(Number(c.entityId)) ?? 0) + 1);
  }
  return counts;
}

/** Counts `#du-status` comments on the given contacts as they arrive (reads only what is new since the last look). */
export function statusCommentCounter(sb: Sandbox, contactIds: Iterable<number>): () => number {
  const wanted = new Set(contactIds);
  let seen = 0;
  let total = 0;
  return () => {
    const list = sb.state.timelineComments;
    for (; seen < list.length; seen++) {
      const c = list[seen]!;
      if (c.entityType.toLowerCase() === 'contact' && wanted.has(Number(c.entityId)) && String(c.comment).includes('#du-status')) total++;
    }
    return total;
  };
}

/** Counts deliveries matching `pred` as they are recorded. */
export function deliveryCounter(sb: Sandbox, pred: (d: Sandbox['deliveries'][number]) => boolean): () => number {
  let seen = 0;
  let total = 0;
  return () => {
    const list = sb.deliveries;
    for (; seen < list.length; seen++) if (pred(list[seen]!)) total++;
    return total;
  };
}

export function totalStatusComments(sb: Sandbox, contactIds: Iterable<number>): number {
  const counts = statusCommentCounts(sb);
  let n = 0;
  for (const id of contactIds) n += counts.get(id) ?? 0;
  return n;
}

/** The robot an admin puts on the default pipeline's "PREPARATION" stage: member status, one history comment. */
export const ROBOT_STAGE = 'PREPARATION';

export function putStatusRobot(sb: Sandbox): void {
  sb.automation.addRobot({ entityTypeId: 2, stageId: ROBOT_STAGE, code: 'set-member-status', properties: { status: 'member' } });
}

/** Contacts (people of PEOPLE first, then numbered ones) each with a deal in the default pipeline's first stage. */
export async function createApplicants(sb: Sandbox, n: number, people: Person[] = []): Promise<{ contactId: number; dealId: number }[]> {
  const out: { contactId: number; dealId: number }[] = [];
  for (let i = 0; i < n; i++) {
    const p = people[i];
    const fields = p
      ? { LAST_NAME: p.last, NAME: p.first, SECOND_NAME: p.middle, BIRTHDATE: p.birth, PHONE: [{ VALUE: p.phone, VALUE_TYPE: 'WORK' }], EMAIL: [{ VALUE: p.email, VALUE_TYPE: 'WORK' }] }
      : { LAST_NAME: `Контакт-${i + 1}`, NAME: 'Номер' };
    const contactId = Number(await sb.callAs(1, 'crm.contact.add', { fields }));
    const dealId = Number(await sb.callAs(1, 'crm.deal.add', { fields: { TITLE: `Сделка ${i + 1}`, CONTACT_ID: contactId, CATEGORY_ID: 0, STAGE_ID: 'NEW' } }));
    out.push({ contactId, dealId });
  }
  return out;
}

/** People move the deals to the robot's stage (the portal fires the event and the robot for each). */
export async function moveToRobotStage(sb: Sandbox, deals: { dealId: number }[]): Promise<void> {
  for (const d of deals) await sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: d.dealId, fields: { stageId: ROBOT_STAGE } });
}

export function robotRunsOf(sb: Sandbox, dealIds: Iterable<number>) {
  const ids = new Set(dealIds);
  return sb.automation.runs.filter((r) => r.code === 'set-member-status' && r.entityTypeId === 2 && ids.has(r.itemId));
}

// ── the app as a child process ───────────────────────────────────────────────────────────────────

const ENTRY = fileURLToPath(new URL('./app-process.ts', import.meta.url));

export interface ChildApp {
  proc: ChildProcess;
  url: string;
  /** stderr/stdout of the process (boot failures, crashes). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  memory(): Promise<Extract<ProcessReport, { type: 'memory' }>>;
  /** SIGKILL: no shutdown code runs. */
  kill9(): Promise<void>;
  /** SIGTERM: the graceful shutdown of app.close(). */
  stop(): Promise<void>;
}

export interface ChildAppEnv {
  port: number;
  dbPath: string;
  logFile: string;
  oauthTokenUrl: string;
  clientId: string;
  clientSecret: string;
  appSecret: string;
}

export async function spawnApp(env: ChildAppEnv): Promise<ChildApp> {
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(env.port),
      PUBLIC_URL: `http://127.0.0.1:${env.port}`,
      B24_CLIENT_ID: env.clientId,
      B24_CLIENT_SECRET: env.clientSecret,
      B24_OAUTH_URL: env.oauthTokenUrl,
      B24_WEBHOOK_URL: '',
      DB_PATH: env.dbPath,
      APP_SECRET: env.appSecret,
      SANDBOX: 'off',
      LOG_LEVEL: 'debug',
      DU_FAULT_LOG_FILE: env.logFile,
    },
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app process did not start in 60 s:\n${output}`)), 60_000);
    proc.on('message', (m: ProcessReport) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`app process exited during boot (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return {
    proc,
    url,
    output: () => output,
    exited,
    memory: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no memory report from the app process')), 30_000);
        const onMessage = (m: ProcessReport) => {
          if (m.type !== 'memory') return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(m);
        };
        proc.on('message', onMessage);
        proc.send({ type: 'memory' });
      }),
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Health {
  ok: boolean;
  portals: number;
  disconnected: number;
  queue: { depth: number; queued: number; running: number; failed: number; done: number };
}

export async function healthz(url: string): Promise<Health> {
  const res = await fetch(`${url}/healthz`);
  if (!res.ok) throw new Error(`healthz answered ${res.status}`);
  return (await res.json()) as Health;
}

// ── raw HTTP (for bodies fetch would not send as they are) ───────────────────────────────────────

export interface RawAnswer {
  status: number;
  body: string;
  contentType: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function rawRequest(url: string, opts: { method: string; headers: Record<string, string>; body?: Buffer; localAddress?: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method,
        headers: { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) },
        agent,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function closeRawAgent(): void {
  agent.destroy();
}

// ── a seeded PRNG, so a failing body can be reproduced ───────────────────────────────────────────

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
