/**
 * Issue 7, attack 7 — a login pending across a background restart, in both browsers (issue 8). A protected
 * page asks for a login; the login UI is open with the pending login; the background is stopped (Chromium:
 * MV3 stops idle service workers at any time; Firefox: the event page is suspended when idle — forced here);
 * then the user types and submits. Trust rule: every state of the background (pending logins included) lives
 * in one place that survives a restart — so the login completes: the tab ends "verified" and shows the
 * authenticated page.
 */
import { describe, expect, test } from 'vitest';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers } from '../support/browsers.ts';
import { tabStatus, until } from '../support/both.ts';
import { PASSWORD } from '../support/harness.ts';
import { describeSeen } from '../support/trust-site.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName, { logIn: false });

  test('7: a login pending across a background restart completes → verified', async () => {
    const { m, b } = scene;
    const page = await b.newPage();
    await page.goto(`${m.url}/p256/`);
    const tabId = await b.tabIdOf(page);
    await until(b, async () => (await tabStatus(b, tabId)).login, 'the login prompt', 10_000);
    const ui = await b.openExtensionPage(`pages/login.html?tab=${tabId}`, 'Log in');
    await ui.waitFor('input[type="password"]');

    await b.stopBackground();
    await new Promise((r) => setTimeout(r, 1000));

    await ui.fill('Username', 'alice');
    await ui.fill('Password', PASSWORD);
    await ui.pressEnter('Password');
    // Verified, or the login UI reported an error (then there is no point waiting the full 30 s).
    await until(b, async () => (await tabStatus(b, tabId)).state === 'verified' || (await ui.count('[role="alert"]')) > 0, 'verified', 30_000).catch(() => undefined);
    const verified = await until(b, async () => (await tabStatus(b, tabId)).state === 'verified', 'verified', 3000).then(() => true, () => false);
    const alert = (await ui.count('[role="alert"]')) > 0 ? await ui.waitFor('[role="alert"]', 500).catch(() => '') : '';
    const trace = await b.trace().catch(() => '?');
    const msg = (what: string) =>
      `trust rule "every background state (pending logins included) lives in one place that survives a background restart" broke (${b.name}) — ${what}\n` +
      `login UI says: ${alert || '(nothing)'}\nrequests at M:\n${describeSeen(m.seen)}\n--- extension trace:\n${trace}`;
    expect(verified, msg('the login did not complete (tab never "verified")')).toBe(true);
    await page.waitFor(() => document.body?.textContent?.includes('Authenticated as') ?? false, undefined, 20_000).catch(() => undefined);
    expect(await page.textContent('body'), msg('the page was not reloaded authenticated')).toContain('Authenticated as alice');
    await ui.close();
  });
});
