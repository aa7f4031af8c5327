import { oauthRestBase, type Config } from './config.js';
import { AppError } from './errors.js';
import type { FramePost, PortalAuth } from './http/payloads.js';
import { normaliseEndpoint } from './http/payloads.js';
import type { Logger } from './logger.js';
import type { Manifest } from './registry/manifest.js';
import type { InstallTarget } from './registry/names.js';
import { computePlan, reconcile, type ReconcileResult } from './registry/reconcile.js';
import type { Plan } from './registry/diff.js';
import { fetchOAuthAppInfo, type OAuthAppInfo } from './rest/helpers.js';
import type { RestPool } from './rest/pool.js';
import type { Portal, Store } from './store/types.js';
import { fetchViewer } from './http/viewer.js';
import { isWebhookPortal } from './webhook-mode.js';
import { ensureCatchUpBaseline } from '../handlers/cron/catch-up-scan.js';

/** Whether the token's user manages the portal's applications (user.admin, with user.current in one batch). */
const userIsAppAdmin = async (clientEndpoint: string, accessToken: string) => (await fetchViewer(clientEndpoint, accessToken)).isAdmin;

export interface InstallerDeps {
  store: Store;
  config: Pick<Config, 'clientId' | 'oauthTokenUrl' | 'publicUrl' | 'codeSuffix'>;
  manifest: Manifest;
  pool: RestPool;
  logger: Logger;
  now: () => number;
  /** Test seam: the OAuth server's app.info. */
  appInfo?: (oauthRestBase: string, accessToken: string) => Promise<OAuthAppInfo>;
  /** Test seam: whether the token's user may manage the portal's applications (user.admin). */
  isAppAdmin?: (clientEndpoint: string, accessToken: string) => Promise<boolean>;
}

const INSTALLER_USER = 'installer.userId';

/**
 * Installs, updates and uninstalls the app on a portal. An install's claims (DOMAIN, endpoints,
 * member_id) are checked with the OAuth server we trust (B24_OAUTH_URL) before anything is stored:
 * a forged install must not point us at someone else's "portal".
 */
export class Installer {
  constructor(private readonly d: InstallerDeps) {}

  async target(portal: Pick<Portal, 'memberId'>): Promise<InstallTarget> {
    const userId = (await this.d.store.getSetting<number>(portal.memberId, INSTALLER_USER)) ?? 1;
    return { memberId: portal.memberId, publicUrl: this.d.config.publicUrl, codeSuffix: this.d.config.codeSuffix, authUserId: userId };
  }

  async #validate(accessToken: string, memberId: string): Promise<OAuthAppInfo> {
    const info = await (this.d.appInfo ?? fetchOAuthAppInfo)(oauthRestBase(this.d.config.oauthTokenUrl), accessToken).catch((err: unknown) => {
      throw new AppError('INVALID_APPLICATION_TOKEN', `install could not be confirmed by the OAuth server: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (info.client_id !== this.d.config.clientId || info.install?.member_id !== memberId) {
      throw new AppError('INVALID_APPLICATION_TOKEN', 'install is not confirmed by the OAuth server for this app and portal');
    }
    return info;
  }

  /**
   * A re-install replaces the tokens and the application_token of a live installation, and every
   * user of the portal holds an access token of the app (each placement frame carries one): only a
   * user who manages the portal's applications may do it (user.admin, asked at the endpoint the
   * OAuth server confirmed). A first install, or one after an uninstall, has nothing to take over.
   * (The application_token proves nothing here: frame POSTs hand it to every user's browser.)
   */
  async #requireAppAdmin(memberId: string, clientEndpoint: string, accessToken: string): Promise<void> {
    const existing = await this.d.store.getPortal(memberId);
    if (!existing || existing.status === 'uninstalled') return;
    const admin = await (this.d.isAppAdmin ?? userIsAppAdmin)(normaliseEndpoint(clientEndpoint), accessToken).catch(() => false);
    if (!admin) throw new AppError('FORBIDDEN', 'only a user who manages the portal\'s applications can re-install the app');
  }

  /** ONAPPINSTALL (marketplace event handler, or a local "API only" app's install callback). */
  async acceptInstallEvent(auth: PortalAuth, data: Record<string, unknown>): Promise<Portal> {
    if (!auth.access_token || !auth.refresh_token) throw new AppError('VALIDATION_FAILED', 'ONAPPINSTALL without tokens', [{ field: 'auth.access_token', message: 'required' }]);
    const info = await this.#validate(auth.access_token, auth.member_id);
    await this.#requireAppAdmin(auth.member_id, info.install?.client_endpoint ?? auth.client_endpoint, auth.access_token);
    const now = this.d.now();
    const expiresAt = auth.expires ? Number(auth.expires) * 1000 : now + Number(auth.expires_in ?? 3600) * 1000;
    await this.d.store.upsertPortal({
      memberId: auth.member_id,
      domain: auth.domain,
      clientEndpoint: normaliseEndpoint(info.install?.client_endpoint ?? auth.client_endpoint),
      serverEndpoint: normaliseEndpoint(auth.server_endpoint),
      applicationToken: auth.application_token,
      accessToken: auth.access_token,
      refreshToken: auth.refresh_token,
      expiresAt,
      scope: auth.scope ?? '',
      status: 'active',
      statusReason: null,
      appVersion: typeof data.VERSION === 'string' ? data.VERSION : null,
    });
    if (auth.user_id) await this.d.store.setSetting(auth.member_id, INSTALLER_USER, Number(auth.user_id));
    this.d.pool.evict(auth.member_id);
    this.d.logger.info({ memberId: auth.member_id, domain: auth.domain }, 'install accepted');
    return (await this.d.store.getPortal(auth.member_id))!;
  }

  /** The installer page POST (apps with UI): the admin's tokens come in the frame POST. */
  async acceptFrameInstall(frame: FramePost): Promise<Portal> {
    if (!frame.REFRESH_ID) throw new AppError('VALIDATION_FAILED', 'installer POST without REFRESH_ID', [{ field: 'REFRESH_ID', message: 'required' }]);
    const info = await this.#validate(frame.AUTH_ID, frame.member_id);
    const clientEndpoint = info.install?.client_endpoint ?? `${frame.PROTOCOL === '1' ? 'https' : 'http'}://${frame.DOMAIN}/rest/`;
    await this.#requireAppAdmin(frame.member_id, clientEndpoint, frame.AUTH_ID);
    const existing = await this.d.store.getPortal(frame.member_id);
    await this.d.store.upsertPortal({
      memberId: frame.member_id,
      domain: frame.DOMAIN,
      clientEndpoint: normaliseEndpoint(clientEndpoint),
      serverEndpoint: normaliseEndpoint(frame.SERVER_ENDPOINT ?? oauthRestBase(this.d.config.oauthTokenUrl)),
      // ONAPPINSTALL may bring the token later; keep one we already trust.
      applicationToken: frame.APPLICATION_TOKEN ?? existing?.applicationToken ?? '',
      accessToken: frame.AUTH_ID,
      refreshToken: frame.REFRESH_ID,
      expiresAt: this.d.now() + Number(frame.AUTH_EXPIRES ?? 3600) * 1000,
      scope: frame.APPLICATION_SCOPE ?? '',
      status: 'active',
      statusReason: null,
    });
    if (info.user_id !== undefined) await this.d.store.setSetting(frame.member_id, INSTALLER_USER, Number(info.user_id));
    this.d.pool.evict(frame.member_id);
    return (await this.d.store.getPortal(frame.member_id))!;
  }

  /** Register everything in the manifest (idempotent) and mark the install done. */
  async reconcile(memberId: string, version?: string | null): Promise<ReconcileResult> {
    const portal = await this.d.store.getPortal(memberId);
    if (!portal) throw new AppError('PORTAL_NOT_INSTALLED', 'unknown portal');
    const result = await reconcile({ store: this.d.store, manifest: this.d.manifest, client: this.d.pool.forPortal(memberId), target: await this.target(portal), logger: this.d.logger.child({ memberId }), appContext: !isWebhookPortal(portal) });
    if (result.failed.length === 0) {
      await this.d.store.markInstalled(memberId, version ?? this.d.manifest.version);
      // The catch-up scan starts from the first complete install, not from the portal's history.
      await ensureCatchUpBaseline(this.d.store, memberId, this.d.now());
    }
    return result;
  }

  async plan(memberId: string): Promise<Plan> {
    const portal = await this.d.store.getPortal(memberId);
    if (!portal) throw new AppError('PORTAL_NOT_INSTALLED', 'unknown portal');
    return computePlan({ store: this.d.store, manifest: this.d.manifest, client: this.d.pool.forPortal(memberId), target: await this.target(portal), logger: this.d.logger.child({ memberId }), appContext: !isWebhookPortal(portal) });
  }

  /** ONAPPUNINSTALL: the API is already closed to us; forget the tokens (and everything, if asked). */
  async uninstall(memberId: string, clean: boolean): Promise<void> {
    if (clean) await this.d.store.deletePortalData(memberId);
    else await this.d.store.forgetTokens(memberId);
    this.d.pool.evict(memberId);
    this.d.logger.info({ memberId, clean }, 'uninstalled');
  }
}
