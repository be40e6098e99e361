/**
 * Review finding: the `login` message names only a tab. The core uses whatever login is pending for that tab
 * *when the message arrives*; the login UI refreshes every 1.5 s and its form is keyed by tab+realm+reason
 * (not host). A page that can navigate the tab (an opener holding window.open's handle, a redirect) switches
 * the pending login to its own server while the user types: the username and an exchange keyed by the
 * password the user meant for host A go to host B.
 */
import { describe, expect, it } from 'vitest';
import { route } from '../../src/extension/background/handlers.ts';
import { entries } from '../extension/support.ts';
import { PASSWORD, request, roundTrip, setup } from './support.ts';

const A = 'http://127.0.0.1:8080';
const B = 'http://127.0.0.2:8080';

describe('review: the credentials go to the host the user was shown', () => {
  it('a login submitted for host A is not run against host B', async () => {
    const s = await setup({ origins: [A, B] });
    const first = s.servers[A]!.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${A}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const shown = s.core.tabStatus(1).login!;
    expect(shown.host).toBe('127.0.0.1:8080');
    // While the user types, the tab is navigated to B, which asks for the same realm name.
    await roundTrip(s, request(1, `${B}/`, true));
    expect(s.core.tabStatus(1).login?.host).toBe('127.0.0.2:8080');
    // The form sends what it has (extra fields to show what the user saw; the router ignores them today).
    await route({ type: 'login', tabId: 1, username: 'alice', password: PASSWORD, server: shown.server, realm: shown.realm }, 'extension-page', {
      core: s.core, local: s.local, activeTabId: async () => 1, sender: { id: 'x', url: 'chrome-extension://x/popup/index.html' },
    });
    expect(s.servers[B]!.log.filter((l) => l.kind === 'req-KEX-C1')).toEqual([]);
  });
});
