/**
 * One small browser-driver interface for the e2e scenarios, so each scenario is written once and runs in both
 * browsers (`describe.each(e2eBrowsers())`):
 *
 * - Chromium: Playwright over CDP, the extension from dist/ (wraps harness.ts `launch`).
 * - Firefox: Debian's firefox-esr through puppeteer-core over WebDriver BiDi, the extension from dist-firefox/
 *   installed with `browser.installExtension`, its internal UUID fixed by the pref `extensions.webextensions.uuids`
 *   so its pages are at moz-extension://<FIREFOX_UUID>/….
 *
 * Firefox's BiDi does not expose extension pages at all (measured with firefox-esr 153: navigating to
 * moz-extension:// is "not allowed in this context", and extension browsing contexts are left out of every BiDi
 * command — Firefox bug 1755014). So the Firefox driver reaches its extension pages from the browser's own
 * (chrome) window instead: the remote agent runs with MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1, which lets BiDi evaluate
 * script in browser.xhtml, and extensions run in the parent process (`extensions.webextensions.remote` false, a
 * supported Firefox configuration), so that window can open an extension page in a tab and reach its DOM and
 * its `browser.*` API. Web pages are driven through BiDi as usual; the in-page indicator (an extension frame
 * inside a web page) is read by a frame script in the page's process.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser, type Page as PuppeteerPage } from 'puppeteer-core';
import { GECKO_ID } from '../../src/extension/tools/firefox-manifest.ts';
import { ROOT, launch, type Browser as ChromiumBrowser } from './harness.ts';
import type { Browser as ExtensionApi } from 'webextension-polyfill';

/** Only inside callbacks that run in a Chromium extension page (Chromium's promise-based `chrome`, typed by the polyfill's types). */
declare const chrome: ExtensionApi;

export type BrowserName = 'chromium' | 'firefox';
export const DIST_FIREFOX = join(ROOT, 'dist-firefox');
/** The internal UUID the Firefox tests give the add-on (any fixed v4 UUID). */
export const FIREFOX_UUID = '6d1c2b9e-3f4a-4c5d-8e7f-0a1b2c3d4e5f';

/** A web page (http/https) in a tab. */
export interface WebPage {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Resolves once `fn` is truthy in the page. */
  waitFor<A>(fn: (arg: A) => boolean, arg: A, timeoutMs?: number): Promise<void>;
  textContent(selector: string): Promise<string | null>;
  close(): Promise<void>;
}

/** An extension page in a tab (the login UI), driven by its labelled controls. */
export interface ExtensionPage {
  fill(label: string, value: string): Promise<void>;
  click(buttonName: string): Promise<void>;
  /** The page's visible text. */
  text(): Promise<string>;
  close(): Promise<void>;
}

export interface Reply<T> {
  ok: boolean;
  value?: T;
  code?: string;
  message?: string;
}

export interface E2EBrowser {
  readonly name: BrowserName;
  readonly version: string;
  /** The extension's origin, e.g. chrome-extension://<id>/ or moz-extension://<uuid>/. */
  readonly extensionOrigin: string;
  newPage(): Promise<WebPage>;
  /** Open an extension page (path relative to the extension root) in a new tab, once its body is there. */
  openExtensionPage(path: string, readyText?: string): Promise<ExtensionPage>;
  /** Send a message to the background as an extension page does. */
  message<T>(msg: Record<string, unknown>): Promise<Reply<T>>;
  /** The extension's tab id of a web page (by URL). */
  tabIdOf(page: WebPage): Promise<number>;
  badge(tabId: number): Promise<string>;
  /** How many tabs the browser has (login windows included), as the extension sees them. */
  tabCount(): Promise<number>;
  /** Text of the in-page indicator's extension frame in this page ('' if none). */
  indicatorText(page: WebPage): Promise<string>;
  /** The background's decision trace (test builds), for failure messages. */
  trace(): Promise<string>;
  /** Stop the background as the browser does when it is idle (Chromium: the service worker; Firefox: the event page). */
  stopBackground(): Promise<void>;
  /**
   * Firefox only (measurements): add, inside the background page, one more blocking `onHeadersReceived` listener
   * for `urlPattern` that never answers, so the matching responses stay held at the response stage.
   */
  holdResponses?(urlPattern: string): Promise<void>;
  /** Firefox only: grant or revoke the extension's host permissions, as the user can in about:addons. */
  setHostPermissions?(granted: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Which browsers the dual-browser scenarios run in: MUTUAL_E2E_BROWSERS=chromium,firefox (default: both). */
export function e2eBrowsers(): BrowserName[] {
  const raw = (process.env.MUTUAL_E2E_BROWSERS ?? 'chromium,firefox').split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of raw) if (b !== 'chromium' && b !== 'firefox') throw new Error(`MUTUAL_E2E_BROWSERS: unknown browser ${b}`);
  return raw as BrowserName[];
}

export function launchBrowser(name: BrowserName): Promise<E2EBrowser> {
  return name === 'chromium' ? launchChromium() : launchFirefox();
}

// ---------------------------------------------------------------------------------------------- Chromium

function playwrightPage(p: Page): WebPage {
  return {
    async goto(url) {
      await p.goto(url);
    },
    async reload() {
      await p.reload();
    },
    url: () => p.url(),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => p.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown),
    async waitFor(fn, arg, timeoutMs = 20_000) {
      await p.waitForFunction(fn as (arg: unknown) => boolean, arg as unknown, { timeout: timeoutMs });
    },
    textContent: (sel) => p.textContent(sel),
    close: () => p.close(),
  };
}

export async function launchChromium(extraArgs: string[] = []): Promise<E2EBrowser> {
  const b: ChromiumBrowser = await launch(extraArgs);
  const pages = new WeakMap<WebPage, Page>();
  return {
    name: 'chromium',
    version: b.context.browser()?.version() ?? '',
    extensionOrigin: `chrome-extension://${b.extensionId}/`,
    async newPage() {
      const p = await b.context.newPage();
      const w = playwrightPage(p);
      pages.set(w, p);
      return w;
    },
    async openExtensionPage(path) {
      const p = await b.context.newPage();
      await p.goto(`chrome-extension://${b.extensionId}/${path}`);
      return {
        fill: (label, value) => p.getByLabel(label).fill(value),
        click: (name) => p.getByRole('button', { name }).click(),
        text: async () => (await p.textContent('body')) ?? '',
        close: () => p.close(),
      };
    },
    async message<T>(msg: Record<string, unknown>) {
      const probe = await b.probe();
      return probe.evaluate((m) => chrome.runtime.sendMessage(m), msg) as Promise<Reply<T>>;
    },
    async tabIdOf(page) {
      const probe = await b.probe();
      const url = page.url();
      const id = await probe.evaluate(async (u: string) => {
        const hit = (await chrome.tabs.query({})).filter((t) => t.url === u || t.pendingUrl === u);
        return hit.length === 1 ? (hit[0]!.id ?? -1) : -1;
      }, url);
      if (id < 0) throw new Error(`no unique tab for ${url}`);
      return id;
    },
    async badge(tabId) {
      const probe = await b.probe();
      return probe.evaluate((id: number) => chrome.action.getBadgeText({ tabId: id }), tabId);
    },
    async tabCount() {
      const probe = await b.probe();
      return probe.evaluate(async () => (await chrome.tabs.query({})).length);
    },
    async indicatorText(page) {
      const p = pages.get(page);
      const f = p?.frames().find((x) => x.url().startsWith(`chrome-extension://${b.extensionId}/pages/indicator.html`));
      return (await f?.textContent('body').catch(() => '')) ?? '';
    },
    async stopBackground() {
      const probe = await b.probe();
      const cdp = await b.context.newCDPSession(probe);
      try {
        await cdp.send('ServiceWorker.enable');
        await cdp.send('ServiceWorker.stopAllWorkers');
      } finally {
        await cdp.detach().catch(() => undefined);
      }
    },
    async trace() {
      const w = await b.worker();
      return w.evaluate(() => ((globalThis as { mutualTrace?: string[] }).mutualTrace ?? []).join('\n'));
    },
    close: () => b.close(),
  };
}

// ---------------------------------------------------------------------------------------------- Firefox

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: { type: string; value?: unknown };
  exceptionDetails?: { text?: string };
}

function puppeteerPage(p: PuppeteerPage): WebPage {
  return {
    async goto(url) {
      await p.goto(url);
    },
    async reload() {
      await p.reload();
    },
    url: () => p.url(),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => p.evaluate(fn as (arg: unknown) => Promise<R>, arg) as Promise<R>,
    async waitFor(fn, arg, timeoutMs = 20_000) {
      await p.waitForFunction(fn as (arg: unknown) => boolean, { timeout: timeoutMs }, arg);
    },
    textContent: (sel) => p.evaluate((s) => document.querySelector(s)?.textContent ?? null, sel),
    close: () => p.close(),
  };
}

/**
 * Chrome-window script for the Firefox driver. Runs in browser.xhtml with the browser's privileges; reaches
 * extension tabs (parent-process documents) through `gBrowser`. Everything crosses as JSON.
 */
const CHROME_HELPERS = `
  const tabs = (globalThis.__mutualE2E ??= { next: 1, tabs: new Map() });
  const win = (h) => { const t = tabs.tabs.get(h); if (!t) throw new Error('no such extension tab ' + h); return gBrowser.getBrowserForTab(t).contentWindow; };
  const json = (w, v) => v === undefined ? 'null' : w.wrappedJSObject.JSON.stringify(v);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const control = (doc, label) => {
    for (const l of doc.querySelectorAll('label')) if (l.textContent.trim() === label && l.control) return l.control;
    for (const e of doc.querySelectorAll('[aria-label]')) if (e.getAttribute('aria-label') === label) return e;
    throw new Error('no control labelled ' + label);
  };
`;

export async function launchFirefox(): Promise<E2EBrowser> {
  if (!existsSync(join(DIST_FIREFOX, 'manifest.json'))) throw new Error('dist-firefox/ is missing: run `npm run build:firefox` first');
  const profile = mkdtempSync(join(tmpdir(), 'mutual-e2e-ff-'));
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: profile,
    acceptInsecureCerts: true,
    env: { ...process.env, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
      'extensions.webextensions.remote': false,
    },
  });
  try {
    await browser.installExtension(DIST_FIREFOX);
  } catch (e) {
    await browser.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const origin = `moz-extension://${FIREFOX_UUID}/`;
  const conn = (browser as unknown as { connection: BidiConnection }).connection;
  const tree = (await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' })).result as { contexts: Array<{ context: string; url: string }> };
  const chromeCtx = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml')?.context;
  if (chromeCtx === undefined) throw new Error('Firefox: no browser window in chrome scope (is MOZ_REMOTE_ALLOW_SYSTEM_ACCESS honoured?)');

  /** Run `body` (an async function body over `args`, returning a JSON string or undefined) in the chrome window. */
  const chromeEval = async <T>(body: string, args: unknown): Promise<T> => {
    const expression = `(async (args) => { ${CHROME_HELPERS} ${body} })(${JSON.stringify(args)})`;
    const r = (await conn.send('script.evaluate', { expression, target: { context: chromeCtx }, awaitPromise: true, resultOwnership: 'none' })).result as EvaluateResult;
    if (r.type === 'exception') throw new Error(`Firefox chrome script failed: ${r.exceptionDetails?.text ?? '?'}`);
    const v = r.result?.value;
    return (typeof v === 'string' ? JSON.parse(v) : undefined) as T;
  };

  const open = async (path: string, readyText?: string): Promise<number> =>
    chromeEval<number>(`
      const tab = gBrowser.addTab(args.url, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });
      gBrowser.selectedTab = tab;
      const h = tabs.next++;
      tabs.tabs.set(h, tab);
      const end = Date.now() + 20000;
      for (;;) {
        const d = gBrowser.getBrowserForTab(tab).contentDocument;
        if (d && d.readyState === 'complete' && d.location.href.startsWith(args.url.split('?')[0]) && (!args.readyText || (d.body?.textContent ?? '').includes(args.readyText))) break;
        if (Date.now() > end) throw new Error('extension page did not load: ' + args.url);
        await sleep(50);
      }
      return String(h);`, { url: `${origin}${path}`, readyText: readyText ?? '' });

  // One extension page (the options page) to call the extension API from, like the Chromium harness's probe.
  const probe = await open('pages/options.html');
  const api = <T>(body: string, args: unknown): Promise<T> =>
    chromeEval<T>(`const w = win(${probe}); const browser = w.wrappedJSObject.browser; const clone = (v) => Cu.cloneInto(v, w); ${body}`, args);

  const pages = new WeakMap<WebPage, PuppeteerPage>();
  const b: E2EBrowser = {
    name: 'firefox',
    version: await browser.version(),
    extensionOrigin: origin,
    async newPage() {
      const p = await browser.newPage();
      const w = puppeteerPage(p);
      pages.set(w, p);
      return w;
    },
    async openExtensionPage(path, readyText) {
      const h = await open(path, readyText);
      return {
        async fill(label, value) {
          await chromeEval(`const w = win(${h}); const el = control(w.document, args.label);
            el.focus(); el.value = args.value; el.dispatchEvent(new w.Event('input', { bubbles: true })); el.dispatchEvent(new w.Event('change', { bubbles: true }));`, { label, value });
        },
        async click(name) {
          await chromeEval(`const w = win(${h});
            const btn = [...w.document.querySelectorAll('button')].find((x) => (x.getAttribute('aria-label') ?? x.textContent).trim() === args.name);
            if (!btn) throw new Error('no button ' + args.name);
            btn.click();`, { name });
        },
        text: () => chromeEval<string>(`return JSON.stringify(win(${h}).document.body?.textContent ?? '');`, {}),
        async close() {
          await chromeEval(`const t = tabs.tabs.get(${h}); if (t) gBrowser.removeTab(t); tabs.tabs.delete(${h});`, {});
        },
      };
    },
    message: <T>(msg: Record<string, unknown>) => api<Reply<T>>('return json(w, await browser.runtime.sendMessage(clone(args)));', msg),
    async tabIdOf(page) {
      const url = page.url();
      const ids = await api<number[]>('const ts = await browser.tabs.query(clone({})); return JSON.stringify([...ts].filter((t) => t.url === args.url).map((t) => t.id));', { url });
      if (ids.length !== 1) throw new Error(`no unique tab for ${url}`);
      return ids[0]!;
    },
    badge: (tabId) => api<string>('return json(w, await browser.action.getBadgeText(clone({ tabId: args.tabId })));', { tabId }),
    tabCount: () => api<number>('return String((await browser.tabs.query(clone({}))).length);', {}),
    async indicatorText(page) {
      const p = pages.get(page);
      if (!p) return '';
      // The indicator frame is an extension document inside the web page's process, where BiDi does not go: a
      // frame script (chrome-privileged, in that process) reads it through the page's closed shadow root.
      return chromeEval<string>(`
        // In any browser window: the login UI's popup window (focused when it opens) may be the one new pages open in.
        let browserEl;
        for (const w of Services.wm.getEnumerator('navigator:browser')) {
          const tab = [...w.gBrowser.tabs].find((t) => w.gBrowser.getBrowserForTab(t).currentURI.spec === args.url);
          if (tab) { browserEl = w.gBrowser.getBrowserForTab(tab); break; }
        }
        if (!browserEl) return JSON.stringify('');
        const mm = browserEl.messageManager;
        const name = 'mutual-e2e:indicator:' + Math.random();
        const got = new Promise((r) => mm.addMessageListener(name, (m) => r(m.data)));
        const code = 'for (const host of content.document.documentElement.children) {'
          + ' const f = host.openOrClosedShadowRoot?.querySelector("iframe");'
          + ' if (f && f.src.startsWith(' + JSON.stringify(args.prefix) + ')) { sendAsyncMessage(' + JSON.stringify(name) + ', f.contentDocument?.body?.textContent ?? ""); return; } }'
          + ' sendAsyncMessage(' + JSON.stringify(name) + ', "");';
        mm.loadFrameScript('data:,' + encodeURIComponent('(() => {' + code + '})()'), false);
        return JSON.stringify(await Promise.race([got, sleep(3000).then(() => '')]));`, { url: p.url(), prefix: `${origin}pages/indicator.html` });
    },
    async trace() {
      return api<string>(`const bg = await browser.runtime.getBackgroundPage(); const t = (bg?.wrappedJSObject ?? bg)?.mutualTrace; return JSON.stringify(t ? [...t].join('\\n') : '(no trace: not a test build)');`, {});
    },
    async stopBackground() {
      // Forced, like a crash: Firefox's own idle suspension (and about:debugging's "Terminate") skips an event
      // page with pending listener promises or an active StreamFilter (ext-backgroundPage.js, ESR 153), so only
      // the test-only flag stops it mid-request. The next event wakes it again.
      await chromeEval(`const ext = WebExtensionPolicy.getByID(args.id).extension;
        await ext.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true });
        return JSON.stringify(ext.backgroundState);`, { id: GECKO_ID });
    },
    async setHostPermissions(granted) {
      await chromeEval(`const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
        const ext = WebExtensionPolicy.getByID(args.id).extension;
        const perms = { origins: ['http://*/*', 'https://*/*'], permissions: [] };
        await (args.granted ? ExtensionPermissions.add(args.id, perms, ext) : ExtensionPermissions.remove(args.id, perms, ext));
        return JSON.stringify('ok');`, { id: GECKO_ID, granted });
    },
    async holdResponses(urlPattern) {
      // Evaluated with the background page as the global, so the listener belongs to the extension's context.
      await api<string>(`const bg = await browser.runtime.getBackgroundPage();
        const sb = Cu.Sandbox(bg, { sandboxPrototype: bg, wantXrays: false });
        Cu.evalInSandbox('browser.webRequest.onHeadersReceived.addListener(() => new Promise(() => {}), { urls: [' + JSON.stringify(args.p) + '] }, ["blocking"])', sb);
        return JSON.stringify('ok');`, { p: urlPattern });
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  // The background registers its listeners on its first turn; make sure it is up before the first navigation.
  await b.message({ type: 'sessions' });
  return b;
}
