/**
 * Benchmark 5 (and 7, partly): ingress. Events (POST /events, ONCRMDEALUPDATE) and robot calls
 * (POST /robots/set-member-status), each verified (application_token), recorded durably (a job in
 * SQLite) and answered.
 *
 * Three processes: this one runs the sandbox portal; the app runs alone in a child
 * (ingress-server.ts) so its CPU and RSS are its own; the load generator runs in another child
 * (ingress-load.ts). The app is installed for real, then its worker is stopped: every accepted call
 * stays queued (the backlog grows to the tens of thousands), so the figures are the accept path
 * only, and no job drains into the portal during the measurement (the portal's request count
 * during the runs is reported and must be 0).
 *
 * - throughput: 50 clients, each sending its next call when the last is answered, for 20 s;
 * - latency: an open schedule of 500 calls/s for 10 s, answer latency p50/p99;
 * - memory: the app process's RSS sampled every 100 ms over both runs (peak), plus VmHWM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import qs from 'qs';
import { loadConfig, type Config } from '../app/config.js';
import { startSandbox } from '../sandbox/index.js';
import { forkChild } from './ipc.js';
import type { ClosedLoad, LoadResult, LoadTemplates, OpenLoad } from './ingress-load.js';
import { freePort, PORTAL_RATE_LIMIT } from './stack.js';
import type { BenchContext, BenchRow } from './types.js';

const THROUGHPUT = { concurrency: 50, durationMs: 20_000 };
const STEADY = { ratePerSec: 500, durationMs: 10_000 };
const WARMUP_MS = 2_000;
const APP = { clientId: 'local.bench.du', clientSecret: 'bench-secret', scope: 'crm,bizproc,placement,user_brief,department,im,disk,task,userfieldconfig' };

/** KiB figures of /proc/<pid>/status (VmRSS, VmHWM); null off Linux. */
function procStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return null;
  }
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MB`;
const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

/** The portal's form bodies (PHP http_build_query style: bracketed keys, percent-encoded). */
function templates(auth: Record<string, string>): LoadTemplates {
  const ts = String(Math.floor(Date.now() / 1000));
  const event = qs.stringify({ event: 'ONCRMDEALUPDATE', event_handler_id: '7', data: { FIELDS: { ID: 'XNX' } }, ts, auth });
  const robot = qs.stringify({
    workflow_id: 'wfXNX',
    code: 'set-member-status',
    document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_XNX'],
    document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
    event_token: 'wfXNX|Arobot1|set-member-status|XNX',
    properties: { status: 'member', effectiveDate: '2026-11-22' },
    use_subscription: 'Y',
    timeout_duration: '0',
    ts,
    auth,
  });
  return { event, robot, robotPath: '/robots/set-member-status' };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'du-bench-ingress-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const sb = await startSandbox({ port: 0, rateLimit: { ...PORTAL_RATE_LIMIT }, app: { ...APP, installUrl: `${publicUrl}/install`, handlerUrl: `${publicUrl}/placements/DEFAULT` } });
  const config: Config = { ...loadConfig({ SANDBOX: 'on' }), port, publicUrl, clientId: APP.clientId, clientSecret: APP.clientSecret, oauthTokenUrl: sb.oauthTokenUrl, dbPath: join(dir, 'app.db'), logLevel: 'silent' };
  const server = forkChild('./ingress-server.ts');
  const load = forkChild('./ingress-load.ts');
  let sampler: NodeJS.Timeout | null = null;
  try {
    const { url } = await server.call<{ url: string }>('start', config);
    await sb.installApp();
    await sb.waitForDeliveries();
    await server.call('idle');
    await server.call('pause');
    const installed = await server.call<{ queued: number; done: number }>('queue');
    const appToken = sb.state.app.applicationToken ?? '';
    const t = templates({ domain: sb.domain, client_endpoint: sb.clientEndpoint, server_endpoint: sb.serverEndpoint, member_id: sb.memberId, application_token: appToken });

    ctx.log(`ingress: warm-up ${WARMUP_MS / 1000} s`);
    const warm = await load.call<LoadResult>('closed', { url, templates: t, concurrency: THROUGHPUT.concurrency, durationMs: WARMUP_MS, firstN: 1 } satisfies ClosedLoad);

    const baseline = procStatus(server.pid);
    let peakRss = baseline?.rss ?? 0;
    sampler = setInterval(() => {
      const s = procStatus(server.pid);
      if (s && s.rss > peakRss) peakRss = s.rss;
    }, 100);
    sb.resetStats();

    ctx.log(`ingress: throughput, ${THROUGHPUT.concurrency} clients for ${THROUGHPUT.durationMs / 1000} s`);
    const thr = await load.call<LoadResult>('closed', { url, templates: t, ...THROUGHPUT, firstN: 1_000_000 } satisfies ClosedLoad);
    const thrRate = (thr.accepted / thr.elapsedMs) * 1000;
    ctx.log(`ingress: ${Math.round(thrRate)} accepted/s, p50 ${ms(thr.latency.p50)}, p99 ${ms(thr.latency.p99)}`);

    ctx.log(`ingress: steady ${STEADY.ratePerSec}/s for ${STEADY.durationMs / 1000} s`);
    const steady = await load.call<LoadResult>('open', { url, templates: t, ...STEADY, firstN: 100_000_000 } satisfies OpenLoad);
    ctx.log(`ingress: p50 ${ms(steady.latency.p50)}, p99 ${ms(steady.latency.p99)}, max ${ms(steady.latency.max)}`);

    clearInterval(sampler);
    sampler = null;
    const end = procStatus(server.pid);
    if (end && end.rss > peakRss) peakRss = end.rss;
    const restDuringRuns = sb.stats.requests;
    const queue = await server.call<{ queued: number; running: number; done: number; failed: number }>('queue');
    const acceptedTotal = warm.accepted + thr.accepted + steady.accepted;
    // Every accepted call is a job waiting in SQLite (the worker is stopped): recorded = accepted.
    const recorded = queue.queued - installed.queued;
    const durable = recorded === acceptedTotal;
    const failed = (r: LoadResult) => Object.values(r.failures).reduce((a, b) => a + b, 0);

    return [
      {
        benchmark: `ingress: throughput, ${THROUGHPUT.concurrency} clients × ${THROUGHPUT.durationMs / 1000} s`,
        requests: restDuringRuns,
        wallMs: thr.elapsedMs,
        measured: `${Math.round(thrRate).toLocaleString('en')} accepted/s (${thr.accepted.toLocaleString('en')} calls: ${thr.byKind.events.toLocaleString('en')} events + ${thr.byKind.robots.toLocaleString('en')} robots; ${failed(thr)} failed, ${thr.duplicates} dup); latency p50 ${ms(thr.latency.p50)} p99 ${ms(thr.latency.p99)}`,
        target: '≥ 2,000 accepted/s',
        pass: thrRate >= 2000 && failed(thr) === 0 && durable && restDuringRuns === 0,
        details: { ...thr, acceptedPerSec: thrRate, recordedJobs: recorded, acceptedTotal, durable, restRequestsDuringRuns: restDuringRuns },
      },
      {
        benchmark: `ingress: latency at ${STEADY.ratePerSec}/s × ${STEADY.durationMs / 1000} s`,
        requests: null,
        wallMs: steady.elapsedMs,
        measured: `p50 ${ms(steady.latency.p50)}, p99 ${ms(steady.latency.p99)}, max ${ms(steady.latency.max)} (${steady.accepted.toLocaleString('en')} calls, ${failed(steady)} failed; send lag p99 ${ms(steady.scheduleLag?.p99 ?? 0)})`,
        target: 'p99 < 20 ms',
        pass: steady.latency.p99 < 20 && failed(steady) === 0,
        details: { ...steady },
      },
      {
        benchmark: 'memory: app RSS during ingress',
        requests: null,
        wallMs: null,
        measured: `peak ${mib(peakRss)} (before load ${mib(baseline?.rss ?? 0)}, VmHWM ${mib(end?.hwm ?? 0)}; ${recorded.toLocaleString('en')} jobs queued)`,
        target: '— (report)',
        pass: null,
        details: { peakRssKiB: peakRss, baselineRssKiB: baseline?.rss ?? null, vmHwmKiB: end?.hwm ?? null, queuedJobs: recorded },
      },
    ];
  } finally {
    if (sampler) clearInterval(sampler);
    await load.stop();
    await server.stop();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
