import {
  ApiVersion,
  B24Hook,
  B24OAuth,
  EnumAppStatus,
  HttpV2,
  type AuthActions,
  type AuthData,
  type HandlerRefreshAuth,
  type RestrictionParams,
  type TypeB24,
} from '@bitrix24/b24jssdk';
import type { Portal } from '../store/types.js';
import { trimRestBase } from './query.js';
import { TOKEN_EXPIRY_SKEW_MS, type FreshTokens } from './refresh.js';

/**
 * The SDK's own retries, limiters and adaptive pauses are switched off: we own that policy
 * (client.ts) because the SDK retries network errors of `*.add` calls, keeps its limiter state per
 * object with real timers, and cannot tell a rate-limit answer (nothing ran) from a lost answer.
 */
export const SDK_RESTRICTIONS: Partial<RestrictionParams> = {
  rateLimit: { burstLimit: 1_000_000, drainRate: 1_000_000, adaptiveEnabled: false },
  operatingLimit: { windowMs: 600_000, limitMs: Number.MAX_SAFE_INTEGER, heavyPercent: 100 },
  adaptiveConfig: { enabled: false, thresholdPercent: 100, coefficient: 0, maxDelay: 0 },
  maxRetries: 1,
  retryDelay: 0,
  retryOnNetworkError: false,
};

/** Hooks into the SDK's axios instance: count real HTTP requests and learn which tokens got a 401. */
export interface TransportHooks {
  onRequest(methods: string[]): void;
  onTokenRejected?(accessToken: string): void;
}

/** SDK expiry in unix seconds, shortened by our skew and rounded up so the SDK never calls a token stale before we do. */
function sdkExpires(expiresAt: number): number {
  return Math.ceil((expiresAt - TOKEN_EXPIRY_SKEW_MS) / 1000);
}

export function toHandlerRefreshAuth(memberId: string, t: FreshTokens): HandlerRefreshAuth {
  return {
    access_token: t.accessToken,
    refresh_token: t.refreshToken,
    expires: String(sdkExpires(t.expiresAt)),
    expires_in: String(Math.max(0, Math.round((t.expiresAt - Date.now()) / 1000))),
    client_endpoint: t.clientEndpoint,
    server_endpoint: t.serverEndpoint,
    member_id: memberId,
    scope: t.scope,
    status: EnumAppStatus.Local,
    domain: t.domain,
  };
}

/** One B24OAuth per portal; `refresh` is our single-flight refresh (the SDK calls it when expired or on a 401). */
export function createOAuthSdk(
  portal: Portal,
  secret: { clientId: string; clientSecret: string },
  refresh: () => Promise<HandlerRefreshAuth>,
  hooks: TransportHooks,
): B24OAuth {
  const b24 = new B24OAuth(
    {
      applicationToken: portal.applicationToken,
      userId: 0,
      memberId: portal.memberId,
      accessToken: portal.accessToken,
      refreshToken: portal.refreshToken,
      expires: sdkExpires(portal.expiresAt),
      expiresIn: 3600,
      scope: portal.scope,
      domain: portal.domain,
      // The SDK appends `/{method}` to this verbatim: Bitrix's trailing slash would give `/rest//method`.
      clientEndpoint: trimRestBase(portal.clientEndpoint),
      serverEndpoint: portal.serverEndpoint,
      status: EnumAppStatus.Local,
    },
    secret,
    { restrictionParams: SDK_RESTRICTIONS },
  );
  b24.setCustomRefreshAuth(refresh);
  installHooks(b24, hooks);
  return b24;
}

/**
 * Webhook client. B24Hook rebuilds its URL as https://…, which breaks a plain-http portal (the sandbox),
 * so its v2 transport is replaced by an HttpV2 whose AuthActions point at the real base URL.
 */
export function createWebhookSdk(webhookUrl: string, hooks: TransportHooks): TypeB24 {
  const base = trimRestBase(webhookUrl);
  const url = new URL(base);
  const parts = url.pathname.split('/').filter(Boolean);
  const restAt = parts.lastIndexOf('rest');
  const userId = Number(parts[restAt + 1]);
  const secret = parts[restAt + 2] ?? '';
  if (restAt < 0 || !Number.isInteger(userId) || !secret) {
    throw new Error('webhook URL must look like http(s)://host/rest/<userId>/<secret>/');
  }
  const authData: AuthData = {
    access_token: secret,
    refresh_token: 'hook', // the SDK's marker for "secret is in the path, send no auth param"
    expires: 0,
    expires_in: 0,
    domain: url.host,
    member_id: url.host,
  };
  const auth: AuthActions = {
    getAuthData: () => authData,
    refreshAuth: async () => authData,
    getUniq: (prefix) => `${prefix}_${url.host}`,
    isAdmin: true,
    getTargetOrigin: () => url.origin,
    getTargetOriginWithPath: () => new Map([
      [ApiVersion.v2, base],
      [ApiVersion.v3, base.replace(/\/rest\//, '/rest/api/')],
    ]),
  };
  const b24 = new B24Hook({ b24Url: url.origin, userId, secret }, { restrictionParams: SDK_RESTRICTIONS });
  b24.setHttpClient(ApiVersion.v2, new HttpV2(auth, null, SDK_RESTRICTIONS));
  installHooks(b24, hooks);
  return b24;
}

function installHooks(b24: TypeB24, hooks: TransportHooks): void {
  const axios = b24.getHttpClient(ApiVersion.v2).ajaxClient;
  // A renamed portal answers 302; following it would turn our POST into a body-less GET.
  axios.defaults.maxRedirects = 0;
  axios.interceptors.request.use((config) => {
    hooks.onRequest(methodsOf(config.url ?? '', config.data));
    return config;
  });
  axios.interceptors.response.use(undefined, (error: unknown) => {
    const e = error as { response?: { status?: number; data?: { error?: unknown } }; config?: { data?: unknown } };
    const code = e.response?.data?.error;
    if (hooks.onTokenRejected && e.response?.status === 401 && (code === 'expired_token' || code === 'invalid_token')) {
      const token = authOf(e.config?.data);
      if (token) hooks.onTokenRejected(token);
    }
    return Promise.reject(error);
  });
}

/** REST method names carried by one request: the path's last segment, or a batch's sub-commands. */
function methodsOf(url: string, data: unknown): string[] {
  const path = url.split('?')[0] ?? '';
  const method = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (method !== 'batch') return [method];
  const cmd = (data as { cmd?: unknown } | undefined)?.cmd;
  if (!cmd || typeof cmd !== 'object') return [method];
  return Object.values(cmd as Record<string, unknown>).map((row) => String(row).split('?')[0] ?? '');
}

function authOf(data: unknown): string | undefined {
  try {
    const body = typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
    const auth = (body as { auth?: unknown } | undefined)?.auth;
    return typeof auth === 'string' ? auth : undefined;
  } catch {
    return undefined;
  }
}
