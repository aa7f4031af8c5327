/**
 * The app as its own process, for the fault suite's crash and flood cases: booted from the
 * environment like `npm start` (PORT, PUBLIC_URL, B24_CLIENT_ID/SECRET, B24_OAUTH_URL, DB_PATH,
 * APP_SECRET, LOG_LEVEL, SANDBOX=off), against the sandbox portal that runs in the test process.
 *
 * Differences from app/main.ts, all for the test: no client-side REST rate limit (the sandbox runs
 * without its limit too), no cron schedules, logs to DU_FAULT_LOG_FILE (synchronous writes, so a
 * SIGKILL loses nothing already logged), and an IPC probe the test asks for memory figures (after
 * a full GC when node runs with --expose-gc).
 */
import { pino } from 'pino';
import { startApp } from '../../app/app.js';
import { loadConfig } from '../../app/config.js';
import { createLogger } from '../../app/logger.js';

export type ProbeMessage = { type: 'memory' };
export type ProcessReport =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'memory'; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; gc: boolean };

const config = loadConfig(process.env);
const logFile = process.env.DU_FAULT_LOG_FILE;
const logger = createLogger(config.logLevel, logFile ? pino.destination({ dest: logFile, sync: true, append: true, mkdir: true }) : undefined);
const app = await startApp({ config, logger, restRateLimit: false, schedules: false });

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (m: ProbeMessage) => {
  if (m?.type !== 'memory') return;
  if (gc) {
    gc();
    gc();
  }
  const u = process.memoryUsage();
  const report: ProcessReport = { type: 'memory', rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers, gc: Boolean(gc) };
  process.send?.(report);
});

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
// The test process went away (crashed or was stopped): do not linger as an orphan.
process.once('disconnect', () => process.exit(0));

const ready: ProcessReport = { type: 'ready', url: app.url, pid: process.pid };
process.send?.(ready);
