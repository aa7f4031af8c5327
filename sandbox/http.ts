/**
 * The portal's HTTP face: POST|GET /rest/{method}[.json] with the access token in `auth`
 * (query, form or JSON body), inbound webhooks /rest/{userId}/{secret}/{method}, the rate limit,
 * fault hooks, and file downloads behind the URLs the REST answers hand out.
 */
import express, { type Request, type Response } from 'express';
import qs from 'qs';
import type { Portal } from './core.js';
import { RestFault, faults } from './errors.js';
import { findFile } from './files.js';
import type { LeakyBucket } from './ratelimit.js';
import { QS_OPTIONS } from './rest/batch.js';
import { diskFileByObjectId } from './rest/disk.js';
import { dispatch } from './rest/dispatch.js';
import { createShellRouter } from './shell/index.js';
import type { Caller, Params, Registry } from './rest/registry.js';
import { stopwatch } from './timing.js';
import type { SandboxFaults, StoredFile } from './types.js';

export interface HttpDeps {
  portal: Portal;
  registry: Registry;
  bucket: LeakyBucket | null;
  faults: () => SandboxFaults;
}

function parseBody(req: Request): Params {
  const buf: unknown = req.body;
  if (!Buffer.isBuffer(buf) || buf.length === 0) return {};
  const type = String(req.headers['content-type'] ?? '');
  const text = buf.toString('utf8');
  if (type.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Params) : {};
    } catch {
      throw new RestFault('INVALID_REQUEST', 'Invalid JSON in request body', 400);
    }
  }
  return qs.parse(text, QS_OPTIONS) as Params;
}

function queryOf(req: Request): Params {
  const i = req.originalUrl.indexOf('?');
  return i < 0 ? {} : (qs.parse(req.originalUrl.slice(i + 1), QS_OPTIONS) as Params);
}

function sendFile(res: Response, file: StoredFile | undefined): void {
  if (!file) {
    res.status(404).json({ error: 'ERROR_NOT_FOUND', error_description: 'File not found' });
    return;
  }
  res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
  res.send(Buffer.from(file.contentBase64, 'base64'));
}

/** `crm|base64({"fileId":N})` / `disk|base64("id=N")` tokens of the download URLs. */
function tokenNumber(token: string, prefix: string, pattern: RegExp): number | null {
  if (!token.startsWith(`${prefix}|`)) return null;
  const decoded = Buffer.from(token.slice(prefix.length + 1), 'base64').toString('utf8');
  const m = pattern.exec(decoded);
  return m ? Number(m[1]) : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createRestApp(deps: HttpDeps): express.Express {
  const { portal, registry } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.raw({ type: () => true, limit: '200mb' }));

  const authenticate = (segments: string[], params: Params): { caller: Caller; method: string } => {
    if (segments.length === 3) {
      const [userIdRaw, secret, method] = segments as [string, string, string];
      const hook = portal.opts.webhooks.find((w) => String(w.userId) === userIdRaw && w.secret === secret);
      if (!hook) throw faults.noAuth();
      const scopes = hook.scope ? new Set(hook.scope.split(/[,\s]+/).filter(Boolean)) : null;
      return { caller: { userId: hook.userId, kind: 'webhook', accessToken: null, scopes }, method };
    }
    const token = typeof params['auth'] === 'string' ? params['auth'] : undefined;
    const userId = portal.tokens.authenticate(token);
    const scopes = new Set(portal.opts.app.scope.split(/[,\s]+/).filter(Boolean));
    return { caller: { userId, kind: 'app', accessToken: token ?? null, scopes }, method: segments[0]! };
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    portal.stats.request();
    const sw = stopwatch(portal.clock.now());
    try {
      const hooks = deps.faults();
      if (hooks.delayMs) await sleep(hooks.delayMs);
      if (hooks.queryLimitRatio && Math.random() < hooks.queryLimitRatio) {
        portal.stats.rejected();
        throw faults.queryLimit();
      }
      if (hooks.error500Ratio && Math.random() < hooks.error500Ratio) {
        portal.stats.rejected();
        throw faults.internal();
      }
      if (deps.bucket && !deps.bucket.tryTake()) {
        portal.stats.rejected();
        throw faults.queryLimit();
      }
      // `/rest//method` and `.json`/`.xml` suffixes are accepted like on the portal.
      const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
      if (segments.length !== 1 && segments.length !== 3) throw faults.methodNotFound(segments.join('/'));
      const last = segments[segments.length - 1]!.replace(/\.(json|xml)$/i, '');
      segments[segments.length - 1] = last;
      const params: Params = { ...queryOf(req), ...parseBody(req) };

      if (last.toLowerCase() === 'crm.controller.item.getfile' || last.toLowerCase() === 'download') {
        authenticate(segments, params);
        const token = String(params['token'] ?? '');
        const id = tokenNumber(token, 'crm', /"fileId":(\d+)/) ?? tokenNumber(token, 'disk', /id=(\d+)/);
        const file = token.startsWith('disk|') ? diskFileByObjectId({ portal }, id ?? -1) : findFile(portal, id ?? -1);
        sendFile(res, file);
        return;
      }

      const { caller, method } = authenticate(segments, params);
      delete params['auth'];
      const answer = await dispatch(portal, registry, method, params, caller);
      const body: Record<string, unknown> = { result: answer.result };
      if (answer.total !== undefined) body['total'] = answer.total;
      if (answer.next !== undefined) body['next'] = answer.next;
      body['time'] = sw.stop(true);
      res.status(200).json(body);
    } catch (err) {
      const fault = err instanceof RestFault ? err : faults.internal();
      if (!(err instanceof RestFault)) portal.logger.error({ err }, 'sandbox: REST handler crashed');
      res.status(fault.status).json(fault.toBody());
    }
  };

  app.use('/rest', (req, res) => {
    void handle(req, res);
  });

  // Browser-session file links (`url` of file fields, legacy showUrl/downloadUrl).
  app.get('/bitrix/services/main/ajax.php', (req, res) => {
    sendFile(res, findFile(portal, Number(queryOf(req)['fileId'])));
  });
  app.get(/^\/bitrix\/components\/bitrix\/crm\.[a-z]+\.show\/show_file\.php$/, (req, res) => {
    sendFile(res, findFile(portal, Number(queryOf(req)['fileId'])));
  });

  // The portal shell UI (boards, cards, app pages) on every other path.
  app.use(createShellRouter({ portal, registry }));
  return app;
}
