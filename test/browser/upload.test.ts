/**
 * The applicant's upload page in headless chromium: the application's status in plain words,
 * choosing files (a wrong one is refused before sending), sending them into the deal's
 * signed-documents field, and the pages for an expired link and for documents already received.
 * Screenshots: test-artifacts/upload-*.png.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadLinkFor } from '../../app/membership/upload-link.js';
import { mapKeys } from '../../app/registry/names.js';
import { loadAppSecret, Sealer } from '../../app/secrets.js';
import { loadPortalSettings } from '../../app/settings.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

let stack: Stack;
let browser: Browser;
let sealer: Sealer;
let dealId = 0;

const DAY = 24 * 60 * 60 * 1000;
const map = () => stack.app.store.getMap(stack.sb.memberId);
const linkFor = (id: number, now = stack.sb.clock.now()) => uploadLinkFor(sealer, stack.app.url, stack.sb.memberId, id, now);
const toStage = async (stage: string) =>
  stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: (await map())[mapKeys.stage('membership', stage)] } });
const signedCount = async () => {
  const m = await map();
  const { item } = (await stack.sb.callAs(1, 'crm.item.get', { entityTypeId: 2, id: dealId, useOriginalUfNames: 'Y' })) as { item: Record<string, unknown> };
  return ((item[m[mapKeys.field('deal.signedDocs')]!] as unknown[] | null) ?? []).length;
};

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe.skipIf(!hasBrowser)('the upload page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    await stack.sb.installApp();
    await settle(stack);
    // Moving the deal on when scans arrive is the stage logic's job, not this page's: keep it still.
    const settings = await loadPortalSettings(stack.app.store, stack.sb.memberId);
    await stack.app.store.setSetting(stack.sb.memberId, 'process', { ...settings.process, handleStagesByEvents: false });
    sealer = new Sealer(loadAppSecret(stack.config.appSecret, stack.config.dbPath));
    const m = await map();
    const contact = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 3, fields: { name: 'Ульяна', lastName: 'Загрузкина' } })) as { item: { id: number } };
    const deal = (await stack.sb.callAs(1, 'crm.item.add', {
      entityTypeId: 2,
      fields: { title: 'Заявление о вступлении: Загрузкина У.', categoryId: Number(m[mapKeys.pipelineCategory('membership')]), stageId: m[mapKeys.stage('membership', 'SIGNING')], contactIds: [contact.item.id] },
    })) as { item: { id: number } };
    dealId = deal.item.id;
    await settle(stack);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('desktop: shows the status, refuses a wrong file before sending, sends scans into the deal', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    const res = await page.goto(linkFor(dealId));
    expect(res?.status()).toBe(200);
    await page.getByTestId('upload-state-open').waitFor();
    await expect(page.locator('h1').textContent()).resolves.toContain('Здравствуйте, Ульяна!');
    await expect(page.getByTestId('upload-steps').locator('[aria-current="step"]').textContent()).resolves.toContain('Подписание документов');
    await screenshot(page, 'upload-desktop-open');

    const input = page.locator('input[type="file"]');
    await input.setInputFiles([
      { name: 'заявление.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: 'заметки.txt', mimeType: 'text/plain', buffer: Buffer.from('not a scan') },
    ]);
    await page.getByTestId('upload-problems').waitFor();
    await expect(page.getByTestId('upload-problems').textContent()).resolves.toContain('«заметки.txt»: можно загружать только PDF, JPG или PNG');
    await screenshot(page, 'upload-desktop-wrong-file');
    await page.getByTestId('upload-submit').click();
    expect(await signedCount()).toBe(0);

    // Remove the wrong one, add the second scan (a new choice adds to the list).
    await page.getByRole('button', { name: 'Удалить заметки.txt' }).click();
    await input.setInputFiles([{ name: 'согласие.png', mimeType: 'image/png', buffer: PNG }]);
    await expect(page.getByTestId('upload-selected').textContent()).resolves.toContain('2 файла');
    await expect(page.getByTestId('upload-problems').count()).resolves.toBe(0);
    await screenshot(page, 'upload-desktop-chosen');
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('upload-state-sent').waitFor();
    await expect(page.getByTestId('upload-sent-count').textContent()).resolves.toContain('2 файла');
    await screenshot(page, 'upload-desktop-sent');
    expect(await signedCount()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('phone: the open page fits, and the received, expired and broken links explain themselves', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
    const page = await context.newPage();
    await page.goto(linkFor(dealId));
    await page.getByTestId('upload-state-open').waitFor();
    await page.getByTestId('upload-already').waitFor();
    await screenshot(page, 'upload-phone-open');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await toStage('RESOLUTION');
    await settle(stack);
    await page.goto(linkFor(dealId));
    await page.getByTestId('upload-state-received').waitFor();
    await screenshot(page, 'upload-phone-received');

    const expired = await page.goto(linkFor(dealId, stack.sb.clock.now() - 46 * DAY));
    expect(expired?.status()).toBe(410);
    await page.getByTestId('upload-state-expired').waitFor();
    await screenshot(page, 'upload-phone-expired');

    const broken = await page.goto(`${linkFor(dealId).slice(0, -6)}xxxxxx`);
    expect(broken?.status()).toBe(403);
    await page.getByTestId('upload-state-forged').waitFor();
    await screenshot(page, 'upload-phone-forged');
    await context.close();
  });
});
