/**
 * The service worker: wires browser events to the core and messages to named handlers. Listeners are
 * registered synchronously at start (MV3: events that woke the worker are delivered only to listeners
 * added in the first turn); each waits for the state to be loaded from storage.session.
 */
import { webRandom } from '../../bytes.ts';
import { chromeApi } from './chrome.ts';
import { chromePort } from './browser-port.ts';
import { MutualBackground, trace } from './core.ts';
import { EngineHost } from './engine.ts';
import { handlers, route, trustOf } from './handlers.ts';
import { CdpFetchInterceptor } from './interceptors/cdp-fetch.ts';
import { randomPhrase } from './phrase.ts';
import { privateStringItem } from './phrase-store.ts';
import { localStore, sessionStore, type LocalStore } from './storage.ts';

/** Replaced at build time (vite.config.ts `define`). */
declare const __MUTUAL_TEST_HOOKS__: boolean;

const api = chromeApi();
const store = sessionStore(() => api.storage.session);
// The phrase lives in the extension origin's IndexedDB, where no content script can read it (phrase-store.ts).
const local: LocalStore = { phrase: privateStringItem('phrase') };
/** Builds before issue 7 kept the phrase in storage.local (readable by content scripts): move it, once. */
async function migratePhrase(): Promise<void> {
  const old = localStore(() => api.storage.local);
  const phrase = await old.phrase.get();
  if (phrase === '') return;
  if ((await local.phrase.get()) === '') await local.phrase.set(phrase);
  await api.storage.local.remove('phrase');
}
const interceptor = new CdpFetchInterceptor(chromeApi);
const port = chromePort(chromeApi);

async function init(): Promise<MutualBackground> {
  await migratePhrase().catch(() => undefined);
  // storage.session holds session keys, pi and pending logins: the extension's own pages and worker only
  // (Chromium's default, made explicit; content scripts must never read it).
  await api.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
  const host = await EngineHost.load(store, { random: webRandom, now: Date.now }, { pendingBeforeSend: !interceptor.restartStrandsRequests });
  const core = new MutualBackground(host, store, local, interceptor, port);
  await core.restore().catch(() => undefined);
  return core;
}

const ready: Promise<MutualBackground> = init();
// Test builds only (MUTUAL_TEST_HOOKS=1 at build time, as `npm run e2e` does): the decision trace for the e2e
// harness's failure messages. Production builds expose nothing on the worker's global scope.
if (__MUTUAL_TEST_HOOKS__) (globalThis as { mutualTrace?: string[] }).mutualTrace = trace;
trace.push(`${Date.now() % 100000} service worker started`);

interceptor.start({
  onRequest: async (r) => (await ready).onRequest(r),
  onResponse: async (r) => (await ready).onResponse(r),
  onRequestFailed: (r, reason) => void ready.then((c) => c.onRequestFailed(r, reason)).catch(() => undefined),
  onDetached: (tabId, reason) => void ready.then((c) => c.onDetached(tabId, reason)),
});

api.webRequest.onHeadersReceived.addListener(
  (d) => {
    if (d.tabId < 0 || (d.statusCode !== 401 && !(d.responseHeaders ?? []).some((h) => h.name.toLowerCase() === 'optional-www-authenticate'))) return;
    const headers = (d.responseHeaders ?? []).map((h) => ({ name: h.name, value: h.value ?? '' }));
    void ready
      .then((c) => c.onObservedResponse({ tabId: d.tabId, url: d.url, statusCode: d.statusCode, type: d.type, headers }))
      .catch(() => undefined);
  },
  { urls: ['http://*/*', 'https://*/*'] },
  ['responseHeaders', 'extraHeaders'],
);

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const trust = trustOf(sender, api.runtime.id, api.runtime.getURL(''));
  void ready
    .then((core) =>
      route(msg, trust, {
        core,
        local,
        sender,
        activeTabId: async () => {
          const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
          return tab?.id;
        },
        indicatorPage: api.runtime.getURL('pages/indicator.html'),
      }, handlers),
    )
    .catch(() => ({ ok: false, code: 'ERR_EXT_INTERNAL', message: 'internal error' }))
    .then(sendResponse);
  return true;
});

api.runtime.onInstalled.addListener(() => {
  void (async () => {
    if ((await local.phrase.get()) === '') await local.phrase.set(randomPhrase(webRandom));
  })().catch(() => undefined);
});

// "Verified" belongs to a committed document (rule R3): the top frame's commits, as the browser reports them.
api.webNavigation.onCommitted.addListener((d) => {
  if (d.frameId !== 0 || (d.documentLifecycle !== undefined && d.documentLifecycle !== 'active')) return;
  void ready.then((c) => c.onCommitted(d.tabId, d.url, d.documentId)).catch(() => undefined);
});

api.tabs.onRemoved.addListener((tabId) => void ready.then((c) => c.onTabRemoved(tabId)));
api.tabs.onUpdated.addListener((tabId, change) => {
  void ready.then(async (c) => {
    if (change.url !== undefined) await c.onTabUrl(tabId, change.url);
    if (change.status !== undefined) c.refreshIndicator(tabId);
  }).catch(() => undefined);
});
