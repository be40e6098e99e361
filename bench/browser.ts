/**
 * `npm run bench:browser` (issue 4, "must show" 8): the 40-subresource demo page reloaded 10 times with a
 * Mutual session (every request through CDP Fetch: Authorization added, vks checked) versus the very same
 * page served without authentication by a plain local server in the same browser (no interception).
 * Reports the page-load times (navigation start → load event end) and the median ratio. Then click-to-verified
 * (issue 10): Enter in the login UI → the gallery loaded and "verified", against HTTP Basic on the same page
 * (the recorded bodies behind a Basic challenge), alternated in the same run, and their median ratio.
 *
 * `npm run bench:browser -- --browser firefox`: the same measurement in Debian's firefox-esr with the Firefox
 * build (blocking webRequest instead of CDP Fetch), driven through e2e/support/browsers.ts.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { galleryComplete, launch, logIn, loginUrl, message, PASSWORD, startServer, tabIdOf, tabStatus, until, type Browser } from '../e2e/support/harness.ts';
import { launchFirefox, type WebPage } from '../e2e/support/browsers.ts';
import { galleryComplete as galleryCompleteBoth, logIn as logInBoth } from '../e2e/support/both.ts';
import { median, plainServer, recordBodies, type RecordedBodies } from './recorded-page.ts';

/** The probe extension of the floor measurement (a bench fixture, not part of the build). */
const FLOOR_PROBE = fileURLToPath(new URL('./cdp-floor', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 10);
const CLICK_RUNS = Number(process.env.CLICK_RUNS ?? 5);

function report(browser: string, how: string, withSession: number[], without: number[]): void {
  const mWith = median(withSession);
  const mWithout = median(without);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`bench:browser — 40-subresource page, ${RUNS} loads each, ${browser}`);
  console.log(`  with Mutual session (${how}):  median ${mWith.toFixed(1)} ms   [${fmt(withSession)}]`);
  console.log(`  same page, no authentication:     median ${mWithout.toFixed(1)} ms   [${fmt(without)}]`);
  console.log(`  ratio (median with / without):    ${(mWith / mWithout).toFixed(2)}×  (+${((mWith - mWithout) / 41).toFixed(2)} ms per request)`);
  console.log(JSON.stringify({ browser, runs: RUNS, withSessionMs: withSession, withoutMs: without, medianWithMs: mWith, medianWithoutMs: mWithout, ratio: mWith / mWithout }));
}

/**
 * Chromium's own floor, measured in the same run: the plain page under the probe extension's bare CDP
 * pause/continue (bench/cdp-floor), with the Network domain the trust model needs and without it.
 */
function reportFloor(withSession: number[], without: number[], floorNet: number[], floorFetch: number[]): void {
  const [w, p, fn, ff] = [median(withSession), median(without), median(floorNet), median(floorFetch)];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log('  the floor (same plain page, a probe extension that only pauses and continues every request):');
  console.log(`    Fetch + Page + Network (cache off, no service worker), as ours: median ${fn.toFixed(1)} ms   [${fmt(floorNet)}]`);
  console.log(`    Fetch + Page only:                                              median ${ff.toFixed(1)} ms   [${fmt(floorFetch)}]`);
  console.log(`  floor ratio (floor with Network / without):  ${(fn / p).toFixed(2)}×   (Fetch + Page only: ${(ff / p).toFixed(2)}×)`);
  console.log(`  ours above the floor (median with / floor with Network):  ${(w / fn).toFixed(2)}×  (+${((w - fn) / 41).toFixed(2)} ms per request)`);
  console.log(JSON.stringify({ floorNetworkMs: floorNet, floorFetchMs: floorFetch, floorRatio: fn / p, floorFetchRatio: ff / p, oursOverFloor: w / fn }));
}

/** Firefox: the page's own bytes are recorded with fetch() from the authenticated page (through the extension). */
async function firefox(): Promise<void> {
  const server = await startServer(['--demo-password', PASSWORD, '--quiet']);
  const b = await launchFirefox();
  let plain: http.Server | undefined;
  try {
    const page = await b.newPage();
    await page.goto(`${server.url}/p256/`);
    await logInBoth(b, page);
    const galleryUrl = `${server.url}/p256/gallery.html`;
    await page.goto(galleryUrl);
    await galleryCompleteBoth(page);
    const recorded = await page.evaluate(async () => {
      const urls = [location.href, ...[...document.querySelectorAll('img, script[src], link[rel=stylesheet]')].map((e) => (e as HTMLImageElement).src || (e as HTMLLinkElement).href)];
      const out: Array<[string, string, string]> = [];
      for (const u of urls) {
        const r = await fetch(u, { cache: 'no-store' });
        const bytes = new Uint8Array(await r.arrayBuffer());
        let bin = '';
        for (const x of bytes) bin += String.fromCharCode(x);
        out.push([new URL(u).pathname, r.headers.get('content-type') ?? 'application/octet-stream', btoa(bin)]);
      }
      return out;
    }, undefined);
    const bodies = new Map(recorded.map(([path, type, b64]) => [path, { type, body: Buffer.from(b64, 'base64') }] as const));
    if (bodies.size < 41) throw new Error(`recorded only ${bodies.size} of the page's 41 resources`);
    const p = await plainServer(bodies);
    plain = p.server;
    const loadTime = async (pg: WebPage, url: string): Promise<number> => {
      await pg.goto(url);
      await galleryCompleteBoth(pg);
      return pg.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return n.loadEventEnd - n.startTime;
      }, undefined);
    };
    const pWith = await b.newPage();
    const pWithout = await b.newPage();
    await loadTime(pWith, galleryUrl);
    await loadTime(pWithout, `${p.origin}/p256/gallery.html`);
    const withSession: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      withSession.push(await loadTime(pWith, galleryUrl));
      without.push(await loadTime(pWithout, `${p.origin}/p256/gallery.html`));
    }
    report(`Firefox ESR ${b.version}`, 'blocking webRequest', withSession, without);
  } finally {
    if (plain) {
      plain.closeAllConnections();
      plain.close();
    }
    await b.close();
    await server.stop();
  }
}

/**
 * Click-to-verified: the tab shows the gallery's 401, the login UI is filled in; from the Enter key to the
 * gallery loaded in the tab and the toolbar saying "verified" (key exchange, reload, 40 authenticated
 * subresources). Logged out again between runs, so every run is a full login.
 */
async function mutualClick(b: Browser, galleryUrl: string, run: number): Promise<number> {
  {
    const page = await b.context.newPage();
    await page.goto(`${galleryUrl}?click=${run}`); // a unique URL, to find the tab
    const tabId = await tabIdOf(b, page);
    await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
    const ui = await b.context.newPage();
    await ui.goto(loginUrl(b, tabId));
    await ui.getByLabel('Username').fill('alice');
    await ui.getByLabel('Password').fill(PASSWORD);
    const t0 = performance.now();
    await ui.getByLabel('Password').press('Enter');
    await until(async () => (await tabStatus(b, tabId)).state === 'verified', 30_000, 'verified', b);
    await galleryComplete(page);
    const ms = performance.now() - t0;
    const key = (await tabStatus(b, tabId)).session?.key;
    if (key !== undefined) await message(b, { type: 'logout', key });
    await ui.close().catch(() => undefined);
    await page.close();
    return ms;
  }
}

/**
 * The same with HTTP Basic on the same page (recorded bodies, a fresh server per run so the browser's auth
 * cache starts empty): credentials "entered" as the navigation starts (user:password@ URL), until the gallery
 * is loaded (401, the page again with credentials, 40 subresources sent pre-emptively).
 */
async function basicClick(b: Browser, bodies: RecordedBodies): Promise<number> {
  {
    const s = await plainServer(bodies, { user: 'alice', password: 'pw' });
    try {
      const page = await b.context.newPage();
      const u = new URL(`${s.origin}/p256/gallery.html`);
      u.username = 'alice';
      u.password = 'pw';
      const t0 = performance.now();
      await page.goto(u.href);
      await galleryComplete(page);
      const ms = performance.now() - t0;
      await page.close();
      return ms;
    } finally {
      s.server.closeAllConnections();
      s.server.close();
    }
  }
}

function reportClicks(mutual: number[], basic: number[]): void {
  const m = median(mutual);
  const bb = median(basic);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`bench:browser — click-to-verified (Enter → 40-subresource page loaded), ${CLICK_RUNS} logins each`);
  console.log(`  Mutual (P-256, login UI):  median ${m.toFixed(1)} ms   [${fmt(mutual)}]`);
  console.log(`  HTTP Basic, same page:     median ${bb.toFixed(1)} ms   [${fmt(basic)}]`);
  console.log(`  click-to-verified ratio (median Mutual / Basic): ${(m / bb).toFixed(2)}×`);
  console.log(JSON.stringify({ clickRuns: CLICK_RUNS, mutualClickMs: mutual, basicClickMs: basic, clickRatio: m / bb }));
}

async function main(): Promise<void> {
  if (process.argv.includes('firefox') && process.argv.some((a) => a === '--browser' || a === '--browser=firefox')) return firefox();
  const server = await startServer(['--demo-password', PASSWORD, '--quiet']);
  const b = await launch([], undefined, [FLOOR_PROBE]);
  let plain: http.Server | undefined;
  try {
    const page = await b.context.newPage();
    await page.goto(`${server.url}/p256/`);
    const loginTab = await logIn(b, page);

    // Record the authenticated page's bytes, to serve the same page without authentication.
    const bodies: RecordedBodies = new Map();
    recordBodies(page, server.url, bodies);
    await page.goto(`${server.url}/p256/gallery.html`);
    await galleryComplete(page);
    await new Promise((r) => setTimeout(r, 300));
    const served = await plainServer(bodies);
    plain = served.server;
    const plainUrl = `${served.origin}/p256/gallery.html`;

    const open = async (url: string) => {
      const p = await b.context.newPage();
      await p.goto(url);
      await galleryComplete(p);
      return p;
    };
    const reloadTime = async (p: Awaited<ReturnType<typeof open>>): Promise<number> => {
      await p.reload({ waitUntil: 'load' });
      await galleryComplete(p);
      return p.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return n.loadEventEnd - n.startTime;
      });
    };
    // The floor: the plain page in tabs put under the CDP domains our adapter needs by a probe extension that
    // does no work (bench/cdp-floor/worker.js) — with Network (what the trust model needs) and without.
    const floorWorker = b.context.serviceWorkers().find((w) => w.url().endsWith('/worker.js'));
    if (!floorWorker) throw new Error('the CDP floor probe extension did not start');
    const floorTab = async (network: boolean) => {
      const p = await open(`${plainUrl}?floor=${network ? 'network' : 'fetch'}`);
      const tabId = await tabIdOf(b, p);
      await floorWorker.evaluate(([id, n]) => (globalThis as unknown as { floorAttach(id: number, n: boolean): Promise<boolean> }).floorAttach(id, n), [tabId, network] as const);
      return p;
    };
    // Alternate the pages, so drift on this (shared, 2-core) machine hits all alike.
    const pWith = await open(`${server.url}/p256/gallery.html`);
    const pWithout = await open(plainUrl);
    const pFloorNet = await floorTab(true);
    const pFloorFetch = await floorTab(false);
    await reloadTime(pFloorNet);
    await reloadTime(pFloorFetch);
    const withSession: number[] = [];
    const without: number[] = [];
    const floorNet: number[] = [];
    const floorFetch: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      withSession.push(await reloadTime(pWith));
      without.push(await reloadTime(pWithout));
      floorNet.push(await reloadTime(pFloorNet));
      floorFetch.push(await reloadTime(pFloorFetch));
    }
    for (const p of [pWith, pWithout, pFloorNet, pFloorFetch]) await p.close();
    report(`Chromium ${b.context.browser()?.version() ?? ''}`, 'CDP Fetch', withSession, without);
    reportFloor(withSession, without, floorNet, floorFetch);
    // Alternated as above; every Mutual run starts logged out.
    const key = (await tabStatus(b, loginTab)).session?.key;
    if (key !== undefined) await message(b, { type: 'logout', key });
    const basic: number[] = [];
    const mutual: number[] = [];
    for (let i = 0; i < CLICK_RUNS; i++) {
      basic.push(await basicClick(b, bodies));
      mutual.push(await mutualClick(b, `${server.url}/p256/gallery.html`, i));
    }
    reportClicks(mutual, basic);
  } finally {
    if (plain) {
      plain.closeAllConnections();
      plain.close();
    }
    await b.close();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
