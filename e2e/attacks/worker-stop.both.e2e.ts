/**
 * Issue 7, "the background survives being stopped at any moment", in both browsers (issue 8): the
 * stopped-background scenario of e2e/worker-restart.both.e2e.ts (a logged-in 40-subresource page reloaded, the
 * background stopped during the load) run many times, the stop point spread over the first 150 ms of the load.
 * Trust rule: every state of the background lives in one place that survives a restart, so after every stop
 * the page completes, every request is authenticated, no nonce number is ever used twice, and no tab is left
 * on the "Checking the server" page.
 *
 * - Chromium: 50 stops (CDP ServiceWorker.stopAllWorkers), as issue 7 asks; the restarted worker may replace a
 *   stuck tab (followed in a Chromium-only branch).
 * - Firefox: 10 stops (15 ms apart over the same 150 ms), to keep `npm test` inside its 30 minutes: the event
 *   page goes through Firefox's own suspension (runtime.onSuspend, then unloaded) without the postponement Firefox
 *   applies while listener promises are pending (browsers.ts stopBackground); a webRequest event during
 *   onSuspend cancels a suspension, so a stop may land later in the load than asked (each stop logs how many of
 *   the load's requests the server had answered when it landed). Without the extension's onSuspend drain
 *   (docs/browser-notes.md, "event page stopped mid-request") this failed: requests went out bare. The tab is
 *   never replaced.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { duplicateNonces, PASSWORD, requestLog, serverStatus, startServer, type MutualServer } from '../support/harness.ts';
import { scenarioBrowsers, launchBrowser, type E2EBrowser, type WebPage } from '../support/browsers.ts';
import { galleryComplete, logIn, tabStatus, until } from '../support/both.ts';

const STOPS = { chromium: 50, firefox: 10 } as const;
const SPREAD_MS = 150;
const CHECKING = /Checking the server/;
const RULE = 'trust rule "the background survives being stopped at any moment (state in one place that survives a restart)"';

describe.each(scenarioBrowsers('stopped-background'))('%s', (browserName) => {
  const stops = STOPS[browserName];
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

  /** Web pages (of this test) whose text, closed shadow roots included, says "Checking the server". */
  async function checkingTabs(pages: WebPage[]): Promise<string[]> {
    const c = b.chromium;
    // Chromium: every open tab, since the restarted worker may have replaced ours with one we never wrapped.
    const all = c ? c.browser.context.pages().filter((p) => !p.isClosed() && p.url().startsWith('http')).map((p) => c.wrap(p)) : pages;
    const out: string[] = [];
    for (const p of all) if (CHECKING.test(await b.allText(p).catch(() => ''))) out.push(p.url());
    return out;
  }

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

  test(`the background stopped ${stops} times over the first ${SPREAD_MS} ms of page loads: every page complete and authenticated, no nonce reused, no tab left "checking"`, async () => {
    let page = await b.newPage();
    await page.goto(`${server.url}/p521/`);
    await logIn(b, page);
    const gallery = `${server.url}/p521/gallery.html`;
    await page.goto(gallery);
    await galleryComplete(page);

    const startLine = server.log.length;
    let replaced = 0;
    const started = Date.now();
    /** Per stop: how many requests of that load the server had answered when the background was stopped. */
    const landed: number[] = [];
    for (let i = 0; i < stops; i++) {
      const stopAt = Math.round((i * SPREAD_MS) / stops);
      const before = server.log.length;
      // If the background dies while requests are paused, Chromium's restarted worker may replace the stuck page
      // (new tab, new Playwright page) and reload it; the page must still end complete.
      const reload = page.reload().catch(() => undefined);
      await new Promise((r) => setTimeout(r, stopAt));
      await b.stopBackground();
      landed.push(server.log.length - before);
      try {
        await reload;
        await until(b, async () => server.log.slice(before).filter((l) => / authenticated$/.test(l)).length >= 41, 'a complete authenticated load', 20_000);
        const current = await currentPage(page, gallery);
        if (current !== page) replaced++;
        page = current;
        expect(await until(b, () => galleryComplete(page).catch(() => ''), 'the gallery', 10_000)).toBe('38 of 38 images loaded');
        // Judged per load, so that a failure names the stop point: nothing of this load went out bare or unverified.
        const bare = requestLog({ ...server, log: server.log.slice(before) }).filter((l) => l.path.startsWith('/p521/') && l.outcome !== 'authenticated');
        if (bare.length > 0) throw new Error(`requests not authenticated: ${bare.map((l) => `${l.method} ${l.path} ${l.status} ${l.outcome}`).join(', ')}`);
      } catch (e) {
        const checking = await checkingTabs([page]);
        throw new Error(
          `${RULE} broke (${b.name}) at stop ${i + 1} of ${stops} (background stopped ${stopAt} ms into the load): ${String(e)}` +
          `${checking.length ? `\ntabs left on "Checking the server": ${checking.join(', ')}` : ''}` +
          `\n--- server log of this load:\n${server.log.slice(before).join('\n')}\n--- extension trace:\n${await b.trace().catch(() => '?')}`,
        );
      }
    }
    console.log(`${b.name}: background stopped ${stops} times in ${Math.round((Date.now() - started) / 1000)} s; the page had to be replaced ${replaced} times; `
      + `requests of the load answered when each stop landed (of 41): ${landed.join(' ')}`);
    const during = requestLog(server).slice(-(server.log.length - startLine));
    const p521 = during.filter((l) => l.path.startsWith('/p521/'));
    expect(p521.length).toBeGreaterThanOrEqual(stops * 41);
    expect(p521.filter((l) => l.outcome !== 'authenticated').map((l) => `${l.method} ${l.path} ${l.status} ${l.outcome}`), `${RULE} broke (${b.name}): requests not authenticated`).toEqual([]);
    expect(duplicateNonces(requestLog(server)), `${RULE} broke (${b.name}): nonce numbers used twice`).toEqual([]);
    const status = await serverStatus(server);
    expect(status.duplicateNonces, `${RULE} broke (${b.name}): the server saw reused nonce numbers`).toBe(0);
    expect(status.staleRejections).toBe(0);
    expect(await checkingTabs([page]), `${RULE} broke (${b.name}): tabs left on "Checking the server"`).toEqual([]);
    const tabId = await until(b, () => b.tabIdOf(page).catch(() => undefined), 'a unique tab for the page', 10_000);
    expect((await tabStatus(b, tabId)).state, `${RULE} broke (${b.name}): the tab is not "verified" at the end`).toBe('verified');
  }, 600_000);
});
