/**
 * The "verified" state (toolbar icon, popup, in-page indicator with the personal phrase) belongs to the
 * verified *document*, not to the tab: navigations the interceptor does not see (bfcache restore, prerender
 * activation, any load after the debugger was detached — onTabUrl detaches, the user can click "Cancel" on the
 * debugging bar) must not inherit it, and the phrase never goes to a content script at all (regression tests
 * from a security review).
 */
import { describe, expect, it } from 'vitest';
import { route } from '../../src/extension/background/handlers.ts';
import { logIn, ORIGIN, request, roundTrip, setup } from './scenario.ts';

const EVIL = 'http://evil.example/';

async function verifiedTab() {
  const s = await setup();
  await logIn(s);
  const { response } = await roundTrip(s, request(1, `${ORIGIN}/`, true));
  expect(response.kind).toBe('continue');
  expect((await s.core.indicator(1)).show).toBe(true);
  return s;
}

describe('the verified state does not outlive the verified document', () => {
  it('a navigation to another site that the interceptor did not see (onTabUrl detaches) must end "verified"', async () => {
    const s = await verifiedTab();
    await s.core.onTabUrl(1, EVIL); // e.g. Back into a bfcache'd evil.example, or a prerendered page activated
    expect(s.interceptor.isAttached(1)).toBe(false);
    // evil.example's content script asks for the indicator: it must not get the phrase (today it gets
    // { show: true, host: '127.0.0.1:8080', realm: 'test', username: 'alice', phrase: 'cobalt meadow raven 42' }).
    const r = await route({ type: 'indicator' }, 'content-script', {
      core: s.core, local: s.local, activeTabId: async () => 1, indicatorPage: 'chrome-extension://x/pages/indicator.html',
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

describe('the personal phrase stays out of the page', () => {
  const ctx = (s: Awaited<ReturnType<typeof setup>>, url: string, extra: Record<string, unknown> = {}) => ({
    core: s.core, local: s.local, activeTabId: async () => 1, indicatorPage: 'chrome-extension://x/pages/indicator.html',
    sender: { id: 'x', url, tab: { id: 1, windowId: 1, active: true, url }, ...extra },
  });

  it('the content script of the verified page learns "show", never the phrase', async () => {
    const s = await verifiedTab();
    const r = await route({ type: 'indicator' }, 'content-script', ctx(s, `${ORIGIN}/`));
    expect(r).toMatchObject({ ok: true, value: { show: true } });
    expect(JSON.stringify(r)).not.toContain(await s.local.phrase.get());
  });

  it('a cached or prerendered document of the same site gets nothing', async () => {
    const s = await verifiedTab();
    const r = await route({ type: 'indicator' }, 'content-script', ctx(s, `${ORIGIN}/`, { documentLifecycle: 'cached' }));
    expect(r).toEqual({ ok: true, value: { show: false } });
  });

  it('the indicator frame gets the phrase only while the tab shows a page of the verified session', async () => {
    const s = await verifiedTab();
    const frame = (tabUrl: string) => route({ type: 'indicator-frame' }, 'extension-page', {
      core: s.core, local: s.local, activeTabId: async () => 1, indicatorPage: 'chrome-extension://x/pages/indicator.html',
      sender: { id: 'x', url: 'chrome-extension://x/pages/indicator.html', tab: { id: 1, windowId: 1, active: true, url: tabUrl } },
    });
    const ok = await frame(`${ORIGIN}/`);
    expect(ok).toMatchObject({ ok: true, value: { show: true, phrase: await s.local.phrase.get() } });
    // The same frame embedded by another site (it is web-accessible) learns nothing.
    expect(await frame(EVIL)).toEqual({ ok: true, value: { show: false } });
  });

  it('a content script can never ask for the frame\'s answer', async () => {
    const s = await verifiedTab();
    const r = await route({ type: 'indicator-frame' }, 'content-script', ctx(s, `${ORIGIN}/`));
    expect(r.ok).toBe(false);
  });
});
