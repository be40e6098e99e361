/**
 * Issue 7, "the background survives being stopped at any moment": the worker-stop scenario of
 * e2e/worker-restart.e2e.ts (a logged-in 40-subresource page reloaded, the service worker stopped with CDP
 * ServiceWorker.stopAllWorkers during the load) run 50 times, the stop point spread over the first 150 ms of
 * the load (3 ms apart). Trust rule: every state of the background lives in one place that survives a restart,
 * so after every stop the page completes, every request is authenticated, no nonce number is ever used twice,
 * and no tab is left on the "Checking the server" page.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import {
  allText, duplicateNonces, galleryComplete, launch, logIn, PASSWORD, requestLog, serverStatus, startServer, tabIdOf, tabStatus, traceOf, until,
  type Browser, type MutualServer,
} from '../support/harness.ts';

const STOPS = 50;
const SPREAD_MS = 150;
const CHECKING = /Checking the server/;
const RULE = 'trust rule "the background survives being stopped at any moment (state in one place that survives a restart)"';

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

async function checkingTabs(): Promise<string[]> {
  const out: string[] = [];
  for (const p of b.context.pages()) {
    if (p.isClosed() || !p.url().startsWith('http')) continue;
    const text = await allText(b, p).catch(() => '');
    if (CHECKING.test(text)) out.push(p.url());
  }
  return out;
}

test(`the service worker stopped ${STOPS} times over the first ${SPREAD_MS} ms of page loads: every page complete and authenticated, no nonce reused, no tab left "checking"`, async () => {
  let page: Page = await b.context.newPage();
  await page.goto(`${server.url}/p521/`);
  await logIn(b, page);
  const gallery = `${server.url}/p521/gallery.html`;
  await page.goto(gallery);
  await galleryComplete(page);

  const probe = await b.probe();
  const cdp: CDPSession = await b.context.newCDPSession(probe);
  await cdp.send('ServiceWorker.enable');
  const startLine = server.log.length;
  let replaced = 0;
  const started = Date.now();
  for (let i = 0; i < STOPS; i++) {
    const stopAt = Math.round((i * SPREAD_MS) / STOPS);
    const before = server.log.length;
    // If the worker dies while requests are paused, the restarted worker may replace the stuck page (new tab,
    // new Playwright page) and reload it; the page must still end complete.
    const reload = page.reload({ waitUntil: 'load', timeout: 20_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, stopAt));
    await cdp.send('ServiceWorker.stopAllWorkers');
    try {
      await reload;
      await until(async () => server.log.slice(before).filter((l) => / authenticated$/.test(l)).length >= 41, 20_000, 'a complete authenticated load');
      const current = await until(async () => b.context.pages().filter((p) => !p.isClosed() && p.url() === gallery).at(-1), 10_000, 'the gallery page');
      if (current !== page) replaced++;
      page = current;
      await page.waitForLoadState('load');
      expect(await until(() => galleryComplete(page).catch(() => ''), 10_000, 'the gallery')).toBe('38 of 38 images loaded');
      // Judged per load, so that a failure names the stop point: nothing of this load went out bare or unverified.
      const bare = requestLog({ ...server, log: server.log.slice(before) }).filter((l) => l.path.startsWith('/p521/') && l.outcome !== 'authenticated');
      if (bare.length > 0) throw new Error(`requests not authenticated: ${bare.map((l) => `${l.method} ${l.path} ${l.status} ${l.outcome}`).join(', ')}`);
    } catch (e) {
      const checking = await checkingTabs();
      throw new Error(
        `${RULE} broke at stop ${i + 1} of ${STOPS} (worker stopped ${stopAt} ms into the load): ${String(e)}` +
        `${checking.length ? `\ntabs left on "Checking the server": ${checking.join(', ')}` : ''}` +
        `\n--- server log of this load:\n${server.log.slice(before).join('\n')}\n--- extension trace:\n${await traceOf(b).catch(() => '?')}`,
      );
    }
  }
  console.log(`worker stopped ${STOPS} times in ${Math.round((Date.now() - started) / 1000)} s; the page had to be replaced ${replaced} times`);
  const during = requestLog(server).slice(-(server.log.length - startLine));
  const p521 = during.filter((l) => l.path.startsWith('/p521/'));
  expect(p521.length).toBeGreaterThanOrEqual(STOPS * 41);
  expect(p521.filter((l) => l.outcome !== 'authenticated').map((l) => `${l.method} ${l.path} ${l.status} ${l.outcome}`), `${RULE} broke: requests not authenticated`).toEqual([]);
  expect(duplicateNonces(requestLog(server)), `${RULE} broke: nonce numbers used twice`).toEqual([]);
  const status = await serverStatus(server);
  expect(status.duplicateNonces, `${RULE} broke: the server saw reused nonce numbers`).toBe(0);
  expect(status.staleRejections).toBe(0);
  expect(await checkingTabs(), `${RULE} broke: tabs left on "Checking the server"`).toEqual([]);
  const tabId = await until(() => tabIdOf(b, page).catch(() => undefined), 10_000, 'a unique tab for the page', b);
  expect((await tabStatus(b, tabId)).state, `${RULE} broke: the tab is not "verified" at the end`).toBe('verified');
  await cdp.detach();
}, 600_000);
