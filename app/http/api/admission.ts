/**
 * /api/admission/* — admission by list, behind the page session. Only the clerk, the chairman
 * (settings → roles) and portal administrators may use it; everyone else gets 403 FORBIDDEN.
 *
 *   POST /upload              { fileName, contentBase64 } → Preview         (file ≤ 5 MB, ≤ 10,000 rows)
 *   GET  /preview/:uploadId   → Preview
 *   POST /execute             { uploadId, mode, date, useFileDates, duplicateDefault, rows } → { run }
 *   GET  /progress/:runId     → { run }
 *   GET  /report/:runId       → text/csv (UTF-8 with BOM, «;»)
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import { ListFileError } from '../../membership/list-admission/parse.js';
import { createUpload, previewOf, progressOf, reportOf, startRun, type AdmissionDeps } from '../../membership/list-admission/service.js';
import { MAX_FILE_BYTES, type DuplicateAction, type ExecuteOptions } from '../../membership/list-admission/types.js';
import { loadPortalSettings } from '../../settings.js';
import type { Session } from './settings.js';

export type AdmissionApiDeps = AdmissionDeps;

/** Roles that may admit by list (besides portal administrators). */
export const ADMISSION_ROLES = ['clerk', 'chairman'] as const;

/**
 * The upload's JSON body is bigger than the /api default (a 5 MB file is ~6.7 MB of base64).
 * Mount before the generic /api body parser; body-parser skips a body already read.
 */
export const admissionUploadBody = express.json({ limit: '8mb' });

type Req = Request & { session: Session };
const handle = (fn: (req: Req, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req as Req, res).catch(next);

const ACTIONS: DuplicateAction[] = ['skip', 'new', 'update'];
const asAction = (v: unknown): DuplicateAction => (ACTIONS.includes(v as DuplicateAction) ? (v as DuplicateAction) : ('' as DuplicateAction));

function parseOptions(body: Record<string, unknown>): ExecuteOptions {
  const rows: ExecuteOptions['rows'] = {};
  const raw = body.rows && typeof body.rows === 'object' && !Array.isArray(body.rows) ? (body.rows as Record<string, unknown>) : {};
  for (const [row, v] of Object.entries(raw).slice(0, 20_000)) {
    if (!/^\d{1,7}$/.test(row) || !v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    const contactId = Number(o.contactId);
    rows[row] = { action: asAction(o.action), ...(Number.isInteger(contactId) && contactId > 0 ? { contactId } : {}) };
  }
  return {
    mode: body.mode === 'applications' ? 'applications' : body.mode === 'members' ? 'members' : ('' as ExecuteOptions['mode']),
    date: typeof body.date === 'string' ? body.date : '',
    useFileDates: body.useFileDates !== false,
    duplicateDefault: body.duplicateDefault === undefined ? 'skip' : asAction(body.duplicateDefault),
    rows,
  };
}

export function admissionApi(d: AdmissionApiDeps): Router {
  const r = Router();

  // Everything here needs the role.
  const guard = async (s: Session) => {
    if (s.isAdmin) return;
    const { roles } = await loadPortalSettings(d.store, s.memberId);
    if (ADMISSION_ROLES.some((role) => (roles[role] ?? []).includes(s.userId))) return;
    throw new AppError('FORBIDDEN', 'Приём по списку доступен делопроизводителю, председателю и администратору портала. Роли назначаются в настройках приложения.');
  };
  r.use((req: Request, _res: Response, next: NextFunction) => {
    guard((req as Req).session).then(() => next(), next);
  });

  r.post('/upload', handle(async (req, res) => {
    const body = (req.body ?? {}) as { fileName?: unknown; contentBase64?: unknown };
    const fileName = typeof body.fileName === 'string' ? body.fileName.slice(0, 255) : '';
    if (typeof body.contentBase64 !== 'string' || body.contentBase64 === '') throw new AppError('VALIDATION_FAILED', 'Выберите файл со списком (.xlsx или .csv).', [{ field: 'file', message: 'Файл не выбран' }]);
    const content = Buffer.from(body.contentBase64.replace(/^data:[^,]*,/, ''), 'base64');
    if (content.byteLength > MAX_FILE_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `Файл больше ${MAX_FILE_BYTES / 1024 / 1024} МБ. Разделите список на несколько файлов.`);
    try {
      res.json(await createUpload(d, { memberId: req.session.memberId, userId: req.session.userId }, { name: fileName, content }));
    } catch (err) {
      if (err instanceof ListFileError) throw new AppError('VALIDATION_FAILED', err.message, err.details.length ? err.details : [{ field: 'file', message: err.message }]);
      throw err;
    }
  }));

  r.get('/preview/:uploadId', handle(async (req, res) => {
    res.json(previewOf(d, req.session.memberId, String(req.params.uploadId)));
  }));

  r.post('/execute', handle(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.uploadId !== 'string') throw new AppError('VALIDATION_FAILED', 'Сначала загрузите список.', [{ field: 'uploadId', message: 'Нет загруженного списка' }]);
    const run = await startRun(d, { memberId: req.session.memberId, userId: req.session.userId }, body.uploadId, parseOptions(body));
    res.json({ run });
  }));

  r.get('/progress/:runId', handle(async (req, res) => {
    res.json({ run: await progressOf(d, req.session.memberId, String(req.params.runId)) });
  }));

  r.get('/report/:runId', handle(async (req, res) => {
    const { name, csv } = await reportOf(d, req.session.memberId, String(req.params.runId));
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader('content-disposition', `attachment; filename="${name}"`)
      .setHeader('cache-control', 'no-store')
      .send(csv);
  }));

  return r;
}
