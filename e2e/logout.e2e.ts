/**
 * Issue 4, "must show" 6: Log out in the popup (RFC 8053 location-when-logout), server-initiated logout
 * (logout-timeout=0), and optional authentication (toolbar "login available", no prompt, log in on request).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, loginUrl, logIn, message, PASSWORD, startServer, tabIdOf, tabStatus, until, type Browser, type MutualServer } from './support/harness.ts';

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

interface SessionView { key: string; realm: string; active: boolean; remembered: boolean }
const sessions = async () => (await message<SessionView[]>(b, { type: 'sessions' })).value ?? [];

test('6a: Log out in the popup forgets the session and its key, and follows location-when-logout', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  const tabId = await logIn(b, page);
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId)); // the popup's UI, for this tab
  await ui.getByTestId('site-status').waitFor();
  expect(await ui.getByTestId('site-status').getAttribute('data-state')).toBe('verified');
  // No "also forget the key" choice any more: Log out always forgets it (nothing keeps it for later).
  expect(await ui.getByTestId('site-status').getByRole('checkbox').count()).toBe(0);
  await ui.getByTestId('site-status').getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${server.url}/`, { timeout: 10_000 }); // location-when-logout="/"
  const s = (await sessions()).find((x) => x.realm === 'mutual-demo-p256');
  expect(s?.active).toBe(false);
  expect(s?.remembered).toBe(false);
  expect((await tabStatus(b, tabId)).state).not.toBe('verified');
  await ui.close();
  await page.close();
});

test('6b: server-initiated logout (logout-timeout=0) ends the session', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p521/`);
  await logIn(b, page);
  expect((await sessions()).find((x) => x.realm === 'mutual-demo-p521')?.active).toBe(true);
  await page.goto(`${server.url}/p521/logout`);
  await until(async () => (await sessions()).find((x) => x.realm === 'mutual-demo-p521')?.active === false, 10_000, 'the session dropped', b);
  await page.close();
});

test('6c: an optional-authentication page shows "login available", never prompts, logs in on request', async () => {
  const pagesBefore = b.context.pages().length;
  const page = await b.context.newPage();
  await page.goto(`${server.url}/optional/`);
  const tabId = await tabIdOf(b, page);
  const st = await until(async () => {
    const s = await tabStatus(b, tabId);
    return s.state === 'available' ? s : undefined;
  }, 10_000, 'login available', b);
  expect(st.login?.optional).toBe(true);
  await new Promise((r) => setTimeout(r, 1000));
  expect(b.context.pages().length).toBe(pagesBefore + 1); // no login window opened by itself
  expect(await page.textContent('body')).not.toContain('You chose to log in');

  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByRole('button', { name: 'Log in' }).click(); // the offer
  await ui.getByLabel('Username').fill('bob');
  await ui.getByLabel('Password').fill(PASSWORD);
  await ui.getByLabel('Password').press('Enter');
  await until(async () => (await tabStatus(b, tabId)).state === 'verified', 30_000, 'verified', b);
  await page.waitForFunction(() => document.body?.textContent?.includes('You chose to log in'), undefined, { timeout: 10_000 });
  await ui.close();
  await page.close();
});
