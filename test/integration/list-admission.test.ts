/**
 * Admission by list against the sandbox portal: preview with in-file and portal duplicates,
 * a 1,000-row run with its REST request count against the batching minimum, retries that do not
 * duplicate (a lost batch answer, and a run that fails half-way and resumes from the portal's
 * disk), roles, and no personal data in SQLite.
 * Needs the built frontend (dist/web) for the frame POST that opens a session: `npm test` builds it.
 */
import { readFileSync, existsSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNameKeys, findDuplicates } from '../../app/crm/duplicates.js';
import { nameKeyOf } from '../../app/domain/membership/names.js';
import { RestError } from '../../app/errors.js';
import { runPlan, ORIGINATOR_ID } from '../../app/membership/list-admission/run.js';
import { forgetMemory } from '../../app/membership/list-admission/storage.js';
import type { Plan, Preview, RunState } from '../../app/membership/list-admission/types.js';
import { mapKeys } from '../../app/registry/names.js';
import type { RestClient } from '../../app/rest/types.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

const ADMIN = 1;
const CLERK = 2;
const CHAIRMAN = 3;
const EMPLOYEE = 8;

let stack: Stack;
let memberId: string;
let m: Record<string, string>;
const orgs: Record<string, number> = {};
const sessions = new Map<number, string>();
/** Every name, phone and e-mail that went through a list: none may end up in SQLite. */
const personalData = new Set<string>();

const contacts = () => Object.values(stack.sb.state.items['3'] ?? {});
const statusComments = (contactId: number) => stack.sb.state.timelineComments.filter((c) => Number(c.entityId) === contactId && c.comment.includes('#du-status'));

async function sessionOf(userId: number): Promise<string> {
  const cached = sessions.get(userId);
  if (cached) return cached;
  const frame = stack.sb.framePost({ userId, handler: `${stack.app.url}/placements/admission` });
  const res = await fetch(frame.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(frame.body).toString() });
  const html = await res.text();
  expect(res.status, html.slice(0, 300)).toBe(200);
  const boot = /window\.__DU_BOOT__=(\{.*?\})<\/script>/s.exec(html);
  expect(boot, 'the admission page carries its boot data').toBeTruthy();
  const session = (JSON.parse(boot![1]!) as { session: string }).session;
  sessions.set(userId, session);
  return session;
}

async function api<T>(userId: number, path: string, body?: unknown): Promise<{ status: number; json: T; text: string }> {
  const res = await fetch(`${stack.app.url}/api/admission${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'x-du-session': await sessionOf(userId), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: T = undefined as T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    // CSV
  }
  return { status: res.status, json, text };
}

async function upload(file: Buffer, fileName: string, userId = CLERK): Promise<Preview> {
  const res = await api<Preview>(userId, '/upload', { fileName, contentBase64: file.toString('base64') });
  expect(res.status, res.text.slice(0, 500)).toBe(200);
  return res.json;
}

async function waitForRun(runId: string, until: (r: RunState) => boolean = (r) => r.status === 'done' || r.status === 'failed', timeoutMs = 60_000): Promise<RunState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api<{ run: RunState }>(CLERK, `/progress/${runId}`);
    expect(res.status).toBe(200);
    if (until(res.json.run)) return res.json.run;
    if (Date.now() > deadline) throw new Error(`run ${runId} stuck: ${JSON.stringify(res.json.run)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** cp1251 for the Cyrillic alphabet, as Russian Excel writes CSV. */
function cp1251(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c >= 0x410 && c <= 0x44f) out.push(c - 0x410 + 0xc0);
    else if (c === 0x401) out.push(0xa8);
    else if (c === 0x451) out.push(0xb8);
    else if (c === 0x2116) out.push(0xb9);
    else if (c === 0xab || c === 0xbb) out.push(c);
    else throw new Error(`no cp1251 for ${ch}`);
  }
  return Buffer.from(out);
}

async function addCompany(title: string, type: string, parent?: number): Promise<number> {
  const fields: Record<string, unknown> = { TITLE: title, ASSIGNED_BY_ID: CHAIRMAN, [m[mapKeys.field('company.orgType')]!]: m[mapKeys.enumItem('company.orgType', type)] };
  if (parent) fields[m[mapKeys.field('company.parentOrg')]!] = parent;
  return Number(await stack.sb.callAs(ADMIN, 'crm.company.add', { fields }));
}

async function addContact(last: string, first: string, middle: string, extra: Record<string, unknown> = {}, withKey = true): Promise<number> {
  const fields: Record<string, unknown> = { LAST_NAME: last, NAME: first, SECOND_NAME: middle, ...extra };
  if (withKey) fields[m[mapKeys.field('contact.nameKey')]!] = nameKeyOf(last, first, middle);
  return Number(await stack.sb.callAs(ADMIN, 'crm.contact.add', { fields }));
}

/** 1,000+ distinct people with believable data. */
function people(n: number, seed = 0) {
  const last = ['Смирнова', 'Кузнецова', 'Попова', 'Васильева', 'Соколова', 'Михайлова', 'Новикова', 'Фёдорова', 'Морозова', 'Волкова', 'Алексеева', 'Лебедева', 'Семёнова', 'Егорова', 'Павлова', 'Козлова', 'Степанова', 'Николаева', 'Орлова', 'Андреева'];
  const first = ['Анна', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ирина', 'Светлана', 'Марина', 'Юлия', 'Людмила'];
  const middle = ['Александровна', 'Сергеевна', 'Владимировна', 'Андреевна', 'Николаевна', 'Игоревна', 'Викторовна', 'Петровна'];
  return Array.from({ length: n }, (_, k) => {
    const i = k + seed;
    const p = {
      last: `${last[i % 20]}${i >= 1600 ? '-Листова' : ''}`,
      first: first[Math.floor(i / 20) % 10]!,
      middle: middle[Math.floor(i / 200) % 8]!,
      birth: `${String((i % 28) + 1).padStart(2, '0')}.${String((i % 12) + 1).padStart(2, '0')}.${1960 + (i % 40)}`,
      phone: `+7 (9${String(10 + (i % 90))}) ${String(100 + (i % 900)).padStart(3, '0')}-${String(i % 100).padStart(2, '0')}-${String(Math.floor(i / 100) % 100).padStart(2, '0')}`,
      email: `member${i}@trud-example.ru`,
      org: i % 2 ? 'Цех № 1' : 'Цех № 2',
    };
    personalData.add(p.last);
    personalData.add(p.email);
    personalData.add(p.phone.replace(/\D/g, '').slice(1));
    return p;
  });
}

beforeAll(async () => {
  stack = await startStack();
  memberId = stack.sb.memberId;
  await stack.sb.installApp();
  await settle(stack);
  m = await stack.app.store.getMap(memberId);
  await stack.app.store.setSetting(memberId, 'roles', { clerk: [CLERK], chairman: [CHAIRMAN], deputy: [], head: [], accountant: [] });
  orgs.to = await addCompany('Территориальная организация профсоюза', 'territorial');
  orgs.ppo = await addCompany('ППО АО «Завод»', 'primary', orgs.to);
  orgs.ceh1 = await addCompany('Цех № 1', 'workshop', orgs.ppo);
  orgs.ceh2 = await addCompany('Цех № 2', 'workshop', orgs.ppo);
  // A company that is not a union organisation must not match.
  await stack.sb.callAs(ADMIN, 'crm.company.add', { fields: { TITLE: 'Горводоканал' } });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('admission by list', () => {
  let ivanovaId: number;
  let petrovId: number;

  it('previews a cp1251 «;» CSV: row errors, duplicates in the file and in the portal with hints', async () => {
    ivanovaId = await addContact('Иванова', 'Мария', 'Петровна', {
      BIRTHDATE: '1985-03-12',
      PHONE: [{ VALUE: '+7 912 000-00-01', VALUE_TYPE: 'MOBILE' }],
      EMAIL: [{ VALUE: 'ivanova@trud-example.ru', VALUE_TYPE: 'WORK' }],
      COMPANY_ID: orgs.ceh1,
      [m[mapKeys.field('contact.status')]!]: m[mapKeys.enumItem('contact.status', 'member')],
      [m[mapKeys.field('contact.statusDate')]!]: '2020-01-15',
    });
    petrovId = await addContact('Петров', 'Пётр', 'Петрович', { BIRTHDATE: '1970-01-01' });
    const csv = [
      'Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Организация;Должность;Дата вступления',
      'ИВАНОВА;Мария;Петровна;12.03.1985;8 (912) 000-00-01;;цех №1;Мастер;',
      'Петров;Петр;Петрович;02.02.1980;;;Цех № 2;;',
      'Новикова;Ольга;;01.01.1990;;;Цех № 1;Токарь;',
      'Новикова;Ольга;;01.01.1990;;olga.n@trud-example.ru;Цех № 1;;',
      'Смирнов;Игорь;;;;;Горводоканал;;',
      ';Пётр;;;+7 999;;Цех № 1;;',
      'Белова-Чернова;Вера;Ивановна;05.05.1975;;;ППО АО "Завод";;01.03.2024',
    ].join('\r\n');
    for (const s of ['Иванова', 'Новикова', 'Смирнов', 'Белова', 'olga.n@trud-example.ru', '9120000001']) personalData.add(s);

    await sessionOf(CLERK);
    await settle(stack);
    stack.sb.resetStats();
    const preview = await upload(cp1251(csv), 'список.csv');
    // the organisations and one duplicate search
    expect(stack.sb.stats.requests, JSON.stringify(stack.sb.stats.methods)).toBeLessThanOrEqual(2);
    expect(preview.readAs).toContain('Windows-1251');
    expect(preview.counts).toEqual({ ok: 2, error: 2, duplicate: 3 });
    const row = (n: number) => preview.rows.find((r) => r.row === n)!;

    expect(row(2).status).toBe('duplicate');
    expect(row(2).candidates).toHaveLength(1);
    expect(row(2).candidates[0]).toMatchObject({ contactId: ivanovaId, status: 'member', statusDate: '2020-01-15', hints: { birthDate: true, phone: true, email: false }, hintText: 'совпадает ФИО, дата рождения и телефон', companyTitle: 'Цех № 1' });
    expect(row(2).organisationId).toBe(orgs.ceh1);
    expect(row(3).candidates[0]).toMatchObject({ contactId: petrovId, status: null, hints: { birthDate: false, phone: false, email: false }, hintText: 'совпадает только ФИО' });
    expect(row(4).status).toBe('ok');
    expect(row(5)).toMatchObject({ status: 'duplicate', inFile: { row: 4, hintText: 'совпадает ФИО и дата рождения' }, candidates: [] });
    expect(row(6).status).toBe('error');
    expect(row(6).errors[0]!.message).toMatch(/Организация «Горводоканал» не найдена/);
    expect(row(7).errors.map((e) => e.column)).toEqual(['Фамилия', 'Телефон']);
    expect(row(8)).toMatchObject({ status: 'ok', organisationId: orgs.ppo, joinDate: '2024-03-01' });

    // The preview can be fetched again by its id.
    const again = await api<Preview>(CLERK, `/preview/${preview.uploadId}`);
    expect(again.json.counts).toEqual(preview.counts);

    // Execute with choices: Иванова gets her status updated, Петров (a namesake) admitted as new, the second Новикова skipped.
    const before = contacts().length;
    const choices = { '2': { action: 'update', contactId: ivanovaId }, '3': { action: 'new' } };
    // A double click: two «run» requests for one upload at once make one run.
    const [res, twice] = await Promise.all([
      api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'members', date: '2025-01-10', useFileDates: true, duplicateDefault: 'skip', rows: choices }),
      api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'members', date: '2025-01-10', useFileDates: true, duplicateDefault: 'skip', rows: choices }),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.json.run).toMatchObject({ total: 7, toWrite: 4, skipped: 1, errors: 2 });
    expect(twice.json.run.runId).toBe(res.json.run.runId);
    // And again later: still the same run.
    const thrice = await api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'members', date: '2025-01-10', duplicateDefault: 'new', rows: {} });
    expect(thrice.json.run.runId).toBe(res.json.run.runId);

    const run = await waitForRun(res.json.run.runId);
    expect(run).toMatchObject({ status: 'done', created: 3, updated: 1, skipped: 1, errors: 2, failed: 0, processed: 4 });
    expect(contacts().length).toBe(before + 3);
    const created = contacts().filter((c) => String(c.data['originId'] ?? '').startsWith(`list:${run.runId}:`));
    expect(created).toHaveLength(3);
    const belova = created.find((c) => c.data['lastName'] === 'Белова-Чернова')!;
    expect(belova.data[m[mapKeys.field('contact.nameKey')]!]).toBe('белова чернова вера ивановна');
    expect(belova.data['companyId']).toBe(orgs.ppo);
    expect(String(belova.data[m[mapKeys.field('contact.joinedAt')]!])).toMatch(/^2024-03-01/);
    expect(String(belova.data[m[mapKeys.field('contact.status')]!])).toBe(m[mapKeys.enumItem('contact.status', 'member')]);
    for (const c of created) expect(statusComments(c.id)).toHaveLength(1);
    const ivanova = stack.sb.state.items['3']![String(ivanovaId)]!;
    expect(String(ivanova.data[m[mapKeys.field('contact.statusDate')]!])).toMatch(/^2025-01-10/);
    expect(statusComments(ivanovaId)).toHaveLength(1);
    expect(statusComments(ivanovaId)[0]!.comment).toContain('source=list');

    const report = await api<unknown>(CLERK, `/report/${run.runId}`);
    expect(report.status).toBe(200);
    // (fetch's text() drops the BOM; the bytes start with it)
    expect(report.text.startsWith('Строка;ФИО;Результат;ID контакта;ID сделки;Сообщение\r\n')).toBe(true);
    const raw = await fetch(`${stack.app.url}/api/admission/report/${run.runId}`, { headers: { 'x-du-session': await sessionOf(CLERK) } });
    expect(raw.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(report.text).toContain(`2;ИВАНОВА Мария Петровна;Статус обновлён;${ivanovaId};;`);
    expect(report.text).toMatch(/5;Новикова Ольга;Пропущен;;;Пропущен как возможный дубликат: повторяет строку 4/);
    expect(report.text).toMatch(/6;Смирнов Игорь;Ошибка в строке;;;Организация: Организация «Горводоканал» не найдена/);
  }, 90_000);

  it('admits 1,000 rows as members with status history, within the batching minimum plus a small constant', async () => {
    const list = people(1000);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Члены профсоюза');
    ws.addRow(['ФИО', 'Дата рождения', 'Телефон', 'E-mail', 'Организация', 'Должность']);
    for (const p of list) ws.addRow([`${p.last} ${p.first} ${p.middle}`, p.birth, p.phone, p.email, p.org, 'Оператор']);
    const preview = await upload(Buffer.from(await wb.xlsx.writeBuffer()), 'members-1000.xlsx');
    expect(preview.counts).toEqual({ ok: 1000, error: 0, duplicate: 0 });

    const commentsBefore = stack.sb.state.timelineComments.length;
    stack.sb.resetStats();
    const started = Date.now();
    const res = await api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'members', date: '2025-02-01', useFileDates: true, duplicateDefault: 'skip', rows: {} });
    expect(res.status, res.text).toBe(200);
    const run = await waitForRun(res.json.run.runId);
    const wallMs = Date.now() - started;
    expect(run).toMatchObject({ status: 'done', created: 1000, failed: 0 });
    // The portal sends ONCRMCONTACTADD for each new contact; the app's name-key handler must not
    // spend a request on contacts it has just written itself.
    await settle(stack);

    const created = contacts().filter((c) => String(c.data['originId'] ?? '').startsWith(`list:${run.runId}:`));
    expect(created).toHaveLength(1000);
    expect(new Set(created.map((c) => c.data[m[mapKeys.field('contact.nameKey')]!])).size).toBe(1000);
    const member = m[mapKeys.enumItem('contact.status', 'member')];
    expect(created.every((c) => String(c.data[m[mapKeys.field('contact.status')]!]) === member)).toBe(true);
    expect(created.every((c) => c.data['companyId'] === orgs.ceh1 || c.data['companyId'] === orgs.ceh2)).toBe(true);
    expect(created.every((c) => c.fm.some((f) => f.typeId === 'PHONE') && c.fm.some((f) => f.typeId === 'EMAIL'))).toBe(true);
    const ids = new Set(created.map((c) => c.id));
    const comments = stack.sb.state.timelineComments.slice(commentsBefore).filter((c) => ids.has(Number(c.entityId)) && c.comment.includes('#du-status'));
    expect(comments).toHaveLength(1000);
    expect(new Set(comments.map((c) => Number(c.entityId))).size).toBe(1000);

    // The minimum: every add and every history entry is one batch command, 50 commands per request.
    const adds = 1000;
    const statusWrites = 1000;
    const minimum = Math.ceil((adds + statusWrites) / 50);
    const actual = stack.sb.stats.requests;
    process.stdout.write(`list admission of 1,000 rows: ${actual} REST requests (batching minimum ${minimum}); ${JSON.stringify(stack.sb.stats.methods)}; ${wallMs} ms\n`);
    // + the plan upload to the portal's disk, the namesake re-check, the report upload
    // (the app storage folder was made by the first run, in the test above)
    expect(actual).toBeLessThanOrEqual(minimum + 3);
    expect(stack.sb.stats.methods['crm.contact.add']).toBe(1000);
    expect(stack.sb.stats.methods['crm.timeline.comment.add']).toBe(1000);
    // Nothing was listed wholesale: the only reads are the namesake re-check, 40 names a command.
    expect(stack.sb.stats.methods['crm.contact.list']).toBe(Math.ceil(1000 / 40));
  }, 120_000);

  it('finds duplicates for 1,000 names in one request, and backfills name keys of contacts made outside the app', async () => {
    const list = people(1000);
    const ctx = { rest: stack.app.pool.forPortal(memberId), map: m };
    await settle(stack);
    stack.sb.resetStats();
    const found = await findDuplicates(ctx, list.map((p) => ({ lastName: p.last, firstName: p.first, middleName: p.middle, birthDate: p.birth.split('.').reverse().join('-'), email: p.email })));
    expect(stack.sb.stats.requests, JSON.stringify(stack.sb.stats.methods)).toBe(1);
    expect(found.every((c) => c.length === 1 && c[0]!.hints.birthDate && c[0]!.hints.email && c[0]!.status === 'member')).toBe(true);

    // A contact made outside the app (staff, a web form) has no key. The worker is held so the
    // app's own ONCRMCONTACTADD handler (which calls ensureNameKeys) does not get there first.
    await stack.app.worker.stop();
    const outside = await addContact('Сидорова', 'Анна', 'Ивановна', {}, false);
    personalData.add('Сидорова');
    expect((await findDuplicates(ctx, [{ lastName: 'Сидорова', firstName: 'Анна', middleName: 'Ивановна' }]))[0]).toEqual([]);
    stack.sb.resetStats();
    expect(await ensureNameKeys(ctx, [outside, ivanovaId])).toEqual({ checked: 2, updated: 1 });
    expect(stack.sb.stats.requests).toBe(2); // one read, one update batch
    expect(stack.sb.state.items['3']![String(outside)]!.data[m[mapKeys.field('contact.nameKey')]!]).toBe('сидорова анна ивановна');
    expect((await findDuplicates(ctx, [{ lastName: 'сидорова', firstName: 'анна', middleName: 'ивановна' }]))[0]!.map((c) => c.contactId)).toEqual([outside]);
    stack.sb.resetStats();
    // The key is right now: nothing is written (the update's own event is answered without a request).
    expect((await ensureNameKeys(ctx, [outside, ivanovaId])).updated).toBe(0);
    expect(stack.sb.stats.mutations).toBe(0);
    await stack.app.worker.start();
    await settle(stack);
  }, 90_000);

  it('does not duplicate when a batch answer is lost after the portal executed it', async () => {
    const list = people(120, 3000);
    const runId = 'lostanswer1';
    const plan: Plan = {
      version: 1,
      runId,
      memberId,
      mode: 'members',
      userId: CLERK,
      fileName: 'x.csv',
      createdAt: Date.now(),
      entries: list.map((p, i) => ({
        row: i + 2,
        action: 'create',
        name: `${p.last} ${p.first} ${p.middle}`,
        date: '2025-03-01',
        companyId: orgs.ceh1,
        person: { lastName: p.last, firstName: p.first, middleName: p.middle, birthDate: null, phone: null, email: p.email, position: '', nameKey: nameKeyOf(p.last, p.first, p.middle) },
      })),
    };
    const real = stack.app.pool.forPortal(memberId);
    let batches = 0;
    // Batch 1 is the namesake re-check; the fourth (third of writes) reaches the portal and runs,
    // but its answer never comes back.
    const flaky: RestClient = Object.assign(Object.create(real) as RestClient, {
      batch: async (commands: Parameters<RestClient['batch']>[0]) => {
        const out = await real.batch(commands);
        batches += 1;
        if (batches === 4) throw new RestError('batch', 'NETWORK_ERROR', 'socket hang up', 0);
        return out;
      },
    });
    const logger = stack.app.logger;
    await expect(runPlan({ rest: flaky, map: m, logger }, plan, { attempt: 1 })).rejects.toThrow(/socket hang up/);
    const mine = () => contacts().filter((c) => String(c.data['originId'] ?? '').startsWith(`list:${runId}:`));
    expect(mine()).toHaveLength(75); // three batches of 25 people ran
    await settle(stack);

    stack.sb.resetStats();
    // As in the queue, where the run holds the portal's only job slot: event jobs wait until it ends.
    await stack.app.worker.stop();
    const results = await runPlan({ rest: real, map: m, logger }, plan, { attempt: 2 });
    await stack.app.worker.start();
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(120);
    expect(mine()).toHaveLength(120);
    for (const c of mine()) expect(statusComments(c.id)).toHaveLength(1);
    expect(mine().every((c) => c.data['originatorId'] === ORIGINATOR_ID)).toBe(true);
    // the namesake re-check + one ORIGIN_ID lookup + ceil(45 × 2 / 50) batches; the new contacts'
    // ONCRMCONTACTADD events cost nothing
    await settle(stack);
    expect(stack.sb.stats.requests, JSON.stringify(stack.sb.stats.methods)).toBe(2 + Math.ceil((45 * 2) / 50));
  }, 90_000);

  it('resumes a run that failed half-way from the plan in the portal\'s disk, without duplicates', async () => {
    const list = people(300, 5000);
    const csv = ['ФИО;Организация;E-mail', ...list.map((p) => `${p.last} ${p.first} ${p.middle};${p.org};${p.email}`)].join('\n');
    const preview = await upload(Buffer.from(csv, 'utf8'), 'resume.csv');
    expect(preview.counts.ok).toBe(300);

    stack.sb.faults = { delayMs: 15 };
    const start = stack.sb.stats.requests;
    const res = await api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'members', date: '2025-04-01', duplicateDefault: 'skip', rows: {} });
    const runId = res.json.run.runId;
    // After a few batches the portal starts failing every request (500 before executing).
    const deadline = Date.now() + 20_000;
    while (stack.sb.stats.requests < start + 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    stack.sb.faults = { error500Ratio: 1 };
    const broken = await waitForRun(runId, (r) => r.status === 'retrying' || r.status === 'failed' || r.status === 'done');
    expect(broken.status).toBe('retrying');
    expect(broken.processed).toBeGreaterThan(0);
    expect(broken.processed).toBeLessThan(300);
    // The process "restarts": nothing survives in memory, the plan must come from the portal's disk.
    forgetMemory();
    stack.sb.resetStats();
    stack.sb.faults = {};
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'done', created: 300, failed: 0 });
    expect(run.attempts).toBeGreaterThanOrEqual(2);
    expect(stack.sb.stats.methods['disk.file.get']).toBe(1);
    const mine = contacts().filter((c) => String(c.data['originId'] ?? '').startsWith(`list:${runId}:`));
    expect(mine).toHaveLength(300);
    for (const c of mine) expect(statusComments(c.id)).toHaveLength(1);
    // The report is rebuilt in full after the restart.
    const report = await api<unknown>(CLERK, `/report/${runId}`);
    expect(report.text.trim().split('\r\n')).toHaveLength(301);
  }, 60_000);

  it('skips rows admitted meanwhile when the same list is run twice from two previews', async () => {
    const csv = ['ФИО;Организация', 'Дублева Нина Ивановна;Цех № 1', 'Повторов Олег Ильич;Цех № 2'].join('\n');
    personalData.add('Дублева');
    personalData.add('Повторов');
    const first = await upload(Buffer.from(csv, 'utf8'), 'twice.csv');
    const second = await upload(Buffer.from(csv, 'utf8'), 'twice.csv', CHAIRMAN);
    expect(second.counts.ok).toBe(2);
    const options = { mode: 'members', date: '2025-05-01', duplicateDefault: 'skip', rows: {} };
    const a = await api<{ run: RunState }>(CLERK, '/execute', { uploadId: first.uploadId, ...options });
    const b = await api<{ run: RunState }>(CHAIRMAN, '/execute', { uploadId: second.uploadId, ...options });
    const runA = await waitForRun(a.json.run.runId);
    const runB = await waitForRun(b.json.run.runId);
    expect(runA).toMatchObject({ status: 'done', created: 2 });
    expect(runB).toMatchObject({ status: 'done', created: 0, skipped: 2 });
    expect(contacts().filter((c) => c.data['lastName'] === 'Дублева')).toHaveLength(1);
    const report = await api<unknown>(CHAIRMAN, `/report/${runB.runId}`);
    expect(report.text).toMatch(/2;Дублева Нина Ивановна;Пропущен;;;Пропущен: после проверки списка на портале появился контакт с таким же ФИО \(№\d+\)/);
  }, 90_000);

  it('creates applications: deals at «Новое заявление» with their contacts, or for an existing contact', async () => {
    const csv = ['ФИО;Организация', 'Заявкина Дарья Олеговна;Цех № 2', 'Петров Пётр Петрович;Цех № 1'].join('\n');
    personalData.add('Заявкина');
    const preview = await upload(Buffer.from(csv, 'utf8'), 'apps.csv');
    expect(preview.counts).toEqual({ ok: 1, error: 0, duplicate: 1 });
    const res = await api<{ run: RunState }>(CLERK, '/execute', { uploadId: preview.uploadId, mode: 'applications', date: '2025-05-05', duplicateDefault: 'skip', rows: { '3': { action: 'update', contactId: petrovId } } });
    const run = await waitForRun(res.json.run.runId);
    expect(run).toMatchObject({ status: 'done', created: 1, updated: 1 });
    const deals = Object.values(stack.sb.state.items['2'] ?? {}).filter((d) => String(d.data['originId'] ?? '').startsWith(`list:${run.runId}:`));
    expect(deals).toHaveLength(2);
    const stageNew = m[mapKeys.stage('membership', 'NEW')];
    expect(deals.every((d) => d.data['stageId'] === stageNew && d.data['categoryId'] === Number(m[mapKeys.pipelineCategory('membership')]))).toBe(true);
    expect(deals.some((d) => d.data['contactId'] === petrovId && d.data['companyId'] === orgs.ceh1)).toBe(true);
    const newDeal = deals.find((d) => d.data['contactId'] !== petrovId)!;
    const newContact = stack.sb.state.items['3']![String(newDeal.data['contactId'])]!;
    expect(newContact.data['lastName']).toBe('Заявкина');
    expect(String(newDeal.data[m[mapKeys.field('deal.appliedAt')]!])).toMatch(/^2025-05-05/);
    await settle(stack);
  }, 90_000);

  it('refuses users without the clerk or chairman role (403), and lets the chairman and the admin in', async () => {
    const refused = await api<{ error: string; message: string }>(EMPLOYEE, '/upload', { fileName: 'a.csv', contentBase64: Buffer.from('ФИО;Организация\n', 'utf8').toString('base64') });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('FORBIDDEN');
    expect(refused.json.message).toMatch(/делопроизводителю, председателю/);
    expect((await api(EMPLOYEE, '/progress/whatever')).status).toBe(403);
    const noSession = await fetch(`${stack.app.url}/api/admission/progress/x`);
    expect(noSession.status).toBe(401);
    for (const user of [CHAIRMAN, ADMIN]) {
      const ok = await api<{ error: string }>(user, '/upload', { fileName: 'a.csv', contentBase64: Buffer.from('Иное;Другое\n1;2\n', 'utf8').toString('base64') });
      expect(ok.status).toBe(400); // in, and told what is wrong with the file
      expect(ok.json.error).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses files over 5 MB and explains a file without the needed columns', async () => {
    const big = await api<{ error: string }>(CLERK, '/upload', { fileName: 'big.csv', contentBase64: Buffer.alloc(5 * 1024 * 1024 + 10, 65).toString('base64') });
    expect(big.status).toBe(413);
    const noOrg = await api<{ error: string; message: string }>(CLERK, '/upload', { fileName: 'a.csv', contentBase64: Buffer.from('Фамилия;Имя\nИванов;Иван\n', 'utf8').toString('base64') });
    expect(noOrg.status).toBe(400);
    expect(noOrg.json.message).toMatch(/нет колонки «Организация»/);
  });

  it('keeps no names, phones or e-mails of the lists in SQLite (the db file and its WAL)', async () => {
    await settle(stack);
    const files = [stack.config.dbPath, `${stack.config.dbPath}-wal`].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    const found = [...personalData].filter((s) => s.length >= 5 && bytes.includes(Buffer.from(s, 'utf8')));
    expect(found).toEqual([]);
    // What is there: progress as counts.
    expect(bytes.includes(Buffer.from('admission.run.', 'utf8'))).toBe(true);
  }, 90_000);
});
