import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (TOOLCHAIN.md): `.ci/run` installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
// In CI (.ci/run installs it) a missing browser is a failure, never a quiet skip.
if (chromiumMissing && process.env.REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}; REQUIRE_BROWSER=1`);

/** Where the console's screenshots go (a test artifact, git-ignored); the README's one goes to docs/. */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'console');

/** Headless Chromium as this machine needs it: no sandbox (root), no background calls to a closed network. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
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

/** What a page did wrong in the browser: console errors and uncaught exceptions, and each document's CSP header. */
export function watchPage(page: Page) {
  const errors: string[] = [];
  const documents: { url: string; csp: string | undefined; status: number }[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') {
      documents.push({ url: response.url(), csp: response.headers()['content-security-policy'], status: response.status() });
    }
  });
  return { errors, documents };
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
