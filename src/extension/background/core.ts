/**
 * The background's decisions around the pure engine (issue 4): what each intercepted request carries, what
 * each response means for the tab (verified / login available / server failed), the login exchange the
 * background runs itself, logout, and the status views the popup and the content script get. No `chrome`
 * here: the browser is reached only through {@link BrowserPort} and the {@link Interceptor}, so all of this
 * runs in Node tests against fakes.
 */
import type { ClientAction, LoginRequest, RequestSequence, ResponseInput } from '../../protocol/client.ts';
import { prepareCredential } from '../../protocol/credentials.ts';
import { originOf, pathCovers, serverKey } from '../../protocol/realm.ts';
import { realmFromKey, realmKey, sessionKey, type ClientSession, type RealmId } from '../../protocol/state.ts';
import { tlsServerEndPoint } from '../../crypto/tls-server-end-point.ts';
import { bytesToHex } from '../../bytes.ts';
import type { EngineHost } from './engine.ts';
import {
  headerRecord, type HeaderEntry, type InterceptedRequest, type InterceptedResponse, type Interceptor, type RequestVerdict,
  type ResponseVerdict,
} from './interceptors/interceptor.ts';
import type { LocalStore, SessionStore, TabRecord } from './storage.ts';
import type {
  FailureView, IndicatorView, LoginOutcome, LoginTarget, LoginView, SessionView, TabState, TabStatusView,
} from '../shared/messages.ts';

export interface FetchedResponse {
  /**
   * 0: an opaque redirect — fetch(redirect:'manual') hides a 3xx's status and headers (Authentication-Info
   * included), so the answer cannot be checked here; it is not a server failure either.
   */
  status: number;
  headers: HeaderEntry[];
  body: Uint8Array;
}

/** Everything the core needs from the browser besides interception. */
export interface BrowserPort {
  /** Show a tab's state in the toolbar (icon, badge, title). */
  showState(tabId: number, state: TabState, title: string): Promise<void>;
  /** Open the login UI in browser chrome (action popup, else a small popup window) for this tab. */
  openLoginUi(tabId: number): Promise<void>;
  reload(tabId: number): Promise<void>;
  navigate(tabId: number, url: string): Promise<void>;
  /** Absolute URL of an extension page (e.g. `pages/warning.html`). */
  pageUrl(path: string): string;
  /** The service worker's own request (key exchange, transparent retry). */
  fetch(url: string, init: { method: string; headers: HeaderEntry[]; authorization?: string }): Promise<FetchedResponse>;
  /** Resolves when the tab finished loading (or after timeoutMs). */
  waitForLoad(tabId: number, timeoutMs: number): Promise<void>;
  tabExists(tabId: number): Promise<boolean>;
  /** Whether the tab is still loading its page. */
  tabLoading(tabId: number): Promise<boolean>;
  /** Open an about:blank tab next to this one (to replace a tab that cannot be recovered); its id. */
  openBlankBeside(tabId: number): Promise<number | undefined>;
  closeTab(tabId: number): Promise<void>;
}

/** A page may open the login UI at most once per realm per minute (docs/mutual-protocol.md §4). */
export const PROMPT_INTERVAL_MS = 60_000;
/** No automatic reload of a tab more often than this (no retry loops). */
export const AUTO_RELOAD_INTERVAL_MS = 10_000;
const MAX_HOPS = 6;
const FAILURE_BODY = new TextEncoder().encode(
  '<!doctype html><meta charset="utf-8"><title>Blocked</title><p>The server failed to prove its identity. This page was blocked.</p>',
);

const CHECKING_BODY = new TextEncoder().encode(
  '<!doctype html><meta charset="utf-8"><title>Checking the server</title><p>Checking the server\u2019s proof of identity\u2026 This page reloads by itself.</p>',
);

const TITLES: Record<TabState, string> = {
  none: 'Mutual: no Mutual authentication on this page',
  available: 'Mutual: login available',
  verified: 'Mutual: server verified',
  failed: 'Mutual: SERVER FAILED to prove its identity',
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function serverOfUrl(url: string): string | undefined {
  const o = originOf(url);
  return o.ok ? serverKey(o.value) : undefined;
}

function isMutualChallenge(v: string): boolean {
  return /(^|,)\s*mutual(\s|$|,)/i.test(v);
}

export function sessionView(key: string, s: ClientSession, remembered: boolean): SessionView {
  const v: SessionView = {
    key,
    server: s.server,
    realm: s.realm.realm,
    algorithm: s.realm.algorithm,
    authScope: s.realm.authScope,
    validation: s.validation,
    username: s.username,
    active: s.keys !== undefined,
    requestsVerified: s.requestsVerified,
    remembered,
  };
  if (s.verifiedSince !== undefined) v.verifiedSince = s.verifiedSince;
  if (s.keys) v.expiresAt = s.keys.expiresAt;
  return v;
}

export function loginView(tabId: number, l: LoginRequest, optional: boolean, cancelLocation?: string): LoginView {
  const v: LoginView = {
    tabId,
    url: l.url,
    host: hostOf(l.url),
    server: l.server,
    realm: l.realm.realm,
    algorithm: l.realm.algorithm,
    authScope: l.realm.authScope,
    validation: l.validation,
    reason: l.reason,
    optional,
  };
  if (l.username !== undefined) v.username = l.username;
  if (cancelLocation !== undefined) v.cancelLocation = cancelLocation;
  return v;
}

/**
 * A short in-memory trace of decisions (URLs, message kinds and outcomes only — never headers, keys or
 * passwords); exposed as `globalThis.mutualTrace` only in test builds (see background/index.ts).
 */
export const trace: string[] = [];
function note(s: string): void {
  trace.push(`${Date.now() % 100000} ${s}`);
  if (trace.length > 300) trace.splice(0, trace.length - 300);
}

export class MutualBackground {
  private readonly tabs = new Map<number, TabRecord>();
  /** The LoginRequest behind each tab's LoginView (kept apart: the view goes to UI pages). */
  private readonly logins = new Map<number, LoginRequest>();
  /** Sequences without a session (normal requests), by interception key: not worth persisting. */
  private readonly plain = new Map<string, RequestSequence>();
  /** tls-server-end-point bindings (hex) seen per tab and origin, for re-keying HTTPS sessions. */
  private readonly bindings = new Map<string, string>();
  private promptedAt: Record<string, number> = {};
  private tabsDirty = false;

  constructor(
    readonly host: EngineHost,
    private readonly store: SessionStore,
    private readonly local: LocalStore,
    private readonly interceptor: Interceptor,
    private readonly port: BrowserPort,
    private readonly now: () => number = Date.now,
  ) {}

  /** Restore tab records and re-attach the tabs that were intercepted before a service-worker restart. */
  async restore(): Promise<void> {
    const saved = await this.store.tabs.get();
    this.promptedAt = await this.store.promptedAt.get();
    for (const [k, rec] of Object.entries(saved)) {
      const tabId = Number(k);
      if (!Number.isInteger(tabId)) continue;
      this.tabs.set(tabId, rec);
    }
    await Promise.all(
      [...this.tabs.entries()].map(async ([tabId, rec]) => {
        if (!(await this.port.tabExists(tabId))) {
          this.tabs.delete(tabId);
          this.tabsDirty = true;
          return;
        }
        if (!rec.attached) return;
        const network = (rec.url ?? '').startsWith('https:');
        // Requests of this tab that the old worker sent with a session but never saw answered are paused in
        // CDP for good (or were answered while it was dead): either way the tab's load cannot finish.
        const orphaned = [...this.host.pending.values()].some((p) => p.tabId === tabId);
        const stuck = this.interceptor.restartStrandsRequests && (orphaned || (await this.port.tabLoading(tabId)));
        if (!stuck) {
          rec.attached = await this.interceptor.attach(tabId, { network, recover: true });
          note(`restore ${tabId}: ${rec.attached ? 'attached' : `not attached: ${this.interceptor.lastError?.(tabId) ?? ''}`}`);
          return;
        }
        // The worker was stopped while this tab was loading under interception (MV3 keeps the worker alive
        // while a debugger is attached, so: a forced stop or a crash). Measured: the requests the old worker
        // had paused are stuck for good; the old CDP session may survive as an orphan that holds every new
        // request of the tab too; detaching or re-enabling releases paused requests *bare* to the server.
        note(`restore ${tabId}: stuck in a load; replacing the tab`);
        // Closing the tab ends the orphaned session and cancels its requests. The replacement starts blank,
        // is attached before it navigates (so its first request is intercepted too), then loads the page.
        const url = rec.url;
        // First unload the stuck page, so its paused requests are cancelled by the page before the session
        // holding them goes away with the tab (measured: closing right away released some of them bare).
        await withTimeout(this.port.navigate(tabId, 'about:blank'), 2000).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        const id = await withTimeout(this.port.openBlankBeside(tabId), 3000).catch(() => undefined);
        if (id === undefined || url === undefined) return;
        this.tabs.delete(tabId);
        this.tabs.set(id, { ...rec, attached: false });
        const fresh = this.tabs.get(id)!;
        fresh.attached = await withTimeout(this.interceptor.attach(id, { network }), 3000).catch(() => false);
        note(`restore ${tabId} → ${id}: ${fresh.attached ? 'attached' : `not attached: ${this.interceptor.lastError?.(id) ?? ''}`}`);
        await withTimeout(this.port.closeTab(tabId), 3000).catch(() => undefined);
        await this.port.navigate(id, url).catch(() => undefined);
      }),
    );
    this.saveTabs();
  }

  // ------------------------------------------------------------------ tab records

  tab(tabId: number): TabRecord {
    let t = this.tabs.get(tabId);
    if (!t) {
      t = { state: 'none', attached: this.interceptor.isAttached(tabId), requestsVerified: 0 };
      this.tabs.set(tabId, t);
    }
    return t;
  }

  private saveTabs(): void {
    this.tabsDirty = true;
    queueMicrotask(() => {
      if (!this.tabsDirty) return;
      this.tabsDirty = false;
      void this.store.tabs.set(Object.fromEntries(this.tabs)).catch(() => undefined);
    });
  }

  private setState(tabId: number, state: TabState): void {
    const t = this.tab(tabId);
    t.state = state;
    this.saveTabs();
    void this.port.showState(tabId, state, TITLES[state]).catch(() => undefined);
  }

  /** Re-apply the toolbar state (Chromium clears per-tab action values when a page commits). */
  refreshIndicator(tabId: number): void {
    const t = this.tabs.get(tabId);
    if (t) void this.port.showState(tabId, t.state, TITLES[t.state]).catch(() => undefined);
  }

  private fail(tabId: number, url: string, kind: FailureView['kind'], code: string, message: string): void {
    const t = this.tab(tabId);
    t.lastFailure = { at: this.now(), url, host: hostOf(url), code, message, kind };
    if (kind === 'server-failed') this.setState(tabId, 'failed');
    else this.saveTabs();
  }

  onTabRemoved(tabId: number): void {
    this.tabs.delete(tabId);
    this.logins.delete(tabId);
    for (const [k, p] of this.host.pending) if (p.tabId === tabId) this.host.untrack(k);
    for (const k of this.plain.keys()) if (k.startsWith(`${tabId}:`)) this.plain.delete(k);
    for (const k of this.bindings.keys()) if (k.startsWith(`${tabId} `)) this.bindings.delete(k);
    this.saveTabs();
  }

  onDetached(tabId: number, reason: string): void {
    note(`detached ${tabId} ${reason}`);
    const t = this.tabs.get(tabId);
    if (t) {
      t.attached = false;
      // Nothing is checked any more (the user may have cancelled the debugging bar): the tab cannot stay
      // "verified" — a later document in it must earn that again — and certificates it saw are not trusted
      // as this tab's bindings any more (the next attach learns them anew).
      this.unverify(tabId);
      for (const k of this.bindings.keys()) if (k.startsWith(`${tabId} `)) this.bindings.delete(k);
      this.saveTabs();
    }
  }

  /** The tab no longer shows a verified document: state back to none, its session link dropped. */
  private unverify(tabId: number): void {
    const t = this.tabs.get(tabId);
    if (!t || t.state !== 'verified') return;
    note(`unverify ${tabId}`);
    delete t.sessionKey;
    this.setState(tabId, 'none');
  }

  /** Does this page URL belong to the session the tab was verified with (same server, inside its paths)? */
  private pageInSession(s: ClientSession, url: string): boolean {
    if (serverOfUrl(url) !== s.server) return false;
    try {
      const remembered = this.host.client.state.lastRealm[url.split('#')[0]!];
      return pathCovers(s.paths, new URL(url)) || remembered === realmKey(s.realm);
    } catch {
      return false;
    }
  }

  /** The tab navigated: stop intercepting when it left every Mutual scope (issue 4). */
  async onTabUrl(tabId: number, url: string): Promise<void> {
    const t = this.tabs.get(tabId);
    if (!t) return;
    // A document outside the verified session (another site, a bfcache or prerendered page the interceptor
    // never saw) must not inherit "verified" — nor the indicator with the personal phrase.
    if (t.state === 'verified') {
      const key = t.sessionKey;
      const s = key === undefined ? undefined : this.host.client.state.sessions[key];
      if (!s || !this.pageInSession(s, url)) this.unverify(tabId);
    }
    if (!this.interceptor.isAttached(tabId)) return;
    if (url.startsWith(this.port.pageUrl(''))) return; // our own warning / login page
    if (!/^https?:/i.test(url)) return;
    const server = serverOfUrl(url);
    if (server !== undefined && this.knowsServer(server)) return;
    if (t.state === 'available' || t.state === 'failed') return;
    t.attached = false;
    this.unverify(tabId);
    this.saveTabs();
    await this.interceptor.detach(tabId);
  }

  private knowsServer(server: string): boolean {
    const st = this.host.client.state;
    for (const s of Object.values(st.sessions)) if (s.server === server && (s.keys || st.credentials[realmKey(s.realm)])) return true;
    for (const k of Object.keys(st.lastRealm)) if (serverOfUrl(k) === server) return true;
    return false;
  }

  private bindingFor(tabId: number, url: string): Uint8Array | undefined {
    const o = originOf(url);
    if (!o.ok || o.value.scheme !== 'https') return undefined;
    const hex = this.bindings.get(`${tabId} ${serverKey(o.value)}`);
    if (!hex) return undefined;
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }

  /**
   * Chromium keeps the certificates a page saw per page and clears them when the main frame goes to another
   * origin (browser-notes); so do the tab's bindings: one learned on an earlier page must not key a new exchange.
   */
  private forgetBindingsOnOriginChange(tabId: number, url: string): void {
    const before = this.tabs.get(tabId)?.url;
    if (before === undefined || serverOfUrl(before) === serverOfUrl(url)) return;
    for (const k of this.bindings.keys()) if (k.startsWith(`${tabId} `)) this.bindings.delete(k);
  }

  /** Read the certificate the tab saw for the URL's origin and remember its RFC 5929 binding. */
  private async learnBinding(tabId: number, url: string): Promise<Uint8Array | undefined> {
    const o = originOf(url);
    if (!o.ok || o.value.scheme !== 'https') return undefined;
    const origin = serverKey(o.value);
    const der = await this.interceptor.certificate(tabId, new URL(url).origin);
    if (!der) return undefined;
    const b = tlsServerEndPoint(der);
    if (!b.ok) return undefined;
    this.bindings.set(`${tabId} ${origin}`, bytesToHex(b.value));
    return b.value;
  }

  // ------------------------------------------------------------------ interception

  async onRequest(r: InterceptedRequest): Promise<RequestVerdict> {
    const key = `${r.tabId}:${r.id}`;
    if (r.mainFrame) this.forgetBindingsOnOriginChange(r.tabId, r.url);
    const tls = this.bindingFor(r.tabId, r.url);
    const { seq, action } = this.host.client.beginRequest(r.url, { subRequest: !r.mainFrame, ...(tls ? { tlsServerEndPoint: tls } : {}) });
    if (r.mainFrame) {
      const t = this.tab(r.tabId);
      t.url = r.url;
      t.attached = true;
      this.saveTabs();
    }
    note(`req ${r.tabId} ${r.mainFrame ? 'main' : r.document ? 'doc' : 'sub'} ${r.url} -> ${action.type === 'send' ? action.message : action.type}`);
    if (action.type === 'send' && action.authorization !== undefined) {
      this.host.track(key, r.tabId, seq);
      try {
        // The nonce number is on storage before it is on the wire. For a document, the in-flight sequence
        // too: after a worker restart it tells that this tab's load was stranded (see restore()).
        await this.host.persist(r.mainFrame);
      } catch {
        this.host.untrack(key);
        return { kind: 'block' };
      }
      return { kind: 'continue', authorization: action.authorization };
    }
    this.plain.set(key, seq);
    this.host.persistSoon();
    return { kind: 'continue' };
  }

  async onResponse(r: InterceptedResponse): Promise<ResponseVerdict> {
    const key = `${r.tabId}:${r.id}`;
    const seq = this.host.pending.get(key)?.seq ?? this.plain.get(key) ?? this.plainSequence(r);
    this.plain.delete(key);
    const tls = this.bindingFor(r.tabId, r.url);
    const input: ResponseInput = { status: r.status, headers: headerRecord(r.responseHeaders), ...(tls ? { tlsServerEndPoint: tls } : {}) };
    // The realm this sequence authenticates for, read before the engine ends the sequence (see suspendRealm).
    let sentRealm = seq.verify?.realm ?? seq.kex?.realm;
    let action = this.host.client.handleResponse(seq, input);
    let replaced: FetchedResponse | undefined;
    // The engine wants another round trip (401-STALE → silent re-key, 401-KEX-S1 → req-VFY-C): the paused
    // request cannot be re-sent through CDP, so the service worker sends it and fulfils the tab's request
    // with the final answer — one transparent retry, GET/HEAD only (issue 4).
    for (let hop = 0; hop < MAX_HOPS && action.type === 'send'; hop++) {
      if (r.method !== 'GET' && r.method !== 'HEAD') {
        action = { type: 'unauthenticated' };
        break;
      }
      this.host.track(key, r.tabId, seq);
      sentRealm = seq.verify?.realm ?? seq.kex?.realm ?? sentRealm;
      await this.host.persist();
      try {
        replaced = await this.port.fetch(r.url, {
          method: r.method,
          headers: r.headers,
          ...(action.authorization !== undefined ? { authorization: action.authorization } : {}),
        });
      } catch (e) {
        this.host.untrack(key);
        this.fail(r.tabId, r.url, 'declined', 'ERR_EXT_NETWORK', `could not fetch it again from the server: ${e instanceof Error ? e.message : String(e)}`);
        return { kind: 'block' };
      }
      if (replaced.status === 0) {
        // An opaque redirect (see FetchedResponse): this answer cannot be checked here, and nothing failed. The
        // session is keyed now, so the page's own request carries it where the interceptor sees the headers.
        this.host.untrack(key);
        this.host.persistSoon();
        note(`res ${r.tabId} ${r.mainFrame ? 'main' : 'sub'} ${r.url}: the replay was redirected (opaque); ${r.mainFrame ? 'reloading' : 'blocked'}`);
        if (!r.mainFrame) return { kind: 'block' };
        const t = this.tab(r.tabId);
        const now = this.now();
        if (t.lastAutoReload === undefined || now - t.lastAutoReload >= AUTO_RELOAD_INTERVAL_MS) {
          t.lastAutoReload = now;
          this.saveTabs();
          setTimeout(() => void this.port.reload(r.tabId).catch(() => undefined), 0);
        }
        return { kind: 'fulfill', status: 200, headers: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }], body: CHECKING_BODY };
      }
      action = this.host.client.handleResponse(seq, {
        status: replaced.status,
        headers: headerRecord(replaced.headers),
        ...(tls ? { tlsServerEndPoint: tls } : {}),
      });
    }
    this.host.untrack(key);
    if (action.type === 'server-failed') await this.suspendRealm(action.server, action.realm ?? (sentRealm !== undefined ? realmFromKey(sentRealm) : undefined));
    this.host.persistSoon();
    note(`res ${r.tabId} ${r.mainFrame ? 'main' : r.document ? 'doc' : 'sub'} ${r.url} ${r.status} -> ${action.type}${replaced ? ' (replayed)' : ''}`);
    return this.outcome(r, action, replaced);
  }

  /** The request ended without a response (network error, aborted): forget its sequence and any secrets in it. */
  onRequestFailed(r: InterceptedRequest, reason: string): void {
    const key = `${r.tabId}:${r.id}`;
    this.host.untrack(key);
    this.plain.delete(key);
    this.host.persistSoon();
    note(`err ${r.tabId} ${r.mainFrame ? 'main' : r.document ? 'doc' : 'sub'} ${r.url} ${reason}`);
  }

  /**
   * The server failed to prove itself: log out of the realm — its session keys and its active pi (this
   * extension has no "remember" feature to keep the pi in) — so that no later request silently starts a new
   * key exchange with that server (each one a fresh transcript for a rogue server to guess against) until the
   * user logs in again. Written before the next request can go out.
   */
  private async suspendRealm(server: string, realm: RealmId | undefined): Promise<void> {
    if (realm === undefined) return;
    this.host.client.logout(server, realm, true);
    await this.host.persist().catch(() => undefined);
  }

  /** A sequence for a response whose request we never saw (first request of a tab, worker restart). */
  private plainSequence(r: InterceptedRequest): RequestSequence {
    return { url: r.url, server: serverOfUrl(r.url) ?? '', subRequest: !r.mainFrame, step: 'normal', sent: 1, kexTried: [] };
  }

  private outcome(r: InterceptedResponse, action: ClientAction, replaced: FetchedResponse | undefined): ResponseVerdict {
    const pass: ResponseVerdict = replaced
      ? { kind: 'fulfill', status: replaced.status, headers: replayHeaders(replaced.headers), body: replaced.body }
      : { kind: 'continue' };
    const t = this.tab(r.tabId);
    switch (action.type) {
      case 'verified': {
        t.requestsVerified++;
        const key = sessionKey(action.session.server, action.session.realm);
        if (action.loggedOut) {
          // RFC 8053 logout-timeout=0: the server ended the session; this response itself was verified.
          if (r.mainFrame) {
            delete t.sessionKey;
            this.setState(r.tabId, 'none');
          }
          return pass;
        }
        if (r.mainFrame) {
          t.sessionKey = key;
          delete t.login;
          this.logins.delete(r.tabId);
          this.setState(r.tabId, 'verified');
          if (action.session.validation === 'tls-server-end-point') this.scheduleCertificateCheck(r.tabId, r.url, key);
        } else {
          this.saveTabs();
        }
        return pass;
      }
      case 'unauthenticated': {
        if (r.mainFrame) {
          delete t.sessionKey;
          if (action.loginAvailable) {
            this.offerLogin(r.tabId, action.loginAvailable);
            this.setState(r.tabId, 'available');
          } else if (!action.serverError) {
            delete t.login;
            this.logins.delete(r.tabId);
            this.setState(r.tabId, 'none');
          } else if (t.state === 'verified') {
            // A 5xx without Authentication-Info (RFC 8120 §10.1 tolerates it): this document is not verified —
            // anyone on the path can send one. Keep a pending login (a 5xx during the exchange proves nothing).
            this.setState(r.tabId, 'none');
          }
        } else if (action.serverError) {
          // A subresource that carried Mutual authentication and came back 5xx without Authentication-Info:
          // fail closed, the page never gets the unverified body (RFC 8120 §10.1 recommends ignoring it).
          return { kind: 'block' };
        } else if (action.loginAvailable && t.state === 'none') {
          this.offerLogin(r.tabId, action.loginAvailable);
          this.setState(r.tabId, 'available');
        }
        return pass;
      }
      case 'login-required': {
        if (r.mainFrame) delete t.sessionKey;
        this.requireLogin(r.tabId, action.login, action.redirect, r.mainFrame);
        return pass;
      }
      case 'server-failed': {
        this.fail(r.tabId, r.url, 'server-failed', action.error.code, action.error.message);
        if (r.mainFrame) {
          // The protected content never reaches the page: an inert body now, the warning page next.
          void this.port.navigate(r.tabId, this.warningUrl(r.tabId)).catch(() => undefined);
          return { kind: 'fulfill', status: 200, headers: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }], body: FAILURE_BODY };
        }
        return { kind: 'block' };
      }
      case 'declined': {
        if (r.mainFrame && r.url.startsWith('https:') && !this.bindingFor(r.tabId, r.url)) {
          // tls-server-end-point needs the certificate, which CDP gives only after this response is released
          // (browser-notes): let the challenge page through, then decide with the certificate.
          this.decideWithCertificate(r);
          return pass;
        }
        this.fail(r.tabId, r.url, 'declined', action.error.code, action.error.message);
        return pass;
      }
      case 'send':
        // Too many round trips: never let an unverified answer through as if it were verified.
        this.fail(r.tabId, r.url, 'server-failed', 'ERR_MUTUAL_PROTOCOL', 'too many authentication round trips for one request');
        return r.mainFrame ? { kind: 'continue' } : { kind: 'block' };
    }
  }

  private decideWithCertificate(r: InterceptedResponse): void {
    setTimeout(() => {
      void (async () => {
        const tls = await this.learnBinding(r.tabId, r.url);
        const seq = this.plainSequence(r);
        const input: ResponseInput = { status: r.status, headers: headerRecord(r.responseHeaders), ...(tls ? { tlsServerEndPoint: tls } : {}) };
        const action = this.host.client.handleResponse({ ...seq, ...(tls ? { tlsServerEndPoint: bytesToHex(tls) } : {}) }, input);
        this.host.persistSoon();
        note(`res ${r.tabId} main ${r.url} ${r.status} with certificate -> ${action.type}`);
        if (action.type === 'login-required') this.requireLogin(r.tabId, action.login, action.redirect, true);
        else if (action.type === 'unauthenticated' && action.loginAvailable) {
          this.offerLogin(r.tabId, action.loginAvailable);
          this.setState(r.tabId, 'available');
        } else if (action.type === 'declined') this.fail(r.tabId, r.url, 'declined', action.error.code, action.error.message);
        else if (action.type === 'send') await this.port.reload(r.tabId).catch(() => undefined);
      })().catch(() => undefined);
    }, 0);
  }

  private warningUrl(tabId: number): string {
    return `${this.port.pageUrl('pages/warning.html')}?tab=${tabId}`;
  }

  private offerLogin(tabId: number, l: LoginRequest): void {
    const t = this.tab(tabId);
    if (t.login && !t.login.optional) return;
    t.login = loginView(tabId, l, true);
    this.logins.set(tabId, l);
    this.saveTabs();
  }

  private requireLogin(tabId: number, l: LoginRequest, redirect: string | undefined, mainFrame: boolean): void {
    const t = this.tab(tabId);
    if (!mainFrame || !l.interactive) {
      // RFC 8120 §10.1: sub-requests never ask by themselves; show "login available".
      if (t.state === 'none' || mainFrame) {
        this.offerLogin(tabId, l);
        this.setState(tabId, 'available');
      }
      return;
    }
    t.login = loginView(tabId, l, false, redirect);
    this.logins.set(tabId, l);
    this.setState(tabId, 'available');
    this.maybePrompt(tabId, l);
  }

  /**
   * Open the login UI, at most once per minute per realm — and, since the realm is a name the server chooses,
   * also at most once per minute per tab and per server (a page cannot open a window per invented realm).
   */
  private maybePrompt(tabId: number, l: LoginRequest): void {
    const keys = [`${l.server} ${realmKey(l.realm)}`, `tab ${tabId}`, `server ${l.server}`];
    const now = this.now();
    if (keys.some((k) => now - (this.promptedAt[k] ?? 0) < PROMPT_INTERVAL_MS)) return;
    for (const k of keys) this.promptedAt[k] = now;
    for (const [key, at] of Object.entries(this.promptedAt)) if (now - at > PROMPT_INTERVAL_MS) delete this.promptedAt[key];
    void this.store.promptedAt.set(this.promptedAt).catch(() => undefined);
    note(`prompt ${tabId} ${l.url}`);
    void this.port.openLoginUi(tabId).catch(() => undefined);
  }

  private suppressPrompt(server: string, realm: ClientSession['realm']): void {
    this.promptedAt[`${server} ${realmKey(realm)}`] = this.now();
    void this.store.promptedAt.set(this.promptedAt).catch(() => undefined);
  }

  /** HTTPS: bind to the certificate the tab saw, and re-check it on later page loads (mutual-protocol §3.7). */
  private scheduleCertificateCheck(tabId: number, url: string, key: string): void {
    // Network.getCertificate does not answer while the document response is paused: ask after releasing it.
    setTimeout(() => {
      void (async () => {
        const seen = await this.learnBinding(tabId, url);
        const s = this.host.client.state.sessions[key];
        if (!seen || !s?.keys) return;
        if (bytesToHex(seen) !== s.keys.vh) {
          this.host.client.logout(s.server, s.realm, false);
          this.host.persistSoon();
          this.fail(tabId, url, 'server-failed', 'ERR_MUTUAL_SERVER_AUTH',
            'the server presented a different TLS certificate than the one this session was bound to (tls-server-end-point)');
          await this.port.navigate(tabId, this.warningUrl(tabId));
        }
      })().catch(() => undefined);
    }, 0);
  }

  // ------------------------------------------------------------------ the non-blocking observer

  /**
   * webRequest.onHeadersReceived on every tab: a Mutual challenge (or an optional one) on a tab that is not
   * intercepted yet → attach, then either reload (we know this realm) or show the login UI / "available".
   */
  async onObservedResponse(d: { tabId: number; url: string; statusCode: number; type: string; headers: HeaderEntry[] }): Promise<void> {
    if (d.tabId < 0) return;
    if (this.interceptor.isAttached(d.tabId)) {
      note(`observed ${d.tabId} ${d.type} ${d.url} ${d.statusCode} (attached)`);
      return;
    }
    const h = headerRecord(d.headers);
    const mutual = (d.statusCode === 401 && (h['www-authenticate'] ?? []).some(isMutualChallenge))
      || (h['optional-www-authenticate'] ?? []).some(isMutualChallenge);
    if (!mutual) return;
    const https = d.url.startsWith('https:');
    const attached = await this.interceptor.attach(d.tabId, { network: https });
    const t = this.tab(d.tabId);
    t.attached = attached;
    if (!attached) {
      note(`observed ${d.tabId} ${d.url}: could not attach${this.interceptor.lastError ? `: ${this.interceptor.lastError(d.tabId)}` : ''}`);
      return;
    }
    const mainFrame = d.type === 'main_frame';
    if (mainFrame) t.url = d.url;
    const seq: RequestSequence = { url: d.url, server: serverOfUrl(d.url) ?? '', subRequest: !mainFrame, step: 'normal', sent: 1, kexTried: [] };
    const action = this.host.client.handleResponse(seq, { status: d.statusCode, headers: h });
    this.host.persistSoon();
    note(`observed ${d.tabId} ${d.type} ${d.url} ${d.statusCode} -> ${action.type}`);
    const knownRealm = (l: LoginRequest) => {
      const s = this.host.client.state.sessions[sessionKey(l.server, l.realm)];
      return s?.keys !== undefined || this.host.client.credentialFor(l.realm) !== undefined;
    };
    // The first request went out bare (the debugger was not attached yet: browser-notes "design for it").
    // A load under interception is needed to authenticate — and, over HTTPS, to record the certificate.
    const reloadOnce = () => {
      const now = this.now();
      if (t.lastAutoReload !== undefined && now - t.lastAutoReload < AUTO_RELOAD_INTERVAL_MS) return false;
      t.lastAutoReload = now;
      this.saveTabs();
      void this.port.reload(d.tabId).catch(() => undefined);
      return true;
    };
    switch (action.type) {
      case 'send':
        reloadOnce();
        return;
      case 'login-required':
        if (knownRealm(action.login)) {
          reloadOnce();
          return;
        }
        this.requireLogin(d.tabId, action.login, action.redirect, mainFrame);
        if (https && mainFrame) reloadOnce();
        return;
      case 'unauthenticated':
        if (action.loginAvailable) {
          if (knownRealm(action.loginAvailable)) {
            reloadOnce();
            return;
          }
          this.offerLogin(d.tabId, action.loginAvailable);
          this.setState(d.tabId, 'available');
          if (https && mainFrame) reloadOnce();
        }
        return;
      case 'declined':
        // Over HTTPS the certificate is recorded only for loads after attaching: load once more.
        if (https && mainFrame && reloadOnce()) return;
        this.fail(d.tabId, d.url, 'declined', action.error.code, action.error.message);
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ user actions (extension pages only)

  /**
   * The user typed a username and password for the tab's login: derive pi (the password goes no further),
   * run the key exchange from the service worker, then reload the tab so it loads authenticated.
   */
  async login(tabId: number, username: string, password: string, shown: LoginTarget): Promise<LoginOutcome> {
    const l = this.logins.get(tabId);
    const t = this.tabs.get(tabId);
    if (!l || !t?.login) return { result: 'error', message: 'There is no login waiting for this tab. Reload the page and try again.' };
    // The credentials go only to the login the user was shown: a page can navigate the tab (and so replace the
    // pending login) while the user types.
    if (shown.server !== l.server) {
      return { result: 'error', message: 'The page changed to another site while you were typing; nothing was sent. Check the site shown and log in again.' };
    }
    if (shown.realm !== l.realm.realm || shown.algorithm !== l.realm.algorithm || shown.authScope !== l.realm.authScope) {
      return { result: 'error', message: 'The page asked for another login while you were typing; nothing was sent. Check the realm shown and log in again.' };
    }
    const cred = await prepareCredential(l.realm, username, password);
    if (!cred.ok) return { result: 'error', message: cred.error.message };
    if (!this.interceptor.isAttached(tabId)) {
      t.attached = await this.interceptor.attach(tabId, { network: l.url.startsWith('https:') });
    }
    let tls: Uint8Array | undefined;
    if (l.url.startsWith('https:') && l.validation === 'tls-server-end-point') {
      tls = await this.learnBinding(tabId, l.url);
      if (!tls && this.interceptor.networkEnabled(tabId)) {
        // The certificate is recorded only for loads after Network.enable: load once more, then read it.
        await this.port.reload(tabId);
        await this.port.waitForLoad(tabId, 10_000);
        tls = await this.learnBinding(tabId, l.url);
      }
      if (!tls) {
        return {
          result: 'declined',
          message: 'The certificate of this HTTPS site is not known to the extension yet, so tls-server-end-point cannot be computed. Reload the page and try again.',
        };
      }
    }
    const client = this.host.client;
    client.addCredential(cred.value);
    const ctx = tls ? { tlsServerEndPoint: tls } : {};
    const { seq } = client.beginRequest(l.url, ctx);
    let action: ClientAction = client.resume(seq, l);
    for (let hop = 0; hop < MAX_HOPS && action.type === 'send'; hop++) {
      await this.host.persist();
      let res: FetchedResponse;
      try {
        res = await this.port.fetch(l.url, { method: 'GET', headers: [], ...(action.authorization !== undefined ? { authorization: action.authorization } : {}) });
      } catch (e) {
        return { result: 'error', message: `Could not reach ${hostOf(l.url)}: ${String(e)}` };
      }
      if (res.status === 0) return this.finishLoginInTab(tabId, t, l);
      action = client.handleResponse(seq, { status: res.status, headers: headerRecord(res.headers), ...ctx });
    }
    this.host.persistSoon();
    switch (action.type) {
      case 'verified': {
        const key = sessionKey(action.session.server, action.session.realm);
        const s = client.state.sessions[key];
        delete t.login;
        this.logins.delete(tabId);
        t.sessionKey = key;
        // Not "verified" yet: the tab still shows the page it had; the reload's verified response says so.
        this.saveTabs();
        await this.host.persist();
        void this.port.reload(tabId).catch(() => undefined);
        const held = client.credentialFor(l.realm) !== undefined;
        return { result: 'verified', session: s ? sessionView(key, s, held) : sessionView(key, placeholder(action.session.server, l), held) };
      }
      case 'login-required': {
        t.login = loginView(tabId, action.login, t.login.optional, t.login.cancelLocation);
        this.logins.set(tabId, action.login);
        this.saveTabs();
        const channel = l.validation === 'tls-server-end-point'
          ? ' If you are sure they are right, the connection may be intercepted: the server bound the login to a different TLS certificate than the one this browser sees (tls-server-end-point).'
          : '';
        return { result: 'wrong-credentials', message: `${hostOf(l.url)} did not accept this username or password.${channel}` };
      }
      case 'server-failed':
        await this.suspendRealm(action.server, action.realm ?? l.realm);
        this.fail(tabId, l.url, 'server-failed', action.error.code, action.error.message);
        void this.port.navigate(tabId, this.warningUrl(tabId)).catch(() => undefined);
        return { result: 'server-failed', message: action.error.message };
      case 'declined':
        this.fail(tabId, l.url, 'declined', action.error.code, action.error.message);
        return { result: 'declined', message: action.error.message };
      case 'unauthenticated':
        return { result: 'error', message: `${hostOf(l.url)} did not ask for authentication any more.` };
      case 'send':
        return { result: 'error', message: 'Too many round trips; the login was abandoned.' };
    }
  }

  /**
   * The login's own fetch() got an opaque redirect (see FetchedResponse): nothing can be checked from the worker,
   * and nothing failed. The pi is added (and the session keyed, if the redirect answered the req-VFY-C): reload
   * the tab so that its own request finishes the login where the interceptor sees the headers, and report what
   * that load showed.
   */
  private async finishLoginInTab(tabId: number, t: TabRecord, l: LoginRequest): Promise<LoginOutcome> {
    delete t.login;
    this.logins.delete(tabId);
    this.saveTabs();
    await this.host.persist();
    note(`login ${tabId} ${l.url}: redirected (opaque); finishing in the tab`);
    await this.port.reload(tabId).catch(() => undefined);
    await this.port.waitForLoad(tabId, 15_000);
    const after = this.tabs.get(tabId);
    const key = after?.sessionKey;
    const s = key === undefined ? undefined : this.host.client.state.sessions[key];
    if (after?.state === 'verified' && key !== undefined && s) {
      return { result: 'verified', session: sessionView(key, s, this.host.client.credentialFor(s.realm) !== undefined) };
    }
    if (after?.state === 'failed' && after.lastFailure) return { result: 'server-failed', message: after.lastFailure.message };
    if (after?.login?.reason === 'auth-failed') return { result: 'wrong-credentials', message: `${hostOf(l.url)} did not accept this username or password.` };
    return {
      result: 'error',
      message: `${hostOf(l.url)} answered the login with a redirect, which the extension can only check in the page itself: the page was reloaded, but it has not confirmed the server yet. Watch the toolbar icon.`,
    };
  }

  /** RFC 8053 §4.3: Cancel goes to location-when-unauthenticated, if the server gave one. */
  async cancelLogin(tabId: number): Promise<{ location?: string }> {
    const t = this.tabs.get(tabId);
    const location = t?.login?.cancelLocation;
    if (t?.login && !t.login.optional) {
      t.login = { ...t.login, optional: true };
      delete t.login.cancelLocation;
      this.saveTabs();
    }
    if (location !== undefined) {
      await this.port.navigate(tabId, location).catch(() => undefined);
      return { location };
    }
    return {};
  }

  offeredLogin(tabId: number): LoginView | null {
    return this.tabs.get(tabId)?.login ?? null;
  }

  /**
   * Log out (RFC 8120 §10.2 step 14 / RFC 8053 §4.5): drop the realm's session keys and its pi. The engine would
   * hand the pi back for a "remember me" feature; this extension has none, so it is forgotten.
   */
  async logout(key: string, tabId?: number): Promise<{ location?: string }> {
    const s = this.host.client.state.sessions[key];
    if (!s) return {};
    const out = this.host.client.logout(s.server, s.realm, true);
    await this.host.persist();
    // The reload below must not pop the login UI right back up.
    this.suppressPrompt(s.server, s.realm);
    for (const [id, t] of this.tabs) {
      if (t.sessionKey !== key) continue;
      delete t.sessionKey;
      this.setState(id, 'available');
      if (out.location !== undefined) void this.port.navigate(id, out.location).catch(() => undefined);
      else void this.port.reload(id).catch(() => undefined);
    }
    if (tabId !== undefined && out.location !== undefined && this.tabs.get(tabId)?.sessionKey === undefined) {
      void this.port.navigate(tabId, out.location).catch(() => undefined);
    }
    return out;
  }

  // ------------------------------------------------------------------ views

  sessions(): SessionView[] {
    const st = this.host.client.state;
    return Object.entries(st.sessions).map(([k, s]) => sessionView(k, s, st.credentials[realmKey(s.realm)] !== undefined));
  }

  tabStatus(tabId: number): TabStatusView {
    const t = this.tabs.get(tabId);
    const v: TabStatusView = { tabId, state: t?.state ?? 'none', requestsVerified: t?.requestsVerified ?? 0 };
    if (!t) return v;
    if (t.url !== undefined) {
      v.url = t.url;
      v.host = hostOf(t.url);
    }
    const st = this.host.client.state;
    const key = t.sessionKey;
    const s = key === undefined ? undefined : st.sessions[key];
    if (key !== undefined && s) v.session = sessionView(key, s, st.credentials[realmKey(s.realm)] !== undefined);
    if (t.login) v.login = t.login;
    if (t.lastFailure) v.lastFailure = t.lastFailure;
    return v;
  }

  /**
   * May the document at `pageUrl` in this tab show the verified indicator? Only while the tab is verified,
   * the session is live, and the page belongs to that session (server and paths) — so a page the interceptor
   * never saw cannot borrow the state. The personal phrase is never part of this answer: it goes only to the
   * indicator's own extension frame ({@link indicatorFrame}), never into the page's DOM.
   */
  async indicator(tabId: number, pageUrl?: string): Promise<IndicatorView> {
    const t = this.tabs.get(tabId);
    const key = t?.sessionKey;
    const s = key === undefined ? undefined : this.host.client.state.sessions[key];
    if (!t || t.state !== 'verified' || !s?.keys) return { show: false };
    const url = pageUrl ?? t.url;
    if (url === undefined || !this.pageInSession(s, url)) return { show: false };
    return { show: true, host: hostOf(url), realm: s.realm.realm, username: s.username };
  }

  /** What the indicator frame (an extension page inside the verified tab) shows, with the personal phrase. */
  async indicatorFrame(tabId: number, tabUrl: string | undefined): Promise<IndicatorView> {
    if (tabUrl === undefined) return { show: false };
    const v = await this.indicator(tabId, tabUrl);
    return v.show ? { ...v, phrase: await this.local.phrase.get() } : v;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

function placeholder(server: string, l: LoginRequest): ClientSession {
  return { server, realm: l.realm, validation: l.validation, username: '', paths: [], requestsVerified: 0 };
}

/** Headers for a fulfilled replay: the body was decoded by fetch(), so drop the transfer framing. */
function replayHeaders(h: readonly HeaderEntry[]): HeaderEntry[] {
  const drop = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
  return h.filter((e) => !drop.has(e.name.toLowerCase()));
}
