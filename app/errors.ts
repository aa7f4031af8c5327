/** A closed set of error codes; each carries a Russian hint for the people who see it. */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, hint: 'Запрос составлен неверно.' },
  VALIDATION_FAILED: { status: 400, hint: 'Проверьте заполнение полей.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'Неподдерживаемый формат запроса.' },
  PAYLOAD_TOO_LARGE: { status: 413, hint: 'Слишком большой запрос.' },
  INVALID_APPLICATION_TOKEN: { status: 401, hint: 'Запрос пришёл не от портала, где установлено приложение.' },
  PORTAL_NOT_INSTALLED: { status: 401, hint: 'Приложение не установлено на этом портале.' },
  INVALID_SESSION: { status: 401, hint: 'Сессия истекла. Откройте страницу приложения заново.' },
  FORBIDDEN: { status: 403, hint: 'Недостаточно прав для этого действия.' },
  NOT_FOUND: { status: 404, hint: 'Не найдено.' },
  UNKNOWN_ROBOT: { status: 404, hint: 'Такого робота нет в приложении.' },
  UNKNOWN_PLACEMENT: { status: 404, hint: 'Такого встраивания нет в приложении.' },
  PORTAL_DISCONNECTED: { status: 409, hint: 'Связь с порталом потеряна: переустановите приложение.' },
  REST_ERROR: { status: 502, hint: 'Портал вернул ошибку.' },
  RATE_LIMITED: { status: 503, hint: 'Портал временно ограничил число запросов.' },
  LINK_EXPIRED: { status: 410, hint: 'Срок действия ссылки истёк. Обратитесь в свою профсоюзную организацию.' },
  UPLOAD_CLOSED: { status: 409, hint: 'Документы по этому заявлению сейчас не принимаются.' },
  INTERNAL: { status: 500, hint: 'Внутренняя ошибка приложения.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }
  toJSON(): { error: ErrorCode; message: string; hint: string; details?: unknown } {
    return { error: this.code, message: this.message, hint: this.hint, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

/** An error answer of the portal's REST API (`{error, error_description}`) or of its OAuth server. */
export class RestError extends Error {
  readonly code: string;
  readonly description: string;
  readonly httpStatus: number;
  readonly method: string;
  constructor(method: string, code: string, description: string, httpStatus: number) {
    super(`${method}: ${code || 'ERROR'}${description ? ` — ${description}` : ''}`);
    this.name = 'RestError';
    this.method = method;
    this.code = code;
    this.description = description;
    this.httpStatus = httpStatus;
  }
  /** Rate or operating-time limits: the call was not executed and can be repeated after a wait. */
  get isRateLimit(): boolean {
    return this.code === 'QUERY_LIMIT_EXCEEDED' || this.code === 'OPERATION_TIME_LIMIT';
  }
  /** The grant is gone: only a re-install brings the portal back. */
  get isAuthRevoked(): boolean {
    return ['invalid_grant', 'invalid_token', 'NO_AUTH_FOUND', 'PORTAL_DELETED', 'PAYMENT_REQUIRED', 'invalid_client'].includes(this.code);
  }
}

/** The portal refused our refresh token: the app must be re-installed there. */
export class PortalDisconnectedError extends Error {
  readonly memberId: string;
  constructor(memberId: string, reason: string) {
    super(`portal ${memberId} disconnected: ${reason}`);
    this.name = 'PortalDisconnectedError';
    this.memberId = memberId;
  }
}
