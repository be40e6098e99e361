/**
 * Issue 7, attack 2 — "verified" on the attacker's page, in both browsers (issue 8). The user is logged in to
 * M. A page of E (with its own fake login form on screen) first loads an image of M (as a page that attaches
 * the extension to its tab would), then navigates its top frame to an in-session URL of M that answers 204 No
 * Content, or one that answers with `Content-Disposition: attachment`. Neither commits a document: E's page
 * stays on screen. Trust rule: "verified" belongs to a committed document — set only when the verified
 * navigation commits, with the tab's committed URL. So E's tab must never say "verified" (tab-status, toolbar
 * title).
 */
import { describe, expect, test } from 'vitest';
import { attackPage } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers } from '../support/browsers.ts';
import { tabStatus, until } from '../support/both.ts';
import { describeSeen } from '../support/trust-site.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName);

  for (const target of [
    { path: 'no-content', what: 'a 204 No Content' },
    { path: 'download', what: 'a download (Content-Disposition: attachment)' },
  ]) {
    test(`2: E navigates its top frame to ${target.what} in M's session → E's tab is never "verified"`, async () => {
      const { m, e, b } = scene;
      const from = m.seen.length;
      const url = e.page(`/nav-${target.path}.html`, attackPage('Your bank — please log in', `<img id="img" src="${m.url}/p256/res/img-2.png">`, `
        const go = () => setTimeout(() => { location.href = ${JSON.stringify(`${m.url}/p256/${target.path}`)}; }, 1500);
        const img = document.getElementById('img');
        if (img.complete) go(); else { img.onload = go; img.onerror = go; }
      `));
      const ePage = await b.newPage();
      await ePage.goto(url);
      const eTab = await b.tabIdOf(ePage);
      const states: string[] = [];
      const titles: string[] = [];
      // Watch the toolbar state of E's tab through the navigation attempt and well after it.
      await until(b, async () => {
        const st = await tabStatus(b, eTab);
        states.push(st.state === 'verified' ? `verified (${st.host ?? '?'} as ${st.session?.username ?? '?'})` : st.state);
        titles.push(await b.actionTitle(eTab));
        const reached = m.seen.slice(from).some((r) => r.path === `/p256/${target.path}`);
        return reached && states.length > 60;
      }, `E's navigation to /p256/${target.path}`, 30_000);
      const trace = await b.trace().catch(() => '?');
      const msg = (what: string) =>
        `trust rule "'verified' belongs to a committed document" broke (${b.name}) — ${what}\n` +
        `E's tab now shows ${ePage.url()}; states seen: ${[...new Set(states)].join(', ')}\ntitles seen: ${[...new Set(titles)].join(' | ')}\n` +
        `requests at M:\n${describeSeen(m.seen.slice(from))}\n--- extension trace:\n${trace}`;
      // The 204 / download never commits a document of its own: the tab shows E's page (with its fake form) or,
      // if the first, bare request was answered 401, M's challenge page — never a verified document of M.
      expect(m.seen.slice(from).some((r) => r.path === `/p256/${target.path}`), msg('the test is void: the navigation never reached M')).toBe(true);
      expect(states.filter((s) => s.startsWith('verified')).length, msg('E\'s tab reported "verified"')).toBe(0);
      expect(titles.filter((t) => /verified/i.test(t)).length, msg('the toolbar title of E\'s tab said "verified"')).toBe(0);
      await ePage.close();
    });
  }
});
