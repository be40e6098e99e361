/**
 * Issue 7's trust rules on the background core, in Node against fakes (docs/threat-model.md R1–R7; the e2e
 * attack tests in e2e/attacks/ try the same attacks in Chromium):
 * R1 Authorization like SameSite=Lax, by requester; foreign requests untouched, no prompt, no state, no replay;
 *    deciding that throws blocks the request.
 * R3 "verified" only when the verified document commits; counters per document.
 * R4 only an authenticated request's response can fail a realm; withheld headers are blocked, not a failure.
 * R6/R7 pending logins survive a worker restart; sessions() lists only sessions verified at least once.
 */
import { describe, expect, it } from 'vitest';
import { isOwnRequest, mayCarry } from '../../src/extension/background/authorize.ts';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { EngineHost } from '../../src/extension/background/engine.ts';
import type { InterceptedRequest } from '../../src/extension/background/interceptors/interceptor.ts';
import { webRandom } from '../../src/bytes.ts';
import { entries } from './support.ts';
import { commit, logIn, ORIGIN, PASSWORD, request, roundTrip, setup, type Setup } from './scenario.ts';

const EVIL = 'http://127.0.0.66:9000';
const own = { origin: ORIGIN, topOrigin: ORIGIN };

function req(over: Partial<InterceptedRequest>): InterceptedRequest {
  return { id: 'x', tabId: 1, url: `${ORIGIN}/a`, method: 'GET', headers: [], mainFrame: false, document: false, ...over };
}

describe('authorize.ts: who may carry a session (R1)', () => {
  const scope = ORIGIN;
  it('a top-level GET/HEAD navigation may (like a Lax cookie), whoever started it', () => {
    expect(mayCarry(req({ mainFrame: true, document: true }), scope)).toBe(true);
    expect(mayCarry(req({ mainFrame: true, document: true, method: 'HEAD', requester: { origin: EVIL, topOrigin: EVIL } }), scope)).toBe(true);
  });
  it('a top-level POST only from a document in scope (and its Origin header in scope)', () => {
    expect(mayCarry(req({ mainFrame: true, document: true, method: 'POST', requester: { origin: EVIL, topOrigin: EVIL } }), scope)).toBe(false);
    expect(mayCarry(req({ mainFrame: true, document: true, method: 'POST' }), scope)).toBe(false); // requester unknown
    expect(mayCarry(req({ mainFrame: true, document: true, method: 'POST', requester: own }), scope)).toBe(true);
    expect(mayCarry(req({ mainFrame: true, document: true, method: 'POST', requester: own, headers: [{ name: 'Origin', value: EVIL }] }), scope)).toBe(false);
  });
  it('schemeful: a plain-http document of a covered host never speaks for an https target', () => {
    const https = 'https://m.example';
    const http = 'http://m.example';
    expect(mayCarry(req({ url: `${https}/x`, requester: { origin: https, topOrigin: https } }), 'm.example')).toBe(true);
    expect(mayCarry(req({ url: `${https}/x`, requester: { origin: http, topOrigin: http } }), 'm.example')).toBe(false);
    expect(mayCarry(req({ url: `${https}/x`, requester: { origin: http, topOrigin: https } }), 'm.example')).toBe(false);
    expect(mayCarry(req({ url: `${https}/x`, requester: { origin: https, topOrigin: https }, headers: [{ name: 'Origin', value: 'http://m.example:8080' }] }), 'm.example')).toBe(false);
    // A top-level GET navigation stays allowed (Lax), whoever started it.
    expect(mayCarry(req({ url: `${https}/x`, mainFrame: true, document: true, requester: { origin: http, topOrigin: http } }), 'm.example')).toBe(true);
  });
  it('a subresource, frame, fetch or form post: the document and its top-level document must both be in scope', () => {
    expect(mayCarry(req({ requester: own }), scope)).toBe(true);
    expect(mayCarry(req({ requester: { origin: EVIL, topOrigin: EVIL } }), scope)).toBe(false); // another site's page
    expect(mayCarry(req({ requester: { origin: ORIGIN, topOrigin: EVIL } }), scope)).toBe(false); // M framed by E
    expect(mayCarry(req({ requester: { origin: EVIL, topOrigin: ORIGIN } }), scope)).toBe(false); // E's frame inside M
    expect(mayCarry(req({ requester: { origin: 'null', topOrigin: ORIGIN } }), scope)).toBe(false); // sandboxed frame
    expect(mayCarry(req({}), scope)).toBe(false); // the adapter could not tell
    // Every other document the request depends on (frames between, who started a frame's navigation).
    expect(mayCarry(req({ requester: { ...own, also: [ORIGIN, ORIGIN] } }), scope)).toBe(true);
    expect(mayCarry(req({ requester: { ...own, also: [EVIL] } }), scope)).toBe(false); // M inside E inside M
    expect(mayCarry(req({ document: true, requester: { ...own, also: [EVIL] } }), scope)).toBe(false); // E's frame navigating itself
    expect(mayCarry(req({ requester: { ...own, also: ['null'] } }), scope)).toBe(false); // inside a sandboxed frame
    expect(mayCarry(req({ requester: own, headers: [{ name: 'Origin', value: 'null' }] }), scope)).toBe(false);
    expect(mayCarry(req({ requester: own, headers: [{ name: 'Sec-Fetch-Site', value: 'cross-site' }] }), scope)).toBe(false);
    expect(mayCarry(req({ requester: own, headers: [{ name: 'Sec-Fetch-Site', value: 'same-origin' }] }), scope)).toBe(true);
  });
  it('scope kinds: single-host and wildcard scopes cover their hosts, nothing else', () => {
    const a = 'http://a.example.com', b = 'http://b.example.com';
    expect(mayCarry(req({ url: `${a}/x`, requester: { origin: b, topOrigin: b } }), '*.example.com')).toBe(true);
    expect(mayCarry(req({ url: `${a}/x`, requester: { origin: 'http://example.org', topOrigin: b } }), '*.example.com')).toBe(false);
    expect(mayCarry(req({ url: `${a}/x`, requester: { origin: `${a}:8443`, topOrigin: a } }), 'a.example.com')).toBe(true);
    expect(mayCarry(req({ url: `${a}/x`, requester: { origin: b, topOrigin: b } }), 'a.example.com')).toBe(false);
  });
  it('only the site\'s own documents may read a challenge from a bare request', () => {
    expect(isOwnRequest(req({ requester: own }))).toBe(true);
    expect(isOwnRequest(req({ requester: { origin: EVIL, topOrigin: ORIGIN } }))).toBe(false);
    expect(isOwnRequest(req({}))).toBe(false);
    expect(isOwnRequest(req({ mainFrame: true, document: true }))).toBe(true);
  });
});

async function verified(): Promise<Setup> {
  const s = await setup();
  await logIn(s);
  expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).response.kind).toBe('continue');
  commit(s, 1, `${ORIGIN}/`);
  expect(s.core.tabStatus(1).state).toBe('verified');
  return s;
}

const foreign = (tabId: number, path: string, opts: { mainFrame?: boolean; method?: string } = {}) =>
  request(tabId, `${ORIGIN}${path}`, opts.mainFrame ?? false, opts.method ?? 'GET', { origin: EVIL, topOrigin: EVIL });

describe('the core: another site cannot use the session (R1)', () => {
  it('requests from another site\'s page go out bare, use no nonce number, and their responses pass untouched', async () => {
    const s = await verified();
    const nc = () => Object.values(s.host.client.state.sessions)[0]!.keys!.nextNc;
    const before = nc();
    for (const r of [foreign(2, '/img.png'), foreign(2, '/api', { method: 'POST' }), foreign(2, '/frame', { mainFrame: false }), foreign(2, '/post', { mainFrame: true, method: 'POST' })]) {
      r.document = r.mainFrame || r.url.endsWith('/frame');
      const { request: v, response } = await roundTrip(s, r);
      expect(v).toEqual({ kind: 'continue' });
      expect(response).toEqual({ kind: 'continue' });
    }
    expect(nc()).toBe(before);
    expect(s.server.log.filter((l) => l.nc !== undefined && l.outcome !== 'ok')).toEqual([]);
    expect(s.core.tabStatus(2).state).toBe('none');
    expect(s.port.prompts).toEqual([1]); // the user's own login only
  });

  it('M framed inside E: its requests (top-level document E) are not authenticated either', async () => {
    const s = await verified();
    const r = request(2, `${ORIGIN}/inner`, false, 'GET', { origin: ORIGIN, topOrigin: EVIL });
    expect((await roundTrip(s, r)).request).toEqual({ kind: 'continue' });
  });

  it('a foreign request answered with a challenge opens no prompt and changes nothing', async () => {
    const s = await setup();
    const challenge = s.server.handle(undefined);
    const r = foreign(3, '/secret');
    await s.core.onRequest(r);
    const out = await s.core.onResponse({ ...r, status: challenge.status, responseHeaders: entries(challenge) });
    expect(out).toEqual({ kind: 'continue' });
    expect(s.port.prompts).toEqual([]);
    expect(s.core.tabStatus(3)).toMatchObject({ state: 'none' });
    expect(s.core.tabStatus(3).login).toBeUndefined();
  });

  it('the observer attaches only on a top-level challenge: another site\'s image or frame challenge does nothing', async () => {
    const s = await setup();
    const challenge = s.server.handle(undefined);
    for (const type of ['image', 'sub_frame', 'xmlhttprequest']) {
      await s.core.onObservedResponse({ tabId: 4, url: `${ORIGIN}/x`, statusCode: 401, type, headers: entries(challenge) });
    }
    expect(s.interceptor.isAttached(4)).toBe(false);
    expect(s.port.prompts).toEqual([]);
    await s.core.onObservedResponse({ tabId: 4, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(challenge) });
    expect(s.interceptor.isAttached(4)).toBe(true);
    expect(s.port.prompts).toEqual([4]);
  });

  it('a foreign request is never replayed by the worker (no same-site request made from the worker for it)', async () => {
    const s = await verified();
    s.server.forgetSessions();
    const fetches: string[] = [];
    const fetch = s.port.fetch.bind(s.port);
    s.port.fetch = async (url, init) => {
      fetches.push(url);
      return fetch(url, init);
    };
    const r = foreign(1, '/stale.png');
    const stale = s.server.handle(undefined);
    await s.core.onRequest(r);
    expect(await s.core.onResponse({ ...r, status: stale.status, responseHeaders: entries(stale) })).toEqual({ kind: 'continue' });
    expect(fetches).toEqual([]);
  });

  it('a frame of the site inside the site asking for a login: "login available" with "asked by" only when it is another origin', async () => {
    const A = 'http://127.0.0.1:8080', B = 'http://127.0.0.2:8080';
    const s = await setup({ origins: [A, B] });
    // Tab 5 shows A; an A-frame asks: same site, no "asked by".
    await roundTrip(s, request(5, `${A}/inner`, false, 'GET', { origin: A, topOrigin: A }));
    expect(s.core.tabStatus(5).login?.askedBy).toBeUndefined();
    expect(s.port.prompts).toEqual([]);
  });
});

/** A CDP adapter on a fake `chrome.debugger` answering `command`; what it hands the core is kept in `seen`. */
async function cdpAdapter(command: (method: string) => unknown) {
  const { CdpFetchInterceptor } = await import('../../src/extension/background/interceptors/cdp-fetch.ts');
  let onEvent: ((s: { tabId?: number }, m: string, p?: unknown) => void) | undefined;
  const api = {
    debugger: {
      attach: async () => undefined,
      sendCommand: async (_t: unknown, method: string) => command(method),
      onEvent: { addListener: (f: typeof onEvent) => void (onEvent = f) },
      onDetach: { addListener: () => undefined },
    },
  };
  const seen: InterceptedRequest[] = [];
  const interceptor = new CdpFetchInterceptor(() => api as never);
  interceptor.start({
    onRequest: async (r) => {
      seen.push(r);
      return { kind: 'continue' };
    },
    onResponse: async () => ({ kind: 'continue' }),
    onRequestFailed: () => undefined,
    onDetached: () => undefined,
  });
  await interceptor.attach(1);
  return { emit: (method: string, p: object) => onEvent!({ tabId: 1 }, method, p), seen };
}

describe('deciding fails closed (R1)', () => {
  it('a request whose decision throws is blocked by the adapter, not sent bare', async () => {
    const { CdpFetchInterceptor } = await import('../../src/extension/background/interceptors/cdp-fetch.ts');
    const commands: Array<{ method: string; params?: object }> = [];
    let onEvent: ((s: { tabId?: number }, m: string, p?: unknown) => void) | undefined;
    const api = {
      debugger: {
        sendCommand: async (_t: unknown, method: string, params?: object) => {
          commands.push({ method, ...(params ? { params } : {}) });
          if (method === 'Page.getFrameTree') return { frameTree: { frame: { id: 'main', url: `${ORIGIN}/`, securityOrigin: ORIGIN } } };
          return {};
        },
        onEvent: { addListener: (f: typeof onEvent) => void (onEvent = f) },
        onDetach: { addListener: () => undefined },
      },
    };
    const interceptor = new CdpFetchInterceptor(() => api as never);
    interceptor.start({
      onRequest: async () => {
        throw new Error('storage write failed');
      },
      onResponse: async () => ({ kind: 'continue' }),
      onRequestFailed: () => undefined,
      onDetached: () => undefined,
    });
    onEvent!({ tabId: 1 }, 'Fetch.requestPaused', { requestId: 'R1', frameId: 'main', resourceType: 'Image', request: { url: `${ORIGIN}/a.png`, method: 'GET', headers: {} } });
    await new Promise((r) => setTimeout(r, 20));
    expect(commands.filter((c) => c.method.startsWith('Fetch.'))).toEqual([{ method: 'Fetch.failRequest', params: { requestId: 'R1', errorReason: 'BlockedByClient' } }]);
  });

  it('the CDP adapter names the requester from the frame tree: a frame of another origin is that origin', async () => {
    const { emit, seen } = await cdpAdapter((method) => method === 'Page.getFrameTree'
      ? { frameTree: { frame: { id: 'main', url: `${ORIGIN}/`, securityOrigin: ORIGIN }, childFrames: [{ frame: { id: 'ad', parentId: 'main', url: `${EVIL}/ad`, securityOrigin: EVIL } }] } }
      : {});
    const paused = (id: string, frameId: string, resourceType: string, url: string, extra: Record<string, unknown> = { networkId: `n${id}` }) =>
      emit('Fetch.requestPaused', { requestId: id, frameId, resourceType, request: { url, method: 'GET', headers: {} }, ...extra });
    paused('1', 'main', 'Image', `${ORIGIN}/a.png`);
    paused('2', 'ad', 'Fetch', `${ORIGIN}/api`);
    paused('3', 'ad', 'Document', `${ORIGIN}/framed`);
    // E's ad frame navigates to E2: the tree follows Page.frameNavigated.
    emit('Page.frameNavigated', { frame: { id: 'ad', parentId: 'main', url: 'http://e2.example/x', securityOrigin: 'http://e2.example' } });
    paused('4', 'ad', 'Image', `${ORIGIN}/b.png`);
    await new Promise((r) => setTimeout(r, 20));
    const by = (id: string) => seen.find((r) => r.id === id)?.requester;
    const of = (id: string) => seen.find((r) => r.id === id)!;
    expect(by('1')).toEqual({ ...own, also: [] });
    expect(by('2')).toEqual({ origin: EVIL, topOrigin: ORIGIN, also: [ORIGIN] });
    // A frame's navigation: its parent document, and the document the frame shows (E's ad navigating itself).
    expect(by('3')).toEqual({ ...own, also: [EVIL] });
    expect(mayCarry(of('3'), ORIGIN)).toBe(false);
    expect(by('4')).toEqual({ origin: 'http://e2.example', topOrigin: ORIGIN, also: [ORIGIN] });
  });

  it('CSP sandbox tokens are split on ASCII whitespace only, as the browser does; policies on several lines', async () => {
    const { sandboxedByCsp } = await import('../../src/extension/background/interceptors/cdp-fetch.ts');
    const csp = (value: string) => sandboxedByCsp([{ name: 'Content-Security-Policy', value }]);
    // \v and U+00A0 are not separators for the browser: "allow-scripts\vallow-same-origin" is one unknown token.
    expect(csp('sandbox allow-scripts\vallow-same-origin')).toBe(true);
    expect(csp('sandbox allow-scripts\u00a0allow-same-origin')).toBe(true);
    expect(csp('sandbox allow-scripts\tallow-same-origin')).toBe(false);
    expect(csp("default-src 'self'\nsandbox allow-scripts")).toBe(true);
    expect(csp('SANDBOX')).toBe(true);
  });

  it('the CDP adapter credits a request to the document that made it: its loader, not its frame; a CSP-sandboxed document is opaque', async () => {
    const { sandboxedByCsp } = await import('../../src/extension/background/interceptors/cdp-fetch.ts');
    let top: { securityOrigin: string } = { id: 'main', loaderId: 'L1', url: `${EVIL}/`, securityOrigin: EVIL } as { securityOrigin: string };
    /** What the document says its origin is, asked from an isolated world (default: what the tree says). */
    let selfOrigin: string | undefined;
    const asked: string[] = [];
    const { emit, seen } = await cdpAdapter((method) => {
      if (method === 'Page.getFrameTree') return { frameTree: { frame: top } };
      if (method !== 'Runtime.evaluate') return {};
      asked.push(top.securityOrigin);
      return { result: { value: selfOrigin ?? top.securityOrigin } };
    });
    const ev = (method: string, p: { frame?: object; [k: string]: unknown }) => {
      if (method === 'Page.frameNavigated' && p.frame) top = p.frame as typeof top;
      emit(method, p);
    };
    const paused = (id: string, resourceType: string, url: string, extra: Record<string, unknown> = {}) =>
      ev('Fetch.requestPaused', { requestId: id, frameId: 'main', resourceType, request: { url, method: 'GET', headers: {} }, ...extra });
    const by = (id: string) => seen.find((r) => r.id === id)?.requester;
    const settle = () => new Promise((r) => setTimeout(r, 20));
    // The tab shows E (loader L1) and navigates to M (loader L2): M's response is checked, its document commits.
    paused('doc-m', 'Document', `${ORIGIN}/`, { networkId: 'L2', responseStatusCode: 200, responseHeaders: [] });
    ev('Page.frameNavigated', { frame: { id: 'main', loaderId: 'L2', url: `${ORIGIN}/`, securityOrigin: ORIGIN } });
    // E's pagehide: a keepalive fetch has no network id (no loader made it); a request E's loader made still
    // arrives after M's commit. Neither is M's; M's own request is.
    paused('k', 'Fetch', `${ORIGIN}/keepalive`);
    ev('Network.requestWillBeSent', { requestId: 'n-old', loaderId: 'L1' });
    paused('old', 'Image', `${ORIGIN}/old.png`, { networkId: 'n-old' });
    ev('Network.requestWillBeSent', { requestId: 'n-new', loaderId: 'L2' });
    paused('new', 'Image', `${ORIGIN}/new.png`, { networkId: 'n-new' });
    await settle();
    expect(by('k')).toBeUndefined();
    expect(by('old')).toBeUndefined();
    expect(by('new')).toEqual({ ...own, also: [] });

    // M answers a navigation with a CSP sandbox: the document it commits is opaque, though Chromium reports M.
    paused('doc', 'Document', `${ORIGIN}/upload`, {
      networkId: 'L3', responseStatusCode: 200, responseHeaders: [{ name: 'Content-Security-Policy', value: "default-src 'self'; sandbox allow-scripts" }],
    });
    ev('Page.frameNavigated', { frame: { id: 'main', loaderId: 'L3', url: `${ORIGIN}/upload`, securityOrigin: ORIGIN } });
    ev('Network.requestWillBeSent', { requestId: 'n-s', loaderId: 'L3' });
    paused('s', 'Image', `${ORIGIN}/s.png`, { networkId: 'n-s' });
    await settle();
    expect(by('s')?.origin).toBe('null');
    expect(mayCarry(seen.find((r) => r.id === 's')!, ORIGIN)).toBe(false);

    // The documents M showed were checked at their response: never asked. A document whose response this adapter
    // did not see (loaded before it knew the tab, here restored from the back/forward cache) is asked once for its
    // origin; one that answers 'null' is opaque.
    expect(asked).toEqual([]);
    selfOrigin = 'null';
    ev('Page.frameNavigated', { type: 'BackForwardCacheRestore', frame: { id: 'main', loaderId: 'L4', url: `${ORIGIN}/u2`, securityOrigin: ORIGIN } });
    ev('Network.requestWillBeSent', { requestId: 'n-u', loaderId: 'L4' });
    paused('u', 'Image', `${ORIGIN}/u.png`, { networkId: 'n-u' });
    ev('Network.requestWillBeSent', { requestId: 'n-u2', loaderId: 'L4' });
    paused('u2', 'Image', `${ORIGIN}/u2.png`, { networkId: 'n-u2' });
    await settle();
    expect(by('u')?.origin).toBe('null');
    expect(by('u2')?.origin).toBe('null');
    expect(asked).toEqual([ORIGIN]); // L4, once

    expect(sandboxedByCsp([{ name: 'content-security-policy', value: 'sandbox' }])).toBe(true);
    expect(sandboxedByCsp([{ name: 'Content-Security-Policy', value: "img-src *, sandbox allow-scripts allow-forms" }])).toBe(true);
    expect(sandboxedByCsp([{ name: 'Content-Security-Policy', value: 'sandbox allow-scripts allow-same-origin' }])).toBe(false);
    expect(sandboxedByCsp([{ name: 'Content-Security-Policy-Report-Only', value: 'sandbox' }])).toBe(false);
    expect(sandboxedByCsp([{ name: 'Content-Security-Policy', value: "default-src 'self'" }])).toBe(false);
  });
});

describe('a document served around the CDP interceptor (speculation-rules prefetch) is nobody\'s (R1, R2)', () => {
  it('its requests carry no session; a tab that showed a checked document loads the page again through the interceptor', async () => {
    const commands: string[] = [];
    let top: object = { id: 'main', loaderId: 'L0', url: 'about:blank', securityOrigin: '://' };
    const { emit, seen } = await cdpAdapter((method) => {
      commands.push(method);
      return method === 'Page.getFrameTree' ? { frameTree: { frame: top } } : {};
    });
    const nav = (loaderId: string, url: string, extra: Record<string, unknown> = {}, frame: Record<string, unknown> = {}) => {
      top = { id: 'main', loaderId, url, securityOrigin: url.startsWith('http') ? new URL(url).origin : '://', ...frame };
      emit('Page.frameNavigated', { frame: top, ...extra });
    };
    const paused = (id: string, resourceType: string, url: string, extra: Record<string, unknown>) =>
      emit('Fetch.requestPaused', { requestId: id, frameId: 'main', resourceType, request: { url, method: 'GET', headers: {} }, ...extra });
    const subresource = (id: string, loaderId: string) => {
      emit('Network.requestWillBeSent', { requestId: `n-${id}`, loaderId });
      paused(id, 'Fetch', `${ORIGIN}/api/${id}`, { networkId: `n-${id}` });
    };
    const by = (id: string) => seen.find((r) => r.id === id)!;
    const settle = () => new Promise((r) => setTimeout(r, 20));
    const reloads = () => commands.filter((m) => m === 'Page.reload').length;

    // M's page, checked at its response (loader L1): its requests are M's.
    paused('d1', 'Document', `${ORIGIN}/`, { networkId: 'L1', responseStatusCode: 200, responseHeaders: [] });
    nav('L1', `${ORIGIN}/`);
    subresource('a', 'L1');
    await settle();
    expect(by('a').requester).toEqual({ ...own, also: [] });
    expect(reloads()).toBe(0);

    // The next page commits (loader L2) with no response paused here: served from a prefetch. Its script's
    // request is nobody's, and the tab is loaded again.
    nav('L2', `${ORIGIN}/next`);
    subresource('b', 'L2');
    await settle();
    expect(by('b').requester?.origin).toBe('null');
    expect(mayCarry(by('b'), ORIGIN)).toBe(false);
    expect(reloads()).toBe(1);

    // Another unchecked commit right after: opaque too, but no second reload (the tab did not show a checked
    // document) — a reload that somehow came around the interceptor again cannot loop.
    nav('L3', `${ORIGIN}/again`);
    subresource('c', 'L3');
    await settle();
    expect(by('c').requester?.origin).toBe('null');
    expect(reloads()).toBe(1);

    // Not a document served around the interceptor: an error page, an about:blank document, a page restored from
    // the back/forward cache. None is marked, none reloads.
    paused('d4', 'Document', `${ORIGIN}/ok`, { networkId: 'L4', responseStatusCode: 200, responseHeaders: [] });
    nav('L4', `${ORIGIN}/ok`);
    nav('L5', `${ORIGIN}/x`, {}, { unreachableUrl: `${ORIGIN}/x` });
    paused('d6', 'Document', `${ORIGIN}/ok2`, { networkId: 'L6', responseStatusCode: 200, responseHeaders: [] });
    nav('L6', `${ORIGIN}/ok2`);
    nav('L7', 'about:blank');
    paused('d8', 'Document', `${ORIGIN}/ok3`, { networkId: 'L8', responseStatusCode: 200, responseHeaders: [] });
    nav('L8', `${ORIGIN}/ok3`);
    nav('L1', `${ORIGIN}/`, { type: 'BackForwardCacheRestore' });
    subresource('e', 'L1');
    await settle();
    expect(by('e').requester).toEqual({ ...own, also: [] });
    expect(reloads()).toBe(1);
  });
});

describe('"verified" belongs to a committed document (R3)', () => {
  it('a verified response whose document never commits (204, download) changes nothing', async () => {
    const s = await setup();
    await logIn(s, 2);
    // Tab 2 shows E's page; E navigates the top frame to an in-session URL of M that answers 204.
    commit(s, 2, `${EVIL}/phish`);
    const { response } = await roundTrip(s, request(2, `${ORIGIN}/no-content`, true));
    expect(response.kind).toBe('continue');
    expect(s.core.tabStatus(2).state).not.toBe('verified');
    // Nothing commits; later E's own document (or anything else) commits: still not verified.
    commit(s, 2, `${EVIL}/phish#again`);
    expect(s.core.tabStatus(2).state).not.toBe('verified');
    expect((await s.core.indicator(2, `${EVIL}/phish`)).show).toBe(false);
  });

  it('the next top-level request forgets what an earlier verified response expected', async () => {
    const s = await setup();
    await logIn(s, 2);
    await roundTrip(s, request(2, `${ORIGIN}/file.bin`, true)); // a download: never commits
    await roundTrip(s, request(2, `${EVIL}/`, true), () => ({ status: 200, headers: {} })); // E's own page
    commit(s, 2, `${ORIGIN}/file.bin`); // even a commit at that URL (not the verified load) does not count
    expect(s.core.tabStatus(2).state).not.toBe('verified');
  });

  it('a verified navigation that ends without committing (aborted) leaves nothing for a later commit of its URL', async () => {
    const s = await setup();
    await logIn(s, 2);
    commit(s, 2, `${EVIL}/phish`);
    const r = request(2, `${ORIGIN}/page`, true);
    await roundTrip(s, r); // verified response, then the page stops the load before it commits
    s.core.onRequestFailed(r, 'net::ERR_ABORTED');
    commit(s, 2, `${ORIGIN}/page`); // e.g. an older document of that URL restored from the back/forward cache
    expect(s.core.tabStatus(2).state).not.toBe('verified');
  });

  it('requestsVerified counts the current document only', async () => {
    const s = await verified();
    for (let i = 0; i < 3; i++) await roundTrip(s, request(1, `${ORIGIN}/img/${i}`));
    expect(s.core.tabStatus(1).requestsVerified).toBe(4);
    commit(s, 1, `${EVIL}/`); // the tab goes elsewhere
    expect(s.core.tabStatus(1).requestsVerified).toBe(0);
    expect(s.core.tabStatus(1).state).toBe('none');
  });
});

describe('a page cannot provoke a failure (R4)', () => {
  it('a response whose headers the browser withheld is blocked, and the realm stays', async () => {
    const s = await verified();
    const r = request(1, `${ORIGIN}/opaque`);
    const v = await s.core.onRequest(r);
    expect(v.kind === 'continue' && v.authorization).toBeTruthy();
    const out = await s.core.onResponse({ ...r, status: 200, responseHeaders: [], headersWithheld: true });
    expect(out).toEqual({ kind: 'block' });
    expect(s.core.tabStatus(1).state).toBe('verified');
    expect(s.core.sessions()[0]?.active).toBe(true);
  });

  it('a bad Authentication-Info on a response to a request sent without a session fails nothing', async () => {
    const s = await verified();
    const r = foreign(1, '/x');
    await s.core.onRequest(r);
    const forged = { status: 200, headers: { 'authentication-info': 'Mutual sid=00, vks=00' } };
    expect(await s.core.onResponse({ ...r, status: 200, responseHeaders: entries(forged) })).toEqual({ kind: 'continue' });
    expect(s.core.tabStatus(1).state).toBe('verified');
    expect(s.core.sessions()[0]?.active).toBe(true);
  });
});

describe('logins and sessions (R6, R7)', () => {
  it('a pending login survives a worker restart and completes', async () => {
    const s = await setup();
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const shown = s.core.offeredLogin(1)!;
    await new Promise((r) => setTimeout(r, 0));
    const host2 = await EngineHost.load(s.store, { random: webRandom, now: Date.now }, { pendingBeforeSend: false });
    const core2 = new MutualBackground(host2, s.store, s.local, s.interceptor, s.port);
    await core2.restore();
    expect(core2.tabStatus(1).login).toEqual(shown);
    expect((await core2.login(1, 'alice', PASSWORD, shown)).result).toBe('verified');
  });

  it('a failed login is a failure, not a session; outcomes carry stable codes', async () => {
    const s = await setup();
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    const out = await s.core.login(1, 'alice', 'wrong', s.core.offeredLogin(1)!);
    expect(out).toMatchObject({ result: 'wrong-credentials', code: 'ERR_LOGIN_WRONG_CREDENTIALS' });
    expect(s.core.sessions()).toEqual([]);
    expect(await s.core.login(7, 'alice', PASSWORD, s.core.offeredLogin(1)!)).toMatchObject({ result: 'error', code: 'ERR_LOGIN_NONE_PENDING' });
    const ok = await s.core.login(1, 'alice', PASSWORD, s.core.offeredLogin(1)!);
    expect(ok).toMatchObject({ result: 'verified', code: 'OK_VERIFIED' });
    expect(s.core.sessions()).toHaveLength(1);
  });
});
