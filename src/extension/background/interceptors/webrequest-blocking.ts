/**
 * Firefox adapter: blocking `webRequest` (Firefox keeps it in MV3; measured in ESR 140 and 153, see
 * docs/browser-notes in the issue): every request of every tab passes through it, no attaching, no debugger.
 *
 * - Request stage (`onBeforeSendHeaders`, blocking): asks the core for the request's Authorization; the core
 *   writes the nonce number to storage before it answers, so the header goes out only after that.
 * - Response stage (`onHeadersReceived`, blocking): over HTTPS first reads the server certificate's DER with
 *   `webRequest.getSecurityInfo(requestId, {rawDER: true})` (available here, before any byte of the body
 *   reaches the page), then asks the core for a verdict on the status and headers:
 *   - `continue`: the response goes on unchanged;
 *   - `block`: the request is cancelled (the page gets a network error, never the body); a blocked *top-level
 *     document* is then replaced by the extension's warning page (`tabs.update`: no web-accessible page needed);
 *   - `fulfill`: `webRequest.filterResponseData` drops the server's body and writes the replacement, and the
 *     response headers become the verdict's. Firefox cannot change a response's status code, so the status
 *     stays the server's — harmless for documents (a browser renders a document whatever its status) and for
 *     an equal status; a *subresource* whose replacement has another status (the core's transparent GET retry
 *     after a 401-STALE re-key, answered 200) is redirected to its own URL instead, so the browser asks again,
 *     with the fresh session, and that response is checked like any other (one more request, honest status).
 * - The extension's own `fetch()` calls (the login exchange, the core's retries) pass through these
 *   listeners too (browser-notes gotcha): they have no tab (`tabId` -1) and a moz-extension origin; both are
 *   left alone. So are requests of no tab at all (a page's own service worker): they get no Authorization.
 * - Tabs are always intercepted: `attach`/`detach` have nothing to do; `isAttached` is true for any tab.
 *
 * - Who made the request ({@link requesterOf}, rule R1): Firefox names the document a request is loaded into
 *   (`documentUrl`: for a subresource its document, for a frame's navigation the parent document) and the
 *   frames above it (`frameAncestors`, the last one the top-level document). A top-level navigation's requester
 *   is the document that started it (`originUrl`; absent for a typed URL or a bookmark: unknown, which a
 *   top-level GET does not need). An `about:`/`data:` document has an opaque origin here ('null', never in
 *   scope) even where the browser would give it its parent's: such requests fail closed (go out bare).
 * - The certificate travels only with the response it came on ({@link InterceptedResponse.certificate}): the
 *   core binds `tls-server-end-point` to it before the response is released. Nothing is cached per tab, so
 *   {@link WebRequestBlockingInterceptor.certificate} (the CDP "learn after release" question) has no answer.
 */
import type {
  HeaderEntry, InterceptedRequest, InterceptedResponse, Interceptor, InterceptorHandlers, Requester, RequestVerdict, ResponseVerdict, ResumeResult, ResumeTab,
} from './interceptor.ts';

/** A header as webRequest gives it (`binaryValue` for non-UTF-8 values). */
export interface WebRequestHeader {
  name: string;
  value?: string;
  binaryValue?: number[];
}

/** The fields of webRequest event details this adapter reads. */
export interface WebRequestDetails {
  requestId: string;
  url: string;
  method: string;
  tabId: number;
  frameId: number;
  type: string;
  originUrl?: string;
  documentUrl?: string;
  parentFrameId?: number;
  /** Firefox's judgement that the request is third-party to its window hierarchy. */
  thirdParty?: boolean;
  /** From the immediate parent up to the top-level document; empty or absent for a request of the top frame. */
  frameAncestors?: Array<{ url: string; frameId: number }>;
  requestHeaders?: WebRequestHeader[];
  responseHeaders?: WebRequestHeader[];
  statusCode?: number;
  error?: string;
}

export interface BlockingResponse {
  cancel?: boolean;
  redirectUrl?: string;
  requestHeaders?: WebRequestHeader[];
  responseHeaders?: WebRequestHeader[];
}

export interface StreamFilterLike {
  onstart?: (event: { data: ArrayBuffer }) => void;
  ondata?: (event: { data: ArrayBuffer }) => void;
  onstop?: (event: { data: ArrayBuffer }) => void;
  onerror?: (event: { data: ArrayBuffer }) => void;
  write(data: Uint8Array | ArrayBuffer): void;
  close(): void;
  disconnect(): void;
}

export interface SecurityInfoLike {
  state: string;
  certificates: Array<{ rawDER?: number[] }>;
}

interface BlockingEvent<D> {
  addListener(f: (d: D) => Promise<BlockingResponse> | BlockingResponse | void, filter: { urls: string[]; types?: string[] }, extra?: string[]): void;
}

interface PlainEvent<D> {
  addListener(f: (d: D) => void, filter: { urls: string[]; types?: string[] }): void;
}

/** The subset of Firefox's `browser.webRequest` (and `tabs.update`) the adapter uses. */
export interface FirefoxWebRequestApi {
  webRequest: {
    onBeforeSendHeaders: BlockingEvent<WebRequestDetails>;
    onHeadersReceived: BlockingEvent<WebRequestDetails>;
    onErrorOccurred: PlainEvent<WebRequestDetails>;
    filterResponseData(requestId: string): StreamFilterLike;
    getSecurityInfo(requestId: string, options: { rawDER: boolean; certificateChain: boolean }): Promise<SecurityInfoLike>;
  };
  tabs: {
    update(tabId: number, props: { url: string }): Promise<unknown>;
  };
  runtime: {
    getURL(path: string): string;
  };
}

const URLS = ['http://*/*', 'https://*/*'];

/**
 * Firefox sends non-urgent webRequest events to an extension page in batches, at the latest this long after the
 * first (ConduitsParent.sys.mjs, BATCH_TIMEOUT_MS, Firefox ESR 153).
 */
export const FIREFOX_BATCH_MS = 250;
/** How long {@link WebRequestBlockingInterceptor.drain} waits for calls still in Firefox's batch (twice the batch delay). */
export const DRAIN_QUIET_MS = 2 * FIREFOX_BATCH_MS;

/** A blocking listener call Firefox is waiting on: settles by itself, or is answered early by {@link WebRequestBlockingInterceptor.drain}. */
interface HeldCall {
  settled: Promise<void>;
  answer(r: BlockingResponse): void;
}
/** Requests between their two stages (a bound: entries of requests Firefox never answered are dropped oldest first). */
const MAX_IN_FLIGHT = 4096;

function entries(h: readonly WebRequestHeader[] | undefined): HeaderEntry[] {
  const out: HeaderEntry[] = [];
  for (const x of h ?? []) if (typeof x.value === 'string') out.push({ name: x.name, value: x.value });
  return out;
}

/** The request's own headers with Authorization replaced (binary-valued headers kept as they are). */
function withAuthorizationHeader(h: readonly WebRequestHeader[] | undefined, authorization: string): WebRequestHeader[] {
  const out = (h ?? []).filter((x) => x.name.toLowerCase() !== 'authorization');
  out.push({ name: 'Authorization', value: authorization });
  return out;
}

function originOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The document that made the request, its top-level document and every frame between them (for a frame's
 * navigation also the document that started it), from what Firefox reports (see the module comment). Undefined
 * when Firefox does not say: the core then treats the request as another site's.
 *
 * Measured in firefox-esr 153: a document of an opaque origin (sandboxed by `<iframe sandbox>` or by a
 * `Content-Security-Policy: sandbox` response, even at a URL of the site) is not named at all — no `documentUrl`,
 * no `originUrl`, `thirdParty: true`, and as an ancestor an empty `url`, with `Sec-Fetch-Site: cross-site` on
 * its requests. Each of these makes the request foreign here (the header in authorize.ts), so a sandboxed
 * document never speaks for the site whose URL it has.
 */
export function requesterOf(d: WebRequestDetails): Requester | undefined {
  if (d.type === 'main_frame') {
    const origin = originOfUrl(d.originUrl);
    return origin === undefined ? undefined : { origin, topOrigin: origin };
  }
  // Firefox's own verdict that the request is third-party to its frames (an auth-scope never spans sites).
  if (d.thirdParty === true) return undefined;
  const origin = originOfUrl(d.documentUrl);
  if (origin === undefined) return undefined;
  const ancestors = d.frameAncestors ?? [];
  const also: string[] = [];
  for (const a of ancestors) {
    const o = originOfUrl(a.url);
    if (o === undefined) return undefined; // an ancestor Firefox does not name (opaque): fail closed
    also.push(o);
  }
  if (d.type === 'sub_frame') {
    // Who started the frame's navigation: the document in the frame itself when it navigates itself (another
    // site's frame inside the site must not get in), its parent when the parent sets the frame's src.
    const by = originOfUrl(d.originUrl);
    if (by === undefined) return undefined;
    also.push(by);
  }
  const top = ancestors.length === 0 ? undefined : ancestors[ancestors.length - 1];
  if (top === undefined) {
    // No ancestors: the document is the top-level one — for a frame's navigation, its parent (frame 0).
    const inTop = d.type === 'sub_frame' ? d.parentFrameId === 0 || d.parentFrameId === undefined : d.frameId === 0;
    return inTop ? { origin, topOrigin: origin, also } : undefined;
  }
  const topOrigin = originOfUrl(top.url);
  return topOrigin === undefined ? undefined : { origin, topOrigin, also };
}

export class WebRequestBlockingInterceptor implements Interceptor {
  readonly name = 'webrequest-blocking';
  /** Blocking listeners of an event page: a request held while the page stops is failed by Firefox, not stranded. */
  readonly restartStrandsRequests = false;
  private handlers: InterceptorHandlers | undefined;
  /** Requests seen at the request stage, by requestId (their headers are needed for a core retry). */
  private readonly requests = new Map<string, InterceptedRequest>();
  private ownOrigin: string | undefined;
  /** Blocking listener calls not answered yet (the requests Firefox holds for this page). */
  private readonly held = new Set<HeldCall>();
  /** When the last listener call arrived (epoch ms). */
  private lastHeld = 0;
  /** Set by {@link cancelDrain}: Firefox called the stop off (a request arrived), so nothing is cut short. */
  private drainCanceled = false;

  constructor(private readonly api: () => FirefoxWebRequestApi) {}

  start(h: InterceptorHandlers): void {
    this.handlers = h;
    const wr = this.api().webRequest;
    wr.onBeforeSendHeaders.addListener((d) => this.hold(this.onBeforeSendHeaders(d)), { urls: URLS }, ['blocking', 'requestHeaders']);
    wr.onHeadersReceived.addListener((d) => this.hold(this.onHeadersReceived(d)), { urls: URLS }, ['blocking', 'responseHeaders']);
    wr.onErrorOccurred.addListener((d) => this.onErrorOccurred(d), { urls: URLS });
  }

  /** Track a listener call until Firefox has its answer (see {@link drain}). */
  private hold(run: Promise<BlockingResponse>): Promise<BlockingResponse> {
    let answer!: (r: BlockingResponse) => void;
    const early = new Promise<BlockingResponse>((resolve) => (answer = resolve));
    const call: HeldCall = { settled: run.then(() => undefined, () => undefined), answer };
    this.held.add(call);
    this.lastHeld = Date.now();
    void call.settled.then(() => this.held.delete(call));
    return Promise.race([run, early]);
  }

  /**
   * The event page is about to be stopped (runtime.onSuspend): every request whose listener call a stopped page
   * has not answered is released by Firefox *unmodified* — a request without its Authorization, a response
   * unchecked (docs/browser-notes.md, "event page stopped mid-request"). Two kinds are at risk: calls this page
   * is still working on, and calls Firefox has not even sent yet — it batches non-urgent webRequest events to
   * the page for up to {@link FIREFOX_BATCH_MS}, and the onSuspend message overtakes them. So: wait until no
   * call is held and none has arrived for {@link DRAIN_QUIET_MS}, at most `deadlineMs`; then answer what is
   * still held fail-closed (cancel). Resolves with how many were cancelled.
   */
  private wakeDrain: (() => void) | undefined;

  /**
   * Firefox called the stop off (`runtime.onSuspendCanceled`: a webRequest event arrived during onSuspend): a
   * drain in progress ends at once without cancelling anything — the page is not stopping.
   */
  cancelDrain(): void {
    this.drainCanceled = true;
    this.wakeDrain?.();
  }

  async drain(deadlineMs: number): Promise<number> {
    const start = Date.now();
    const end = start + deadlineMs;
    this.drainCanceled = false;
    let wake: () => void = () => undefined;
    this.wakeDrain = () => wake();
    for (;;) {
      if (this.drainCanceled) return 0; // the page keeps running: held calls get their own answers
      const now = Date.now();
      const quietUntil = Math.max(start, this.lastHeld) + DRAIN_QUIET_MS;
      if ((this.held.size === 0 && now >= quietUntil) || now >= end) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(1, Math.min(end, this.held.size === 0 ? quietUntil : end) - now))));
      const settled = this.held.size > 0 ? Promise.all([...this.held].map((c) => c.settled)) : wait;
      await Promise.race([settled, wait, new Promise<void>((r) => (wake = r))]);
      clearTimeout(timer);
    }
    this.wakeDrain = undefined;
    const cancelled = this.held.size;
    for (const c of this.held) c.answer({ cancel: true });
    this.held.clear();
    return cancelled;
  }

  /** Our own requests (the extension's fetch()) and requests of no tab are not intercepted. */
  private skip(d: WebRequestDetails): boolean {
    if (d.tabId < 0) return true;
    this.ownOrigin ??= this.api().runtime.getURL('');
    const from = d.originUrl ?? d.documentUrl ?? '';
    return from.startsWith(this.ownOrigin) || !/^https?:/i.test(d.url);
  }

  private request(d: WebRequestDetails): InterceptedRequest {
    const requester = requesterOf(d);
    return {
      id: d.requestId,
      tabId: d.tabId,
      url: d.url,
      method: d.method,
      headers: entries(d.requestHeaders),
      mainFrame: d.type === 'main_frame',
      document: d.type === 'main_frame' || d.type === 'sub_frame',
      ...(requester ? { requester } : {}),
    };
  }

  private async onBeforeSendHeaders(d: WebRequestDetails): Promise<BlockingResponse> {
    const h = this.handlers;
    if (!h || this.skip(d)) return {};
    const req = this.request(d);
    // Redirects keep the requestId in Firefox: each hop is a new request for the core.
    this.requests.set(d.requestId, req);
    while (this.requests.size > MAX_IN_FLIGHT) this.requests.delete(this.requests.keys().next().value!);
    let v: RequestVerdict;
    try {
      v = await h.onRequest(req);
    } catch {
      v = { kind: 'block' }; // fail closed: never send it bare (the interceptor seam's rule)
    }
    if (v.kind === 'block') {
      this.requests.delete(d.requestId);
      return { cancel: true };
    }
    if (v.authorization === undefined) return {};
    return { requestHeaders: withAuthorizationHeader(d.requestHeaders, v.authorization) };
  }

  private async readCertificate(d: WebRequestDetails): Promise<Uint8Array | undefined> {
    if (!d.url.startsWith('https:')) return undefined;
    try {
      const info = await this.api().webRequest.getSecurityInfo(d.requestId, { rawDER: true, certificateChain: false });
      const der = info.certificates[0]?.rawDER;
      if (!Array.isArray(der) || der.length === 0) return undefined;
      return Uint8Array.from(der);
    } catch {
      return undefined;
    }
  }

  private async onHeadersReceived(d: WebRequestDetails): Promise<BlockingResponse> {
    const h = this.handlers;
    if (!h || this.skip(d)) return {};
    const req = this.requests.get(d.requestId) ?? this.request(d);
    this.requests.delete(d.requestId);
    const certificate = await this.readCertificate(d);
    const res: InterceptedResponse = {
      ...req,
      status: d.statusCode ?? 0,
      responseHeaders: entries(d.responseHeaders),
      ...(certificate ? { certificate } : {}),
    };
    let v: ResponseVerdict;
    try {
      v = await h.onResponse(res);
    } catch {
      v = { kind: 'block' }; // fail closed: an unchecked response never reaches the page
    }
    return this.apply(res, v);
  }

  private apply(res: InterceptedResponse, v: ResponseVerdict): BlockingResponse {
    if (v.kind === 'continue') return {};
    if (v.kind === 'block') {
      if (res.mainFrame) {
        const warning = `${this.api().runtime.getURL('pages/warning.html')}?tab=${res.tabId}`;
        // After the cancel has taken effect, so the warning page is not itself cancelled by this request's end.
        setTimeout(() => void this.api().tabs.update(res.tabId, { url: warning }).catch(() => undefined), 0);
      }
      return { cancel: true };
    }
    if (v.status !== res.status && !res.document && (res.method === 'GET' || res.method === 'HEAD')) {
      // The replacement has another status than the server's answer and Firefox cannot change a status: ask
      // again (the session is keyed now), see the module comment.
      return { redirectUrl: res.url };
    }
    let filter: StreamFilterLike;
    try {
      filter = this.api().webRequest.filterResponseData(res.id);
    } catch {
      return { cancel: true }; // the body cannot be replaced: it must not reach the page either
    }
    const body = v.body;
    filter.ondata = () => undefined; // the server's bytes are dropped
    filter.onstart = () => {
      try {
        if (body.byteLength > 0) filter.write(body);
        filter.close();
      } catch {
        filter.disconnect();
      }
    };
    filter.onstop = () => undefined;
    filter.onerror = () => undefined;
    return { responseHeaders: v.headers.map((x) => ({ name: x.name, value: x.value })) };
  }

  private onErrorOccurred(d: WebRequestDetails): void {
    const h = this.handlers;
    if (!h || this.skip(d)) return;
    const req = this.requests.get(d.requestId) ?? this.request(d);
    this.requests.delete(d.requestId);
    try {
      h.onRequestFailed(req, d.error ?? 'error');
    } catch {
      /* nothing to release: Firefox already ended the request */
    }
  }

  isAttached(tabId: number): boolean {
    return tabId >= 0;
  }

  attach(tabId: number): Promise<boolean> {
    return Promise.resolve(tabId >= 0);
  }

  /** Nothing is stranded by an event-page restart here: the tab is intercepted as it is. */
  async resume(tab: ResumeTab): Promise<ResumeResult> {
    return { attached: await this.attach(tab.tabId) };
  }

  async detach(): Promise<void> {
    /* every tab is always intercepted */
  }

  /** Only with the response (InterceptedResponse.certificate): there is no certificate to learn afterwards. */
  async certificate(): Promise<Uint8Array | undefined> {
    return undefined;
  }

  /** No "load again to record the certificate" step: every HTTPS response brings its own. */
  networkEnabled(): boolean {
    return false;
  }
}
