/**
 * The Firefox background (an MV3 event page, `background.scripts` in the Firefox manifest): the same core,
 * handlers and stores as the Chromium service worker (index.ts), with Firefox's adapter — blocking webRequest
 * on every tab ({@link WebRequestBlockingInterceptor}) — and a {@link BrowserPort} over `browser.*`. There is
 * no "observer" listener: every request of every tab already passes through the interceptor. Listeners are
 * registered in the first turn (an event page woken by an event gets it only if its listener was added then).
 */
import browser from 'webextension-polyfill';
import { webRandom } from '../../bytes.ts';
import { MutualBackground, trace } from './core.ts';
import type { MessageSender } from './chrome.ts';
import { EngineHost } from './engine.ts';
import { firefoxPort } from './firefox-port.ts';
import { handlers, route, trustOf } from './handlers.ts';
import { WebRequestBlockingInterceptor } from './interceptors/webrequest-blocking.ts';
import { randomPhrase } from './phrase.ts';
import { localStore, sessionStore } from './storage.ts';

/** Replaced at build time (vite.config.ts `define`). */
declare const __MUTUAL_TEST_HOOKS__: boolean;

const store = sessionStore(() => browser.storage.session);
const local = localStore(() => browser.storage.local);
const interceptor = new WebRequestBlockingInterceptor(() => browser);
const port = firefoxPort(() => browser);

async function init(): Promise<MutualBackground> {
  const host = await EngineHost.load(store, { random: webRandom, now: Date.now }, { pendingBeforeSend: !interceptor.restartStrandsRequests });
  const core = new MutualBackground(host, store, local, interceptor, port);
  await core.restore().catch(() => undefined);
  return core;
}

const ready: Promise<MutualBackground> = init();
if (__MUTUAL_TEST_HOOKS__) (globalThis as { mutualTrace?: string[] }).mutualTrace = trace;
trace.push(`${Date.now() % 100000} background (Firefox) started`);

interceptor.start({
  onRequest: async (r) => (await ready).onRequest(r),
  onResponse: async (r) => (await ready).onResponse(r),
  onRequestFailed: (r, reason) => void ready.then((c) => c.onRequestFailed(r, reason)).catch(() => undefined),
  onDetached: (tabId, reason) => void ready.then((c) => c.onDetached(tabId, reason)),
});

/** The browser's sender, in the shape the handlers judge (id, url, tab): nothing else is read from it. */
function senderOf(s: browser.Runtime.MessageSender): MessageSender {
  const out: MessageSender = {};
  if (s.id !== undefined) out.id = s.id;
  if (s.url !== undefined) out.url = s.url;
  if (s.frameId !== undefined) out.frameId = s.frameId;
  if (s.tab) {
    const tab: NonNullable<MessageSender['tab']> = { windowId: s.tab.windowId ?? -1, active: s.tab.active };
    if (s.tab.id !== undefined) tab.id = s.tab.id;
    if (s.tab.url !== undefined) tab.url = s.tab.url;
    if (s.tab.status !== undefined) tab.status = s.tab.status;
    out.tab = tab;
  }
  return out;
}

browser.runtime.onMessage.addListener((msg: unknown, raw: browser.Runtime.MessageSender) => {
  const sender = senderOf(raw);
  const trust = trustOf(sender, browser.runtime.id, browser.runtime.getURL(''));
  return ready
    .then((core) =>
      route(msg, trust, {
        core,
        local,
        sender,
        activeTabId: async () => {
          const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
          return tab?.id;
        },
      }, handlers),
    )
    .catch(() => ({ ok: false, code: 'ERR_EXT_INTERNAL', message: 'internal error' }));
});

browser.runtime.onInstalled.addListener(() => {
  void (async () => {
    if ((await local.phrase.get()) === '') await local.phrase.set(randomPhrase(webRandom));
  })().catch(() => undefined);
});

browser.tabs.onRemoved.addListener((tabId) => {
  interceptor.forgetTab(tabId);
  void ready.then((c) => c.onTabRemoved(tabId));
});
browser.tabs.onUpdated.addListener((tabId, change) => {
  void ready.then(async (c) => {
    if (change.url !== undefined) await c.onTabUrl(tabId, change.url);
    if (change.status !== undefined) c.refreshIndicator(tabId);
  }).catch(() => undefined);
});
