import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import type { Installer } from '../../install.js';
import type { Plan } from '../../registry/diff.js';
import type { Manifest } from '../../registry/manifest.js';
import type { RestClient } from '../../rest/types.js';
import { emptyRoles, loadPortalSettings, PROCESS_SETTINGS, processSettingsSchema, roleMappingSchema, ROLES } from '../../settings.js';
import type { Store } from '../../store/types.js';
import { CALENDAR_SETTING_KEY, calendarOverridesSchema, loadCalendarOverrides, shippedCalendar } from '../../domain/calendar/index.js';
import { jobKinds } from '../../jobs.js';
import { STAGE_ACTIONS } from '../../../handlers/stage-actions.js';

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

  return r;
}
