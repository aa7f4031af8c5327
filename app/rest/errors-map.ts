import { AppError, PortalDisconnectedError, RestError } from '../errors.js';

/** Codes that mean "not executed, try again later" — safe to repeat even for `*.add`. */
export function isRateLimitCode(code: string): boolean {
  return code === 'QUERY_LIMIT_EXCEEDED' || code === 'OPERATION_TIME_LIMIT';
}

/** Transport failures: the request may or may not have reached the portal. */
const NETWORK_CODES = new Set([
  'NETWORK_ERROR', 'REQUEST_TIMEOUT', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE',
  'ENOTFOUND', 'EAI_AGAIN', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET',
]);

/** Server-side failures whose outcome is unknown; repeatable only for idempotent calls. */
const TRANSIENT_SERVER_CODES = new Set(['INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER']);

/** 5xx that must not be repeated: a manual block or a deleted portal. */
const FATAL_SERVER_CODES = new Set(['OVERLOAD_LIMIT', 'PORTAL_DELETED']);

/** True when the failure's effect on the portal is unknown and repeating is safe only for idempotent calls. */
export function isTransient(err: RestError): boolean {
  if (NETWORK_CODES.has(err.code) || TRANSIENT_SERVER_CODES.has(err.code)) return true;
  if (FATAL_SERVER_CODES.has(err.code) || isRateLimitCode(err.code)) return false;
  return err.httpStatus >= 500;
}

interface SdkLikeError {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  originalError?: unknown;
}

interface AxiosLikeError {
  isAxiosError: true;
  code?: string;
  message?: string;
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
}

function isAxiosLike(value: unknown): value is AxiosLikeError {
  return typeof value === 'object' && value !== null && (value as { isAxiosError?: unknown }).isAxiosError === true;
}

/** `{error, error_description}` (v2) or `{error: {code, message}}` (v3) → code/description. */
export function parseErrorBody(body: unknown): { code: string; description: string } | undefined {
  if (!body || typeof body !== 'object' || !('error' in body)) return undefined;
  const { error, error_description: description } = body as { error: unknown; error_description?: unknown };
  if (typeof error === 'string' && error !== '') return { code: error, description: typeof description === 'string' ? description : '' };
  if (error && typeof error === 'object' && 'code' in error) {
    const e = error as { code: unknown; message?: unknown };
    return { code: String(e.code), description: typeof e.message === 'string' ? e.message : '' };
  }
  return undefined;
}

/** The raw answer body of a failed SDK call, when the portal sent one (to read `time.operating_reset_at`). */
export function errorResponseBody(err: unknown): unknown {
  const original = (err as SdkLikeError | undefined)?.originalError;
  return isAxiosLike(original) ? original.response?.data : undefined;
}

/** Errors we throw ourselves pass through unchanged (also when the SDK wrapped them, e.g. from a refresh). */
function ownError(err: unknown): RestError | PortalDisconnectedError | AppError | undefined {
  if (err instanceof RestError || err instanceof PortalDisconnectedError || err instanceof AppError) return err;
  const original = (err as SdkLikeError | undefined)?.originalError;
  if (original instanceof RestError || original instanceof PortalDisconnectedError || original instanceof AppError) return original;
  return undefined;
}

/**
 * Any failure of an SDK call → RestError(method, code, description, httpStatus).
 * We branch on the portal's `error` code, never on the HTTP status alone
 * (CRM ACCESS_DENIED comes as 400, placement errors as 200).
 */
export function toRestError(method: string, err: unknown): RestError | PortalDisconnectedError | AppError {
  const own = ownError(err);
  if (own) return own;
  const sdk = (err ?? {}) as SdkLikeError;
  const original = sdk.originalError;
  if (isAxiosLike(original)) {
    const status = original.response?.status ?? 0;
    const parsed = parseErrorBody(original.response?.data);
    if (parsed) return new RestError(method, parsed.code, parsed.description, status);
    if (!original.response) return new RestError(method, networkCode(original.code), original.message ?? 'network error', 0);
    if (status >= 300 && status < 400) {
      // Renamed portal: the old host redirects; a redirected POST would silently become a GET.
      const location = String(original.response.headers?.location ?? '');
      return new RestError(method, 'PORTAL_MOVED', location ? `moved to ${new URL(location, 'http://x').host}` : 'redirected', status);
    }
    return new RestError(method, `HTTP_${status}`, 'unexpected answer', status);
  }
  const code = typeof sdk.code === 'string' && sdk.code ? sdk.code : 'UNKNOWN_ERROR';
  const status = typeof sdk.status === 'number' ? sdk.status : 0;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'NETWORK_ERROR' || code === 'REQUEST_TIMEOUT') return new RestError(method, code, message, 0);
  return new RestError(method, code, message, status);
}

function networkCode(code: string | undefined): string {
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'REQUEST_TIMEOUT';
  return code && NETWORK_CODES.has(code) ? code : 'NETWORK_ERROR';
}

/** An AjaxResult that came back without throwing but carries an error (HTTP 200 errors, SDK "soft" codes). */
export function ajaxResultError(method: string, res: { getErrors(): IterableIterator<Error>; getStatus(): number }): RestError {
  const first = res.getErrors().next().value as (Error & { code?: unknown }) | undefined;
  const code = typeof first?.code === 'string' && first.code ? first.code : 'UNKNOWN_ERROR';
  return new RestError(method, code, first?.message ?? '', res.getStatus());
}
