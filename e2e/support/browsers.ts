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
import { ROOT, allText, launch, type Browser as ChromiumBrowser } from './harness.ts';
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
  /**
   * From now on, record every main-frame URL the page commits and the full HTML of every document it loads
   * (at DOMContentLoaded and load), so a test can say "this content was never shown", not only "is not shown now".
   */
  recordShown(): string[];
  close(): Promise<void>;
}

/** An extension page in a tab (the login UI), driven by its labelled controls. */
export interface ExtensionPage {
  fill(label: string, value: string): Promise<void>;
  /** Click the button with this accessible name (inside the first element matching `within`, if given). */
  click(buttonName: string, within?: string): Promise<void>;
  /** Press Enter in the control with this label (submits its form). */
  pressEnter(label: string): Promise<void>;
  /** The page's visible text. */
  text(): Promise<string>;
  /** Wait until an element matches `selector`; its text. */
  waitFor(selector: string, timeoutMs?: number): Promise<string>;
  /** How many elements match `selector` now. */
  count(selector: string): Promise<number>;
  /** An attribute of the first element matching `selector` (null if none). */
  attr(selector: string, name: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Let pages open windows without a user gesture (the prompt-flood test). */
  popups?: boolean;
  /** Accept the test servers' self-signed certificates (Firefox: always; acceptInsecureCerts). */
  insecureCerts?: boolean;
}

/** Login UIs (the action popup or a pages/login.html window) the extension opened since the watch began. */
export interface LoginUiWatch {
  urls(): Promise<string[]>;
}

export interface Reply<T> {
  ok: boolean;
  value?: T;
  code?: string;
  message?: string;
}

/** The Playwright objects behind the Chromium driver, for the few checks that exist only in Chromium (CDP). */
export interface ChromiumHandle {
  browser: ChromiumBrowser;
  pageOf(page: WebPage): Page;
  /** Wrap a Playwright page (e.g. one the extension replaced a tab with) as a WebPage. */
  wrap(p: Page): WebPage;
}

export interface E2EBrowser {
  readonly name: BrowserName;
  /** Set only in Chromium. */
  readonly chromium?: ChromiumHandle;
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
  /** The toolbar button's title for a tab. */
  actionTitle(tabId: number): Promise<string>;
  /** The URL of a tab as the extension sees it (extension pages included, which BiDi does not show). */
  tabUrl(tabId: number): Promise<string>;
  /** Text of `selector` in the extension page (e.g. the warning page) a tab shows now; null if none. */
  extensionTabText(tabId: number, selector: string): Promise<string | null>;
  /** Every login UI the extension opens from now on (pages the test opens itself are not counted). */
  watchLoginUis(): Promise<LoginUiWatch>;
  /** How many tabs the browser has (login windows included), as the extension sees them. */
  tabCount(): Promise<number>;
  /** Text of the in-page indicator's extension frame in this page ('' if none). */
  indicatorText(page: WebPage): Promise<string>;
  /** Body text of the frame named `name` anywhere in the page (null if there is no such frame or it has no document). */
  frameText(page: WebPage, name: string): Promise<string | null>;
  /** Every text node of the page: closed shadow roots and same-process frames included. */
  allText(page: WebPage): Promise<string>;
  /** The background's decision trace (test builds), for failure messages. */
  trace(): Promise<string>;
  /**
   * Stop the background as the browser does when it is idle (Chromium: the service worker; Firefox: the event
   * page, through its suspension path, asked again until it really stopped). Resolves once it has stopped.
   */
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

/**
 * Scenarios that fail in firefox-esr today because of the extension, not the test: skipped there, by name, so
 * the gap is visible here and in the issue tracker instead of hidden in a test. Remove an entry when it passes.
 * (None at present. 'stopped-background' was one until issue 8: see docs/browser-notes.md, "event page stopped
 * mid-request".)
 */
export const FIREFOX_KNOWN_GAPS = new Set<string>();

/** The browsers a scenario runs in: e2eBrowsers() minus those with a known gap for it. */
export function scenarioBrowsers(scenario: string): BrowserName[] {
  return e2eBrowsers().filter((b) => !(b === 'firefox' && FIREFOX_KNOWN_GAPS.has(scenario)));
}

export function launchBrowser(name: BrowserName, opts: LaunchOptions = {}): Promise<E2EBrowser> {
  if (name === 'firefox') return launchFirefox(opts);
  return launchChromium([...(opts.popups ? ['--disable-popup-blocking'] : []), ...(opts.insecureCerts ? ['--ignore-certificate-errors'] : [])]);
}

/** Record committed main-frame URLs and document HTML (Playwright and puppeteer pages have the same events). */
function recorder(p: {
  on(ev: 'load' | 'domcontentloaded', f: () => void): unknown;
  on(ev: 'framenavigated', f: (fr: { url(): string }) => void): unknown;
  mainFrame(): unknown;
  content(): Promise<string>;
}): string[] {
  const shown: string[] = [];
  p.on('framenavigated', (f) => {
    if (f === p.mainFrame()) shown.push(f.url());
  });
  const grab = () => void p.content().then((c) => shown.push(c)).catch(() => undefined);
  p.on('load', grab);
  p.on('domcontentloaded', grab);
  return shown;
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
    recordShown: () => recorder(p),
    close: () => p.close(),
  };
}

export async function launchChromium(extraArgs: string[] = []): Promise<E2EBrowser> {
  const b: ChromiumBrowser = await launch(extraArgs);
  const pages = new WeakMap<WebPage, Page>();
  /** Extension pages the test opened itself (not login UIs the extension opened). */
  const ownPages = new WeakSet<Page>();
  const tabUrl = async (tabId: number): Promise<string> => {
    const probe = await b.probe();
    return probe.evaluate(async (id: number) => {
      const t = await chrome.tabs.get(id);
      return t.url ?? t.pendingUrl ?? '';
    }, tabId);
  };
  const wrap = (p: Page): WebPage => {
    const w = playwrightPage(p);
    pages.set(w, p);
    return w;
  };
  return {
    name: 'chromium',
    chromium: {
      browser: b,
      wrap,
      pageOf(page) {
        const p = pages.get(page);
        if (!p) throw new Error('not a page of this browser');
        return p;
      },
    },
    version: b.context.browser()?.version() ?? '',
    extensionOrigin: `chrome-extension://${b.extensionId}/`,
    newPage: async () => wrap(await b.context.newPage()),
    async openExtensionPage(path) {
      const p = await b.context.newPage();
      ownPages.add(p);
      await p.goto(`chrome-extension://${b.extensionId}/${path}`);
      return {
        fill: (label, value) => p.getByLabel(label).fill(value),
        click: (name, within) => (within ? p.locator(within).first() : p).getByRole('button', { name }).click(),
        pressEnter: (label) => p.getByLabel(label).press('Enter'),
        text: async () => (await p.textContent('body')) ?? '',
        async waitFor(selector, timeoutMs = 20_000) {
          await p.locator(selector).first().waitFor({ timeout: timeoutMs });
          return (await p.locator(selector).first().textContent()) ?? '';
        },
        count: (selector) => p.locator(selector).count(),
        attr: async (selector, name) => ((await p.locator(selector).count()) ? p.locator(selector).first().getAttribute(name) : null),
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
    async actionTitle(tabId) {
      const probe = await b.probe();
      return probe.evaluate((id: number) => chrome.action.getTitle({ tabId: id }), tabId);
    },
    tabUrl,
    async extensionTabText(tabId, selector) {
      const url = await tabUrl(tabId);
      const p = b.context.pages().find((x) => !x.isClosed() && x.url() === url);
      if (!p || !url.startsWith(`chrome-extension://${b.extensionId}/`)) return null;
      return p.textContent(selector).catch(() => null);
    },
    async watchLoginUis() {
      const pages: Page[] = [];
      b.context.on('page', (p) => pages.push(p));
      const isLoginUi = (u: string) => u.startsWith(`chrome-extension://${b.extensionId}/`) && /\/(pages\/login\.html|popup\/)/.test(u);
      return { urls: async () => pages.filter((p) => !ownPages.has(p)).map((p) => p.url()).filter(isLoginUi) };
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
    async frameText(page, name) {
      const f = pages.get(page)?.frames().find((x) => x.name() === name);
      if (!f) return null;
      await f.waitForLoadState('load').catch(() => undefined);
      return f.textContent('body').catch(() => null);
    },
    allText: (page) => allText(b, pages.get(page)!),
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
    recordShown: () => recorder(p as unknown as Parameters<typeof recorder>[0]),
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

export async function launchFirefox(opts: LaunchOptions = {}): Promise<E2EBrowser> {
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
      ...(opts.popups ? { 'dom.disable_open_during_load': false, 'dom.popup_maximum': 100 } : {}),
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
  /**
   * Run `body` (a function body over `args`, returning a JSON-able value) as a frame script in the content
   * process of the tab showing `page`; undefined if no tab shows it or the script did not answer in 3 s.
   */
  const frameScript = async <T>(page: WebPage, body: string, args: unknown): Promise<T | undefined> => {
    const p = pages.get(page);
    if (!p) return undefined;
    const r = await chromeEval<{ v: T } | null>(`
      // In any browser window: the login UI's popup window (focused when it opens) may be the one new pages open in.
      let browserEl;
      for (const w of Services.wm.getEnumerator('navigator:browser')) {
        const tab = [...w.gBrowser.tabs].find((t) => w.gBrowser.getBrowserForTab(t).currentURI.spec === args.url);
        if (tab) { browserEl = w.gBrowser.getBrowserForTab(tab); break; }
      }
      if (!browserEl) return 'null';
      const mm = browserEl.messageManager;
      const name = 'mutual-e2e:' + Math.random();
      const got = new Promise((r) => mm.addMessageListener(name, (m) => r(m.data)));
      const code = '(() => { const args = ' + JSON.stringify(args.args) + '; let v; try { v = (() => {' + args.body + '})(); } catch (e) { v = null; }'
        + ' sendAsyncMessage(' + JSON.stringify(name) + ', JSON.stringify({ v: v ?? null })); })()';
      mm.loadFrameScript('data:,' + encodeURIComponent(code), false);
      return await Promise.race([got, sleep(3000).then(() => 'null')]);`, { url: p.url(), body, args });
    return r === null ? undefined : r.v;
  };
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
        async click(name, within) {
          await chromeEval(`const w = win(${h}); const root = args.within ? w.document.querySelector(args.within) : w.document;
            if (!root) throw new Error('no element ' + args.within);
            const btn = [...root.querySelectorAll('button')].find((x) => (x.getAttribute('aria-label') ?? x.textContent).trim() === args.name);
            if (!btn) throw new Error('no button ' + args.name);
            btn.click();`, { name, within: within ?? '' });
        },
        async pressEnter(label) {
          // What Enter in a text field does: implicit submission of its form.
          await chromeEval(`const w = win(${h}); const el = control(w.document, args.label); el.focus();
            if (!el.form) throw new Error('no form around ' + args.label);
            el.form.requestSubmit();`, { label });
        },
        text: () => chromeEval<string>(`return JSON.stringify(win(${h}).document.body?.textContent ?? '');`, {}),
        waitFor: (selector, timeoutMs = 20_000) =>
          chromeEval<string>(`const end = Date.now() + args.timeoutMs;
            for (;;) {
              const el = win(${h}).document.querySelector(args.selector);
              if (el) return JSON.stringify(el.textContent ?? '');
              if (Date.now() > end) throw new Error('timed out waiting for ' + args.selector);
              await sleep(50);
            }`, { selector, timeoutMs }),
        count: (selector) => chromeEval<number>(`return String(win(${h}).document.querySelectorAll(args.selector).length);`, { selector }),
        attr: (selector, name) => chromeEval<string | null>(`return JSON.stringify(win(${h}).document.querySelector(args.selector)?.getAttribute(args.name) ?? null);`, { selector, name }),
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
    actionTitle: (tabId) => api<string>('return json(w, await browser.action.getTitle(clone({ tabId: args.tabId })));', { tabId }),
    tabUrl: (tabId) => api<string>('return JSON.stringify((await browser.tabs.get(args.tabId)).url ?? "");', { tabId }),
    async extensionTabText(tabId, selector) {
      const url = await b.tabUrl(tabId);
      if (!url.startsWith(origin)) return null;
      // Extension documents run in the parent process here (extensions.webextensions.remote=false): reachable from chrome.
      return chromeEval<string | null>(`
        for (const win of Services.wm.getEnumerator('navigator:browser')) for (const br of win.gBrowser.browsers) {
          if (br.currentURI?.spec !== args.url) continue;
          const el = br.contentDocument?.querySelector(args.selector);
          return JSON.stringify(el ? el.textContent ?? '' : null);
        }
        return 'null';`, { url, selector });
    },
    async watchLoginUis() {
      // Every <browser> element of every window (tabs, popup windows, the action popup's panel), scanned every
      // 50 ms in the chrome window; the test's own extension tabs excluded.
      const key = `w${Math.random().toString(36).slice(2)}`;
      await chromeEval(`
        const seen = (tabs.watches ??= {})[args.key] = [];
        const known = new WeakSet();
        const own = () => new Set([...tabs.tabs.values()].map((t) => gBrowser.getBrowserForTab(t)));
        const isLoginUi = (u) => u.startsWith(args.origin + 'pages/login.html') || u.startsWith(args.origin + 'popup/');
        const all = () => [...Services.wm.getEnumerator(null)].flatMap((win) => [...win.document.querySelectorAll('browser')]);
        // Login UIs already open (e.g. the action popup of an earlier login, kept in its panel) are not new.
        for (const br of all()) known.add(br);
        const scan = () => {
          const mine = own();
          for (const br of all()) {
            const u = br.currentURI?.spec ?? '';
            if (known.has(br) || mine.has(br) || !isLoginUi(u)) continue;
            known.add(br); seen.push(u);
          }
        };
        tabs.timers ??= []; tabs.timers.push(setInterval(scan, 50));`, { key, origin });
      return { urls: () => chromeEval<string[]>(`return JSON.stringify(tabs.watches[args.key]);`, { key }) };
    },
    tabCount: () => api<number>('return String((await browser.tabs.query(clone({}))).length);', {}),
    async indicatorText(page) {
      // The indicator frame is an extension document inside the web page's process, where BiDi does not go: a
      // frame script (chrome-privileged, in that process) reads it through the page's closed shadow root.
      return (await frameScript<string>(page, `
        for (const host of content.document.documentElement.children) {
          const f = host.openOrClosedShadowRoot?.querySelector('iframe');
          if (f && f.src.startsWith(args.prefix)) return f.contentDocument?.body?.textContent ?? '';
        }
        return '';`, { prefix: `${origin}pages/indicator.html` })) ?? '';
    },
    frameText: async (page, name) =>
      // 127.0.0.1 on any port is one site, so every frame of these tests is in the page's process (Fission
      // isolates sites, not origins) and the chrome-privileged frame script may read it whatever its origin.
      (await frameScript<string | null>(page, `
        const walk = (doc) => {
          for (const f of doc.querySelectorAll('iframe')) {
            const d = f.contentDocument;
            if (f.name === args.name) return d?.body ? d.body.textContent ?? '' : null;
            const inner = d ? walk(d) : undefined;
            if (inner !== undefined) return inner;
          }
          return undefined;
        };
        return walk(content.document) ?? null;`, { name })) ?? null,
    async allText(page) {
      return (await frameScript<string>(page, `
        const parts = [];
        const walk = (n) => {
          if (n.nodeType === 3) parts.push(n.nodeValue ?? '');
          for (const c of n.childNodes ?? []) walk(c);
          if (n.openOrClosedShadowRoot) walk(n.openOrClosedShadowRoot);
          if (n.localName === 'iframe' && n.contentDocument) walk(n.contentDocument);
        };
        walk(content.document);
        return parts.join(' ');`, {})) ?? '';
    },
    async trace() {
      return api<string>(`const bg = await browser.runtime.getBackgroundPage(); const t = (bg?.wrappedJSObject ?? bg)?.mutualTrace; return JSON.stringify(t ? [...t].join('\\n') : '(no trace: not a test build)');`, {});
    },
    async stopBackground() {
      // Firefox's own suspension path (ext-backgroundPage.js terminateBackground, ESR 153: runtime.onSuspend, then
      // the page is unloaded), with the test-only flag that skips its postponement while listener promises are
      // pending or a StreamFilter is active — so the stop can land in the middle of a page load. A webRequest
      // event while runtime.onSuspend runs cancels the suspension (Firefox's design): then ask again, until the
      // page has really been unloaded. The next event wakes it again.
      const r = await chromeEval<{ attempts: number; stopped: boolean }>(`const ext = WebExtensionPolicy.getByID(args.id).extension;
        let stopped = false;
        const done = () => { stopped = true; };
        ext.on('shutdown-background-script', done);
        let attempts = 0;
        const end = Date.now() + 30000;
        try {
          while (!stopped && Date.now() < end) {
            if (ext.backgroundState !== 'running') { await sleep(5); continue; }
            attempts++;
            await ext.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true });
          }
        } finally { ext.off('shutdown-background-script', done); }
        return JSON.stringify({ attempts, stopped });`, { id: GECKO_ID });
      if (!r.stopped) throw new Error(`Firefox: the event page was not stopped (${r.attempts} attempts in 30 s)`);
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
