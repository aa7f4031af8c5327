/**
 * The settings page's «Шаблоны документов» tab against the real app and the sandbox portal, opened
 * the way the portal opens it (a frame POST to /placements/DEFAULT): a template edited "in Word"
 * uploaded through the file input and shown as «Свой», a template with a forbidden command refused
 * next to its row, the download, the placeholder help, the reset with its confirmation, and the
 * read-only view of a user who is not a portal administrator.
 * Needs the built frontend (dist/web): `npm test` builds it; alone, run `npm run build:web` first.
 */
import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_FOLDER } from '../../app/documents/template-source.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function edited(key: string, from: string, to: string): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await readFile(new URL(`../../templates/${key}.docx`, import.meta.url)));
  const xml = await zip.file('word/document.xml')!.async('string');
  zip.file('word/document.xml', xml.replace(`>${from}<`, `>${to}<`));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

describe.skipIf(!hasBrowser)('settings page: document templates (chromium, real server)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let custom: Buffer;

  const folderFiles = () => {
    const st = stack.sb.state.disk;
    const folder = st.objects.find((o) => o.type === 'folder' && o.name === TEMPLATE_FOLDER);
    return folder ? st.objects.filter((o) => o.parentId === folder.id).map((o) => o.name) : [];
  };

  /** The app page as the portal opens it: a form POST into the frame, here submitted by the browser. */
  async function openSettings(userId: number): Promise<Page> {
    const p = await context.newPage();
    const frame = stack.sb.framePost({ userId });
    const inputs = Object.entries(frame.body)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    await p.setContent(`<form id="portal" method="post" action="${escapeHtml(frame.url)}">${inputs}</form><script>document.getElementById('portal').submit()</script>`);
    await p.waitForURL(`${stack.app.url}/placements/DEFAULT**`);
    await p.getByTestId('settings-tabs').waitFor({ timeout: 20_000 });
    await p.getByRole('tab', { name: 'Шаблоны документов' }).click();
    await p.getByTestId('template-application-to-join').waitFor({ timeout: 15_000 });
    return p;
  }

  async function choose(key: string, file: { name: string; mimeType: string; buffer: Buffer }) {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId(`template-upload-${key}`).click()]);
    expect(chooser.isMultiple()).toBe(false);
    await chooser.setFiles(file);
  }

  beforeAll(async () => {
    stack = await startStack();
    await stack.sb.installApp();
    await settle(stack);
    await stack.app.store.setSetting(stack.sb.memberId, 'roles', { clerk: [2] });
    browser = await launchBrowser();
    context = await newContext(browser);
    custom = await edited('application-to-join', 'ЗАЯВЛЕНИЕ', 'ЗАЯВЛЕНИЕ (ОБРАЗЕЦ ПОРТАЛА)');
    page = await openSettings(1);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  it('lists the templates, all standard at first', async () => {
    for (const key of ['application-to-join', 'consent-processing', 'consent-distribution', 'dues-deduction', 'resolution']) {
      const row = page.getByTestId(`template-${key}`);
      expect(await row.getAttribute('data-source')).toBe('bundled');
      expect(await page.getByTestId(`template-source-${key}`).textContent()).toBe('Стандартный');
      expect(await page.getByTestId(`template-reset-${key}`).count()).toBe(0);
    }
    expect(await page.getByTestId('template-file-application-to-join').getAttribute('accept')).toContain('.docx');
  }, 30_000);

  it('uploads a template edited in Word through the file input and shows it as «Свой»', async () => {
    await choose('application-to-join', { name: 'Заявление (наше).docx', mimeType: DOCX, buffer: custom });
    await page.locator('[data-testid="template-application-to-join"][data-source="portal"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('template-source-application-to-join').textContent()).toMatch(/^Свой \(загружен \d{2}\.\d{2}\.\d{4}\)$/);
    expect(await page.getByTestId('template-reset-application-to-join').isVisible()).toBe(true);
    expect(folderFiles()).toEqual(['application-to-join.docx']);
  }, 30_000);

  it('shows the server\'s reason next to the row when a template has a forbidden command', async () => {
    await choose('consent-processing', { name: 'согласие.docx', mimeType: DOCX, buffer: await edited('consent-processing', 'СОГЛАСИЕ', "+++EXEC require('child_process')+++") });
    const error = page.getByTestId('template-error-consent-processing');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toContain('Шаблон не загружен');
    expect(await error.textContent()).toContain('Команда EXEC не разрешена (допустимы INS, IF, FOR)');
    expect(await page.getByTestId('template-consent-processing').getAttribute('data-source')).toBe('bundled');
    // A file that is not a .docx is refused before it is sent.
    await choose('dues-deduction', { name: 'заявление.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
    expect(await page.getByTestId('template-error-dues-deduction').textContent()).toContain('Нужен документ Word в формате .docx');
    expect(folderFiles()).toEqual(['application-to-join.docx']);
  }, 30_000);

  it('downloads the template in use, and lists each template\'s placeholders', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('template-download-application-to-join').click()]);
    expect(download.suggestedFilename()).toBe('Заявление о вступлении в члены профсоюза (свой).docx');
    expect((await readFile((await download.path())!)).equals(custom)).toBe(true);

    await page.getByTestId('templates-howto').getByRole('button').click();
    await page.getByTestId('template-help-consent-distribution').getByRole('button').click();
    const help = page.getByTestId('template-help-consent-distribution');
    await help.getByText('+++FOR c IN distribution.categories+++', { exact: true }).waitFor();
    expect(await help.getByText('+++END-FOR c+++', { exact: true }).isVisible()).toBe(true);
    expect(await help.textContent()).toContain('+++INS $c.label+++');
    expect(await help.textContent()).toContain('Категория персональных данных (внутри FOR)');
    expect(await help.textContent()).toContain('+++INS applicant.fullName+++');

    await page.setViewportSize({ width: 1100, height: 900 });
    await page.waitForTimeout(4500); // the toast of the upload goes away
    await screenshot(page, 'settings-templates');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    await screenshot(page, 'settings-templates-800');
    await page.setViewportSize({ width: 1200, height: 900 });
  }, 60_000);

  it('goes back to the standard template after a confirmation', async () => {
    await page.getByTestId('template-reset-application-to-join').click();
    const confirm = page.getByTestId('template-reset-confirm-application-to-join');
    await confirm.waitFor();
    expect(folderFiles()).toEqual(['application-to-join.docx']); // nothing happens before the confirmation
    await confirm.click();
    await page.locator('[data-testid="template-application-to-join"][data-source="bundled"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('template-source-application-to-join').textContent()).toBe('Стандартный');
    expect(folderFiles()).toEqual([]);
  }, 30_000);

  it('is read-only for someone who is not a portal administrator', async () => {
    const clerk = await openSettings(2);
    expect(await clerk.getByTestId('templates-read-only').isVisible()).toBe(true);
    expect(await clerk.getByTestId('template-download-application-to-join').isVisible()).toBe(true);
    expect(await clerk.getByTestId('template-upload-application-to-join').count()).toBe(0);
    expect(await clerk.getByTestId('template-file-application-to-join').count()).toBe(0);
    await clerk.close();
  }, 60_000);
});
