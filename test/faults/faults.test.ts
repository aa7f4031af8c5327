/**
 * The fault suite (issue 4): the real app against the sandbox portal under the faults a real
 * portal and a real server throw at it. Every case asserts that nothing accepted is lost and that
 * no effect happens twice, counting the effects in the portal itself: `#du-status` history comments
 * on contacts (one per status the app set), robot runs closed by bizproc.event.send, e-mails.
 *
 * Cases 1, 2, 4–7 run the app in this process (test/helpers/stack.ts); the crash case (3) and the
 * flood case (8) run it as a child process (test/faults/app-process.ts) against a sandbox portal in
 * this process. Cases 4, 7 and 8 mostly wait (on backoffs, on a slow portal, on the child process)
 * and run side by side. Every app logs at debug level into a file and leaves its SQLite files; the
 * last case looks for the personal data the suite used in all of them (the files are removed after
 * a green run, kept after a red one or with DU_FAULTS_KEEP=1).
 *
 * Run: `npm run test:faults`. Figures are printed as `[faults] …` lines and written to
 * test-artifacts/faults.json. The DU_FAULTS_* variables below shrink the cases for a quick look.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mapKeys } from '../../app/registry/names.js';
import { loadManifest } from '../../app/registry/manifest.js';
import { uploadToken } from '../../app/membership/upload-link.js';
import { loadAppSecret, Sealer } from '../../app/secrets.js';
import { startSandbox } from '../../sandbox/index.js';
import { toForm } from '../helpers/contract.js';
import { freePort, settle, startStack, type Sandbox, type Stack } from '../helpers/stack.js';
import { ENDPOINTS, fuzzRequest, type Endpoint, type FuzzContext, type FuzzRequest } from './fuzz.js';
import {
  ARTIFACT_DIR,
  artifacts,
  captureLog,
  closeRawAgent,
  createApplicants,
  findNeedles,
  healthz,
  moveToRobotStage,
  mulberry32,
  PEOPLE,
  putStatusRobot,
  rawRequest,
  robotRunsOf,
  sleep,
  snapshotDb,
  spawnApp,
  statusCommentCounter,
  statusCommentCounts,
  deliveryCounter,
  totalStatusComments,
  waitFor,
  type ChildApp,
  type ChildAppEnv,
  type RawAnswer,
} from './harness.js';

// ── knobs (defaults are what CI runs) ────────────────────────────────────────────────────────────

/** Jobs in flight when the server is killed. */
const KILL_JOBS = Number(process.env.DU_FAULTS_KILL_JOBS ?? 1000);
/** How long 30% of the answers are QUERY_LIMIT_EXCEEDED (a minute, as the issue asks). */
const QUERY_LIMIT_MS = Number(process.env.DU_FAULTS_QUERY_LIMIT_MS ?? 60_000);
/** Malformed requests per endpoint. */
const FUZZ_PER_ENDPOINT = Number(process.env.DU_FAULTS_FUZZ ?? 10_000);
const FUZZ_SEED = Number(process.env.DU_FAULTS_SEED ?? 20240604);
const FUZZ_CONCURRENCY = Number(process.env.DU_FAULTS_CONCURRENCY ?? 16);

const CLIENT = { clientId: 'local.faults.du', clientSecret: 'faults-secret' };
const SCOPE = 'crm,bizproc,placement,user_brief,department,im,disk,task,userfieldconfig';
const APP_SECRET = 'fault-suite-app-secret-0123456789abcdef';

const RESULTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const figures: Record<string, unknown> = {};
function report(name: string, values: Record<string, unknown>): void {
  figures[name] = values;
  process.stdout.write(`[faults] ${name}: ${JSON.stringify(values)}\n`);
}

// The logs and database files stay for a look when something failed (or DU_FAULTS_KEEP=1).
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  closeRawAgent();
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'faults.json'), `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`);
  if (failed || process.env.DU_FAULTS_KEEP) process.stdout.write(`[faults] logs and databases kept in ${ARTIFACT_DIR}\n`);
  else rmSync(ARTIFACT_DIR, { recursive: true, force: true });
});

// ── the app in this process ──────────────────────────────────────────────────────────────────────

async function inProcess(tag: string): Promise<Stack> {
  const log = captureLog(tag);
  const stack = await startStack({ logLevel: 'debug', logDestination: log.destination });
  await stack.sb.installApp();
  await settle(stack);
  return stack;
}

async function closeInProcess(stack: Stack | undefined, tag: string): Promise<void> {
  if (!stack) return;
  snapshotDb(stack.config.dbPath, tag);
  await stack.close();
}

/** Queue empty (nothing queued, waiting for a retry, or running) and the portal delivered everything. */
async function drained(stack: Stack, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'the queue to drain',
    async () => {
      await stack.sb.waitForDeliveries(timeoutMs);
      const q = await stack.app.store.queueStats();
      return q.queued + q.running === 0;
    },
    timeoutMs,
    50,
  );
  await settle(stack);
}

const post = (stack: Stack, path: string, body: string) =>
  fetch(`${stack.app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

function logLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// ── the app as a child process ───────────────────────────────────────────────────────────────────

async function childSandbox(tag: string): Promise<{ sb: Sandbox; env: ChildAppEnv }> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const sb = await startSandbox({ port: 0, rateLimit: false, app: { ...CLIENT, installUrl: `${publicUrl}/install`, handlerUrl: `${publicUrl}/placements/DEFAULT`, scope: SCOPE } });
  const dir = join(ARTIFACT_DIR, tag);
  mkdirSync(dir, { recursive: true });
  const logFile = join(ARTIFACT_DIR, `${tag}.log`);
  artifacts.logFiles.push(logFile);
  return { sb, env: { port, dbPath: join(dir, 'app.db'), logFile, oauthTokenUrl: sb.oauthTokenUrl, appSecret: APP_SECRET, ...CLIENT } };
}

async function childDrained(sb: Sandbox, child: ChildApp, what: string, timeoutMs = 180_000): Promise<void> {
  await waitFor(
    what,
    async () => {
      await sb.waitForDeliveries(timeoutMs);
      return (await healthz(child.url)).queue.depth === 0;
    },
    timeoutMs,
    100,
  );
}

// ═════════════════════════════════════════════════════════════════════════════════════════════════

describe('fault suite: nothing accepted is lost, no effect happens twice', () => {
  it('1. a forged application_token on /events and /robots/:code is refused with 401: no job, no REST call (and a re-install by a portal user who does not manage apps is refused)', async () => {
    let stack: Stack | undefined;
    try {
      stack = await inProcess('forged-token');
      const { sb, app } = stack;
      putStatusRobot(sb);
      const [a] = await createApplicants(sb, 1, [PEOPLE[1]!]);
      await moveToRobotStage(sb, [a!]);
      await drained(stack);
      const realRobot = sb.deliveries.find((d) => d.kind === 'robot')!;
      const realEvent = sb.deliveries.filter((d) => d.kind === 'event' && d.event === 'ONCRMDEALUPDATE').at(-1)!;
      expect(realRobot.status).toBe(200);
      const token = sb.state.app.applicationToken!;

      const before = await app.store.queueStats();
      const spentBefore = app.pool.counts(sb.memberId);
      sb.resetStats();
      const forgeries = [
        'f'.repeat(token.length),
        token.slice(0, -1) + (token.endsWith('0') ? '1' : '0'),
        token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
        `${token}x`,
        token.slice(1),
        ` ${token}`,
      ].filter((f) => f !== token);
      const answers: { path: string; status: number; error: string }[] = [];
      let n = 0;
      for (const forged of forgeries) {
        n++;
        const auth = { ...(realEvent.payload.auth as Record<string, unknown>), application_token: forged };
        const event = { ...realEvent.payload, ts: String(Number(realEvent.payload.ts) + n), auth };
        const robot = { ...realRobot.payload, event_token: `${String(realRobot.payload.event_token)}-forged-${n}`, auth: { ...(realRobot.payload.auth as Record<string, unknown>), application_token: forged } };
        for (const [path, body] of [['/events', event], [`/robots/${realRobot.event}`, robot], ['/robots/run-stage-action', robot]] as const) {
          const res = await post(stack, path, toForm(body));
          answers.push({ path, status: res.status, error: ((await res.json()) as { error: string }).error });
        }
      }
      // A real token sent for another portal's member_id, and no token at all.
      const otherPortal = { ...realEvent.payload, auth: { ...(realEvent.payload.auth as Record<string, unknown>), member_id: 'a'.repeat(32) } };
      const noToken = { ...realEvent.payload, auth: { ...(realEvent.payload.auth as Record<string, unknown>), application_token: '' } };
      const other = await post(stack, '/events', toForm(otherPortal));
      const missing = await post(stack, '/events', toForm(noToken));

      expect(answers.length).toBe(forgeries.length * 3);
      for (const a of answers) expect(a, `${a.path}`).toEqual({ path: a.path, status: 401, error: 'INVALID_APPLICATION_TOKEN' });
      expect(other.status).toBe(401);
      expect(((await other.json()) as { error: string }).error).toBe('PORTAL_NOT_INSTALLED');
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toBe('VALIDATION_FAILED');

      await settle(stack);
      expect(await app.store.queueStats()).toEqual(before);
      expect(sb.stats.requests).toBe(0);
      expect(sb.stats.refreshes).toBe(0);
      expect(app.pool.counts(sb.memberId).requests).toBe(spentBefore.requests);
      // The real robot call was and stays the only effect.
      expect(statusCommentCounts(sb).get(a!.contactId)).toBe(1);

      // Every portal user holds an access token of the app (each placement frame carries one, and the
      // application_token too): a re-install with it over the live installation is refused, and the
      // installation keeps its tokens. (This asks the portal once per attempt: user.admin.)
      const kept = await app.store.getPortal(sb.memberId);
      const clerk = sb.issueUserToken(2);
      const frame = sb.framePost({ userId: 2, tokens: clerk, handler: `${app.url}/install` });
      const uiInstall = await fetch(`${app.url}/install?${new URLSearchParams(frame.query).toString()}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...frame.body, REFRESH_ID: 'not-a-refresh-token' }).toString() });
      const callbackAuth = { domain: sb.domain, client_endpoint: sb.clientEndpoint, server_endpoint: sb.serverEndpoint, member_id: sb.memberId, application_token: 'chosen-by-the-user', access_token: clerk.accessToken, refresh_token: 'not-a-refresh-token', expires_in: '3600', user_id: '2' };
      const callback = await post(stack, '/install', toForm({ auth: callbackAuth }));
      const event = await post(stack, '/events', toForm({ event: 'ONAPPINSTALL', data: { VERSION: '1' }, ts: String(Math.floor(Date.now() / 1000)), auth: callbackAuth }));
      const takeover = [uiInstall, callback, event].map((r) => r.status);
      expect(takeover).toEqual([403, 403, 403]);
      const after = await app.store.getPortal(sb.memberId);
      expect({ ...after, updatedAt: 0 }).toEqual({ ...kept, updatedAt: 0 });
      expect(await app.store.queueStats()).toEqual(before);
      report('1 forged token', { refused: answers.length, status: 401, queueUnchanged: true, restRequests: 0, reinstallByNonAdmin: takeover });
    } finally {
      await closeInProcess(stack, 'forged-token');
    }
  });

  it('2. the same event delivered three times and the same robot call twice make one effect each', async () => {
    let stack: Stack | undefined;
    try {
      stack = await inProcess('duplicates');
      const { sb, app } = stack;
      const m = await app.store.getMap(sb.memberId);
      const f = (key: string) => m[mapKeys.field(key)]!;
      const primary = Number(await sb.callAs(1, 'crm.company.add', { fields: { TITLE: 'ППО АО «Дублерэнерго»', ASSIGNED_BY_ID: 3, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'primary')] } }));
      const workshop = Number(await sb.callAs(1, 'crm.company.add', { fields: { TITLE: 'ЦПО Цех повторов', ASSIGNED_BY_ID: 5, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'workshop')], [f('company.parentOrg')]: primary } }));

      // An application through the public form: personal data goes through the app into the portal.
      const sealer = new Sealer(loadAppSecret(stack.config.appSecret, stack.config.dbPath));
      const session = sealer.sign({ m: sb.memberId, u: 1, a: true, n: 'Администратор' }, 3_600_000, sb.clock.now());
      const link = (await (await fetch(`${app.url}/api/apply-link`, { headers: { 'x-du-session': session } })).json()) as { url: string };
      const slug = link.url.split('/').pop()!;
      const p = PEOPLE[0]!;
      const applied = await fetch(`${app.url}/apply/${slug}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lastName: p.last, firstName: p.first, middleName: p.middle, birthDate: p.birth.split('-').reverse().join('.'), phone: p.phone, email: p.email, orgId: workshop, position: 'Электромонтёр', consentProcessing: true, consentDistribution: true, publicCategories: ['full_name'], idempotencyKey: 'fault-suite-duplicates-0001', homepage: '' }),
      });
      expect(applied.status).toBe(200);
      await drained(stack);
      const dealId = Math.max(...Object.keys(sb.state.items['2'] ?? {}).map(Number));
      const deal = (await sb.callAs(1, 'crm.item.get', { entityTypeId: 2, id: dealId })) as { item: { contactId: number; stageId: string } };
      const contactId = deal.item.contactId;
      expect(deal.item.stageId).toBe(m[mapKeys.stage('membership', 'SIGNING')]);
      const commentsBefore = statusCommentCounts(sb).get(contactId) ?? 0;
      const mailsTo = () => sb.state.emails.filter((e) => e.to.includes(p.email));
      const mailsBefore = mailsTo().length;

      // "Решение положительное": the portal delivers ONCRMDEALUPDATE once; it comes twice more, at once and racing the first job.
      sb.resetStats();
      await sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: m[mapKeys.stage('membership', 'WON')] } });
      await sb.waitForDeliveries();
      const delivery = sb.deliveries.filter((d) => d.kind === 'event' && d.event === 'ONCRMDEALUPDATE' && (d.payload.data as { FIELDS: { ID: string } }).FIELDS.ID === String(dealId)).at(-1)!;
      expect(delivery.status).toBe(200);
      const replays = await Promise.all([post(stack, '/events', toForm(delivery.payload)), post(stack, '/events', toForm(delivery.payload))]);
      const replayAnswers = (await Promise.all(replays.map((r) => r.json()))) as { ok: boolean; duplicate: boolean }[];
      expect(replays.map((r) => r.status)).toEqual([200, 200]);
      await drained(stack);
      // …and once more after everything settled.
      const late = (await (await post(stack, '/events', toForm(delivery.payload))).json()) as { duplicate: boolean };
      await drained(stack);
      const statusAdded = (statusCommentCounts(sb).get(contactId) ?? 0) - commentsBefore;
      const congratulations = mailsTo().length - mailsBefore;
      expect(statusAdded).toBe(1);
      expect(congratulations).toBe(1);
      expect(mailsTo().at(-1)?.subject).toBe('Вы приняты в члены профсоюза');

      // A robot call, and the same call again (the portal repeats it; so may a proxy).
      putStatusRobot(sb);
      const [r] = await createApplicants(sb, 1, [PEOPLE[1]!]);
      await drained(stack);
      sb.resetStats();
      await moveToRobotStage(sb, [r!]);
      await sb.waitForDeliveries();
      const robotCall = sb.deliveries.filter((d) => d.kind === 'robot').at(-1)!;
      expect(robotCall.status).toBe(200);
      const again = await post(stack, `/robots/${robotCall.event}`, toForm(robotCall.payload));
      const againBody = (await again.json()) as { ok: boolean; duplicate: boolean };
      await drained(stack);
      expect(again.status).toBe(200);
      expect(againBody.duplicate).toBe(true);
      expect(statusCommentCounts(sb).get(r!.contactId)).toBe(1);
      const runs = robotRunsOf(sb, [r!.dealId]);
      expect(runs.map((x) => x.status)).toEqual(['completed']);
      expect(sb.stats.methods['bizproc.event.send']).toBe(1);
      expect((await app.store.queueStats()).failed).toBe(0);
      report('2 duplicates', {
        event: { deliveries: 4, replayAnswers: replayAnswers.map((a) => (a.duplicate ? 'duplicate' : 'follow-up job')), lateReplay: late.duplicate ? 'duplicate' : 'follow-up job', statusComments: statusAdded, congratulationEmails: congratulations },
        robot: { deliveries: 2, secondAnswer: againBody.duplicate ? 'duplicate' : 'new job', statusComments: 1, eventSends: sb.stats.methods['bizproc.event.send'] },
      });
    } finally {
      await closeInProcess(stack, 'duplicates');
    }
  });

  it(`3. kill -9 of the server while ${KILL_JOBS} robot jobs are processed, then a restart: every job's effect exactly once`, async () => {
    const { sb, env } = await childSandbox('kill-9');
    let child: ChildApp | undefined;
    const t0 = Date.now();
    try {
      // The people and their deals exist before the app is installed (no events for them yet).
      const apps = await createApplicants(sb, KILL_JOBS, PEOPLE.slice(2, 4));
      const contacts = apps.map((a) => a.contactId);
      child = await spawnApp(env);
      await sb.installApp();
      await waitFor('the install to finish', async () => sb.state.robots.length > 0 && (await healthz(child!.url)).queue.depth === 0);
      putStatusRobot(sb);
      sb.resetStats();

      const tMove = Date.now();
      await moveToRobotStage(sb, apps);
      const accepted = deliveryCounter(sb, (d) => d.kind === 'robot' && d.status === 200);
      const effects = statusCommentCounter(sb, contacts);
      const kills: { moment: string; atEffects: number; afterMs: number; effectDoneButUnreported: number }[] = [];
      // Kill 1 at the worst moment: the portal has just written an effect (the status comment, inside
      // the app's batch) and has not answered yet, so the app never learns it happened. Kill 2 at
      // whatever point the processing is when 60% of the effects are visible.
      const comments = sb.state.timelineComments;
      const push = comments.push;
      let armed = false;
      comments.push = function (this: typeof comments, ...items: typeof comments) {
        const n = push.apply(this, items);
        if (armed && items.some((c) => String(c.comment).includes('#du-status'))) {
          armed = false;
          child!.proc.kill('SIGKILL');
        }
        return n;
      };
      try {
        for (const [share, moment] of [[0.3, 'right after the portal wrote an effect, before it answered'], [0.6, 'at a random point']] as const) {
          // Only once every robot call was accepted (a call refused while the server is down is the portal's to repeat, not ours).
          await waitFor(`${Math.round(share * 100)}% of the effects`, () => accepted() === KILL_JOBS && effects() >= share * KILL_JOBS, 180_000, 20);
          if (share === 0.3) armed = true;
          else child.proc.kill('SIGKILL');
          await child.exited;
          const counts = statusCommentCounts(sb);
          const atEffects = contacts.reduce((n, c) => n + (counts.get(c) ?? 0), 0);
          // Robots whose status is set but whose run the app has not closed yet: the crash window.
          const contactOf = new Map(apps.map((a) => [a.dealId, a.contactId]));
          const effectDoneButUnreported = robotRunsOf(sb, contactOf.keys()).filter((run) => run.status === 'waiting' && (counts.get(contactOf.get(run.itemId)!) ?? 0) > 0).length;
          kills.push({ moment, atEffects, afterMs: Date.now() - tMove, effectDoneButUnreported });
          expect(atEffects).toBeGreaterThan(0);
          expect(atEffects).toBeLessThan(KILL_JOBS);
          expect(child.proc.signalCode).toBe('SIGKILL');
          if (share === 0.3) expect(effectDoneButUnreported).toBe(1);
          child = await spawnApp(env);
        }
      } finally {
        comments.push = push;
      }
      await childDrained(sb, child, 'the queue to drain after the restart');
      const drainedMs = Date.now() - tMove;

      const counts = statusCommentCounts(sb);
      const perContact = contacts.map((c) => counts.get(c) ?? 0);
      expect(perContact.filter((n) => n === 0).length, 'contacts without their effect').toBe(0);
      expect(perContact.filter((n) => n > 1).length, 'contacts with a repeated effect').toBe(0);
      const runs = robotRunsOf(sb, apps.map((a) => a.dealId));
      expect(runs.length).toBe(KILL_JOBS);
      expect(runs.filter((r) => r.status !== 'completed').length).toBe(0);
      expect(sb.stats.mutationsByMethod['crm.timeline.comment.add']).toBe(KILL_JOBS);
      const h = await healthz(child.url);
      expect(h.queue.failed).toBe(0);
      const requeued = logLines(env.logFile).filter((l) => l.msg === 'jobs left running by a previous process were requeued').map((l) => Number(l.requeued));
      // The first kill always catches a job mid-flight; the second may fall between two jobs.
      expect(requeued[0]).toBe(1);
      snapshotDb(env.dbPath, 'kill-9');
      report('3 kill -9', {
        jobs: KILL_JOBS,
        kills,
        requeuedOnBoot: requeued,
        effectsPerContact: { exactlyOne: perContact.filter((n) => n === 1).length, none: 0, twice: 0 },
        robotRunsCompleted: runs.length,
        timelineCommentsAdded: sb.stats.mutationsByMethod['crm.timeline.comment.add'],
        contactUpdates: sb.stats.mutationsByMethod['crm.item.update'],
        jobsDone: h.queue.done,
        restRequests: sb.stats.requests,
        drainedAfterMs: drainedMs,
        totalMs: Date.now() - t0,
      });
    } finally {
      await child?.stop();
      await sb.close();
    }
  }, 300_000);

  it('5. the access token expires with 20 calls in flight: exactly one refresh, all 20 calls succeed', async () => {
    let stack: Stack | undefined;
    try {
      stack = await inProcess('token-expiry');
      const { sb, app } = stack;
      const apps = await createApplicants(sb, 20, [PEOPLE[4]!]);
      await drained(stack);
      const rest = app.pool.forPortal(sb.memberId);
      const before = await app.store.getPortal(sb.memberId);
      const refreshRequests = () => app.pool.counts(sb.memberId).refreshes;

      // The portal holds every call 300 ms; the tokens expire while all 20 are held.
      sb.resetStats();
      const r0 = refreshRequests();
      sb.faults = { delayMs: 300 };
      const calls = apps.map((a) => rest.call<{ item: { id: number } }>('crm.item.get', { entityTypeId: 3, id: a.contactId }));
      await sleep(100);
      sb.expireAccessTokens();
      const results = await Promise.allSettled(calls);
      sb.faults = {};
      const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ item: { id: number } }>).value.item.id);
      expect(ok).toEqual(apps.map((a) => a.contactId));
      expect(sb.stats.refreshes).toBe(1);
      expect(refreshRequests() - r0).toBe(1);
      const after = await app.store.getPortal(sb.memberId);
      expect(after!.accessToken).not.toBe(before!.accessToken);
      expect(after!.refreshToken).not.toBe(before!.refreshToken);
      const inFlight = { calls: calls.length, succeeded: ok.length, refreshes: sb.stats.refreshes, requests: sb.stats.requests };

      // The app itself knows the token is stale (stored expiry passed): 20 calls, one refresh before any is sent.
      await app.store.saveTokens(sb.memberId, { accessToken: after!.accessToken, refreshToken: after!.refreshToken, expiresAt: Date.now() - 1_000 });
      app.pool.evict(sb.memberId);
      sb.resetStats();
      const r1 = refreshRequests();
      const again = await Promise.allSettled(apps.map((a) => app.pool.forPortal(sb.memberId).call<{ item: { id: number } }>('crm.item.get', { entityTypeId: 3, id: a.contactId })));
      expect(again.filter((r) => r.status === 'fulfilled').length).toBe(20);
      expect(sb.stats.refreshes).toBe(1);
      expect(refreshRequests() - r1).toBe(1);
      report('5 token expiry', { inFlight, knownStale: { calls: 20, succeeded: 20, refreshes: sb.stats.refreshes, requests: sb.stats.requests } });
    } finally {
      await closeInProcess(stack, 'token-expiry');
    }
  });

  it('6. the refresh token is revoked: the portal is marked disconnected, jobs wait, nothing is dropped; after a re-install they run', async () => {
    let stack: Stack | undefined;
    try {
      stack = await inProcess('revoked');
      const { sb, app } = stack;
      putStatusRobot(sb);
      const apps = await createApplicants(sb, 5, [PEOPLE[0]!]);
      await drained(stack);
      const baseline = await app.store.queueStats();

      sb.expireAccessTokens();
      sb.revokeRefreshTokens();
      sb.resetStats();
      await moveToRobotStage(sb, apps);
      await sb.waitForDeliveries();
      expect(sb.deliveries.filter((d) => d.kind === 'robot').every((d) => d.status === 200)).toBe(true);
      await waitFor('the portal to be marked disconnected', async () => (await app.store.getPortal(sb.memberId))?.status === 'disconnected', 30_000);
      const portal = await app.store.getPortal(sb.memberId);
      expect(portal!.statusReason).toMatch(/invalid_grant/);
      const health = await healthz(app.url);
      expect(health.disconnected).toBe(1);
      // A page of the app that needs the portal says so (409 PORTAL_DISCONNECTED), it does not crash.
      const sealer = new Sealer(loadAppSecret(stack.config.appSecret, stack.config.dbPath));
      const session = sealer.sign({ m: sb.memberId, u: 1, a: true, n: 'Администратор' }, 3_600_000, sb.clock.now());
      const page = await fetch(`${app.url}/api/settings/roles`, { headers: { 'x-du-session': session } });
      expect([page.status, ((await page.json()) as { error: string }).error]).toEqual([409, 'PORTAL_DISCONNECTED']);

      // Waiting, not failing, and not hammering the portal or its OAuth server.
      const spent = { requests: sb.stats.requests, refreshRequests: app.pool.counts(sb.memberId).refreshes };
      await sleep(2_500);
      expect(sb.stats.requests).toBe(spent.requests);
      const waiting = await app.store.queueStats();
      expect(waiting.failed).toBe(0);
      const queuedKinds: Record<string, number> = {};
      for (const j of await app.store.listJobs(sb.memberId, 'queued', 1000)) queuedKinds[j.kind] = (queuedKinds[j.kind] ?? 0) + 1;
      // A robot call and a stage event per deal, and whatever else was due.
      expect(queuedKinds['robot:set-member-status']).toBe(apps.length);
      expect(queuedKinds['event:ONCRMDEALUPDATE']).toBe(apps.length);
      expect(totalStatusComments(sb, apps.map((a) => a.contactId))).toBe(0);
      // Ingress still takes calls while disconnected.
      const late = await createApplicants(sb, 1);
      await moveToRobotStage(sb, late);
      await sb.waitForDeliveries();
      const all = [...apps, ...late];

      sb.clock.advance(2_000); // a new install is a new second (the install job is keyed by it)
      await sb.installApp();
      await drained(stack);
      const counts = statusCommentCounts(sb);
      expect(all.map((a) => counts.get(a.contactId) ?? 0)).toEqual(all.map(() => 1));
      expect(robotRunsOf(sb, all.map((a) => a.dealId)).map((r) => r.status)).toEqual(all.map(() => 'completed'));
      const final = await app.store.queueStats();
      expect(final.failed).toBe(0);
      expect((await app.store.getPortal(sb.memberId))!.status).toBe('active');
      report('6 revoked refresh token', { jobsWaiting: queuedKinds, failedWhileDisconnected: waiting.failed, restRequestsWhileWaiting: 0, refreshAttempts: spent.refreshRequests, acceptedWhileDisconnected: late.length * 2, afterReinstall: { effects: all.length, failed: final.failed, jobsDone: final.done - baseline.done } });
    } finally {
      await closeInProcess(stack, 'revoked');
    }
  });

  // Cases 4 and 7 wait on the portal most of the time: they run side by side with the flood (8), each
  // with its own portal and app (the flood's app is a child process, measured on its own).
  describe.concurrent('a throttled portal, a slow portal, a flood of malformed requests', () => {
    it(`4. 30% of REST answers are QUERY_LIMIT_EXCEEDED for ${QUERY_LIMIT_MS / 1000} s → every job completes`, async () => {
      let stack: Stack | undefined;
      try {
        stack = await inProcess('query-limit');
        const { sb, app } = stack;
        putStatusRobot(sb);
        const apps = await createApplicants(sb, Math.max(8, Math.round(QUERY_LIMIT_MS / 2_000)), [PEOPLE[2]!]);
        await drained(stack);
        sb.resetStats();
        sb.faults = { queryLimitRatio: 0.3 };
        const t0 = Date.now();
        await moveToRobotStage(sb, apps);
        await sleep(QUERY_LIMIT_MS);
        const duringWindow = { effects: totalStatusComments(sb, apps.map((a) => a.contactId)), rejected: sb.stats.rejected, requests: sb.stats.requests };
        sb.faults = {};
        await drained(stack, 180_000);
        const counts = statusCommentCounts(sb);
        expect(apps.map((a) => counts.get(a.contactId) ?? 0)).toEqual(apps.map(() => 1));
        expect(robotRunsOf(sb, apps.map((a) => a.dealId)).map((r) => r.status)).toEqual(apps.map(() => 'completed'));
        expect((await app.store.queueStats()).failed).toBe(0);
        expect(duringWindow.rejected).toBeGreaterThan(0);
        const retries = logLines(join(ARTIFACT_DIR, 'query-limit.log')).filter((l) => l.msg === 'rest call failed' && l.code === 'QUERY_LIMIT_EXCEEDED').length;
        report('4 query limit', { jobs: apps.length * 2, windowMs: QUERY_LIMIT_MS, during: duringWindow, totalRequests: sb.stats.requests, totalRejected: sb.stats.rejected, clientRetries: retries, effects: apps.length, completedAfterMs: Date.now() - t0 });
      } finally {
        await closeInProcess(stack, 'query-limit');
      }
    }, 300_000);

    it('7. portal answers slowed to 5 s and some of them 500: no crash, backoff, completion', async () => {
      let stack: Stack | undefined;
      try {
        stack = await inProcess('slow-portal');
        const { sb, app } = stack;
        putStatusRobot(sb);
        const apps = await createApplicants(sb, 1, [PEOPLE[3]!]);
        await drained(stack);
        sb.resetStats();
        // 500s (before execution, as the sandbox does them) for a seeded fifth of the requests, decided
        // once per request, plus two placed where they hurt: the second request of the run (a read the
        // client repeats itself) and the robot's write batch after its two reads (not repeatable by
        // the client: the job is retried from the start, re-reads and finds what is already done).
        const rng = mulberry32(7);
        let decidedFor = -1;
        let fail = 0;
        let writeFailed = false;
        sb.faults = {
          delayMs: 5_000,
          get error500Ratio() {
            if (sb.stats.requests !== decidedFor) {
              decidedFor = sb.stats.requests;
              const beforeWrite = !writeFailed && (sb.stats.methods['crm.item.get'] ?? 0) >= 2;
              if (beforeWrite) writeFailed = true;
              fail = decidedFor === 2 || beforeWrite || rng() < 0.2 ? 1 : 0;
            }
            return fail;
          },
        };
        const t0 = Date.now();
        await moveToRobotStage(sb, apps);
        // The app keeps answering while the portal is slow.
        const health: number[] = [];
        let done = false;
        const drain = drained(stack, 240_000).finally(() => (done = true));
        while (!done) {
          const s = Date.now();
          const h = await healthz(app.url);
          expect(h.ok).toBe(true);
          health.push(Date.now() - s);
          await sleep(1_000);
        }
        await drain;
        sb.faults = {};
        const elapsed = Date.now() - t0;
        expect(statusCommentCounts(sb).get(apps[0]!.contactId)).toBe(1);
        expect(robotRunsOf(sb, [apps[0]!.dealId]).map((r) => r.status)).toEqual(['completed']);
        expect((await app.store.queueStats()).failed).toBe(0);
        expect(sb.stats.rejected).toBeGreaterThan(0);
        const lines = logLines(join(ARTIFACT_DIR, 'slow-portal.log'));
        const clientBackoffs = lines.filter((l) => l.msg === 'rest call failed' && typeof l.retryInMs === 'number').map((l) => Number(l.retryInMs));
        const jobBackoffs = lines.filter((l) => l.msg === 'job will be retried').map((l) => Number(l.delay));
        expect(clientBackoffs.length).toBeGreaterThan(0);
        expect(jobBackoffs.length).toBeGreaterThan(0);
        for (const d of [...clientBackoffs, ...jobBackoffs]) expect(d).toBeGreaterThanOrEqual(500);
        report('7 slow portal', { requests: sb.stats.requests, answered500: sb.stats.rejected, clientBackoffsMs: clientBackoffs, jobBackoffsMs: jobBackoffs, healthzMaxMs: Math.max(...health), completedAfterMs: elapsed });
      } finally {
        await closeInProcess(stack, 'slow-portal');
      }
    }, 300_000);

    it(`8. ${FUZZ_PER_ENDPOINT.toLocaleString('en')} malformed requests to each endpoint → 4xx with an error code, never 5xx; the server stays up and its memory flat`, async () => {
      const { sb, env } = await childSandbox('flood');
      let child: ChildApp | undefined;
      try {
        child = await spawnApp(env);
        await sb.installApp();
        await waitFor('the install to finish', async () => sb.state.robots.length > 0 && (await healthz(child!.url)).queue.depth === 0);
        const sealer = new Sealer(APP_SECRET);
        const adminSession = sealer.sign({ m: sb.memberId, u: 1, a: true, n: 'Администратор' }, 3_600_000);
        const [target] = await createApplicants(sb, 1, [PEOPLE[1]!]);
        const tabSession = sealer.sign({ m: sb.memberId, u: 1, a: true, n: 'Администратор', e: target!.contactId }, 3_600_000);
        const link = (await (await fetch(`${child.url}/api/apply-link`, { headers: { 'x-du-session': adminSession } })).json()) as { url: string };
        const ctx: FuzzContext = {
          memberId: sb.memberId,
          applicationToken: sb.state.app.applicationToken!,
          domain: sb.domain,
          clientEndpoint: sb.clientEndpoint,
          serverEndpoint: sb.serverEndpoint,
          robotCodes: loadManifest().robots.map((r) => r.code),
          userTokens: [1, 2, 3].map((u) => sb.issueUserToken(u).accessToken),
          nonAdminTokens: [2, 3].map((u) => sb.issueUserToken(u).accessToken),
          slug: link.url.split('/').pop()!,
          uploadToken: uploadToken(sealer, sb.memberId, target!.dealId, Date.now()),
          adminSession,
          tabSession,
          contactId: target!.contactId,
        };
        await childDrained(sb, child, 'the setup to settle');

        const byEndpoint = new Map<Endpoint, { statuses: Record<string, number>; codes: Record<string, number>; ms: number }>();
        const serverErrors: { endpoint: Endpoint; index: number; req: FuzzRequest; answer: RawAnswer | string }[] = [];
        const uncoded: { endpoint: Endpoint; index: number; status: number; body: string }[] = [];
        // Only tokens of users who do not manage apps are in the flood: no install may get through.
        const installsAccepted: { index: number; req: FuzzRequest }[] = [];
        const run = async (from: number, to: number) => {
          for (const endpoint of ENDPOINTS) {
            const stats = byEndpoint.get(endpoint) ?? { statuses: {}, codes: {}, ms: 0 };
            byEndpoint.set(endpoint, stats);
            const started = Date.now();
            let next = from;
            const concurrency = endpoint === 'upload' ? 4 : FUZZ_CONCURRENCY; // the upload page takes 4 at a time
            await Promise.all(
              Array.from({ length: concurrency }, async () => {
                for (let i = next++; i < to; i = next++) {
                  const req = fuzzRequest(endpoint, FUZZ_SEED, i, ctx);
                  let answer: RawAnswer;
                  try {
                    answer = await rawRequest(`${child!.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body, ...(req.localAddress ? { localAddress: req.localAddress } : {}) });
                  } catch (err) {
                    serverErrors.push({ endpoint, index: i, req, answer: `no answer: ${err instanceof Error ? err.message : String(err)}` });
                    continue;
                  }
                  const status = String(answer.status);
                  stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
                  if (endpoint === 'install' && answer.status < 300) installsAccepted.push({ index: i, req });
                  if (answer.status >= 500) {
                    serverErrors.push({ endpoint, index: i, req, answer });
                    continue;
                  }
                  if (answer.status >= 400) {
                    let code = '';
                    if (answer.contentType.includes('json')) code = String((JSON.parse(answer.body) as { error?: unknown }).error ?? '');
                    else if (answer.contentType.includes('html') && /<h2>[^<]+<\/h2>/.test(answer.body)) code = 'HTML page with the reason';
                    if (!code) uncoded.push({ endpoint, index: i, status: answer.status, body: answer.body.slice(0, 300) });
                    else stats.codes[code] = (stats.codes[code] ?? 0) + 1;
                  }
                }
              }),
            );
            stats.ms += Date.now() - started;
          }
        };

        const m0 = await child.memory();
        const half = Math.floor(FUZZ_PER_ENDPOINT / 2);
        await run(0, half);
        const m1 = await child.memory();
        await run(half, FUZZ_PER_ENDPOINT);
        const m2 = await child.memory();

        process.stdout.write(`[faults] flood timing: ${JSON.stringify(Object.fromEntries([...byEndpoint.entries()].map(([e, st]) => [e, { ms: st.ms, statuses: st.statuses }])))}\n`);
        for (const e of serverErrors.slice(0, 5)) {
          process.stdout.write(
            `[faults] 5xx or no answer: ${e.endpoint} #${e.index} (seed ${FUZZ_SEED}) ${e.req.method} ${e.req.path.slice(0, 200)} [${e.req.kind}] content-type=${e.req.headers['content-type'] ?? '-'}\n` +
              `  body (${e.req.body.length} bytes): ${e.req.body.length > 1500 ? `${e.req.body.subarray(0, 1000).toString('utf8')} … ${e.req.body.subarray(-300).toString('utf8')}` : e.req.body.toString('utf8')}\n` +
              `  answer: ${typeof e.answer === 'string' ? e.answer : `${e.answer.status} ${e.answer.body.slice(0, 500)}`}\n`,
          );
        }
        for (const u of uncoded.slice(0, 5)) process.stdout.write(`[faults] 4xx without an error code: ${u.endpoint} #${u.index} ${u.status} ${u.body}\n`);
        for (const a of installsAccepted.slice(0, 3)) process.stdout.write(`[faults] install accepted: #${a.index} ${a.req.path} [${a.req.kind}] ${a.req.headers['content-type']} ${a.req.body.subarray(0, 1500).toString('utf8')}\n`);
        expect(serverErrors.length, 'requests answered 5xx or not at all').toBe(0);
        expect(installsAccepted.length, 'installs accepted from the flood').toBe(0);
        expect(uncoded.length, '4xx answers without an error code').toBe(0);

        // Still up, still working.
        expect(child.proc.exitCode).toBe(null);
        const h = await healthz(child.url);
        expect(h.ok).toBe(true);
        expect(h.portals).toBe(1);
        expect(h.disconnected).toBe(0);
        // The installation is intact: its application_token still opens ingress, its tokens still work.
        putStatusRobot(sb);
        const effects = statusCommentCounter(sb, [target!.contactId]);
        const effectsBefore = effects();
        await moveToRobotStage(sb, [target!]);
        await waitFor('the robot after the flood', () => effects() === effectsBefore + 1, 60_000);
        expect(sb.deliveries.filter((d) => d.kind === 'robot').at(-1)?.status).toBe(200);
        const MB = 1024 * 1024;
        // Flat: what the app holds (JS heap, and buffers outside it) after a full GC does not grow from
        // the first half of the flood to the second. RSS is reported and only bounded: the allocator
        // keeps pages of freed megabyte bodies, so its growth says little about leaks.
        const heapGrowthSecondHalf = (m2.heapUsed - m1.heapUsed) / MB;
        const externalGrowthSecondHalf = (m2.external + m2.arrayBuffers - m1.external - m1.arrayBuffers) / MB;
        const rssGrowthSecondHalf = (m2.rss - m1.rss) / MB;
        expect(m0.gc, 'the app process runs with --expose-gc').toBe(true);
        expect(heapGrowthSecondHalf, 'heap growth over the second half, MB').toBeLessThan(16);
        expect(externalGrowthSecondHalf, 'external/ArrayBuffer growth over the second half, MB').toBeLessThan(16);
        expect(m2.heapUsed / MB, 'heap after the flood, MB').toBeLessThan(m0.heapUsed / MB + 48);
        expect(m2.rss / MB, 'RSS after the flood, MB').toBeLessThan(m0.rss / MB + 256);

        snapshotDb(env.dbPath, 'flood');
        const total = [...byEndpoint.values()].reduce((n, s) => n + Object.values(s.statuses).reduce((a, b) => a + b, 0), 0);
        report('8 malformed requests', {
          perEndpoint: FUZZ_PER_ENDPOINT,
          total,
          seed: FUZZ_SEED,
          endpoints: Object.fromEntries([...byEndpoint.entries()].map(([e, s]) => [e, { statuses: s.statuses, codes: s.codes, perSecond: Math.round((FUZZ_PER_ENDPOINT / s.ms) * 1000) }])),
          memoryMB: {
            gc: m0.gc,
            before: { rss: Math.round(m0.rss / MB), heapUsed: Math.round(m0.heapUsed / MB) },
            half: { rss: Math.round(m1.rss / MB), heapUsed: Math.round(m1.heapUsed / MB) },
            after: { rss: Math.round(m2.rss / MB), heapUsed: Math.round(m2.heapUsed / MB) },
            secondHalfGrowth: { rss: Number(rssGrowthSecondHalf.toFixed(1)), heapUsed: Number(heapGrowthSecondHalf.toFixed(1)), externalAndArrayBuffers: Number(externalGrowthSecondHalf.toFixed(1)) },
          },
          jobsAfter: h.queue,
        });
      } finally {
        await child?.stop();
        await sb.close();
      }
    }, 600_000);
  });

  it('9. after the whole suite: no personal data used in the tests in any SQLite file (+ -wal) or in the logs', () => {
    const files = [...artifacts.dbCopies, ...artifacts.dbFiles.filter((f) => existsSync(f)), ...artifacts.logFiles];
    expect(artifacts.dbCopies.length).toBeGreaterThan(0);
    expect(artifacts.logFiles.length).toBeGreaterThan(0);
    // The search works on these files: it finds what is there (job kinds are plain text in SQLite) …
    expect(artifacts.dbCopies.some((f) => readFileSync(f).includes('robot:set-member-status'))).toBe(true);
    // … and it would find the people in any spelling a file could hold them.
    const p = PEOPLE[0]!;
    expect(findNeedles(Buffer.from(`{"to":"${p.email}","name":"${p.last.toUpperCase()}","birth":"${p.birth.split('-').reverse().join('.')}","q":"${encodeURIComponent(p.first)}"}`)).length).toBeGreaterThanOrEqual(4);
    const hits: { file: string; found: string[] }[] = [];
    let bytes = 0;
    let logLinesTotal = 0;
    for (const file of files) {
      const buf = readFileSync(file);
      bytes += buf.length;
      if (file.endsWith('.log')) logLinesTotal += buf.toString('utf8').split('\n').filter(Boolean).length;
      const found = findNeedles(buf);
      if (found.length) hits.push({ file, found });
    }
    for (const h of hits) process.stdout.write(`[faults] personal data in ${h.file}: ${h.found.join(', ')}\n`);
    expect(hits).toEqual([]);
    expect(logLinesTotal).toBeGreaterThan(1000);
    report('9 personal data', { files: files.length, megabytes: Number((bytes / 1024 / 1024).toFixed(1)), logLines: logLinesTotal, people: PEOPLE.length, hits: 0 });
  });
});
