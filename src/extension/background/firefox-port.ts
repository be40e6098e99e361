/**
 * The {@link BrowserPort} of the core on Firefox, over the `browser.*` API (webextension-polyfill's types; in
 * Firefox the polyfill is the native namespace). The toolbar and the worker's own fetch() behave as in Chromium;
 * what differs: no debugger bar, no tab replacement (nothing is stranded by an event-page restart), and the
 * login UI falls back to a small popup window when `action.openPopup()` is refused (Firefox allows it only
 * for a focused normal window).
 */
import type { Browser } from 'webextension-polyfill';
import type { BrowserPort, FetchedResponse } from './core.ts';
import { FETCH_TIMEOUT_MS, iconPaths, MAX_REPLAY_BYTES, readCapped } from './browser-port.ts';
import type { HeaderEntry } from './interceptors/interceptor.ts';
import type { TabState } from '../shared/messages.ts';

const BADGE: Record<TabState, { text: string; color: string }> = {
  none: { text: '', color: '#777777' },
  available: { text: '?', color: '#1565c0' },
  verified: { text: '\u2713', color: '#2e7d32' },
  failed: { text: '!', color: '#c62828' },
};

/** Request headers the background's fetch() must not copy from the tab's request. */
const SKIP_HEADERS = new Set(['authorization', 'host', 'content-length', 'cookie', 'connection', 'accept-encoding']);

/** The parts of `browser` the port uses (tests pass a fake). */
export type FirefoxPortApi = Pick<Browser, 'action' | 'tabs' | 'windows' | 'runtime'>;

/** The background's own request (login exchange, transparent retry); never follows a redirect. */
export async function backgroundFetch(url: string, init: { method: string; headers: HeaderEntry[]; authorization?: string }): Promise<FetchedResponse> {
  const headers = new Headers();
  for (const h of init.headers) {
    if (SKIP_HEADERS.has(h.name.toLowerCase())) continue;
    try {
      headers.append(h.name, h.value);
    } catch {
      /* a header fetch() refuses (forbidden name): the browser sets its own */
    }
  }
  if (init.authorization !== undefined) headers.set('Authorization', init.authorization);
  const res = await fetch(url, {
    method: init.method, headers, credentials: 'include', cache: 'no-store', redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  // An opaque redirect hides status and headers: status 0 tells the core it cannot be checked here.
  if (res.type === 'opaqueredirect') return { status: 0, headers: [], body: new Uint8Array() };
  const out: HeaderEntry[] = [];
  res.headers.forEach((value, name) => out.push({ name, value }));
  return { status: res.status, headers: out, body: await readCapped(res, MAX_REPLAY_BYTES) };
}

export function firefoxPort(api: () => FirefoxPortApi): BrowserPort {
  return {
    async showState(tabId, state, title) {
      const a = api().action;
      await Promise.all([
        a.setIcon({ tabId, path: iconPaths(state) }).catch(() => undefined),
        a.setBadgeText({ tabId, text: BADGE[state].text }),
        a.setBadgeBackgroundColor({ tabId, color: BADGE[state].color }),
        a.setTitle({ tabId, title }),
      ]);
    },
    async openLoginUi(tabId) {
      const b = api();
      try {
        const tab = await b.tabs.get(tabId);
        if (!tab.active) throw new Error('the tab is not in front');
        await b.action.openPopup(tab.windowId !== undefined ? { windowId: tab.windowId } : undefined);
      } catch {
        await b.windows.create({ url: b.runtime.getURL(`pages/login.html?tab=${tabId}&close=1`), type: 'popup', width: 420, height: 560 });
      }
    },
    async reload(tabId) {
      await api().tabs.reload(tabId);
    },
    async navigate(tabId, url) {
      await api().tabs.update(tabId, { url });
    },
    pageUrl(path) {
      return api().runtime.getURL(path);
    },
    fetch: backgroundFetch,
    waitForLoad(tabId, timeoutMs) {
      const b = api();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          b.tabs.onUpdated.removeListener(listener);
          resolve();
        };
        const listener = (id: number, change: { status?: string }) => {
          if (id === tabId && change.status === 'complete') done();
        };
        const timer = setTimeout(done, timeoutMs);
        b.tabs.onUpdated.addListener(listener);
      });
    },
    async openBlankBeside(tabId) {
      const b = api();
      const old = await b.tabs.get(tabId);
      const t = await b.tabs.create({ url: 'about:blank', active: old.active, windowId: old.windowId, index: old.index + 1 });
      return t.id;
    },
    async closeTab(tabId) {
      await api().tabs.remove(tabId);
    },
    async tabLoading(tabId) {
      try {
        return (await api().tabs.get(tabId)).status === 'loading';
      } catch {
        return false;
      }
    },
    async tabExists(tabId) {
      try {
        await api().tabs.get(tabId);
        return true;
      } catch {
        return false;
      }
    },
  };
}
