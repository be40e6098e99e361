/**
 * The `login` message names the login the UI showed (server and realm), not only the tab. A page that can
 * navigate the tab (an opener holding window.open's handle, a redirect) may switch the pending login to its
 * own server while the user types: the background then refuses the credentials — nothing goes to the other
 * host — and tells the user why. A successful login does not call the tab "verified" before the page was
 * reloaded and its response verified.
 */
import { describe, expect, it } from 'vitest';
import { route, type HandlerContext } from '../../src/extension/background/handlers.ts';
import { entries } from './support.ts';
import { PASSWORD, request, roundTrip, setup, type Setup } from './scenario.ts';

const A = 'http://127.0.0.1:8080';
const B = 'http://127.0.0.2:8080';

const pageCtx = (s: Setup): HandlerContext => ({
  core: s.core, local: s.local, activeTabId: async () => 1, indicatorPage: 'chrome-extension://x/pages/indicator.html', sender: { id: 'x', url: 'chrome-extension://x/popup/index.html' },
});

describe('the credentials go to the host the user was shown', () => {
  it('a login submitted for host A is not run against host B', async () => {
    const s = await setup({ origins: [A, B] });
    const first = s.servers[A]!.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${A}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const shown = s.core.tabStatus(1).login!;
    expect(shown.host).toBe('127.0.0.1:8080');
    // While the user types, the tab is navigated to B, which asks for the same realm name.
    await roundTrip(s, request(1, `${B}/`, true));
    expect(s.core.tabStatus(1).login?.host).toBe('127.0.0.2:8080');
    // The form sends what it showed.
    const r = await route({
      type: 'login', tabId: 1, username: 'alice', password: PASSWORD,
      server: shown.server, realm: shown.realm, algorithm: shown.algorithm, authScope: shown.authScope,
    }, 'extension-page', pageCtx(s));
    expect(s.servers[B]!.log.filter((l) => l.kind === 'req-KEX-C1')).toEqual([]);
    expect(s.servers[A]!.log.filter((l) => l.kind === 'req-KEX-C1')).toEqual([]);
    expect(r).toMatchObject({ ok: true, value: { result: 'error' } });
    if (r.ok) expect((r.value as { message: string }).message).toMatch(/changed to another site while you were typing; nothing was sent/);
    // The credentials were not kept either.
    expect(s.host.client.state.credentials).toEqual({});
  });

  it('the login that is shown goes through; the tab is "verified" only once the reloaded page is', async () => {
    const s = await setup();
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${A}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const shown = s.core.tabStatus(1).login!;
    const r = await route({ type: 'login', ...shown, tabId: 1, username: 'alice', password: PASSWORD }, 'extension-page', pageCtx(s));
    expect(r).toMatchObject({ ok: true, value: { result: 'verified' } });
    expect(s.port.reloads).toEqual([1]);
    expect(s.core.tabStatus(1).state).not.toBe('verified');
    expect((await s.core.indicator(1)).show).toBe(false);
    expect((await roundTrip(s, request(1, `${A}/`, true))).response.kind).toBe('continue');
    expect(s.core.tabStatus(1).state).not.toBe('verified'); // verified response, document not committed yet
    s.core.onCommitted(1, `${A}/`);
    expect(s.core.tabStatus(1).state).toBe('verified');
  });
});
