/**
 * Issue 4, "must show" 5, in both browsers: the server forgets its sessions (restart on the same port) → the
 * next page load recovers without a prompt: 401-STALE → a silent new exchange with the remembered pi, one
 * transparent retry (in Firefox the retried answer replaces the document's body through filterResponseData).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { duplicateNonces, PASSWORD, requestLog, serverStatus, startServer, type MutualServer } from './support/harness.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from './support/browsers.ts';
import { galleryComplete, logIn, tabStatus } from './support/both.ts';

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

  test('5: after a server restart the next load re-keys silently', async () => {
    const page = await b.newPage();
    await page.goto(`${server.url}/dl2048/`);
    const tabId = await logIn(b, page);
    await page.goto(`${server.url}/dl2048/gallery.html`);
    await galleryComplete(page);
    const tabsBefore = await b.tabCount();

    const port = server.port;
    await server.stop();
    server = await startServer(['--demo-password', PASSWORD], port);

    await page.reload();
    expect(await galleryComplete(page)).toBe('38 of 38 images loaded');
    const st = await tabStatus(b, tabId);
    expect(st.state).toBe('verified');
    expect(st.login).toBeUndefined();
    expect(await b.tabCount()).toBe(tabsBefore); // no login window opened
    const lines = requestLog(server);
    expect(lines[0]?.outcome).toMatch(/^stale/);
    expect(lines.filter((l) => l.outcome === 'kex-s1').length).toBe(1);
    expect(lines.slice(2).filter((l) => l.outcome !== 'authenticated')).toEqual([]);
    expect(duplicateNonces(lines)).toEqual([]);
    const status = await serverStatus(server);
    expect(status.duplicateNonces).toBe(0);
    expect(status.exchanges).toBe(1);
  });
});
