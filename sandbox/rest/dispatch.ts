/** Runs one REST call: lookup, scope and auth-type checks, stats, then the handler. */
import type { Portal } from '../core.js';
import { RestFault, faults } from '../errors.js';
import { isMutation } from '../stats.js';
import type { Answer, Caller, Params, Registry } from './registry.js';

export interface DispatchOptions {
  inBatch?: boolean;
  /** Count the call in sb.stats (false for test-driven "UI" actions). */
  count?: boolean;
}

export async function dispatch(
  portal: Portal,
  registry: Registry,
  methodRaw: string,
  params: Params,
  caller: Caller,
  opts: DispatchOptions = {},
): Promise<Answer> {
  const method = methodRaw.toLowerCase();
  const def = registry.get(method);
  if (opts.count !== false && def) portal.stats.call(method);
  if (!def) throw faults.methodNotFound(methodRaw);
  if (opts.inBatch && (method === 'batch' || def.notInBatch)) {
    throw new RestFault('ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage', 405);
  }
  if (def.appContext && caller.kind === 'webhook') {
    throw def.appContext === 'WRONG_AUTH_TYPE' ? faults.wrongAuthType() : faults.appContextRequired();
  }
  if (caller.scopes && def.scopes.length > 0 && !def.scopes.some((s) => caller.scopes!.has(s))) {
    throw faults.insufficientScope();
  }
  const answer = await def.handler({ portal, caller, method, inBatch: opts.inBatch ?? false }, params);
  if (isMutation(method)) portal.store.touch();
  return answer;
}
