/**
 * The contact card tab "Член профсоюза" (placement CRM_CONTACT_DETAIL_TAB, page `member`):
 *
 *   GET  /api/member/:contactId          status, history, organisation path, documents, permissions
 *   POST /api/member/:contactId/status   change the status (clerk, chairman or portal admin)
 *   GET  /api/member/:contactId/file     a file of the contact's membership deal or resolution,
 *                                        streamed from the portal with the app's token
 *
 * One GET costs two REST requests: a batch with the contact, its timeline comments, its company and
 * the company's parents (chained by `$result` references), its membership deals and resolutions;
 * then a batch of user.get for the names of the people in the history (skipped when there are none).
 * The portal's file links carry a token: they never leave this server.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { dateInZone } from '../../clock.js';
import { buildContext, type ContextDeps, type HandlerContext } from '../../context.js';
import { setMemberStatus } from '../../crm/member-status.js';
import { ADMISSION_KEYS, CATALOG } from '../../documents/catalog.js';
import {
  DEREGISTRATION_REASONS,
  MEMBER_STATUSES,
  REASON_TITLES,
  SOURCE_TITLES,
  STATUS_TITLES,
  parseHistoryComment,
  statusChangeIssues,
  type DeregistrationReason,
  type MemberStatus,
  type StatusChange,
  type StatusSource,
} from '../../domain/membership/status.js';
import { AppError, RestError } from '../../errors.js';
import { organisationFromCompany } from '../../membership/applicant.js';
import { MEMBERSHIP, RESOLUTIONS, membershipRefs, type MembershipRefs } from '../../membership/refs.js';
import { mapKeys } from '../../registry/names.js';
import type { BatchOutcome } from '../../rest/types.js';
import type { Session } from './settings.js';

type Req = Request & { session: Session };
type Row = Record<string, unknown>;
type Ctx = HandlerContext;

const handle = (fn: (req: Req, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req as Req, res).catch(next);

/** Roles that may change a member's status (besides portal admins). */
const EDITOR_ROLES = ['clerk', 'chairman'] as const;
export const READ_ONLY_REASON = 'Изменять статус могут делопроизводитель, председатель профсоюзной организации и администратор портала. Роли назначаются в настройках приложения «Цифровой профсоюз».';
/** How far up the hierarchy we follow parentOrg (ТО → ППО → ЦПО is three levels; one spare). */
const MAX_ORG_LEVELS = 4;
const ORG_TYPE_TITLES: Record<string, string> = {
  territorial: 'Территориальная организация',
  primary: 'Первичная профсоюзная организация',
  workshop: 'Цеховая профсоюзная организация',
};
const FILE_TIMEOUT_MS = 60_000;

// ───────────────────────────── the view ─────────────────────────────

export interface FileRef {
  id: number;
  title: string;
  /** Our proxy, relative to the app: `/api/member/12/file?…` (needs the session header). */
  href: string;
}

export interface HistoryEntry {
  commentId: number;
  status: MemberStatus;
  statusTitle: string;
  from: string;
  until: string | null;
  reason: DeregistrationReason | null;
  reasonTitle: string | null;
  source: StatusSource;
  sourceTitle: string;
  /** When the entry was written (the comment's time, ISO). */
  recordedAt: string;
  /** Who changed it by hand (card tab); null for automatic changes (robot, stage, decision, list). */
  by: { id: number; name: string } | null;
}

export interface MemberView {
  contactId: number;
  today: string;
  timeZone: string;
  status: {
    code: MemberStatus;
    title: string;
    from: string | null;
    until: string | null;
    reason: DeregistrationReason | null;
    reasonTitle: string | null;
  } | null;
  joinedAt: string | null;
  /** A sentence when the card's status and the latest history entry disagree (changed by hand in the card). */
  statusNote: string | null;
  history: HistoryEntry[];
  /** From the top of the hierarchy down to the contact's own organisation. */
  organisations: { id: number; title: string; orgType: string | null; orgTypeTitle: string | null }[];
  deals: {
    id: number;
    title: string;
    stageTitle: string;
    stageSemantics: 'process' | 'success' | 'failure';
    createdAt: string;
    appliedAt: string | null;
    generated: FileRef[];
    signed: FileRef[];
  }[];
  resolutions: { id: number; title: string; number: string; date: string | null; stageTitle: string; dealId: number | null; file: FileRef | null }[];
  /** Parts that could not be read (Russian sentences); the rest of the view is still valid. */
  warnings: string[];
  permissions: { canEdit: boolean; reason: string | null };
  options: {
    statuses: { value: MemberStatus; label: string }[];
    reasons: { value: DeregistrationReason; label: string }[];
  };
}

// ───────────────────────────── helpers ─────────────────────────────

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const dateOnly = (v: unknown) => str(v).slice(0, 10) || null;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []);

function contactIdOf(req: Req): number {
  const raw = String(req.params.contactId ?? '');
  const id = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) {
    throw new AppError('BAD_REQUEST', 'Неверный номер контакта: ожидается целое положительное число.', [{ field: 'contactId', message: 'Ожидается целое положительное число' }]);
  }
  return id;
}

const notFound = (o: BatchOutcome | undefined) => !o || (!o.ok && (/not.?found/i.test(o.error.code) || /not found|не найден/i.test(o.error.description)));

function mustBeOk<T>(o: BatchOutcome<T> | undefined, what: string): T {
  if (o?.ok) return o.result;
  throw new AppError('REST_ERROR', `Портал не вернул ${what}: ${o ? `${o.error.code} ${o.error.description}`.trim() : 'нет ответа'}`);
}

/** Everything the router needs from the registry map; a portal that was never set up gets a clear error. */
function refsOf(ctx: Ctx): MembershipRefs & { contactField: (key: string) => string } {
  try {
    const refs = membershipRefs(ctx);
    const contactField = (key: string) => {
      const v = ctx.map[mapKeys.field(key)];
      if (!v) throw new Error(key);
      return v;
    };
    for (const k of ['contact.statusDate', 'contact.statusUntil', 'contact.deregReason', 'contact.joinedAt']) contactField(k);
    refs.resolutions.entityTypeId();
    return Object.assign(refs, { contactField });
  } catch {
    throw new AppError('PORTAL_NOT_INSTALLED', 'Настройка портала не завершена: откройте настройки приложения «Цифровой профсоюз» и нажмите «Исправить».');
  }
}

const canEdit = (ctx: Ctx, s: Session) => s.isAdmin || EDITOR_ROLES.some((r) => (ctx.settings.roles[r] ?? []).includes(s.userId));

const fileHref = (contactId: number, kind: 'deal' | 'resolution', itemId: number, field: string, fileId: number) =>
  `/api/member/${contactId}/file?${new URLSearchParams({ kind, item: String(itemId), field, file: String(fileId) }).toString()}`;

/** File values of a CRM answer (`{id, url, urlMachine}` or a list of them). */
function filesIn(v: unknown): { id: number; urlMachine: string }[] {
  const list = v && typeof v === 'object' && !Array.isArray(v) && 'id' in v ? [v] : asList(v);
  return list
    .map((f) => f as Row)
    .filter((f) => f && Number(f.id) > 0)
    .map((f) => ({ id: Number(f.id), urlMachine: str(f.urlMachine) }));
}

// ───────────────────────────── reading ─────────────────────────────

async function readView(ctx: Ctx, contactId: number, session: Session): Promise<MemberView> {
  const refs = refsOf(ctx);
  const categoryId = refs.categoryId;
  const spa = refs.resolutions.entityTypeId();
  const spaField = { number: refs.resolutions.field('number'), date: refs.resolutions.field('date'), file: refs.resolutions.field('file') };
  const parent = refs.company.parentOrg;
  const warnings: string[] = [];
  /** A part of the tab that could not be read: the rest is still shown, with a sentence why. */
  const partOrEmpty = <T>(o: BatchOutcome<unknown> | undefined, empty: T, what: string): T => {
    if (o?.ok) return o.result as T;
    warnings.push(`Не удалось прочитать ${what}: портал ответил ошибкой${o ? ` (${o.error.code})` : ''}.`);
    return empty;
  };

  // c0 contact (crm.item.get: its errors have codes, unlike crm.contact.get's), c1 comments, c2 deals, c3 resolutions, c4… the company and its parents.
  const commands = [
    { method: 'crm.item.get', params: { entityTypeId: 3, id: contactId, useOriginalUfNames: 'Y' } },
    { method: 'crm.timeline.comment.list', params: { filter: { ENTITY_TYPE: 'contact', ENTITY_ID: contactId }, select: ['ID', 'CREATED', 'COMMENT'], order: { ID: 'DESC' } } },
    {
      method: 'crm.item.list',
      params: {
        entityTypeId: 2,
        useOriginalUfNames: 'Y',
        filter: { categoryId, contactId },
        select: ['id', 'title', 'stageId', 'createdTime', refs.deal.appliedAt, refs.deal.generatedDocs, refs.deal.signedDocs],
        order: { id: 'DESC' },
      },
    },
    {
      method: 'crm.item.list',
      params: { entityTypeId: spa, useOriginalUfNames: 'Y', filter: { contactId }, select: ['id', 'title', 'stageId', 'parentId2', spaField.number, spaField.date, spaField.file], order: { id: 'DESC' } },
    },
    { method: 'crm.company.get', params: { id: '$result[c0][item][companyId]' } },
    ...Array.from({ length: MAX_ORG_LEVELS - 1 }, (_, i) => ({ method: 'crm.company.get', params: { id: `$result[c${4 + i}][${parent}]` } })),
  ];
  const out = await ctx.rest.batch<unknown>(commands);
  if (notFound(out[0])) throw new AppError('NOT_FOUND', `Контакт ${contactId} не найден на портале или недоступен приложению.`);
  const contact = ((mustBeOk(out[0], 'контакт') as { item?: Row }).item ?? {}) as Row;

  // Comments: the first page came with the batch; a long timeline is read to the end (rare).
  const commentsOutcome = out[1];
  const comments = [...(asList(partOrEmpty(commentsOutcome, [], 'историю статусов')) as Row[])];
  if (commentsOutcome?.ok && commentsOutcome.next && commentsOutcome.total) {
    const more = [];
    for (let start = commentsOutcome.next; start < commentsOutcome.total && more.length < 200; start += 50) more.push({ method: 'crm.timeline.comment.list', params: { ...commands[1]!.params, start } });
    for (const page of await ctx.rest.batch<unknown>(more)) comments.push(...(asList(partOrEmpty(page, [], 'часть истории статусов')) as Row[]));
  }
  const parsed = comments
    .map((c) => ({ c, change: parseHistoryComment(str(c.COMMENT)) }))
    .filter((x): x is { c: Row; change: StatusChange } => x.change !== null);

  // Names of the people who changed the status by hand: one batch (the viewer's own name is known).
  // The comments' AUTHOR_ID is always the user whose token the app writes with, so it says nothing.
  const people = new Map<number, string>([[session.userId, session.name]]);
  const wanted = [...new Set(parsed.map(({ change }) => change.by ?? 0).filter((id) => id > 0 && !people.has(id)))].slice(0, 50);
  if (wanted.length) {
    const users = await ctx.rest.batch<Row[]>(wanted.map((id) => ({ method: 'user.get', params: { filter: { ID: id }, select: ['ID', 'NAME', 'LAST_NAME'] } })));
    users.forEach((u, i) => {
      const row = u.ok ? asList(u.result)[0] as Row | undefined : undefined;
      const name = row ? [row.NAME, row.LAST_NAME].map(str).filter(Boolean).join(' ') : '';
      people.set(wanted[i]!, name || `Пользователь #${wanted[i]}`);
    });
  }

  const history: HistoryEntry[] = parsed
    .map(({ c, change }) => {
      const byId = change.by ?? 0;
      return {
        commentId: Number(c.ID),
        status: change.status,
        statusTitle: STATUS_TITLES[change.status],
        from: change.from,
        until: change.until ?? null,
        reason: change.reason ?? null,
        reasonTitle: change.reason ? REASON_TITLES[change.reason] : null,
        source: change.source,
        sourceTitle: SOURCE_TITLES[change.source],
        recordedAt: str(c.CREATED),
        by: byId ? { id: byId, name: people.get(byId) ?? `Пользователь #${byId}` } : null,
      };
    })
    .sort((a, b) => (a.from === b.from ? b.commentId - a.commentId : a.from < b.from ? 1 : -1));

  // The current status from the card's fields.
  const statusCode = refs.enumXmlIds('contact.status').get(str(contact[refs.contact.status])) as MemberStatus | undefined;
  const reasonCode = refs.enumXmlIds('contact.deregReason').get(str(contact[refs.contactField('contact.deregReason')])) as DeregistrationReason | undefined;
  const status = statusCode
    ? {
        code: statusCode,
        title: STATUS_TITLES[statusCode],
        from: dateOnly(contact[refs.contactField('contact.statusDate')]),
        until: statusCode === 'suspended' ? dateOnly(contact[refs.contactField('contact.statusUntil')]) : null,
        reason: statusCode === 'deregistered' ? (reasonCode ?? null) : null,
        reasonTitle: statusCode === 'deregistered' && reasonCode ? REASON_TITLES[reasonCode] : null,
      }
    : null;
  const latest = history[0];
  let statusNote: string | null = null;
  if (latest && (!status || latest.status !== status.code || (status.from && latest.from !== status.from))) {
    statusNote = 'Статус в карточке контакта не совпадает с последней записью истории: вероятно, его изменили вручную в карточке. Чтобы история была полной, меняйте статус здесь.';
  }

  // Organisation path: the contact's company and its parents, shown from the top down.
  const organisations: MemberView['organisations'] = [];
  const seen = new Set<number>();
  for (let i = 0; i < MAX_ORG_LEVELS; i++) {
    const o = out[4 + i];
    if (!o?.ok || !o.result || typeof o.result !== 'object') break;
    const org = organisationFromCompany(refs, o.result as Row);
    if (!org.id || seen.has(org.id)) break;
    seen.add(org.id);
    organisations.unshift({ id: org.id, title: org.title, orgType: org.orgType, orgTypeTitle: org.orgType ? (ORG_TYPE_TITLES[org.orgType] ?? null) : null });
    if (!org.parentId) break;
  }

  // Documents: membership deals and resolutions.
  const pipeline = ctx.manifest.pipelines.find((p) => p.key === MEMBERSHIP);
  const stageOf = new Map(
    (pipeline?.stages ?? []).map((s) => [ctx.map[mapKeys.stage(MEMBERSHIP, s.key)] ?? '', s] as const),
  );
  const spaDef = ctx.manifest.smartProcesses.find((s) => s.key === RESOLUTIONS);
  const spaStageOf = new Map((spaDef?.stages ?? []).map((s) => [ctx.map[mapKeys.spaStage(RESOLUTIONS, s.key)] ?? '', s.name] as const));
  const generatedTitle = (i: number, n: number) => (n === ADMISSION_KEYS.length ? CATALOG[ADMISSION_KEYS[i]!].shortTitle : `Документ ${i + 1}`);

  const dealRows = partOrEmpty<{ items?: Row[] }>(out[2], {}, 'заявления о вступлении').items ?? [];
  const deals = dealRows.map((d) => {
    const id = Number(d.id);
    const stage = stageOf.get(str(d.stageId));
    const generated = filesIn(d[refs.deal.generatedDocs]);
    const signed = filesIn(d[refs.deal.signedDocs]);
    return {
      id,
      title: str(d.title) || `Заявление #${id}`,
      stageTitle: stage?.name ?? str(d.stageId),
      stageSemantics: (stage?.semantics ?? 'process') as 'process' | 'success' | 'failure',
      createdAt: str(d.createdTime),
      appliedAt: dateOnly(d[refs.deal.appliedAt]),
      generated: generated.map((f, i) => ({ id: f.id, title: generatedTitle(i, generated.length), href: fileHref(contactId, 'deal', id, 'generated', f.id) })),
      signed: signed.map((f, i) => ({ id: f.id, title: `Скан ${i + 1}`, href: fileHref(contactId, 'deal', id, 'signed', f.id) })),
    };
  });
  const resolutionRows = partOrEmpty<{ items?: Row[] }>(out[3], {}, 'постановления').items ?? [];
  const resolutions = resolutionRows.map((r) => {
    const id = Number(r.id);
    const file = filesIn(r[spaField.file])[0];
    const number = str(r[spaField.number]);
    const date = dateOnly(r[spaField.date]);
    return {
      id,
      title: str(r.title),
      number,
      date,
      stageTitle: spaStageOf.get(str(r.stageId)) ?? '',
      dealId: Number(r.parentId2) || null,
      file: file ? { id: file.id, title: `Постановление${number ? ` № ${number}` : ''}`, href: fileHref(contactId, 'resolution', id, 'file', file.id) } : null,
    };
  });

  const editable = canEdit(ctx, session);
  return {
    contactId,
    today: dateInZone(ctx.clock.now(), ctx.settings.process.timeZone),
    timeZone: ctx.settings.process.timeZone,
    status,
    joinedAt: dateOnly(contact[refs.contactField('contact.joinedAt')]),
    statusNote,
    history,
    organisations,
    deals,
    resolutions,
    warnings,
    permissions: { canEdit: editable, reason: editable ? null : READ_ONLY_REASON },
    options: {
      statuses: MEMBER_STATUSES.map((s) => ({ value: s, label: STATUS_TITLES[s] })),
      reasons: DEREGISTRATION_REASONS.map((r) => ({ value: r, label: REASON_TITLES[r] })),
    },
  };
}

// ───────────────────────────── writing ─────────────────────────────

const dateText = z.string({ error: 'Укажите дату' }).trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'Укажите дату в формате ГГГГ-ММ-ДД');
const optionalText = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const statusBody = z.object({
  status: z.enum(MEMBER_STATUSES, { error: 'Выберите статус из списка' }),
  from: dateText,
  until: optionalText(dateText),
  reason: optionalText(z.enum(DEREGISTRATION_REASONS, { error: 'Выберите причину из списка' })),
});

function parseStatusBody(body: unknown, today: string): Omit<StatusChange, 'source' | 'by'> {
  const parsed = statusBody.safeParse(body ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'status', message: i.message }));
    throw new AppError('VALIDATION_FAILED', 'Проверьте заполнение полей.', details);
  }
  const change = { ...parsed.data, source: 'card' as const };
  const issues: { field: string; message: string }[] = statusChangeIssues(change);
  if (change.from > today && !issues.some((i) => i.field === 'from')) {
    issues.push({ field: 'from', message: 'Дата вступления в силу не может быть позже сегодняшней.' });
  }
  if (change.from < '1900-01-01') issues.push({ field: 'from', message: 'Проверьте год даты вступления в силу.' });
  if (issues.length) throw new AppError('VALIDATION_FAILED', issues.map((i) => i.message).join(' '), issues);
  const { source: _source, ...rest } = change;
  return rest;
}

// ───────────────────────────── files ─────────────────────────────

const fileQuery = z.object({
  kind: z.enum(['deal', 'resolution']),
  item: z.coerce.number().int().positive(),
  field: z.enum(['generated', 'signed', 'file']),
  file: z.coerce.number().int().positive(),
});

/** `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266). */
function contentDisposition(name: string): string {
  const clean = name.replace(/[\u0000-\u001f"\\/]/g, ' ').trim() || 'file';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean)}`;
}

function upstreamFileName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain ? plain[1]!.trim() : null;
}

async function streamFile(ctx: Ctx, contactId: number, q: z.infer<typeof fileQuery>, res: Response): Promise<void> {
  const refs = refsOf(ctx);
  const entityTypeId = q.kind === 'deal' ? 2 : refs.resolutions.entityTypeId();
  const fieldName =
    q.kind === 'deal'
      ? q.field === 'generated' ? refs.deal.generatedDocs : q.field === 'signed' ? refs.deal.signedDocs : null
      : q.field === 'file' ? refs.resolutions.field('file') : null;
  const denied = () => new AppError('NOT_FOUND', 'Файл не найден среди документов этого контакта.');
  if (!fieldName) throw denied();

  let item: Row;
  try {
    item = (await ctx.rest.call<{ item: Row }>('crm.item.get', { entityTypeId, id: q.item, useOriginalUfNames: 'Y' })).item;
  } catch (err) {
    if (err instanceof RestError && (/not.?found/i.test(err.code) || /not found/i.test(err.description))) throw denied();
    throw err;
  }
  const contacts = new Set([Number(item.contactId), ...asList(item.contactIds).map(Number)]);
  const belongs = contacts.has(contactId) && (q.kind === 'resolution' || Number(item.categoryId) === refs.categoryId);
  const file = belongs ? filesIn(item[fieldName]).find((f) => f.id === q.file) : undefined;
  if (!file?.urlMachine) throw denied();

  // The link carries the portal's token: only ever fetched from here, only from the portal itself.
  let url: URL;
  try {
    url = new URL(file.urlMachine, ctx.portal.clientEndpoint);
  } catch {
    throw new AppError('REST_ERROR', 'Портал вернул неверную ссылку на файл.');
  }
  const portalUrl = new URL(ctx.portal.clientEndpoint);
  if (url.origin !== portalUrl.origin && url.hostname !== ctx.portal.domain) throw new AppError('REST_ERROR', 'Ссылка на файл ведёт не на портал: скачивание отклонено.');

  const upstream = await fetch(url, {
    headers: { 'user-agent': 'digital-union', accept: '*/*', referer: portalUrl.origin + '/' },
    redirect: 'follow',
    signal: AbortSignal.timeout(FILE_TIMEOUT_MS),
  }).catch(() => {
    throw new AppError('REST_ERROR', 'Не удалось скачать файл с портала: нет связи.');
  });
  if (!upstream.ok || !upstream.body) {
    await upstream.body?.cancel().catch(() => undefined);
    throw new AppError(upstream.status === 404 ? 'NOT_FOUND' : 'REST_ERROR', `Портал не отдал файл (HTTP ${upstream.status}).`);
  }
  const name = upstreamFileName(upstream.headers.get('content-disposition')) ?? `file-${q.file}`;
  const type = upstream.headers.get('content-type') ?? '';
  res.status(200);
  res.setHeader('content-type', /^[\w.+-]+\/[\w.+-]+/.test(type) && !/html|javascript|xml/i.test(type) ? type : 'application/octet-stream');
  res.setHeader('content-disposition', contentDisposition(name));
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('cache-control', 'private, no-store');
  const length = upstream.headers.get('content-length');
  if (length && /^\d+$/.test(length)) res.setHeader('content-length', length);
  await new Promise<void>((resolve, reject) => {
    const body = Readable.fromWeb(upstream.body as unknown as WebReadableStream<Uint8Array>);
    body.on('error', (err) => {
      res.destroy(err);
      reject(new AppError('REST_ERROR', 'Скачивание файла прервалось.'));
    });
    res.on('finish', resolve);
    res.on('close', resolve);
    body.pipe(res);
  });
  ctx.logger.info({ contactId, kind: q.kind, item: q.item }, 'member file streamed');
}

// ───────────────────────────── the router ─────────────────────────────

export function memberApi(deps: ContextDeps): Router {
  const r = Router();

  const contextFor = async (req: Req, contactId: number): Promise<Ctx> => {
    // Only the card the tab was opened on: a session from another page or card does not reach this one.
    if (req.session.entityId !== contactId) throw new AppError('FORBIDDEN', 'Эта вкладка открыта для другой карточки: откройте карточку контакта заново.');
    const portal = await deps.store.getPortal(req.session.memberId);
    if (!portal || portal.status === 'uninstalled') throw new AppError('PORTAL_NOT_INSTALLED', 'Приложение не установлено на этом портале.');
    if (portal.status === 'disconnected') throw new AppError('PORTAL_DISCONNECTED', 'Нет связи с порталом: переустановите приложение.');
    return buildContext(deps, portal, { kind: 'member-tab', contactId });
  };

  r.get('/:contactId', handle(async (req, res) => {
    const contactId = contactIdOf(req);
    const ctx = await contextFor(req, contactId);
    res.json(await readView(ctx, contactId, req.session));
  }));

  r.post('/:contactId/status', handle(async (req, res) => {
    const contactId = contactIdOf(req);
    const ctx = await contextFor(req, contactId);
    if (!canEdit(ctx, req.session)) throw new AppError('FORBIDDEN', `Недостаточно прав для изменения статуса. ${READ_ONLY_REASON}`);
    refsOf(ctx);
    const change = parseStatusBody(req.body, dateInZone(ctx.clock.now(), ctx.settings.process.timeZone));
    let changed: boolean;
    try {
      ({ changed } = await setMemberStatus(ctx, contactId, { ...change, source: 'card', by: req.session.userId }));
    } catch (err) {
      if (err instanceof RestError && (/not.?found/i.test(err.code) || /not found/i.test(err.description))) {
        throw new AppError('NOT_FOUND', `Контакт ${contactId} не найден на портале или недоступен приложению.`);
      }
      throw err;
    }
    ctx.logger.info({ contactId, status: change.status, changed, userId: req.session.userId }, 'member status changed from the card tab');
    res.json({ changed, view: await readView(ctx, contactId, req.session) });
  }));

  r.get('/:contactId/file', handle(async (req, res) => {
    const contactId = contactIdOf(req);
    const q = fileQuery.safeParse(req.query);
    if (!q.success) throw new AppError('BAD_REQUEST', 'Неверная ссылка на файл.', q.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })));
    const ctx = await contextFor(req, contactId);
    await streamFile(ctx, contactId, q.data, res);
  }));

  return r;
}
