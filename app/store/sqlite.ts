import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sealer } from '../secrets.js';
import type { Job, JobStatus, NewJob, Portal, PortalStatus, QueueStats, Store, TokenPair } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS portals (
  member_id TEXT PRIMARY KEY,
  domain TEXT NOT NULL,
  client_endpoint TEXT NOT NULL,
  server_endpoint TEXT NOT NULL,
  application_token TEXT NOT NULL,
  access_token TEXT NOT NULL,
  refresh_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  status_reason TEXT,
  installed_at INTEGER,
  app_version TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
  member_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (member_id, key)
);
CREATE TABLE IF NOT EXISTS entity_map (
  member_id TEXT NOT NULL,
  key TEXT NOT NULL,
  portal_id TEXT NOT NULL,
  PRIMARY KEY (member_id, key)
);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT,
  status TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (member_id, kind, key)
);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (status, run_at);
CREATE INDEX IF NOT EXISTS jobs_portal_status ON jobs (member_id, status);
CREATE TABLE IF NOT EXISTS effects (
  member_id TEXT NOT NULL,
  key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (member_id, key)
);
`;

interface PortalRow {
  member_id: string;
  domain: string;
  client_endpoint: string;
  server_endpoint: string;
  application_token: string;
  access_token: string;
  refresh_token: string;
  expires_at: number;
  scope: string;
  status: PortalStatus;
  status_reason: string | null;
  installed_at: number | null;
  app_version: string | null;
  updated_at: number;
}

interface JobRow {
  id: number;
  member_id: string;
  kind: string;
  key: string;
  payload: string | null;
  status: JobStatus;
  attempts: number;
  run_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

function toPortal(r: PortalRow): Portal {
  return {
    memberId: r.member_id,
    domain: r.domain,
    clientEndpoint: r.client_endpoint,
    serverEndpoint: r.server_endpoint,
    applicationToken: r.application_token,
    accessToken: r.access_token,
    refreshToken: r.refresh_token,
    expiresAt: r.expires_at,
    scope: r.scope,
    status: r.status,
    statusReason: r.status_reason,
    installedAt: r.installed_at,
    appVersion: r.app_version,
    updatedAt: r.updated_at,
  };
}

type EnqueueResult = { id: number; created: boolean };

/** An enqueue waiting for its group's transaction: the job as it was when called, payload already sealed. */
interface PendingJob {
  memberId: string;
  kind: string;
  key: string;
  payload: string | null;
  runAt: number;
  now: number;
  followUpIfStarted: boolean;
  resolve: (r: EnqueueResult) => void;
  reject: (err: unknown) => void;
}

/** Most enqueues written in one transaction; the rest go in the next one. */
const GROUP_MAX = 256;

export interface SqliteStoreOptions {
  path: string;
  sealer: Sealer;
  now?: () => number;
}

/**
 * SQLite adapter of the Store (WAL, synchronous=FULL so an accepted job survives a power cut,
 * secure_delete so finished payloads don't linger in free pages).
 *
 * Group commit: enqueues called in the same turn of the event loop are written in one transaction
 * (one fsync) when the loop next checks immediates; each caller's promise settles only after that
 * transaction committed. Every other method that touches jobs writes the waiting group first, so
 * the store still behaves as if each enqueue ran when it was called.
 *
 * Portals are cached in memory (ingress verifies every call against its portal). Every write to
 * the portals table goes through this class and drops the entry, so the cache assumes this is the
 * only process writing the file — as it is; several servers means the PostgreSQL adapter.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sealer: Sealer;
  readonly #now: () => number;
  readonly #stmts;
  readonly #portals = new Map<string, Portal>();
  #pending: PendingJob[] = [];
  #groupTimer: NodeJS.Immediate | null = null;
  readonly #writeGroup: Database.Transaction<(group: PendingJob[], results: Array<EnqueueResult | { error: unknown }>) => void>;
  readonly #writeOne: (p: PendingJob) => EnqueueResult;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.#db = new Database(opts.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('secure_delete = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#sealer = opts.sealer;
    this.#now = opts.now ?? Date.now;
    const db = this.#db;
    this.#stmts = {
      getPortal: db.prepare<[string], PortalRow>('SELECT * FROM portals WHERE member_id = ?'),
      listPortals: db.prepare<[], PortalRow>('SELECT * FROM portals ORDER BY member_id'),
      upsertPortal: db.prepare(`
        INSERT INTO portals (member_id, domain, client_endpoint, server_endpoint, application_token, access_token,
          refresh_token, expires_at, scope, status, status_reason, installed_at, app_version, updated_at)
        VALUES (@memberId, @domain, @clientEndpoint, @serverEndpoint, @applicationToken, @accessToken,
          @refreshToken, @expiresAt, @scope, @status, @statusReason, @installedAt, @appVersion, @now)
        ON CONFLICT (member_id) DO UPDATE SET domain = excluded.domain, client_endpoint = excluded.client_endpoint,
          server_endpoint = excluded.server_endpoint, application_token = excluded.application_token,
          access_token = excluded.access_token, refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
          scope = excluded.scope, status = excluded.status, status_reason = excluded.status_reason,
          installed_at = COALESCE(excluded.installed_at, portals.installed_at),
          app_version = COALESCE(excluded.app_version, portals.app_version), updated_at = excluded.updated_at`),
      saveTokens: db.prepare(`UPDATE portals SET access_token = @accessToken, refresh_token = @refreshToken,
          expires_at = @expiresAt, client_endpoint = COALESCE(@clientEndpoint, client_endpoint),
          server_endpoint = COALESCE(@serverEndpoint, server_endpoint), updated_at = @now WHERE member_id = @memberId`),
      // Only an install (upsertPortal) brings a portal back from 'uninstalled': a refresh that was in flight
      // during the uninstall and fails afterwards must not mark it 'disconnected' and so reopen ingress to its token.
      setStatus: db.prepare("UPDATE portals SET status = ?, status_reason = ?, updated_at = ? WHERE member_id = ? AND status != 'uninstalled'"),
      markInstalled: db.prepare('UPDATE portals SET installed_at = ?, app_version = COALESCE(?, app_version), updated_at = ? WHERE member_id = ?'),
      forgetTokens: db.prepare(`UPDATE portals SET access_token = '', refresh_token = '', expires_at = 0,
          status = 'uninstalled', status_reason = NULL, updated_at = ? WHERE member_id = ?`),
      getSetting: db.prepare<[string, string], { value: string }>('SELECT value FROM settings WHERE member_id = ? AND key = ?'),
      setSetting: db.prepare('INSERT INTO settings (member_id, key, value) VALUES (?, ?, ?) ON CONFLICT (member_id, key) DO UPDATE SET value = excluded.value'),
      getMap: db.prepare<[string], { key: string; portal_id: string }>('SELECT key, portal_id FROM entity_map WHERE member_id = ?'),
      setMap: db.prepare('INSERT INTO entity_map (member_id, key, portal_id) VALUES (?, ?, ?) ON CONFLICT (member_id, key) DO UPDATE SET portal_id = excluded.portal_id'),
      delMap: db.prepare('DELETE FROM entity_map WHERE member_id = ? AND key = ?'),
      insertJob: db.prepare(`INSERT INTO jobs (member_id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
          VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT (member_id, kind, key) DO NOTHING`),
      findJob: db.prepare<[string, string, string], { id: number; status: string }>('SELECT id, status FROM jobs WHERE member_id = ? AND kind = ? AND key = ?'),
      // One job per portal at a time: skip portals that have one running, and portals that aren't active.
      claimable: db.prepare<[number, number], JobRow>(`
        SELECT j.* FROM jobs j JOIN portals p ON p.member_id = j.member_id AND p.status = 'active'
        WHERE j.id IN (
          SELECT MIN(q.id) FROM jobs q
          WHERE q.status = 'queued' AND q.run_at <= ?
            AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.member_id = q.member_id AND r.status = 'running')
          GROUP BY q.member_id)
        ORDER BY j.run_at, j.id LIMIT ?`),
      markRunning: db.prepare("UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'"),
      complete: db.prepare("UPDATE jobs SET status = 'done', payload = NULL, last_error = NULL, updated_at = ? WHERE id = ?"),
      retry: db.prepare("UPDATE jobs SET status = 'queued', run_at = ?, last_error = ?, updated_at = ? WHERE id = ?"),
      fail: db.prepare("UPDATE jobs SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?"),
      requeueRunning: db.prepare("UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'"),
      requeueFailed: db.prepare("UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE member_id = ? AND status = 'failed'"),
      statsAll: db.prepare<[], { status: JobStatus; n: number }>('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status'),
      statsPortal: db.prepare<[string], { status: JobStatus; n: number }>('SELECT status, COUNT(*) AS n FROM jobs WHERE member_id = ? GROUP BY status'),
      listJobs: db.prepare<[string, string, number], JobRow>('SELECT * FROM jobs WHERE member_id = ? AND status = ? ORDER BY updated_at DESC LIMIT ?'),
      nextRunAt: db.prepare<[], { t: number | null }>(`SELECT MIN(j.run_at) AS t FROM jobs j JOIN portals p ON p.member_id = j.member_id
          AND p.status = 'active' WHERE j.status = 'queued'`),
      hasEffect: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM effects WHERE member_id = ? AND key = ?'),
      recordEffect: db.prepare('INSERT INTO effects (member_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    };
    // Each job in its own savepoint: a failing one is undone alone and rejects only its caller.
    this.#writeOne = db.transaction((p: PendingJob) => this.#insertJob(p, p.key));
    this.#writeGroup = db.transaction((group: PendingJob[], results: Array<EnqueueResult | { error: unknown }>) => {
      for (const p of group) {
        try {
          results.push(this.#writeOne(p));
        } catch (error) {
          // An error that ended the whole transaction (disk full, I/O) fails the whole group.
          if (!db.inTransaction) throw error;
          results.push({ error });
        }
      }
    });
  }

  async getPortal(memberId: string): Promise<Portal | undefined> {
    let portal = this.#portals.get(memberId);
    if (!portal) {
      const row = this.#stmts.getPortal.get(memberId);
      if (!row) return undefined;
      portal = toPortal(row);
      this.#portals.set(memberId, portal);
    }
    return { ...portal };
  }

  async listPortals(): Promise<Portal[]> {
    return this.#stmts.listPortals.all().map(toPortal);
  }

  async upsertPortal(p: Parameters<Store['upsertPortal']>[0]): Promise<void> {
    this.#stmts.upsertPortal.run({
      ...p,
      statusReason: p.statusReason ?? null,
      installedAt: p.installedAt ?? null,
      appVersion: p.appVersion ?? null,
      now: this.#now(),
    });
    this.#portals.delete(p.memberId);
  }

  async saveTokens(memberId: string, t: TokenPair): Promise<void> {
    this.#stmts.saveTokens.run({
      memberId,
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: t.expiresAt,
      clientEndpoint: t.clientEndpoint ?? null,
      serverEndpoint: t.serverEndpoint ?? null,
      now: this.#now(),
    });
    this.#portals.delete(memberId);
  }

  async setPortalStatus(memberId: string, status: PortalStatus, reason: string | null = null): Promise<void> {
    this.#stmts.setStatus.run(status, reason, this.#now(), memberId);
    this.#portals.delete(memberId);
  }

  async markInstalled(memberId: string, version: string | null): Promise<void> {
    const now = this.#now();
    this.#stmts.markInstalled.run(now, version, now, memberId);
    this.#portals.delete(memberId);
  }

  async forgetTokens(memberId: string): Promise<void> {
    this.#stmts.forgetTokens.run(this.#now(), memberId);
    this.#portals.delete(memberId);
  }

  async deletePortalData(memberId: string): Promise<void> {
    this.#writePending();
    try {
      this.#db.transaction(() => {
        for (const table of ['settings', 'entity_map', 'jobs', 'effects', 'portals']) {
          this.#db.prepare(`DELETE FROM ${table} WHERE member_id = ?`).run(memberId);
        }
      })();
    } finally {
      this.#portals.delete(memberId);
    }
  }

  async getSetting<T>(memberId: string, key: string): Promise<T | undefined> {
    const row = this.#stmts.getSetting.get(memberId, key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async setSetting(memberId: string, key: string, value: unknown): Promise<void> {
    this.#stmts.setSetting.run(memberId, key, JSON.stringify(value));
  }

  async getMap(memberId: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.#stmts.getMap.all(memberId).map((r) => [r.key, r.portal_id]));
  }

  async setMapEntries(memberId: string, entries: Record<string, string | null>): Promise<void> {
    this.#db.transaction(() => {
      for (const [key, value] of Object.entries(entries)) {
        if (value === null) this.#stmts.delMap.run(memberId, key);
        else this.#stmts.setMap.run(memberId, key, value);
      }
    })();
  }

  /** Settles once the job's group has committed (see the class comment). */
  enqueue(job: NewJob): Promise<EnqueueResult> {
    return new Promise<EnqueueResult>((resolve, reject) => {
      // Taken and sealed now: the job is the one the caller passed, and a payload that cannot be serialised fails at once.
      const now = this.#now();
      const payload = job.payload === undefined ? null : this.#sealer.seal(JSON.stringify(job.payload));
      const { memberId, kind, key } = job;
      this.#pending.push({ memberId, kind, key, payload, runAt: job.runAt ?? now, now, followUpIfStarted: job.followUpIfStarted === true, resolve, reject });
      this.#groupTimer ??= setImmediate(() => {
        this.#groupTimer = null;
        this.#writeGroupOf(GROUP_MAX);
      });
    });
  }

  /** Write every waiting enqueue now (before other job operations, and on close). */
  #writePending(): void {
    while (this.#pending.length > 0) this.#writeGroupOf(GROUP_MAX);
  }

  #writeGroupOf(max: number): void {
    const group = this.#pending.splice(0, max);
    if (this.#pending.length > 0) {
      this.#groupTimer ??= setImmediate(() => {
        this.#groupTimer = null;
        this.#writeGroupOf(GROUP_MAX);
      });
    }
    if (group.length === 0) return;
    const results: Array<EnqueueResult | { error: unknown }> = [];
    try {
      this.#writeGroup.immediate(group, results);
    } catch (err) {
      // Nothing of the group was committed.
      for (const p of group) p.reject(err);
      return;
    }
    group.forEach((p, i) => {
      const r = results[i]!;
      if ('error' in r) p.reject(r.error);
      else p.resolve(r);
    });
  }

  /** Insert unless (portal, kind, key) exists; a repeat of a started job gets a follow-up under `key+id` when asked. */
  #insertJob(p: PendingJob, key: string): EnqueueResult {
    const info = this.#stmts.insertJob.run(p.memberId, p.kind, key, p.payload, p.runAt, p.now, p.now);
    if (info.changes === 1) return { id: Number(info.lastInsertRowid), created: true };
    const existing = this.#stmts.findJob.get(p.memberId, p.kind, key);
    if (p.followUpIfStarted && existing && existing.status !== 'queued') return this.#insertJob(p, `${key}+${existing.id}`);
    return { id: existing?.id ?? 0, created: false };
  }

  async claim(now: number, limit: number): Promise<Job[]> {
    this.#writePending();
    return this.#db.transaction(() => {
      const rows = this.#stmts.claimable.all(now, limit);
      const claimed: Job[] = [];
      for (const row of rows) {
        if (this.#stmts.markRunning.run(now, row.id).changes === 1) {
          claimed.push(this.#toJob({ ...row, status: 'running', attempts: row.attempts + 1 }));
        }
      }
      return claimed;
    }).immediate();
  }

  async complete(jobId: number): Promise<void> {
    this.#writePending();
    this.#stmts.complete.run(this.#now(), jobId);
  }

  async retry(jobId: number, runAt: number, error: string): Promise<void> {
    this.#writePending();
    this.#stmts.retry.run(runAt, error, this.#now(), jobId);
  }

  async fail(jobId: number, error: string): Promise<void> {
    this.#writePending();
    this.#stmts.fail.run(error, this.#now(), jobId);
  }

  async requeueRunning(): Promise<number> {
    this.#writePending();
    return this.#stmts.requeueRunning.run(this.#now()).changes;
  }

  async requeueFailed(memberId: string): Promise<number> {
    this.#writePending();
    const now = this.#now();
    return this.#stmts.requeueFailed.run(now, now, memberId).changes;
  }

  async queueStats(memberId?: string): Promise<QueueStats> {
    this.#writePending();
    const rows = memberId ? this.#stmts.statsPortal.all(memberId) : this.#stmts.statsAll.all();
    const stats: QueueStats = { queued: 0, running: 0, failed: 0, done: 0 };
    for (const r of rows) stats[r.status] = r.n;
    return stats;
  }

  async listJobs(memberId: string, status: JobStatus, limit: number): Promise<Job[]> {
    this.#writePending();
    return this.#stmts.listJobs.all(memberId, status, limit).map((r) => this.#toJob(r));
  }

  async nextRunAt(): Promise<number | null> {
    this.#writePending();
    return this.#stmts.nextRunAt.get()?.t ?? null;
  }

  async hasEffect(memberId: string, key: string): Promise<boolean> {
    return this.#stmts.hasEffect.get(memberId, key) !== undefined;
  }

  async recordEffect(memberId: string, key: string): Promise<boolean> {
    return this.#stmts.recordEffect.run(memberId, key, this.#now()).changes === 1;
  }

  close(): void {
    if (this.#groupTimer) clearImmediate(this.#groupTimer);
    this.#groupTimer = null;
    if (this.#db.open) this.#writePending();
    else for (const p of this.#pending.splice(0)) p.reject(new TypeError('The database connection is not open'));
    this.#portals.clear();
    if (this.#db.open) this.#db.close();
  }

  #toJob(r: JobRow): Job {
    return {
      id: r.id,
      memberId: r.member_id,
      kind: r.kind,
      key: r.key,
      payload: r.payload === null ? null : JSON.parse(this.#sealer.open(r.payload)),
      status: r.status,
      attempts: r.attempts,
      runAt: r.run_at,
      lastError: r.last_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}
