/**
 * Chromium adapter: chrome.debugger + CDP `Fetch` on tabs that are on a Mutual realm. Measured
 * (docs/browser-notes.md): MV3 has no blocking webRequest for a normal install and a DNR header cannot carry a
 * fresh nc per request, but Fetch pauses every request (add Authorization) and every response (check
 * Authentication-Info before the page sees the body, or replace it). Who made a request (rule R1,
 * docs/threat-model.md) comes from the request's `frameId` and the tab's frame tree (`Page.getFrameTree`, kept
 * current with `Page.frameNavigated` / `frameAttached` / `frameDetached`), the loader that made it
 * (`Network.requestWillBeSent`), and each document response's CSP (a sandboxed document is opaque).
 */
import { chromeApi, type ChromeApi } from '../chrome.ts';

/** The `chrome` namespace, for the worker's wiring (index.ts): the adapter is the one user of chrome.debugger. */
export const chromeDebuggerApi: () => ChromeApi = chromeApi;
import {
  withAuthorization, type HeaderEntry, type InterceptedRequest, type Interceptor, type InterceptorHandlers,
  type Requester, type RequestVerdict, type ResponseVerdict, type ResumeResult, type ResumeTab, type TabControl,
} from './interceptor.ts';
import { withTimeout } from '../urls.ts';

/** The part of CDP `Fetch.requestPaused` this adapter reads. */
interface RequestPaused {
  requestId: string;
  /** The Network domain's id of the request; absent for a request no document's loader made (keepalive). */
  networkId?: string;
  request: { url: string; method: string; headers: Record<string, string> };
  frameId: string;
  resourceType: string;
  responseErrorReason?: string;
  responseStatusCode?: number;
  responseHeaders?: HeaderEntry[];
}

function isRequestPaused(p: unknown): p is RequestPaused {
  if (typeof p !== 'object' || p === null) return false;
  const o = p as Partial<RequestPaused>;
  return typeof o.requestId === 'string' && typeof o.request === 'object' && o.request !== null && typeof o.request.url === 'string';
}

/** One frame of the tab: the origin of its current document (undefined until known), its loader and its parent. */
interface FrameInfo {
  origin?: string;
  /** CDP's id of the frame's current document (its loader): a request of another document is not this one's. */
  loaderId?: string;
  parentId?: string;
}

interface TabAttachment {
  mainFrameId?: string;
  network: boolean;
  frames: Map<string, FrameInfo>;
  /** `Network.requestWillBeSent`: the loader (document) that made each request, by network id. */
  loaderOf: Map<string, string>;
  /**
   * Documents whose response this adapter checked, by loader id (= the navigation's network id): true when the
   * response sandboxed it (`Content-Security-Policy: sandbox`), so its origin is opaque whatever its URL —
   * Chromium's frame tree still reports the URL's origin for such a document (measured).
   */
  documents: Map<string, boolean>;
  /** Documents being asked for their origin now (see askOrigins), by loader id. */
  asking: Map<string, Promise<void>>;
}

/** Bound of the per-tab maps above (oldest first out). */
const MAX_TRACKED = 2048;

function remember<K, V>(m: Map<K, V>, k: K, v: V): void {
  m.delete(k);
  m.set(k, v);
  while (m.size > MAX_TRACKED) m.delete(m.keys().next().value!);
}

function newAttachment(network = false): TabAttachment {
  return { network, frames: new Map(), loaderOf: new Map(), documents: new Map(), asking: new Map() };
}

/**
 * Does a document response's CSP sandbox it into an opaque origin? Any enforced policy with a `sandbox`
 * directive without `allow-same-origin` does (a `<meta>` policy cannot sandbox; report-only never does).
 */
export function sandboxedByCsp(headers: readonly HeaderEntry[]): boolean {
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'content-security-policy') continue;
    // Several policies may share one header line (comma-separated) or come in several lines; each is enforced.
    for (const policy of h.value.split(/[,\n]/)) {
      for (const directive of policy.split(';')) {
        // Tokens split on ASCII whitespace only, as the browser's CSP parser does (JS \s also takes \v, U+00A0…).
        const tokens = directive.toLowerCase().split(/[ \t\n\f\r]+/).filter((t) => t !== '');
        if (tokens[0] === 'sandbox' && !tokens.includes('allow-same-origin')) return true;
      }
    }
  }
  return false;
}

/** The part of a CDP `Page.Frame` this adapter reads. */
interface CdpFrame {
  id?: unknown;
  parentId?: unknown;
  loaderId?: unknown;
  url?: unknown;
  securityOrigin?: unknown;
  /** Set on an error page: the URL that failed to load. */
  unreachableUrl?: unknown;
}

interface CdpFrameTree {
  frame?: CdpFrame;
  childFrames?: CdpFrameTree[];
}

/** A document's origin as the browser reports it; anything but http(s) (about:blank, sandboxed, data:) is opaque. */
export function frameOrigin(f: CdpFrame): string {
  const o = typeof f.securityOrigin === 'string' ? f.securityOrigin : '';
  if (/^https?:\/\/[^/]+$/i.test(o)) return o.toLowerCase();
  if (o === '' && typeof f.url === 'string') {
    try {
      const u = new URL(f.url);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
    } catch {
      /* opaque */
    }
  }
  return 'null';
}

const CDP_VERSION = '1.3';

export function base64FromBytes(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function bytesFromBase64(s: string): Uint8Array | undefined {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

export class CdpFetchInterceptor implements Interceptor {
  readonly name = 'cdp-fetch';
  readonly restartStrandsRequests = true;
  private readonly tabs = new Map<number, TabAttachment>();
  private readonly errors = new Map<number, string>();
  private readonly attaching = new Map<number, Promise<boolean>>();
  private handlers: InterceptorHandlers | undefined;

  constructor(private readonly api: () => ChromeApi) {}

  start(h: InterceptorHandlers): void {
    this.handlers = h;
    const dbg = this.api().debugger;
    dbg.onEvent.addListener((source, method, params) => {
      if (source.tabId === undefined) return;
      if (method === 'Fetch.requestPaused') {
        if (isRequestPaused(params)) void this.onPaused(source.tabId, params);
        return;
      }
      const att = this.tabs.get(source.tabId);
      if (att && typeof params === 'object' && params !== null) this.onPageEvent(source.tabId, att, method, params as Record<string, unknown>);
    });
    dbg.onDetach.addListener((source, reason) => {
      if (source.tabId === undefined) return;
      this.tabs.delete(source.tabId);
      h.onDetached(source.tabId, reason);
    });
  }

  /**
   * After a worker restart. The worker was stopped while this tab was loading under interception (MV3 keeps the
   * worker alive while a debugger is attached, so: a forced stop or a crash)? Measured: the requests the old
   * worker had paused are stuck for good; the old CDP session may survive as an orphan that holds every new
   * request of the tab too; detaching or re-enabling releases paused requests *bare* to the server. So such a
   * tab is replaced: the stuck page is unloaded first (its paused requests are cancelled by the page before the
   * session holding them goes away — measured: closing right away released some of them bare), a blank tab is
   * opened and attached *before* it navigates (so its first request is intercepted too), the old tab closed,
   * and the replacement loads the page. A tab that was idle is simply attached again.
   */
  async resume(tab: ResumeTab, tabs: TabControl): Promise<ResumeResult> {
    const https = (tab.url ?? '').startsWith('https:');
    const stuck = tab.inFlight || (await tabs.tabLoading(tab.tabId));
    if (!stuck) return { attached: await this.attach(tab.tabId, { network: https, recover: true }) };
    await withTimeout(tabs.navigate(tab.tabId, 'about:blank'), 2000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const id = await withTimeout(tabs.openBlankBeside(tab.tabId), 3000).catch(() => undefined);
    if (id === undefined || tab.url === undefined) return { attached: false };
    // Let the new tab's own initial about:blank load finish first: measured, it can commit after (and so cancel)
    // a navigation started right away, leaving the replacement blank.
    for (let i = 0; i < 20 && (await tabs.tabLoading(id)); i++) await new Promise((r) => setTimeout(r, 50));
    const attached = await withTimeout(this.attach(id, { network: https }), 3000).catch(() => false);
    await withTimeout(tabs.closeTab(tab.tabId), 3000).catch(() => undefined);
    await tabs.navigate(id, tab.url).catch(() => undefined);
    return { attached, replacedBy: id };
  }

  lastError(tabId: number): string | undefined {
    return this.errors.get(tabId);
  }

  isAttached(tabId: number): boolean {
    return this.tabs.has(tabId);
  }

  attach(tabId: number, opts: { network?: boolean; recover?: boolean } = {}): Promise<boolean> {
    const existing = this.tabs.get(tabId);
    if (existing) {
      if (!existing.network) return this.enableNetwork(tabId).then(() => true);
      return Promise.resolve(true);
    }
    const inFlight = this.attaching.get(tabId);
    if (inFlight) return inFlight;
    const p = this.doAttach(tabId, opts.recover === true).finally(() => this.attaching.delete(tabId));
    this.attaching.set(tabId, p);
    return p;
  }

  private async doAttach(tabId: number, recover: boolean): Promise<boolean> {
    const dbg = this.api().debugger;
    if (recover) {
      // After a worker restart, a session of the previous worker that this one can still address would
      // hold requests whose events went to the dead worker. Cancel the tab's loads through it (so no stuck
      // request is released bare to the server), then drop it. (Measured: usually it is not addressable —
      // then a tab stuck in a load is replaced instead, see MutualBackground.restore.)
      const orphan = await dbg.sendCommand({ tabId }, 'Page.stopLoading').then(() => true, () => false);
      if (orphan) await dbg.detach({ tabId }).catch(() => undefined);
    }
    try {
      await dbg.attach({ tabId }, CDP_VERSION);
    } catch (e) {
      this.errors.set(tabId, `attach: ${String(e)}`);
      return false;
    }
    try {
      await dbg.sendCommand({ tabId }, 'Fetch.enable', {
        // http(s) only: the content script's own module (chrome-extension://) must load even while this
        // worker is stopped — it is what wakes the worker again (see content/indicator.ts).
        patterns: [
          { urlPattern: 'http://*', requestStage: 'Request' },
          { urlPattern: 'https://*', requestStage: 'Request' },
          { urlPattern: 'http://*', requestStage: 'Response' },
          { urlPattern: 'https://*', requestStage: 'Response' },
        ],
      });
    } catch (e) {
      this.errors.set(tabId, `Fetch.enable: ${String(e)}`);
      await dbg.detach({ tabId }).catch(() => undefined);
      return false;
    }
    const att = newAttachment();
    this.tabs.set(tabId, att);
    // Page events keep the frame tree (who makes each request) current.
    await dbg.sendCommand({ tabId }, 'Page.enable').catch(() => undefined);
    // A prerendered page loads in a frame tree of its own, which this tab's session does not intercept (CDP keeps
    // this command for clients attached to a page rather than to the tab). Not observed here — Chromium 156
    // headless never prerendered, debugger or not — so turned off on principle; accepted by Chromium 156 (measured).
    await dbg.sendCommand({ tabId }, 'Page.setPrerenderingAllowed', { isAllowed: false }).catch(() => undefined);
    await this.refreshMainFrame(tabId, att);
    // Always, not only for HTTPS: the service-worker bypass and the disabled cache below need Network enabled.
    await this.enableNetwork(tabId);
    return true;
  }

  /** Read the whole frame tree: the main frame's id and every frame's origin and parent. */
  private async refreshMainFrame(tabId: number, att: TabAttachment): Promise<void> {
    try {
      const tree = (await this.api().debugger.sendCommand({ tabId }, 'Page.getFrameTree')) as { frameTree?: CdpFrameTree };
      const root = tree.frameTree;
      const id = root?.frame?.id;
      if (typeof id === 'string') att.mainFrameId = id;
      const walk = (t: CdpFrameTree | undefined, depth: number): void => {
        if (!t?.frame || depth > 64) return;
        this.recordFrame(att, t.frame);
        for (const c of t.childFrames ?? []) walk(c, depth + 1);
      };
      walk(root, 0);
    } catch {
      /* keep the previous values */
    }
  }

  private recordFrame(att: TabAttachment, f: CdpFrame): void {
    if (typeof f.id !== 'string') return;
    const loaderId = typeof f.loaderId === 'string' ? f.loaderId : undefined;
    const info: FrameInfo = { origin: loaderId !== undefined && att.documents.get(loaderId) === true ? 'null' : frameOrigin(f) };
    if (loaderId !== undefined) info.loaderId = loaderId;
    if (typeof f.parentId === 'string') info.parentId = f.parentId;
    else att.mainFrameId = f.id;
    att.frames.set(f.id, info);
  }

  private onPageEvent(tabId: number, att: TabAttachment, method: string, p: Record<string, unknown>): void {
    if (method === 'Page.frameNavigated' && typeof p.frame === 'object' && p.frame !== null) {
      const f = p.frame as CdpFrame;
      let reload = false;
      if (this.committedAround(att, f, p.type)) {
        // A document of a web origin committed in this tab, yet its response never paused here: Chromium served
        // it from a speculation-rules prefetch (measured: the prefetch and the navigation it serves bypass a tab's
        // Fetch session — docs/browser-notes.md). Nobody checked it, so it is nobody's (opaque): its requests
        // carry no Authorization (R1). If the tab showed a checked document until now, load the page again,
        // through the interceptor (a reload is never served from a prefetch): the user gets the checked page
        // instead of whatever answered the unchecked request.
        const previous = att.mainFrameId === undefined ? undefined : att.frames.get(att.mainFrameId)?.loaderId;
        remember(att.documents, f.loaderId as string, true);
        const main = typeof f.parentId !== 'string';
        reload = main && previous !== undefined && att.documents.get(previous) === false;
      }
      this.recordFrame(att, f);
      if (reload) void this.reloadChecked(tabId, f.loaderId as string);
    } else if (method === 'Page.frameAttached' && typeof p.frameId === 'string') {
      const info: FrameInfo = {};
      if (typeof p.parentFrameId === 'string') info.parentId = p.parentFrameId;
      if (!att.frames.has(p.frameId)) att.frames.set(p.frameId, info);
    } else if (method === 'Page.frameDetached' && typeof p.frameId === 'string') {
      att.frames.delete(p.frameId);
    } else if (method === 'Network.requestWillBeSent' && typeof p.requestId === 'string' && typeof p.loaderId === 'string') {
      remember(att.loaderOf, p.requestId, p.loaderId);
    }
  }

  /**
   * Reload the tab while it still shows the unchecked document `loader`. Measured: right at its commit the
   * session answers "Not attached to an active page" for a while (the tab's page is being swapped), so retry.
   */
  private async reloadChecked(tabId: number, loader: string): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const att = this.tabs.get(tabId);
      const main = att?.mainFrameId === undefined ? undefined : att.frames.get(att.mainFrameId);
      if (main?.loaderId !== loader) return; // gone: detached, or the tab navigated on
      const ok = await this.api().debugger.sendCommand({ tabId }, 'Page.reload', { ignoreCache: true }).then(() => true, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Did this commit bring a document whose response never paused here? Only for a new document (not one restored
   * from the back/forward cache, loaded earlier), of an http(s) URL (about:blank, srcdoc, data: and blob:
   * documents never have a response of their own), not an error page, and only while Network is enabled (the
   * navigation's network id, which names the document, comes from it).
   */
  private committedAround(att: TabAttachment, f: CdpFrame, type: unknown): boolean {
    if (!att.network || type === 'BackForwardCacheRestore' || typeof f.loaderId !== 'string') return false;
    if (typeof f.url !== 'string' || !/^https?:/i.test(f.url) || f.unreachableUrl !== undefined) return false;
    return !att.documents.has(f.loaderId);
  }

  /**
   * Who made the request (rule R1): for a subresource, the document in its frame — the frame's *current*
   * document only: a request of a document the frame no longer shows (a `keepalive` fetch from the previous
   * page's `pagehide`, which Chromium sends with no loader at all) is not credited to its successor; for a
   * frame's navigation, the frame's parent document and the document the frame shows now (CDP does not say
   * which of the two started it: both must be in scope); for a top-level navigation, the document the tab shows
   * now. Every frame up to the top is named too (`also`). Undefined when the tree does not say (the core then
   * treats the request as another site's).
   */
  private requesterOf(att: TabAttachment, p: RequestPaused, mainFrame: boolean): Requester | undefined {
    const main = att.mainFrameId === undefined ? undefined : att.frames.get(att.mainFrameId)?.origin;
    if (main === undefined) return undefined;
    if (mainFrame) return { origin: main, topOrigin: main };
    const frame = att.frames.get(p.frameId);
    if (!frame) return undefined;
    const navigation = p.resourceType === 'Document';
    const also: string[] = [];
    if (navigation) {
      // The frame's own document, unless it is the initial empty one its parent made (no origin recorded yet).
      if (frame.origin !== undefined) also.push(frame.origin);
    } else {
      if (p.networkId === undefined) return undefined; // no loader made it: not the frame's document's request
      const loader = att.loaderOf.get(p.networkId);
      if (loader !== undefined && frame.loaderId !== undefined && loader !== frame.loaderId) return undefined;
    }
    const doc = navigation ? (frame.parentId === undefined ? undefined : att.frames.get(frame.parentId)) : frame;
    if (doc?.origin === undefined) return undefined;
    // Every frame above the document, up to the top (a bounded walk: the tree comes from the browser).
    let up = doc.parentId === undefined ? undefined : att.frames.get(doc.parentId);
    for (let depth = 0; up !== undefined && depth < 64; depth++) {
      if (up.origin === undefined) return undefined;
      also.push(up.origin);
      up = up.parentId === undefined ? undefined : att.frames.get(up.parentId);
    }
    return { origin: doc.origin, topOrigin: main, also };
  }

  /**
   * A document whose response this adapter did not see (loaded before the tab was attached, or before a worker
   * restart) may have been sandboxed by its response's CSP, which the frame tree does not show. Ask the document
   * itself, once per document: its origin as seen from an isolated world (where the page's own script cannot
   * redefine it). No answer: opaque (fail closed). Not for navigations: Page commands may not answer while a
   * navigation is paused. Undefined (no waiting at all) when every document up the frame's chain is known.
   */
  private askOrigins(tabId: number, att: TabAttachment, frameId: string): Promise<unknown> | undefined {
    const asks: Array<Promise<void>> = [];
    let id: string | undefined = frameId;
    for (let depth = 0; id !== undefined && depth < 64; depth++) {
      const f = att.frames.get(id);
      if (!f) break;
      const loader = f.loaderId;
      if (loader !== undefined && f.origin !== undefined && f.origin !== 'null' && !att.documents.has(loader)) {
        let ask = att.asking.get(loader);
        if (!ask) {
          ask = this.askOrigin(tabId, att, id, loader, f.origin).finally(() => att.asking.delete(loader));
          att.asking.set(loader, ask);
        }
        asks.push(ask);
      }
      id = f.parentId;
    }
    return asks.length === 0 ? undefined : Promise.all(asks);
  }

  private async askOrigin(tabId: number, att: TabAttachment, frameId: string, loader: string, recorded: string): Promise<void> {
    const dbg = this.api().debugger;
    let origin = 'null';
    try {
      const world = (await withTimeout(dbg.sendCommand({ tabId }, 'Page.createIsolatedWorld', { frameId, worldName: 'mutual-origin' }), 1000)) as { executionContextId?: unknown };
      const r = (await withTimeout(dbg.sendCommand({ tabId }, 'Runtime.evaluate', { expression: 'self.origin', contextId: world.executionContextId, returnByValue: true }), 1000)) as { result?: { value?: unknown } };
      if (typeof r.result?.value === 'string') origin = r.result.value.toLowerCase();
    } catch {
      /* no answer: opaque */
    }
    const opaque = origin !== recorded;
    remember(att.documents, loader, opaque);
    const now = att.frames.get(frameId);
    if (opaque && now?.loaderId === loader) now.origin = 'null';
  }

  private async enableNetwork(tabId: number): Promise<void> {
    const att = this.tabs.get(tabId);
    if (!att || att.network) return;
    try {
      // Needed before the response arrives for Network.getCertificate to know the certificate (docs/browser-notes.md).
      await this.api().debugger.sendCommand({ tabId }, 'Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
      att.network = true;
    } catch {
      /* the certificate will be unknown; the engine then declines tls-server-end-point */
      return;
    }
    // Nothing may answer the page without passing the response stage: not the page's own service worker, not
    // the HTTP cache (both would serve responses the interceptor never checks). Measured: both commands act only
    // while Network is enabled.
    const dbg = this.api().debugger;
    await dbg.sendCommand({ tabId }, 'Network.setBypassServiceWorker', { bypass: true }).catch(() => undefined);
    await dbg.sendCommand({ tabId }, 'Network.setCacheDisabled', { cacheDisabled: true }).catch(() => undefined);
  }

  async detach(tabId: number): Promise<void> {
    if (!this.tabs.delete(tabId)) return;
    await this.api().debugger.detach({ tabId }).catch(() => undefined);
  }

  async certificate(tabId: number, origin: string): Promise<Uint8Array | undefined> {
    if (!this.tabs.get(tabId)?.network) return undefined;
    try {
      const r = (await this.api().debugger.sendCommand({ tabId }, 'Network.getCertificate', { origin })) as { tableNames?: unknown };
      const first = Array.isArray(r.tableNames) ? r.tableNames[0] : undefined;
      return typeof first === 'string' ? bytesFromBase64(first) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the tab's record already holds a certificate for this origin (else the page must load again). */
  networkEnabled(tabId: number): boolean {
    return this.tabs.get(tabId)?.network === true;
  }

  private async onPaused(tabId: number, p: RequestPaused): Promise<void> {
    const dbg = this.api().debugger;
    const target = { tabId };
    const h = this.handlers;
    const att = this.tabs.get(tabId) ?? newAttachment();
    if (!this.tabs.has(tabId)) this.tabs.set(tabId, att); // events after a service-worker restart
    const responseStage = p.responseStatusCode !== undefined || p.responseErrorReason !== undefined;
    const send = (method: string, params: object) => dbg.sendCommand(target, method, params).catch(() => undefined);
    const url = p.request.url;
    if (!h || !/^https?:/i.test(url)) {
      await send('Fetch.continueRequest', { requestId: p.requestId });
      return;
    }
    if (responseStage && p.resourceType === 'Document' && p.networkId !== undefined) {
      // The document this response becomes: its commit (Page.frameNavigated, same loader id) comes after this.
      remember(att.documents, p.networkId, sandboxedByCsp(p.responseHeaders ?? []));
    }
    const knownFrame = att.frames.get(p.frameId);
    const mainOrigin = att.mainFrameId === undefined ? undefined : att.frames.get(att.mainFrameId)?.origin;
    // Read the tree again when it cannot name the requester: after a worker restart, a frame the events have not
    // named yet, or a document still recorded as the initial about:blank ('null') — e.g. a replacement tab
    // attached before its navigation, whose commit event this worker has not processed yet.
    // Never for a document request on the 'null' ground alone: Page.getFrameTree may not answer while a
    // navigation is paused (as Network.getCertificate does not), and a top-level GET needs no requester.
    // (A document this adapter saw sandboxed is 'null' for good: no need to ask.)
    const unsure = (f: FrameInfo | undefined) => f?.origin === undefined || (f.origin === 'null' && !(f.loaderId !== undefined && att.documents.get(f.loaderId) === true));
    const mainInfo = att.mainFrameId === undefined ? undefined : att.frames.get(att.mainFrameId);
    if (att.mainFrameId === undefined || !knownFrame || mainOrigin === undefined
      || ((unsure(mainInfo) || unsure(knownFrame)) && p.resourceType !== 'Document')) {
      await this.refreshMainFrame(tabId, att);
    }
    const asking = p.resourceType === 'Document' ? undefined : this.askOrigins(tabId, att, p.frameId);
    if (asking) await asking;
    const mainFrame = p.resourceType === 'Document' && att.mainFrameId !== undefined && p.frameId === att.mainFrameId;
    const requester = this.requesterOf(att, p, mainFrame);
    const req: InterceptedRequest = {
      id: p.requestId,
      tabId,
      url,
      method: p.request.method,
      headers: Object.entries(p.request.headers).map(([name, value]) => ({ name, value })),
      // Unknown main frame (Page.getFrameTree failed): no document counts as the main frame — an iframe must
      // never open the login UI or be taken for the page (the safe side: a failure blocks instead).
      mainFrame,
      document: p.resourceType === 'Document',
      ...(requester ? { requester } : {}),
    };
    if (p.responseErrorReason !== undefined) {
      // Paused at the response stage with a network error: no response to check, but the core must drop the
      // request's pending sequence (else it leaks, and a later worker restart takes the tab for mid-load).
      try {
        h.onRequestFailed(req, p.responseErrorReason);
      } catch {
        /* never hold the request */
      }
      await send('Fetch.continueRequest', { requestId: p.requestId });
      return;
    }
    if (!responseStage) {
      let v: RequestVerdict;
      try {
        v = await h.onRequest(req);
      } catch {
        v = { kind: 'block' }; // fail closed: a request whose decision failed never goes out bare (rule R1)
      }
      if (v.kind === 'block') await send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'BlockedByClient' });
      else if (v.authorization !== undefined) await send('Fetch.continueRequest', { requestId: p.requestId, headers: withAuthorization(req.headers, v.authorization) });
      else await send('Fetch.continueRequest', { requestId: p.requestId });
      return;
    }
    let v: ResponseVerdict;
    try {
      v = await h.onResponse({ ...req, status: p.responseStatusCode ?? 0, responseHeaders: p.responseHeaders ?? [] });
    } catch {
      v = { kind: 'block' }; // fail closed: an unchecked response never reaches the page
    }
    if (v.kind === 'continue') await send('Fetch.continueRequest', { requestId: p.requestId });
    else if (v.kind === 'block') await send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'BlockedByClient' });
    else {
      await send('Fetch.fulfillRequest', {
        requestId: p.requestId,
        responseCode: v.status,
        responseHeaders: v.headers,
        body: base64FromBytes(v.body),
      });
    }
  }
}
