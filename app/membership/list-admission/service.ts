/** What the admission API does: upload → preview, execute (queue the job), progress, report. */
import { randomBytes } from 'node:crypto';
import { dateInZone } from '../../clock.js';
import type { HandlerContext } from '../../context.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RestClient } from '../../rest/types.js';
import { loadPortalSettings } from '../../settings.js';
import type { Store } from '../../store/types.js';
import { ADMISSION_JOB_KIND, type AdmissionJobPayload } from './job.js';
import { buildPlan, validateOptions } from './plan.js';
import { analyseList } from './preview.js';
import { reportFileName } from './report.js';
import { downloadFromDisk, getRun, memory, saveRun, uploadToDisk, type UploadSession } from './storage.js';
import type { ExecuteOptions, Preview, RunState } from './types.js';

export interface AdmissionDeps {
  store: Store;
  restFor(memberId: string): RestClient;
  logger: Logger;
  now(): number;
  /** Wake the worker after an enqueue. */
  kick(): void;
}

const newId = () => randomBytes(9).toString('base64url');

async function portalCtx(d: AdmissionDeps, memberId: string): Promise<Pick<HandlerContext, 'rest' | 'map' | 'logger' | 'portal'> & { today: string }> {
  const [portal, map, settings] = await Promise.all([d.store.getPortal(memberId), d.store.getMap(memberId), loadPortalSettings(d.store, memberId)]);
  if (!portal || portal.status === 'uninstalled') throw new AppError('PORTAL_NOT_INSTALLED', 'Приложение не установлено на этом портале.');
  return { portal, rest: d.restFor(memberId), map, logger: d.logger.child({ memberId, kind: 'admission' }), today: dateInZone(d.now(), settings.process.timeZone) };
}

export async function createUpload(d: AdmissionDeps, who: { memberId: string; userId: number }, file: { name: string; content: Uint8Array }): Promise<Preview> {
  const ctx = await portalCtx(d, who.memberId);
  const id = newId();
  const analysis = await analyseList(ctx, file.content, { fileName: file.name, today: ctx.today, uploadId: id });
  memory.putUpload({ id, memberId: who.memberId, userId: who.userId, createdAt: d.now(), fileName: file.name, people: analysis.people, organisationOf: analysis.organisationOf, preview: analysis.preview, runId: null }, d.now());
  ctx.logger.info({ uploadId: id, rows: analysis.preview.total, ...analysis.preview.counts }, 'admission list uploaded');
  return analysis.preview;
}

export function uploadOf(d: AdmissionDeps, memberId: string, uploadId: string) {
  const u = memory.getUpload(memberId, uploadId, d.now());
  if (!u) throw new AppError('NOT_FOUND', 'Загруженный список не найден или устарел (списки хранятся два часа). Загрузите файл ещё раз.');
  return u;
}

export function previewOf(d: AdmissionDeps, memberId: string, uploadId: string): Preview {
  const u = uploadOf(d, memberId, uploadId);
  return { ...u.preview, runId: u.runId };
}

/**
 * Builds the plan, keeps it in the portal's disk (one upload request) and in memory, records the
 * run (counts only) and queues the job. Running the same upload twice returns the first run.
 */
export async function startRun(d: AdmissionDeps, who: { memberId: string; userId: number }, uploadId: string, options: ExecuteOptions): Promise<RunState> {
  const upload = uploadOf(d, who.memberId, uploadId);
  while (upload.starting) await upload.starting.catch(() => undefined);
  if (upload.runId) {
    const existing = await getRun(d.store, who.memberId, upload.runId);
    if (existing) return existing;
  }
  const started = startNewRun(d, who, upload, options);
  upload.starting = started;
  try {
    return await started;
  } finally {
    upload.starting = undefined;
  }
}

async function startNewRun(d: AdmissionDeps, who: { memberId: string; userId: number }, upload: UploadSession, options: ExecuteOptions): Promise<RunState> {
  const ctx = await portalCtx(d, who.memberId);
  const problems = validateOptions(options, ctx.today);
  if (problems.length) throw new AppError('VALIDATION_FAILED', 'Проверьте параметры приёма.', problems);

  const runId = newId();
  const now = d.now();
  const plan = buildPlan({ runId, memberId: who.memberId, userId: who.userId, fileName: upload.fileName, now }, upload.people, upload.preview.rows, upload.organisationOf, options);
  const planFileId = await uploadToDisk(ctx, `plan-${runId}.json`, Buffer.from(JSON.stringify(plan), 'utf8'));
  memory.putPlan(plan, now);
  const count = (a: string) => plan.entries.filter((e) => e.action === a).length;
  const run: RunState = {
    runId,
    status: 'queued',
    mode: options.mode,
    userId: who.userId,
    total: plan.entries.length,
    toWrite: count('create') + count('update'),
    processed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: count('skip'),
    errors: count('error'),
    failed: 0,
    attempts: 0,
    lastError: null,
    planFileId,
    reportFileId: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
  await saveRun(d.store, who.memberId, run);
  upload.runId = runId;
  const payload: AdmissionJobPayload = { runId, planFileId };
  await d.store.enqueue({ memberId: who.memberId, kind: ADMISSION_JOB_KIND, key: runId, payload });
  d.kick();
  ctx.logger.info({ runId, mode: options.mode, toWrite: run.toWrite, skipped: run.skipped, errors: run.errors }, 'admission run queued');
  return run;
}

/** The run's progress; a job the queue gave up on shows as failed with its reason. */
export async function progressOf(d: AdmissionDeps, memberId: string, runId: string): Promise<RunState> {
  const run = await getRun(d.store, memberId, runId);
  if (!run) throw new AppError('NOT_FOUND', 'Такой запуск не найден.');
  if (run.status === 'retrying' || run.status === 'running') {
    const failed = await d.store.listJobs(memberId, 'failed', 50);
    const job = failed.find((j) => j.kind === ADMISSION_JOB_KIND && j.key === runId);
    if (job) return { ...run, status: 'failed', lastError: job.lastError ?? run.lastError };
  }
  return run;
}

export async function reportOf(d: AdmissionDeps, memberId: string, runId: string): Promise<{ name: string; csv: Buffer }> {
  const run = await getRun(d.store, memberId, runId);
  if (!run) throw new AppError('NOT_FOUND', 'Такой запуск не найден.');
  if (run.status !== 'done') throw new AppError('NOT_FOUND', 'Отчёт появится, когда обработка списка закончится.');
  const name = reportFileName(runId);
  const cached = memory.getReport(memberId, runId);
  if (cached !== undefined) return { name, csv: Buffer.from(cached, 'utf8') };
  if (!run.reportFileId) throw new AppError('NOT_FOUND', 'Отчёт не сохранился. Результаты видны в карточках контактов.');
  return { name, csv: await downloadFromDisk(d.restFor(memberId), run.reportFileId) };
}
