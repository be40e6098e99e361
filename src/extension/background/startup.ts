/**
 * The background's wiring, shared by both entries (index.ts: the Chromium service worker with the CDP adapter;
 * index-firefox.ts: the Firefox event page with blocking webRequest): browser events to the background's parts
 * (core.ts), messages to the named handlers (handlers.ts) — nothing else. Listeners are registered
 * synchronously when {@link startBackground} runs (MV3: the events that woke the worker or event page are
 * delivered only to listeners added in the first turn); each waits for the state to be loaded from
 * storage.session. The browser is reached through the one API surface (shared/webext.ts).
 */
import { webRandom } from '../../bytes.ts';
import { webext } from '../shared/webext.ts';
import { extensionPort } from './browser-port.ts';
import { MutualBackground, trace } from './core.ts';
import { note } from './trace.ts';
import { EngineHost } from './engine.ts';
import { handlers, route, trustOf, type MessageSender } from './handlers.ts';
import type { Interceptor } from './interceptors/interceptor.ts';
import { randomPhrase } from './phrase.ts';
import { privateStringItem } from './phrase-store.ts';
import { localStore, sessionStore, type LocalStore, type StorageArea } from './storage.ts';

/**
 * How long runtime.onSuspend waits for held requests before answering them fail-closed. Firefox waits for an
 * onSuspend listener at most `extensions.webextensions.runtime.timeout` (5000 ms by default) before it stops
 * the page anyway; this leaves time for the final writes.
 */
export const SUSPEND_DRAIN_MS = 3000;

/** Replaced at build time (vite.config.ts `define`). */
declare const __MUTUAL_TEST_HOOKS__: boolean;

export interface BackgroundOptions {
  /** 'service worker' (Chromium) or 'event page' (Firefox): for the decision trace only. */
  kind: string;
  interceptor: Interceptor;
  /**
   * Watch every tab's responses for Mutual challenges and start intercepting the tab (observer.ts): needed where
   * the adapter intercepts chosen tabs only (CDP). An adapter that sees every request of every tab (blocking
   * webRequest) already hands each response to the core.
   */
  observe: boolean;
}

export function startBackground(opts: BackgroundOptions): void {
  const api = webext();
  const { interceptor } = opts;
  const sessionArea = (): StorageArea => api.storage.session as unknown as StorageArea;
  const store = sessionStore(sessionArea);
  // The phrase lives in the extension origin's IndexedDB, where no content script can read it (phrase-store.ts).
  const local: LocalStore = { phrase: privateStringItem('phrase') };
  const port = extensionPort(webext);

  /** Builds before issue 7 kept the phrase in storage.local (readable by content scripts): move it, once. */
  async function migratePhrase(): Promise<void> {
    const old = localStore(() => api.storage.local as unknown as StorageArea);
    const phrase = await old.phrase.get();
    if (phrase === '') return;
    if ((await local.phrase.get()) === '') await local.phrase.set(phrase);
    await api.storage.local.remove('phrase');
  }

  async function init(): Promise<MutualBackground> {
    await migratePhrase().catch(() => undefined);
    // storage.session holds session keys, pi and pending logins: the extension's own pages and background only
    // (Chromium's default, made explicit where the browser has the setting; content scripts must never read it).
    await sessionArea().setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
    const host = await EngineHost.load(store, { random: webRandom, now: Date.now }, { pendingBeforeSend: !interceptor.restartStrandsRequests });
    const core = new MutualBackground(host, store, local, interceptor, port);
    await core.restore().catch(() => undefined);
    return core;
  }

  const ready: Promise<MutualBackground> = init();
  // Test builds only (MUTUAL_TEST_HOOKS=1 at build time, as `npm run e2e` does): the decision trace for the e2e
  // harness's failure messages. Production builds expose nothing on the background's global scope.
  if (__MUTUAL_TEST_HOOKS__) (globalThis as { mutualTrace?: string[] }).mutualTrace = trace;
  trace.push(`${Date.now() % 100000} ${opts.kind} started`);

  interceptor.start({
    onRequest: async (r) => (await ready).onRequest(r),
    onResponse: async (r) => (await ready).onResponse(r),
    onRequestFailed: (r, reason) => void ready.then((c) => c.onRequestFailed(r, reason)).catch(() => undefined),
    onDetached: (tabId, reason) => void ready.then((c) => c.onDetached(tabId, reason)),
  });

  if (opts.observe) {
    api.webRequest.onHeadersReceived.addListener(
      (d) => {
        if (d.tabId < 0 || (d.statusCode !== 401 && !(d.responseHeaders ?? []).some((h) => h.name.toLowerCase() === 'optional-www-authenticate'))) return;
        const headers = (d.responseHeaders ?? []).map((h) => ({ name: h.name, value: h.value ?? '' }));
        void ready
          .then((c) => c.onObservedResponse({ tabId: d.tabId, url: d.url, statusCode: d.statusCode, type: d.type, headers }))
          .catch(() => undefined);
      },
      // Top-level documents only: only a tab's own document may make the extension intercept it (observer.ts,
      // rule R1), and 'extraHeaders' costs every request it covers a detour through the browser process (issue 10).
      { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] },
      // Chromium hides WWW-Authenticate from webRequest without 'extraHeaders'.
      ['responseHeaders', 'extraHeaders'],
    );
  }

  // Firefox releases every blocking webRequest call a stopped event page had not answered *unmodified*: a
  // request without its Authorization, a response unchecked (measured: docs/browser-notes.md, "event page stopped
  // mid-request"). It stops the page only after its runtime.onSuspend listeners have settled (up to 5 s; a
  // crash skips them). So before it stops: let the held requests get their answers (what is still held at the
  // deadline is cancelled), then write what was left to write lazily. Chromium: no drain, the writes only.
  api.runtime.onSuspend?.addListener(async () => {
    note('suspend: draining held requests');
    const cancelled = (await interceptor.drain?.(SUSPEND_DRAIN_MS).catch(() => 0)) ?? 0;
    const core = await ready.catch(() => undefined);
    if (core) await Promise.all([core.host.persist(true), core.tabs.flush()]).catch(() => undefined);
    note(`suspend: ready to stop${cancelled > 0 ? ` (${cancelled} held requests cancelled)` : ''}`);
  });
  // Firefox cancels the stop when a webRequest event arrives meanwhile: the page goes on, so the drain must not
  // cut held requests short at its deadline.
  api.runtime.onSuspendCanceled?.addListener(() => {
    note('suspend: canceled by the browser');
    interceptor.cancelDrain?.();
  });

  api.runtime.onMessage.addListener((msg: unknown, sender: unknown) => {
    const from = sender as MessageSender;
    const trust = trustOf(from, api.runtime.id, api.runtime.getURL(''));
    return ready
      .then((core) =>
        route(msg, trust, {
          core,
          local,
          sender: from,
          activeTabId: async () => {
            const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
            return tab?.id;
          },
          indicatorPage: api.runtime.getURL('pages/indicator.html'),
        }, handlers),
      )
      .catch(() => ({ ok: false, code: 'ERR_EXT_INTERNAL', message: 'internal error' }));
  });

  api.runtime.onInstalled.addListener(() => {
    void (async () => {
      if ((await local.phrase.get()) === '') await local.phrase.set(randomPhrase(webRandom));
    })().catch(() => undefined);
  });
  api.runtime.onInstalled.addListener((d) => void (d.reason === 'install' && api.tabs.create({ url: api.runtime.getURL('pages/onboarding.html') }).catch(() => undefined)));

  // "Verified" belongs to a committed document (rule R3): the top frame's commits, as the browser reports them.
  api.webNavigation.onCommitted.addListener((d) => {
    const extra = d as { documentLifecycle?: string; documentId?: string };
    if (d.frameId !== 0 || (extra.documentLifecycle !== undefined && extra.documentLifecycle !== 'active')) return;
    void ready.then((c) => c.onCommitted(d.tabId, d.url, extra.documentId)).catch(() => undefined);
  });

  api.tabs.onRemoved.addListener((tabId) => void ready.then((c) => c.onTabRemoved(tabId)));
  api.tabs.onUpdated.addListener((tabId, change) => {
    void ready.then(async (c) => {
      if (change.url !== undefined) await c.onTabUrl(tabId, change.url);
      // Re-applied once the load completes (a commit this worker was not told about — e.g. a prerendered page
      // activated — cleared it too). Not at "loading": that comes before the commit, whose clear would undo it.
      if (change.status === 'complete') c.refreshIndicator(tabId);
    }).catch(() => undefined);
  });
}
