/**
 * Load generator of the ingress benchmark, in its own process (forked by bench/ingress.ts) so it
 * does not share the server's event loop. Sends the portal's form bodies, alternating an event
 * (POST /events, ONCRMDEALUPDATE) and a robot call (POST /robots/set-member-status); `XNX` in a
 * template is replaced by a per-request number so every call is a new one (no idempotent repeat).
 */
import { Agent, request } from 'node:http';
import { serve } from './ipc.js';

export interface LoadTemplates {
  event: string;
  robot: string;
  robotPath: string;
}

export interface ClosedLoad {
  url: string;
  templates: LoadTemplates;
  concurrency: number;
  durationMs: number;
  firstN: number;
}
export interface OpenLoad {
  url: string;
  templates: LoadTemplates;
  ratePerSec: number;
  durationMs: number;
  firstN: number;
}

export interface LoadResult {
  sent: number;
  /** 200 answers that recorded a new job. */
  accepted: number;
  duplicates: number;
  /** Answers other than 200, and failed requests, by status (`error` for network errors). */
  failures: Record<string, number>;
  elapsedMs: number;
  /** Answer latency (request sent → answer read), ms. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Open load only: how late requests left against their schedule, ms. */
  scheduleLag?: { p50: number; p99: number; max: number };
  byKind: { events: number; robots: number };
}

const PLACEHOLDER = /XNX/g;

function percentiles(samples: number[]) {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

class Sender {
  readonly agent: Agent;
  readonly host: string;
  readonly port: number;
  sent = 0;
  accepted = 0;
  duplicates = 0;
  events = 0;
  robots = 0;
  failures: Record<string, number> = {};
  latencies: number[] = [];

  constructor(url: string, readonly t: LoadTemplates, sockets: number) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** One call; resolves when the answer is read. */
  send(n: number): Promise<void> {
    const robot = n % 2 === 1;
    const body = (robot ? this.t.robot : this.t.event).replace(PLACEHOLDER, String(n));
    const path = robot ? this.t.robotPath : '/events';
    this.sent += 1;
    if (robot) this.robots += 1;
    else this.events += 1;
    const started = performance.now();
    return new Promise((resolve) => {
      const req = request(
        { host: this.host, port: this.port, method: 'POST', path, agent: this.agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.latencies.push(performance.now() - started);
            if (res.statusCode === 200) {
              if (Buffer.concat(chunks).toString('utf8').includes('"duplicate":true')) this.duplicates += 1;
              else this.accepted += 1;
            } else {
              const k = String(res.statusCode);
              this.failures[k] = (this.failures[k] ?? 0) + 1;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        this.failures.error = (this.failures.error ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  }

  result(elapsedMs: number, lag?: number[]): LoadResult {
    this.agent.destroy();
    const l = percentiles(lag ?? []);
    return {
      sent: this.sent,
      accepted: this.accepted,
      duplicates: this.duplicates,
      failures: this.failures,
      elapsedMs,
      latency: percentiles(this.latencies),
      ...(lag ? { scheduleLag: { p50: l.p50, p99: l.p99, max: l.max } } : {}),
      byKind: { events: this.events, robots: this.robots },
    };
  }
}

/** `concurrency` clients, each sending its next call as soon as the last one is answered. */
async function closedLoad(o: ClosedLoad): Promise<LoadResult> {
  const s = new Sender(o.url, o.templates, o.concurrency);
  let n = o.firstN;
  const started = performance.now();
  const end = started + o.durationMs;
  const client = async () => {
    while (performance.now() < end) await s.send(n++);
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  return s.result(performance.now() - started);
}

/** Calls leave on a fixed schedule (`ratePerSec`), whatever the answers do. */
async function openLoad(o: OpenLoad): Promise<LoadResult> {
  const s = new Sender(o.url, o.templates, 1_000);
  const total = Math.round((o.ratePerSec * o.durationMs) / 1000);
  const gap = 1000 / o.ratePerSec;
  const inflight = new Set<Promise<void>>();
  const lag: number[] = [];
  const started = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && started + i * gap <= now) {
      lag.push(now - (started + i * gap));
      const p = s.send(o.firstN + i);
      inflight.add(p);
      void p.then(() => inflight.delete(p));
      i += 1;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return s.result(performance.now() - started, lag);
}

serve(async (cmd, arg) => {
  if (cmd === 'closed') return closedLoad(arg as ClosedLoad);
  if (cmd === 'open') return openLoad(arg as OpenLoad);
  if (cmd === 'stop') return null;
  throw new Error(`unknown command ${cmd}`);
});
