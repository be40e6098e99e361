/**
 * Issue 9, the login UI: the host is its most prominent line and the personal phrase is shown; focus starts in
 * Username; across a wrong password and the background updates that follow (the login's reason changes, the UI
 * refreshes), the form is not re-created: it keeps the username, the focus in Password, what is typed next,
 * and exactly one error line.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, loginUrl, message, PASSWORD, startServer, tabIdOf, tabStatus, until, type Browser, type MutualServer } from './support/harness.ts';

let server: MutualServer;
let b: Browser;
beforeAll(async () => {
  server = await startServer(['--demo-password', PASSWORD]);
  b = await launch();
});
afterAll(async () => {
  await b?.close();
  await server?.stop();
});

test('host first, phrase shown, focus in Username', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const phrase = (await message<{ phrase: string }>(b, { type: 'get-phrase' })).value!.phrase;
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByLabel('Username').waitFor();
  const host = new URL(server.url).host;
  // The form is named by the host, which is its largest text.
  expect(await ui.getByRole('form', { name: host }).count()).toBe(1);
  const sizes = await ui.evaluate(() => [...document.querySelectorAll('form *')]
    .filter((e) => e.children.length === 0 && (e.textContent ?? '').trim() !== '')
    .map((e) => [e.textContent!.trim(), parseFloat(getComputedStyle(e).fontSize)] as [string, number]));
  const largest = sizes.reduce((a, x) => (x[1] > a[1] ? x : a));
  expect(largest[0]).toBe(host);
  expect(await ui.getByTestId('login-phrase').textContent()).toContain(phrase);
  expect(await ui.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('username');
  // Algorithm and validation are folded under "Technical details".
  expect(await ui.getByText('iso-kam3-ec-p256-sha256').isVisible()).toBe(false);
  await ui.close();
  await page.close();
});

test('the form keeps username, focus and a single error across a wrong password and background updates', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/dl2048/`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByLabel('Username').waitFor();
  // Mark the form element: a re-mount would replace it.
  await ui.evaluate(() => {
    (document.querySelector('form') as HTMLFormElement & { mark?: number }).mark = 42;
  });
  await ui.getByLabel('Username').fill('alice');
  await ui.getByLabel('Password').fill('not the password');
  await ui.getByLabel('Password').press('Enter');
  await ui.getByRole('alert').waitFor({ timeout: 20_000 });
  // The background turns the login into reason 'auth-failed': a background update the form must survive.
  await until(async () => (await tabStatus(b, tabId)).login?.reason === 'auth-failed', 10_000, 'reason auth-failed', b);
  expect(await ui.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('password');
  // The user types right away; then several refreshes (every 1.5 s) pass.
  await ui.keyboard.type('typed at once');
  await ui.waitForTimeout(4000);
  expect(await ui.evaluate(() => (document.querySelector('form') as HTMLFormElement & { mark?: number }).mark)).toBe(42);
  expect(await ui.getByLabel('Username').inputValue()).toBe('alice');
  expect(await ui.getByLabel('Password').inputValue()).toBe('typed at once');
  expect(await ui.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('password');
  expect(await ui.getByRole('alert').count()).toBe(1);
  const text = await ui.locator('main').innerText();
  expect(text.match(/wrong username or password/gi)?.length).toBe(1);
  expect(text).not.toContain('did not accept');

  // A UI opened now (after the failed attempt) shows the one error line too, not two.
  const fresh = await b.context.newPage();
  await fresh.goto(loginUrl(b, tabId));
  await fresh.getByRole('alert').waitFor();
  expect(((await fresh.locator('main').innerText()).match(/wrong username or password/gi) ?? []).length).toBe(1);
  await fresh.close();

  await ui.getByLabel('Password').fill(PASSWORD);
  await ui.getByRole('button', { name: 'Log in', exact: true }).click();
  await until(async () => (await tabStatus(b, tabId)).state === 'verified', 30_000, 'verified', b);
  await ui.close();
  await page.close();
});
