import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear. Tokens and secrets never reach the logs, nor do
 * request bodies (they carry personal data): handlers log ids and codes, not payloads.
 */
const REDACT_PATHS = [
  'auth',
  '*.auth',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'application_token',
  '*.application_token',
  'applicationToken',
  '*.applicationToken',
  'AUTH_ID',
  '*.AUTH_ID',
  'REFRESH_ID',
  '*.REFRESH_ID',
  'APPLICATION_TOKEN',
  '*.APPLICATION_TOKEN',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'session',
  '*.session',
  'headers.authorization',
  'headers["x-du-session"]',
  'req.headers.authorization',
  'req.headers["x-du-session"]',
  'body',
  '*.body',
  'properties',
  '*.properties',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'digital-union' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
