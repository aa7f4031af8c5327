/**
 * The app and a sandbox portal wired to each other on random ports, for the benchmarks.
 * Like `npm start` in sandbox mode, but with the portal's rate limit on (2 requests/s drain,
 * burst 50, like a cloud portal) and the app's own client-side pacing matching it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../app/app.js';
import { loadConfig, type Config } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { DEFAULT_RATE_LIMIT } from '../app/rest/limits.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';

/** The cloud portal's limit: 2 requests/s drain, burst 50. */
export const PORTAL_RATE_LIMIT = { burst: 50, drainPerSec: 2 } as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface BenchStack {
  sb: Sandbox;
  app: RunningApp;
  config: Config;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Portal rate limit; default on (PORTAL_RATE_LIMIT). */
  rateLimit?: false | { burst: number; drainPerSec: number };
  logLevel?: string;
}

const APP = { clientId: 'local.bench.du', clientSecret: 'bench-secret', scope: 'crm,bizproc,placement,user_brief,department,im,disk,task,userfieldconfig' };

export async function startBenchStack(opts: StackOptions = {}): Promise<BenchStack> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'du-bench-'));
  const publicUrl = `http://127.0.0.1:${port}`;
  const rateLimit = opts.rateLimit === undefined ? { ...PORTAL_RATE_LIMIT } : opts.rateLimit;
  const sb = await startSandbox({
    port: 0,
    rateLimit,
    app: { ...APP, installUrl: `${publicUrl}/install`, handlerUrl: `${publicUrl}/placements/DEFAULT` },
  });
  const config: Config = {
    ...loadConfig({ SANDBOX: 'on' }),
    port,
    publicUrl,
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    oauthTokenUrl: sb.oauthTokenUrl,
    dbPath: join(dir, 'app.db'),
    logLevel: 'silent',
  };
  const logger = createLogger(opts.logLevel ?? 'silent');
  const app = await startApp({ config, logger, restRateLimit: rateLimit ? DEFAULT_RATE_LIMIT : false, schedules: false });
  return {
    sb,
    app,
    config,
    async close() {
      await app.close().catch(() => undefined);
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wait until the portal delivered everything and the app's queue is idle. */
export async function settle(stack: BenchStack): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await stack.sb.waitForDeliveries();
    await stack.app.worker.idle();
  }
}
