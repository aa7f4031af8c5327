/**
 * A real browser in the sandbox portal's shell: boards and card moves, the card editor, the app's
 * own page in the shell's iframe (frame POST) with the roles tab saved, and the UI install path
 * finished by the installer page's installFinish message.
 * Needs the built frontend (dist/web): `npm test` builds it; alone, run `npm run build:web` first.
 */
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKeys } from '../../app/registry/names.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';
import { hasBrowser, launchBrowser, newContext, screenshot } from './browser.js';

const CLERK_ID = 2; // Ирина Протоколова, «Делопроизводитель профкома» in the sandbox's users
const CLERK_NAME = 'Ирина Протоколова';

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The shell sized the iframe to its content (the page's fitWindow messages), so nothing is cut off. */
async function waitForFit(page: Page, testId: string, frame: FrameLocator): Promise<void> {
  await expect
    .poll(async () => {
      const frameHeight = await page.getByTestId(testId).evaluate((f) => f.getBoundingClientRect().height);
      const contentHeight = await frame.locator('#app').evaluate((el) => el.scrollHeight);
      return frameHeight >= contentHeight;
    }, { timeout: 10_000 })
    .toBe(true);
}

describe.skipIf(!hasBrowser)('the app inside the sandbox portal shell (chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let memberId: string;

  beforeAll(async () => {
    stack = await startStack();
    memberId = stack.sb.memberId;
    // Installed the way install-flow.test.ts does it: the portal's REST-only install callback, then the queue.
    await stack.sb.installApp();
    await settle(stack);
    expect((await stack.app.store.getPortal(memberId))?.installedAt).toBeTruthy();
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  const map = () => stack.app.store.getMap(memberId);

  it('shows the membership pipeline as a board and moves a card by the stage select, as the chosen user', async () => {
    const m = await map();
    const category = Number(m[mapKeys.pipelineCategory('membership')]);
    const contact = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 3, fields: { lastName: 'Заявкина', name: 'Мария', secondName: 'Олеговна' } })) as { item: { id: number } };
    const deal = (await stack.sb.callAs(1, 'crm.item.add', {
      entityTypeId: 2,
      fields: { title: 'Заявление о вступлении: Заявкина Мария', categoryId: category, contactIds: [contact.item.id], assignedById: 3 },
    })) as { item: { id: number; stageId: string } };
    await settle(stack);
    const dealId = deal.item.id;

    await page.goto(`${stack.sb.portalUrl}/`);
    await page.getByTestId('user-switch').selectOption(String(CLERK_ID));
    await page.waitForLoadState('load');
    await expect.poll(() => page.getByTestId('user-switch').inputValue()).toBe(String(CLERK_ID));

    await page.goto(`${stack.sb.portalUrl}/crm/deal/category/${category}/`);
    const stages = ['Новое заявление', 'Подписание документов', 'Подготовка постановления', 'Передача работодателю', 'Решение положительное', 'Решение отрицательное'];
    for (const name of stages) await expect.poll(() => page.locator('.kcol-name', { hasText: name }).count()).toBe(1);
    const card = page.getByTestId(`card-${dealId}`);
    await expect.poll(() => card.isVisible()).toBe(true);
    await screenshot(page, 'shell-board');

    const signing = m[mapKeys.stage('membership', 'SIGNING')]!;
    await page.getByTestId(`move-${dealId}`).selectOption(signing);
    await waitFor(() => stack.sb.state.items['2']![String(dealId)]!.data['stageId'] === signing, 'the card move');
    const item = stack.sb.state.items['2']![String(dealId)]!;
    expect(item.data['movedBy']).toBe(CLERK_ID);
    // The card now sits in the column of its new stage.
    await expect.poll(() => page.locator(`[data-testid="stage-${signing}"] [data-testid="card-${dealId}"]`).count()).toBe(1);
    await stack.sb.waitForDeliveries();
    expect(stack.sb.deliveries.some((d) => d.event === 'ONCRMDEALUPDATE' && (d.payload as any).data?.FIELDS?.ID === String(dealId))).toBe(true);

    // Drag and drop moves it too.
    const resolution = m[mapKeys.stage('membership', 'RESOLUTION')]!;
    await card.dragTo(page.locator(`[data-testid="stage-${resolution}"] .kcol-body`));
    await waitFor(() => stack.sb.state.items['2']![String(dealId)]!.data['stageId'] === resolution, 'the drag-and-drop move');
    await expect.poll(() => page.locator(`[data-testid="stage-${resolution}"] [data-testid="card-${dealId}"]`).count()).toBe(1);
    await settle(stack);
  }, 60_000);

  it('opens a card, shows its user fields and saves an edited field', async () => {
    const m = await map();
    const dealId = Number(Object.keys(stack.sb.state.items['2']!).at(-1));
    await page.goto(`${stack.sb.portalUrl}/crm/deal/category/${m[mapKeys.pipelineCategory('membership')]}/`);
    await page.getByTestId(`card-link-${dealId}`).click();
    await page.waitForURL(`**/crm/deal/details/${dealId}/`);
    await expect.poll(() => page.getByTestId('card-title').textContent()).toBe('Заявление о вступлении: Заявкина Мария');
    const appliedAt = m[mapKeys.field('deal.appliedAt')]!;
    const reason = m[mapKeys.field('deal.refusalReason')]!;
    expect(await page.locator('.flabel', { hasText: 'Дата заявления' }).count()).toBeGreaterThan(0);

    await page.getByTestId('card-edit').click();
    await page.getByTestId(`field-${appliedAt}`).fill('2025-03-04');
    await page.getByTestId(`field-${reason}`).fill('Проверка в браузере');
    await page.getByTestId('card-save').click();
    await waitFor(() => stack.sb.state.items['2']![String(dealId)]!.data[reason] === 'Проверка в браузере', 'the saved field');
    expect(stack.sb.state.items['2']![String(dealId)]!.data[appliedAt]).toBe('2025-03-04T00:00:00+03:00');
    expect(stack.sb.state.items['2']![String(dealId)]!.data['updatedBy']).toBe(CLERK_ID);
    await page.waitForLoadState('load');
    await expect.poll(() => page.getByTestId(`value-${appliedAt}`).textContent()).toContain('04.03.2025');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'shell-card');
    await settle(stack);
  }, 60_000);

  it('opens «Цифровой профсоюз» in the shell iframe and assigns a clerk on the roles tab', async () => {
    // Settings are the admin's: act as the portal administrator.
    await page.goto(`${stack.sb.portalUrl}/`);
    await page.getByTestId('user-switch').selectOption('1');
    await page.waitForLoadState('load');
    await page.getByTestId('menu-app').click();
    await page.waitForURL('**/marketplace/app/');
    const frame: FrameLocator = page.frameLocator('iframe[name="du-frame-app"]');
    await frame.getByTestId('settings-tabs').waitFor({ timeout: 20_000 });
    // fitWindow from the page resized the iframe to its content.
    await expect.poll(async () => (await page.getByTestId('app-frame').evaluate((f) => (f as HTMLIFrameElement).style.height)) !== '', { timeout: 10_000 }).toBe(true);

    expect(await frame.getByTestId('read-only').count(), 'the portal admin got a read-only page: the app could not tell the viewer is an admin (does the sandbox answer user.admin?)').toBe(0);
    await frame.getByRole('tab', { name: 'Роли' }).click();
    const clerk = frame.getByTestId('role-clerk');
    await clerk.waitFor({ timeout: 15_000 });
    await clerk.click();
    await frame.getByRole('option', { name: new RegExp(CLERK_NAME) }).first().click();
    await page.keyboard.press('Escape');
    await frame.getByTestId('save-roles').click();
    await frame.getByTestId('roles-saved').waitFor({ timeout: 15_000 });
    await waitForFit(page, 'app-frame', frame);
    await screenshot(page, 'shell-settings-roles');

    const roles = await stack.app.store.getSetting<Record<string, number[]>>(memberId, 'roles');
    expect(roles?.clerk).toEqual([CLERK_ID]);
  }, 90_000);
});

describe.skipIf(!hasBrowser)('the UI install path inside the shell (chromium)', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await stack?.close();
  });

  it('runs the installer page in the shell and finishes the install by its installFinish message', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${stack.sb.portalUrl}/marketplace/app/`);
    await page.getByTestId('app-not-installed').waitFor();
    expect(stack.sb.state.app.installed).toBe(false);
    await page.getByTestId('app-install').click();
    await page.waitForURL('**/marketplace/app/install/');
    const frame = page.frameLocator('iframe[name="du-frame-install"]');
    await frame.locator('[data-testid="install-done"], [data-testid="install-error"]').first().waitFor({ timeout: 60_000 });
    const installError = frame.getByTestId('install-error');
    expect(await installError.count(), `the installer page failed: ${(await installError.count()) ? await installError.innerText() : ''}`).toBe(0);
    await page.getByTestId('install-finished').waitFor({ state: 'visible', timeout: 15_000 });
    expect(stack.sb.state.app.installed).toBe(true);
    expect((await stack.app.store.getPortal(stack.sb.memberId))?.installedAt).toBeTruthy();
    expect(stack.sb.state.categories.some((c) => c.name === 'Вступление в профсоюз')).toBe(true);
    await expect.poll(() => page.getByTestId('app-state').textContent()).toBe('Приложение установлено');
    await waitForFit(page, 'install-frame', frame);
    await screenshot(page, 'shell-install');

    // After installFinish the app page opens in the shell.
    await page.getByRole('link', { name: 'Открыть приложение' }).click();
    await page.frameLocator('iframe[name="du-frame-app"]').getByTestId('settings-tabs').waitFor({ timeout: 20_000 });
    await context.close();
  }, 120_000);
});
