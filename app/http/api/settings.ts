import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, PortalDisconnectedError, RestError } from '../../errors.js';
import type { Installer } from '../../install.js';
import type { Plan } from '../../registry/diff.js';
import type { Manifest } from '../../registry/manifest.js';
import type { RestClient } from '../../rest/types.js';
import { emptyRoles, loadPortalSettings, PROCESS_SETTINGS, processSettingsSchema, roleMappingSchema, ROLES } from '../../settings.js';
import type { Store } from '../../store/types.js';
import { CALENDAR_SETTING_KEY, calendarOverridesSchema, loadCalendarOverrides, shippedCalendar } from '../../domain/calendar/index.js';
import { jobKinds } from '../../jobs.js';
import { STAGE_ACTIONS } from '../../../handlers/stage-actions.js';
import { CATALOG, isTemplateKey, type TemplateKey } from '../../documents/catalog.js';
import { placeholderHelp, type PlaceholderHelp } from '../../documents/placeholder-help.js';
import { MAX_TEMPLATE_BYTES, TemplateError } from '../../documents/render.js';
import { loadTemplate, resetTemplate, saveTemplate, templateStatuses } from '../../documents/template-source.js';
import type { Logger } from '../../logger.js';

export interface Session {
  memberId: string;
  userId: number;
  isAdmin: boolean;
  name: string;
  /** The CRM item a card tab was opened on (PLACEMENT_OPTIONS.ID): such a session reaches only that item. */
  entityId?: number;
}

export interface SettingsApiDeps {
  store: Store;
  installer: Installer;
  manifest: Manifest;
  restFor(memberId: string): RestClient;
  /** Wake the worker after an enqueue. */
  kick(): void;
  /** For the record of who replaced a document template (the Drive sees only the app's token). */
  logger?: Logger;
}

type Req = Request & { session: Session };
const handle = (fn: (req: Req, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req as Req, res).catch(next);

function requireAdmin(req: Req) {
  if (!req.session.isAdmin) throw new AppError('FORBIDDEN', 'only a portal administrator can change the app settings');
}

function planView(plan: Plan) {
  return {
    upToDate: plan.changes.length === 0 && plan.conflicts.length === 0,
    changes: plan.changes.map((c) => ({ action: c.action, kind: c.kind, key: c.key, title: c.title })),
    conflicts: plan.conflicts,
    // What this kind of install cannot do (webhook mode: no robots, events, placements), for the admin to read.
    notes: plan.notes ?? [],
  };
}

function zodDetails(issues: { path: PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}

/** The settings page's API; `install` mode exposes only the install run. */
export function settingsApi(d: SettingsApiDeps, mode: 'settings' | 'install' = 'settings'): Router {
  const r = Router();

  const runInstall = handle(async (req, res) => {
    requireAdmin(req);
    const result = await d.installer.reconcile(req.session.memberId);
    if (result.failed.length) {
      throw new AppError('REST_ERROR', `Не удалось настроить портал: ${result.failed.map((f) => `${f.change.title} — ${f.error}`).join('; ')}`, result.failed.map((f) => ({ field: f.change.key, message: f.error })));
    }
    res.json({ applied: result.applied.length, plan: planView(result.plan) });
  });

  if (mode === 'install') {
    r.post('/run', runInstall);
    return r;
  }

  r.get('/overview', handle(async (req, res) => {
    const memberId = req.session.memberId;
    const portal = await d.store.getPortal(memberId);
    if (!portal) throw new AppError('PORTAL_NOT_INSTALLED', 'unknown portal');
    const [queue, failures] = await Promise.all([d.store.queueStats(memberId), d.store.listJobs(memberId, 'failed', 20)]);
    let plan: ReturnType<typeof planView> | null = null;
    if (portal.status === 'active') plan = planView(await d.installer.plan(memberId));
    const robotTitles = new Map(d.manifest.robots.map((rb) => [rb.code, typeof rb.name === 'string' ? rb.name : (rb.name.ru ?? rb.code)]));
    res.json({
      portal: { domain: portal.domain, status: portal.status, statusReason: portal.statusReason, installedAt: portal.installedAt, appVersion: portal.appVersion },
      queue,
      failures: failures.map((j) => ({ id: j.id, kind: j.kind, attempts: j.attempts, lastError: j.lastError, updatedAt: j.updatedAt })),
      plan: plan ?? { upToDate: false, changes: [], conflicts: ['Нет связи с порталом: переустановите приложение, чтобы проверить настройки.'] },
      stageActions: STAGE_ACTIONS.map((a) => {
        const pipeline = d.manifest.pipelines.find((p) => p.key === a.pipeline);
        return {
          pipeline: pipeline?.name ?? a.pipeline,
          stage: a.stage,
          stageTitle: pipeline?.stages.find((s) => s.key === a.stage)?.name ?? a.stage,
          action: a.title,
          robotCode: a.robotCode ?? '',
          robotTitle: a.robotCode ? (robotTitles.get(a.robotCode) ?? a.robotCode) : '',
        };
      }),
    });
  }));

  r.post('/repair', runInstall);

  r.post('/requeue-failed', handle(async (req, res) => {
    requireAdmin(req);
    res.json({ requeued: await d.store.requeueFailed(req.session.memberId) });
  }));

  const rolesView = async (memberId: string) => {
    const users: { id: number; name: string; position: string | null }[] = [];
    for await (const page of d.restFor(memberId).walk<Record<string, unknown>>('user.get', { filter: { ACTIVE: true }, select: ['ID', 'NAME', 'LAST_NAME', 'WORK_POSITION'] })) {
      for (const u of page) {
        users.push({ id: Number(u.ID), name: [u.NAME, u.LAST_NAME].filter(Boolean).join(' ') || `#${String(u.ID)}`, position: (u.WORK_POSITION as string) || null });
      }
    }
    const settings = await loadPortalSettings(d.store, memberId);
    return { roles: ROLES, mapping: settings.roles, users };
  };

  r.get('/roles', handle(async (req, res) => {
    res.json(await rolesView(req.session.memberId));
  }));

  r.put('/roles', handle(async (req, res) => {
    requireAdmin(req);
    const parsed = roleMappingSchema.safeParse((req.body as { mapping?: unknown })?.mapping);
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'Проверьте назначения ролей.', zodDetails(parsed.error.issues));
    const view = await rolesView(req.session.memberId);
    const known = new Set(view.users.map((u) => u.id));
    const unknown = Object.entries(parsed.data).flatMap(([role, ids]) => ids.filter((id) => !known.has(id)).map((id) => ({ field: `mapping.${role}`, message: `Пользователь #${id} не найден или неактивен на портале` })));
    if (unknown.length) throw new AppError('VALIDATION_FAILED', 'Некоторые пользователи не найдены на портале.', unknown);
    const mapping = { ...emptyRoles(), ...parsed.data };
    await d.store.setSetting(req.session.memberId, 'roles', mapping);
    res.json({ ...view, mapping });
  }));

  const processView = async (memberId: string) => ({
    values: (await loadPortalSettings(d.store, memberId)).process,
    schema: PROCESS_SETTINGS.map(({ default: _default, ...s }) => s),
  });

  r.get('/process', handle(async (req, res) => {
    res.json(await processView(req.session.memberId));
  }));

  r.put('/process', handle(async (req, res) => {
    requireAdmin(req);
    const parsed = processSettingsSchema.safeParse((req.body as { values?: unknown })?.values);
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'Проверьте настройки процессов.', zodDetails(parsed.error.issues));
    await d.store.setSetting(req.session.memberId, 'process', parsed.data);
    res.json(await processView(req.session.memberId));
  }));

  // The signing-deadline scan at once (it also runs on DEADLINE_SCAN_CRON): queued like the scheduled one.
  r.post('/scan-deadlines', handle(async (req, res) => {
    requireAdmin(req);
    const job = await d.store.enqueue({ memberId: req.session.memberId, kind: jobKinds.cron('signing-deadlines'), key: `signing-deadlines:manual:${Date.now()}`, payload: null });
    d.kick();
    res.json({ queued: job.created, job: job.id });
  }));

  const calendarView = async (memberId: string) => ({ overrides: await loadCalendarOverrides(d.store, memberId), years: shippedCalendar().years() });

  r.get('/calendar', handle(async (req, res) => {
    res.json(await calendarView(req.session.memberId));
  }));

  r.put('/calendar', handle(async (req, res) => {
    requireAdmin(req);
    const parsed = calendarOverridesSchema.safeParse((req.body as { overrides?: unknown })?.overrides);
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'Проверьте даты календаря.', zodDetails(parsed.error.issues));
    await d.store.setSetting(req.session.memberId, CALENDAR_SETTING_KEY, parsed.data);
    res.json(await calendarView(req.session.memberId));
  }));

  templateRoutes(r, d);

  return r;
}

// ───────────────────────────── document templates ─────────────────────────────
//
//   GET    /templates             { templates: TemplateView[], maxBytes }   anyone with a page session
//   GET    /templates/:key/file   the template in use (the portal's or the bundled one), as a download
//   PUT    /templates/:key        { fileName, contentBase64 } → { templates, maxBytes }   portal admin
//   DELETE /templates/:key        back to the bundled template → { templates, maxBytes, reset }   portal admin
//
// A portal's own versions live on its Drive (template-source.ts), never in SQLite. An upload is
// checked (a .docx, ≤ 5 MB, no macros, only INS/IF/FOR placeholders, renders with sample data)
// before anything is stored; what is wrong is said in Russian (TemplateError, 400).

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const MAX_MB = MAX_TEMPLATE_BYTES / 1024 / 1024;

/**
 * The upload's JSON body is bigger than the /api default (5 MB of .docx is ~6.7 MB of base64).
 * Mount on /api/settings/templates before the generic /api parser; only PUT bodies are read here.
 */
export const templateUploadBody = (() => {
  const parse = express.json({ limit: '8mb' });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'PUT') return next();
    parse(req, res, (err?: unknown) => {
      const status = (err as { status?: number } | undefined)?.status;
      if (status === 413) return next(new AppError('PAYLOAD_TOO_LARGE', `Файл шаблона слишком большой: допускается не больше ${MAX_MB} МБ.`));
      next(err);
    });
  };
})();

export interface TemplateView {
  key: TemplateKey;
  title: string;
  source: 'portal' | 'bundled';
  /** When the portal's version was last uploaded (the Drive's UPDATE_TIME, ISO with the portal's offset). */
  updatedAt?: string;
  placeholders: PlaceholderHelp[];
}

/** ASCII fallback and the UTF-8 name (RFC 6266). */
function attachment(name: string, asciiFallback: string): string {
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The portal's errors as the app's: a broken connection or a refused call, said in Russian. */
async function onPortal<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof PortalDisconnectedError) throw new AppError('PORTAL_DISCONNECTED', 'Нет связи с порталом: переустановите приложение.');
    if (err instanceof RestError && err.isRateLimit) throw new AppError('RATE_LIMITED', `Портал временно ограничил число запросов: ${what} не удалось. Повторите через минуту.`);
    if (err instanceof RestError) throw new AppError('REST_ERROR', `Портал не дал ${what}: ${err.code}${err.description ? ` — ${err.description}` : ''}.`);
    throw err;
  }
}

function templateRoutes(r: Router, d: SettingsApiDeps) {
  const placeholders = new Map<TemplateKey, PlaceholderHelp[]>();
  const helpOf = (key: TemplateKey) => {
    let p = placeholders.get(key);
    if (!p) placeholders.set(key, (p = placeholderHelp(key)));
    return p;
  };

  const keyOf = (req: Req): TemplateKey => {
    const key = String(req.params.key ?? '');
    if (!isTemplateKey(key)) throw new AppError('NOT_FOUND', `Шаблона «${key.slice(0, 64)}» нет: приложение знает шаблоны ${Object.keys(CATALOG).join(', ')}.`);
    return key;
  };

  /** What template-source needs: the session's portal and its REST client. */
  const contextOf = async (req: Req) => {
    const portal = await d.store.getPortal(req.session.memberId);
    if (!portal || portal.status === 'uninstalled') throw new AppError('PORTAL_NOT_INSTALLED', 'Приложение не установлено на этом портале.');
    if (portal.status === 'disconnected') throw new AppError('PORTAL_DISCONNECTED', 'Нет связи с порталом: переустановите приложение.');
    return { portal, rest: d.restFor(portal.memberId) };
  };

  const adminOnly = (req: Req, action: string) => {
    if (!req.session.isAdmin) throw new AppError('FORBIDDEN', `${action} может только администратор портала.`);
  };

  const listView = async (ctx: Awaited<ReturnType<typeof contextOf>>) => {
    const statuses = await onPortal('прочитать папку шаблонов на Диске', () => templateStatuses(ctx));
    const templates: TemplateView[] = statuses.map((s) => ({
      key: s.key,
      title: s.title,
      source: s.source,
      ...(s.source === 'portal' && s.updatedAt ? { updatedAt: s.updatedAt } : {}),
      placeholders: helpOf(s.key),
    }));
    return { templates, maxBytes: MAX_TEMPLATE_BYTES };
  };

  r.get('/templates', handle(async (req, res) => {
    res.json(await listView(await contextOf(req)));
  }));

  r.get('/templates/:key/file', handle(async (req, res) => {
    const key = keyOf(req);
    const ctx = await contextOf(req);
    const t = await onPortal('скачать шаблон с Диска', () => loadTemplate(ctx, key));
    const name = `${CATALOG[key].title}${t.source === 'portal' ? ' (свой)' : ''}.docx`;
    res
      .status(200)
      .setHeader('content-type', DOCX_TYPE)
      .setHeader('content-disposition', attachment(name, CATALOG[key].file))
      .setHeader('x-content-type-options', 'nosniff')
      .setHeader('cache-control', 'private, no-store')
      .setHeader('x-du-template-source', t.source)
      .send(t.content);
  }));

  r.put('/templates/:key', handle(async (req, res) => {
    const key = keyOf(req);
    adminOnly(req, 'Загружать свои шаблоны');
    const body = (req.body ?? {}) as { fileName?: unknown; contentBase64?: unknown };
    const fileName = typeof body.fileName === 'string' ? body.fileName.trim().slice(0, 255) : '';
    const b64 = typeof body.contentBase64 === 'string' ? body.contentBase64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '') : '';
    if (!b64) throw new AppError('VALIDATION_FAILED', 'Выберите файл шаблона (.docx).', [{ field: 'contentBase64', message: 'Файл не передан' }]);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) {
      throw new AppError('VALIDATION_FAILED', 'Файл передан повреждённым: попробуйте загрузить его ещё раз.', [{ field: 'contentBase64', message: 'Неверный base64' }]);
    }
    const buffer = Buffer.from(b64, 'base64');
    // An old Word file is the usual mistake: say how to fix it rather than "not a .docx".
    if (/\.doc$/i.test(fileName) && !(buffer[0] === 0x50 && buffer[1] === 0x4b)) {
      throw new TemplateError(key, ['это файл .doc (Word 97–2003) — откройте его в Word и сохраните как «Документ Word (*.docx)»']);
    }
    const ctx = await contextOf(req);
    await onPortal('сохранить шаблон на Диск', () => saveTemplate(ctx, key, buffer));
    d.logger?.info({ memberId: ctx.portal.memberId, template: key, userId: req.session.userId, bytes: buffer.length }, 'document template replaced');
    res.json(await listView(ctx));
  }));

  r.delete('/templates/:key', handle(async (req, res) => {
    const key = keyOf(req);
    adminOnly(req, 'Возвращать стандартные шаблоны');
    const ctx = await contextOf(req);
    const reset = await onPortal('удалить свой шаблон с Диска', () => resetTemplate(ctx, key));
    if (reset) d.logger?.info({ memberId: ctx.portal.memberId, template: key, userId: req.session.userId }, 'document template reset to the bundled one');
    res.json({ ...(await listView(ctx)), reset });
  }));
}
