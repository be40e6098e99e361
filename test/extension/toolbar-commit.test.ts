/**
 * Review of "state applied at every commit, re-applied at load 'complete' only" (tabs.ts onCommitted,
 * startup.ts tabs.onUpdated): whatever order the browser's events come in, the last toolbar state the worker
 * applies to a tab is "verified" only while the tab shows the document a verified response announced.
 * Commits the interceptor never saw (Back into a bfcache'd page of another origin), a verified top-level
 * response whose navigation is cancelled (204, download, stop) before its document commits, and the late
 * 'complete' refresh after either, must all end on a state other than "verified".
 */
import { describe, expect, it } from 'vitest';
import { commit, logIn, ORIGIN, request, roundTrip, setup } from './scenario.ts';

const EVIL = 'http://evil.example/';

async function verifiedTab() {
  const s = await setup();
  await logIn(s);
  await roundTrip(s, request(1, `${ORIGIN}/`, true));
  commit(s, 1, `${ORIGIN}/`);
  expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'verified' });
  return s;
}

describe('toolbar state across commits and load ends', () => {
  it('a commit of another origin the interceptor never saw (bfcache Back) shows "none", and the load end keeps it', async () => {
    const s = await verifiedTab();
    commit(s, 1, EVIL);
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
    s.core.refreshIndicator(1); // tabs.onUpdated status 'complete'
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
  });

  it('a verified top-level response whose navigation never commits does not verify a later commit of its URL', async () => {
    const s = await verifiedTab();
    const r = request(1, `${ORIGIN}/next`, true);
    await roundTrip(s, r);
    s.core.onRequestFailed(r, 'net::ERR_ABORTED'); // 204 / download / stopped: no commit
    s.core.refreshIndicator(1); // the old document is still shown: still verified, and only that
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'verified' });
    commit(s, 1, `${ORIGIN}/next`); // e.g. an older /next restored from the back/forward cache
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
    s.core.refreshIndicator(1);
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
  });

  it('an expected document replaced by another origin before it commits: "none" at that commit', async () => {
    const s = await verifiedTab();
    await roundTrip(s, request(1, `${ORIGIN}/next`, true)); // expects /next
    commit(s, 1, EVIL); // the page navigated elsewhere first (a redirect the interceptor did not see)
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
    commit(s, 1, `${ORIGIN}/next`); // the expectation died with the evil commit
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'none' });
  });
});
