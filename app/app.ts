import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import { publicRoutes } from './http/public.js';
import { createHttpApp } from './http/server.js';
import { memberApi } from './http/api/member.js';
import { Installer } from './install.js';
import { createJobRunner } from './jobs.js';
import { createLogger, type Logger } from './logger.js';
import { Worker } from './queue/worker.js';
import { loadManifest, type Manifest } from './registry/manifest.js';
import { createRestPool, type RestPool } from './rest/pool.js';
import type { RateLimitConfig } from './rest/limits.js';
import { startSchedules, enqueueScan } from './schedules.js';
import { loadAppSecret, Sealer } from './secrets.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { CRON_HANDLERS, EVENT_HANDLERS, ROBOTS } from '../handlers/index.js';
import { ensureCatchUpBaseline } from '../handlers/cron/catch-up-scan.js';
import { jobKinds } from './jobs.js';
import { startWebhookMode, webhookMemberId } from './webhook-mode.js';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  manifest?: Manifest;
  /** Client-side rate limit per portal (false in tests against an unlimited sandbox). */
  restRateLimit?: RateLimitConfig | false;
  schedules?: boolean;
}

export interface RunningApp {
  store: Store;
  pool: RestPool;
  installer: Installer;
  worker: Worker;
  logger: Logger;
  http: ReturnType<typeof createHttpApp>;
  server: Server;
  url: string;
  /** Graceful: stop taking requests and jobs, finish what runs, close the DB. */
  close(): Promise<void>;
}

export const WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url));

/** Placement name → frontend page. DEFAULT is the app's own page (settings). */
export const PLACEMENT_PAGES: Record<string, string> = { DEFAULT: 'settings', admission: 'admission', member: 'member' };

export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const manifest = opts.manifest ?? loadManifest();
  const sealer = new Sealer(loadAppSecret(config.appSecret, config.dbPath));
  const store = new SqliteStore({ path: config.dbPath, sealer, now: () => clock.now() });
  const pool = createRestPool({
    store,
    oauthTokenUrl: config.oauthTokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    webhookUrl: config.webhookUrl,
    ...(config.webhookUrl ? { webhookMemberId: webhookMemberId(config.webhookUrl) } : {}),
    logger,
    rateLimit: opts.restRateLimit,
    now: () => clock.now(),
  });
  const installer = new Installer({ store, config, manifest, pool, logger, now: () => clock.now() });
  const restFor = (memberId: string) => pool.forPortal(memberId);
  const run = createJobRunner({ store, manifest, clock, logger, restFor, publicUrl: config.publicUrl, sealer, installer, events: EVENT_HANDLERS, robots: ROBOTS, cron: CRON_HANDLERS });
  const worker = new Worker({ store, run, logger, concurrency: config.workerConcurrency, now: () => clock.now() });
  const http = createHttpApp({
    store,
    installer,
    sealer,
    logger,
    kick: () => worker.kick(),
    webRoot: WEB_ROOT,
    pages: PLACEMENT_PAGES,
    now: () => clock.now(),
    settingsDeps: { store, installer, manifest, restFor, kick: () => worker.kick(), logger },
    publicRoutes: publicRoutes({ store, manifest, clock, logger, restFor, publicUrl: config.publicUrl, sealer, webRoot: WEB_ROOT }),
    memberApi: memberApi({ store, manifest, clock, logger, restFor, publicUrl: config.publicUrl, sealer }),
  });

  if (config.webhookUrl) {
    // Single-portal mode: register the webhook's portal and queue its reconcile (before the boot scans).
    const portal = await startWebhookMode({ store, pool, webhookUrl: config.webhookUrl, logger, now: () => clock.now(), reconcileKind: jobKinds.reconcile });
    await ensureCatchUpBaseline(store, portal.memberId, clock.now());
  }
  await worker.start();
  // Catch up on what happened while we were down: the offline event queue, then deals changed since the last scan.
  const bootSlot = `boot:${clock.now()}`;
  if ((await enqueueScan(store, 'offline-drain', bootSlot)) + (await enqueueScan(store, 'catch-up-scan', bootSlot))) worker.kick();
  const schedules = opts.schedules === false ? null : startSchedules(CRON_HANDLERS, store, logger, () => worker.kick(), { 'signing-deadlines': config.deadlineScanCron });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = http.listen(config.port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port }, 'app listening');

  return {
    store,
    pool,
    installer,
    worker,
    logger,
    http,
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      schedules?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await worker.stop();
      store.close();
    },
  };
}
