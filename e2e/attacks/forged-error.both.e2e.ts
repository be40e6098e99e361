/**
 * Issue 7, attack 6 — a forged error page inside a session, in both browsers (issue 8). The user is logged in
 * to M; a main-frame request in the session is answered 500 *without* Authentication-Info, with a body of the
 * attacker's choosing (a relay or anyone on the path can send that; RFC 8120 §10.1 says such a response proves
 * nothing). Trust rule: a main-frame 5xx without Authentication-Info inside a session shows a neutral "the
 * server answered with an error and did not prove itself" page — never the unproven body — and the tab is not
 * "verified".
 */
import { describe, expect, test } from 'vitest';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers } from '../support/browsers.ts';
import { logIn, tabStatus } from '../support/both.ts';
import { describeSeen, FORGED_TEXT } from '../support/trust-site.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName, { logIn: false });

  test('6: a main-frame 500 without Authentication-Info in the session → its forged body is never shown', async () => {
    const { m, b } = scene;
    const page = await b.newPage();
    await page.goto(`${m.url}/p256/`);
    const tabId = await logIn(b, page);
    const shown = page.recordShown();
    const from = m.seen.length;
    await page.goto(`${m.url}/p256/forged-error`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    shown.push(await b.allText(page).catch(() => ''));
    const st = await tabStatus(b, tabId);
    const url = await b.tabUrl(tabId).catch(() => '?');
    const trace = await b.trace().catch(() => '?');
    const msg = (what: string) =>
      `trust rule "a main-frame 5xx without Authentication-Info in a session shows a neutral page, never the unproven body" broke (${b.name}) — ${what}\n` +
      `tab URL ${url}, state ${st.state}\nrequests at M:\n${describeSeen(m.seen.slice(from))}\n--- extension trace:\n${trace}`;
    expect(m.seen.slice(from).some((r) => r.path === '/p256/forged-error' && r.status === 500 && r.mutual === 'vfy-c'), msg('the test is void: no authenticated request got the forged 500')).toBe(true);
    expect(shown.filter((c) => c.includes(FORGED_TEXT)).length, msg('the forged body was shown in the tab')).toBe(0);
    expect(st.state, msg('the tab still says "verified" on an unproven answer')).not.toBe('verified');
  });
});
