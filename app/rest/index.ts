/** The REST layer's public surface. */
export type * from './types.js';
export { createRestPool, type RestPool, type RestPoolOptions } from './pool.js';
export { fetchCurrentUser, fetchOAuthAppInfo, type CurrentUser, type OAuthAppInfo } from './helpers.js';
export { isIdempotentMethod, isMutationMethod } from './method-kind.js';
export { phpQuery, batchCommandString } from './query.js';
export type { RateLimitConfig, RetryConfig } from './limits.js';
