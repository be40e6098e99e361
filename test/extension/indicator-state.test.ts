/**
 * The "verified" state (toolbar icon, popup, in-page indicator with the personal phrase) belongs to the
 * verified *document*, not to the tab: navigations the interceptor does not see (bfcache restore, prerender
 * activation, any load after the debugger was detached — onTabUrl detaches, the user can click "Cancel" on the
 * debugging bar) must not inherit it, and the phrase never goes to a content script at all (regression tests
 * from a security review).
 */
import { describe, expect, it } from 'vitest';
import { route } from '../../src/extension/background/handlers.ts';
import { commit, logIn, ORIGIN, request, roundTrip, setup } from './scenario.ts';

const EVIL = 'http://evil.example/';

async function verifiedTab() {
  const s = await setup();
  await logIn(s);
  const { response } = await roundTrip(s, request(1, `${ORIGIN}/`, true));
  expect(response.kind).toBe('continue');
  commit(s, 1, `${ORIGIN}/`);
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
      sender: { id: 'x', url: EVIL, frameId: 0, tab: { id: 1, windowId: 1, active: true } },
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
    sender: { id: 'x', url, frameId: 0, tab: { id: 1, windowId: 1, active: true, url }, ...extra },
  });
  /** The top frame's content script asks for a frame token (as content/indicator.ts does). */
  const tokenFor = async (s: Awaited<ReturnType<typeof setup>>, url = `${ORIGIN}/`, extra: Record<string, unknown> = {}) => {
    const r = await route({ type: 'indicator', frame: true }, 'content-script', ctx(s, url, extra));
    return r.ok ? (r.value as { frameToken?: string }).frameToken : undefined;
  };
  const frameAsk = (s: Awaited<ReturnType<typeof setup>>, tabUrl: string, token: string | undefined, frameUrl = 'chrome-extension://x/pages/indicator.html') =>
    route({ type: 'indicator-frame', ...(token === undefined ? {} : { token }) }, 'extension-page', {
      core: s.core, local: s.local, activeTabId: async () => 1, indicatorPage: 'chrome-extension://x/pages/indicator.html',
      sender: { id: 'x', url: frameUrl, frameId: 7, tab: { id: 1, windowId: 1, active: true, url: tabUrl } },
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

  it('the indicator frame gets the phrase only with the top frame\'s one-time token, while the tab shows a page of the verified session', async () => {
    const s = await verifiedTab();
    const token = await tokenFor(s);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const ok = await frameAsk(s, `${ORIGIN}/`, token);
    expect(ok).toMatchObject({ ok: true, value: { show: true, phrase: await s.local.phrase.get() } });
    // Once: a second frame with the same token (e.g. one the page made after reading it) learns nothing.
    expect(await frameAsk(s, `${ORIGIN}/`, token)).toEqual({ ok: true, value: { show: false } });
    // The same frame embedded by another site (it is web-accessible) learns nothing, token or not.
    expect(await frameAsk(s, EVIL, await tokenFor(s))).toEqual({ ok: true, value: { show: false } });
  });

  it('a foreign frame inside the verified page (no token) gets no phrase (issue 7, attack 4)', async () => {
    const s = await verifiedTab();
    await tokenFor(s); // the real indicator's token exists, but the attacker's frame does not have it
    expect(await frameAsk(s, `${ORIGIN}/`, undefined)).toEqual({ ok: true, value: { show: false } });
    expect(await frameAsk(s, `${ORIGIN}/`, 'f'.repeat(32))).toEqual({ ok: true, value: { show: false } });
    // Not our indicator page: refused even with a valid token.
    const token = await tokenFor(s);
    expect(await frameAsk(s, `${ORIGIN}/`, token, 'chrome-extension://x/pages/options.html')).toEqual({ ok: true, value: { show: false } });
  });

  it('a content script in a sub-frame gets neither "show" nor a token', async () => {
    const s = await verifiedTab();
    const r = await route({ type: 'indicator', frame: true }, 'content-script', ctx(s, `${ORIGIN}/`, { frameId: 3 }));
    expect(r).toEqual({ ok: true, value: { show: false } });
  });

  it('a token of an earlier document is void once another document commits', async () => {
    const s = await verifiedTab();
    const token = await tokenFor(s);
    commit(s, 1, `${ORIGIN}/other`); // a document the interceptor did not see verified
    expect(await frameAsk(s, `${ORIGIN}/other`, token)).toEqual({ ok: true, value: { show: false } });
    expect(s.core.tabStatus(1).state).toBe('none');
  });

  it('a content script can never ask for the frame\'s answer', async () => {
    const s = await verifiedTab();
    const r = await route({ type: 'indicator-frame' }, 'content-script', ctx(s, `${ORIGIN}/`));
    expect(r.ok).toBe(false);
  });
});
