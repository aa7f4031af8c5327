// Client for our own server's /api (the settings page and the install screen).
// Every call carries `X-DU-Session: <boot.session>`; bodies are JSON. Errors arrive as
// `{ error: CODE, message, hint, details?: [{ field, message }] }` with a 4xx/5xx status and are
// thrown as ApiError, whose texts are Russian and meant to be shown as they are.
import { getBoot } from './boot';

// ── Types of the settings API ────────────────────────────────────────────────────────────────

export type PortalStatus = 'active' | 'disconnected' | 'uninstalled';

export type PlanAction = 'create' | 'update' | 'delete';
export type PlanKind = 'robot' | 'event' | 'placement' | 'smartProcess' | 'pipeline' | 'stage' | 'userField';

export interface PlanChange {
  action: PlanAction;
  kind: PlanKind;
  key: string;
  title: string;
}

export interface Plan {
  upToDate: boolean;
  changes: PlanChange[];
  /** Differences the app cannot fix through REST (Russian sentences); shown for manual action. */
  conflicts?: string[];
}

export interface QueueCounts {
  queued: number;
  running: number;
  failed: number;
  done: number;
}

export interface FailedJob {
  id: number | string;
  kind: string;
  attempts: number;
  lastError: string | null;
  /** Unix time in milliseconds. */
  updatedAt: number;
}

export interface StageAction {
  pipeline: string;
  stage: string;
  stageTitle: string;
  action: string;
  robotCode: string;
  robotTitle: string;
}

export interface Overview {
  portal: {
    domain: string;
    status: PortalStatus;
    statusReason: string | null;
    /** Unix time in milliseconds. */
    installedAt: number | null;
    appVersion: string | null;
  };
  queue: QueueCounts;
  failures: FailedJob[];
  plan: Plan;
  stageActions: StageAction[];
}

export interface RepairResult {
  applied: number;
  plan: Plan;
}

export type InstallResult = RepairResult;

export interface RequeueResult {
  requeued: number;
}

export type RoleCode = 'clerk' | 'chairman' | 'deputy' | 'head' | 'accountant';

export interface RoleDef {
  code: RoleCode;
  title: string;
  multiple: boolean;
}

export interface PortalUser {
  id: number;
  name: string;
  position: string | null;
}

export type RoleMapping = Partial<Record<RoleCode, number[]>>;

export interface RolesData {
  roles: RoleDef[];
  mapping: RoleMapping;
  users: PortalUser[];
}

export type SettingValue = number | boolean | string;

export interface SettingOption {
  value: string | number;
  label: string;
}

export interface SettingSchema {
  key: string;
  title: string;
  help: string;
  type: 'number' | 'boolean' | 'select' | 'string';
  min?: number;
  max?: number;
  options?: SettingOption[];
}

export interface ProcessData {
  values: Record<string, SettingValue>;
  schema: SettingSchema[];
}

// ── Errors ───────────────────────────────────────────────────────────────────────────────────

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  message?: string;
  hint?: string;
  details?: FieldError[];
}

export const NETWORK_ERROR_MESSAGE = 'Нет связи с сервером приложения';
export const NETWORK_ERROR_HINT = 'Проверьте подключение к интернету и попробуйте ещё раз.';

const STATUS_MESSAGES: Record<number, string> = {
  400: 'Запрос составлен неверно.',
  401: 'Сессия истекла. Откройте страницу приложения заново.',
  403: 'Недостаточно прав для этого действия.',
  404: 'Не найдено.',
  409: 'Действие сейчас невозможно.',
  413: 'Слишком большой запрос.',
  429: 'Слишком много запросов. Подождите немного и повторите.',
  502: 'Портал вернул ошибку.',
  503: 'Сервис временно недоступен. Повторите через минуту.',
};

export class ApiError extends Error {
  /** HTTP status; 0 for a network failure. */
  readonly status: number;
  /** Server error code (VALIDATION_FAILED, INVALID_SESSION, …) or NETWORK / BAD_RESPONSE. */
  readonly code: string;
  /** What the user should do (Russian); may be empty. */
  readonly hint: string;
  readonly details: FieldError[];

  constructor(status: number, code: string, message: string, hint = '', details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  /** The field errors as a map field → message (first message wins). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) if (!(d.field in out)) out[d.field] = d.message;
    return out;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

/**
 * The title/description pair to show for any thrown value. With `context` («Роли не сохранены»)
 * that becomes the title and the server's hint and message the description.
 */
export function describeError(err: unknown, context?: string): { title: string; description?: string } {
  const parts: string[] = [];
  if (err instanceof ApiError && err.isNetwork) {
    parts.push(err.message, err.hint);
  } else if (err instanceof ApiError) {
    if (err.hint) parts.push(err.hint);
    if (err.message && err.message !== err.hint && err.message !== context) parts.push(err.message);
  } else {
    parts.push('Что-то пошло не так. Обновите страницу и попробуйте ещё раз.');
  }
  const withDot = (t: string) => (/[.!?…]$/.test(t) ? t : t + '.');
  if (context) return parts.length ? { title: context, description: parts.map(withDot).join(' ') } : { title: context };
  const [title = 'Ошибка', ...rest] = parts;
  return rest.length ? { title, description: rest.map(withDot).join(' ') } : { title };
}

function isErrorBody(v: unknown): v is ErrorBody {
  return !!v && typeof v === 'object' && typeof (v as ErrorBody).error === 'string';
}

function normaliseDetails(v: unknown): FieldError[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((d): d is FieldError => !!d && typeof d === 'object' && typeof d.field === 'string')
    .map((d) => ({ field: d.field, message: typeof d.message === 'string' ? d.message : 'Неверное значение' }));
}

// ── Transport ────────────────────────────────────────────────────────────────────────────────

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const session = getBoot()?.session;
  if (session) headers['X-DU-Session'] = session;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE, NETWORK_ERROR_HINT);
  }

  let data: unknown = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }

  if (!res.ok) {
    const fallback = STATUS_MESSAGES[res.status] ?? (res.status >= 500 ? 'Внутренняя ошибка приложения. Повторите попытку позже.' : 'Запрос не выполнен.');
    if (isErrorBody(data)) {
      throw new ApiError(res.status, data.error, data.message || fallback, data.hint ?? '', normaliseDetails(data.details));
    }
    throw new ApiError(res.status, 'HTTP_' + res.status, fallback);
  }
  if (data === null) {
    throw new ApiError(res.status, 'BAD_RESPONSE', 'Сервер вернул неожиданный ответ. Обновите страницу.');
  }
  return data as T;
}

// ── Endpoints ────────────────────────────────────────────────────────────────────────────────

export const api = {
  overview: () => request<Overview>('/api/settings/overview'),
  repair: () => request<RepairResult>('/api/settings/repair', { method: 'POST', body: {} }),
  requeueFailed: () => request<RequeueResult>('/api/settings/requeue-failed', { method: 'POST', body: {} }),
  roles: () => request<RolesData>('/api/settings/roles'),
  saveRoles: (mapping: RoleMapping) => request<RolesData>('/api/settings/roles', { method: 'PUT', body: { mapping } }),
  process: () => request<ProcessData>('/api/settings/process'),
  saveProcess: (values: Record<string, SettingValue>) =>
    request<ProcessData>('/api/settings/process', { method: 'PUT', body: { values } }),
  runInstall: () => request<InstallResult>('/api/install/run', { method: 'POST', body: {} }),
};
