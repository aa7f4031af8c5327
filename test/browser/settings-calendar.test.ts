/**
 * The settings page against the real app and the sandbox portal, opened the way the portal opens
 * it (a frame POST to /placements/DEFAULT): a regional day off saved on the calendar tab, the
 * signing-deadline scan started by hand on the process tab, and the application link on the
 * status tab.
 * Needs the built frontend (dist/web): `npm test` builds it; alone, run `npm run build:web` first.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../app/store/types.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe.skipIf(!hasBrowser)('settings page: calendar, deadline scan, application link (chromium, real server)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let memberId: string;

  beforeAll(async () => {
    stack = await startStack();
    memberId = stack.sb.memberId;
    await stack.sb.installApp();
    await settle(stack);
    expect((await stack.app.store.getPortal(memberId))?.installedAt).toBeTruthy();
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();

    // The portal opens the app page with a form POST into its iframe; here the browser submits the same form.
    const frame = stack.sb.framePost({ userId: 1 });
    const inputs = Object.entries(frame.body)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    await page.setContent(`<form id="portal" method="post" action="${escapeHtml(frame.url)}">${inputs}</form><script>document.getElementById('portal').submit()</script>`);
    await page.waitForURL(`${stack.app.url}/placements/DEFAULT**`);
    await page.getByTestId('settings-tabs').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('read-only').count(), 'the portal administrator got a read-only page').toBe(0);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  it('shows the public application link and its QR code on the status tab', async () => {
    const link = page.getByTestId('apply-link');
    await link.waitFor({ timeout: 15_000 });
    expect((await link.textContent())?.trim()).toMatch(new RegExp(`^${stack.config.publicUrl}/apply/[A-Za-z0-9_-]+$`));
    const qr = page.getByTestId('apply-qr');
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await page.getByTestId('copy-apply-link').isVisible()).toBe(true);
  }, 30_000);

  it('saves a regional day off on the calendar tab', async () => {
    await page.getByRole('tab', { name: 'Календарь' }).click();
    await page.getByTestId('save-calendar').waitFor({ timeout: 15_000 });
    await page.getByTestId('calendar-day-off-input').fill('2026-03-05');
    await page.getByTestId('calendar-add-day-off').click();
    await expect.poll(() => page.getByTestId('calendar-days-off').textContent()).toContain('05.03.2026, четверг');
    await page.getByTestId('calendar-working-input').fill('2026-06-13');
    await page.getByTestId('calendar-add-working').click();
    await page.getByTestId('save-calendar').click();
    await page.getByTestId('calendar-saved').waitFor({ timeout: 15_000 });
    await screenshot(page, 'settings-calendar');

    const stored = await stack.app.store.getSetting<{ daysOff: string[]; workingDays: string[] }>(memberId, 'calendar');
    expect(stored?.daysOff).toContain('2026-03-05');
    expect(stored?.workingDays).toContain('2026-06-13');
  }, 30_000);

  it('queues the signing-deadline scan from «Проверить сроки сейчас»', async () => {
    await page.getByRole('tab', { name: 'Процессы' }).click();
    const button = page.getByTestId('scan-deadlines');
    await button.waitFor({ timeout: 15_000 });
    expect(await button.textContent()).toContain('Проверить сроки сейчас');
    await button.click();
    await page.getByTestId('scan-queued').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('scan-queued').textContent()).toContain('Проверка запущена');
    await screenshot(page, 'settings-scan-deadlines');

    const jobs = async (): Promise<Job[]> =>
      (await Promise.all((['queued', 'running', 'done', 'failed'] as const).map((s) => stack.app.store.listJobs(memberId, s, 100)))).flat();
    const manual = (await jobs()).filter((j) => j.kind === 'cron:signing-deadlines' && j.key.startsWith('signing-deadlines:manual:'));
    expect(manual).toHaveLength(1);

    // With no applications waiting for signatures the scan has nothing to do, and finishes cleanly.
    await settle(stack);
    const after = (await jobs()).find((j) => j.id === manual[0]!.id);
    expect(after?.status, `the scan failed: ${after?.lastError ?? ''}`).toBe('done');
  }, 60_000);
});
