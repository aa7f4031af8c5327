/**
 * The app alone in its own process for the ingress benchmark (bench/ingress.ts), so its CPU and
 * RSS are its own: the sandbox portal and the load generator run in other processes.
 */
import { startApp, type RunningApp } from '../app/app.js';
import type { Config } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { serve } from './ipc.js';

let app: RunningApp | null = null;
const running = (): RunningApp => {
  if (!app) throw new Error('app not started');
  return app;
};

serve(async (cmd, arg) => {
  switch (cmd) {
    case 'start':
      app = await startApp({ config: arg as Config, logger: createLogger('silent'), schedules: false });
      return { url: app.url };
    case 'idle':
      await running().worker.idle(60_000);
      return null;
    case 'pause':
      // Stop taking jobs: every accepted call stays queued, so the figures are the accept path alone.
      await running().worker.stop();
      return null;
    case 'queue':
      return running().store.queueStats();
    case 'stop':
      await app?.close();
      app = null;
      return null;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});
