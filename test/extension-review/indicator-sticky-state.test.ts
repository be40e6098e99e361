/**
 * Review finding: a tab's "verified" state (toolbar icon, popup, in-page indicator with the personal phrase)
 * is per *tab*, set by a verified main-frame response and cleared only by another main-frame response the
 * interceptor sees. Navigations it does not see (bfcache restore, prerender activation, any load after the
 * debugger was detached — onTabUrl detaches, the user can click "Cancel" on the debugging bar) leave the tab
 * "verified", and the next page's content script is handed the phrase and "Server verified <bank host>".
 */
import { describe, expect, it } from 'vitest';
import { route } from '../../src/extension/background/handlers.ts';
import { logIn, ORIGIN, request, roundTrip, setup } from './support.ts';

const EVIL = 'http://evil.example/';

async function verifiedTab() {
  const s = await setup();
  await logIn(s);
  const { response } = await roundTrip(s, request(1, `${ORIGIN}/`, true));
  expect(response.kind).toBe('continue');
  expect((await s.core.indicator(1)).show).toBe(true);
  return s;
}

describe('review: the verified state outlives the verified document', () => {
  it('a navigation to another site that the interceptor did not see (onTabUrl detaches) must end "verified"', async () => {
    const s = await verifiedTab();
    await s.core.onTabUrl(1, EVIL); // e.g. Back into a bfcache'd evil.example, or a prerendered page activated
    expect(s.interceptor.isAttached(1)).toBe(false);
    // evil.example's content script asks for the indicator: it must not get the phrase (today it gets
    // { show: true, host: '127.0.0.1:8080', realm: 'test', username: 'alice', phrase: 'cobalt meadow raven 42' }).
    const r = await route({ type: 'indicator' }, 'content-script', {
      core: s.core, local: s.local, activeTabId: async () => 1,
      sender: { id: 'x', url: EVIL, tab: { id: 1, windowId: 1, active: true } },
    });
    expect(r).toEqual({ ok: true, value: { show: false } });
    expect(s.core.tabStatus(1).state).not.toBe('verified');
  });

  it('after the debugger is detached (user cancelled the debugging bar) the tab is no longer verified', async () => {
    const s = await verifiedTab();
    await s.interceptor.detach(1);
    s.core.onDetached(1, 'canceled_by_user');
    // From now on nothing is intercepted: requests go out bare and responses are not checked.
    await s.core.onTabUrl(1, EVIL);
    expect(s.core.tabStatus(1).state).not.toBe('verified');
    expect((await s.core.indicator(1)).show).toBe(false);
  });
});
