/** The {@link BrowserPort} of the core, on the one extension API surface (shared/webext.ts): both browsers. */
import type { Action, Browser } from 'webextension-polyfill';
import { concatBytes } from '../../bytes.ts';
import type { BrowserPort, FetchedResponse } from './platform.ts';
import type { HeaderEntry } from './interceptors/interceptor.ts';
import type { TabState } from '../shared/messages.ts';
import { translator } from '../shared/translate.ts';

const BADGE: Record<TabState, { text: string; color: string }> = {
  none: { text: '', color: '#777777' },
  available: { text: '?', color: '#1565c0' },
  verified: { text: '\u2713', color: '#2e7d32' },
  failed: { text: '!', color: '#c62828' },
};

export function iconPaths(state: TabState): Record<string, string> {
  return { '16': `icons/${state}-16.png`, '32': `icons/${state}-32.png`, '48': `icons/${state}-48.png`, '128': `icons/${state}-128.png` };
}

/**
 * The toolbar icons as pixels, decoded once per state. `setIcon({path})` makes the extension bindings fetch,
 * decode and draw every size on each call — measured at ≈ 0.3 s of worker CPU per page load of the
 * 40-subresource page (issue 10), as the state is re-applied after each commit. Undefined where the worker has
 * no OffscreenCanvas (then `path` is used).
 */
const iconImages = new Map<TabState, Promise<Record<string, ImageData> | undefined>>();

async function decodeIcons(state: TabState, url: (path: string) => string): Promise<Record<string, ImageData> | undefined> {
  if (typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap === 'undefined') return undefined;
  const out: Record<string, ImageData> = {};
  for (const [size, path] of Object.entries(iconPaths(state))) {
    if (size !== '16' && size !== '32') continue; // the toolbar's 1× and 2×
    const bitmap = await createImageBitmap(await (await fetch(url(path))).blob());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) return undefined;
    ctx.drawImage(bitmap, 0, 0);
    out[size] = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  }
  return out;
}

function icons(state: TabState, url: (path: string) => string): Promise<Record<string, ImageData> | undefined> {
  let p = iconImages.get(state);
  if (!p) {
    p = decodeIcons(state, url).catch(() => undefined);
    iconImages.set(state, p);
  }
  return p;
}

/** The worker's own requests (key exchange, replayed GET) give up after this long. */
export const FETCH_TIMEOUT_MS = 30_000;
/** The largest body the worker fetches to replay into a tab; larger ones fail closed (the request is blocked). */
export const MAX_REPLAY_BYTES = 16 * 1024 * 1024;

/** The body of `res`, refusing (and cancelling) it past `max` bytes. */
export async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const tooLarge = () => new Error(`the response is larger than ${max / (1024 * 1024)} MiB, the most the extension fetches again for a page; it was blocked`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

/** Request headers the service worker's fetch() must not copy from the tab's request. */
const SKIP_HEADERS = new Set(['authorization', 'host', 'content-length', 'cookie', 'connection', 'accept-encoding']);

export function extensionPort(api: () => Browser): BrowserPort {
  /** The latest showState call per tab (its icon is applied only if no later call came meanwhile). */
  const shown = new Map<number, number>();
  return {
    async showState(tabId, state, title) {
      const a = api().action;
      // Badge and title first, in call order: the icon may wait for its first decode, and a later state of the
      // same tab must never be overwritten by an earlier one whose icon decoded later.
      const seq = (shown.get(tabId) ?? 0) + 1;
      shown.set(tabId, seq);
      const text = Promise.all([
        a.setBadgeText({ tabId, text: BADGE[state].text }),
        a.setBadgeBackgroundColor({ tabId, color: BADGE[state].color }),
        a.setTitle({ tabId, title }),
      ]);
      const imageData = await icons(state, (p) => api().runtime.getURL(p));
      if (shown.get(tabId) === seq) {
        await (imageData ? a.setIcon({ tabId, imageData: imageData as Record<string, Action.ImageDataType> }) : a.setIcon({ tabId, path: iconPaths(state) })).catch(() => undefined);
      }
      await text;
    },
    async openLoginUi(tabId) {
      const c = api();
      try {
        const tab = await c.tabs.get(tabId);
        if (!tab.active) throw new Error('the tab is not in front');
        await c.action.openPopup(tab.windowId !== undefined ? { windowId: tab.windowId } : undefined);
      } catch {
        // Firefox may reject openPopup after it opened the popup anyway (seen in the prompt-flood e2e: a popup
        // and a window for the same prompt): where the API can tell (an event page has extension.getViews; a
        // Chromium service worker does not), an open popup is enough.
        if (c.extension?.getViews?.({ type: 'popup' }).some((v) => v.location.search.includes(`tab=${tabId}`) || v.location.search === '')) return;
        // No popup possible (window not focused, tab in background, …): a small extension window instead.
        await c.windows.create({ url: c.runtime.getURL(`pages/login.html?tab=${tabId}&close=1`), type: 'popup', width: 420, height: 560, focused: true });
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
    async fetch(url, init): Promise<FetchedResponse> {
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
      // redirect:'manual' gives an opaque redirect: no status, no headers (Authentication-Info hidden). Status 0
      // tells the core that this answer cannot be checked here (see FetchedResponse).
      if (res.type === 'opaqueredirect') return { status: 0, headers: [], body: new Uint8Array() };
      const out: HeaderEntry[] = [];
      res.headers.forEach((value, name) => out.push({ name, value }));
      return { status: res.status, headers: out, body: await readCapped(res, MAX_REPLAY_BYTES) };
    },
    waitForLoad(tabId, timeoutMs) {
      const c = api();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          c.tabs.onUpdated.removeListener(listener);
          resolve();
        };
        const listener = (id: number, change: { status?: string }): void => {
          if (id === tabId && change.status === 'complete') done();
        };
        const timer = setTimeout(done, timeoutMs);
        c.tabs.onUpdated.addListener(listener);
      });
    },
    async openBlankBeside(tabId) {
      const c = api();
      const old = await c.tabs.get(tabId);
      const t = await c.tabs.create({ url: 'about:blank', active: old.active, ...(old.windowId !== undefined ? { windowId: old.windowId } : {}), index: old.index + 1 });
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
    text: translator((name, subs) => api().i18n.getMessage(name, subs)),
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
