/**
 * Single-portal mode through an inbound webhook (B24_WEBHOOK_URL, no client id).
 *
 * The app serves the one portal the webhook belongs to, as the webhook's user. An inbound webhook
 * has no application context, so the portal never calls us: no install, no events, no robots, no
 * placements (event.bind, bizproc.robot.*, placement.*, event.offline.*, disk.storage.getForApp are
 * refused). What works: the registry creates pipelines, stages, smart processes and fields, and
 * stage actions run from the catch-up scan by modification time (handlers/cron/catch-up-scan.ts).
 *
 * The portal row is registered at boot: memberId `webhook:<host>` (the pool's webhook client answers
 * to it), domain and REST base from the URL, no tokens and no application token — so verify.ts
 * refuses every event or robot call that claims to be from it. The webhook secret lives only in the
 * configuration, never in SQLite or logs.
 */
import type { HandlerContext } from './context.js';
import type { Logger } from './logger.js';
import { batchKey } from './registry/pack.js';
import type { RestPool } from './rest/pool.js';
import type { Portal, Store } from './store/types.js';

export const WEBHOOK_MEMBER_PREFIX = 'webhook:';

/** The setting that the installer keeps for "the user the app acts as" (robots' AUTH_USER_ID in app mode). */
const INSTALLER_USER = 'installer.userId';

export interface WebhookTarget {
  memberId: string;
  domain: string;
  /** The portal's REST base without the webhook's user and secret: `https://x.bitrix24.ru/rest/`. */
  clientEndpoint: string;
  userId: number;
}

/** The one place that names a webhook portal: `webhook:<host>`. */
export function webhookMemberId(webhookUrl: string): string {
  return `${WEBHOOK_MEMBER_PREFIX}${new URL(webhookUrl).host}`;
}

export function isWebhookPortal(portal: Pick<Portal, 'memberId'>): boolean {
  return portal.memberId.startsWith(WEBHOOK_MEMBER_PREFIX);
}

export function parseWebhookUrl(webhookUrl: string): WebhookTarget {
  const url = new URL(webhookUrl);
  const parts = url.pathname.split('/').filter(Boolean);
  const restAt = parts.lastIndexOf('rest');
  const userId = Number(parts[restAt + 1]);
  if (restAt < 0 || !Number.isInteger(userId) || userId <= 0 || !parts[restAt + 2]) {
    throw new Error('B24_WEBHOOK_URL must look like https://portal/rest/<userId>/<secret>/');
  }
  const prefix = parts.slice(0, restAt).join('/');
  return { memberId: webhookMemberId(webhookUrl), domain: url.host, clientEndpoint: `${url.origin}/${prefix ? `${prefix}/` : ''}rest/`, userId };
}

export interface WebhookModeDeps {
  store: Store;
  pool: RestPool;
  webhookUrl: string;
  logger: Logger;
  now: () => number;
  /** jobKinds.reconcile (passed in: this module stays free of the job runner's imports, app/crm/disk.ts uses it). */
  reconcileKind: string;
}

/**
 * Register the webhook's portal (idempotent) and queue the registry's reconcile. Each boot
 * reconciles once: an up-to-date portal costs one read request. Returns the portal. The caller
 * (app.ts) also sets the catch-up scan's starting point on first registration.
 */
export async function startWebhookMode(d: WebhookModeDeps): Promise<Portal> {
  const target = parseWebhookUrl(d.webhookUrl);
  const client = d.pool.webhookClient();
  if (!client || client.memberId !== target.memberId) throw new Error('webhook mode: the REST pool has no client for this webhook');
  const existing = await d.store.getPortal(target.memberId);
  const now = d.now();
  await d.store.upsertPortal({
    memberId: target.memberId,
    domain: target.domain,
    clientEndpoint: target.clientEndpoint,
    serverEndpoint: '',
    // No application token: the portal sends a webhook nothing, so nothing may claim to be it.
    applicationToken: '',
    accessToken: '',
    refreshToken: '',
    expiresAt: 0,
    scope: '',
    status: 'active',
    statusReason: null,
    installedAt: existing?.installedAt ?? now,
  });
  await d.store.setSetting(target.memberId, INSTALLER_USER, target.userId);
  await d.store.enqueue({ memberId: target.memberId, kind: d.reconcileKind, key: `webhook-boot:${now}`, payload: null });
  d.logger.info({ memberId: target.memberId, domain: target.domain }, 'webhook mode: portal registered, reconcile queued');
  return (await d.store.getPortal(target.memberId))!;
}

const DRIVE_FOLDER = 'Цифровой профсоюз';
const driveRoots = new Map<string, number>();

/**
 * Drive root for a webhook portal: disk.storage.getForApp needs an app, so the app's files go to
 * the folder «Цифровой профсоюз» on the webhook user's own Drive (not the common one: the
 * documents hold applicants' personal data). One request finds the storage (user.current and
 * disk.storage.getlist in one batch); the folder is then found or made by app/crm/disk.ts.
 */
export async function webhookDriveStorageRoot(ctx: Pick<HandlerContext, 'rest' | 'portal'>): Promise<{ rootId: number; folder: string }> {
  const cached = driveRoots.get(ctx.portal.memberId);
  if (cached) return { rootId: cached, folder: DRIVE_FOLDER };
  const [me, storages] = await ctx.rest.batch<unknown>([
    { method: 'user.current' },
    { method: 'disk.storage.getlist', params: { filter: { ENTITY_TYPE: 'user', ENTITY_ID: `$result[${batchKey(0)}][ID]` } } },
  ]);
  if (!me?.ok) throw new Error(`webhook mode: user.current failed: ${me ? (me as { error: { code: string } }).error.code : 'no answer'}`);
  if (!storages?.ok) throw new Error(`webhook mode: disk.storage.getlist failed: ${storages ? (storages as { error: { code: string } }).error.code : 'no answer'} (does the webhook have the "disk" scope?)`);
  const list = (Array.isArray(storages.result) ? storages.result : []) as { ROOT_OBJECT_ID?: unknown }[];
  const rootId = Number(list[0]?.ROOT_OBJECT_ID);
  if (!Number.isInteger(rootId) || rootId <= 0) throw new Error('webhook mode: the webhook user has no Drive storage');
  driveRoots.set(ctx.portal.memberId, rootId);
  return { rootId, folder: DRIVE_FOLDER };
}
