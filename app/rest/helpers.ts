import { RestError } from '../errors.js';
import { parseErrorBody } from './errors-map.js';
import { trimRestBase } from './query.js';

/** The `user.current` answer (legacy user fields are strings). */
export interface CurrentUser {
  ID: string;
  ADMIN?: boolean;
  NAME?: string;
  LAST_NAME?: string;
  [key: string]: unknown;
}

/**
 * The OAuth server's `app.info` answer for an install check (notes §2): require `client_id` = ours and
 * `install.member_id` / `install.domain` = the request's. Portal-style fields (ID, CODE, STATUS…) may appear too.
 */
export interface OAuthAppInfo {
  client_id?: string;
  scope?: string;
  expires?: number;
  user_id?: number | string;
  install?: {
    installed?: boolean;
    version?: number | string;
    status?: string;
    scope?: string;
    domain?: string;
    uri?: string;
    client_endpoint?: string;
    member_id?: string;
    member_type?: string;
  };
  [key: string]: unknown;
}

const TIMEOUT_MS = 15_000;

/** `{result}` of a REST answer; `bare` also accepts an answer without the envelope (the OAuth server's app.info). */
async function requestJson(method: string, url: string, init: RequestInit, bare = false): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new RestError(method, 'NETWORK_ERROR', err instanceof Error ? err.message : String(err), 0);
  }
  const body: unknown = await res.json().catch(() => undefined);
  const error = parseErrorBody(body);
  if (error) throw new RestError(method, error.code, error.description, res.status);
  if (!res.ok || !body || typeof body !== 'object' || (!bare && !('result' in body))) {
    throw new RestError(method, `HTTP_${res.status}`, 'unexpected answer', res.status);
  }
  return 'result' in body ? (body as { result: unknown }).result : body;
}

/**
 * Verifies a placement/app-page POST: calls `user.current` on the portal with the user's AUTH_ID.
 * `clientEndpoint` comes from the stored portal (or the payload's DOMAIN+PROTOCOL), never a constant.
 */
export async function fetchCurrentUser(clientEndpoint: string, accessToken: string): Promise<CurrentUser> {
  const result = await requestJson('user.current', `${trimRestBase(clientEndpoint)}/user.current`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ auth: accessToken }),
  });
  if (!result || typeof result !== 'object' || !('ID' in result)) {
    throw new RestError('user.current', 'UNEXPECTED_ANSWER', 'no user in the answer', 200);
  }
  return result as CurrentUser;
}

/** Validates an install: `GET {oauthRestBase}app.info?auth=…` on the OAuth server (e.g. https://oauth.bitrix.info/rest/). */
export async function fetchOAuthAppInfo(oauthRestBase: string, accessToken: string): Promise<OAuthAppInfo> {
  const url = `${trimRestBase(oauthRestBase)}/app.info?${new URLSearchParams({ auth: accessToken }).toString()}`;
  const result = await requestJson('app.info', url, { method: 'GET', headers: { accept: 'application/json' } }, true);
  if (!result || typeof result !== 'object') throw new RestError('app.info', 'UNEXPECTED_ANSWER', 'no app info in the answer', 200);
  return result as OAuthAppInfo;
}
