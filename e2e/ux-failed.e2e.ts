/**
 * Issue 9: after a server failed to prove itself on a tab, the popup leads with that and shows no login form
 * until the user chooses "Try again anyway"; the warning page shows the site's URL and its three buttons do
 * what they say (Back, Close tab, Try again = the site's original URL, not the warning page).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, loginUrl, PASSWORD, startServer, submitLogin, tabIdOf, tabStatus, until, type Browser, type MutualServer } from './support/harness.ts';

let server: MutualServer | undefined;
let b: Browser;
beforeEach(async () => {
  b = await launch();
  server = await startServer(['--demo-password', PASSWORD, '--misbehave', 'wrong-vks']);
});
afterEach(async () => {
  await b?.close();
  await server?.stop();
  server = undefined;
});

/** A tab that went home → /p256/ → failed login → the warning page. */
async function failedTab(): Promise<{ page: Page; tabId: number; original: string; home: string }> {
  const home = `${server!.url}/`;
  const original = `${server!.url}/p256/`;
  const page = await b.context.newPage();
  await page.goto(home);
  await page.goto(original);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
  await page.waitForURL(/\/pages\/warning\.html\?tab=/, { timeout: 20_000 });
  await page.getByTestId('warning').waitFor();
  await until(async () => (await tabStatus(b, tabId)).state === 'failed', 10_000, 'failed', b);
  await ui.close();
  return { page, tabId, original, home };
}

test('no login form on a failed tab until "Try again anyway"', async () => {
  const { tabId } = await failedTab();
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  const lead = ui.locator('[data-testid="site-status"][data-state="failed"]');
  await lead.waitFor();
  // The failure leads: it is the first section, and it is an alert.
  expect(await lead.getByRole('alert').textContent()).toMatch(/did not prove its identity/);
  expect(await ui.getByText(/Do not enter your password on this site/).count()).toBe(1);
  // Several refreshes later there is still no form.
  await ui.waitForTimeout(3500);
  expect(await ui.getByLabel('Username').count()).toBe(0);
  expect(await ui.getByLabel('Password').count()).toBe(0);
  expect(await ui.getByRole('button', { name: 'Log in', exact: true }).count()).toBe(0);

  await ui.getByRole('button', { name: 'Try again anyway' }).click();
  await ui.getByLabel('Username').waitFor({ timeout: 20_000 });
  expect(await ui.getByLabel('Password').count()).toBe(1);
  expect(await ui.getByRole('button', { name: 'Log in', exact: true }).count()).toBe(1);
  // The failure stays on screen above the form.
  expect(await lead.count()).toBe(1);
  await ui.close();
});

test('the warning page shows the site and "Try again" loads the original URL, not the warning', async () => {
  const { page, original } = await failedTab();
  expect(await page.getByTestId('warning-url').textContent()).toContain(original);
  // Jargon stays in the folded details.
  const main = await page.evaluate(() => {
    const m = document.querySelector('main')!.cloneNode(true) as HTMLElement;
    m.querySelectorAll('details').forEach((d) => d.remove());
    return m.textContent ?? '';
  });
  expect(main).not.toMatch(/vks|verifier|reload/i);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.waitForURL(original, { timeout: 10_000 });
});

test('the warning page\'s "Back" goes back in the tab\'s history', async () => {
  const { page } = await failedTab();
  const warning = page.url();
  const before = await page.evaluate(() => history.length);
  expect(before).toBeGreaterThan(1);
  await page.getByRole('button', { name: 'Back' }).click();
  await page.waitForURL((u) => u.toString() !== warning, { timeout: 10_000 });
  expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
});

test('the warning page\'s "Close tab" closes the tab', async () => {
  const { page, tabId } = await failedTab();
  const closed = page.waitForEvent('close', { timeout: 10_000 });
  // The click's own bookkeeping may fail as the page goes away; `closed` is what proves the tab closed.
  await page.getByRole('button', { name: 'Close tab' }).click().catch(() => undefined);
  await closed;
  const probe = await b.probe();
  const exists = await probe.evaluate(async (id: number) => (await chrome.tabs.query({})).some((t) => t.id === id), tabId);
  expect(exists).toBe(false);
});

declare const chrome: { tabs: { query(q: object): Promise<Array<{ id?: number }>> } };
