// Development-only preview of the built pages (never used in production).
//
//   npm run build:web && npx tsx frontend/dev/preview-server.ts [port]
//   open http://127.0.0.1:5174/placements/DEFAULT            (settings page)
//        http://127.0.0.1:5174/install                       (install screen)
//
// Serves dist/web at /static, renders <page>.html with a boot script in place of the
// `<!--DU_BOOT-->` marker (like the real server does), and answers /api/* from an in-memory fake.
// Page query options: ?status=disconnected|uninstalled  ?admin=0  ?installFail=1  ?broken=1
// (broken plan + failed jobs)  ?empty=1 (no failures, up-to-date plan). State is per server.
// The calendar PUT refuses 2026-01-13 as a day off (to show a server-side per-date error).
// Document templates: the resolution starts as the portal's own version; uploads are checked by the
// app's real template check (app/documents/render.ts), so a bad .docx gets the server's own message.
import express, { type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import QRCode from 'qrcode';
import { CATALOG, SAMPLE_DATA, TEMPLATE_KEYS, isTemplateKey, type TemplateKey } from '../../app/documents/catalog.js';
import { placeholderHelp } from '../../app/documents/placeholder-help.js';
import { MAX_TEMPLATE_BYTES, TemplateError, bundledTemplate, renderSample } from '../../app/documents/render.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const webDir = resolve(repoRoot, 'dist/web');
export const DEV_SESSION = 'dev-session-token';

type Mapping = Record<string, number[]>;
interface FakeState {
  status: 'active' | 'disconnected' | 'uninstalled';
  broken: boolean;
  installFailuresLeft: number;
  mapping: Mapping;
  process: Record<string, number | boolean | string>;
  failures: { id: number; kind: string; attempts: number; lastError: string | null; updatedAt: number }[];
  queue: { queued: number; running: number; failed: number; done: number };
  delayMs: number;
  calendar: { daysOff: string[]; workingDays: string[] };
  scans: number;
  /** The page was opened as a portal administrator (not `?admin=0`). */
  admin: boolean;
  /** The portal's own template versions (key → content and upload time). */
  templates: Partial<Record<TemplateKey, { content: Buffer; updatedAt: string }>>;
}

const roles = [
  { code: 'clerk', title: 'Делопроизводитель', multiple: true },
  { code: 'chairman', title: 'Председатель', multiple: false },
  { code: 'deputy', title: 'Заместитель председателя', multiple: true },
  { code: 'head', title: 'Руководитель отдела', multiple: true },
  { code: 'accountant', title: 'Бухгалтер', multiple: false },
] as const;

const users = [
  { id: 1, name: 'Ирина Смирнова', position: 'Администратор портала' },
  { id: 2, name: 'Алексей Петров', position: 'Председатель профкома' },
  { id: 3, name: 'Мария Кузнецова', position: 'Заместитель председателя' },
  { id: 4, name: 'Дмитрий Волков', position: 'Заместитель председателя' },
  { id: 5, name: 'Елена Соколова', position: 'Делопроизводитель' },
  { id: 6, name: 'Ольга Новикова', position: 'Главный бухгалтер' },
  { id: 7, name: 'Сергей Морозов', position: 'Руководитель организационного отдела' },
  { id: 8, name: 'Татьяна Лебедева', position: 'Руководитель правового отдела' },
  { id: 9, name: 'Николай Фёдоров', position: null },
];

// The same keys as the real server's process settings (app/settings.ts PROCESS_SETTINGS).
const processSchema = [
  { key: 'timeZone', title: 'Часовой пояс портала', help: 'По нему считаются «сегодня» и просрочка.', type: 'select', options: ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Novosibirsk', 'Asia/Vladivostok'].map((v) => ({ value: v, label: v })) },
  { key: 'signingReminderDays', title: 'Напоминание о подписании через, дней', help: 'Сколько дней ждать подписанные документы до напоминания.', type: 'number', min: 1, max: 60 },
  { key: 'signingCloseDays', title: 'Закрыть заявление без документов через, дней', help: 'Считается от даты заявления.', type: 'number', min: 2, max: 180 },
  { key: 'signingDayKind', title: 'Как считать дни', help: 'Календарные или рабочие дни по производственному календарю.', type: 'select', options: [{ value: 'calendar', label: 'Календарные' }, { value: 'working', label: 'Рабочие' }] },
  { key: 'handleStagesByEvents', title: 'Выполнять действия стадий по событиям', help: 'Выключите, если действия стадий запускаются только роботами в дизайнере.', type: 'boolean' },
] as const;

const plan = () => ({
  upToDate: false,
  changes: [
    { action: 'create', kind: 'robot', key: 'generate-admission-documents', title: 'Сформировать документы для вступления' },
    { action: 'update', kind: 'event', key: 'ONCRMDEALUPDATE', title: 'Изменение сделки' },
    { action: 'create', kind: 'stage', key: 'admission:resolution', title: 'Стадия «Подготовка постановления»' },
    { action: 'delete', kind: 'placement', key: 'CRM_DEAL_DETAIL_TAB:old', title: 'Устаревшая вкладка сделки' },
    { action: 'create', kind: 'userField', key: 'UF_CRM_DU_STATUS', title: 'Статус членства' },
  ],
  conflicts: ['Стадия «Решение положительное» (C3:WON): тип стадии на портале другой, изменить его через REST нельзя'],
});

const stageActions = [
  { pipeline: 'Вступление в профсоюз', stage: 'NEW', stageTitle: 'Новое заявление', action: 'Проверить статус и дубли, сформировать 4 документа, отправить заявителю', robotCode: 'admission-new', robotTitle: 'Приём заявления' },
  { pipeline: 'Вступление в профсоюз', stage: 'SIGNING', stageTitle: 'Подписание документов', action: 'Проверить подписанные документы, напоминать и закрыть по сроку', robotCode: 'admission-signing', robotTitle: 'Контроль подписания' },
  { pipeline: 'Вступление в профсоюз', stage: 'RESOLUTION', stageTitle: 'Подготовка постановления', action: 'Создать постановление и сформировать документ', robotCode: 'admission-resolution', robotTitle: 'Постановление о приёме' },
  { pipeline: 'Вступление в профсоюз', stage: 'EMPLOYER', stageTitle: 'Передача работодателю', action: 'Уведомить бухгалтера о заявлении на удержание взносов', robotCode: 'admission-employer', robotTitle: 'Передача работодателю' },
  { pipeline: 'Вступление в профсоюз', stage: 'WON', stageTitle: 'Решение положительное', action: 'Сообщить заявителю, сделать контакт членом профсоюза', robotCode: 'admission-approved', robotTitle: 'Приём в члены профсоюза' },
  { pipeline: 'Вступление в профсоюз', stage: 'LOSE', stageTitle: 'Решение отрицательное', action: 'Сообщить заявителю решение с причиной отказа', robotCode: 'admission-rejected', robotTitle: 'Отказ в приёме' },
];

function initialState(q: Record<string, unknown>): FakeState {
  const broken = q.broken === '1';
  const now = Date.now();
  return {
    status: q.status === 'disconnected' || q.status === 'uninstalled' ? q.status : 'active',
    broken,
    installFailuresLeft: q.installFail === '1' ? 1 : 0,
    mapping: { clerk: [5], chairman: [2], deputy: [3], head: [], accountant: [] },
    process: { timeZone: 'Europe/Moscow', signingReminderDays: 10, signingCloseDays: 40, signingDayKind: 'calendar', handleStagesByEvents: true },
    failures: broken
      ? [
          { id: 812, kind: 'admission-new', attempts: 5, lastError: 'Портал вернул ошибку: ACCESS_DENIED — нет прав на добавление контакта', updatedAt: now - 3_600_000 },
          { id: 815, kind: 'event:ONCRMDEALUPDATE', attempts: 3, lastError: 'Превышен лимит запросов к порталу (QUERY_LIMIT_EXCEEDED)', updatedAt: now - 600_000 },
        ]
      : [],
    queue: broken ? { queued: 4, running: 1, failed: 2, done: 1287 } : { queued: 0, running: 0, failed: 0, done: 1287 },
    delayMs: Number(q.delay ?? 150) || 0,
    calendar: { daysOff: ['2026-09-21'], workingDays: [] },
    scans: 0,
    admin: q.admin !== '0',
    templates: { resolution: { content: readFileSync(resolve(repoRoot, 'templates/resolution.docx')), updatedAt: '2026-03-12T10:15:00+03:00' } },
  };
}

// Mirrors app/domain/calendar/overrides.ts calendarOverridesSchema (field paths and messages).
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isIsoDate(v: unknown): v is string {
  const m = typeof v === 'string' ? ISO_DATE.exec(v) : null;
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && y <= 2999 && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}
const ruDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
function checkOverrides(o: unknown): { value?: { daysOff: string[]; workingDays: string[] }; details: { field: string; message: string }[] } {
  const details: { field: string; message: string }[] = [];
  const obj = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
  const lists = { daysOff: [] as string[], workingDays: [] as string[] };
  for (const key of ['daysOff', 'workingDays'] as const) {
    const v = obj[key] ?? [];
    if (!Array.isArray(v)) { details.push({ field: key, message: 'Ожидается список дат' }); continue; }
    if (v.length > 366) details.push({ field: key, message: 'Не больше 366 дат' });
    v.forEach((d, i) => (isIsoDate(d) ? lists[key].push(d) : details.push({ field: `${key}.${i}`, message: 'Дата в формате ГГГГ-ММ-ДД' })));
  }
  (Array.isArray(obj.workingDays) ? obj.workingDays : []).forEach((d, i) => {
    if (typeof d === 'string' && lists.daysOff.includes(d)) details.push({ field: `workingDays.${i}`, message: `${ruDate(d)} уже указан как нерабочий день` });
  });
  if (details.length) return { details };
  const tidy = (xs: string[]) => [...new Set(xs)].sort();
  return { value: { daysOff: tidy(lists.daysOff), workingDays: tidy(lists.workingDays) }, details };
}

function err(res: Response, status: number, code: string, message: string, hint: string, details?: { field: string; message: string }[]) {
  res.status(status).json({ error: code, message, hint, ...(details ? { details } : {}) });
}

export interface PreviewServer {
  url: string;
  state: () => FakeState;
  close: () => Promise<void>;
}

export async function startPreviewServer(port = 0): Promise<PreviewServer> {
  let state = initialState({});
  const app = express();
  app.use(express.json({ limit: '8mb' }));
  app.use('/static', express.static(webDir, { index: false }));

  const renderPage = (page: 'settings' | 'install') => (req: Request, res: Response) => {
    const q = req.query as Record<string, string>;
    state = initialState(q);
    const boot = {
      session: DEV_SESSION,
      page,
      placement: String(req.params.name ?? 'DEFAULT'),
      options: {},
      user: q.admin === '0'
        ? { id: 5, name: 'Елена Соколова', isAdmin: false, roles: ['clerk'] }
        : { id: 1, name: 'Ирина Смирнова', isAdmin: true, roles: [] },
      portal: { domain: 'profsoyuz.bitrix24.ru' },
    };
    const html = readFileSync(resolve(webDir, 'settings.html'), 'utf8');
    const script = `<script>window.__DU_BOOT__=${JSON.stringify(boot).replace(/</g, '\\u003c')}</script>`;
    res.type('html').send(html.replace('<!--DU_BOOT-->', script));
  };
  app.all('/placements/:name', renderPage('settings'));
  app.all('/install', renderPage('install'));
  app.get('/', (_req, res) => res.redirect('/placements/DEFAULT'));
  // A stand-in for the portal shell: frames a page and records the messages it posts to its parent.
  app.get('/shell', (req, res) => {
    const src = typeof req.query.src === 'string' && req.query.src.startsWith('/') ? req.query.src : '/placements/DEFAULT';
    res.type('html').send(`<!doctype html><meta charset="utf-8"><title>shell</title>
<link rel="icon" href="data:,"><body style="margin:0;background:#eef2f4"><iframe id="app" src="${src.replace(/"/g, '&quot;')}" style="border:0;width:100%;height:100vh"></iframe>
<script>window.__messages=[];addEventListener('message',e=>{if(e.data&&e.data.source==='digital-union'){window.__messages.push(e.data);
if(e.data.command==='fitWindow'){document.getElementById('app').style.height=Math.max(e.data.height,200)+'px'}}})</script>`);
  });

  // ── fake API ──
  app.use('/api', async (req, res, next) => {
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (req.get('X-DU-Session') !== DEV_SESSION) {
      return err(res, 401, 'INVALID_SESSION', 'Сессия не найдена', 'Сессия истекла. Откройте страницу приложения заново.');
    }
    next();
  });

  const overview = () => ({
    portal: {
      domain: 'profsoyuz.bitrix24.ru',
      status: state.status,
      statusReason: state.status === 'active' ? null : state.status === 'disconnected' ? 'Портал отклонил ключ доступа (invalid_grant) 12 марта в 09:14' : 'Приложение удалено администратором портала',
      installedAt: Date.UTC(2025, 2, 5, 11, 7),
      appVersion: '0.1.0',
    },
    queue: state.queue,
    failures: state.failures,
    plan: state.broken ? plan() : { upToDate: true, changes: [], conflicts: [] },
    stageActions,
  });

  app.get('/api/settings/overview', (_req, res) => res.json(overview()));
  app.post('/api/settings/repair', (_req, res) => {
    if (state.status !== 'active') return err(res, 409, 'PORTAL_DISCONNECTED', 'Портал отключён', 'Связь с порталом потеряна: переустановите приложение.');
    const applied = state.broken ? plan().changes.length : 0;
    state.broken = false;
    res.json({ applied, plan: { upToDate: true, changes: [], conflicts: [] } });
  });
  app.post('/api/settings/requeue-failed', (_req, res) => {
    const requeued = state.failures.length;
    state.failures = [];
    state.queue = { ...state.queue, failed: 0, queued: state.queue.queued + requeued };
    res.json({ requeued });
  });

  const rolesBody = () => ({ roles, mapping: state.mapping, users });
  app.get('/api/settings/roles', (_req, res) => res.json(rolesBody()));
  app.put('/api/settings/roles', (req, res) => {
    const mapping = (req.body?.mapping ?? {}) as Mapping;
    const details: { field: string; message: string }[] = [];
    const known = new Set(users.map((u) => u.id));
    for (const r of roles) {
      const ids = mapping[r.code] ?? [];
      if (!Array.isArray(ids) || ids.some((id) => !known.has(id))) details.push({ field: `mapping.${r.code}`, message: 'Сотрудник не найден на портале' });
      else if (!r.multiple && ids.length > 1) details.push({ field: `mapping.${r.code}`, message: 'Для этой роли можно выбрать только одного сотрудника' });
    }
    if ((mapping.chairman ?? []).length === 0) details.push({ field: 'mapping.chairman', message: 'Укажите председателя' });
    if ((mapping.clerk ?? []).length === 0) details.push({ field: 'mapping.clerk', message: 'Укажите хотя бы одного делопроизводителя' });
    const chair = mapping.chairman?.[0];
    if (chair !== undefined && (mapping.deputy ?? []).includes(chair)) details.push({ field: 'mapping.deputy', message: 'Председатель не может быть своим заместителем' });
    if (details.length) return err(res, 400, 'VALIDATION_FAILED', 'Роли не сохранены', 'Проверьте заполнение полей.', details);
    state.mapping = Object.fromEntries(roles.map((r) => [r.code, mapping[r.code] ?? []]));
    res.json(rolesBody());
  });

  const processBody = () => ({ values: state.process, schema: processSchema });
  app.get('/api/settings/process', (_req, res) => res.json(processBody()));
  app.put('/api/settings/process', (req, res) => {
    const values = (req.body?.values ?? {}) as Record<string, unknown>;
    const details: { field: string; message: string }[] = [];
    for (const s of processSchema) {
      const v = values[s.key];
      if (s.type === 'number' && (typeof v !== 'number' || v < s.min || v > s.max)) details.push({ field: `values.${s.key}`, message: `Допустимо от ${s.min} до ${s.max}` });
      if (s.type === 'boolean' && typeof v !== 'boolean') details.push({ field: `values.${s.key}`, message: 'Ожидается «да» или «нет»' });
    }
    if (typeof values.signingReminderDays === 'number' && typeof values.signingCloseDays === 'number' && values.signingCloseDays <= values.signingReminderDays) {
      details.push({ field: 'values.signingCloseDays', message: 'Срок закрытия должен быть больше срока напоминания' });
    }
    if (details.length) return err(res, 400, 'VALIDATION_FAILED', 'Настройки не сохранены', 'Проверьте заполнение полей.', details);
    state.process = { ...state.process, ...(values as Record<string, number | boolean | string>) };
    res.json(processBody());
  });

  const calendarBody = () => ({ overrides: state.calendar, years: [2024, 2025, 2026, 2027] });
  app.get('/api/settings/calendar', (_req, res) => res.json(calendarBody()));
  app.put('/api/settings/calendar', (req, res) => {
    // 13.01.2026 as a day off is refused, to show how the server's per-date errors look.
    const refused = Array.isArray(req.body?.overrides?.daysOff) ? (req.body.overrides.daysOff as unknown[]).indexOf('2026-01-13') : -1;
    if (refused >= 0) return err(res, 400, 'VALIDATION_FAILED', 'Проверьте даты календаря.', 'Проверьте заполнение полей.', [{ field: `daysOff.${refused}`, message: 'Фейковый сервер не принимает эту дату' }]);
    const { value, details } = checkOverrides(req.body?.overrides);
    if (!value) return err(res, 400, 'VALIDATION_FAILED', 'Проверьте даты календаря.', 'Проверьте заполнение полей.', details);
    state.calendar = value;
    res.json(calendarBody());
  });

  app.post('/api/settings/scan-deadlines', (_req, res) => {
    state.scans += 1;
    res.json({ queued: true, job: 900 + state.scans });
  });

  const templatesBody = () => ({
    templates: TEMPLATE_KEYS.map((key) => {
      const own = state.templates[key];
      return { key, title: CATALOG[key].title, source: own ? 'portal' : 'bundled', ...(own ? { updatedAt: own.updatedAt } : {}), placeholders: placeholderHelp(key) };
    }),
    maxBytes: MAX_TEMPLATE_BYTES,
  });
  const templateKey = (req: Request, res: Response): TemplateKey | null => {
    const key = String(req.params.key);
    if (isTemplateKey(key)) return key;
    err(res, 404, 'NOT_FOUND', `Шаблона «${key}» нет`, 'Не найдено.');
    return null;
  };
  app.get('/api/settings/templates', (_req, res) => res.json(templatesBody()));
  app.get('/api/settings/templates/:key/file', async (req, res) => {
    const key = templateKey(req, res);
    if (!key) return;
    const own = state.templates[key];
    const name = `${CATALOG[key].title}${own ? ' (свой)' : ''}.docx`;
    res
      .type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
      .setHeader('content-disposition', `attachment; filename="${key}.docx"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .send(own?.content ?? (await bundledTemplate(key)));
  });
  app.put('/api/settings/templates/:key', async (req, res) => {
    const key = templateKey(req, res);
    if (!key) return;
    if (!state.admin) return err(res, 403, 'FORBIDDEN', 'Загружать свои шаблоны может только администратор портала.', 'Недостаточно прав для этого действия.');
    const content = Buffer.from(String(req.body?.contentBase64 ?? ''), 'base64');
    try {
      await renderSample(key, content, SAMPLE_DATA[key] as never);
    } catch (e) {
      if (e instanceof TemplateError) return res.status(400).json(e.toJSON());
      throw e;
    }
    state.templates[key] = { content, updatedAt: new Date().toISOString() };
    res.json(templatesBody());
  });
  app.delete('/api/settings/templates/:key', (req, res) => {
    const key = templateKey(req, res);
    if (!key) return;
    if (!state.admin) return err(res, 403, 'FORBIDDEN', 'Возвращать стандартные шаблоны может только администратор портала.', 'Недостаточно прав для этого действия.');
    const reset = !!state.templates[key];
    delete state.templates[key];
    res.json({ ...templatesBody(), reset });
  });

  const applyUrl = 'https://du.example.ru/apply/k3Xw9QpZr2LmTa7B';
  app.get('/api/apply-link', async (_req, res) => {
    const qrSvg = await QRCode.toString(applyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
    res.json({ url: applyUrl, qrSvg });
  });

  app.post('/api/install/run', async (_req, res) => {
    await new Promise((r) => setTimeout(r, 600));
    if (state.installFailuresLeft > 0) {
      state.installFailuresLeft -= 1;
      return err(res, 503, 'RATE_LIMITED', 'Портал ответил QUERY_LIMIT_EXCEEDED на batch', 'Портал временно ограничил число запросов.');
    }
    res.json({ applied: 23, plan: { upToDate: true, changes: [], conflicts: [] } });
  });

  app.use('/api', (_req, res) => err(res, 404, 'NOT_FOUND', 'Нет такого метода', 'Не найдено.'));

  const server: Server = await new Promise((ok) => {
    const s = app.listen(port, '127.0.0.1', () => ok(s));
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    state: () => state,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 5174);
  const srv = await startPreviewServer(port);
  process.stdout.write(`preview: ${srv.url}/placements/DEFAULT  (install screen: ${srv.url}/install)\n`);
}
