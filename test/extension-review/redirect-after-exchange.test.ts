/**
 * Review finding: the service worker's own fetch() (login exchange, transparent retry after 401-STALE /
 * 401-KEX-S1) uses redirect:'manual' (browser-port.ts). In a browser that yields an *opaque redirect*:
 * status 0 and no headers at all, so the server's Authentication-Info on its 3xx is invisible. The core
 * then reports "the server answered ... without Authentication-Info" → SERVER FAILED, warning page, session
 * dropped — for any protected URL that redirects (`/app` → `/app/`, `/` → `/home`). A false alarm that
 * teaches users to ignore the warning page.
 */
import { describe, expect, it } from 'vitest';
import { entries } from '../extension/support.ts';
import { ORIGIN, setup } from './support.ts';

describe('review: a redirect answering the exchange is not a server failure', () => {
  it('login against a URL the server redirects after authenticating', async () => {
    const s = await setup();
    const real = s.port.fetch.bind(s.port);
    s.port.fetch = async (url, init) => {
      const res = await real(url, init);
      // The server answered the req-VFY-C with 302 + a correct Authentication-Info; fetch(redirect:'manual')
      // in the service worker shows it as an opaqueredirect: status 0, no headers.
      if (init.authorization?.includes('vkc=') && res.status === 200) return { status: 0, headers: [], body: new Uint8Array() };
      return res;
    };
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const out = await s.core.login(1, 'alice', 'pass w0rd');
    expect(out.result).not.toBe('server-failed');
    expect(s.port.navigations.map((n) => n.url)).not.toContain('chrome-extension://test/pages/warning.html?tab=1');
  });
});
