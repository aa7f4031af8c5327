/** A REST error answer: `{error, error_description, ...extra}` with its HTTP status. */
export class RestFault extends Error {
  readonly code: string;
  readonly description: string;
  readonly status: number;
  readonly extra: Record<string, unknown>;

  constructor(code: string, description: string, status = 400, extra: Record<string, unknown> = {}) {
    super(`${code}: ${description}`);
    this.name = 'RestFault';
    this.code = code;
    this.description = description;
    this.status = status;
    this.extra = extra;
  }

  toBody(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...this.extra };
  }
}

export const faults = {
  methodNotFound: (method: string) => new RestFault('ERROR_METHOD_NOT_FOUND', `Method not found! (${method})`, 404),
  noAuth: () => new RestFault('NO_AUTH_FOUND', 'Wrong authorization data', 401),
  expiredToken: () => new RestFault('expired_token', 'The access token provided has expired.', 401),
  invalidToken: () => new RestFault('invalid_token', 'The access token provided is invalid.', 401),
  insufficientScope: () =>
    new RestFault('insufficient_scope', 'The request requires higher privileges than provided by the webhook token', 403),
  wrongAuthType: () =>
    new RestFault('WRONG_AUTH_TYPE', 'Current authorization type is denied for this method. Application context required', 403),
  appContextRequired: () => new RestFault('ACCESS_DENIED', 'Application context required', 403),
  queryLimit: () => new RestFault('QUERY_LIMIT_EXCEEDED', 'Too many requests', 503),
  internal: () => new RestFault('INTERNAL_SERVER_ERROR', 'Internal server error', 500),
  /** Legacy crm.deal/contact/company errors carry an empty code and the text only. */
  legacy: (description: string) => new RestFault('', description, 400),
  invalidArg: (description: string) => new RestFault('INVALID_ARG_VALUE', description, 400),
  notFound: (description: string) => new RestFault('NOT_FOUND', description, 400),
  accessDenied: (description = 'Access denied!', status = 403) => new RestFault('ACCESS_DENIED', description, status),
};
