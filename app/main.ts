/**
 * `npm start`: boot the app. With no portal configured it starts the sandbox portal beside it,
 * installs the app there and seeds demo data, so a fresh clone runs with one command.
 */
import { join, dirname } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startApp } from './app.js';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee README.md, "Configuration".\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);

  let sandbox: Awaited<ReturnType<typeof import('../sandbox/index.js').startSandbox>> | undefined;
  if (config.sandbox) {
    const { startSandbox } = await import('../sandbox/index.js');
    sandbox = await startSandbox({
      port: config.sandboxPort,
      statePath: join(dirname(config.dbPath), 'sandbox.json'),
      rateLimit: false,
      app: {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        installUrl: `${config.publicUrl}/install`,
        handlerUrl: `${config.publicUrl}/placements/DEFAULT`,
        scope: 'crm,bizproc,placement,user_brief,department,im,disk,task,userfieldconfig',
      },
      logger: logger.child({ component: 'sandbox' }),
    });
    config = { ...config, oauthTokenUrl: sandbox.oauthTokenUrl };
  }

  // Against the sandbox the app lives on the portal's virtual clock, so the shell's "+N days" moves deadlines too.
  const app = await startApp({ config, logger, ...(sandbox ? { clock: sandbox.clock } : {}) });

  if (sandbox) {
    const { ensureDemo } = await import('../sandbox/demo-seed.js');
    await ensureDemo(sandbox, app);
    process.stdout.write(
      [
        '',
        'Digital Union is running against the sandbox portal.',
        `  App:            ${config.publicUrl}  (health: ${config.publicUrl}/healthz)`,
        `  Sandbox portal: ${sandbox.portalUrl}/  (the portal shell: boards, cards, our app pages)`,
        '',
      ].join('\n'),
    );
  } else {
    process.stdout.write(`Digital Union is listening on ${config.publicUrl}\n`);
  }

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down: draining in-flight jobs');
    await app.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Boot failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
