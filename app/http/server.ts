import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, PortalDisconnectedError } from '../errors.js';
import { eventJobKey, type QueuedEvent } from '../events.js';
import type { Installer } from '../install.js';
import { jobKinds, type QueuedRobotCall } from '../jobs.js';
import type { Logger } from '../logger.js';
import type { Sealer } from '../secrets.js';
import type { Store } from '../store/types.js';
import { admissionApi, admissionUploadBody } from './api/admission.js';
import { settingsApi, templateUploadBody, type Session } from './api/settings.js';
import { eventSchema, frameSchema, nestedDeeperThan, parsePlacementOptions, parseWith, robotSchema, type FramePost } from './payloads.js';
import { verifyApplicationToken } from './verify.js';
import { fetchViewer, type Viewer } from './viewer.js';

export interface ServerDeps {
  store: Store;
  installer: Installer;
  sealer: Sealer;
  logger: Logger;
  /** Wake the worker after an enqueue. */
  kick: () => void;
  webRoot: string;
  /** Placement name → page of the built frontend. */
  pages: Record<string, string>;
  now: () => number;
  fetchViewer?: (clientEndpoint: string, accessToken: string) => Promise<Viewer>;
  settingsDeps: Parameters<typeof settingsApi>[0];
  /** Public pages (application form, upload page) and the staff API for the form's link: see public.ts. */
  publicRoutes?: { pages: express.Router; applyLinkApi: express.Router };
  /** The contact card tab's API (app/http/api/member.ts), behind the session. */
  memberApi?: express.Router;
}

const SESSION_TTL_MS = 60 * 60 * 1000;

/** Bodies the portal sends (PHP-style forms); JSON accepted too. Anything else is a 415. */
const portalBody = [
  express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 2000 }),
  express.json({ limit: '1mb' }),
  (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is(['application/x-www-form-urlencoded', 'application/json'])) {
      return next(new AppError('UNSUPPORTED_MEDIA_TYPE', `expected application/x-www-form-urlencoded, got ${req.headers['content-type'] ?? 'nothing'}`));
    }
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) return next(new AppError('BAD_REQUEST', 'empty or malformed body'));
    if (nestedDeeperThan(req.body, 32)) return next(new AppError('BAD_REQUEST', 'body nested more than 32 levels deep'));
    next();
  },
];

/** Wraps async handlers so rejections reach the error handler (Express 5 does this too; explicit is clearer). */
const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

const escapeForScript = (json: string) => json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function page(res: Response, status: number, title: string, text: string) {
  res
    .status(status)
    .type('html')
    .send(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;padding:24px"><h2>${title}</h2><p>${text}</p></body></html>`);
}

export function createHttpApp(d: ServerDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  const htmlCache = new Map<string, string>();
  const viewerOf = d.fetchViewer ?? fetchViewer;

  const renderPage = (res: Response, pageName: string, boot: Record<string, unknown>) => {
    let html = htmlCache.get(pageName);
    if (!html) {
      try {
        html = readFileSync(join(d.webRoot, `${pageName}.html`), 'utf8');
      } catch {
        throw new AppError('INTERNAL', `frontend page ${pageName} is not built (run npm run build:web)`);
      }
      htmlCache.set(pageName, html);
    }
    const script = `<script>window.__DU_BOOT__=${escapeForScript(JSON.stringify(boot))}</script>`;
    res.status(200).type('html').send(html.replace('<!--DU_BOOT-->', script));
  };

  const openSession = (memberId: string, viewer: Viewer, entityId?: number): string =>
    d.sealer.sign({ m: memberId, u: viewer.id, a: viewer.isAdmin, n: viewer.name, ...(entityId ? { e: entityId } : {}) }, SESSION_TTL_MS, d.now());

  app.get('/healthz', wrap(async (_req, res) => {
    const [portals, queue] = await Promise.all([d.store.listPortals(), d.store.queueStats()]);
    res.json({ ok: true, portals: portals.filter((p) => p.status !== 'uninstalled').length, disconnected: portals.filter((p) => p.status === 'disconnected').length, queue: { depth: queue.queued + queue.running, ...queue } });
  }));

  // Events: verify, record, answer; the worker does the rest.
  app.post('/events', ...portalBody, wrap(async (req, res) => {
    const payload = parseWith(eventSchema, req.body, 'event');
    const { auth, ...event } = payload;
    if (event.event === 'ONAPPINSTALL') {
      const portal = await d.installer.acceptInstallEvent(auth, event.data);
      await d.store.enqueue({ memberId: portal.memberId, kind: jobKinds.reconcile, key: `install:${event.ts}`, payload: { version: event.data.VERSION ?? null }, followUpIfStarted: true });
      d.kick();
      res.json({ ok: true });
      return;
    }
    await verifyApplicationToken(d.store, auth);
    if (event.event === 'ONAPPUNINSTALL') {
      await d.installer.uninstall(auth.member_id, String(event.data.CLEAN ?? '0') === '1');
      res.json({ ok: true });
      return;
    }
    const queued: QueuedEvent = event;
    const job = await d.store.enqueue({ memberId: auth.member_id, kind: jobKinds.event(event.event), key: eventJobKey(queued), payload: queued, followUpIfStarted: true });
    if (job.created) d.kick();
    res.json({ ok: true, job: job.id, duplicate: !job.created });
  }));

  // Robots: the same; unknown codes and bad properties are reported back through bizproc.event.send by the worker.
  app.post('/robots/:code', ...portalBody, wrap(async (req, res) => {
    const payload = parseWith(robotSchema, req.body, 'robot call');
    const { auth, ...call } = payload;
    await verifyApplicationToken(d.store, auth);
    const code = String(req.params.code);
    if (!/^[a-z0-9-]{1,64}$/.test(code)) throw new AppError('UNKNOWN_ROBOT', `bad robot code in URL: ${code.slice(0, 64)}`);
    const queued: QueuedRobotCall = call;
    const job = await d.store.enqueue({ memberId: auth.member_id, kind: jobKinds.robot(code), key: call.event_token, payload: queued });
    if (job.created) d.kick();
    res.json({ ok: true, job: job.id, duplicate: !job.created });
  }));

  const frameOf = (req: Request): FramePost => parseWith(frameSchema, { ...(req.query as object), ...(req.body as object) }, 'frame POST');

  // The installer page (apps with UI) and the REST-only install callback.
  app.post('/install', ...portalBody, wrap(async (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (body.auth && typeof body.auth === 'object') {
      const payload = parseWith(eventSchema, { event: 'ONAPPINSTALL', ts: String(Math.floor(d.now() / 1000)), data: {}, ...body }, 'install callback');
      const portal = await d.installer.acceptInstallEvent(payload.auth, payload.data);
      await d.store.enqueue({ memberId: portal.memberId, kind: jobKinds.reconcile, key: `install:${payload.ts}`, payload: { version: payload.data.VERSION ?? null }, followUpIfStarted: true });
      d.kick();
      res.json({ ok: true });
      return;
    }
    const frame = frameOf(req);
    const portal = await d.installer.acceptFrameInstall(frame);
    const viewer = await viewerOf(portal.clientEndpoint, frame.AUTH_ID);
    renderPage(res, 'settings', { session: openSession(portal.memberId, viewer), page: 'install', placement: 'DEFAULT', options: {}, user: { ...viewer, roles: [] }, portal: { domain: portal.domain } });
  }));

  // Placement pages: the token is checked by asking the portal who it belongs to.
  app.post('/placements/:name', ...portalBody, wrap(async (req, res) => {
    const name = String(req.params.name);
    const pageName = Object.hasOwn(d.pages, name) ? d.pages[name] : undefined; // not `constructor`, `__proto__` …
    if (!pageName) throw new AppError('UNKNOWN_PLACEMENT', `no placement page ${name.slice(0, 64)}`);
    const frame = frameOf(req);
    const portal = await d.store.getPortal(frame.member_id);
    if (!portal || portal.status === 'uninstalled') {
      page(res, 401, 'Приложение не установлено', 'Установите приложение «Цифровой профсоюз» на портал или обратитесь к администратору портала.');
      return;
    }
    const viewer = await viewerOf(portal.clientEndpoint, frame.AUTH_ID).catch((err: unknown) => {
      throw new AppError('INVALID_SESSION', `the portal did not accept the viewer's token: ${err instanceof Error ? err.message : String(err)}`);
    });
    const settings = await d.store.getSetting<Record<string, number[]>>(portal.memberId, 'roles');
    const roles = Object.entries(settings ?? {}).filter(([, users]) => users.includes(viewer.id)).map(([role]) => role);
    const options = parsePlacementOptions(frame.PLACEMENT_OPTIONS);
    // A card tab's session is bound to its card: the page can't be pointed at other records.
    const entityId = /_DETAIL_TAB$/.test(frame.PLACEMENT) ? Number(options.ID) || undefined : undefined;
    renderPage(res, pageName, {
      session: openSession(portal.memberId, viewer, entityId),
      page: pageName,
      placement: frame.PLACEMENT,
      options,
      user: { ...viewer, roles },
      portal: { domain: portal.domain },
    });
  }));

  // Pages for people outside the portal (no Bitrix auth): /apply/:slug, /upload/:token.
  if (d.publicRoutes) app.use(d.publicRoutes.pages);

  // Our own API for the pages, behind the signed session.
  // The list upload carries a file (≤ 5 MB as base64): its own body limit, read before the generic one.
  app.use('/api/admission/upload', admissionUploadBody);
  // So does a document template (a .docx ≤ 5 MB as base64) for the settings page.
  app.use('/api/settings/templates', templateUploadBody);
  app.use('/api', express.json({ limit: '256kb' }), (req: Request, _res: Response, next: NextFunction) => {
    const token = req.header('x-du-session');
    const claims = token ? d.sealer.verify<{ m: string; u: number; a: boolean; n: string; e?: number }>(token, d.now()) : null;
    // Other tokens we sign (upload links) have other claims: only a page session passes here.
    if (!claims || typeof claims.m !== 'string' || !Number.isInteger(claims.u) || typeof claims.a !== 'boolean') return next(new AppError('INVALID_SESSION', 'missing or expired session'));
    (req as Request & { session: Session }).session = { memberId: claims.m, userId: claims.u, isAdmin: claims.a, name: claims.n, ...(Number.isInteger(claims.e) ? { entityId: claims.e } : {}) };
    next();
  });
  app.use('/api/settings', settingsApi(d.settingsDeps));
  app.use('/api/install', settingsApi(d.settingsDeps, 'install'));
  app.use('/api/admission', admissionApi({ store: d.settingsDeps.store, restFor: d.settingsDeps.restFor, logger: d.logger, now: d.now, kick: d.kick }));
  if (d.publicRoutes) app.use('/api/apply-link', d.publicRoutes.applyLinkApi);
  if (d.memberApi) app.use('/api/member', d.memberApi);

  app.use('/static', express.static(d.webRoot, { index: false, maxAge: '1h', fallthrough: false }));

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new AppError('NOT_FOUND', 'no such endpoint')));
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) d.logger.error({ err, path: req.path }, 'request failed');
    else d.logger.info({ path: req.path, code: appErr.code, status: appErr.status }, 'request refused');
    if (res.headersSent) return;
    res.status(appErr.status).json(appErr.toJSON());
  };
  app.use(onError);
  return app;
}

/** Body-parser and friends throw errors with a status; give each a code and a clear message. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // The portal refused our refresh token while this request needed it: a state, not a crash.
  if (err instanceof PortalDisconnectedError) return new AppError('PORTAL_DISCONNECTED', 'the portal no longer accepts the app\'s tokens: re-install the app');
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported content type');
  if (status && status >= 400 && status < 500) return new AppError('BAD_REQUEST', e.type === 'entity.parse.failed' ? 'body is not valid JSON' : (e.message ?? 'bad request'));
  return new AppError('INTERNAL', 'internal error');
}
