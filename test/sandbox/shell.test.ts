/** The sandbox portal's shell UI over HTTP: boards, card moves as a chosen user, card editing, escaping, frames. */
import { afterEach, describe, expect, it } from 'vitest';
import { ok, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const page = async (path: string, cookie?: string) => {
  const res = await fetch(`${h.sb.portalUrl}${path}`, cookie ? { headers: { cookie } } : {});
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

const shellApi = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${h.sb.portalUrl}/shell/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

/** A union pipeline with a contact and a deal, a smart process with an item, and deal user fields. */
async function seed() {
  const category = (await ok(h, 'crm.category.add', { entityTypeId: 2, fields: { name: 'Вступление в профсоюз', sort: 200 } })).category.id as number;
  const stages = h.sb.state.statuses.filter((s) => s.entityId === `DEAL_STAGE_${category}`).sort((a, b) => a.sort - b.sort);
  const contact = (await ok(h, 'crm.item.add', { entityTypeId: 3, fields: { lastName: 'Заявкина', name: 'Мария' } })).item.id as number;
  const deal = (await ok(h, 'crm.item.add', {
    entityTypeId: 2,
    fields: { title: 'Заявление о вступлении: Заявкина', categoryId: category, contactIds: [contact], assignedById: 2 },
  })).item.id as number;
  await ok(h, 'crm.type.add', { fields: { title: 'Постановления', entityTypeId: 1040, isStagesEnabled: 'Y' } });
  const spaItem = (await ok(h, 'crm.item.add', { entityTypeId: 1040, fields: { title: 'Постановление № 7' } })).item.id as number;
  await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DU_NOTE', USER_TYPE_ID: 'string', EDIT_FORM_LABEL: 'Примечание делопроизводителя' } });
  await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DU_APPLIED_AT', USER_TYPE_ID: 'date', EDIT_FORM_LABEL: 'Дата заявления' } });
  await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DU_CONSENT', USER_TYPE_ID: 'boolean', EDIT_FORM_LABEL: 'Согласие на обработку ПД' } });
  await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DU_ORG', USER_TYPE_ID: 'crm', EDIT_FORM_LABEL: 'Организация заявителя', SETTINGS: { LEAD: 'N', COMPANY: 'Y' } } });
  await ok(h, 'crm.deal.userfield.add', {
    fields: {
      FIELD_NAME: 'DU_HOW',
      USER_TYPE_ID: 'enumeration',
      EDIT_FORM_LABEL: 'Способ передачи работодателю',
      LIST: [{ VALUE: 'Лично в бухгалтерию', SORT: 10 }, { VALUE: 'Почтой', SORT: 20 }],
    },
  });
  await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DU_DOCS', USER_TYPE_ID: 'file', MULTIPLE: 'Y', EDIT_FORM_LABEL: 'Подписанные документы' } });
  const company = (await ok(h, 'crm.item.add', { entityTypeId: 4, fields: { title: 'ППО АО «Энскэнерго»' } })).item.id as number;
  await ok(h, 'event.bind', { event: 'ONCRMDEALUPDATE', handler: `${h.appUrl}/events` });
  return { category, stages, contact, deal, spaItem, company };
}

describe('sandbox shell: boards', () => {
  it('renders every pipeline and smart process as a board of stages with cards', async () => {
    h = await startHarness();
    const s = await seed();
    const home = await page('/');
    expect(home.status).toBe(200);
    expect(home.type).toContain('text/html');
    expect(home.text).toContain(`href="/crm/deal/category/${s.category}/"`);
    expect(home.text).toContain('href="/crm/type/1040/category/');
    expect(home.text).toContain('Цифровой профсоюз');

    const board = await page(`/crm/deal/category/${s.category}/`);
    expect(board.status).toBe(200);
    for (const st of s.stages) {
      expect(board.text).toContain(`data-testid="stage-${st.statusId}"`);
      expect(board.text).toContain(st.name);
    }
    expect(board.text).toContain(`data-testid="card-${s.deal}"`);
    expect(board.text).toContain('Заявление о вступлении: Заявкина');
    expect(board.text).toContain('Ирина Протоколова'); // responsible (user 2)
    expect(board.text).toContain('Заявкина Мария'); // the contact
    // The card sits in the first stage's column.
    const firstColumn = board.text.slice(board.text.indexOf(`data-testid="stage-${s.stages[0]!.statusId}"`), board.text.indexOf(`data-testid="stage-${s.stages[1]!.statusId}"`));
    expect(firstColumn).toContain(`data-testid="card-${s.deal}"`);

    const typeCategory = h.sb.state.categories.find((c) => c.entityTypeId === 1040)!.id;
    const spaBoard = await page(`/crm/type/1040/category/${typeCategory}/`);
    expect(spaBoard.status).toBe(200);
    expect(spaBoard.text).toContain('Постановление № 7');
    expect(spaBoard.text).toContain(`data-testid="stage-DT1040_${typeCategory}:NEW"`);

    expect((await page('/crm/deal/category/999/')).status).toBe(404);
    expect((await page('/crm/deal/details/999/')).status).toBe(404);
  });

  it('moves a card as the chosen user through REST dispatch: the stage changes and ONCRMDEALUPDATE goes out with that user', async () => {
    h = await startHarness();
    const s = await seed();
    const target = s.stages[1]!.statusId;
    const moved = await shellApi('move', { entityTypeId: 2, id: s.deal, stageId: target, userId: 3 });
    expect(moved.status).toBe(200);
    expect(moved.body.result).toMatchObject({ id: s.deal, stageId: target, userId: 3 });
    const item = h.sb.state.items['2']![String(s.deal)]!;
    expect(item.data['stageId']).toBe(target);
    expect(item.data['movedBy']).toBe(3);
    expect(item.data['previousStageId']).toBe(s.stages[0]!.statusId);

    await h.sb.waitForDeliveries();
    const updates = h.received.filter((r) => r.path === '/events' && r.body.event === 'ONCRMDEALUPDATE');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body.data.FIELDS.ID).toBe(String(s.deal));
    // The event carries a token of the person who moved the card.
    expect(h.sb.state.accessTokens[updates[0]!.body.auth.access_token]?.userId).toBe(3);

    // The user switcher's cookie picks the actor when the body names none.
    await shellApi('move', { entityTypeId: 2, id: s.deal, stageId: s.stages[2]!.statusId }, { cookie: 'du_shell_user=5' });
    expect(item.data['movedBy']).toBe(5);

    // A stage of another pipeline is refused like on the portal, and nothing changes.
    const bad = await shellApi('move', { entityTypeId: 2, id: s.deal, stageId: 'WON', userId: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('CRM_FIELD_ERROR_VALUE_NOT_VALID');
    expect(item.data['stageId']).toBe(s.stages[2]!.statusId);

    // The board shows the card in its new column.
    const board = await page(`/crm/deal/category/${s.category}/`);
    const col = board.text.slice(board.text.indexOf(`data-testid="stage-${s.stages[2]!.statusId}"`), board.text.indexOf(`data-testid="stage-${s.stages[3]!.statusId}"`));
    expect(col).toContain(`data-testid="card-${s.deal}"`);
  });

  it('runs the stage robot an admin put on the stage when a card is moved in the shell', async () => {
    h = await startHarness();
    const s = await seed();
    await ok(h, 'bizproc.robot.add', {
      CODE: 'set-member-status',
      HANDLER: `${h.appUrl}/robots/set-member-status`,
      AUTH_USER_ID: 1,
      NAME: 'Статус члена профсоюза',
      PROPERTIES: { status: { Name: 'Статус', Type: 'string' } },
    });
    const stage = s.stages[1]!.statusId;
    h.sb.automation.addRobot({ entityTypeId: 2, categoryId: s.category, stageId: stage, code: 'set-member-status', properties: { status: 'applied' } });
    expect((await shellApi('move', { entityTypeId: 2, id: s.deal, stageId: stage, userId: 2 })).status).toBe(200);
    await h.sb.waitForDeliveries();
    expect(h.sb.automation.runs.filter((r) => r.itemId === s.deal && r.code === 'set-member-status')).toHaveLength(1);
    expect(h.received.some((r) => r.path === '/robots/set-member-status')).toBe(true);
  });
});

describe('sandbox shell: card view', () => {
  it('shows fields with user-field labels, enumeration values and file links; saves edits as the user', async () => {
    h = await startHarness();
    const s = await seed();
    const how = h.sb.state.userFields.find((u) => u.fieldName === 'UF_CRM_DU_HOW')!;
    const post = how.enums.find((e) => e.value === 'Почтой')!;
    const saved = await shellApi(`items/2/${s.deal}`, {
      userId: 2,
      fields: {
        title: 'Заявление (исправлено)',
        UF_CRM_DU_NOTE: 'проверено',
        UF_CRM_DU_APPLIED_AT: '2025-03-04',
        UF_CRM_DU_CONSENT: 'Y',
        UF_CRM_DU_HOW: String(post.id),
        UF_CRM_DU_ORG: String(s.company),
        UF_CRM_DU_DOCS: [['заявление.pdf', Buffer.from('%PDF-1.4 test').toString('base64')]],
        assignedById: '4',
      },
    });
    expect(saved.status).toBe(200);
    const data = h.sb.state.items['2']![String(s.deal)]!.data;
    expect(data).toMatchObject({
      title: 'Заявление (исправлено)',
      UF_CRM_DU_NOTE: 'проверено',
      UF_CRM_DU_APPLIED_AT: '2025-03-04T00:00:00+03:00',
      UF_CRM_DU_CONSENT: 'Y',
      UF_CRM_DU_HOW: post.id,
      UF_CRM_DU_ORG: String(s.company),
      assignedById: 4,
      updatedBy: 2,
    });
    const fileId = (data['UF_CRM_DU_DOCS'] as number[])[0]!;

    const card = await page(`/crm/deal/details/${s.deal}/`);
    expect(card.status).toBe(200);
    expect(card.text).toContain('Заявление (исправлено)');
    for (const label of ['Примечание делопроизводителя', 'Дата заявления', 'Согласие на обработку ПД', 'Способ передачи работодателю', 'Подписанные документы', 'Организация заявителя']) {
      expect(card.text).toContain(label);
    }
    expect(card.text).toContain('04.03.2025');
    expect(card.text).toContain('>Почтой<');
    expect(card.text).toContain('ППО АО «Энскэнерго»'); // crm binding shown by name
    expect(card.text).toContain(`href="/crm/company/details/${s.company}/"`);
    expect(card.text).toContain('заявление.pdf');
    expect(card.text).toContain('Олег Заместителев'); // responsible (user 4)
    // Editors for each supported type.
    for (const key of ['title', 'UF_CRM_DU_NOTE', 'UF_CRM_DU_APPLIED_AT', 'UF_CRM_DU_CONSENT', 'UF_CRM_DU_HOW', 'UF_CRM_DU_ORG', 'stageId', 'assignedById']) {
      expect(card.text).toContain(`data-testid="field-${key}"`);
    }
    expect(card.text).toContain('>Сохранить<');

    // The download link serves the file.
    const link = new RegExp(`href="([^"]*fileId=${fileId})"`).exec(card.text)?.[1];
    expect(link).toBeDefined();
    const file = await fetch(`${h.sb.portalUrl}${link!.replace(/&amp;/g, '&')}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).toString()).toBe('%PDF-1.4 test');

    // Emptied fields are cleared.
    expect((await shellApi(`items/2/${s.deal}`, { userId: 2, fields: { UF_CRM_DU_NOTE: '', UF_CRM_DU_HOW: '' } })).status).toBe(200);
    const after = h.sb.state.items['2']![String(s.deal)]!.data;
    expect(after['UF_CRM_DU_NOTE'] ?? '').toBe('');
    expect(after['UF_CRM_DU_HOW']).toBeNull();

    // Contacts and companies have lists and the same card view.
    const contacts = await page('/crm/contact/list/');
    expect(contacts.text).toContain(`href="/crm/contact/details/${s.contact}/"`);
    expect(contacts.text).toContain('Заявкина Мария');
    const companies = await page('/crm/company/list/');
    expect(companies.text).toContain('ППО АО «Энскэнерго»');
    expect((await page(`/crm/contact/details/${s.contact}/`)).text).toContain('data-testid="field-lastName"');
    expect((await page(`/crm/company/details/${s.company}/`)).status).toBe(200);
    expect((await page(`/crm/type/1040/details/${s.spaItem}/`)).text).toContain('Постановление № 7');
  });

  it('opens every placement the app bound for the entity as a tab with a frame POST carrying PLACEMENT_OPTIONS.ID', async () => {
    h = await startHarness();
    const s = await seed();
    await ok(h, 'placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: `${h.appUrl}/placements/CRM_DEAL_DETAIL_TAB`, TITLE: 'Профсоюз: документы' });
    await ok(h, 'placement.bind', { PLACEMENT: 'CRM_CONTACT_DETAIL_TAB', HANDLER: `${h.appUrl}/placements/CRM_CONTACT_DETAIL_TAB`, TITLE: 'Член профсоюза' });
    await ok(h, 'placement.bind', { PLACEMENT: 'CRM_DYNAMIC_1040_DETAIL_TAB', HANDLER: `${h.appUrl}/placements/CRM_DYNAMIC_1040_DETAIL_TAB`, TITLE: 'Постановление' });
    const [dealTab, contactTab, spaTab] = h.sb.state.placements;

    const card = await page(`/crm/deal/details/${s.deal}/`);
    expect(card.text).toContain(`data-testid="tab-placement-${dealTab!.id}"`);
    expect(card.text).toContain('Профсоюз: документы');
    expect(card.text).not.toContain('Член профсоюза');
    expect((await page(`/crm/contact/details/${s.contact}/`)).text).toContain(`data-testid="tab-placement-${contactTab!.id}"`);
    expect((await page(`/crm/type/1040/details/${s.spaItem}/`)).text).toContain(`data-testid="tab-placement-${spaTab!.id}"`);

    const frame = await shellApi('frame', { placementId: dealTab!.id, options: { ID: String(s.deal) }, userId: 2 });
    expect(frame.status).toBe(200);
    const fp = frame.body.result;
    expect(fp.url.startsWith(`${h.appUrl}/placements/CRM_DEAL_DETAIL_TAB?`)).toBe(true);
    expect(fp.body).toMatchObject({ PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: JSON.stringify({ ID: String(s.deal) }), member_id: h.sb.memberId });
    expect(h.sb.state.accessTokens[fp.body.AUTH_ID]?.userId).toBe(2);

    // The app's own page: DEFAULT placement to handlerUrl; LEFT_MENU placements get menu items.
    const app = await page('/marketplace/app/');
    expect(app.text).toContain('data-testid="app-frame"');
    const def = (await shellApi('frame', { placement: 'DEFAULT' }, { cookie: 'du_shell_user=1' })).body.result;
    expect(def.url.startsWith(`${h.appUrl}/placements/DEFAULT?`)).toBe(true);
    expect(def.body.PLACEMENT).toBe('DEFAULT');
    await ok(h, 'placement.bind', { PLACEMENT: 'LEFT_MENU', HANDLER: `${h.appUrl}/placements/LEFT_MENU`, TITLE: 'Реестр членов' });
    const left = h.sb.state.placements.at(-1)!;
    const home = await page('/');
    expect(home.text).toContain(`href="/marketplace/placement/${left.id}/"`);
    expect(home.text).toContain('Реестр членов');
    expect((await page(`/marketplace/placement/${left.id}/`)).text).toContain(`data-testid="placement-frame-${left.id}"`);
  });
});

describe('sandbox shell: escaping, install, clock, notifications, mail', () => {
  it('escapes user data everywhere it shows it', async () => {
    h = await startHarness();
    const s = await seed();
    const evil = '<script>alert("x")</script>';
    await ok(h, 'crm.item.update', { entityTypeId: 2, id: s.deal, fields: { title: evil } });
    await ok(h, 'crm.item.update', { entityTypeId: 3, id: s.contact, fields: { name: '<img src=x onerror=alert(1)>' } });
    await ok(h, 'im.notify.system.add', { USER_ID: 1, MESSAGE: `Сделка ${evil} [b]важно[/b] [url=javascript:alert(1)]ссылка[/url] [url=//evil.test]чужая[/url] [url=/crm/deal/details/${s.deal}/]своя[/url]` });
    for (const path of [`/crm/deal/category/${s.category}/`, `/crm/deal/details/${s.deal}/`, '/notifications/', '/crm/contact/list/']) {
      const { text } = await page(path);
      expect(text, path).not.toContain(evil);
      expect(text, path).not.toContain('<img src=x');
      expect(text, path).not.toContain('javascript:');
    }
    const board = await page(`/crm/deal/category/${s.category}/`);
    expect(board.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const notes = await page('/notifications/');
    expect(notes.text).toContain('<b>важно</b>');
    expect(notes.text).toContain(`<a href="/crm/deal/details/${s.deal}/" target="_blank" rel="noopener">своя</a>`);
    expect(notes.text).not.toContain('href="//evil.test"');
  });

  it('UI install in the shell: the installer frame POST, then installFinish from the frame finishes the install', async () => {
    h = await startHarness({ install: false });
    expect((await page('/marketplace/app/')).text).toContain('data-testid="app-not-installed"');
    const denied = await shellApi('frame', { install: true, userId: 2 });
    expect(denied.status).toBe(403);
    const frame = await shellApi('frame', { install: true, userId: 1 });
    expect(frame.status).toBe(200);
    expect(frame.body.result.url.startsWith(`${h.appUrl}/install?`)).toBe(true);
    expect(frame.body.result.body).toMatchObject({ PLACEMENT: 'DEFAULT', member_id: h.sb.memberId });
    expect(h.sb.state.app.installed).toBe(false);
    expect((await shellApi('install/finish', {})).status).toBe(200);
    expect(h.sb.state.app.installed).toBe(true);
    expect((await page('/marketplace/app/')).text).toContain('data-testid="app-frame"');
  });

  it('advances the virtual clock by days and shows it in the header', async () => {
    h = await startHarness();
    h.sb.clock.set(Date.parse('2025-03-01T10:00:00+03:00'));
    expect((await page('/')).text).toContain('01.03.2025 10:00');
    const res = await shellApi('clock/advance', { days: 3 });
    expect(res.status).toBe(200);
    expect(res.body.result.display).toBe('04.03.2025 10:00');
    expect(Math.round((h.sb.clock.now() - Date.parse('2025-03-01T10:00:00+03:00')) / 60_000)).toBe(3 * 24 * 60);
    expect((await page('/')).text).toContain('04.03.2025 10:00');
    expect((await shellApi('clock/advance', { days: -1 })).status).toBe(400);
  });

  it('lists notifications and e-mails newest first', async () => {
    h = await startHarness();
    const s = await seed();
    h.sb.clock.set(Date.parse('2025-03-01T10:00:00+03:00'));
    await ok(h, 'im.notify.system.add', { USER_ID: 2, MESSAGE: 'Первое уведомление' });
    h.sb.clock.advance(60_000);
    await ok(h, 'im.notify.personal.add', { USER_ID: 2, MESSAGE: 'Второе уведомление', ATTACH: [{ LINK: { NAME: 'Заявление.docx', LINK: 'https://example.test/a.docx' } }] });
    const notes = (await page('/notifications/', 'du_shell_user=2')).text;
    expect(notes.indexOf('Второе уведомление')).toBeGreaterThan(0);
    expect(notes.indexOf('Второе уведомление')).toBeLessThan(notes.indexOf('Первое уведомление'));
    expect(notes).toContain('Заявление.docx');
    expect((await page('/notifications/?mine=1', 'du_shell_user=3')).text).not.toContain('Первое уведомление');

    await ok(h, 'crm.item.update', { entityTypeId: 3, id: s.contact, fields: { fm: [{ typeId: 'EMAIL', valueType: 'WORK', value: 'maria@example.test' }] } });
    for (const subject of ['Письмо один', 'Письмо два']) {
      h.sb.clock.advance(60_000);
      await ok(h, 'crm.activity.add', {
        fields: {
          OWNER_TYPE_ID: 2, OWNER_ID: s.deal, TYPE_ID: 4, DIRECTION: 2, COMPLETED: 'Y', SUBJECT: subject, DESCRIPTION: `Текст: ${subject}`,
          COMMUNICATIONS: [{ VALUE: 'maria@example.test', ENTITY_ID: s.contact, ENTITY_TYPE_ID: 3 }],
        },
      });
    }
    // Attached Drive files are listed by name.
    const last = h.sb.state.emails.at(-1)!;
    Object.assign(last, { attachments: ['Заявление <подписано>.pdf'] });
    const mail = (await page('/mail/')).text;
    expect(mail).toContain('Заявление &lt;подписано&gt;.pdf');
    expect(mail.indexOf('Письмо два')).toBeGreaterThan(0);
    expect(mail.indexOf('Письмо два')).toBeLessThan(mail.indexOf('Письмо один'));
    expect(mail).toContain('maria@example.test');
    // The deal's history shows the e-mails too.
    expect((await page(`/crm/deal/details/${s.deal}/`)).text).toContain('Исходящее письмо');
  });

  it('leaves REST and file routes alone and takes only JSON on its API', async () => {
    h = await startHarness();
    expect((await ok(h, 'app.info')).INSTALLED).toBe(true);
    const form = await fetch(`${h.sb.portalUrl}/shell/api/move`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'entityTypeId=2&id=1&stageId=WON' });
    expect(form.status).toBe(415);
    const css = await fetch(`${h.sb.portalUrl}/shell/assets/shell.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    const js = await fetch(`${h.sb.portalUrl}/shell/assets/shell.js`);
    expect(await js.text()).toContain("'digital-union'");
    expect((await fetch(`${h.sb.portalUrl}/shell/assets/..%2Fhtml.ts`)).status).toBe(404);
  });
});
