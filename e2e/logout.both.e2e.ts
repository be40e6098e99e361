/**
 * Issue 4, "must show" 6, in both browsers (issue 8): Log out in the popup (RFC 8053 location-when-logout),
 * server-initiated logout (logout-timeout=0), and optional authentication (toolbar "login available", no
 * prompt, log in on request).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, startServer, type MutualServer } from './support/harness.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from './support/browsers.ts';
import { logIn, tabStatus, until } from './support/both.ts';

interface SessionView { key: string; realm: string; active: boolean; remembered: boolean }

describe.each(e2eBrowsers())('%s', (browserName) => {
  let server: MutualServer;
  let b: E2EBrowser;
  beforeAll(async () => {
    server = await startServer(['--demo-password', PASSWORD]);
    b = await launchBrowser(browserName);
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });
  const sessions = async () => (await b.message<SessionView[]>({ type: 'sessions' })).value ?? [];

  test('6a: Log out in the popup forgets the session and its key, and follows location-when-logout', async () => {
    const page = await b.newPage();
    await page.goto(`${server.url}/p256/`);
    const tabId = await logIn(b, page);
    const ui = await b.openExtensionPage(`pages/login.html?tab=${tabId}`); // the popup's UI, for this tab
    await ui.waitFor('[data-testid="site-status"]');
    expect(await ui.attr('[data-testid="site-status"]', 'data-state')).toBe('verified');
    // No "also forget the key" choice any more: Log out always forgets it (nothing keeps it for later).
    expect(await ui.count('[data-testid="site-status"] input[type="checkbox"], [data-testid="site-status"] [role="checkbox"]')).toBe(0);
    await ui.click('Log out', '[data-testid="site-status"]');
    await until(b, async () => page.url() === `${server.url}/`, 'scenario 6a: the tab following location-when-logout="/"', 10_000);
    const s = (await sessions()).find((x) => x.realm === 'mutual-demo-p256');
    expect(s?.active, 'scenario 6a: the session is still active after Log out').toBe(false);
    expect(s?.remembered, 'scenario 6a: the key is still remembered after Log out').toBe(false);
    expect((await tabStatus(b, tabId)).state).not.toBe('verified');
    await ui.close();
    await page.close();
  });

  test('6b: server-initiated logout (logout-timeout=0) ends the session', async () => {
    const page = await b.newPage();
    await page.goto(`${server.url}/p521/`);
    await logIn(b, page);
    expect((await sessions()).find((x) => x.realm === 'mutual-demo-p521')?.active).toBe(true);
    await page.goto(`${server.url}/p521/logout`);
    await until(b, async () => (await sessions()).find((x) => x.realm === 'mutual-demo-p521')?.active === false, 'scenario 6b: the session dropped after logout-timeout=0', 10_000);
    await page.close();
  });

  test('6c: an optional-authentication page shows "login available", never prompts, logs in on request', async () => {
    const tabsBefore = await b.tabCount();
    const page = await b.newPage();
    await page.goto(`${server.url}/optional/`);
    const tabId = await b.tabIdOf(page);
    const st = await until(b, async () => {
      const s = await tabStatus(b, tabId);
      return s.state === 'available' ? s : undefined;
    }, 'scenario 6c: login available', 10_000);
    expect(st.login?.optional).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await b.tabCount(), 'scenario 6c: a login window opened by itself on an optional page').toBe(tabsBefore + 1);
    expect(await page.textContent('body')).not.toContain('You chose to log in');

    const ui = await b.openExtensionPage(`pages/login.html?tab=${tabId}`, 'Log in');
    await ui.click('Log in'); // the offer
    await ui.waitFor('input[type="password"]');
    await ui.fill('Username', 'bob');
    await ui.fill('Password', PASSWORD);
    await ui.pressEnter('Password');
    await until(b, async () => (await tabStatus(b, tabId)).state === 'verified', 'scenario 6c: verified after logging in on request', 30_000);
    await page.waitFor(() => document.body?.textContent?.includes('You chose to log in') ?? false, undefined, 10_000);
    await ui.close();
    await page.close();
  });
});
