/**
 * `npm run bench [-- name …]`: runs the benchmarks of issue 4 against the sandbox portal with its
 * rate limit on (2 requests/s drain, burst 50), prints one table and writes the same figures to
 * bench/results.json (entries of benchmarks not run this time are kept from the previous run).
 *
 * Each benchmark is a module exporting `run(ctx) → rows`; add one by adding an entry below.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { floorMs, PORTAL_BURST, PORTAL_DRAIN_PER_SEC, type BenchContext, type BenchModule, type BenchRow } from './types.js';

interface Entry {
  name: string;
  title: string;
  load: () => Promise<BenchModule>;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const BENCHMARKS: Entry[] = [
  { name: 'install', title: '1. fresh install and re-install', load: () => import('./install.js') },
  { name: 'walker', title: '2. reading a big list (100k walk; 10k app walker vs b24jssdk)', load: () => import('./walker.js') },
  { name: 'admission', title: '3. admission by list', load: () => import('./admission.js') },
  { name: 'deadlines', title: '4. deadline scans', load: () => import('./deadlines.js') },
  { name: 'ingress', title: '5. ingress (and 7. memory, partly)', load: () => import('./ingress.js') },
  { name: 'documents', title: '6. document generation', load: () => import('./documents.js') },
];

function pad(s: string, n: number, right = false): string {
  const w = [...s].length;
  return w >= n ? s : right ? ' '.repeat(n - w) + s : s + ' '.repeat(n - w);
}

const secs = (v: number | null) => (v === null ? '—' : `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`);

interface Printed extends BenchRow {
  floorMs: number | null;
  ratioText: string;
}

function withFloor(r: BenchRow): Printed {
  const floor = r.requests === null ? null : floorMs(r.requests);
  let ratioText = '—';
  if (r.ratio) ratioText = `${r.ratio.value.toFixed(1)}${r.ratio.label}`;
  else if (floor && r.wallMs !== null) ratioText = `${(r.wallMs / floor).toFixed(2)}× floor`;
  return { ...r, floorMs: floor, ratioText };
}

function table(rows: Printed[]): string {
  const head = ['benchmark', 'REST req', 'wall', 'floor', 'ratio', 'measured', 'target', 'result'];
  const cells = rows.map((r) => [
    r.benchmark,
    r.requests === null ? '—' : String(r.requests),
    secs(r.wallMs),
    secs(r.floorMs),
    r.ratioText,
    r.measured,
    r.target,
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max([...h].length, ...cells.map((c) => [...c[i]!].length)));
  const right = new Set([1, 2, 3, 4]);
  const line = (c: string[]) => `| ${c.map((v, i) => pad(v, widths[i]!, right.has(i))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), rule, ...cells.map(line)].join('\n');
}

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = args.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\nknown: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
    process.exit(2);
  }
  const selected = args.length ? BENCHMARKS.filter((b) => args.includes(b.name)) : BENCHMARKS;
  const ctx: BenchContext = { log: (m) => process.stderr.write(`[bench] ${m}\n`) };
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const printed: Printed[] = [];
  const results: Record<string, unknown> = {};

  for (const b of selected) {
    ctx.log(`— ${b.title}`);
    const t0 = performance.now();
    let rows: BenchRow[];
    try {
      rows = await (await b.load()).run(ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log(`${b.name} failed: ${err instanceof Error && err.stack ? err.stack : message}`);
      rows = [{ benchmark: `${b.name}: error`, requests: null, wallMs: performance.now() - t0, measured: `error: ${message}`, target: '—', pass: false }];
    }
    const done = rows.map(withFloor);
    printed.push(...done);
    results[b.name] = { title: b.title, ranAt: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, loadAverageAfter: loadavg().map((v) => Math.round(v * 100) / 100), rows: done };
  }

  process.stdout.write(`\n${table(printed)}\n\n`);
  process.stdout.write(`floor = max(0, (REST requests − ${PORTAL_BURST}) / ${PORTAL_DRAIN_PER_SEC}) s; ratio = wall ÷ floor unless stated; run took ${((performance.now() - started) / 1000).toFixed(0)} s on ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (other work on the machine skews wall times)\n`);

  const file = here('./results.json');
  let previous: { benchmarks?: Record<string, unknown> } = {};
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as typeof previous;
  } catch {
    previous = {};
  }
  const out = {
    updatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    portalRateLimit: { burst: PORTAL_BURST, drainPerSec: PORTAL_DRAIN_PER_SEC },
    benchmarks: { ...(previous.benchmarks ?? {}), ...results },
  };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`figures written to ${file}\n`);
  // Sandbox servers and agents may keep handles open; the run is over.
  process.exit(printed.some((r) => r.pass === false) ? 1 : 0);
}

void main();
