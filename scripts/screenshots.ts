/**
 * `npm run screenshots`: the README's "How it looks" images, from a real run — the demo `mutual serve`, Debian's
 * Chromium (headless) with the built extension from dist/, a real login — written to docs/screenshots/:
 *
 *   login.png      the login UI for /p256/ (pages/login.html?tab=<id>), username typed
 *   verified.png   the verified demo page with the in-page indicator (and the personal phrase)
 *   popup.png      the toolbar popup for that tab (popup/index.html?tab=<id>, opened in a tab)
 *   warning.png    the warning page after a server that does not prove itself (--misbehave wrong-vks)
 *   onboarding.png the first-run page
 *   login-ja.png   the login UI in Japanese (Chromium --lang=ja)
 *
 * The personal phrase is set to a fixed example first, so the images do not change from run to run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  launch, loginUrl, logIn, message, PASSWORD, ROOT, startServer, tabIdOf, tabStatus, until, type Browser, type MutualServer,
} from '../e2e/support/harness.ts';

const OUT = join(ROOT, 'docs', 'screenshots');
const PHRASE = 'blue heron at dawn';

async function shot(page: Page, name: string, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 200 });
  // Let fonts and the periodic refresh settle, then size the image to the content.
  await page.waitForTimeout(400);
  const height = await page.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  await page.setViewportSize({ width, height: Math.min(Math.max(height, 120), 1400) });
  await page.screenshot({ path: join(OUT, name) });
  console.log(`wrote docs/screenshots/${name}`);
}

async function pendingLogin(b: Browser, server: MutualServer, path: string): Promise<{ page: Page; tabId: number }> {
  const page = await b.context.newPage();
  await page.goto(`${server.url}${path}`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  return { page, tabId };
}

async function loginShot(b: Browser, server: MutualServer, name: string): Promise<void> {
  const { page, tabId } = await pendingLogin(b, server, '/p256/');
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByRole('textbox').first().waitFor();
  await ui.locator('input[name=username]').fill('alice');
  await ui.locator('input[name=password]').focus();
  await shot(ui, name, 400);
  await ui.close();
  await page.close();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer(['--demo-password', PASSWORD, '--quiet']);
  const rogue = await startServer(['--demo-password', PASSWORD, '--quiet', '--misbehave', 'wrong-vks']);
  let b = await launch();
  try {
    await message(b, { type: 'set-phrase', phrase: PHRASE });
    const onboarding = await b.context.newPage();
    await onboarding.goto(`chrome-extension://${b.extensionId}/pages/onboarding.html`);
    await onboarding.getByTestId('onboarding-phrase').filter({ hasText: PHRASE }).waitFor();
    await shot(onboarding, 'onboarding.png', 760);
    await onboarding.close();

    await loginShot(b, server, 'login.png');

    const page = await b.context.newPage();
    await page.setViewportSize({ width: 900, height: 520 });
    await page.goto(`${server.url}/p256/`);
    const tabId = await logIn(b, page);
    await until(async () => page.frames().some((f) => f.url().includes('/pages/indicator.html')), 10_000, 'the indicator');
    const frame = page.frames().find((f) => f.url().includes('/pages/indicator.html'))!;
    await frame.getByText(PHRASE).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, 'verified.png') });
    console.log('wrote docs/screenshots/verified.png');

    const popup = await b.context.newPage();
    await popup.goto(`chrome-extension://${b.extensionId}/popup/index.html?tab=${tabId}`);
    await popup.locator('[data-testid="site-status"][data-state="verified"]').waitFor();
    await shot(popup, 'popup.png', 380);
    await popup.close();

    const bad = await pendingLogin(b, rogue, '/p256/');
    const ui = await b.context.newPage();
    await ui.goto(loginUrl(b, bad.tabId));
    await ui.locator('input[name=username]').fill('alice');
    await ui.locator('input[name=password]').fill(PASSWORD);
    await ui.locator('input[name=password]').press('Enter');
    await bad.page.waitForURL(/\/pages\/warning\.html/, { timeout: 20_000 });
    await bad.page.getByTestId('warning-problem').waitFor();
    await shot(bad.page, 'warning.png', 820);
    await b.close();

    b = await launch(['--lang=ja']);
    await message(b, { type: 'set-phrase', phrase: 'あおさぎの朝' });
    await loginShot(b, server, 'login-ja.png');
  } finally {
    await b.close();
    await server.stop();
    await rogue.stop();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
