/**
 * Issue 7, attack 5 — prompt flooding, in both browsers (issue 8). One page of E opens 10 windows, each to a
 * protected page of a different Mutual site (10 origins, 10 realms: 10 main-frame challenges within seconds;
 * a limit per tab, per host or per realm alone lets all 10 through). Trust rule: across all tabs, at most 3
 * automatically opened login UIs per minute (and one per realm per minute); the others only show "login
 * available". So at most 3 login UIs (the action popup or a pages/login.html window) open in that minute.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attackPage, startAttacker, type Attacker } from '../support/attacker.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from '../support/browsers.ts';
import { until } from '../support/both.ts';
import { describeSeen, startTrustSite, type TrustSite } from '../support/trust-site.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  let sites: TrustSite[] = [];
  let e: Attacker;
  let b: E2EBrowser;
  beforeAll(async () => {
    sites = await Promise.all(Array.from({ length: 10 }, (_, i) => startTrustSite({ areas: [`/r${i}/`] })));
    e = await startAttacker();
    // The attacker may get the clicks it needs for 10 windows; do not let the popup blocker decide the test.
    b = await launchBrowser(browserName, { popups: true });
  });
  afterAll(async () => {
    await b?.close();
    await Promise.all([...sites.map((s) => s.stop()), e?.stop()]);
  });

  test('5: 10 challenges from one page within seconds → at most 3 login UIs in that minute', async () => {
    const ui = await b.watchLoginUis();
    const started = Date.now();
    const url = e.page('/flood.html', attackPage('Loading…', '', `
      ${JSON.stringify(sites.map((s, i) => `${s.url}/r${i}/`))}.forEach((u, i) => setTimeout(() => window.open(u, '_blank'), i * 300));
    `));
    const ePage = await b.newPage();
    await ePage.goto(url);
    await until(b, async () => sites.every((s, i) => s.seen.some((r) => r.path === `/r${i}/`)), 'the 10 challenges', 20_000);
    // Give every challenge time to be handled (and any login UI to open), well inside the minute.
    await new Promise((r) => setTimeout(r, 6000));
    const elapsed = Date.now() - started;
    const opened = await ui.urls();
    const trace = await b.trace().catch(() => '?');
    expect(elapsed).toBeLessThan(60_000);
    // The watcher does see the extension's login UIs (else the limit below would hold vacuously).
    expect(opened.length, `the test is void (${b.name}): no login UI was seen at all\n--- extension trace:\n${trace}`).toBeGreaterThanOrEqual(1);
    expect(opened.length,
      `trust rule "at most 3 automatically opened login UIs per minute, across all tabs" broke (${b.name}) — ${opened.length} login UIs opened in ${Math.round(elapsed / 1000)} s:\n` +
      `${opened.join('\n')}\nrequests at the sites:\n${sites.map((s) => describeSeen(s.seen)).join('\n')}\n--- extension trace:\n${trace}`).toBeLessThanOrEqual(3);
  });
});
