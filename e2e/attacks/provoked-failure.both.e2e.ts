/**
 * Issue 7, attack 3 — provoked failure / forced logout, in both browsers (issue 8). The user is logged in to
 * M. A page of E calls `fetch(M, {mode: 'no-cors'})`: the answer is opaque to E, and the browser may withhold
 * headers of such responses (Chromium's opaque-response blocking), Authentication-Info included. Trust rule: a
 * page cannot provoke a failure — only a response to a request the extension authenticated can suspend a
 * realm, and a response whose headers the browser withheld is never taken for the server failing. So M's
 * session stays: M's tab still "verified" with live keys, and the next load in M's tab is authenticated with
 * the same session (no new key exchange, no login UI).
 */
import { describe, expect, test } from 'vitest';
import { attackPage } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers } from '../support/browsers.ts';
import { tabStatus, until } from '../support/both.ts';
import { describeSeen } from '../support/trust-site.ts';

interface SessionRow { key: string; realm: string; active: boolean; username: string }

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName);

  test('3: fetch(M, {mode: "no-cors"}) from another origin → M\'s session intact, M\'s tab still verified with live keys', async () => {
    const { m, e, b, mTab } = scene;
    const mTabId = await b.tabIdOf(mTab);
    const sidBefore = m.log.filter((l) => / authenticated$/.test(l)).at(-1)?.match(/sid=(\S+)/)?.[1];
    const ui = await b.watchLoginUis();
    const from = m.seen.length;
    const url = e.page('/nocors.html', attackPage('Just a page', '', `
      window.done = 0;
      const M = ${JSON.stringify(m.url)};
      for (const p of ['/p256/', '/p256/gallery.html', '/p256/res/img-3.svg']) {
        fetch(M + p, { mode: 'no-cors', credentials: 'include' }).finally(() => { window.done++; });
      }
    `));
    const ePage = await b.newPage();
    await ePage.goto(url);
    await until(b, async () => (await ePage.evaluate(() => (window as unknown as { done: number }).done, undefined)) === 3, 'the no-cors fetches', 15_000);
    await new Promise((r) => setTimeout(r, 4000));
    const fromE = describeSeen(m.seen.slice(from));
    const trace = await b.trace().catch(() => '?');
    const msg = (what: string) =>
      `trust rule "a page cannot provoke a failure: only a response to a request the extension authenticated for the session's own documents can suspend a realm" broke (${b.name}) — ${what}\n` +
      `requests at M during the attack:\n${fromE}\n--- extension trace:\n${trace}`;

    expect(m.seen.slice(from).filter((r) => r.mode === 'no-cors').length, msg('the test is void: the no-cors fetches never reached M')).toBeGreaterThanOrEqual(3);
    const sessions = (await b.message<SessionRow[]>({ type: 'sessions' })).value ?? [];
    const s = sessions.find((x) => x.realm === m.realmOf('/p256/'));
    expect(s?.active, msg(`M's realm was suspended or logged out (sessions: ${JSON.stringify(sessions)})`)).toBe(true);
    const st = await tabStatus(b, mTabId);
    expect(st.state, msg(`M's tab says "${st.state}"`)).toBe('verified');
    expect(st.session?.active, msg('M\'s tab is "verified" with no live session keys behind it')).toBe(true);

    // The next load in M's tab: authenticated with the same session, no key exchange, no login.
    const at = m.seen.length;
    await mTab.reload();
    await mTab.waitFor(() => document.body?.textContent?.includes('Authenticated as') ?? false, undefined, 15_000).catch(() => undefined);
    const after = m.seen.slice(at);
    const msg2 = (what: string) => `${msg(what)}\nrequests at M on reloading M's tab:\n${describeSeen(after)}`;
    expect(after.filter((r) => r.mutual === 'kex-c1').length, msg2('M\'s tab had to run a new key exchange')).toBe(0);
    expect(await mTab.textContent('body'), msg2('M\'s page is no longer authenticated')).toContain('Authenticated as');
    const sidAfter = m.log.filter((l) => / authenticated$/.test(l)).at(-1)?.match(/sid=(\S+)/)?.[1];
    expect(sidAfter, msg2('M\'s page was authenticated with another session')).toBe(sidBefore);
    expect(await ui.urls(), msg2('a login UI opened')).toEqual([]);
    expect((await tabStatus(b, mTabId)).state).toBe('verified');
    await ePage.close();
  });
});
