/**
 * Issue 4, "must show" 4, in both browsers (issue 8): the background is stopped in the middle of page loads,
 * 10 times → every request is still authenticated and no nonce number is ever used twice (the engine state
 * and in-flight sequences are in storage.session before each request goes out).
 *
 * - Chromium: the service worker is stopped with CDP ServiceWorker.stopAllWorkers. Debugger events do not wake
 *   a stopped worker and the requests it had paused stay stuck; the content script's keep-awake ping wakes it,
 *   and the new worker replaces (tabs.discard) and reloads the stuck page — so the page may come back as a new
 *   tab (the Chromium-only branch below follows it).
 * - Firefox: the event page is stopped through its suspension path (browsers.ts stopBackground); the next webRequest event
 *   wakes it with its persistent listeners, and the tab stays the same tab.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { duplicateNonces, PASSWORD, requestLog, serverStatus, startServer, type MutualServer } from './support/harness.ts';
import { scenarioBrowsers, launchBrowser, type E2EBrowser, type WebPage } from './support/browsers.ts';
import { galleryComplete, logIn, tabStatus, until } from './support/both.ts';

const WORKER_STOPS = 10;

describe.each(scenarioBrowsers('stopped-background'))('%s', (browserName) => {
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

  /** The page showing `url` after a stop: Chromium may have replaced the tab (new Playwright page). */
  async function currentPage(page: WebPage, url: string): Promise<WebPage> {
    const c = b.chromium;
    if (!c) return page; // Firefox: the tab is never replaced.
    const old = c.pageOf(page);
    const latest = await until(b, async () => c.browser.context.pages().filter((p) => !p.isClosed() && p.url() === url).at(-1), 'the gallery page', 10_000);
    if (latest === old) return page;
    await latest.waitForLoadState('load');
    return c.wrap(latest);
  }

  test(`4: the background stopped ${WORKER_STOPS} times during page loads: every request authenticated, no nc reused`, async () => {
    let page = await b.newPage();
    await page.goto(`${server.url}/p521/`);
    await logIn(b, page);
    const gallery = `${server.url}/p521/gallery.html`;
    await page.goto(gallery);
    await galleryComplete(page);

    const startLine = server.log.length;
    let replaced = 0;
    for (let i = 0; i < WORKER_STOPS; i++) {
      const before = server.log.length;
      // If the background dies while requests are paused, Chromium's restarted worker replaces the stuck page
      // and reloads it: this reload may then fail; the page must still end complete.
      const reload = page.reload().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 15 + i * 12)); // stop at different points of the load
      await b.stopBackground();
      try {
        await reload;
        await until(b, async () => server.log.slice(before).filter((l) => / authenticated$/.test(l)).length >= 41, 'a complete authenticated load', 20_000);
        const current = await currentPage(page, gallery);
        if (current !== page) replaced++;
        page = current;
        expect(await until(b, () => galleryComplete(page).catch(() => ''), 'the gallery', 10_000)).toBe('38 of 38 images loaded');
      } catch (e) {
        throw new Error(`scenario 4 (stopped background) broke at reload ${i}: ${String(e)}\n${server.log.slice(before).join('\n')}\n--- trace\n${await b.trace().catch(() => '?')}`);
      }
    }
    console.log(`${b.name}: background stopped ${WORKER_STOPS} times; the page had to be replaced ${replaced} times`);
    const during = requestLog(server).slice(-(server.log.length - startLine));
    const p521 = during.filter((l) => l.path.startsWith('/p521/'));
    expect(p521.length).toBeGreaterThanOrEqual(WORKER_STOPS * 41);
    expect(p521.filter((l) => l.outcome !== 'authenticated'), 'scenario 4: requests not authenticated across background stops').toEqual([]);
    expect(duplicateNonces(requestLog(server)), 'scenario 4: nonce numbers reused across background stops').toEqual([]);
    const status = await serverStatus(server);
    expect(status.duplicateNonces).toBe(0);
    expect(status.staleRejections).toBe(0);
    const tabId = await until(b, () => b.tabIdOf(page).catch(() => undefined), 'a unique tab for the page', 10_000);
    expect((await tabStatus(b, tabId)).state).toBe('verified');
  });
});
