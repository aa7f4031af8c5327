import { RestError } from '../errors.js';
import { parseErrorBody } from '../rest/errors-map.js';
import { trimRestBase } from '../rest/query.js';

export interface Viewer {
  id: number;
  name: string;
  isAdmin: boolean;
}

/**
 * Who opened a placement: one batch with the viewer's own AUTH_ID (user.current + user.admin).
 * A token the portal does not accept means the POST did not come from that portal's user.
 */
export async function fetchViewer(clientEndpoint: string, accessToken: string): Promise<Viewer> {
  const res = await fetch(`${trimRestBase(clientEndpoint)}/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ auth: accessToken, halt: 1, cmd: { me: 'user.current', admin: 'user.admin' } }),
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  }).catch((err: unknown) => {
    throw new RestError('batch', 'NETWORK_ERROR', err instanceof Error ? err.message : String(err), 0);
  });
  const body = (await res.json().catch(() => undefined)) as { result?: { result?: { me?: Record<string, unknown>; admin?: unknown } } } | undefined;
  const error = parseErrorBody(body);
  if (error) throw new RestError('user.current', error.code, error.description, res.status);
  const me = body?.result?.result?.me;
  if (!res.ok || !me || me.ID === undefined) throw new RestError('user.current', 'UNEXPECTED_ANSWER', 'no user in the answer', res.status);
  const name = [me.NAME, me.LAST_NAME].filter((x) => typeof x === 'string' && x).join(' ');
  return { id: Number(me.ID), name, isAdmin: body?.result?.result?.admin === true };
}
