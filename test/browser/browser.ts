/**
 * Headless Debian chromium for browser tests, driven by playwright-core (no browser downloads).
 * Where chromium is missing the tests skip with a message, so `npm test` passes on a bare machine;
 * `.ci/run` installs chromium and sets DU_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasBrowser = existsSync(CHROMIUM_PATH);
if (!hasBrowser && process.env.DU_REQUIRE_BROWSER === '1') {
  throw new Error(`DU_REQUIRE_BROWSER=1 but there is no chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
}
if (!hasBrowser) process.stderr.write(`browser tests skipped: no chromium at ${CHROMIUM_PATH}\n`);

/** Screenshots land here; CI keeps the folder as an artifact (it is gitignored). */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A Russian-locale desktop-sized context, as a union clerk's browser would be. */
export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
