/**
 * Where admission by list keeps things, and why (no personal data in SQLite — DESIGN.md):
 *
 * - the uploaded rows and the preview: in this process's memory only, for two hours (an upload
 *   lost to a restart is simply uploaded again — nothing was written yet);
 * - the execution plan (names, birth dates, phones of the people to admit): in the portal's own
 *   disk, in the app's storage («Приём по списку» folder), written once before the job is queued;
 *   the job carries only the file's id. The same process also keeps it in memory, so a normal run
 *   never downloads it; after a crash or restart the job reads it back from the portal;
 * - progress: counts and ids in SQLite (settings key `admission.run.<id>`), which the page polls;
 * - the result report (names and outcomes): in the portal's disk again, and in memory for a day.
 */
import type { HandlerContext } from '../../context.js';
import { appFolder, forgetFolder, uploadToFolder } from '../../crm/disk.js';
import { AppError, RestError } from '../../errors.js';
import type { RestClient } from '../../rest/types.js';
import type { Store } from '../../store/types.js';
import type { PersonRow, Plan, Preview, RunState } from './types.js';

// ── memory ──────────────────────────────────────────────────────────────────────────────────

export interface UploadSession {
  id: string;
  memberId: string;
  userId: number;
  createdAt: number;
  fileName: string;
  people: PersonRow[];
  organisationOf: Map<number, number>;
  preview: Preview;
  /** Set once executed: a second «run» of the same upload returns the same run. */
  runId: string | null;
  /** A start in progress (a double click waits for it instead of starting a second run). */
  starting?: Promise<unknown>;
}

const UPLOAD_TTL_MS = 2 * 60 * 60 * 1000;
const KEEP_MS = 24 * 60 * 60 * 1000;
const MAX_UPLOADS_PER_PORTAL = 10;

const uploads = new Map<string, UploadSession>();
const plans = new Map<string, { plan: Plan; at: number }>();
const reports = new Map<string, { csv: string; at: number }>();

function prune(now: number): void {
  for (const [k, v] of uploads) if (now - v.createdAt > UPLOAD_TTL_MS) uploads.delete(k);
  for (const [k, v] of plans) if (now - v.at > KEEP_MS) plans.delete(k);
  for (const [k, v] of reports) if (now - v.at > KEEP_MS) reports.delete(k);
}

const key = (memberId: string, id: string) => `${memberId}\u0000${id}`;

export const memory = {
  putUpload(u: UploadSession, now: number): void {
    prune(now);
    const mine = [...uploads.values()].filter((x) => x.memberId === u.memberId).sort((a, b) => a.createdAt - b.createdAt);
    while (mine.length >= MAX_UPLOADS_PER_PORTAL) uploads.delete(key(u.memberId, mine.shift()!.id));
    uploads.set(key(u.memberId, u.id), u);
  },
  getUpload(memberId: string, id: string, now: number): UploadSession | undefined {
    prune(now);
    return uploads.get(key(memberId, id));
  },
  putPlan(plan: Plan, now: number): void {
    plans.set(key(plan.memberId, plan.runId), { plan, at: now });
  },
  getPlan(memberId: string, runId: string): Plan | undefined {
    return plans.get(key(memberId, runId))?.plan;
  },
  dropPlan(memberId: string, runId: string): void {
    plans.delete(key(memberId, runId));
  },
  putReport(memberId: string, runId: string, csv: string, now: number): void {
    reports.set(key(memberId, runId), { csv, at: now });
  },
  getReport(memberId: string, runId: string): string | undefined {
    return reports.get(key(memberId, runId))?.csv;
  },
};

/** Forget everything held in memory, as a restarted process would (tests). */
export function forgetMemory(): void {
  uploads.clear();
  plans.clear();
  reports.clear();
}

// ── run states in SQLite (counts only) ──────────────────────────────────────────────────────

/**
 * One settings row per run (`admission.run.<id>`): the API creates it and only that run's job
 * updates it afterwards, so two runs never overwrite each other's progress.
 */
const runKey = (runId: string) => `admission.run.${runId}`;

export async function getRun(store: Store, memberId: string, runId: string): Promise<RunState | undefined> {
  if (typeof runId !== 'string' || !/^[\w-]{1,64}$/.test(runId)) return undefined;
  return (await store.getSetting<RunState>(memberId, runKey(runId))) ?? undefined;
}

export async function saveRun(store: Store, memberId: string, run: RunState): Promise<void> {
  await store.setSetting(memberId, runKey(run.runId), run);
}

export async function patchRun(store: Store, memberId: string, runId: string, patch: Partial<RunState>): Promise<RunState | undefined> {
  const run = await getRun(store, memberId, runId);
  if (!run) return undefined;
  const next = { ...run, ...patch };
  await saveRun(store, memberId, next);
  return next;
}

// ── the portal's disk ───────────────────────────────────────────────────────────────────────

export const DISK_FOLDER = ['Приём по списку'];

/**
 * Uploads a file into the app storage's «Приём по списку» folder (app/crm/disk.ts: the folder id is
 * cached for the process; the upload itself is one request, not batchable). Returns the file id.
 */
export async function uploadToDisk(ctx: Pick<HandlerContext, 'rest' | 'portal'>, name: string, content: Buffer): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const folder = await appFolder(ctx, DISK_FOLDER);
    try {
      const file = await uploadToFolder(ctx, folder, name, content);
      if (!file.id) throw new AppError('REST_ERROR', 'disk.folder.uploadfile returned no file id');
      return file.id;
    } catch (err) {
      // Someone deleted the folder: forget it and make it again, once.
      if (attempt === 1 && err instanceof RestError && /NOT_FOUND/i.test(err.code)) {
        forgetFolder(ctx.portal.memberId, DISK_FOLDER);
        continue;
      }
      throw err;
    }
  }
}

/** Reads a file of the app storage back (disk.file.get → its DOWNLOAD_URL, which carries a token). */
export async function downloadFromDisk(rest: RestClient, fileId: number): Promise<Buffer> {
  const file = await rest.call<Record<string, unknown>>('disk.file.get', { id: fileId });
  const url = String(file?.DOWNLOAD_URL ?? '');
  if (!url) throw new AppError('NOT_FOUND', `disk file ${fileId} has no download URL`);
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000), headers: { 'user-agent': 'digital-union' } });
  if (!res.ok) throw new AppError(res.status === 404 ? 'NOT_FOUND' : 'REST_ERROR', `disk file ${fileId}: download answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
