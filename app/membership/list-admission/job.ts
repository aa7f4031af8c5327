/**
 * The durable job that executes a run (`admission:run`, keyed by the run id). Its payload is the
 * run id and the plan's file id in the portal's disk — no personal data. A crash anywhere repeats
 * the job; runPlan then finds what was written before by ORIGIN_ID and writes only the rest.
 */
import type { HandlerContext } from '../../context.js';
import { AppError, RestError } from '../../errors.js';
import type { Job } from '../../store/types.js';
import { reportCsv, reportFileName } from './report.js';
import { runPlan } from './run.js';
import { downloadFromDisk, getRun, memory, patchRun, uploadToDisk } from './storage.js';
import type { Plan, RowResult, RunState } from './types.js';

/** The job kind (one name per thing: `admission:run`). */
export const ADMISSION_JOB_KIND = 'admission:run';

export interface AdmissionJobPayload {
  runId: string;
  planFileId: number;
}

export function tally(results: readonly RowResult[]): Pick<RunState, 'created' | 'updated' | 'unchanged' | 'skipped' | 'errors' | 'failed'> {
  const t = { created: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0, failed: 0 };
  for (const r of results) {
    if (r.outcome === 'error') t.errors += 1;
    else t[r.outcome] += 1;
  }
  return t;
}

/** Errors that waiting will not fix (the worker gives up on them at once). */
function isPermanent(err: unknown): boolean {
  if (err instanceof AppError) return ['VALIDATION_FAILED', 'NOT_FOUND', 'BAD_REQUEST'].includes(err.code);
  if (err instanceof RestError) return !err.isRateLimit && err.httpStatus >= 400 && err.httpStatus < 500 && err.code !== 'expired_token';
  return false;
}

async function loadPlan(ctx: HandlerContext, payload: AdmissionJobPayload): Promise<Plan> {
  const memberId = ctx.portal.memberId;
  const cached = memory.getPlan(memberId, payload.runId);
  if (cached) return cached;
  const raw = await downloadFromDisk(ctx.rest, payload.planFileId);
  let plan: Plan;
  try {
    plan = JSON.parse(raw.toString('utf8')) as Plan;
  } catch {
    throw new AppError('VALIDATION_FAILED', `the plan file ${payload.planFileId} is not valid JSON`);
  }
  if (plan?.version !== 1 || plan.runId !== payload.runId || plan.memberId !== memberId || !Array.isArray(plan.entries)) {
    throw new AppError('VALIDATION_FAILED', `the plan file ${payload.planFileId} does not belong to run ${payload.runId}`);
  }
  memory.putPlan(plan, ctx.clock.now());
  return plan;
}

export async function runAdmissionJob(ctx: HandlerContext, job: Pick<Job, 'payload' | 'attempts'>): Promise<void> {
  const payload = job.payload as AdmissionJobPayload;
  const memberId = ctx.portal.memberId;
  const run = await getRun(ctx.store, memberId, payload?.runId);
  if (!run) throw new AppError('NOT_FOUND', `admission run ${String(payload?.runId)} is unknown`);
  if (run.status === 'done') return;
  const now = () => ctx.clock.now();
  // Our own count of started attempts: the queue's resets when an admin requeues a failed job, and
  // an attempt after any earlier one must look for the rows that one wrote.
  const attempt = Math.max(job.attempts, (run.attempts ?? 0) + 1);
  await patchRun(ctx.store, memberId, run.runId, { status: 'running', attempts: attempt, startedAt: run.startedAt ?? now(), lastError: null });
  try {
    const plan = await loadPlan(ctx, payload);
    const results = await runPlan(ctx, plan, {
      attempt,
      onProgress: async (p) => {
        await patchRun(ctx.store, memberId, run.runId, { processed: p.processed, created: p.created, updated: p.updated, unchanged: p.unchanged, failed: p.failed });
      },
    });
    const csv = reportCsv(plan, results);
    memory.putReport(memberId, run.runId, csv, now());
    let reportFileId: number | null = null;
    try {
      reportFileId = await uploadToDisk(ctx, reportFileName(run.runId), Buffer.from(csv, 'utf8'));
    } catch (err) {
      // The run is done; the report stays downloadable from memory. Not worth repeating all the work.
      ctx.logger.warn({ runId: run.runId, err: err instanceof Error ? err.message : String(err) }, 'admission: report not saved to the portal disk');
    }
    const counts = tally(results);
    await patchRun(ctx.store, memberId, run.runId, {
      status: 'done',
      ...counts,
      processed: run.toWrite,
      reportFileId,
      finishedAt: now(),
      lastError: null,
    });
    memory.dropPlan(memberId, run.runId);
    ctx.logger.info({ runId: run.runId, ...counts }, 'admission by list done');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await patchRun(ctx.store, memberId, run.runId, { status: isPermanent(err) ? 'failed' : 'retrying', lastError: message.slice(0, 500) });
    throw err;
  }
}
