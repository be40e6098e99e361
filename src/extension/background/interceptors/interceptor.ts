/**
 * The seam between the browser's network stack and the background's decisions (docs/architecture.md):
 * Chromium uses chrome.debugger + CDP Fetch (cdp-fetch.ts); Firefox and policy-installed Chromium will use a
 * blocking-webRequest adapter behind this same interface (issue 4: "keep the adapter behind an interface").
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
}

export interface InterceptedResponse extends InterceptedRequest {
  status: number;
  responseHeaders: HeaderEntry[];
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
  onRequest(r: InterceptedRequest): Promise<RequestVerdict>;
  onResponse(r: InterceptedResponse): Promise<ResponseVerdict>;
  /**
   * The request ended without a response (connection reset, DNS, aborted, …): there is nothing to check, but
   * the core must forget the request's sequence (it may hold session secrets and marks the tab mid-load).
   */
  onRequestFailed(r: InterceptedRequest, reason: string): void;
  /** The adapter lost the tab (closed, user cancelled the debugger bar, …). */
  onDetached(tabId: number, reason: string): void;
}

export interface Interceptor {
  readonly name: string;
  /**
   * True when requests held by the adapter are stranded if the service worker stops (CDP Fetch: the paused
   * requests' events go to the dead worker — measured), so a tab loading at restart must be recovered.
   */
  readonly restartStrandsRequests: boolean;
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

/** Copy the request's headers and set Authorization (CDP continueRequest *replaces* the list: browser-notes). */
export function withAuthorization(headers: readonly HeaderEntry[], authorization: string): HeaderEntry[] {
  const out = headers.filter((h) => h.name.toLowerCase() !== 'authorization').map((h) => ({ name: h.name, value: h.value }));
  out.push({ name: 'Authorization', value: authorization });
  return out;
}
