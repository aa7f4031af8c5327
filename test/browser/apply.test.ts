/**
 * The public application page in headless chromium, on a desktop and on a phone-sized screen:
 * consents start un-ticked, the form refuses to go without the processing consent, the
 * organisation picker shows the demo hierarchy, and a filled form ends on the thank-you screen
 * with one deal in the portal. Screenshots: test-artifacts/apply-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemo } from '../../sandbox/demo-seed.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

let stack: Stack;
let browser: Browser;
let formUrl = '';

async function staffSession(s: Stack): Promise<string> {
  const frame = s.sb.framePost({ userId: 1 });
  const res = await fetch(frame.url.replace(/^https?:\/\/[^/]+/, s.app.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(frame.body).toString() });
  const boot = /window\.__DU_BOOT__=(.*?)<\/script>/s.exec(await res.text());
  return String((JSON.parse(boot![1]!) as { session: string }).session);
}

const dealsTitled = async (title: string) =>
  ((await stack.sb.callAs(1, 'crm.item.list', { entityTypeId: 2, filter: { title }, select: ['id'] })) as { items: unknown[] }).items.length;

/** A B24Checkbox's test id lands on its reka button (role=checkbox, aria-checked). */
const checkbox = (page: Page, testId: string) => page.getByTestId(testId);

async function fill(page: Page, v: { last: string; first: string; middle: string; birth: string; phone: string; email: string; position: string }) {
  await page.getByTestId('input-lastName').fill(v.last);
  await page.getByTestId('input-firstName').fill(v.first);
  await page.getByTestId('input-middleName').fill(v.middle);
  await page.getByTestId('input-birthDate').pressSequentially(v.birth);
  await page.getByTestId('input-phone').fill(v.phone);
  await page.getByTestId('input-email').fill(v.email);
  await page.getByTestId('input-position').fill(v.position);
}

async function pickOrg(page: Page, title: string) {
  await page.getByTestId('input-orgId').click();
  await page.getByRole('option', { name: new RegExp(title) }).first().click();
  // The list keeps focus until it has closed: wait, or the next keystrokes land in its search box.
  await page.getByRole('option').first().waitFor({ state: 'detached' });
}

describe.skipIf(!hasBrowser)('the public application page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    await stack.sb.installApp();
    await settle(stack);
    await ensureDemo(stack.sb, stack.app);
    await settle(stack);
    const session = await staffSession(stack);
    formUrl = ((await (await fetch(`${stack.app.url}/api/apply-link`, { headers: { 'x-du-session': session } })).json()) as { url: string }).url;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('desktop: un-ticked consents, no sending without the processing consent, then the thank-you screen', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(formUrl);
    await page.getByTestId('apply-form').waitFor();
    await expect(page.getByTestId('union-name').textContent()).resolves.toContain('Энская территориальная');
    await expect(checkbox(page, 'consent-processing').getAttribute('aria-checked')).resolves.toBe('false');
    await expect(checkbox(page, 'consent-distribution').getAttribute('aria-checked')).resolves.toBe('false');
    expect(await page.getByTestId('categories').count()).toBe(0);
    await screenshot(page, 'apply-desktop-empty');

    await fill(page, { last: 'Браузерова', first: 'Ксения', middle: 'Олеговна', birth: '02071992', phone: '9161112233', email: 'Ksenia@Example.ru', position: 'Диспетчер' });
    await pickOrg(page, 'ЦПО ТЭЦ-2');
    // Without the consent to processing nothing is sent.
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-error').waitFor();
    await expect(page.getByText('Без согласия на обработку персональных данных заявление не может быть принято').isVisible()).resolves.toBe(true);
    expect(await page.getByTestId('input-birthDate').inputValue()).toBe('02.07.1992');
    await screenshot(page, 'apply-desktop-no-consent');
    expect(await dealsTitled('Заявление о вступлении: Браузерова К. О.')).toBe(0);

    await checkbox(page, 'consent-processing').click();
    await checkbox(page, 'consent-distribution').click();
    await page.getByTestId('categories').waitFor();
    await page.getByTestId('category-full_name').click();
    await page.getByTestId('category-position').click();
    await expect(page.getByTestId('category-full_name').getAttribute('aria-checked')).resolves.toBe('true');
    await expect(page.getByTestId('category-photo').getAttribute('aria-checked')).resolves.toBe('false');
    await screenshot(page, 'apply-desktop-filled');

    await page.getByTestId('consent-processing-text').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('ЦПО ТЭЦ-2');
    await screenshot(page, 'apply-desktop-consent-text');
    await page.getByTestId('consent-dialog-close').click();
    await dialog.waitFor({ state: 'detached' });

    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-thanks').waitFor();
    await expect(page.getByTestId('apply-thanks').textContent()).resolves.toContain('Спасибо, Ксения!');
    await expect(page.getByTestId('apply-thanks').textContent()).resolves.toContain('ksenia@example.ru');
    await screenshot(page, 'apply-desktop-thanks');
    await settle(stack);
    expect(await dealsTitled('Заявление о вступлении: Браузерова К. О.')).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('phone: the form fits the screen, field errors show under the fields, the picker shows the hierarchy', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
    const page = await context.newPage();
    await page.goto(formUrl);
    await page.getByTestId('apply-form').waitFor();
    await screenshot(page, 'apply-phone-empty');
    // Nothing sticks out sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await page.getByTestId('apply-submit').click();
    await page.getByText('Укажите фамилию').waitFor();
    for (const text of ['Укажите имя', 'Укажите дату рождения', 'Укажите телефон', 'Укажите адрес электронной почты', 'Выберите организацию из списка', 'Укажите должность']) {
      expect(await page.getByText(text, { exact: true }).count(), text).toBeGreaterThan(0);
    }
    await screenshot(page, 'apply-phone-errors');

    await page.getByTestId('input-orgId').click();
    const options = page.getByRole('option');
    await options.first().waitFor();
    const titles = (await options.allTextContents()).map((t) => t.trim());
    expect(titles.map((t) => t.replace(/(Первичная профсоюзная организация|Цеховая · .*)$/, '').trim())).toEqual([
      'ППО АО «Энскэнерго»',
      'ЦПО ТЭЦ-1',
      'ЦПО ТЭЦ-2',
      'ППО ПАО «Энские сети»',
      'ЦПО Северные электросети',
    ]);
    await screenshot(page, 'apply-phone-picker');
    await page.getByRole('option', { name: /Северные электросети/ }).click();
    await page.getByRole('option').first().waitFor({ state: 'detached' });
    await expect(page.getByTestId('input-orgId').textContent()).resolves.toContain('ЦПО Северные электросети');

    await fill(page, { last: 'Телефонов', first: 'Макар', middle: '', birth: '11111999', phone: '+7 (926) 765-43-21', email: 'makar@example.ru', position: 'Электромонтёр' });
    await checkbox(page, 'consent-processing').click();
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-thanks').waitFor();
    await screenshot(page, 'apply-phone-thanks');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await settle(stack);
    expect(await dealsTitled('Заявление о вступлении: Телефонов М.')).toBe(1);
    await context.close();
  });

  it('an unknown link says so', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'ru-RU' });
    const page = await context.newPage();
    const res = await page.goto(`${stack.app.url}/apply/NoSuchLink123456`);
    expect(res?.status()).toBe(404);
    await page.getByTestId('apply-unavailable').waitFor();
    await screenshot(page, 'apply-phone-not-found');
    await context.close();
  });
});
