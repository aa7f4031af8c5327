import cron from 'node-cron';
import { z } from 'zod';

const CLOUD_OAUTH_TOKEN_URL = 'https://oauth.bitrix.info/oauth/token/';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `${name} must be an http(s) URL`);

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: optionalString.pipe(httpUrl('PUBLIC_URL').optional()),
    B24_CLIENT_ID: optionalString,
    B24_CLIENT_SECRET: optionalString,
    B24_OAUTH_URL: optionalString.pipe(httpUrl('B24_OAUTH_URL').optional()),
    B24_WEBHOOK_URL: optionalString.pipe(httpUrl('B24_WEBHOOK_URL').optional()),
    DB_PATH: z.string().trim().min(1).default('./data/app.db'),
    SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
    SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CODE_SUFFIX: z
      .string()
      .trim()
      .regex(/^[a-z0-9]{0,8}$/, 'CODE_SUFFIX: up to 8 lowercase latin letters or digits')
      .default(''),
    /** Secret for signing page sessions and upload links; generated and kept beside the DB when absent. */
    APP_SECRET: optionalString.pipe(z.string().min(32, 'APP_SECRET must be at least 32 characters').optional()),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    // Hourly in working hours by default; the portal's time zone decides "today", this only when to look.
    DEADLINE_SCAN_CRON: z
      .string()
      .default('0 8-18 * * 1-5')
      .refine((v) => cron.validate(v), 'not a valid cron expression (five fields, e.g. "0 8-18 * * 1-5")'),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.B24_CLIENT_ID) !== Boolean(env.B24_CLIENT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['B24_CLIENT_SECRET'], message: 'B24_CLIENT_ID and B24_CLIENT_SECRET go together' });
    }
    if (env.B24_WEBHOOK_URL && env.B24_CLIENT_ID) {
      // Two registrations acting on the same deals would double every stage action.
      ctx.addIssue({ code: 'custom', path: ['B24_WEBHOOK_URL'], message: 'B24_WEBHOOK_URL (single-portal mode) cannot be combined with B24_CLIENT_ID/B24_CLIENT_SECRET (app mode): set one of them' });
    }
    if (env.B24_WEBHOOK_URL && !/\/rest\/\d+\/[^/]+\/?$/.test(URL.canParse(env.B24_WEBHOOK_URL) ? new URL(env.B24_WEBHOOK_URL).pathname : '')) {
      ctx.addIssue({ code: 'custom', path: ['B24_WEBHOOK_URL'], message: 'B24_WEBHOOK_URL must look like https://portal/rest/<userId>/<secret>/' });
    }
    if (env.SANDBOX === 'on' && (env.B24_CLIENT_ID || env.B24_WEBHOOK_URL)) {
      ctx.addIssue({ code: 'custom', path: ['SANDBOX'], message: 'SANDBOX=on cannot be combined with B24_CLIENT_ID or B24_WEBHOOK_URL' });
    }
    if (env.SANDBOX === 'off' && !env.B24_CLIENT_ID && !env.B24_WEBHOOK_URL) {
      ctx.addIssue({ code: 'custom', path: ['SANDBOX'], message: 'SANDBOX=off needs B24_CLIENT_ID/B24_CLIENT_SECRET or B24_WEBHOOK_URL' });
    }
  });

export interface Config {
  port: number;
  publicUrl: string;
  clientId: string;
  clientSecret: string;
  oauthTokenUrl: string;
  webhookUrl: string | undefined;
  dbPath: string;
  sandbox: boolean;
  sandboxPort: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  codeSuffix: string;
  appSecret: string | undefined;
  workerConcurrency: number;
  deadlineScanCron: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment once at boot; a bad value stops the boot with a message naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
  const sandbox = e.SANDBOX === 'on' || (e.SANDBOX === 'auto' && !e.B24_CLIENT_ID && !e.B24_WEBHOOK_URL);
  return {
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    // In sandbox mode the sandbox portal accepts these local credentials.
    clientId: e.B24_CLIENT_ID ?? (sandbox ? 'local.sandbox.digital-union' : ''),
    clientSecret: e.B24_CLIENT_SECRET ?? (sandbox ? 'sandbox-secret' : ''),
    oauthTokenUrl: e.B24_OAUTH_URL ?? CLOUD_OAUTH_TOKEN_URL,
    webhookUrl: e.B24_WEBHOOK_URL,
    dbPath: e.DB_PATH,
    sandbox,
    sandboxPort: e.SANDBOX_PORT,
    logLevel: e.LOG_LEVEL,
    codeSuffix: e.CODE_SUFFIX,
    appSecret: e.APP_SECRET,
    workerConcurrency: e.WORKER_CONCURRENCY,
    deadlineScanCron: e.DEADLINE_SCAN_CRON,
  };
}

/** The OAuth server's REST base (`…/rest/`) derived from the trusted token URL, for app.info checks. */
export function oauthRestBase(oauthTokenUrl: string): string {
  const u = new URL(oauthTokenUrl);
  return `${u.origin}/rest/`;
}
