/**
 * Issue 7, attack 1 — ambient authority, in both browsers (issue 8). The user is logged in to the Mutual site M; a page of another origin
 * E makes requests to M: an <img>, fetch (credentials include / default / omit, and a CORS-readable URL), an
 * <iframe>, a form POST into a frame, and a top-level form POST. Trust rule: Authorization is added like
 * SameSite=Lax, never wider — only to top-level navigations into the session's scope and to requests made by
 * the session's own documents. So M must see none of these requests authenticated, E must not read an
 * authenticated answer, and no login UI opens. A foreign page's request to a Mutual site the user never
 * logged in to must not open a login UI either.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attackPage, type Attacker } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers, type E2EBrowser, type WebPage } from '../support/browsers.ts';
import { tabStatus, until as untilIn } from '../support/both.ts';
import { serverStatus } from '../support/harness.ts';
import { describeSeen, startTrustSite, type TrustSite } from '../support/trust-site.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName);
  /** A second Mutual site the user never logged in to. */
  let never: TrustSite;
  let m: TrustSite;
  let e: Attacker;
  let b: E2EBrowser;
  let mTab: WebPage;
  beforeAll(async () => {
    ({ m, e, b, mTab } = scene);
    never = await startTrustSite();
  });
  afterAll(async () => {
    await never?.stop();
  });
  const until = <T>(f: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string) => untilIn(b, f, what, timeoutMs);

  /** Let the extension do whatever it does with E's requests (attach, reload the tab, replay) before judging. */
  const settle = (ms = 4000) => new Promise((r) => setTimeout(r, ms));

  test('1: <img>, fetch (include/default/omit), CORS fetch, <iframe>, form POST from another origin → none authenticated, no login UI', async () => {
    const M = m.url;
    const ui = await b.watchLoginUis();
    const from = m.seen.length;
    const authBefore = (await serverStatus(m)).authenticatedRequests;
    const url = e.page('/ambient.html', attackPage('Totally unrelated page', [
      `<img id="img" src="${M}/p256/res/img-1.svg">`,
      `<iframe id="frame" name="framed" src="${M}/p256/"></iframe>`,
      `<iframe name="sink"></iframe>`,
      `<form id="post" method="post" action="${M}/p256/transfer" target="sink"><input name="amount" value="1000"></form>`,
    ].join(''), `
      window.results = {};
      const M = ${JSON.stringify(M)};
      const grab = (k, p) => p.then((r) => r.text()).then((t) => { results[k] = t; }, (err) => { results[k] = 'error ' + err; });
      grab('include', fetch(M + '/p256/gallery.html', { credentials: 'include' }));
      grab('default', fetch(M + '/p256/res/app.js'));
      grab('omit', fetch(M + '/p256/res/style.css', { credentials: 'omit' }));
      grab('cors', fetch(M + '/p256/cors'));
      document.getElementById('post').submit();
    `));
    const ePage = await b.newPage();
    await ePage.goto(url);
    await until(async () => (await ePage.evaluate(() => Object.keys((window as unknown as { results: object }).results).length, undefined)) === 4, 15_000, 'the fetches');
    await settle();

    const fromE = m.seen.slice(from);
    const trace = await b.trace().catch(() => '?');
    const msg = (what: string) =>
      `trust rule "authenticate like SameSite=Lax: never requests from another site's documents" broke (${b.name}) — ${what}\n` +
      `requests M received while only E's page was active:\n${describeSeen(fromE)}\n--- extension trace:\n${trace}`;
    // M saw E's requests (the test is real) …
    expect(fromE.some((r) => r.path === '/p256/transfer' && r.method === 'POST'), msg('the form POST never reached M')).toBe(true);
    expect(fromE.some((r) => r.path === '/p256/cors'), msg('the fetch never reached M')).toBe(true);
    // … and none of them was authenticated.
    const carried = fromE.filter((r) => r.mutual !== 'none');
    expect(carried.length, msg(`${carried.length} request(s) carried Authorization: Mutual`)).toBe(0);
    const authenticated = fromE.filter((r) => r.outcome === 'authenticated');
    expect(authenticated.length, msg(`${authenticated.length} request(s) were authenticated`)).toBe(0);
    expect((await serverStatus(m)).authenticatedRequests - authBefore, msg('M counted authenticated requests')).toBe(0);

    const results = await ePage.evaluate(() => (window as unknown as { results: Record<string, string> }).results, undefined);
    expect(results.cors ?? '', msg('E read an authenticated answer of M through CORS')).not.toContain('Authenticated as');
    expect(await b.frameText(ePage, 'framed') ?? '', msg('M framed in E showed the user\'s authenticated page')).not.toContain('Authenticated as');

    const eTab = await b.tabIdOf(ePage);
    const st = await tabStatus(b, eTab);
    expect(st.state, msg(`E's tab got toolbar state "${st.state}"`)).not.toBe('verified');
    expect(st.login, msg('a login was asked for in E\'s tab')).toBeUndefined();
    expect(await ui.urls(), msg('a login UI opened')).toEqual([]);
    // M's own tab is untouched.
    expect((await tabStatus(b, await b.tabIdOf(mTab))).state).toBe('verified');
    await ePage.close();
  });

  test('1: a top-level form POST from another origin into the session → not authenticated', async () => {
    const M = m.url;
    const from = m.seen.length;
    const url = e.page('/post.html', attackPage('Win a prize', `<form id="post" method="post" action="${M}/p256/transfer"><input name="amount" value="1000"></form>`,
      `document.getElementById('post').submit();`));
    const ePage = await b.newPage();
    await ePage.goto(url);
    await until(async () => m.seen.slice(from).some((r) => r.method === 'POST'), 10_000, 'the POST at M');
    await settle();
    const fromE = m.seen.slice(from);
    const msg = (what: string) =>
      `trust rule "authenticate like SameSite=Lax: top-level navigations only for safe requests, never a foreign form post" broke (${b.name}) — ${what}\n${describeSeen(fromE)}`;
    const posts = fromE.filter((r) => r.method === 'POST');
    expect(posts.filter((r) => r.mutual !== 'none' || r.outcome === 'authenticated').length, msg('the cross-origin POST was authenticated')).toBe(0);
    expect(await ePage.textContent('body').catch(() => ''), msg('the POST\'s answer was the authenticated page')).not.toContain('transfer done');
    await ePage.close();
  });

  test('1: a foreign page\'s requests to a Mutual site never logged in → no login UI, no login asked', async () => {
    const ui = await b.watchLoginUis();
    const N = never.url;
    const from = never.seen.length;
    const url = e.page('/probe.html', attackPage('Another page', `<img src="${N}/p256/res/img-1.svg"><iframe src="${N}/p256/"></iframe>`,
      `fetch(${JSON.stringify(N)} + '/p256/', { credentials: 'include' }).catch(() => {}); fetch(${JSON.stringify(N)} + '/p256/gallery.html', { credentials: 'omit' }).catch(() => {});`));
    const ePage = await b.newPage();
    await ePage.goto(url);
    await until(async () => never.seen.length - from >= 4, 10_000, 'the requests at the other site');
    await settle();
    const eTab = await b.tabIdOf(ePage);
    const st = await tabStatus(b, eTab);
    const trace = await b.trace().catch(() => '?');
    const msg = (what: string) =>
      `trust rule "a foreign page's request gets what a logged-out browser gets and never opens a prompt" broke (${b.name}) — ${what}\n` +
      `${describeSeen(never.seen.slice(from))}\n--- extension trace:\n${trace}`;
    expect(await ui.urls(), msg('a login UI opened')).toEqual([]);
    expect(st.login, msg(`E's tab has a pending login (state "${st.state}")`)).toBeUndefined();
    await ePage.close();
  });
});
