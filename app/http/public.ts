/**
 * Pages for people outside the portal, with no Bitrix auth:
 *
 *   GET  /apply/:slug          the union's application form (link / QR code on the notice board)
 *   GET  /apply/:slug/orgs     the organisation picker's list (primary organisations and their workshops)
 *   POST /apply/:slug          JSON: creates the contact and the deal at "Новое заявление" in one batch request
 *   GET  /upload/:token        the applicant's upload page (signed, expiring link from the application e-mail)
 *   POST /upload/:token        JSON with base64 files: appended to the deal's signed-documents field
 *
 * and, behind the page session, for staff (the settings page):
 *
 *   GET  /api/apply-link        {url, qrSvg}: the public form's address, created on first request
 *   POST /api/apply-link/rotate new address (administrators; the old link stops working)
 *
 * The slug is a random id kept in the portal's settings, never the member_id. Nothing personal is
 * written to SQLite or logs: the form goes straight to the portal; rate limits, repeated-submit
 * detection and the organisation cache live in memory. Logs carry portal and CRM ids only (and
 * never the request path, which holds the upload token).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import { dateInZone } from '../clock.js';
import { buildContext, requireMapped, type ContextDeps, type HandlerContext } from '../context.js';
import { applicationSchema, dealTitle, fieldIssues, type Application, type FieldIssue } from '../domain/membership/application.js';
import { AppError, PortalDisconnectedError, RestError, type ErrorCode } from '../errors.js';
import { verifyUploadToken } from '../membership/upload-link.js';
import { mapKeys, stageKeyOf } from '../registry/names.js';
import { batchCommandString } from '../rest/query.js';
import type { Session } from './api/settings.js';

// ── limits ───────────────────────────────────────────────────────────────────────────────────

export interface PublicLimits {
  /** Accepted applications per client address per window. */
  submissionsPerWindow: number;
  /** Any POST to the form (typos included) per client address per window. */
  attemptsPerWindow: number;
  windowMs: number;
  /** A repeated submission (same form key or same person) within this time gets the first one's result. */
  repeatWindowMs: number;
  /** The organisation list is read from the portal at most this often per portal. */
  orgCacheMs: number;
  applyBodyBytes: number;
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Uploads being received or written at once (they are big), across all portals. */
  uploadsInFlight: number;
  /** Uploads per application per window. */
  uploadsPerWindow: number;
  /** Views of one application's upload page per window. */
  uploadViewsPerWindow: number;
}

export const DEFAULT_PUBLIC_LIMITS: PublicLimits = {
  submissionsPerWindow: 5,
  attemptsPerWindow: 30,
  windowMs: 10 * 60_000,
  repeatWindowMs: 10 * 60_000,
  orgCacheMs: 5 * 60_000,
  applyBodyBytes: 16 * 1024,
  maxFiles: 8,
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 50 * 1024 * 1024,
  uploadsInFlight: 4,
  uploadsPerWindow: 10,
  uploadViewsPerWindow: 60,
};

export type PublicDeps = ContextDeps & {
  webRoot: string;
  limits?: Partial<PublicLimits>;
};

const MEMBERSHIP = 'membership';
export const APPLY_SLUG_SETTING = 'apply.slug';
const SLUG_RE = /^[A-Za-z0-9_-]{8,40}$/;
const MB = 1024 * 1024;

// ── errors with texts for the public ─────────────────────────────────────────────────────────

/** An AppError whose status and hint speak to an applicant rather than to portal staff. */
class PublicError extends AppError {
  readonly #status: number | undefined;
  readonly #hint: string | undefined;
  constructor(code: ErrorCode, message: string, opts: { status?: number; hint?: string; details?: FieldIssue[] } = {}) {
    super(code, message, opts.details);
    this.#status = opts.status;
    this.#hint = opts.hint;
  }
  override get status(): number {
    return this.#status ?? super.status;
  }
  override get hint(): string {
    return this.#hint ?? super.hint;
  }
}

const tooMany = (message: string) => new PublicError('RATE_LIMITED', message, { status: 429, hint: 'Подождите немного и попробуйте снова.' });
const invalid = (details: FieldIssue[], message = 'Проверьте заполнение полей.') => new PublicError('VALIDATION_FAILED', message, { details });
const formNotFound = () => new PublicError('NOT_FOUND', 'Форма заявления по этой ссылке не найдена.', { hint: 'Проверьте ссылку или попросите в профсоюзной организации новую.' });
const unavailable = () =>
  new PublicError('PORTAL_NOT_INSTALLED', 'Приём заявлений через сайт сейчас недоступен.', { status: 503, hint: 'Попробуйте позже или обратитесь в свою профсоюзную организацию.' });
const portalFailed = () => new PublicError('REST_ERROR', 'Не удалось передать данные в профсоюзную организацию.', { hint: 'Попробуйте ещё раз через несколько минут.' });

// ── in-memory helpers ────────────────────────────────────────────────────────────────────────

/** Sliding-window counter per key (client address, application); bounded in size. */
export class WindowLimiter {
  readonly #hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 20_000,
  ) {}

  /** Counts a hit; returns 0 when allowed, else the milliseconds until the next one would be. */
  hit(key: string, now: number): number {
    const since = now - this.windowMs;
    const times = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (times.length >= this.limit) {
      this.#hits.set(key, times);
      return Math.max(1, times[0]! + this.windowMs - now);
    }
    times.push(now);
    this.#hits.delete(key);
    this.#hits.set(key, times);
    if (this.#hits.size > this.maxKeys) {
      // Oldest keys first (Map keeps insertion order; a hit re-inserts its key).
      for (const k of this.#hits.keys()) {
        this.#hits.delete(k);
        if (this.#hits.size <= this.maxKeys * 0.9) break;
      }
    }
    return 0;
  }
}

/** Results of recent submissions by key, so a repeat gets the same answer instead of a second deal. */
class RecentResults<T> {
  readonly #map = new Map<string, { at: number; result: Promise<T> }>();
  constructor(private readonly ttlMs: number, private readonly maxKeys = 20_000) {}

  find(keys: string[], now: number): Promise<T> | undefined {
    for (const key of keys) {
      const hit = this.#map.get(key);
      if (hit && now - hit.at < this.ttlMs) return hit.result;
      if (hit) this.#map.delete(key);
    }
    return undefined;
  }

  put(keys: string[], result: Promise<T>, now: number): void {
    for (const key of keys) this.#map.set(key, { at: now, result });
    if (this.#map.size > this.maxKeys) {
      for (const [k, v] of this.#map) if (now - v.at >= this.ttlMs || this.#map.size > this.maxKeys * 0.9) this.#map.delete(k);
    }
  }

  forget(keys: string[], result: Promise<T>): void {
    for (const key of keys) if (this.#map.get(key)?.result === result) this.#map.delete(key);
  }
}

/** Salt for person fingerprints: per process, never stored, so the hashes mean nothing elsewhere. */
const FINGERPRINT_SALT = randomBytes(16);

function personFingerprint(memberId: string, a: Application): string {
  const norm = (s: string) => s.toLowerCase().replace(/ё/g, 'е').replace(/[\s'-]+/g, '');
  return createHash('sha256')
    .update(FINGERPRINT_SALT)
    .update([memberId, norm(a.lastName), norm(a.firstName), norm(a.middleName), a.birthDate].join('\u0000'))
    .digest('base64url');
}

// ── the public slug of a portal ──────────────────────────────────────────────────────────────

/**
 * Slug → portal. Slugs live in each portal's settings; this keeps a reverse map in memory, filled
 * by scanning the portals' settings (at most every 30 s, so random slugs cannot make us scan on
 * every request). A hit is re-checked against the stored slug, so a rotated link stops at once.
 */
class SlugDirectory {
  readonly #bySlug = new Map<string, string>();
  #lastScan = -Infinity;
  #scanning: Promise<void> | null = null;
  readonly #creating = new Map<string, Promise<string>>();
  constructor(private readonly d: PublicDeps) {}

  async resolve(slug: string): Promise<string | null> {
    if (!SLUG_RE.test(slug)) return null;
    let memberId = this.#bySlug.get(slug);
    if (!memberId && this.d.clock.now() - this.#lastScan > 30_000) {
      await this.#scan();
      memberId = this.#bySlug.get(slug);
    }
    if (!memberId) return null;
    if ((await this.d.store.getSetting<string>(memberId, APPLY_SLUG_SETTING)) !== slug) {
      this.#bySlug.delete(slug);
      return null;
    }
    return memberId;
  }

  /** The portal's slug, created on first use (concurrent first requests share one creation). */
  ensure(memberId: string): Promise<string> {
    let pending = this.#creating.get(memberId);
    if (!pending) {
      pending = (async () => {
        const existing = await this.d.store.getSetting<string>(memberId, APPLY_SLUG_SETTING);
        if (existing && SLUG_RE.test(existing)) {
          this.#bySlug.set(existing, memberId);
          return existing;
        }
        return this.rotate(memberId);
      })().finally(() => this.#creating.delete(memberId));
      this.#creating.set(memberId, pending);
    }
    return pending;
  }

  async rotate(memberId: string): Promise<string> {
    const slug = randomBytes(12).toString('base64url');
    await this.d.store.setSetting(memberId, APPLY_SLUG_SETTING, slug);
    for (const [s, m] of this.#bySlug) if (m === memberId) this.#bySlug.delete(s);
    this.#bySlug.set(slug, memberId);
    return slug;
  }

  #scan(): Promise<void> {
    this.#scanning ??= (async () => {
      try {
        const portals = await this.d.store.listPortals();
        for (const p of portals) {
          if (p.status === 'uninstalled') continue;
          const slug = await this.d.store.getSetting<string>(p.memberId, APPLY_SLUG_SETTING);
          if (slug) this.#bySlug.set(slug, p.memberId);
        }
        this.#lastScan = this.d.clock.now();
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }
}

// ── organisations for the picker ─────────────────────────────────────────────────────────────

export interface PublicOrg {
  id: number;
  title: string;
  type: 'primary' | 'workshop';
  /** The primary organisation of a workshop (null for primaries and for workshops without a known parent). */
  parent: number | null;
}

export interface OrgList {
  /** Title of the territorial organisation above the primaries, for the page header. */
  union: string | null;
  orgs: PublicOrg[];
}

const idOf = (v: unknown): number | null => {
  const raw = Array.isArray(v) ? v[0] : v;
  const m = /(\d+)$/.exec(String(raw ?? ''));
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** Walks the union's companies (typed territorial/primary/workshop) with the keyset walker: one request per 2,500. */
async function loadOrgs(ctx: HandlerContext): Promise<OrgList> {
  const typeField = requireMapped(ctx, mapKeys.field('company.orgType'));
  const parentField = requireMapped(ctx, mapKeys.field('company.parentOrg'));
  const typeByEnum = new Map<string, 'territorial' | 'primary' | 'workshop'>();
  for (const t of ['territorial', 'primary', 'workshop'] as const) {
    const id = ctx.map[mapKeys.enumItem('company.orgType', t)];
    if (id) typeByEnum.set(id, t);
  }
  if (!typeByEnum.size) return { union: null, orgs: [] };
  const rows: { id: number; title: string; type: 'territorial' | 'primary' | 'workshop'; parent: number | null }[] = [];
  for await (const page of ctx.rest.walk<Record<string, unknown>>('crm.item.list', {
    params: { entityTypeId: 4, useOriginalUfNames: 'Y' },
    filter: { [`@${typeField}`]: [...typeByEnum.keys()] },
    select: ['id', 'title', typeField, parentField],
  })) {
    for (const r of page) {
      const type = typeByEnum.get(String(r[typeField] ?? ''));
      const id = idOf(r.id);
      if (!type || !id) continue;
      rows.push({ id, title: String(r.title ?? '').trim() || `Организация №${id}`, type, parent: idOf(r[parentField]) });
    }
  }
  const collator = new Intl.Collator('ru');
  const byTitle = (a: { title: string }, b: { title: string }) => collator.compare(a.title, b.title);
  const primaries = rows.filter((r) => r.type === 'primary').sort(byTitle);
  const primaryIds = new Set(primaries.map((p) => p.id));
  const workshops = rows.filter((r) => r.type === 'workshop').sort(byTitle);
  const orgs: PublicOrg[] = [];
  for (const p of primaries) {
    orgs.push({ id: p.id, title: p.title, type: 'primary', parent: null });
    for (const w of workshops) if (w.parent === p.id) orgs.push({ id: w.id, title: w.title, type: 'workshop', parent: p.id });
  }
  for (const w of workshops) if (!w.parent || !primaryIds.has(w.parent)) orgs.push({ id: w.id, title: w.title, type: 'workshop', parent: null });
  // The territorial organisation most primaries belong to names the union on the page.
  const territorial = rows.filter((r) => r.type === 'territorial');
  const votes = (t: { id: number }) => primaries.filter((p) => p.parent === t.id).length;
  const union = territorial.sort((a, b) => votes(b) - votes(a) || a.id - b.id)[0]?.title ?? null;
  return { union, orgs };
}

class OrgDirectory {
  readonly #cache = new Map<string, { at: number; list: Promise<OrgList> }>();
  constructor(private readonly ttlMs: number) {}

  get(ctx: HandlerContext): Promise<OrgList> {
    const memberId = ctx.portal.memberId;
    const now = ctx.clock.now();
    const hit = this.#cache.get(memberId);
    if (hit && now - hit.at < this.ttlMs) return hit.list;
    const list = loadOrgs(ctx);
    this.#cache.set(memberId, { at: now, list });
    list.catch(() => {
      if (this.#cache.get(memberId)?.list === list) this.#cache.delete(memberId);
    });
    return list;
  }
}

// ── pages ────────────────────────────────────────────────────────────────────────────────────

const escapeForScript = (json: string) => json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function securityHeaders(res: Response, nonce: string) {
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  );
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  res.setHeader('Cache-Control', 'no-store');
}

// ── the upload page's view of an application ─────────────────────────────────────────────────

/** What the upload page says about the application (the client has the words for each). */
export type UploadState = 'open' | 'processing' | 'received' | 'approved' | 'closed' | 'expired' | 'forged' | 'not-found' | 'unavailable';

const STATE_BY_STAGE: Record<string, UploadState> = {
  NEW: 'processing',
  SIGNING: 'open',
  RESOLUTION: 'received',
  EMPLOYER: 'received',
  WON: 'approved',
  LOSE: 'closed',
};

const CLOSED_MESSAGES: Partial<Record<UploadState, string>> = {
  processing: 'Заявление ещё обрабатывается: документы на подпись придут на вашу почту. Загрузить сканы можно будет после этого.',
  received: 'Документы по заявлению уже получены. Больше ничего загружать не нужно.',
  approved: 'Документы по заявлению уже получены, решение о приёме принято.',
  closed: 'Заявление закрыто, документы больше не принимаются.',
  'not-found': 'Заявление по этой ссылке не найдено.',
};

type FileKind = { ext: 'pdf' | 'jpg' | 'png'; mime: string };

/** The file's real type from its first bytes (names and browsers' MIME types are not trusted). */
export function sniffFile(buf: Buffer): FileKind | null {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { ext: 'png', mime: 'image/png' };
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return { ext: 'jpg', mime: 'image/jpeg' };
  if (buf.subarray(0, 1024).includes('%PDF-')) return { ext: 'pdf', mime: 'application/pdf' };
  return null;
}

/** A file name safe for the portal: no path, no control or reserved characters, the real extension. */
export function safeFileName(raw: string, kind: FileKind, index: number): string {
  const base = String(raw ?? '')
    .split(/[\\/]/)
    .pop()!
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.(pdf|jpe?g|png)$/i, '');
  const stem = [...(base || `документ-${index + 1}`)].slice(0, 100).join('').replace(/^\.+/, '') || `документ-${index + 1}`;
  return `${stem}.${kind.ext}`;
}

const uploadBodySchema = z.object({
  files: z
    .array(z.object({ name: z.string().max(255).default(''), data: z.string() }), { error: 'Выберите хотя бы один файл' })
    .min(1, { error: 'Выберите хотя бы один файл' }),
});

const fmtMb = (bytes: number) => `${Math.round(bytes / MB)} МБ`;

// ── the router ───────────────────────────────────────────────────────────────────────────────

type Wrapped = (req: Request, res: Response) => Promise<void>;
const wrap = (fn: Wrapped) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/** Client address for the rate limits (the socket's, unless Express is told to trust a proxy). */
const clientKey = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

export interface PublicRoutes {
  /** Mount before the /api session middleware. */
  pages: Router;
  /** Mount at /api/apply-link, behind the session. */
  applyLinkApi: Router;
}

export function publicRoutes(d: PublicDeps): PublicRoutes {
  const limits: PublicLimits = { ...DEFAULT_PUBLIC_LIMITS, ...d.limits };
  const now = () => d.clock.now();
  const slugs = new SlugDirectory(d);
  const orgDirectory = new OrgDirectory(limits.orgCacheMs);
  const attempts = new WindowLimiter(limits.attemptsPerWindow, limits.windowMs);
  const submissions = new WindowLimiter(limits.submissionsPerWindow, limits.windowMs);
  const uploadsPerDeal = new WindowLimiter(limits.uploadsPerWindow, limits.windowMs);
  // Each view of the upload page reads the deal from the portal: a link cannot spend the portal's request budget.
  const uploadViews = new WindowLimiter(limits.uploadViewsPerWindow, limits.windowMs);
  const recent = new RecentResults<{ dealId: number }>(limits.repeatWindowMs);
  const uploadingDeals = new Set<string>();
  let uploadsInFlight = 0;
  const log = d.logger.child({ component: 'public' });
  const htmlCache = new Map<string, string>();

  const renderPage = (res: Response, status: number, pageName: 'apply' | 'upload', boot: Record<string, unknown>) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    let html = htmlCache.get(pageName);
    if (!html) {
      try {
        html = readFileSync(join(d.webRoot, `${pageName}.html`), 'utf8');
        htmlCache.set(pageName, html);
      } catch {
        log.error({ page: pageName }, 'frontend page is not built (run npm run build:web)');
        res.status(500).type('html').send(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Страница недоступна</title></head><body style="font-family:sans-serif;padding:24px"><h2>Страница временно недоступна</h2><p>${escapeHtml('Попробуйте открыть её позже.')}</p></body></html>`);
        return;
      }
    }
    const script = `<script nonce="${nonce}">window.__DU_BOOT__=${escapeForScript(JSON.stringify(boot))}</script>`;
    res.status(status).type('html').send(html.replace('<!--DU_BOOT-->', script));
  };

  /** The portal behind a slug, with its handler context; throws the public errors. */
  const contextOfSlug = async (slug: string): Promise<HandlerContext> => {
    const memberId = await slugs.resolve(slug);
    if (!memberId) throw formNotFound();
    return contextOf(memberId);
  };

  const contextOf = async (memberId: string): Promise<HandlerContext> => {
    const portal = await d.store.getPortal(memberId);
    if (!portal || portal.status !== 'active') throw unavailable();
    const ctx = await buildContext(d, portal, { kind: 'public' });
    if (!ctx.map[mapKeys.pipelineCategory(MEMBERSHIP)] || !ctx.map[mapKeys.stage(MEMBERSHIP, 'NEW')]) throw unavailable();
    return ctx;
  };

  const orgsOf = async (ctx: HandlerContext): Promise<OrgList> => {
    try {
      return await orgDirectory.get(ctx);
    } catch (err) {
      ctx.logger.warn({ code: errorCode(err) }, 'organisation list could not be read');
      throw portalFailed();
    }
  };

  const pages = Router();

  // ── the application form ──

  pages.get('/apply/:slug', wrap(async (req, res) => {
    const slug = String(req.params.slug);
    let ctx: HandlerContext;
    try {
      ctx = await contextOfSlug(slug);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      renderPage(res, err.status, 'apply', { page: 'apply', slug, state: err.status === 404 ? 'not-found' : 'unavailable', today: dateInZone(now(), 'Europe/Moscow') });
      return;
    }
    const today = dateInZone(now(), ctx.settings.process.timeZone);
    // The list rides with the page when the portal answers; otherwise the page asks again itself.
    const list = await orgsOf(ctx).catch(() => null);
    renderPage(res, 200, 'apply', { page: 'apply', slug, state: 'open', today, union: list?.union ?? null, orgs: list?.orgs ?? null });
  }));

  pages.get('/apply/:slug/orgs', wrap(async (req, res) => {
    const ctx = await contextOfSlug(String(req.params.slug));
    res.setHeader('Cache-Control', 'no-store');
    res.json(await orgsOf(ctx));
  }));

  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('application/json')) return next(new PublicError('UNSUPPORTED_MEDIA_TYPE', 'Ожидались данные формы в формате JSON.'));
    next();
  };

  pages.post('/apply/:slug', requireJson, express.json({ limit: limits.applyBodyBytes }), wrap(async (req, res) => {
    const ctx = await contextOfSlug(String(req.params.slug));
    const client = clientKey(req);
    const wait = attempts.hit(client, now());
    if (wait) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw tooMany('Слишком много попыток отправить форму. Подождите несколько минут и попробуйте снова.');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw invalid([], 'Не удалось прочитать данные формы.');
    // Honeypot: people never see this field; a bot that fills it is told "thank you" and nothing is created.
    if (typeof body.homepage === 'string' && body.homepage.trim() !== '') {
      ctx.logger.info('application dropped: honeypot field filled');
      res.json({ ok: true });
      return;
    }
    const today = dateInZone(now(), ctx.settings.process.timeZone);
    const parsed = applicationSchema(today).safeParse(body);
    if (!parsed.success) throw invalid(fieldIssues(parsed.error));
    const application = parsed.data;
    const org = (await orgsOf(ctx)).orgs.find((o) => o.id === application.orgId);
    if (!org) throw invalid([{ field: 'orgId', message: 'Выберите организацию из списка' }]);

    // The same form sent twice (double click, retry after a lost answer) or the same person again
    // within minutes gets the first submission's result, not a second deal.
    const keys = [`${ctx.portal.memberId}:form:${application.idempotencyKey}`, `${ctx.portal.memberId}:person:${personFingerprint(ctx.portal.memberId, application)}`];
    const earlier = recent.find(keys, now());
    if (earlier) {
      const result = await earlier.catch(() => null);
      if (result) {
        ctx.logger.info({ dealId: result.dealId }, 'application repeated: answered with the earlier result');
        res.json({ ok: true, repeated: true });
        return;
      }
    }
    const waitSubmit = submissions.hit(client, now());
    if (waitSubmit) {
      res.setHeader('Retry-After', String(Math.ceil(waitSubmit / 1000)));
      throw tooMany('С этого адреса уже отправлено несколько заявлений. Следующее можно будет отправить через несколько минут.');
    }
    const result = submitApplication(ctx, application, org, today);
    recent.put(keys, result, now());
    try {
      const { dealId } = await result;
      ctx.logger.info({ dealId }, 'application received');
    } catch (err) {
      recent.forget(keys, result);
      throw err;
    }
    res.json({ ok: true });
  }));

  // ── the upload page ──

  const uploadClaims = (token: string) => {
    const check = verifyUploadToken(d.sealer, token, now());
    if (!check.ok && check.reason === 'expired') {
      throw new PublicError('LINK_EXPIRED', 'Срок действия ссылки для загрузки документов истёк.', { hint: 'Попросите в своей профсоюзной организации новую ссылку или передайте подписанные документы председателю.' });
    }
    if (!check.ok) throw new PublicError('FORBIDDEN', 'Ссылка для загрузки документов неверна.', { hint: 'Откройте ссылку из письма целиком — возможно, она скопировалась не полностью.' });
    return check;
  };

  /** The deal (and the applicant's first name, when asked) in one request. */
  const readDeal = async (ctx: HandlerContext, dealId: number, withName: boolean) => {
    const [deal, contact] = await ctx.rest.batch<{ item?: Record<string, unknown> }>([
      { method: 'crm.item.get', params: { entityTypeId: 2, id: dealId, useOriginalUfNames: 'Y' } },
      ...(withName ? [{ method: 'crm.item.get', params: { entityTypeId: 3, id: '$result[c0][item][contactId]' } }] : []),
    ]);
    if (!deal?.ok) {
      if (deal && /not.?found/i.test(`${deal.error.code} ${deal.error.description}`)) return null;
      throw portalFailed();
    }
    const item = deal.result.item ?? {};
    if (String(item.categoryId) !== ctx.map[mapKeys.pipelineCategory(MEMBERSHIP)]) return null;
    const stageId = String(item.stageId ?? '');
    const stage = ctx.map[mapKeys.stage(MEMBERSHIP, stageKeyOf(stageId))] === stageId ? stageKeyOf(stageId) : null;
    const signedField = ctx.map[mapKeys.field('deal.signedDocs')];
    const files = signedField ? filesOf(item[signedField]) : [];
    const firstName = contact?.ok ? String(contact.result.item?.name ?? '').trim() || null : null;
    return { stage, files, firstName, signedField };
  };

  const uploadLimits = { maxFiles: limits.maxFiles, maxFileBytes: limits.maxFileBytes, maxTotalBytes: limits.maxTotalBytes };

  pages.get('/upload/:token', wrap(async (req, res) => {
    const boot = { page: 'upload', token: String(req.params.token), limits: uploadLimits };
    let check: ReturnType<typeof uploadClaims>;
    try {
      check = uploadClaims(boot.token);
    } catch (err) {
      const e = err as PublicError;
      renderPage(res, e.status, 'upload', { ...boot, token: '', state: e.code === 'LINK_EXPIRED' ? 'expired' : 'forged' });
      return;
    }
    if (uploadViews.hit(`${check.memberId}:${check.dealId}`, now())) {
      res.setHeader('Retry-After', '60');
      renderPage(res, 429, 'upload', { ...boot, state: 'unavailable' });
      return;
    }
    let ctx: HandlerContext;
    try {
      ctx = await contextOf(check.memberId);
    } catch {
      renderPage(res, 410, 'upload', { ...boot, state: 'unavailable' });
      return;
    }
    const deal = await readDeal(ctx, check.dealId, true).catch(() => undefined);
    if (deal === undefined) {
      renderPage(res, 503, 'upload', { ...boot, state: 'unavailable' });
      return;
    }
    if (deal === null) {
      renderPage(res, 404, 'upload', { ...boot, state: 'not-found' });
      return;
    }
    const state = (deal.stage && STATE_BY_STAGE[deal.stage]) || 'processing';
    renderPage(res, 200, 'upload', { ...boot, state, firstName: deal.firstName, files: deal.files.length, expiresAt: check.expiresAt });
  }));

  // The token is checked before a byte of the (large) body is read; uploads are few at a time.
  const uploadGate = (req: Request, res: Response, next: NextFunction) => {
    try {
      const check = uploadClaims(String(req.params.token));
      (res.locals as { upload?: typeof check }).upload = check;
    } catch (err) {
      return next(err);
    }
    if (!req.is('application/json')) return next(new PublicError('UNSUPPORTED_MEDIA_TYPE', 'Ожидались файлы в формате JSON.'));
    if (uploadsInFlight >= limits.uploadsInFlight) {
      res.setHeader('Retry-After', '30');
      return next(new PublicError('RATE_LIMITED', 'Сервер сейчас занят приёмом других документов. Повторите через минуту.', { hint: 'Файлы не потерялись: нажмите «Отправить» ещё раз чуть позже.' }));
    }
    uploadsInFlight += 1;
    let released = false;
    const release = () => {
      if (!released) uploadsInFlight -= 1;
      released = true;
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };

  const maxBody = Math.ceil((limits.maxTotalBytes * 4) / 3) + 64 * 1024;

  pages.post('/upload/:token', uploadGate, express.json({ limit: maxBody }), wrap(async (req, res) => {
    const check = (res.locals as { upload: { memberId: string; dealId: number } }).upload;
    const parsed = uploadBodySchema.safeParse(req.body);
    if (!parsed.success) throw invalid([{ field: 'files', message: parsed.error.issues[0]?.message ?? 'Выберите хотя бы один файл' }], 'Выберите хотя бы один файл.');
    const files = parsed.data.files;
    if (files.length > limits.maxFiles) throw invalid([{ field: 'files', message: `Можно загрузить не больше ${limits.maxFiles} файлов за раз` }], `Можно загрузить не больше ${limits.maxFiles} файлов за раз.`);
    const issues: FieldIssue[] = [];
    const ready: { name: string; base64: string; bytes: number }[] = [];
    files.forEach((f, i) => {
      const shown = f.name.split(/[\\/]/).pop()?.slice(0, 80) || `файл ${i + 1}`;
      const b64 = f.data.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
      if (!b64 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
        issues.push({ field: `files.${i}`, message: `Файл «${shown}» не удалось прочитать. Выберите его ещё раз` });
        return;
      }
      const buf = Buffer.from(b64, 'base64');
      if (buf.length === 0) issues.push({ field: `files.${i}`, message: `Файл «${shown}» пустой` });
      else if (buf.length > limits.maxFileBytes) issues.push({ field: `files.${i}`, message: `Файл «${shown}» больше ${fmtMb(limits.maxFileBytes)}. Уменьшите его (например, сфотографируйте с меньшим разрешением)` });
      else {
        const kind = sniffFile(buf);
        if (!kind) issues.push({ field: `files.${i}`, message: `Файл «${shown}»: можно загружать только PDF, JPG или PNG` });
        else ready.push({ name: safeFileName(f.name, kind, i), base64: buf.toString('base64'), bytes: buf.length });
      }
    });
    if (issues.length) throw invalid(issues, issues.length === 1 ? `${issues[0]!.message}.` : 'Некоторые файлы не подходят.');
    const total = ready.reduce((s, f) => s + f.bytes, 0);
    if (total > limits.maxTotalBytes) throw invalid([{ field: 'files', message: `Общий размер файлов больше ${fmtMb(limits.maxTotalBytes)}` }], `Общий размер файлов больше ${fmtMb(limits.maxTotalBytes)}. Загрузите часть файлов или уменьшите их.`);

    const dealKey = `${check.memberId}:${check.dealId}`;
    if (uploadingDeals.has(dealKey)) throw tooMany('Документы по этому заявлению уже загружаются. Дождитесь окончания.');
    const wait = uploadsPerDeal.hit(dealKey, now());
    if (wait) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw tooMany('Слишком много загрузок по одному заявлению. Попробуйте позже.');
    }
    uploadingDeals.add(dealKey);
    try {
      const ctx = await contextOf(check.memberId).catch(() => {
        throw new PublicError('LINK_EXPIRED', 'Загрузка документов по этой ссылке больше недоступна.');
      });
      const deal = await readDeal(ctx, check.dealId, false);
      if (!deal) throw new PublicError('UPLOAD_CLOSED', CLOSED_MESSAGES['not-found']!, { status: 404 });
      const state = (deal.stage && STATE_BY_STAGE[deal.stage]) || 'processing';
      if (state !== 'open' || !deal.signedField) throw new PublicError('UPLOAD_CLOSED', CLOSED_MESSAGES[state] ?? CLOSED_MESSAGES.received!, { details: [{ field: 'state', message: state }] });
      // A multiple file field keeps only the files named by id: list the ones already there, then the new ones.
      await ctx.rest.call(
        'crm.item.update',
        {
          entityTypeId: 2,
          id: check.dealId,
          useOriginalUfNames: 'Y',
          fields: { [deal.signedField]: [...deal.files.map((f) => ({ id: f.id })), ...ready.map((f) => [f.name, f.base64])] },
        },
        { idempotent: false },
      ).catch((err: unknown) => {
        ctx.logger.warn({ dealId: check.dealId, code: errorCode(err) }, 'signed documents could not be written');
        throw portalFailed();
      });
      ctx.logger.info({ dealId: check.dealId, files: ready.length, bytes: total }, 'signed documents uploaded');
      res.json({ ok: true, uploaded: ready.length, files: deal.files.length + ready.length });
    } finally {
      uploadingDeals.delete(dealKey);
    }
  }));

  // Errors of these routes: Russian texts for the body parser's refusals, and no request path in
  // the logs (it holds the upload token). Answered here, so the app's error handler never sees them.
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    let e: AppError;
    const raw = err as { status?: number; statusCode?: number; type?: string };
    if (err instanceof AppError) e = err;
    else if (err instanceof PortalDisconnectedError) e = unavailable();
    else if ((raw.status ?? raw.statusCode) === 413) {
      e = req.path.startsWith('/upload/')
        ? new PublicError('PAYLOAD_TOO_LARGE', `Файлы слишком большие: вместе не больше ${fmtMb(limits.maxTotalBytes)}.`)
        : new PublicError('PAYLOAD_TOO_LARGE', 'Слишком много данных в форме.');
    } else if ((raw.status ?? raw.statusCode ?? 500) < 500) e = new PublicError('BAD_REQUEST', 'Не удалось прочитать отправленные данные. Обновите страницу и попробуйте ещё раз.');
    else e = new PublicError('INTERNAL', 'Что-то пошло не так. Попробуйте ещё раз через несколько минут.', { hint: 'Если ошибка повторяется, обратитесь в свою профсоюзную организацию.' });
    const route = req.path.startsWith('/upload/') ? '/upload/…' : req.path.startsWith('/apply/') ? '/apply/…' : 'other';
    // Not the error's message (it may quote what was sent): its code and where it happened.
    const where = err instanceof Error && !(err instanceof AppError) ? { cause: errorCode(err), stack: err.stack?.split('\n').slice(1, 6).join('\n') } : {};
    if (e.status >= 500 && e.code !== 'RATE_LIMITED') log.error({ route, code: e.code, ...where }, 'public request failed');
    else log.info({ route, code: e.code, status: e.status }, 'public request refused');
    if (res.headersSent) return;
    res.status(e.status).json(e.toJSON());
  };
  pages.use(['/apply', '/upload'], onError);

  // ── the link for staff ──

  const applyLinkApi = Router();
  const linkView = async (slug: string) => {
    const url = `${d.publicUrl.replace(/\/+$/, '')}/apply/${slug}`;
    const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
    return { url, qrSvg };
  };
  const sessionOf = (req: Request) => (req as Request & { session: Session }).session;

  applyLinkApi.get('/', wrap(async (req, res) => {
    const { memberId } = sessionOf(req);
    const portal = await d.store.getPortal(memberId);
    if (!portal || portal.status === 'uninstalled') throw new AppError('PORTAL_NOT_INSTALLED', 'unknown portal');
    const { url, qrSvg } = await linkView(await slugs.ensure(memberId));
    res.json({ url, qrSvg });
  }));

  applyLinkApi.post('/rotate', wrap(async (req, res) => {
    const session = sessionOf(req);
    if (!session.isAdmin) throw new AppError('FORBIDDEN', 'only a portal administrator can replace the application link');
    const { url, qrSvg } = await linkView(await slugs.rotate(session.memberId));
    res.json({ url, qrSvg });
  }));

  return { pages, applyLinkApi };
}

/** What to log of a failure: its code, never its message (a portal's message may quote the data sent). */
function errorCode(err: unknown): string {
  if (err instanceof RestError || err instanceof AppError) return err.code;
  return err instanceof Error ? err.name : 'unknown';
}

// ── creating the application in the portal ───────────────────────────────────────────────────

/** Files of a file field as the portal returns them: one object or a list of {id, …}. */
function filesOf(value: unknown): { id: number }[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return list.map((f) => ({ id: Number((f as { id?: unknown }).id) })).filter((f) => Number.isInteger(f.id) && f.id > 0);
}

interface BatchAnswer {
  result?: Record<string, unknown> | unknown[];
  result_error?: Record<string, { error?: string; error_description?: string }> | unknown[];
}

/**
 * The contact and the deal in ONE request: a batch with halt=1 (no deal without its contact), the
 * deal bound to the contact through a batch reference. Not retried blindly (it adds); a lost
 * answer leaves the applicant to press "send" again, which the repeat check above absorbs.
 */
async function submitApplication(ctx: HandlerContext, a: Application, org: PublicOrg, today: string): Promise<{ dealId: number }> {
  const f = (key: string) => requireMapped(ctx, mapKeys.field(key));
  const categoryEnum = (key: string) => ctx.map[mapKeys.enumItem('deal.publicCategories', key)];
  const origin = `du-apply:${a.idempotencyKey}`;
  const contact = {
    LAST_NAME: a.lastName,
    NAME: a.firstName,
    SECOND_NAME: a.middleName,
    BIRTHDATE: a.birthDate,
    POST: a.position,
    PHONE: [{ VALUE: a.phone, VALUE_TYPE: a.phone.startsWith('+79') ? 'MOBILE' : 'WORK' }],
    EMAIL: [{ VALUE: a.email, VALUE_TYPE: 'HOME' }],
    OPENED: 'Y',
    SOURCE_ID: 'WEB',
    SOURCE_DESCRIPTION: 'Заявление с сайта (приложение «Цифровой профсоюз»)',
    ORIGINATOR_ID: 'digital-union',
    ORIGIN_ID: origin,
  };
  const deal = {
    title: dealTitle(a),
    categoryId: Number(requireMapped(ctx, mapKeys.pipelineCategory(MEMBERSHIP))),
    stageId: requireMapped(ctx, mapKeys.stage(MEMBERSHIP, 'NEW')),
    contactIds: ['$result[contact]'],
    sourceId: 'WEB',
    sourceDescription: 'Заявление с сайта (приложение «Цифровой профсоюз»)',
    originatorId: 'digital-union',
    originId: origin,
    [f('deal.appliedAt')]: today,
    [f('deal.applicantOrg')]: String(org.id),
    [f('deal.applicantOrgName')]: org.title,
    [f('deal.pdConsent')]: a.consentProcessing ? 'Y' : 'N',
    [f('deal.publicCategories')]: a.publicCategories.map(categoryEnum).filter((id): id is string => Boolean(id)),
  };
  const cmd = {
    contact: batchCommandString('crm.contact.add', { fields: contact, params: { REGISTER_SONET_EVENT: 'N' } }),
    deal: batchCommandString('crm.item.add', { entityTypeId: 2, useOriginalUfNames: 'Y', fields: deal }),
  };
  let answer: BatchAnswer;
  try {
    answer = await ctx.rest.call<BatchAnswer>('batch', { halt: 1, cmd }, { idempotent: false });
  } catch (err) {
    ctx.logger.warn({ code: errorCode(err) }, 'application could not be sent to the portal');
    throw portalFailed();
  }
  const results = (answer.result && !Array.isArray(answer.result) ? answer.result : {}) as Record<string, unknown>;
  const errors = (answer.result_error && !Array.isArray(answer.result_error) ? answer.result_error : {}) as Record<string, { error?: string; error_description?: string }>;
  const contactId = Number(results.contact);
  const dealId = Number((results.deal as { item?: { id?: unknown } } | undefined)?.item?.id);
  if (!Number.isInteger(dealId) || dealId <= 0) {
    // Codes only: a portal's error description may quote the values sent.
    const failed = Object.entries(errors).map(([k, e]) => `${k}: ${e?.error || 'error'}`).join('; ');
    ctx.logger.warn({ contactId: contactId || null, failed }, 'application batch failed');
    // Don't leave a contact without its application behind.
    if (Number.isInteger(contactId) && contactId > 0) await ctx.rest.call('crm.contact.delete', { id: contactId }).catch(() => undefined);
    throw portalFailed();
  }
  return { dealId };
}
