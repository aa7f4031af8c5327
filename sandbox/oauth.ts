/**
 * The sandbox's "oauth.bitrix.info": refresh_token grants (params from the query or a form body,
 * single-use refresh tokens) and the trusted app.info at {server_endpoint}app.info.
 */
import express, { type Request, type Response } from 'express';
import qs from 'qs';
import type { Portal } from './core.js';
import { RestFault } from './errors.js';
import { QS_OPTIONS } from './rest/batch.js';
import { stopwatch } from './timing.js';
import { ownRecord } from './tokens.js';

function paramsOf(req: Request): Record<string, unknown> {
  const i = req.originalUrl.indexOf('?');
  const query = i < 0 ? {} : qs.parse(req.originalUrl.slice(i + 1), QS_OPTIONS);
  const buf: unknown = req.body;
  let body: Record<string, unknown> = {};
  if (Buffer.isBuffer(buf) && buf.length > 0) {
    const text = buf.toString('utf8');
    if (String(req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = {};
      }
    } else body = qs.parse(text, QS_OPTIONS);
  }
  return { ...query, ...body };
}

export function createOAuthApp(portal: Portal): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.raw({ type: () => true, limit: '1mb' }));

  const token = (req: Request, res: Response) => {
    const p = paramsOf(req);
    const { app: cfg } = portal.opts;
    if (p['client_id'] !== cfg.clientId || p['client_secret'] !== cfg.clientSecret) {
      res.status(401).json({ error: 'invalid_client', error_description: 'Invalid client credentials' });
      return;
    }
    if (p['grant_type'] !== 'refresh_token') {
      res.status(400).json({ error: 'invalid_request', error_description: 'Unsupported grant_type' });
      return;
    }
    const outcome = portal.tokens.refresh(String(p['refresh_token'] ?? ''));
    if (!outcome.ok) {
      res.status(400).json({ error: outcome.error, error_description: outcome.description });
      return;
    }
    portal.stats.refresh();
    const { pair } = outcome;
    res.json({
      access_token: pair.accessToken,
      client_endpoint: portal.urls.clientEndpoint,
      domain: portal.urls.oauthDomain,
      expires: portal.tokens.expiresAtSec(pair.accessToken),
      expires_in: pair.expiresIn,
      member_id: portal.state.memberId,
      refresh_token: pair.refreshToken,
      scope: portal.opts.app.scope,
      server_endpoint: portal.urls.serverEndpoint,
      status: portal.state.app.status,
      user_id: pair.userId,
    });
  };

  const appInfo = (req: Request, res: Response) => {
    const sw = stopwatch(portal.clock.now());
    const p = paramsOf(req);
    const access = typeof p['auth'] === 'string' ? p['auth'] : undefined;
    try {
      const rec = access ? ownRecord(portal.state.accessTokens, access) : undefined;
      if (!rec || rec.revoked) throw new RestFault('invalid_token', 'The access token provided is invalid.', 401);
      const userId = portal.tokens.authenticate(access);
      const { app: state } = portal.state;
      const version = Number(state.version);
      res.json({
        result: {
          client_id: portal.opts.app.clientId,
          scope: portal.opts.app.scope,
          expires: portal.tokens.expiresAtSec(access!),
          user_id: userId,
          install: {
            installed: state.installed,
            version: Number.isFinite(version) ? version : state.version,
            status: state.status,
            scope: portal.opts.app.scope,
            domain: portal.urls.domain,
            uri: portal.urls.portalUrl,
            client_endpoint: portal.urls.clientEndpoint,
            member_id: portal.state.memberId,
            member_type: 'PORTAL',
          },
        },
        time: sw.stop(false),
      });
    } catch (err) {
      const fault = err instanceof RestFault ? err : new RestFault('INTERNAL_SERVER_ERROR', 'Internal server error', 500);
      res.status(fault.status).json(fault.toBody());
    }
  };

  app.all('/oauth/token', token);
  app.all('/oauth/token/', token);
  app.all('/rest/app.info', appInfo);
  app.all('/rest/app.info.json', appInfo);
  return app;
}
