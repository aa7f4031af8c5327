import { AppError } from '../errors.js';
import { safeEqual } from '../secrets.js';
import type { Portal, Store } from '../store/types.js';
import type { PortalAuth } from './payloads.js';

/**
 * Every event and robot call carries the application_token the portal gave us at install.
 * Compare it in constant time with the stored one; nothing is recorded on a mismatch.
 * No database read per call: the store keeps portals in memory and drops a portal's entry on every
 * write to it (install, token change, status, uninstall), so an uninstall refuses the next call.
 */
export async function verifyApplicationToken(store: Store, auth: Pick<PortalAuth, 'member_id' | 'application_token'>): Promise<Portal> {
  const portal = await store.getPortal(auth.member_id);
  if (!portal || portal.status === 'uninstalled' || !portal.applicationToken) {
    throw new AppError('PORTAL_NOT_INSTALLED', 'The app is not installed on this portal');
  }
  if (!safeEqual(portal.applicationToken, auth.application_token)) {
    throw new AppError('INVALID_APPLICATION_TOKEN', 'application_token does not match');
  }
  return portal;
}
