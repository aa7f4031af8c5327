/**
 * The contact card tab "Член профсоюза" in headless chromium, at the width of a card tab (800 px):
 * opened by the portal's frame POST (an auto-submitting form, so the page runs on the app's origin),
 * a clerk sees the status, history and organisation path, changes the status and sees the history
 * grow; an employee without a role sees it all read-only. Screenshots: test-artifacts/member-tab*.png.
 * Needs the built frontend (dist/web): `npm test` builds it; alone, run `npm run build:web` first.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKeys } from '../../app/registry/names.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

const CLERK = 2; // Ирина Протоколова
const EMPLOYEE = 8; // Сергей Слесарев, no role

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let contactId = 0;

const as = (userId: number, method: string, params: Record<string, unknown>) => stack.sb.callAs(userId, method, params) as Promise<any>;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Opens the tab as the portal does: a POST of the frame form into the page's iframe (here: the whole page). */
async function openTab(userId: number): Promise<Page> {
  const frame = stack.sb.framePost({ userId, placement: 'CRM_CONTACT_DETAIL_TAB', placementOptions: { ID: String(contactId) } });
  const action = frame.url.replace(/^https?:\/\/[^/]+/, stack.app.url);
  const inputs = Object.entries(frame.body).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  const page = await context.newPage();
  await page.setViewportSize({ width: 800, height: 900 });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.setContent(`<form id="f" method="post" action="${escapeHtml(action)}">${inputs}</form><script>document.getElementById('f').submit()</script>`);
  await page.waitForURL(/\/placements\/member/);
  await page.getByTestId('member-tab').waitFor();
  await page.getByTestId('status-card').waitFor();
  return page;
}

async function pick(page: Page, testId: string, option: string) {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option, exact: true }).click();
  await page.getByRole('option').first().waitFor({ state: 'detached' });
}

describe.skipIf(!hasBrowser)('the contact card tab in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    await stack.sb.installApp();
    await settle(stack);
    const memberId = stack.sb.memberId;
    const m = await stack.app.store.getMap(memberId);
    const f = (key: string) => m[mapKeys.field(key)]!;
    await stack.app.store.setSetting(memberId, 'roles', { clerk: [CLERK] });
    await stack.app.store.setSetting(memberId, 'process', { handleStagesByEvents: false });
    const orgType = (xml: string) => m[mapKeys.enumItem('company.orgType', xml)];
    const to = Number(await as(1, 'crm.company.add', { fields: { TITLE: 'Энская территориальная организация Электропрофсоюза', [f('company.orgType')]: orgType('territorial') } }));
    const ppo = Number(await as(1, 'crm.company.add', { fields: { TITLE: 'ППО АО «Энскэнерго»', [f('company.orgType')]: orgType('primary'), [f('company.parentOrg')]: to } }));
    const cpo = Number(await as(1, 'crm.company.add', { fields: { TITLE: 'ЦПО ТЭЦ-1', [f('company.orgType')]: orgType('workshop'), [f('company.parentOrg')]: ppo } }));
    contactId = Number(await as(CLERK, 'crm.contact.add', { fields: { LAST_NAME: 'Браузерная', NAME: 'Анна', COMPANY_ID: cpo } }));
    const deal = await as(CLERK, 'crm.item.add', {
      entityTypeId: 2,
      useOriginalUfNames: 'Y',
      fields: {
        title: 'Заявление о вступлении: Браузерная А.',
        categoryId: Number(m[mapKeys.pipelineCategory('membership')]),
        stageId: m[mapKeys.stage('membership', 'WON')],
        contactIds: [contactId],
        [f('deal.appliedAt')]: '2025-01-09',
        [f('deal.generatedDocs')]: ['заявление', 'согласие', 'распространение', 'взносы'].map((n, i) => [`${i + 1}. ${n}.docx`, b64(`generated ${i + 1}`)]),
        [f('deal.signedDocs')]: [['скан-1.pdf', b64('scan 1')], ['скан-2.pdf', b64('scan 2')]],
      },
    });
    await as(CLERK, 'crm.item.add', {
      entityTypeId: Number(m[mapKeys.spaEntityType('resolutions')]),
      useOriginalUfNames: 'Y',
      fields: {
        title: 'Постановление № 12',
        parentId2: Number(deal.item.id),
        contactIds: [contactId],
        companyId: ppo,
        [m[mapKeys.spaField('resolutions', 'number')]!]: '12',
        [m[mapKeys.spaField('resolutions', 'date')]!]: '2025-01-14',
        [m[mapKeys.spaField('resolutions', 'file')]!]: ['Постановление № 12.docx', b64('resolution twelve')],
      },
    });
    await settle(stack);
    browser = await launchBrowser();
    context = await newContext(browser);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  it('a clerk sees the status and the path, changes the status twice and sees the history grow', async () => {
    const page = await openTab(CLERK);
    await expect(page.getByTestId('current-status').getAttribute('data-status')).resolves.toBe('');
    await expect(page.getByTestId('org-path').textContent()).resolves.toMatch(/Энская территориальная.*→.*ППО АО «Энскэнерго».*→.*ЦПО ТЭЦ-1/s);
    expect(await page.getByTestId('history-entry').count()).toBe(0);

    // Client-side rule: deregistration needs a reason.
    await pick(page, 'input-status', 'Снят с учёта');
    await page.getByTestId('save-status').click();
    await expect(page.getByTestId('field-reason').textContent()).resolves.toContain('Для снятия с учёта укажите причину');
    await screenshot(page, 'member-tab-form-error');

    // Member from 15.01.2025.
    await pick(page, 'input-status', 'Член профсоюза');
    await page.getByTestId('input-from').fill('2025-01-15');
    await page.getByTestId('save-status').click();
    await page.getByTestId('history-entry').first().waitFor();
    await expect(page.getByTestId('current-status').getAttribute('data-status')).resolves.toBe('member');
    await expect(page.getByTestId('joined-at').textContent()).resolves.toContain('15 января 2025 г.');
    await expect(page.getByTestId('status-saved').textContent()).resolves.toContain('Член профсоюза с 15.01.2025');

    // Temporarily deregistered from 01.03.2025 until 30.06.2025.
    await pick(page, 'input-status', 'Временно снят с учёта');
    await page.getByTestId('input-from').fill('2025-03-01');
    await page.getByTestId('input-until').fill('2025-06-30');
    await page.getByTestId('save-status').click();
    await expect.poll(() => page.getByTestId('history-entry').count()).toBe(2);
    await expect(page.getByTestId('current-status').getAttribute('data-status')).resolves.toBe('suspended');
    await expect(page.getByTestId('current-status-from').textContent()).resolves.toMatch(/с 1 марта 2025 г\. до 30 июня 2025 г\./);
    const first = page.getByTestId('history-entry').first();
    await expect(first.getAttribute('data-status')).resolves.toBe('suspended');
    await expect(first.getByTestId('history-meta').textContent()).resolves.toMatch(/карточка контакта · Ирина Протоколова · записано/);
    await expect(page.getByTestId('history-count').textContent()).resolves.toContain('2 записи');

    // The form is back to its defaults (today in the portal's time zone) and the documents are listed.
    await expect(page.getByTestId('input-from').inputValue()).resolves.toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await page.getByTestId('file-generated').count()).toBe(4);
    expect(await page.getByTestId('file-signed').count()).toBe(2);
    await expect(page.getByTestId('deal-stage').textContent()).resolves.toContain('Решение положительное');

    // A download goes through our server and keeps the portal's file name.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('file-resolution').click()]);
    expect(download.suggestedFilename()).toBe('Постановление № 12.docx');

    await screenshot(page, 'member-tab');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('an employee without a role sees the same, read-only, with the reason', async () => {
    const page = await openTab(EMPLOYEE);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('status-form').count()).toBe(0);
    await expect(page.getByTestId('read-only').textContent()).resolves.toMatch(/делопроизводитель, председатель/);
    await expect.poll(() => page.getByTestId('history-entry').count()).toBe(2);
    await expect(page.getByTestId('current-status').getAttribute('data-status')).resolves.toBe('suspended');
    await screenshot(page, 'member-tab-readonly');
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    await page.close();
  }, 60_000);
});
