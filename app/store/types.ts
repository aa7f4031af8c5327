/**
 * The store keeps only what the app needs to run: installations and their tokens, per-portal
 * settings, the manifest-key → portal-id map, the job queue and idempotency keys.
 * Never personal data. The interface is async so a PostgreSQL adapter can replace SQLite.
 */

export type PortalStatus = 'active' | 'disconnected' | 'uninstalled';

export interface Portal {
  memberId: string;
  domain: string;
  /** REST base of the portal, always ending with a single slash: `https://x.bitrix24.ru/rest/`. */
  clientEndpoint: string;
  /** OAuth server REST base (`https://oauth.bitrix.info/rest/`), ending with a slash. */
  serverEndpoint: string;
  applicationToken: string;
  accessToken: string;
  refreshToken: string;
  /** Unix ms when the access token expires. */
  expiresAt: number;
  scope: string;
  status: PortalStatus;
  statusReason: string | null;
  /** Set when installFinish/ONAPPINSTALL completed. */
  installedAt: number | null;
  appVersion: string | null;
  updatedAt: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  /** The OAuth server may move a portal (domain rename): keep endpoints current. */
  clientEndpoint?: string;
  serverEndpoint?: string;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: number;
  memberId: string;
  /** One name per thing: `event:ONCRMDEALUPDATE`, `robot:check-applicant`, `cron:deadline-scan`. */
  kind: string;
  /** Idempotency key, unique per portal and kind. */
  key: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  runAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  memberId: string;
  kind: string;
  key: string;
  payload: unknown;
  runAt?: number;
  /**
   * A repeat of the key coalesces with a job that has not started yet; once that job has started,
   * the repeat gets a follow-up job (events carry only ids and second-precision timestamps, so two
   * changes in one second share a key, and the later one must still be seen).
   */
  followUpIfStarted?: boolean;
}

export interface QueueStats {
  queued: number;
  running: number;
  failed: number;
  done: number;
}

export interface Store {
  // installations
  getPortal(memberId: string): Promise<Portal | undefined>;
  listPortals(): Promise<Portal[]>;
  upsertPortal(p: Omit<Portal, 'updatedAt' | 'statusReason' | 'installedAt' | 'appVersion'> & Partial<Pick<Portal, 'installedAt' | 'appVersion' | 'statusReason'>>): Promise<void>;
  /** Persist a refreshed pair before it is used (refresh tokens are single-use). */
  saveTokens(memberId: string, tokens: TokenPair): Promise<void>;
  setPortalStatus(memberId: string, status: PortalStatus, reason?: string | null): Promise<void>;
  markInstalled(memberId: string, version: string | null): Promise<void>;
  /** Uninstall: forget the tokens; jobs and settings stay until the admin asks for cleaning. */
  forgetTokens(memberId: string): Promise<void>;
  deletePortalData(memberId: string): Promise<void>;

  // per-portal settings (JSON values)
  getSetting<T>(memberId: string, key: string): Promise<T | undefined>;
  setSetting(memberId: string, key: string, value: unknown): Promise<void>;

  // manifest key → portal id map
  getMap(memberId: string): Promise<Record<string, string>>;
  setMapEntries(memberId: string, entries: Record<string, string | null>): Promise<void>;

  // queue
  /** Insert unless (memberId, kind, key) exists; returns the job id and whether it is new. */
  enqueue(job: NewJob): Promise<{ id: number; created: boolean }>;
  /** Claim up to `limit` runnable jobs, at most one per portal, skipping portals that already run one or are not active. */
  claim(now: number, limit: number): Promise<Job[]>;
  complete(jobId: number): Promise<void>;
  /** Put back for a retry at `runAt` with the error kept. */
  retry(jobId: number, runAt: number, error: string): Promise<void>;
  /** Give up: keep the job with its error for the settings page. */
  fail(jobId: number, error: string): Promise<void>;
  /** On boot: jobs left running by a crash become queued again. */
  requeueRunning(): Promise<number>;
  /** Put failed jobs of a portal back in the queue (repair / reconnect). */
  requeueFailed(memberId: string): Promise<number>;
  queueStats(memberId?: string): Promise<QueueStats>;
  listJobs(memberId: string, status: JobStatus, limit: number): Promise<Job[]>;
  nextRunAt(): Promise<number | null>;

  // effects already done (a stage action for one entry into a stage, …): checked before, recorded after
  hasEffect(memberId: string, key: string): Promise<boolean>;
  /** Record a finished effect; false when it was recorded before. */
  recordEffect(memberId: string, key: string): Promise<boolean>;

  close(): void;
}
