/**
 * The sandbox portal's shell UI: a small Bitrix24-like portal served on the portal's own port.
 * Pages are server-rendered (pages.ts); /shell/assets/shell.js drives drag-and-drop, the card
 * editor, frame POSTs into app iframes and the B24Frame parent side (installFinish, fitWindow).
 *
 * Every change a person makes here goes through the REST dispatcher as that user (an internal
 * caller, like sb.callAs), so the portal's events and stage robots fire exactly as for a REST call.
 */
import { readFileSync } from 'node:fs';
import express, { type Request, type Response, type Router } from 'express';
import type { Portal } from '../core.js';
import { ENTITY } from '../crm/stages.js';
import { RestFault } from '../errors.js';
import { finishInstall, framePost, installApp } from '../install.js';
import { dispatch } from '../rest/dispatch.js';
import type { Registry } from '../rest/registry.js';
import type { FramePost, SandboxUser } from '../types.js';
import type { PageContext } from './layout.js';
import { boards, entityInfo, findBoard, portalClock } from './model.js';
import {
  appPage,
  boardPage,
  cardPage,
  homePage,
  installPage,
  listPage,
  logPage,
  mailPage,
  notFoundPage,
  notificationsPage,
  placementPage,
  portalNowIso,
} from './pages.js';

export interface ShellDeps {
  portal: Portal;
  registry: Registry;
}

/** Cookie the user switcher sets: the id of the portal user the shell acts as. */
export const USER_COOKIE = 'du_shell_user';

const ASSETS: Record<string, string> = { 'shell.css': 'text/css; charset=utf-8', 'shell.js': 'text/javascript; charset=utf-8' };

function cookie(req: Request, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The shell's JSON bodies (the portal app reads every body raw; anything else is parsed here). */
function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return {};
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new RestFault('INVALID_REQUEST', 'Invalid JSON in request body', 400);
    }
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function intParam(v: unknown): number | null {
  const n = Number(v);
  return v !== undefined && v !== null && v !== '' && Number.isInteger(n) ? n : null;
}

export function createShellRouter(deps: ShellDeps): Router {
  const { portal, registry } = deps;
  const router = express.Router();

  const resolveUser = (req: Request, explicit?: unknown): SandboxUser => {
    const { users } = portal.state;
    const wanted = intParam(explicit) ?? intParam(cookie(req, USER_COOKIE));
    const user = (wanted !== null ? users.find((u) => u.id === wanted) : undefined) ?? users.find((u) => u.isAdmin) ?? users[0];
    if (!user) throw new RestFault('NO_USERS', 'The sandbox portal has no users', 500);
    if (wanted !== null && explicit !== undefined && user.id !== wanted) throw new RestFault('USER_NOT_FOUND', `No portal user ${wanted}`, 400);
    return user;
  };

  /** A REST call made in the portal UI by `userId` (not counted in the REST stats). */
  const callAs = async (userId: number, method: string, params: Record<string, unknown>) => {
    const caller = { userId, kind: 'internal' as const, accessToken: null, scopes: null };
    return (await dispatch(portal, registry, method, params, caller, { count: false })).result;
  };

  const ctxOf = (req: Request): PageContext => ({ portal, user: resolveUser(req), path: req.path });

  const send = (res: Response, page: string, status = 200) => {
    res.status(status).type('html').setHeader('cache-control', 'no-store').send(page);
  };

  const page = (fn: (req: Request, res: Response, ctx: PageContext) => void) => (req: Request, res: Response) => {
    try {
      fn(req, res, ctxOf(req));
    } catch (err) {
      portal.logger.error({ err }, 'sandbox shell: page failed');
      res.status(500).type('text/plain').send(`Sandbox shell error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  // ------------------------------------------------------------ assets

  router.get('/shell/assets/:name', (req, res) => {
    const name = String(req.params.name);
    const type = ASSETS[name];
    if (!type) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    res.status(200).type(type).setHeader('cache-control', 'no-cache').send(body);
  });

  // ------------------------------------------------------------ pages

  router.get('/', page((_req, res, ctx) => send(res, homePage(ctx))));

  const board = (entityTypeId: number, categoryId: number | null) =>
    page((_req, res, ctx) => {
      const b = categoryId === null ? undefined : findBoard(portal.state, entityTypeId, categoryId);
      if (!b) send(res, notFoundPage(ctx, 'Такой воронки нет.'), 404);
      else send(res, boardPage(ctx, b));
    });

  router.get('/crm/deal', (_req, res) => res.redirect(302, boards(portal.state).deals[0]?.url ?? '/'));
  router.get('/crm/deal/category/:cat', (req, res) => board(ENTITY.DEAL, intParam(req.params.cat))(req, res));
  router.get('/crm/type/:etid', (req, res) => {
    const etid = intParam(req.params.etid);
    const first = boards(portal.state).types.find((b) => b.entityTypeId === etid);
    res.redirect(302, first?.url ?? '/');
  });
  router.get('/crm/type/:etid/category/:cat', (req, res) => board(intParam(req.params.etid) ?? -1, intParam(req.params.cat))(req, res));

  const card = (entityTypeId: number | null, idRaw: unknown) =>
    page((_req, res, ctx) => {
      const id = intParam(idRaw);
      const html = entityTypeId !== null && id !== null && entityInfo(portal.state, entityTypeId) ? cardPage(ctx, entityTypeId, id) : null;
      if (html === null) send(res, notFoundPage(ctx, 'Элемент не найден: возможно, он удалён.'), 404);
      else send(res, html);
    });
  router.get('/crm/deal/details/:id', (req, res) => card(ENTITY.DEAL, req.params.id)(req, res));
  router.get('/crm/contact/details/:id', (req, res) => card(ENTITY.CONTACT, req.params.id)(req, res));
  router.get('/crm/company/details/:id', (req, res) => card(ENTITY.COMPANY, req.params.id)(req, res));
  router.get('/crm/lead/details/:id', (req, res) => card(ENTITY.LEAD, req.params.id)(req, res));
  router.get('/crm/type/:etid/details/:id', (req, res) => card(intParam(req.params.etid), req.params.id)(req, res));

  router.get('/crm/contact', (_req, res) => res.redirect(302, '/crm/contact/list/'));
  router.get('/crm/company', (_req, res) => res.redirect(302, '/crm/company/list/'));
  router.get('/crm/contact/list', page((_req, res, ctx) => send(res, listPage(ctx, ENTITY.CONTACT))));
  router.get('/crm/company/list', page((_req, res, ctx) => send(res, listPage(ctx, ENTITY.COMPANY))));

  router.get('/marketplace/app', page((_req, res, ctx) => send(res, appPage(ctx))));
  router.get('/marketplace/app/install', page((_req, res, ctx) => send(res, installPage(ctx))));
  router.get('/marketplace/placement/:id', (req, res) =>
    page((_r, rs, ctx) => {
      const p = portal.state.placements.find((x) => x.id === intParam(req.params.id));
      if (!p) send(rs, notFoundPage(ctx, 'Встраивание не найдено: приложение его не регистрировало или удалило.'), 404);
      else send(rs, placementPage(ctx, p));
    })(req, res),
  );

  router.get('/notifications', page((req, res, ctx) => send(res, notificationsPage(ctx, req.query['mine'] === '1'))));
  router.get('/mail', page((_req, res, ctx) => send(res, mailPage(ctx))));
  router.get('/devops/log', page((_req, res, ctx) => send(res, logPage(ctx))));

  // ------------------------------------------------------------ JSON API for shell.js (and tests)

  const api = (fn: (req: Request, body: Record<string, unknown>) => Promise<unknown> | unknown) => async (req: Request, res: Response) => {
    try {
      if (req.method !== 'GET' && !String(req.headers['content-type'] ?? '').includes('application/json')) {
        throw new RestFault('UNSUPPORTED_MEDIA_TYPE', 'The shell API takes application/json', 415);
      }
      const body = req.method === 'GET' ? {} : jsonBody(req);
      res.status(200).json({ result: await fn(req, body) });
    } catch (err) {
      const fault = err instanceof RestFault ? err : new RestFault('INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : String(err), 500);
      if (!(err instanceof RestFault)) portal.logger.error({ err }, 'sandbox shell: API call failed');
      res.status(fault.status >= 400 ? fault.status : 400).json(fault.toBody());
    }
  };

  /** Move a card: crm.item.update {stageId} as the acting user. */
  router.post('/shell/api/move', api(async (req, body) => {
    const user = resolveUser(req, body['userId']);
    const entityTypeId = intParam(body['entityTypeId']);
    const id = intParam(body['id']);
    const stageId = typeof body['stageId'] === 'string' ? body['stageId'] : '';
    if (entityTypeId === null || id === null || !stageId) throw new RestFault('INVALID_ARG_VALUE', 'entityTypeId, id and stageId are required', 400);
    const out = (await callAs(user.id, 'crm.item.update', { entityTypeId, id, fields: { stageId } })) as { item: Record<string, unknown> };
    return { id, stageId: out.item['stageId'], userId: user.id };
  }));

  /** Save card fields: crm.item.update with original UF names, as the acting user. */
  router.post('/shell/api/items/:etid/:id', api(async (req, body) => {
    const user = resolveUser(req, body['userId']);
    const entityTypeId = intParam(req.params['etid']);
    const id = intParam(req.params['id']);
    const fields = body['fields'];
    if (entityTypeId === null || id === null) throw new RestFault('INVALID_ARG_VALUE', 'bad entityTypeId or id', 400);
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new RestFault('INVALID_ARG_VALUE', 'fields must be an object', 400);
    if (Object.keys(fields).length === 0) return { id, changed: 0 };
    await callAs(user.id, 'crm.item.update', { entityTypeId, id, fields, useOriginalUfNames: 'Y' });
    return { id, changed: Object.keys(fields).length, userId: user.id };
  }));

  /** The frame POST for an app iframe: the app page (DEFAULT), a bound placement, or the UI installer. */
  router.post('/shell/api/frame', api(async (req, body): Promise<FramePost> => {
    const user = resolveUser(req, body['userId']);
    if (body['install'] === true) {
      if (!user.isAdmin) throw new RestFault('ACCESS_DENIED', 'Устанавливать приложения может только администратор портала', 403);
      const result = await installApp(portal, { ui: true, userId: user.id });
      return result.frame!;
    }
    const options = body['options'] && typeof body['options'] === 'object' && !Array.isArray(body['options'])
      ? Object.fromEntries(Object.entries(body['options'] as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      : undefined;
    const placementId = intParam(body['placementId']);
    if (placementId !== null) {
      const p = portal.state.placements.find((x) => x.id === placementId);
      if (!p) throw new RestFault('PLACEMENT_NOT_FOUND', 'Встраивание не найдено', 404);
      return framePost(portal, { userId: user.id, placement: p.placement, handler: p.handler, placementOptions: options ?? {} });
    }
    if (!portal.state.app.installed) throw new RestFault('APP_NOT_INSTALLED', 'Приложение не установлено', 400);
    return framePost(portal, { userId: user.id, placement: 'DEFAULT', ...(options ? { placementOptions: options } : {}) });
  }));

  /** BX24.installFinish() from the installer page (the frame's postMessage, relayed by shell.js). */
  router.post('/shell/api/install/finish', api(() => {
    finishInstall(portal);
    return { installed: true };
  }));

  router.get('/shell/api/clock', api((req) => ({ now: portalNowIso(ctxOf(req)), display: portalClock(portal) })));

  /** Moves the portal's virtual clock forward (deadline testing). */
  router.post('/shell/api/clock/advance', api((req, body) => {
    const days = Number(body['days'] ?? 0);
    const hours = Number(body['hours'] ?? 0);
    if (!Number.isFinite(days) || !Number.isFinite(hours) || days < 0 || hours < 0 || days > 3650 || (days === 0 && hours === 0)) {
      throw new RestFault('INVALID_ARG_VALUE', 'days/hours must be positive numbers (at most 3650 days)', 400);
    }
    portal.clock.advance(days * 86_400_000 + hours * 3_600_000);
    return { now: portalNowIso(ctxOf(req)), display: portalClock(portal) };
  }));

  return router;
}
