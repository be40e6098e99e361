/**
 * Issue 9, the popup: an empty state that says what Mutual is (and, opened in a tab, no report on itself); one
 * "Log out" and hosts shown one way; per-document counters (reset when the tab navigates); failed logins are
 * failures, never sessions. The popup is opened as popup/index.html (?tab=<id> for a given tab).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import {
  galleryComplete, launch, logIn, message, PASSWORD, startServer, submitLogin, tabIdOf, tabStatus, until, type Browser, type MutualServer,
} from './support/harness.ts';

let server: MutualServer;
let rogue: MutualServer;
let plain: MutualServer;
let b: Browser;
beforeAll(async () => {
  server = await startServer(['--demo-password', PASSWORD]);
  rogue = await startServer(['--demo-password', PASSWORD, '--misbehave', 'wrong-vks']);
  // Another origin whose home page uses no Mutual authentication.
  plain = await startServer(['--demo-password', PASSWORD]);
  b = await launch();
});
afterAll(async () => {
  await b?.close();
  await server?.stop();
  await rogue?.stop();
  await plain?.stop();
});

const popupUrl = (tabId?: number) => `chrome-extension://${b.extensionId}/popup/index.html${tabId === undefined ? '' : `?tab=${tabId}`}`;

async function openPopup(tabId?: number): Promise<Page> {
  const p = await b.context.newPage();
  await p.goto(popupUrl(tabId));
  await p.locator('main').waitFor();
  return p;
}

test('empty state: what Mutual is and how a verified site looks; opened in a tab, it does not report on itself', async () => {
  const p = await openPopup();
  await p.getByTestId('empty-state').waitFor();
  const text = await p.locator('main').innerText();
  expect(text).toMatch(/HTTP Mutual authentication/);
  expect(text).toMatch(/personal phrase/);
  expect(await p.getByTestId('site-status').count()).toBe(0);
  expect(text).not.toContain('chrome-extension');
  expect(text).not.toContain(b.extensionId);
  await p.close();
});

test('verified: one "Log out", the host shown the same way everywhere', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  const tabId = await logIn(b, page);
  // A second session, on another site, for the "other sites" list.
  const other = await b.context.newPage();
  await other.goto(`${plain.url}/p521/`);
  await logIn(b, other);
  const p = await openPopup(tabId);
  await p.locator('[data-testid="site-status"][data-state="verified"]').waitFor();
  await p.getByTestId('session').first().waitFor();
  expect(await p.getByRole('button', { name: 'Log out', exact: true }).count()).toBe(1);
  expect(await p.getByTestId('site-status').getByRole('button', { name: 'Log out', exact: true }).count()).toBe(1);
  const host = new URL(server.url).host;
  const otherHost = new URL(plain.url).host;
  expect(await p.getByTestId('site-host').textContent()).toBe(host);
  const rows = await p.getByTestId('session').allInnerTexts();
  // The current site is not listed again; the other one by host, never as an origin with its scheme.
  expect(rows.length).toBe(1);
  expect(rows[0]).toContain(otherHost);
  expect(rows.join('\n')).not.toContain('http://');
  await p.close();
  await other.close();
  await page.close();
});

test('counters count the current document and reset when the tab navigates', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/gallery.html`);
  await galleryComplete(page);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).state === 'verified', 10_000, 'verified', b);
  const big = (await tabStatus(b, tabId)).requestsVerified;
  expect(big).toBeGreaterThanOrEqual(40);
  const p = await openPopup(tabId);
  await p.getByTestId('requests-verified').waitFor();
  expect(Number(await p.getByTestId('requests-verified').textContent())).toBe(big);

  // Another document of the same site: the count starts again.
  await page.goto(`${server.url}/p256/`);
  await page.waitForFunction(() => document.body?.textContent?.includes('Authenticated as'));
  await until(async () => (await tabStatus(b, tabId)).state === 'verified', 10_000, 'verified', b);
  const small = (await tabStatus(b, tabId)).requestsVerified;
  expect(small).toBeGreaterThanOrEqual(1);
  expect(small).toBeLessThan(10);
  await until(async () => Number(await p.getByTestId('requests-verified').textContent()) === small, 5_000, 'the popup to show the new count');

  // A page without Mutual authentication: no counter in the popup, 0 in the status.
  await page.goto(`http://localhost:${plain.port}/`);
  await until(async () => (await p.locator('[data-testid="site-status"][data-state="none"]').count()) === 1, 10_000, 'the popup to show no Mutual');
  expect(await p.getByTestId('requests-verified').count()).toBe(0);
  expect((await tabStatus(b, tabId)).requestsVerified).toBe(0);
  await p.close();
  await page.close();
});

test('a failed login is a failure in the popup, not a session', async () => {
  const page = await b.context.newPage();
  await page.goto(`${rogue.url}/p256/`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
  await until(async () => (await tabStatus(b, tabId)).state === 'failed', 20_000, 'failed', b);
  await ui.close();
  const rogueHost = new URL(rogue.url).host;

  const p = await openPopup(tabId);
  await p.locator('[data-testid="site-status"][data-state="failed"]').waitFor();
  expect(await p.getByTestId('failed-host').textContent()).toBe(rogueHost);
  await p.waitForTimeout(1600);
  const rows = await p.getByTestId('session').allInnerTexts();
  expect(rows.join('\n')).not.toContain(rogueHost);
  await p.close();
  // Elsewhere (the popup in a tab of its own) the failed login is not listed either.
  const q = await openPopup();
  await q.getByTestId('session').first().waitFor();
  expect((await q.getByTestId('session').allInnerTexts()).join('\n')).not.toContain(rogueHost);
  await q.close();
  await page.close();
});

test('the background lists no session for a failed login (sessions message)', async () => {
  const sessions = (await message<Array<{ server: string; verifiedSince?: number }>>(b, { type: 'sessions' })).value ?? [];
  expect(sessions.filter((s) => s.server === rogue.url)).toEqual([]);
});
