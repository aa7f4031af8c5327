/**
 * The contact card tab "Член профсоюза" against the sandbox portal: the page opened by the portal's
 * frame POST, the tab's API (status, history, organisation path, documents), status changes by
 * staff with and without the role, bad input, and the file proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKeys } from '../../app/registry/names.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

const ADMIN = 1;
const CLERK = 2; // Ирина Протоколова
const CHAIRMAN = 3; // Виктор Председателев
const EMPLOYEE = 8; // Сергей Слесарев, no role

let stack: Stack;
let m: Record<string, string>;
const org = { to: 0, ppo: 0, cpo: 0 };
let contactId = 0;
let otherContactId = 0;
let dealId = 0;
let resolutionId = 0;
const sessions = new Map<string, string>();

const f = (key: string) => m[mapKeys.field(key)]!;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const as = (userId: number, method: string, params: Record<string, unknown>) => stack.sb.callAs(userId, method, params) as Promise<any>;
const contact = (id: number) => as(ADMIN, 'crm.contact.get', { id }) as Promise<Record<string, any>>;
const markerComments = async (id: number) =>
  ((await as(ADMIN, 'crm.timeline.comment.list', { filter: { ENTITY_TYPE: 'contact', ENTITY_ID: id } })) as { COMMENT: string }[]).filter((c) => c.COMMENT.includes('#du-status'));

/** The page as the portal opens it: a frame POST with the viewer's token and the contact's id. */
async function openTab(userId: number, id: number | string) {
  const frame = stack.sb.framePost({ userId, placement: 'CRM_CONTACT_DETAIL_TAB', placementOptions: { ID: String(id) } });
  const res = await fetch(frame.url.replace(/^https?:\/\/[^/]+/, stack.app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(frame.body).toString(),
  });
  const html = await res.text();
  const boot = /window\.__DU_BOOT__=(.*?)<\/script>/s.exec(html);
  return { status: res.status, html, url: frame.url, boot: boot ? (JSON.parse(boot[1]!) as { session: string; page: string; placement: string; options: Record<string, string>; user: { id: number; roles: string[] } }) : null };
}

/** The session of the tab opened on a contact's card (sessions are bound to their card). */
async function session(userId: number, id = contactId): Promise<string> {
  const key = `${userId}:${id}`;
  if (!sessions.has(key)) sessions.set(key, (await openTab(userId, id)).boot!.session);
  return sessions.get(key)!;
}

async function api(userId: number | null, path: string, init: { method?: string; body?: unknown; tabOf?: number } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  const pathId = Number(/^\/api\/member\/(\d+)/.exec(path)?.[1]);
  if (userId !== null) headers['x-du-session'] = await session(userId, init.tabOf ?? (Number.isSafeInteger(pathId) && pathId > 0 ? pathId : contactId));
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.app.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

beforeAll(async () => {
  stack = await startStack();
  await stack.sb.installApp();
  await settle(stack);
  const memberId = stack.sb.memberId;
  m = await stack.app.store.getMap(memberId);
  await stack.app.store.setSetting(memberId, 'roles', { clerk: [CLERK], chairman: [CHAIRMAN] });
  // The documents below are put on the cards by hand; keep the stage actions out of the way.
  await stack.app.store.setSetting(memberId, 'process', { handleStagesByEvents: false });

  const orgType = (xml: string) => m[mapKeys.enumItem('company.orgType', xml)];
  org.to = Number(await as(ADMIN, 'crm.company.add', { fields: { TITLE: 'Энская ТО', [f('company.orgType')]: orgType('territorial') } }));
  org.ppo = Number(await as(ADMIN, 'crm.company.add', { fields: { TITLE: 'ППО АО «Энскэнерго»', [f('company.orgType')]: orgType('primary'), [f('company.parentOrg')]: org.to } }));
  org.cpo = Number(await as(ADMIN, 'crm.company.add', { fields: { TITLE: 'ЦПО ТЭЦ-1', [f('company.orgType')]: orgType('workshop'), [f('company.parentOrg')]: org.ppo } }));
  contactId = Number(await as(CLERK, 'crm.contact.add', { fields: { LAST_NAME: 'Карточкина', NAME: 'Вера', SECOND_NAME: 'Павловна', COMPANY_ID: org.cpo } }));
  otherContactId = Number(await as(CLERK, 'crm.contact.add', { fields: { LAST_NAME: 'Посторонний', NAME: 'Пётр', COMPANY_ID: org.ppo } }));

  const deal = await as(CLERK, 'crm.item.add', {
    entityTypeId: 2,
    useOriginalUfNames: 'Y',
    fields: {
      title: 'Заявление о вступлении: Карточкина',
      categoryId: Number(m[mapKeys.pipelineCategory('membership')]),
      stageId: m[mapKeys.stage('membership', 'EMPLOYER')],
      contactIds: [contactId],
      [f('deal.appliedAt')]: '2025-01-10',
      [f('deal.generatedDocs')]: ['заявление', 'согласие', 'распространение', 'взносы'].map((n, i) => [`${i + 1}. ${n}.docx`, b64(`generated ${i + 1}`)]),
      [f('deal.signedDocs')]: [['скан.pdf', b64('signed scan')]],
    },
  });
  dealId = Number(deal.item.id);
  const spa = Number(m[mapKeys.spaEntityType('resolutions')]);
  const resolution = await as(CLERK, 'crm.item.add', {
    entityTypeId: spa,
    useOriginalUfNames: 'Y',
    fields: {
      title: 'Постановление № 7',
      parentId2: dealId,
      contactIds: [contactId],
      companyId: org.ppo,
      [m[mapKeys.spaField('resolutions', 'number')]!]: '7',
      [m[mapKeys.spaField('resolutions', 'date')]!]: '2025-01-20',
      [m[mapKeys.spaField('resolutions', 'file')]!]: ['Постановление № 7.docx', b64('resolution seven')],
    },
  });
  resolutionId = Number(resolution.item.id);
  await settle(stack);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('the contact card tab "Член профсоюза"', () => {
  it('opens from the portal frame POST with the contact id and the viewer\'s roles', async () => {
    const tab = await openTab(CLERK, contactId);
    expect(tab.status).toBe(200);
    expect(tab.url).toMatch(/\/placements\/member\?/);
    expect(tab.html).toContain('/static/assets/member-');
    expect(tab.boot).toMatchObject({ page: 'member', placement: 'CRM_CONTACT_DETAIL_TAB', options: { ID: String(contactId) }, user: { id: CLERK, roles: ['clerk'] } });
    expect(JSON.stringify(tab.boot)).not.toContain(stack.sb.state.app.applicationToken ?? 'no-token');
  });

  it('before any change: no status, empty history, the organisation path, the documents', async () => {
    const { status, body } = await api(CLERK, `/api/member/${contactId}`);
    expect(status).toBe(200);
    expect(body.status).toBeNull();
    expect(body.history).toEqual([]);
    expect(body.organisations.map((o: { title: string }) => o.title)).toEqual(['Энская ТО', 'ППО АО «Энскэнерго»', 'ЦПО ТЭЦ-1']);
    expect(body.organisations.map((o: { orgType: string }) => o.orgType)).toEqual(['territorial', 'primary', 'workshop']);
    expect(body.deals).toHaveLength(1);
    expect(body.deals[0]).toMatchObject({ id: dealId, stageTitle: 'Передача работодателю', stageSemantics: 'process', appliedAt: '2025-01-10' });
    expect(body.deals[0].generated.map((x: { title: string }) => x.title)).toEqual(['Заявление о вступлении в профсоюз', 'Согласие на обработку ПДн', 'Согласие на распространение ПДн', 'Заявление об удержании взносов']);
    expect(body.deals[0].signed).toHaveLength(1);
    expect(body.resolutions).toEqual([expect.objectContaining({ id: resolutionId, number: '7', date: '2025-01-20', dealId, file: expect.objectContaining({ title: 'Постановление № 7' }) })]);
    expect(body.permissions).toEqual({ canEdit: true, reason: null });
    expect(body.warnings).toEqual([]);
    // Nothing from the portal's file links (they carry a token) reaches the browser.
    expect(JSON.stringify(body)).not.toMatch(/urlMachine|auth=|token=/);
  });

  it('a clerk changes the status: the contact field and exactly one history entry in the portal', async () => {
    const before = (await markerComments(contactId)).length;
    const { status, body } = await api(CLERK, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'member', from: '2025-01-15' } });
    expect(status).toBe(200);
    expect(body.changed).toBe(true);
    const c = await contact(contactId);
    expect(String(c[f('contact.status')])).toBe(m[mapKeys.enumItem('contact.status', 'member')]);
    expect(String(c[f('contact.statusDate')]).slice(0, 10)).toBe('2025-01-15');
    expect(String(c[f('contact.joinedAt')]).slice(0, 10)).toBe('2025-01-15');
    const comments = await markerComments(contactId);
    expect(comments).toHaveLength(before + 1);
    expect(comments[0]!.COMMENT).toContain(`#du-status status=member from=2025-01-15 source=card by=${CLERK}`);
    expect(body.view.status).toMatchObject({ code: 'member', from: '2025-01-15' });
    expect(body.view.history).toHaveLength(1);

    // The same change again is not a second entry.
    const again = await api(CLERK, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'member', from: '2025-01-15' } });
    expect(again.body.changed).toBe(false);
    expect(await markerComments(contactId)).toHaveLength(before + 1);
  });

  it('the chairman suspends until a date; GET shows status, history newest first with source and who, in two REST requests', async () => {
    const post = await api(CHAIRMAN, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'suspended', from: '2025-03-01', until: '2025-06-30', reason: '' } });
    expect(post.status).toBe(200);
    await settle(stack);

    const rest = stack.app.pool.forPortal(stack.sb.memberId);
    rest.resetCounts();
    const { status, body } = await api(CLERK, `/api/member/${contactId}`);
    expect(status).toBe(200);
    expect(rest.counts().requests).toBeLessThanOrEqual(2);

    expect(body.status).toEqual({ code: 'suspended', title: 'Временно снят с учёта', from: '2025-03-01', until: '2025-06-30', reason: null, reasonTitle: null });
    expect(body.joinedAt).toBe('2025-01-15');
    expect(body.statusNote).toBeNull();
    expect(body.history.map((h: { status: string; from: string }) => [h.status, h.from])).toEqual([['suspended', '2025-03-01'], ['member', '2025-01-15']]);
    expect(body.history[0]).toMatchObject({ until: '2025-06-30', source: 'card', sourceTitle: 'Карточка контакта', by: { id: CHAIRMAN, name: 'Виктор Председателев' } });
    expect(body.history[1]).toMatchObject({ by: { id: CLERK, name: 'Ирина Протоколова' } });
    expect(body.history[0].recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('deregistration needs a reason; with it, the reason is shown', async () => {
    const bad = await api(CLERK, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'deregistered', from: '2025-04-01' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'reason', message: 'Для снятия с учёта укажите причину.' }] });
    const ok = await api(CLERK, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'deregistered', from: '2025-04-01', reason: 'dismissal' } });
    expect(ok.status).toBe(200);
    expect(ok.body.view.status).toMatchObject({ code: 'deregistered', reason: 'dismissal', reasonTitle: 'Увольнение или выход на пенсию', until: null });
    expect(ok.body.view.history).toHaveLength(3);
  });

  it('a user without the role sees everything read-only and cannot write (403, nothing changed)', async () => {
    const view = await api(EMPLOYEE, `/api/member/${contactId}`);
    expect(view.status).toBe(200);
    expect(view.body.permissions.canEdit).toBe(false);
    expect(view.body.permissions.reason).toMatch(/делопроизводитель, председатель/);
    expect(view.body.history).toHaveLength(3);

    const before = await contact(contactId);
    const comments = (await markerComments(contactId)).length;
    const res = await api(EMPLOYEE, `/api/member/${contactId}/status`, { method: 'POST', body: { status: 'member', from: '2025-05-01' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'FORBIDDEN' });
    expect(res.body.message).toMatch(/Недостаточно прав/);
    expect(await contact(contactId)).toEqual(before);
    expect(await markerComments(contactId)).toHaveLength(comments);
  });

  it('a portal admin without a role may write', async () => {
    const view = await api(ADMIN, `/api/member/${contactId}`);
    expect(view.body.permissions.canEdit).toBe(true);
  });

  it('bad input: 400 with field errors in Russian, nothing written', async () => {
    const comments = (await markerComments(contactId)).length;
    const post = (body: unknown) => api(CLERK, `/api/member/${contactId}/status`, { method: 'POST', body });
    const cases: [unknown, string][] = [
      [{ status: 'boss', from: '2025-01-01' }, 'status'],
      [{ from: '2025-01-01' }, 'status'],
      [{ status: 'member', from: '15.01.2025' }, 'from'],
      [{ status: 'member', from: '2025-02-30' }, 'from'],
      [{ status: 'member', from: '2999-01-01' }, 'from'],
      [{ status: 'suspended', from: '2025-03-01', until: '2025-02-01' }, 'until'],
      [{ status: 'member', from: '2025-03-01', until: '2025-04-01' }, 'until'],
      [{ status: 'member', from: '2025-03-01', reason: 'death' }, 'reason'],
      [{ status: 'deregistered', from: '2025-03-01', reason: 'moon' }, 'reason'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field), JSON.stringify(body)).toContain(field);
      for (const d of res.body.details as { message: string }[]) expect(d.message).toMatch(/[А-Яа-яЁё]/);
    }
    expect(await markerComments(contactId)).toHaveLength(comments);

    for (const id of ['abc', '0', '-5', '1.5', '99999999999']) {
      const res = await api(CLERK, `/api/member/${id}`);
      expect(res.status, id).toBe(400);
      expect(res.body.error).toBe('BAD_REQUEST');
    }
    expect((await api(CLERK, '/api/member/987654')).status).toBe(404);
    expect((await api(null, `/api/member/${contactId}`)).status).toBe(401);
  });

  it('files stream through our server and only for the contact they belong to', async () => {
    const view = (await api(CLERK, `/api/member/${contactId}`)).body;
    const generated = view.deals[0].generated[1];
    const got = await api(CLERK, generated.href);
    expect(got.status).toBe(200);
    expect(got.body).toBe('generated 2');
    expect(got.headers.get('content-disposition')).toContain(encodeURIComponent('2. согласие.docx'));
    expect(got.headers.get('cache-control')).toBe('private, no-store');
    const resolution = await api(EMPLOYEE, view.resolutions[0].file.href);
    expect(resolution.status).toBe(200);
    expect(resolution.body).toBe('resolution seven');

    // The same file asked for through another contact, a wrong file id, a field that is no file list.
    const foreign = await api(CLERK, generated.href.replace(`/api/member/${contactId}/`, `/api/member/${otherContactId}/`));
    expect(foreign.status).toBe(404);
    // A tab opened on one card cannot be pointed at another.
    const elsewhere = await api(CLERK, `/api/member/${otherContactId}`, { tabOf: contactId });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error).toBe('FORBIDDEN');
    expect((await api(CLERK, generated.href.replace(/file=\d+/, 'file=1'))).status).toBe(404);
    expect((await api(CLERK, generated.href.replace('field=generated', 'field=file'))).status).toBe(404);
    expect((await api(CLERK, `/api/member/${contactId}/file?kind=deal&item=x&field=generated&file=1`)).status).toBe(400);
  });

  it('a status changed by hand in the card (no history entry) is pointed out', async () => {
    await as(ADMIN, 'crm.contact.update', { id: contactId, fields: { [f('contact.status')]: m[mapKeys.enumItem('contact.status', 'member')], [f('contact.statusDate')]: '2025-05-05' } });
    const { body } = await api(CLERK, `/api/member/${contactId}`);
    expect(body.status.code).toBe('member');
    expect(body.statusNote).toMatch(/не совпадает с последней записью истории/);
  });

  it('history: automatic entries have no person, other comments are ignored, a long timeline is read to the end', async () => {
    await as(ADMIN, 'crm.timeline.comment.add', { fields: { ENTITY_TYPE: 'contact', ENTITY_ID: contactId, COMMENT: 'Статус члена профсоюза: Член профсоюза с 01.05.2025.\n#du-status status=member from=2025-05-01 source=decision' } });
    for (let i = 0; i < 60; i++) await as(CLERK, 'crm.timeline.comment.add', { fields: { ENTITY_TYPE: 'contact', ENTITY_ID: contactId, COMMENT: `Звонок №${i}: обсудили взносы` } });
    const rest = stack.app.pool.forPortal(stack.sb.memberId);
    rest.resetCounts();
    const { body } = await api(CLERK, `/api/member/${contactId}`);
    expect(rest.counts().requests).toBeLessThanOrEqual(3);
    expect(body.history.map((h: { source: string; from: string }) => `${h.source}:${h.from}`)).toEqual(['decision:2025-05-01', 'card:2025-04-01', 'card:2025-03-01', 'card:2025-01-15']);
    expect(body.history[0]).toMatchObject({ sourceTitle: 'Решение по заявлению', by: null });
  });

  it('a contact without an organisation or documents', async () => {
    const lone = Number(await as(CLERK, 'crm.contact.add', { fields: { LAST_NAME: 'Одиночкин', NAME: 'Иван' } }));
    const { status, body } = await api(CLERK, `/api/member/${lone}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: null, organisations: [], deals: [], resolutions: [], history: [] });
  });
});
