/**
 * The service worker's own fetch() (login exchange, transparent retry after 401-STALE / 401-KEX-S1) uses
 * redirect:'manual' (browser-port.ts). In a browser that yields an *opaque redirect*: status 0 and no headers
 * at all, so the server's Authentication-Info on its 3xx is invisible. That is "cannot be checked here", not
 * "the server failed": no warning page, no dropped session — the tab loads again and its own request (whose
 * headers the interceptor sees) finishes the check.
 */
import { describe, expect, it } from 'vitest';
import type { FetchedResponse } from '../../src/extension/background/core.ts';
import { entries } from './support.ts';
import { logIn, ORIGIN, request, roundTrip, setup, type Setup } from './scenario.ts';

/** The server answers a req-VFY-C with 302 + a correct Authentication-Info; fetch(redirect:'manual') shows it as opaque. */
function redirectingVfy(s: Setup): void {
  const real = s.port.fetch.bind(s.port);
  s.port.fetch = async (url, init): Promise<FetchedResponse> => {
    const res = await real(url, init);
    if (init.authorization?.includes('vkc=') && res.status === 200) return { status: 0, headers: [], body: new Uint8Array() };
    return res;
  };
}

describe('a redirect answering the exchange is not a server failure', () => {
  it('login against a URL the server redirects after authenticating', async () => {
    const s = await setup();
    redirectingVfy(s);
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const out = await s.core.login(1, 'alice', 'pass w0rd', s.core.offeredLogin(1)!);
    expect(out.result).not.toBe('server-failed');
    expect(s.port.navigations.map((n) => n.url)).not.toContain('chrome-extension://test/pages/warning.html?tab=1');
    // The tab is reloaded: its own request carries the session, and the interceptor sees the answer's headers.
    expect(s.port.reloads).toContain(1);
    expect(s.core.tabStatus(1).state).not.toBe('failed');
    const doc = await roundTrip(s, request(1, `${ORIGIN}/`, true));
    expect(doc.auth).toContain('vkc=');
    expect(doc.response.kind).toBe('continue');
    s.core.onCommitted(1, `${ORIGIN}/`);
    expect(s.core.tabStatus(1).state).toBe('verified');
  });

  it('a transparent retry (401-STALE) redirected: the document is reloaded, a subresource blocked, nothing "failed"', async () => {
    const s = await setup();
    await logIn(s);
    redirectingVfy(s);
    s.server.forgetSessions();
    const doc = await roundTrip(s, request(1, `${ORIGIN}/`, true));
    expect(doc.response.kind).toBe('fulfill');
    if (doc.response.kind === 'fulfill') expect(new TextDecoder().decode(doc.response.body)).toMatch(/Checking the server/);
    await new Promise((r) => setTimeout(r, 0));
    expect(s.port.reloads.filter((t) => t === 1)).toHaveLength(2); // the login's, and this one
    s.server.forgetSessions();
    expect((await roundTrip(s, request(1, `${ORIGIN}/img`))).response.kind).toBe('block');
    expect(s.core.tabStatus(1).state).not.toBe('failed');
    expect(s.core.tabStatus(1).lastFailure).toBeUndefined();
    expect(s.port.navigations).toEqual([]);
  });
});
