import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../app/app.js';
import { loadConfig, type Config } from '../../app/config.js';
import { createLogger } from '../../app/logger.js';
import type { DestinationStream } from 'pino';
import { startSandbox } from '../../sandbox/index.js';

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Stack {
  sb: Sandbox;
  app: RunningApp;
  config: Config;
  /** Stop the app (the portal keeps running), optionally start it again on the same DB. */
  stopApp(): Promise<void>;
  startApp(): Promise<RunningApp>;
  close(): Promise<void>;
}

/** The app and a sandbox portal wired to each other, as `npm start` does, on random ports. */
export async function startStack(opts: { logLevel?: string; logDestination?: DestinationStream } = {}): Promise<Stack> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'du-stack-'));
  const publicUrl = `http://127.0.0.1:${port}`;
  const sb = await startSandbox({
    port: 0,
    rateLimit: false,
    app: { clientId: 'local.test.du', clientSecret: 'test-secret', installUrl: `${publicUrl}/install`, handlerUrl: `${publicUrl}/placements/DEFAULT`, scope: 'crm,bizproc,placement,user_brief,department,im,disk,task,userfieldconfig' },
  });
  const config: Config = {
    ...loadConfig({ SANDBOX: 'on' }),
    port,
    publicUrl,
    clientId: 'local.test.du',
    clientSecret: 'test-secret',
    oauthTokenUrl: sb.oauthTokenUrl,
    dbPath: join(dir, 'app.db'),
    logLevel: 'silent',
  };
  const logger = createLogger(opts.logLevel ?? 'silent', opts.logDestination);
  // The app shares the portal's virtual clock, so tests can move time for deadlines and token expiry.
  const boot = () => startApp({ config, logger, restRateLimit: false, schedules: false, clock: sb.clock });
  const stack: Stack = {
    sb,
    config,
    app: await boot(),
    async stopApp() {
      await stack.app.close();
    },
    async startApp() {
      stack.app = await boot();
      return stack.app;
    },
    async close() {
      await stack.app.close().catch(() => undefined);
      await sb.close();
    },
  };
  return stack;
}

/** Wait until the portal delivered everything and the app's queue is idle. */
export async function settle(stack: Stack): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await stack.sb.waitForDeliveries();
    await stack.app.worker.idle();
  }
}
