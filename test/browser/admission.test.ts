/**
 * The admission-by-list page in chromium: opened by the portal's frame POST (POST
 * /placements/admission), a small cp1251 CSV uploaded, the preview with an error row, an in-file
 * duplicate and a portal duplicate, a choice made, the run with its progress, the summary and the
 * report download. Screenshots land in test-artifacts/admission-*.png.
 * Needs the built frontend (dist/web): `npm test` builds it; alone, run `npm run build:web` first.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameKeyOf } from '../../app/domain/membership/names.js';
import { mapKeys } from '../../app/registry/names.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

const ADMIN = 1;
const CLERK = 2;
const EMPLOYEE = 8;

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

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

describe.skipIf(!hasBrowser)('admission by list page (chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let m: Record<string, string>;
  let ivanovaId: number;

  beforeAll(async () => {
    stack = await startStack();
    const memberId = stack.sb.memberId;
    await stack.sb.installApp();
    await settle(stack);
    m = await stack.app.store.getMap(memberId);
    await stack.app.store.setSetting(memberId, 'roles', { clerk: [CLERK], chairman: [3], deputy: [], head: [], accountant: [] });
    const type = m[mapKeys.field('company.orgType')]!;
    const ppo = Number(await stack.sb.callAs(ADMIN, 'crm.company.add', { fields: { TITLE: 'ППО АО «Завод»', [type]: m[mapKeys.enumItem('company.orgType', 'primary')] } }));
    const ceh = Number(await stack.sb.callAs(ADMIN, 'crm.company.add', { fields: { TITLE: 'Цех № 1', [type]: m[mapKeys.enumItem('company.orgType', 'workshop')], [m[mapKeys.field('company.parentOrg')]!]: ppo } }));
    ivanovaId = Number(
      await stack.sb.callAs(ADMIN, 'crm.contact.add', {
        fields: {
          LAST_NAME: 'Иванова',
          NAME: 'Мария',
          SECOND_NAME: 'Петровна',
          BIRTHDATE: '1985-03-12',
          COMPANY_ID: ceh,
          [m[mapKeys.field('contact.nameKey')]!]: nameKeyOf('Иванова', 'Мария', 'Петровна'),
          [m[mapKeys.field('contact.status')]!]: m[mapKeys.enumItem('contact.status', 'member')],
          [m[mapKeys.field('contact.statusDate')]!]: '2019-09-01',
        },
      }),
    );
    await settle(stack);
    browser = await launchBrowser();
    context = await newContext(browser);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  /** What the portal does when a user opens the app's page: a form POST into the frame. */
  async function openAs(userId: number): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    const frame = stack.sb.framePost({ userId, handler: `${stack.app.url}/placements/admission` });
    const inputs = Object.entries(frame.body)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    await page.setContent(`<form method="post" action="${escapeHtml(frame.url)}">${inputs}</form><script>document.forms[0].submit()</script>`);
    await page.waitForURL(`${stack.app.url}/placements/admission**`);
    return page;
  }

  it('uploads a list, shows errors and duplicates, runs it with a progress bar and offers the report', async () => {
    const page = await openAs(CLERK);
    await page.getByTestId('upload-step').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(300);
    await screenshot(page, 'admission-upload');

    const csv = [
      'Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Организация;Должность;Дата вступления',
      'Иванова;Мария;Петровна;12.03.1985;8 (912) 000-00-01;m.ivanova@trud-example.ru;Цех № 1;Мастер участка;',
      'Петров;Пётр;Сергеевич;02.02.1980;+7 912 000-00-02;;Цех № 1;Токарь;01.03.2024',
      'Сидоров;Игорь;Павлович;15.07.1979;;;Горводоканал;;',
      'Новикова;Ольга;Андреевна;01.01.1990;;olga@trud-example.ru;ППО АО «Завод»;Бухгалтер;',
      'Новикова;Ольга;Андреевна;01.01.1990;;;ППО АО «Завод»;;',
      'Козлов;;Ильич;31.02.1990;12345;;Цех № 1;;',
    ].join('\r\n');
    await page.getByTestId('file-input').setInputFiles({ name: 'список членов.csv', mimeType: 'text/csv', buffer: cp1251(csv) });
    await expect.poll(() => page.getByTestId('file-name').textContent()).toContain('список членов.csv');
    await page.getByTestId('upload').click();
    await page.getByTestId('preview-step').waitFor({ timeout: 20_000 });

    expect(await page.getByTestId('count-total').textContent()).toBe('6');
    expect(await page.getByTestId('count-error').textContent()).toBe('2');
    expect(await page.getByTestId('count-duplicate').textContent()).toBe('2');
    expect(await page.getByTestId('count-ok').textContent()).toBe('2');
    // Errors are shown first, highlighted, with the column and the problem.
    const errorRow = page.getByTestId('row-4');
    expect(await errorRow.getAttribute('data-status')).toBe('error');
    expect(await errorRow.getByTestId('row-errors').textContent()).toContain('Организация «Горводоканал» не найдена');
    expect(await page.getByTestId('row-7').getByTestId('row-errors').textContent()).toContain('Не заполнено имя');
    await page.waitForTimeout(300);
    await screenshot(page, 'admission-preview-errors');

    await page.getByTestId('filter-all').click();
    const dup = page.getByTestId('row-2');
    expect(await dup.getAttribute('data-status')).toBe('duplicate');
    expect(await dup.getByTestId('row-duplicates').textContent()).toContain('совпадает ФИО и дата рождения');
    expect(await dup.getByTestId('row-duplicates').textContent()).toContain(`№${ivanovaId}`);
    expect(await page.getByTestId('row-6').getByTestId('row-duplicates').textContent()).toContain('Повторяет строку 5');
    // Иванова is the same person: update her status instead of a new contact.
    await page.getByTestId('choice-2').click();
    await page.getByRole('option', { name: `Обновить статус №${ivanovaId}` }).click();
    await expect.poll(() => page.getByTestId('plan-summary').textContent()).toContain('обновлён статус у 1');
    await page.waitForTimeout(300);
    await screenshot(page, 'admission-preview');

    // A slow portal, so the progress bar can be seen moving.
    stack.sb.faults = { delayMs: 700 };
    await page.getByTestId('start').click();
    await page.getByTestId('run-step').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('run-step').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
    await page.waitForTimeout(300);
    await screenshot(page, 'admission-running');
    stack.sb.faults = {};
    await expect.poll(() => page.getByTestId('run-step').getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('run-title').textContent()).toContain('Приём по списку завершён');
    expect(await page.getByTestId('summary-created').textContent()).toContain('2');
    expect(await page.getByTestId('summary-updated').textContent()).toContain('1');
    expect(await page.getByTestId('summary-skipped').textContent()).toContain('1');
    expect(await page.getByTestId('summary-errors').textContent()).toContain('2');
    await page.waitForTimeout(300);
    await screenshot(page, 'admission-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
    expect(download.suggestedFilename()).toMatch(/^otchet-priem-po-spisku-.+\.csv$/);
    const report = readFileSync((await download.path())!, 'utf8');
    expect(report).toContain('Строка;ФИО;Результат;ID контакта;ID сделки;Сообщение');
    expect(report).toContain(`2;Иванова Мария Петровна;Статус обновлён;${ivanovaId};`);
    expect(report).toMatch(/3;Петров Пётр Сергеевич;Принят;\d+;;Принят в члены профсоюза с 01\.03\.2024\./);

    const created = Object.values(stack.sb.state.items['3']!).filter((c) => ['Петров', 'Новикова'].includes(String(c.data['lastName'])));
    expect(created).toHaveLength(2);
    await page.close();
  }, 120_000);

  it('tells a user without the role that the page is not for them', async () => {
    const page = await openAs(EMPLOYEE);
    await page.getByTestId('no-access').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('no-access').textContent()).toContain('делопроизводитель, председатель');
    await screenshot(page, 'admission-no-access');
    await page.close();
  }, 60_000);
});
