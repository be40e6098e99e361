/**
 * The Firefox adapter (blocking webRequest) against a fake `browser.webRequest`: what it sends the core (the
 * requester included), what it answers Firefox for each verdict, the certificate read at headers time, and the
 * requests it leaves alone (the extension's own fetch(), requests of no tab). Then the real core behind it: a
 * login, a request carrying Authorization, a response that fails to prove the server never reaching the page,
 * and over HTTPS a swapped certificate refused at headers time, before the response is released.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  BlockingResponse, FirefoxWebRequestApi, StreamFilterLike, WebRequestDetails,
} from '../../src/extension/background/interceptors/webrequest-blocking.ts';
import { DRAIN_QUIET_MS, FIREFOX_BATCH_MS, requesterOf, WebRequestBlockingInterceptor } from '../../src/extension/background/interceptors/webrequest-blocking.ts';
import type {
  InterceptedRequest, InterceptedResponse, Interceptor, InterceptorHandlers, RequestVerdict, ResponseVerdict,
} from '../../src/extension/background/interceptors/interceptor.ts';
import { tlsServerEndPoint } from '../../src/crypto/tls-server-end-point.ts';
import { ScriptedServer } from '../support/scripted-server.ts';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { entries } from './support.ts';
import { ORIGIN, PASSWORD, setup } from './scenario.ts';

type Listener = (d: WebRequestDetails) => Promise<BlockingResponse> | BlockingResponse | void;
const EXT = 'moz-extension://0000/';

class FakeFilter implements StreamFilterLike {
  onstart?: (e: { data: ArrayBuffer }) => void;
  ondata?: (e: { data: ArrayBuffer }) => void;
  onstop?: (e: { data: ArrayBuffer }) => void;
  onerror?: (e: { data: ArrayBuffer }) => void;
  readonly written: Uint8Array[] = [];
  closed = false;
  write(d: Uint8Array | ArrayBuffer): void {
    this.written.push(d instanceof Uint8Array ? d : new Uint8Array(d));
  }
  close(): void {
    this.closed = true;
  }
  disconnect(): void {
    this.closed = true;
  }
  /** What the page receives: the server's bytes go to ondata, only what the adapter writes reaches the page. */
  deliver(serverBody: string): string {
    this.onstart?.({ data: new ArrayBuffer(0) });
    if (!this.closed) this.ondata?.({ data: new TextEncoder().encode(serverBody).buffer as ArrayBuffer });
    return Buffer.concat(this.written).toString('utf8');
  }
}

function fakeFirefox(cert?: Uint8Array) {
  const listeners: Record<string, { f: Listener; extra?: string[] }> = {};
  const filters = new Map<string, FakeFilter>();
  const updates: Array<{ tabId: number; url: string }> = [];
  const securityAsked: string[] = [];
  const event = (name: string) => ({
    addListener: (f: Listener, _filter: { urls: string[] }, extra?: string[]) => void (listeners[name] = { f, ...(extra ? { extra } : {}) }),
  });
  const api: FirefoxWebRequestApi = {
    webRequest: {
      onBeforeSendHeaders: event('send'),
      onHeadersReceived: event('headers'),
      onErrorOccurred: event('error'),
      filterResponseData: (id) => {
        const f = new FakeFilter();
        filters.set(id, f);
        return f;
      },
      getSecurityInfo: async (id) => {
        securityAsked.push(id);
        return { state: 'secure', certificates: cert ? [{ rawDER: [...cert] }] : [] };
      },
    },
    tabs: { update: async (tabId, p) => void updates.push({ tabId, url: p.url }) },
    runtime: { getURL: (p) => `${EXT}${p}` },
  };
  return { api, listeners, filters, updates, securityAsked };
}

let n = 0;
function details(url: string, o: Partial<WebRequestDetails> = {}): WebRequestDetails {
  return { requestId: String(++n), url, method: 'GET', tabId: 3, frameId: 0, type: 'main_frame', requestHeaders: [{ name: 'Accept', value: '*/*' }], ...o };
}

function stubHandlers(req: RequestVerdict, res: ResponseVerdict) {
  const seen = { requests: [] as InterceptedRequest[], responses: [] as InterceptedResponse[], failed: [] as string[] };
  const h: InterceptorHandlers = {
    onRequest: async (r) => (seen.requests.push(r), req),
    onResponse: async (r) => (seen.responses.push(r as InterceptedResponse), res),
    onRequestFailed: (_r, reason) => void seen.failed.push(reason),
    onDetached: () => undefined,
  };
  return { h, seen };
}

describe('WebRequestBlockingInterceptor', () => {
  it('registers blocking listeners for http(s) with the header access it needs', () => {
    const ff = fakeFirefox();
    new WebRequestBlockingInterceptor(() => ff.api).start(stubHandlers({ kind: 'continue' }, { kind: 'continue' }).h);
    expect(ff.listeners.send?.extra).toEqual(['blocking', 'requestHeaders']);
    expect(ff.listeners.headers?.extra).toEqual(['blocking', 'responseHeaders']);
    expect(ff.listeners.error).toBeDefined();
  });

  it('adds Authorization (replacing the page\'s own) and keeps the other headers', async () => {
    const ff = fakeFirefox();
    const { h, seen } = stubHandlers({ kind: 'continue', authorization: 'Mutual sid=1' }, { kind: 'continue' });
    new WebRequestBlockingInterceptor(() => ff.api).start(h);
    const d = details(`${ORIGIN}/a`, { requestHeaders: [{ name: 'Accept', value: '*/*' }, { name: 'authorization', value: 'Basic eA==' }, { name: 'X-Bin', binaryValue: [1, 2] }] });
    const out = await ff.listeners.send!.f(d);
    expect(out).toEqual({ requestHeaders: [{ name: 'Accept', value: '*/*' }, { name: 'X-Bin', binaryValue: [1, 2] }, { name: 'Authorization', value: 'Mutual sid=1' }] });
    expect(seen.requests[0]).toMatchObject({ id: d.requestId, tabId: 3, mainFrame: true, document: true, method: 'GET' });
  });

  it('a request verdict "block" cancels; no verdict header leaves the request alone', async () => {
    const ff = fakeFirefox();
    new WebRequestBlockingInterceptor(() => ff.api).start(stubHandlers({ kind: 'block' }, { kind: 'continue' }).h);
    expect(await ff.listeners.send!.f(details(`${ORIGIN}/`))).toEqual({ cancel: true });
    const ff2 = fakeFirefox();
    new WebRequestBlockingInterceptor(() => ff2.api).start(stubHandlers({ kind: 'continue' }, { kind: 'continue' }).h);
    expect(await ff2.listeners.send!.f(details(`${ORIGIN}/`))).toEqual({});
  });

  it('leaves the extension\'s own fetch() and requests of no tab alone (they pass through its listeners too)', async () => {
    const ff = fakeFirefox();
    const { h, seen } = stubHandlers({ kind: 'continue', authorization: 'Mutual x' }, { kind: 'block' });
    new WebRequestBlockingInterceptor(() => ff.api).start(h);
    const own = details(`${ORIGIN}/`, { tabId: -1, originUrl: `${EXT}background.html`, type: 'xmlhttprequest' });
    expect(await ff.listeners.send!.f(own)).toEqual({});
    expect(await ff.listeners.headers!.f({ ...own, statusCode: 200, responseHeaders: [] })).toEqual({});
    const ownInTab = details(`${ORIGIN}/`, { tabId: 5, originUrl: `${EXT}pages/login.html`, type: 'xmlhttprequest' });
    expect(await ff.listeners.send!.f(ownInTab)).toEqual({});
    expect(seen.requests).toEqual([]);
    expect(seen.responses).toEqual([]);
  });

  it('over HTTPS reads the leaf certificate at headers time and hands it to the core with the response', async () => {
    const der = new Uint8Array([0x30, 0x82, 0x01, 0x0a, 9, 8, 7]);
    const ff = fakeFirefox(der);
    const { h, seen } = stubHandlers({ kind: 'continue' }, { kind: 'continue' });
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start(h);
    const d = details('https://bank.test/x');
    await ff.listeners.send!.f(d);
    expect(await ff.listeners.headers!.f({ ...d, statusCode: 200, responseHeaders: [{ name: 'Authentication-Info', value: 'Mutual sid=1' }] })).toEqual({});
    expect(ff.securityAsked).toEqual([d.requestId]);
    expect(seen.responses[0]?.certificate).toEqual(der);
    expect(seen.responses[0]?.responseHeaders).toEqual([{ name: 'Authentication-Info', value: 'Mutual sid=1' }]);
    expect(seen.responses[0]?.headers).toEqual([{ name: 'Accept', value: '*/*' }]); // the request's, kept from the request stage
    // Nothing is kept per tab: the certificate travels with its response only (no learn-after-release path).
    expect(await i.certificate()).toBeUndefined();
    expect(i.networkEnabled()).toBe(false);
    // Over HTTP there is no certificate and Firefox is not asked.
    const plain = details(`${ORIGIN}/y`);
    await ff.listeners.headers!.f({ ...plain, statusCode: 200, responseHeaders: [] });
    expect(ff.securityAsked).toHaveLength(1);
    expect(seen.responses[1]?.certificate).toBeUndefined();
  });

  it('"block" cancels a subresource; a blocked top-level document is replaced by the warning page', async () => {
    const ff = fakeFirefox();
    new WebRequestBlockingInterceptor(() => ff.api).start(stubHandlers({ kind: 'continue' }, { kind: 'block' }).h);
    expect(await ff.listeners.headers!.f({ ...details(`${ORIGIN}/img.png`, { type: 'image' }), statusCode: 200, responseHeaders: [] })).toEqual({ cancel: true });
    await new Promise((r) => setTimeout(r, 5));
    expect(ff.updates).toEqual([]);
    expect(await ff.listeners.headers!.f({ ...details(`${ORIGIN}/`), statusCode: 200, responseHeaders: [] })).toEqual({ cancel: true });
    await new Promise((r) => setTimeout(r, 5));
    expect(ff.updates).toEqual([{ tabId: 3, url: `${EXT}pages/warning.html?tab=3` }]);
  });

  it('a core that rejects at the request stage fails closed: the request is cancelled, never sent bare', async () => {
    const ff = fakeFirefox();
    new WebRequestBlockingInterceptor(() => ff.api).start({
      onRequest: async () => { throw new Error('boom'); }, onResponse: async () => ({ kind: 'continue' }), onRequestFailed: () => undefined, onDetached: () => undefined,
    });
    expect(await ff.listeners.send!.f(details(`${ORIGIN}/s.js`, { type: 'script', documentUrl: `${ORIGIN}/` }))).toEqual({ cancel: true });
  });

  it('a core that throws fails closed: the response is cancelled', async () => {
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start({ onRequest: async () => ({ kind: 'continue' }), onResponse: async () => { throw new Error('boom'); }, onRequestFailed: () => undefined, onDetached: () => undefined });
    expect(await ff.listeners.headers!.f({ ...details(`${ORIGIN}/s.js`, { type: 'script' }), statusCode: 200, responseHeaders: [] })).toEqual({ cancel: true });
  });

  it('"fulfill" replaces body and headers through filterResponseData: the server\'s bytes never reach the page', async () => {
    const ff = fakeFirefox();
    const body = new TextEncoder().encode('<p>blocked</p>');
    new WebRequestBlockingInterceptor(() => ff.api).start(stubHandlers({ kind: 'continue' }, { kind: 'fulfill', status: 200, headers: [{ name: 'Content-Type', value: 'text/html' }], body }).h);
    const d = details(`${ORIGIN}/`);
    const out = await ff.listeners.headers!.f({ ...d, statusCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html' }, { name: 'Set-Cookie', value: 'a=b' }] });
    expect(out).toEqual({ responseHeaders: [{ name: 'Content-Type', value: 'text/html' }] });
    const f = ff.filters.get(d.requestId)!;
    expect(f.deliver('SECRET CONTENT')).toBe('<p>blocked</p>');
    expect(f.closed).toBe(true);
  });

  it('"fulfill" with another status: a document keeps the server\'s status with the new body; a subresource GET asks again', async () => {
    const ff = fakeFirefox();
    const body = new TextEncoder().encode('fresh');
    new WebRequestBlockingInterceptor(() => ff.api).start(stubHandlers({ kind: 'continue' }, { kind: 'fulfill', status: 200, headers: [], body }).h);
    const doc = details(`${ORIGIN}/`);
    expect(await ff.listeners.headers!.f({ ...doc, statusCode: 401, responseHeaders: [] })).toEqual({ responseHeaders: [] });
    expect(ff.filters.get(doc.requestId)!.deliver('stale')).toBe('fresh');
    const img = details(`${ORIGIN}/i.png`, { type: 'image' });
    expect(await ff.listeners.headers!.f({ ...img, statusCode: 401, responseHeaders: [] })).toEqual({ redirectUrl: `${ORIGIN}/i.png` });
    expect(ff.filters.has(img.requestId)).toBe(false);
  });

  it('a request that ends in a network error is reported to the core once', async () => {
    const ff = fakeFirefox();
    const { h, seen } = stubHandlers({ kind: 'continue' }, { kind: 'continue' });
    new WebRequestBlockingInterceptor(() => ff.api).start(h);
    const d = details(`${ORIGIN}/`);
    await ff.listeners.send!.f(d);
    ff.listeners.error!.f({ ...d, error: 'NS_ERROR_NET_RESET' });
    expect(seen.failed).toEqual(['NS_ERROR_NET_RESET']);
  });

  it('names the requester from documentUrl / frameAncestors / originUrl', async () => {
    const ff = fakeFirefox();
    const { h, seen } = stubHandlers({ kind: 'continue' }, { kind: 'continue' });
    new WebRequestBlockingInterceptor(() => ff.api).start(h);
    const bank = 'https://bank.test';
    const evil = 'https://evil.test';
    const cases: Array<[Partial<WebRequestDetails>, { origin: string; topOrigin: string; also?: string[] } | undefined]> = [
      // The site's own subresource, in its top-level document.
      [{ type: 'image', frameId: 0, documentUrl: `${bank}/a`, originUrl: `${bank}/a`, frameAncestors: [] }, { origin: bank, topOrigin: bank, also: [] }],
      // The bank's subresource, from the bank's frame inside another site's page.
      [{ type: 'image', frameId: 9, parentFrameId: 0, documentUrl: `${bank}/f`, frameAncestors: [{ url: `${evil}/`, frameId: 0 }] }, { origin: bank, topOrigin: evil, also: [evil] }],
      // A frame's navigation: its requester is the parent document, and the document that started it.
      [{ type: 'sub_frame', frameId: 9, parentFrameId: 0, documentUrl: `${evil}/`, originUrl: `${evil}/`, frameAncestors: [{ url: `${evil}/`, frameId: 0 }] }, { origin: evil, topOrigin: evil, also: [evil, evil] }],
      [{ type: 'sub_frame', frameId: 12, parentFrameId: 9, documentUrl: `${bank}/f`, originUrl: `${bank}/f`, frameAncestors: [{ url: `${bank}/f`, frameId: 9 }, { url: `${evil}/`, frameId: 0 }] }, { origin: bank, topOrigin: evil, also: [bank, evil, bank] }],
      // Another site's frame inside the bank's page navigates itself (measured: originUrl is the frame's document).
      [{ type: 'sub_frame', frameId: 9, parentFrameId: 0, documentUrl: `${bank}/p`, originUrl: `${evil}/ad`, frameAncestors: [{ url: `${bank}/p`, frameId: 0 }] }, { origin: bank, topOrigin: bank, also: [bank, evil] }],
      // A frame's navigation nobody is named for: unknown.
      [{ type: 'sub_frame', frameId: 9, parentFrameId: 0, documentUrl: `${bank}/p`, frameAncestors: [{ url: `${bank}/p`, frameId: 0 }] }, undefined],
      // A top-level navigation: the document that started it, or unknown (a typed URL).
      [{ type: 'main_frame', originUrl: `${evil}/` }, { origin: evil, topOrigin: evil }],
      [{ type: 'main_frame' }, undefined],
      // An about:blank or data: document: an opaque origin ('null', never in scope).
      [{ type: 'xmlhttprequest', frameId: 0, documentUrl: 'about:blank', frameAncestors: [] }, { origin: 'null', topOrigin: 'null', also: [] }],
      // A frame's request whose ancestors Firefox did not give: unknown, not "top-level".
      [{ type: 'image', frameId: 9, documentUrl: `${bank}/f` }, undefined],
      [{ type: 'script', frameId: 0 }, undefined],
      // Sandboxed documents of the bank, as firefox-esr 153 reports them (measured): no documentUrl or originUrl,
      // thirdParty, an ancestor without a URL — each alone makes the request foreign.
      [{ type: 'image', frameId: 0, thirdParty: true, frameAncestors: [] }, undefined],
      [{ type: 'image', frameId: 5, parentFrameId: 0, thirdParty: true, frameAncestors: [{ url: `${bank}/preview`, frameId: 0 }] }, undefined],
      [{ type: 'image', frameId: 0, documentUrl: `${bank}/upload`, originUrl: `${bank}/upload`, thirdParty: true, frameAncestors: [] }, undefined],
      [{ type: 'sub_frame', frameId: 7, parentFrameId: 5, documentUrl: `${bank}/x`, originUrl: `${bank}/x`, frameAncestors: [{ url: '', frameId: 5 }, { url: `${bank}/preview`, frameId: 0 }] }, undefined],
    ];
    for (const [d] of cases) await ff.listeners.send!.f(details(`${bank}/x`, d));
    expect(seen.requests.map((r) => r.requester)).toEqual(cases.map(([, want]) => want));
    for (const [d, want] of cases) expect(requesterOf(details(`${bank}/x`, d))).toEqual(want);
  });

  it('every tab counts as intercepted; attach, detach and resume change nothing', async () => {
    const i = new WebRequestBlockingInterceptor(() => fakeFirefox().api);
    expect(i.isAttached(7)).toBe(true);
    expect(await i.attach(7)).toBe(true);
    await i.detach();
    expect(i.isAttached(7)).toBe(true);
    expect(i.isAttached(-1)).toBe(false);
    expect(i.restartStrandsRequests).toBe(false);
    const navigations: string[] = [];
    const tabs = {
      navigate: async (_t: number, u: string) => void navigations.push(u), tabLoading: async () => true,
      openBlankBeside: async () => 99, closeTab: async () => undefined,
    };
    const seam: Interceptor = i;
    expect(await seam.resume({ tabId: 7, url: `${ORIGIN}/`, inFlight: true }, tabs)).toEqual({ attached: true });
    expect(navigations).toEqual([]);
  });
});

/**
 * runtime.onSuspend (issue 8): Firefox releases, *unmodified*, every request whose blocking listener call a
 * stopped event page has not answered — including calls still in Firefox's own batch, not yet sent to the page
 * (ConduitsParent: up to 250 ms). The adapter's drain() keeps the page alive until each has its real answer.
 */
describe('WebRequestBlockingInterceptor.drain (before the event page is stopped)', () => {
  afterEach(() => void vi.useRealTimers());

  /** Handlers whose request stage answers after `delayMs` (never, if undefined) with an Authorization. */
  function slowHandlers(delayMs: number | undefined) {
    const never = new Promise<never>(() => undefined);
    const after = <T>(v: T): Promise<T> => (delayMs === undefined ? never : new Promise((r) => setTimeout(() => r(v), delayMs)));
    const h: InterceptorHandlers = {
      onRequest: () => after<RequestVerdict>({ kind: 'continue', authorization: 'Mutual sid=1' }),
      onResponse: () => after<ResponseVerdict>({ kind: 'continue' }),
      onRequestFailed: () => undefined,
      onDetached: () => undefined,
    };
    return h;
  }

  const settledState = async <T>(p: Promise<T>): Promise<'pending' | T> => Promise.race([p, Promise.resolve('pending' as const)]);

  it('waits until a held request has its real answer (with Authorization), and no less than the quiet period', async () => {
    vi.useFakeTimers();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start(slowHandlers(200));
    const answer = ff.listeners.send!.f(details(`${ORIGIN}/img.png`, { type: 'image', frameId: 0, documentUrl: `${ORIGIN}/` })) as Promise<BlockingResponse>;
    let drained: number | undefined;
    void i.drain(3000).then((n) => void (drained = n));
    await vi.advanceTimersByTimeAsync(200);
    expect(await answer).toMatchObject({ requestHeaders: expect.arrayContaining([{ name: 'Authorization', value: 'Mutual sid=1' }]) });
    expect(drained).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DRAIN_QUIET_MS);
    expect(drained).toBe(0);
  });

  it('also waits for a call Firefox delivers late (its webRequest batch), which onSuspend overtook', async () => {
    vi.useFakeTimers();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start(slowHandlers(100));
    let drained: number | undefined;
    void i.drain(3000).then((n) => void (drained = n));
    await vi.advanceTimersByTimeAsync(FIREFOX_BATCH_MS - 10);
    expect(drained).toBeUndefined(); // nothing held yet, but the batch may still come
    const late = ff.listeners.send!.f(details(`${ORIGIN}/img.png`, { type: 'image', frameId: 0, documentUrl: `${ORIGIN}/` })) as Promise<BlockingResponse>;
    await vi.advanceTimersByTimeAsync(100);
    expect(await late).toMatchObject({ requestHeaders: expect.arrayContaining([{ name: 'Authorization', value: 'Mutual sid=1' }]) });
    expect(drained).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DRAIN_QUIET_MS);
    expect(drained).toBe(0);
  });

  it('ends without cancelling anything when Firefox calls the stop off (runtime.onSuspendCanceled)', async () => {
    vi.useFakeTimers();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start(slowHandlers(2000));
    const request = ff.listeners.send!.f(details(`${ORIGIN}/a.png`, { type: 'image', frameId: 0, documentUrl: `${ORIGIN}/` })) as Promise<BlockingResponse>;
    let drained: number | undefined;
    void i.drain(1000).then((n) => void (drained = n));
    await vi.advanceTimersByTimeAsync(100);
    i.cancelDrain();
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(0);
    await vi.advanceTimersByTimeAsync(1000); // past the drain's deadline: the page goes on, nothing is cut short
    expect(await settledState(request)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1000);
    expect(await request).toMatchObject({ requestHeaders: expect.arrayContaining([{ name: 'Authorization', value: 'Mutual sid=1' }]) });
  });

  it('answers what is still held at the deadline fail-closed: the request and the response are cancelled, never released', async () => {
    vi.useFakeTimers();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    i.start(slowHandlers(undefined));
    const sub = { type: 'image', frameId: 0, documentUrl: `${ORIGIN}/` };
    const request = ff.listeners.send!.f(details(`${ORIGIN}/a.png`, sub)) as Promise<BlockingResponse>;
    const response = ff.listeners.headers!.f(details(`${ORIGIN}/b.png`, { ...sub, statusCode: 200, responseHeaders: [] })) as Promise<BlockingResponse>;
    const drained = i.drain(1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settledState(request)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await drained).toBe(2);
    expect(await request).toEqual({ cancel: true });
    expect(await response).toEqual({ cancel: true });
  });
});

describe('the core behind the Firefox adapter', () => {
  it('login, then a request carries Authorization and its verified response passes; an unproven answer is cancelled', async () => {
    const s = await setup();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    const core = new MutualBackground(s.host, s.store, s.local, i, s.port);
    i.start({
      onRequest: (r) => core.onRequest(r),
      onResponse: (r) => core.onResponse(r),
      onRequestFailed: (r, why) => core.onRequestFailed(r, why),
      onDetached: (t, why) => core.onDetached(t, why),
    });
    // The page's first request goes out bare; its 401-INIT offers the login.
    const first = details(`${ORIGIN}/`);
    expect(await ff.listeners.send!.f(first)).toEqual({});
    const init = s.server.handle(undefined);
    expect(await ff.listeners.headers!.f({ ...first, statusCode: init.status, responseHeaders: entries(init) })).toEqual({});
    const offered = core.offeredLogin(3);
    expect(offered?.realm).toBe('test');
    expect((await core.login(3, 'alice', PASSWORD, offered!)).result).toBe('verified');

    // The reload: Authorization on the request, the server's vks checked at headers time, the page gets it.
    const again = details(`${ORIGIN}/`);
    const sent = (await ff.listeners.send!.f(again)) as BlockingResponse;
    const auth = sent.requestHeaders?.find((x) => x.name === 'Authorization')?.value;
    expect(auth).toMatch(/^Mutual /);
    const ok = s.server.handle(auth);
    expect(ok.status).toBe(200);
    expect(await ff.listeners.headers!.f({ ...again, statusCode: 200, responseHeaders: entries(ok) })).toEqual({});
    core.onCommitted(3, `${ORIGIN}/`); // webNavigation.onCommitted: "verified" belongs to the committed document
    expect(core.tabStatus(3).state).toBe('verified');

    // Another site's image of the bank, in the tab: no Authorization (rule R1).
    const foreign = details(`${ORIGIN}/secret.png`, { type: 'image', documentUrl: 'http://evil.test/', frameAncestors: [] });
    const foreignSent = (await ff.listeners.send!.f(foreign)) as BlockingResponse;
    expect(foreignSent.requestHeaders?.some((x) => x.name === 'Authorization') ?? false).toBe(false);

    // A subresource answered 200 without Authentication-Info (not the server that knows the verifier): cancelled.
    const img = details(`${ORIGIN}/secret.png`, { type: 'image', documentUrl: `${ORIGIN}/`, frameAncestors: [] });
    const imgSent = (await ff.listeners.send!.f(img)) as BlockingResponse;
    expect(imgSent.requestHeaders?.some((x) => x.name === 'Authorization')).toBe(true);
    expect(await ff.listeners.headers!.f({ ...img, statusCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'image/png' }] })).toEqual({ cancel: true });
    expect(core.tabStatus(3).lastFailure?.kind).toBe('server-failed');
    // The realm is suspended after a failure: the next document goes out without a session (no new exchange
    // for a server that failed to prove itself) until the user logs in again.
    const doc = details(`${ORIGIN}/next`);
    const docSent = (await ff.listeners.send!.f(doc)) as BlockingResponse;
    expect(docSent.requestHeaders?.some((x) => x.name === 'Authorization') ?? false).toBe(false);
  });

  it('a document that fails to prove the server: its body never reaches the page, the warning page follows', async () => {
    const s = await setup();
    const ff = fakeFirefox();
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    const core = new MutualBackground(s.host, s.store, s.local, i, s.port);
    i.start({ onRequest: (r) => core.onRequest(r), onResponse: (r) => core.onResponse(r), onRequestFailed: () => undefined, onDetached: () => undefined });
    const first = details(`${ORIGIN}/`);
    await ff.listeners.send!.f(first);
    const init = s.server.handle(undefined);
    await ff.listeners.headers!.f({ ...first, statusCode: init.status, responseHeaders: entries(init) });
    expect((await core.login(3, 'alice', PASSWORD, core.offeredLogin(3)!)).result).toBe('verified');
    const doc = details(`${ORIGIN}/account`);
    const sent = (await ff.listeners.send!.f(doc)) as BlockingResponse;
    expect(sent.requestHeaders?.some((x) => x.name === 'Authorization')).toBe(true);
    const out = (await ff.listeners.headers!.f({ ...doc, statusCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html' }] })) as BlockingResponse;
    expect(out.cancel === true || ff.filters.has(doc.requestId)).toBe(true);
    if (!out.cancel) expect(ff.filters.get(doc.requestId)!.deliver('account balance 1000')).not.toContain('balance');
    expect(core.tabStatus(3).state).toBe('failed');
    await new Promise((r) => setTimeout(r, 5));
    expect([...s.port.navigations, ...ff.updates].some((n) => n.tabId === 3 && n.url.includes('pages/warning.html'))).toBe(true);
  });

  it('HTTPS tls-server-end-point: bound to the certificate of the challenge; a swapped certificate is refused at headers time', async () => {
    const origin = 'https://127.0.0.1:8443';
    const certA = makeCert();
    const certB = makeCert();
    const bindingA = tlsServerEndPoint(certA);
    if (!bindingA.ok) throw new Error('test certificate');
    const s = await setup({ origins: [origin] });
    // The server's session is bound to certificate A.
    const server = await ScriptedServer.create({ ...s.server.o, validation: 'tls-server-end-point', vh: bindingA.value });
    s.servers[origin] = server;
    let cert = certA;
    const ff = fakeFirefox();
    ff.api.webRequest.getSecurityInfo = async () => ({ state: 'secure', certificates: [{ rawDER: [...cert] }] });
    const i = new WebRequestBlockingInterceptor(() => ff.api);
    const core = new MutualBackground(s.host, s.store, s.local, i, s.port);
    i.start({ onRequest: (r) => core.onRequest(r), onResponse: (r) => core.onResponse(r), onRequestFailed: () => undefined, onDetached: () => undefined });
    const first = details(`${origin}/`);
    await ff.listeners.send!.f(first);
    const init = server.handle(undefined);
    await ff.listeners.headers!.f({ ...first, statusCode: init.status, responseHeaders: entries(init) });
    expect((await core.login(3, 'alice', PASSWORD, core.offeredLogin(3)!)).result).toBe('verified');
    // Same certificate: verified and released.
    const ok = details(`${origin}/a.js`, { type: 'script', documentUrl: `${origin}/`, frameAncestors: [] });
    const okAuth = ((await ff.listeners.send!.f(ok)) as BlockingResponse).requestHeaders?.find((x) => x.name === 'Authorization')?.value;
    expect(await ff.listeners.headers!.f({ ...ok, statusCode: 200, responseHeaders: entries(server.handle(okAuth)) })).toEqual({});
    // Another certificate on the path (the server's vks was computed for A): the response is cancelled at headers
    // time — the page never gets it — and the tab shows the failure.
    cert = certB;
    const swapped = details(`${origin}/b.js`, { type: 'script', documentUrl: `${origin}/`, frameAncestors: [] });
    const auth = ((await ff.listeners.send!.f(swapped)) as BlockingResponse).requestHeaders?.find((x) => x.name === 'Authorization')?.value;
    expect(auth).toMatch(/^Mutual /);
    expect(await ff.listeners.headers!.f({ ...swapped, statusCode: 200, responseHeaders: entries(server.handle(auth)) })).toEqual({ cancel: true });
    expect(core.tabStatus(3).lastFailure?.kind).toBe('server-failed');
  });
});

/** A fresh self-signed ECDSA certificate's DER (openssl, as the tls-server-end-point tests make them). */
function makeCert(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'ff-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'),
    '-out', join(dir, 'c.pem'), '-subj', '/CN=127.0.0.1', '-days', '2', '-sha256'], { stdio: 'ignore' });
  return new Uint8Array(new X509Certificate(readFileSync(join(dir, 'c.pem'))).raw);
}
