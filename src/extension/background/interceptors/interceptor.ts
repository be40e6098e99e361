/**
 * The seam between the browser's network stack and the background's decisions (docs/architecture.md):
 * Chromium uses chrome.debugger + CDP Fetch (cdp-fetch.ts); Firefox and policy-installed Chromium use a
 * blocking-webRequest adapter behind this same interface.
 *
 * Changes for the trust model (issue 7), for adapter authors:
 * - {@link InterceptedRequest.requester}: who made the request. Fill it whenever the browser tells (CDP: the
 *   request's frameId → that frame's origin and the main frame's origin from Page.getFrameTree /
 *   Page.frameNavigated; webRequest: `details.originUrl`/`documentUrl` and `frameAncestors`). Left out, the
 *   request counts as another site's: it gets no Authorization (docs/threat-model.md, rule R1).
 * - {@link InterceptedResponse.certificate}: the DER of the server certificate of *this* response, when the
 *   adapter has it at headers time (Firefox: `webRequest.getSecurityInfo(requestId, {rawDER: true})`). The
 *   core then binds `tls-server-end-point` to it before the response is released. CDP cannot; it leaves it out.
 * - {@link InterceptedResponse.headersWithheld}: the browser hid this response's headers (opaque / ORB).
 * - {@link InterceptorHandlers.onRequest} throwing or rejecting means BLOCK the request, never "send it bare".
 * - Top-level commits are not part of this seam: the core hears them from `webNavigation.onCommitted`
 *   (background/index.ts), which both browsers have.
 */

export interface HeaderEntry {
  name: string;
  value: string;
}

export interface InterceptedRequest {
  /** Adapter-unique id of this request (stable between its request and response stage). */
  id: string;
  tabId: number;
  url: string;
  method: string;
  /** The request headers as the browser is about to send them. */
  headers: HeaderEntry[];
  /** True for the top-level document of the tab (the only request that may open the login UI). */
  mainFrame: boolean;
  /** Documents (main frame or frames), as opposed to subresources. */
  document: boolean;
  /**
   * The document that made the request, when the adapter can tell: its origin and the origin of its top-level
   * document. For a frame's navigation, the frame's parent document; for a top-level navigation, the document
   * the tab showed when it started (or the `Origin` the browser set). Absent: unknown, treated as another site.
   */
  requester?: Requester;
}

/** Origins as `scheme://host[:port]` (URL.origin), or 'null' for opaque origins. */
export interface Requester {
  origin: string;
  topOrigin: string;
  /**
   * More documents the request depends on, whose origins must all be in scope too: the frames between the
   * document and the top (as `SameSite` looks at every ancestor), and for a frame's navigation the document
   * that started it (Firefox's `originUrl`) or, where the browser does not tell, the one the frame shows now
   * (Chromium) — so a foreign frame inside the site cannot navigate itself into the session.
   */
  also?: string[];
}

export interface InterceptedResponse extends InterceptedRequest {
  status: number;
  responseHeaders: HeaderEntry[];
  /** DER of the leaf certificate of the connection this response came on, when the adapter knows it now. */
  certificate?: Uint8Array;
  /** True when the browser withheld the response's headers from the adapter (opaque response, ORB). */
  headersWithheld?: boolean;
}

export type RequestVerdict =
  /** Send it, with this Authorization value added (replacing any the page set). */
  | { kind: 'continue'; authorization?: string }
  | { kind: 'block' };

export type ResponseVerdict =
  /** Let the response through unchanged. */
  | { kind: 'continue' }
  /** Replace the response (a transparently retried GET, or an inert page before the warning page). */
  | { kind: 'fulfill'; status: number; headers: HeaderEntry[]; body: Uint8Array }
  /** Refuse the response: the page never sees it. */
  | { kind: 'block' };

export interface InterceptorHandlers {
  /** What the request carries. A rejection means: block it (fail closed, never send it bare). */
  onRequest(r: InterceptedRequest): Promise<RequestVerdict>;
  /** What happens to the response. A rejection means: block it. */
  onResponse(r: InterceptedResponse): Promise<ResponseVerdict>;
  /**
   * The request ended without a response (connection reset, DNS, aborted, …): there is nothing to check, but
   * the core must forget the request's sequence (it may hold session secrets and marks the tab mid-load).
   */
  onRequestFailed(r: InterceptedRequest, reason: string): void;
  /** The adapter lost the tab (closed, user cancelled the debugger bar, …). */
  onDetached(tabId: number, reason: string): void;
}

/** What an adapter may do to a tab while resuming it after a worker restart (a subset of the browser port). */
export interface TabControl {
  navigate(tabId: number, url: string): Promise<void>;
  tabLoading(tabId: number): Promise<boolean>;
  openBlankBeside(tabId: number): Promise<number | undefined>;
  closeTab(tabId: number): Promise<void>;
}

/** A tab the previous worker intercepted, as the background remembers it. */
export interface ResumeTab {
  tabId: number;
  /** The tab's latest top-level URL (what a replacement loads). */
  url?: string;
  /** Whether requests of this tab were sent with a session and never answered (as far as storage says). */
  inFlight: boolean;
}

/** How resuming went: intercepted again (maybe in a replacement tab, which then loads `url`). */
export interface ResumeResult {
  attached: boolean;
  /** The tab that now holds the page, when the adapter had to replace the old one. */
  replacedBy?: number;
}

export interface Interceptor {
  readonly name: string;
  /**
   * True when requests held by the adapter are stranded if the service worker stops (CDP Fetch: the paused
   * requests' events go to the dead worker — measured), so the in-flight sequences need not be persisted for
   * the next worker to check.
   */
  readonly restartStrandsRequests: boolean;
  /**
   * After a worker restart: intercept a tab the previous worker intercepted, recovering it however this adapter
   * must (CDP: a tab stuck in a load is replaced, see cdp-fetch.ts). Adapters whose requests survive a restart
   * simply attach.
   */
  resume(tab: ResumeTab, tabs: TabControl): Promise<ResumeResult>;
  /**
   * The background is about to be stopped (runtime.onSuspend, where the browser waits for its listeners): wait
   * until every request the adapter holds has its answer, at most `deadlineMs`, then answer the rest fail-closed.
   * Resolves with how many were answered that way. Absent: the adapter holds nothing the browser would release.
   */
  drain?(deadlineMs: number): Promise<number>;
  /** The browser called the stop off: end a drain in progress without cancelling anything. */
  cancelDrain?(): void;
  /** Register the adapter's browser listeners (synchronously, at service-worker start). */
  start(h: InterceptorHandlers): void;
  /** Begin intercepting a tab; resolves false when that is impossible (e.g. a chrome:// page). */
  /** `recover`: the tab was intercepted by a previous instance of the worker (restart): clean up after it. */
  attach(tabId: number, opts?: { network?: boolean; recover?: boolean }): Promise<boolean>;
  detach(tabId: number): Promise<void>;
  isAttached(tabId: number): boolean;
  /** DER of the leaf certificate the tab saw for `origin` (https://host[:port]), when the adapter can tell. */
  certificate(tabId: number, origin: string): Promise<Uint8Array | undefined>;
  /** Whether the adapter records certificates for this tab (CDP: Network enabled before the page loaded). */
  networkEnabled(tabId: number): boolean;
  /** Why attaching this tab last failed (diagnostics). */
  lastError?(tabId: number): string | undefined;
}

/** Response header fields as the engine wants them: lower-case names, repeated fields as lists. */
export function headerRecord(headers: readonly HeaderEntry[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of headers) {
    const k = h.name.toLowerCase();
    // CDP joins repeated fields with "\n" in one entry; split them back.
    for (const v of h.value.split('\n')) (out[k] ??= []).push(v);
  }
  return out;
}

/** Copy the request's headers and set Authorization (CDP continueRequest *replaces* the list: docs/browser-notes.md). */
export function withAuthorization(headers: readonly HeaderEntry[], authorization: string): HeaderEntry[] {
  const out = headers.filter((h) => h.name.toLowerCase() !== 'authorization').map((h) => ({ name: h.name, value: h.value }));
  out.push({ name: 'Authorization', value: authorization });
  return out;
}
