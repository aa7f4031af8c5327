// Development check: drives the built pages in headless Chromium against the preview server's
// fake API and saves screenshots to test-artifacts/frontend-*.png.
//   npm run build:web && npx tsx frontend/dev/screenshots.ts
import { chromium, type Page } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    const remind = page.getByLabel('Напоминание о документах, дней');
    await remind.fill('45');
    await remind.blur();
    check((await remind.inputValue()) === '30', 'number input clamps 45 to the maximum 30');
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
    await page.getByLabel('Отправлять письма заявителю').click();
    await page.getByTestId('save-process').click();
    await page.getByTestId('process-saved').waitFor();
    const st = srv.state().process;
    check(st.reminderDays === 20 && st.closeAfterDays === 60 && st.emailApplicant === false, `server got values ${JSON.stringify(st)}`);
    await page.waitForTimeout(300);
    await shot(page, 'process-saved');
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
