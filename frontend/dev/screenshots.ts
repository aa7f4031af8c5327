// Development check: drives the built pages in headless Chromium against the preview server's
// fake API and saves screenshots to test-artifacts/frontend-*.png.
//   npm run build:web && npx tsx frontend/dev/screenshots.ts
import { chromium, type Page } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import JSZip from 'jszip';
import { startPreviewServer } from './preview-server';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const outDir = join(repoRoot, 'test-artifacts');
mkdirSync(outDir, { recursive: true });

const srv = await startPreviewServer(0);
const profile = mkdtempSync(join(tmpdir(), 'du-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1100, height: 900 },
  locale: 'ru-RU',
});

const problems: string[] = [];
function check(cond: unknown, what: string) {
  if (!cond) problems.push(what);
  process.stdout.write(`${cond ? 'ok  ' : 'FAIL'} ${what}\n`);
}

async function open(path: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`page error on ${path}: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/api/')) process.stdout.write(`  [http ${r.status()}] ${r.url()}\n`); });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') process.stdout.write(`  [${m.type()}] ${m.text().slice(0, 300)}\n`); });
  await page.goto(srv.url + path);
  return page;
}
const shot = (page: Page, name: string) => page.screenshot({ path: join(outDir, `frontend-${name}.png`), fullPage: true });

try {
  // 1. Installation tab with failures and a pending plan; then repair and requeue.
  {
    const page = await open('/placements/DEFAULT?broken=1');
    await page.getByTestId('portal-status').waitFor();
    check((await page.getByTestId('portal-status').textContent())?.includes('Подключено'), 'status badge says «Подключено»');
    await page.getByTestId('plan').waitFor();
    await shot(page, 'settings-install');
    await page.getByTestId('repair').click();
    await page.getByTestId('plan-up-to-date').waitFor();
    check((await page.getByTestId('plan-up-to-date').textContent())?.includes('Всё настроено'), 'repair → «Всё настроено»');
    await page.getByRole('button', { name: 'Повторить задачи с ошибкой' }).click();
    await page.getByTestId('no-failures').waitFor();
    check(true, 'requeue → «Ошибок нет»');
    await page.waitForTimeout(300);
    await shot(page, 'settings-install-repaired');
    await page.close();
  }

  // 2. Disconnected portal.
  {
    const page = await open('/placements/DEFAULT?status=disconnected');
    await page.getByTestId('portal-disconnected').waitFor();
    check((await page.getByTestId('portal-status').textContent())?.includes('Нет связи'), 'status badge says «Нет связи с порталом»');
    check(await page.getByText('Переустановите приложение').isVisible(), 'disconnected → «Переустановите приложение»');
    check(await page.getByTestId('repair').isDisabled(), 'repair disabled while disconnected');
    await shot(page, 'settings-disconnected');
    await page.close();
  }

  // 3. Roles: pick users, save; then a 400 from the server.
  {
    const page = await open('/placements/DEFAULT');
    await page.getByRole('tab', { name: 'Роли' }).click();
    await page.getByTestId('role-accountant').waitFor();
    await page.getByLabel('Бухгалтер').click();
    await page.getByPlaceholder('Поиск по имени…').fill('Ольга');
    await page.waitForTimeout(200);
    await shot(page, 'roles-picker');
    await page.getByRole('option', { name: /Ольга Новикова/ }).click();
    check((await page.getByTestId('role-accountant').textContent())?.includes('Ольга Новикова'), 'accountant picked by search');

    await page.getByLabel('Руководитель отдела').click();
    await page.getByRole('option', { name: /Сергей Морозов/ }).click();
    await page.getByRole('option', { name: /Татьяна Лебедева/ }).click();
    await page.keyboard.press('Escape');
    check((await page.getByTestId('role-head').textContent())?.includes('Татьяна Лебедева'), 'two heads picked');

    await page.getByTestId('save-roles').click();
    await page.getByTestId('roles-saved').waitFor();
    const saved = srv.state().mapping;
    check(JSON.stringify(saved.accountant) === '[6]' && JSON.stringify(saved.head) === '[7,8]', `server got mapping ${JSON.stringify(saved)}`);
    await page.waitForTimeout(300);
    await shot(page, 'roles-saved');

    // chairman also made a deputy → the server answers 400 with details
    await page.getByLabel('Заместитель председателя').click();
    await page.getByRole('option', { name: /Алексей Петров/ }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('save-roles').click();
    await page.getByTestId('roles-error').waitFor();
    check(await page.getByText('Председатель не может быть своим заместителем').isVisible(), '400 → field error under the role');
    check(await page.getByText('Проверьте заполнение полей.').isVisible(), '400 → hint shown');
    await page.waitForTimeout(300);
    await shot(page, 'roles-error');
    await page.close();
  }

  // 4. Process settings: client-side and server-side validation, then a good save.
  {
    const page = await open('/placements/DEFAULT');
    await page.getByRole('tab', { name: 'Процессы' }).click();
    await page.getByTestId('save-process').waitFor();
    const remind = page.getByLabel('Напоминание о подписании через, дней');
    await remind.fill('75');
    await remind.blur();
    check((await remind.inputValue()) === '60', 'number input clamps 75 to the maximum 60');
    await remind.fill('');
    await remind.blur();
    await page.getByTestId('save-process').click();
    await page.getByTestId('process-error').waitFor();
    check(await page.getByText('Введите число').first().isVisible(), 'client-side message for an empty number');
    await shot(page, 'process-invalid');
    await remind.fill('20');
    const close = page.getByLabel('Закрыть заявление без документов через, дней');
    await close.fill('15');
    await close.blur();
    await page.getByTestId('save-process').click();
    await page.getByText('Срок закрытия должен быть больше срока напоминания').waitFor();
    check(true, 'server 400 detail shown under its field');
    await close.fill('60');
    await close.blur();
    await page.getByLabel('Выполнять действия стадий по событиям').click();
    await page.getByTestId('save-process').click();
    await page.getByTestId('process-saved').waitFor();
    const st = srv.state().process;
    check(st.signingReminderDays === 20 && st.signingCloseDays === 60 && st.handleStagesByEvents === false, `server got values ${JSON.stringify(st)}`);
    await page.waitForTimeout(300);
    await shot(page, 'process-saved');

    // The deadline scan, run now: the sentence follows the saved settings.
    const scanText = (await page.getByTestId('scan-section').textContent()) ?? '';
    check(scanText.includes('через 20 календарных дней') && scanText.includes('через 60 календарных дней'), 'scan section quotes the saved 20 / 60 days');
    await page.getByTestId('scan-deadlines').click();
    await page.getByTestId('scan-queued').waitFor();
    check((await page.getByTestId('scan-queued').textContent())?.includes('Проверка запущена') && srv.state().scans === 1, '«Проверить сроки сейчас» → «Проверка запущена», one scan queued');
    await page.waitForTimeout(300);
    await shot(page, 'process-scan');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    await shot(page, 'process-scan-800');
    await page.close();
  }

  // 4a. Calendar overrides: add, refuse duplicates and clashes, a server error under its date, save.
  {
    const page = await open('/placements/DEFAULT');
    await page.getByRole('tab', { name: 'Календарь' }).click();
    await page.getByTestId('save-calendar').waitFor();
    check((await page.getByTestId('calendar-intro').textContent())?.includes('2024–2027 годы'), 'calendar intro names the shipped years');
    check((await page.getByTestId('calendar-days-off').textContent())?.includes('21.09.2026, понедельник'), 'stored day off shown as «21.09.2026, понедельник»');
    await page.getByTestId('calendar-day-off-input').fill('2026-03-05');
    await page.getByTestId('calendar-add-day-off').click();
    await page.getByTestId('calendar-day-off-input').fill('2026-01-02');
    await page.getByTestId('calendar-day-off-input').press('Enter');
    const offText = (await page.getByTestId('calendar-days-off').textContent()) ?? '';
    check(offText.indexOf('02.01.2026') < offText.indexOf('05.03.2026') && offText.indexOf('05.03.2026') < offText.indexOf('21.09.2026'), 'days off sorted');
    check(offText.includes('05.03.2026, четверг'), 'added day shown as «05.03.2026, четверг»');
    await page.getByTestId('calendar-working-input').fill('2026-03-05');
    await page.getByTestId('calendar-add-working').click();
    check(await page.getByText('05.03.2026 уже указан как нерабочий день').isVisible(), 'a day off cannot also be a working day');
    await page.getByTestId('calendar-working-input').fill('2026-06-13');
    await page.getByTestId('calendar-add-working').click();
    check((await page.getByTestId('calendar-working-days').textContent())?.includes('13.06.2026, суббота'), 'working Saturday added');
    await page.getByTestId('calendar-add-day-off').click();
    check(await page.getByText('Выберите дату').isVisible(), 'adding with an empty date → «Выберите дату»');
    await page.getByTestId('calendar-day-off-input').fill('2026-01-13');
    await page.getByTestId('calendar-add-day-off').click();
    await page.getByTestId('save-calendar').click();
    await page.getByTestId('calendar-error').waitFor();
    check(await page.getByText('Фейковый сервер не принимает эту дату').isVisible(), 'server detail daysOff.N shown under its date');
    await page.waitForTimeout(300);
    await shot(page, 'calendar-error');
    await page.getByRole('button', { name: 'Удалить 13.01.2026' }).click();
    await page.getByTestId('save-calendar').click();
    await page.getByTestId('calendar-saved').waitFor();
    const cal = srv.state().calendar;
    check(JSON.stringify(cal) === JSON.stringify({ daysOff: ['2026-01-02', '2026-03-05', '2026-09-21'], workingDays: ['2026-06-13'] }), `server got calendar ${JSON.stringify(cal)}`);
    await page.waitForTimeout(300);
    await shot(page, 'calendar-saved');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    await shot(page, 'calendar-800');
    await page.close();
  }
  {
    const page = await open('/placements/DEFAULT?admin=0');
    await page.getByRole('tab', { name: 'Календарь' }).click();
    await page.getByTestId('save-calendar').waitFor();
    check(await page.getByTestId('save-calendar').isDisabled(), 'non-admin cannot save the calendar');
    check((await page.getByTestId('calendar-day-off-input').count()) === 0, 'non-admin sees no date inputs');
    await page.waitForTimeout(300);
    await shot(page, 'calendar-readonly');
    await page.close();
  }

  // 4c. Document templates: upload a good one, refuse a bad one (client and server), the help, reset.
  {
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    const good = readFileSync(join(repoRoot, 'templates/application-to-join.docx'));
    const zip = await JSZip.loadAsync(good);
    const xml = await zip.file('word/document.xml')!.async('string');
    zip.file('word/document.xml', xml.replace('>ЗАЯВЛЕНИЕ<', ">+++EXEC require('fs')+++<"));
    const withExec = await zip.generateAsync({ type: 'nodebuffer' });
    const page = await open('/placements/DEFAULT');
    await page.getByRole('tab', { name: 'Шаблоны документов' }).click();
    await page.getByTestId('template-application-to-join').waitFor();
    check((await page.getByTestId('template-resolution').textContent())?.includes('Свой (загружен 12.03.2026)'), 'portal version shown as «Свой (загружен 12.03.2026)»');
    check((await page.getByTestId('template-application-to-join').textContent())?.includes('Стандартный'), 'bundled template shown as «Стандартный»');
    check((await page.getByTestId('template-reset-application-to-join').count()) === 0, 'no reset button for a bundled template');
    const choose = async (key: string, file: { name: string; mimeType: string; buffer: Buffer }) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId(`template-upload-${key}`).click()]);
      await chooser.setFiles(file);
    };
    await choose('consent-processing', { name: 'согласие.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
    await page.getByTestId('template-error-consent-processing').waitFor();
    check((await page.getByTestId('template-error-consent-processing').textContent())?.includes('Нужен документ Word в формате .docx'), 'a .pdf refused in the browser');
    await choose('application-to-join', { name: 'заявление.docx', mimeType: docx, buffer: withExec });
    await page.getByTestId('template-error-application-to-join').waitFor();
    check((await page.getByTestId('template-error-application-to-join').textContent())?.includes('Команда EXEC не разрешена'), 'server refusal (EXEC) shown next to the row');
    await page.getByTestId('template-help-dues-deduction').getByRole('button').click();
    await page.getByText('+++INS dues.percent+++').waitFor();
    check(await page.getByText('Размер взноса цифрами и прописью').isVisible(), 'placeholder help lists dues.percent with its description');
    await page.waitForTimeout(300);
    await shot(page, 'templates-error');
    await choose('application-to-join', { name: 'заявление.docx', mimeType: docx, buffer: good });
    await page.locator('[data-testid="template-application-to-join"][data-source="portal"]').waitFor();
    check((await page.getByTestId('template-error-application-to-join').count()) === 0, 'a good upload clears the row\'s error');
    check(!!srv.state().templates['application-to-join'], 'server got the uploaded template');
    await page.getByTestId('template-reset-resolution').click();
    await page.getByTestId('template-reset-confirm-resolution').click();
    await page.locator('[data-testid="template-resolution"][data-source="bundled"]').waitFor();
    check(!srv.state().templates.resolution, 'reset after confirmation → bundled');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('template-download-application-to-join').click()]);
    check(download.suggestedFilename() === 'Заявление о вступлении в члены профсоюза (свой).docx', `download named ${download.suggestedFilename()}`);
    await page.getByTestId('templates-howto').getByRole('button').click();
    // Let the toasts go, so they don't cover the tabs.
    await page.waitForTimeout(4500);
    await shot(page, 'templates');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    await shot(page, 'templates-800');
    await page.close();
  }
  {
    const page = await open('/placements/DEFAULT?admin=0');
    await page.getByRole('tab', { name: 'Шаблоны документов' }).click();
    await page.getByTestId('template-resolution').waitFor();
    check((await page.getByTestId('template-upload-resolution').count()) === 0 && (await page.getByTestId('template-reset-resolution').count()) === 0, 'non-admin: no upload or reset buttons');
    check(await page.getByTestId('template-download-resolution').isVisible(), 'non-admin can download');
    await page.waitForTimeout(300);
    await shot(page, 'templates-readonly');
    await page.close();
  }

  // 4b. The public application link on the status tab: QR code, copy, download.
  {
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await open('/placements/DEFAULT');
    await page.getByTestId('apply-qr').waitFor();
    check((await page.getByTestId('apply-link').textContent())?.trim() === 'https://du.example.ru/apply/k3Xw9QpZr2LmTa7B', 'apply link shown');
    check(await page.getByTestId('apply-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'QR code image decoded');
    await page.getByTestId('copy-apply-link').click();
    await page.getByText('Ссылка скопирована', { exact: true }).waitFor();
    check((await page.evaluate(() => navigator.clipboard.readText())) === 'https://du.example.ru/apply/k3Xw9QpZr2LmTa7B', 'copy puts the link on the clipboard');
    const dl = page.getByTestId('download-apply-qr');
    check((await dl.getAttribute('href'))?.startsWith('blob:') && (await dl.getAttribute('download'))?.endsWith('.svg'), 'download link: blob URL with an .svg file name');
    const [download] = await Promise.all([page.waitForEvent('download'), dl.click()]);
    check(download.suggestedFilename().endsWith('.svg'), `QR code downloads as ${download.suggestedFilename()}`);
    await page.waitForTimeout(300);
    await shot(page, 'settings-apply-link');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(300);
    await shot(page, 'settings-apply-link-800');
    await page.close();
  }

  // 5. Install screen inside a stand-in shell: error, retry, success, installFinish message.
  {
    const page = await open('/shell?src=' + encodeURIComponent('/install?installFail=1'));
    const frame = page.frameLocator('#app');
    await frame.getByTestId('install-error').waitFor();
    check(await frame.getByRole('button', { name: 'Повторить установку' }).isVisible(), 'install error → retry button');
    await page.waitForTimeout(300);
    await shot(page, 'install-error');
    await frame.getByRole('button', { name: 'Повторить установку' }).click();
    await frame.getByText('Приложение установлено').waitFor();
    await page.waitForTimeout(300);
    const messages = await page.evaluate(() => (window as unknown as { __messages: { command: string }[] }).__messages);
    check(messages.some((m) => m.command === 'installFinish'), 'installFinish posted to the parent window');
    await shot(page, 'install-done');
    await page.close();
  }

  // 6. Loading state of the install screen, network failure, and a page opened without boot data.
  {
    const page = await open('/install?delay=4000');
    await page.getByTestId('install-running').waitFor();
    await page.waitForTimeout(400);
    await shot(page, 'install-running');
    await page.close();
  }
  {
    const page = await ctx.newPage();
    await page.route('**/api/settings/overview', (r) => r.abort('internetdisconnected'));
    await page.goto(srv.url + '/placements/DEFAULT');
    await page.getByTestId('overview-error').waitFor();
    check((await page.getByTestId('overview-error').textContent())?.includes('Нет связи с сервером'), 'network failure → Russian message with «Обновить»');
    await shot(page, 'network-error');
    await page.close();
  }
  {
    const page = await open('/static/settings.html');
    await page.getByTestId('no-boot').waitFor();
    check(true, 'page without boot data explains how to open it');
    await page.close();
  }

  // 7. Read-only view for a non-admin.
  {
    const page = await open('/placements/DEFAULT?admin=0');
    await page.getByTestId('read-only').waitFor();
    await page.getByRole('tab', { name: 'Роли' }).click();
    await page.getByTestId('save-roles').waitFor();
    check(await page.getByTestId('save-roles').isDisabled(), 'non-admin cannot save roles');
    await shot(page, 'roles-readonly');
    await page.close();
  }
} catch (e) {
  problems.push(String(e));
  console.error(e);
} finally {
  await ctx.close();
  await srv.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(problems.length ? `\n${problems.length} problem(s):\n- ${problems.join('\n- ')}\n` : '\nall checks passed\n');
process.exit(problems.length ? 1 : 0);
