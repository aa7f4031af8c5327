/**
 * Benchmark: rendering the four admission documents (application to join, two consents, dues
 * deduction) from the bundled templates, as the "Новое заявление" stage does for each applicant.
 * Pure CPU: no REST calls (loading a portal's own templates is one `disk.folder.getchildren`, see
 * test/integration/templates-disk.test.ts).
 */
import { SAMPLE_ADMISSION } from '../app/documents/catalog.js';
import { renderAdmissionSet } from '../app/documents/render.js';
import type { BenchContext, BenchRow } from './types.js';

export interface DocumentsBenchResult {
  iterations: number;
  /** Time to render one set of four documents, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Sets per second, one at a time. */
  perSecond: number;
  /** Bytes of one rendered set. */
  bytes: number;
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function benchDocuments(iterations = 200): Promise<DocumentsBenchResult> {
  // Warm-up: reads the bundled templates once and lets the JIT settle.
  let bytes = 0;
  for (let i = 0; i < 5; i++) bytes = (await renderAdmissionSet(SAMPLE_ADMISSION)).reduce((a, d) => a + d.content.length, 0);
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await renderAdmissionSet(SAMPLE_ADMISSION);
    times.push(performance.now() - t0);
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    iterations,
    p50: round(percentile(times, 0.5)),
    p99: round(percentile(times, 0.99)),
    max: round(times.at(-1) ?? 0),
    perSecond: round((iterations / total) * 1000),
    bytes,
  };
}

/** For bench/run.ts (BenchModule). */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const r = await benchDocuments(200);
  ctx.log(`documents: ${r.iterations} admission sets, p50 ${r.p50} ms, p99 ${r.p99} ms`);
  return [
    {
      benchmark: 'documents: admission set (4 .docx)',
      requests: null,
      wallMs: r.p50,
      measured: `p50 ${r.p50} ms, p99 ${r.p99} ms per set of four documents (${r.perSecond} sets/s)`,
      target: 'p99 ≤ 250 ms',
      pass: r.p99 <= 250,
      details: { ...r },
    },
  ];
}
