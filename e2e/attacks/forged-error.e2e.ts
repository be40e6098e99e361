/**
 * Issue 7, attack 6 — a forged error page inside a session. The user is logged in to M; a main-frame request
 * in the session is answered 500 *without* Authentication-Info, with a body of the attacker's choosing (a
 * relay or anyone on the path can send that; RFC 8120 §10.1 says such a response proves nothing). Trust rule:
 * a main-frame 5xx without Authentication-Info inside a session shows a neutral "the server answered with an
 * error and did not prove itself" page — never the unproven body — and the tab is not "verified".
 */
import { beforeAll, expect, test } from 'vitest';
import { attackScene } from '../support/attack-scene.ts';
import { allText, logIn, tabStatus, traceOf, type Browser } from '../support/harness.ts';
import { describeSeen, FORGED_TEXT, type TrustSite } from '../support/trust-site.ts';

const scene = attackScene({ logIn: false });
let m: TrustSite;
let b: Browser;
beforeAll(() => {
  ({ m, b } = scene);
});

test('6: a main-frame 500 without Authentication-Info in the session → its forged body is never shown', async () => {
  const page = await b.context.newPage();
  await page.goto(`${m.url}/p256/`);
  const tabId = await logIn(b, page);
  const shown: string[] = [];
  page.on('load', () => void page.content().then((c) => shown.push(c)).catch(() => undefined));
  page.on('domcontentloaded', () => void page.content().then((c) => shown.push(c)).catch(() => undefined));
  const from = m.seen.length;
  await page.goto(`${m.url}/p256/forged-error`).catch(() => undefined);
  await page.waitForLoadState('load').catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3000));
  shown.push(await allText(b, page).catch(() => ''));
  const st = await tabStatus(b, tabId);
  const trace = await traceOf(b).catch(() => '?');
  const msg = (what: string) =>
    `trust rule "a main-frame 5xx without Authentication-Info in a session shows a neutral page, never the unproven body" broke — ${what}\n` +
    `tab URL ${page.url()}, state ${st.state}\nrequests at M:\n${describeSeen(m.seen.slice(from))}\n--- extension trace:\n${trace}`;
  expect(m.seen.slice(from).some((r) => r.path === '/p256/forged-error' && r.status === 500 && r.mutual === 'vfy-c'), msg('the test is void: no authenticated request got the forged 500')).toBe(true);
  expect(shown.filter((c) => c.includes(FORGED_TEXT)).length, msg('the forged body was shown in the tab')).toBe(0);
  expect(st.state, msg('the tab still says "verified" on an unproven answer')).not.toBe('verified');
});
