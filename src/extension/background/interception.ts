/**
 * Interception: what each intercepted request carries (through authorize.ts, the one decision procedure) and
 * what each response means — verified (for the document that commits), login needed, server failed — plus the
 * transparent retry the engine may need (401-STALE re-key, 401-KEX-S1 → req-VFY-C).
 * Rules (docs/threat-model.md): R1 foreign requests go out bare and their responses pass untouched; R4 only a
 * response to a request the extension authenticated can suspend a realm, a response whose headers were
 * withheld is blocked, and a top-level 5xx without Authentication-Info inside a session is replaced by a
 * neutral page; deciding that throws blocks the request (the adapter turns a rejection into a block).
 */
import type { ClientAction, RequestSequence, ResponseInput } from '../../protocol/client.ts';
import { realmFromKey, sessionKey } from '../../protocol/state.ts';
import { bytesToHex } from '../../bytes.ts';
import { isOwnRequest, isTopLevelNavigation, mayCarry, mayCarryAny } from './authorize.ts';
import type { EngineHost } from './engine.ts';
import {
  headerRecord, type HeaderEntry, type InterceptedRequest, type InterceptedResponse, type RequestVerdict, type ResponseVerdict,
} from './interceptors/interceptor.ts';
import type { Logins } from './login.ts';
import type { Logout } from './logout.ts';
import type { BrowserPort, FetchedResponse } from './platform.ts';
import type { Tabs } from './tabs.ts';
import type { TlsBindings } from './tls.ts';
import { note } from './trace.ts';
import { serverOfUrl } from './urls.ts';
import type { MessageKey, Translate } from '../shared/translate.ts';

/** No automatic reload of a tab more often than this (no retry loops). */
export const AUTO_RELOAD_INTERVAL_MS = 10_000;
const MAX_HOPS = 6;

/** The pages the background serves in place of a document: a title and a sentence (catalogue keys). */
const PAGES = {
  blocked: ['pageBlocked_title', 'pageBlocked_body'],
  checking: ['pageChecking_title', 'pageChecking_body'],
  serverError: ['pageServerError_title', 'pageServerError_body'],
} as const satisfies Record<string, readonly [MessageKey, MessageKey]>;

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** One of {@link PAGES} as an HTML body, in the browser's UI language. */
export function servedPage(text: Translate, which: keyof typeof PAGES): Uint8Array {
  const [title, body] = PAGES[which].map((k) => escapeHtml(text(k)));
  return new TextEncoder().encode(`<!doctype html><html lang="${escapeHtml(text('lang'))}"><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
    + `<title>${title}</title><main style="font:16px system-ui,sans-serif;max-width:40em;margin:3em auto"><h1 style="font-size:1.3em">${title}</h1><p>${body}</p></main></html>`);
}
const HTML: HeaderEntry[] = [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }, { name: 'Cache-Control', value: 'no-store' }];

/** How the request was sent, kept until its response: decides what the response may change. */
type Sent =
  /** Carried a session (or a key exchange): the response must prove the server. */
  | { kind: 'authenticated'; seq: RequestSequence }
  /** The site's own request without a session: its response may show a challenge. */
  | { kind: 'plain'; seq: RequestSequence }
  /** Another site's request (or an unknown requester): passed through, never read. */
  | { kind: 'foreign' };

export interface InterceptionDeps {
  host: EngineHost;
  tabs: Tabs;
  logins: Logins;
  logout: Logout;
  tls: TlsBindings;
  port: BrowserPort;
  now: () => number;
  warningUrl(tabId: number): string;
}

export class Interception {
  /** Requests without a session, by `${tabId}:${id}` (authenticated ones are in the engine host's pending map). */
  private readonly plain = new Map<string, Sent>();

  constructor(private readonly d: InterceptionDeps) {}

  async onRequest(r: InterceptedRequest): Promise<RequestVerdict> {
    const { host, tabs, tls } = this.d;
    const key = `${r.tabId}:${r.id}`;
    if (r.mainFrame) {
      tls.onTopLevelRequest(r.tabId, tabs.peek(r.tabId)?.url, r.url);
      tabs.startNavigation(r.tabId, r.url);
    }
    if (!mayCarryAny(r, host.client.state)) {
      // Rule R1: a request that cannot carry any session of its server. If it is the site's own (a plain
      // request of a page of that origin), its response may still carry a challenge worth reading.
      if (isOwnRequest(r)) this.plain.set(key, { kind: 'plain', seq: this.plainSequence(r) });
      else this.plain.set(key, { kind: 'foreign' });
      note(`req ${r.tabId} ${kind(r)} ${r.url} -> ${isOwnRequest(r) ? 'normal' : 'foreign'}`);
      return { kind: 'continue' };
    }
    const binding = tls.get(r.tabId, r.url);
    const { seq, action } = host.client.beginRequest(r.url, { subRequest: !r.mainFrame, ...(binding ? { tlsServerEndPoint: binding } : {}) });
    if (action.type === 'send' && action.authorization !== undefined) {
      const realm = seq.verify?.realm ?? seq.kex?.realm;
      if (realm === undefined || !mayCarry(r, realmFromKey(realm).authScope)) {
        // The realm the engine picked does not cover the requester: bare (a nonce number is skipped, allowed).
        this.plain.set(key, { kind: 'foreign' });
        host.persistSoon();
        note(`req ${r.tabId} ${kind(r)} ${r.url} -> foreign (outside the realm's scope)`);
        return { kind: 'continue' };
      }
      host.track(key, r.tabId, seq);
      note(`req ${r.tabId} ${kind(r)} ${r.url} -> ${action.message}`);
      // The nonce number is on storage before it is on the wire. For a document, the in-flight sequence too:
      // after a worker restart it tells that this tab's load was stranded (see the CDP recovery). A failed
      // write rejects: the adapter blocks the request.
      try {
        await host.persist(r.mainFrame);
      } catch (e) {
        host.untrack(key);
        throw e;
      }
      return { kind: 'continue', authorization: action.authorization };
    }
    this.plain.set(key, isOwnRequest(r) ? { kind: 'plain', seq } : { kind: 'foreign' });
    host.persistSoon();
    note(`req ${r.tabId} ${kind(r)} ${r.url} -> normal`);
    return { kind: 'continue' };
  }

  async onResponse(r: InterceptedResponse): Promise<ResponseVerdict> {
    const { host, tls } = this.d;
    const key = `${r.tabId}:${r.id}`;
    const pending = host.pending.get(key);
    const sent: Sent = pending ? { kind: 'authenticated', seq: pending.seq } : this.plain.get(key) ?? this.unseen(r);
    this.plain.delete(key);
    if (sent.kind === 'foreign') {
      note(`res ${r.tabId} ${kind(r)} ${r.url} ${r.status} -> foreign, untouched`);
      return { kind: 'continue' };
    }
    if (sent.kind === 'authenticated' && r.headersWithheld) {
      // Rule R4: the browser hid the headers (opaque response): nothing to check, and not the server's fault.
      host.untrack(key);
      note(`res ${r.tabId} ${kind(r)} ${r.url}: headers withheld by the browser; blocked`);
      return { kind: 'block' };
    }
    const seq = sent.seq;
    const binding = (r.certificate ? tls.fromCertificate(r.tabId, r.url, r.certificate) : undefined) ?? tls.get(r.tabId, r.url);
    const input: ResponseInput = { status: r.status, headers: headerRecord(r.responseHeaders), ...(binding ? { tlsServerEndPoint: binding } : {}) };
    // The realm this sequence authenticates for, read before the engine ends the sequence (see suspendRealm).
    let sentRealm = seq.verify?.realm ?? seq.kex?.realm;
    let action = host.client.handleResponse(seq, input);
    let authenticated = sent.kind === 'authenticated';
    let replaced: FetchedResponse | undefined;
    // The engine wants another round trip (401-STALE → silent re-key, 401-INIT of a known realm, 401-KEX-S1 →
    // req-VFY-C): the paused request cannot be re-sent through the adapter, so the worker sends it and fulfils
    // the tab's request with the final answer — GET/HEAD only, and only for a request that may carry the realm
    // (never another site's: the worker's fetch would reach the server as a same-site, user-initiated request).
    for (let hop = 0; hop < MAX_HOPS && action.type === 'send'; hop++) {
      const realm = seq.verify?.realm ?? seq.kex?.realm;
      if ((r.method !== 'GET' && r.method !== 'HEAD') || realm === undefined || !mayCarry(r, realmFromKey(realm).authScope)) {
        action = { type: 'unauthenticated' };
        break;
      }
      host.track(key, r.tabId, seq);
      authenticated = true;
      sentRealm = realm;
      await host.persist();
      try {
        replaced = await this.d.port.fetch(r.url, {
          method: r.method,
          headers: r.headers,
          ...(action.authorization !== undefined ? { authorization: action.authorization } : {}),
        });
      } catch (e) {
        host.untrack(key);
        this.d.tabs.fail(r.tabId, r.url, 'declined', 'ERR_EXT_NETWORK', `could not fetch it again from the server: ${e instanceof Error ? e.message : String(e)}`);
        return { kind: 'block' };
      }
      if (replaced.status === 0) {
        // An opaque redirect (see FetchedResponse): this answer cannot be checked here, and nothing failed. The
        // session is keyed now, so the page's own request carries it where the interceptor sees the headers.
        host.untrack(key);
        host.persistSoon();
        note(`res ${r.tabId} ${kind(r)} ${r.url}: the replay was redirected (opaque); ${r.mainFrame ? 'reloading' : 'blocked'}`);
        if (!r.mainFrame) return { kind: 'block' };
        this.reloadOnce(r.tabId, true);
        return { kind: 'fulfill', status: 200, headers: HTML, body: servedPage(this.d.port.text, 'checking') };
      }
      action = host.client.handleResponse(seq, { status: replaced.status, headers: headerRecord(replaced.headers), ...(binding ? { tlsServerEndPoint: binding } : {}) });
    }
    host.untrack(key);
    if (!authenticated && (action.type === 'server-failed' || action.type === 'verified')) {
      // Rule R4: nothing was sent with a session, so nothing can have been proven or failed.
      action = { type: 'unauthenticated' };
    }
    if (action.type === 'server-failed') await this.d.logout.suspendRealm(action.server, action.realm ?? (sentRealm !== undefined ? realmFromKey(sentRealm) : undefined));
    host.persistSoon();
    note(`res ${r.tabId} ${kind(r)} ${r.url} ${r.status} -> ${action.type}${replaced ? ' (replayed)' : ''}`);
    return this.outcome(r, action, replaced, authenticated);
  }

  /** The request ended without a response (network error, aborted): forget its sequence and any secrets in it. */
  onRequestFailed(r: InterceptedRequest, reason: string): void {
    const key = `${r.tabId}:${r.id}`;
    this.d.host.untrack(key);
    this.plain.delete(key);
    if (r.mainFrame) this.d.tabs.abandonNavigation(r.tabId);
    this.d.host.persistSoon();
    note(`err ${r.tabId} ${kind(r)} ${r.url} ${reason}`);
  }

  forgetTab(tabId: number): void {
    for (const k of this.plain.keys()) if (k.startsWith(`${tabId}:`)) this.plain.delete(k);
  }

  /**
   * A response whose request this worker never saw (first request of a tab, worker restart): the site's own
   * top-level document may show a challenge; anything else is treated as foreign.
   */
  private unseen(r: InterceptedRequest): Sent {
    return isOwnRequest(r) ? { kind: 'plain', seq: this.plainSequence(r) } : { kind: 'foreign' };
  }

  private plainSequence(r: InterceptedRequest): RequestSequence {
    return { url: r.url, server: serverOfUrl(r.url) ?? '', subRequest: !r.mainFrame, step: 'normal', sent: 1, kexTried: [] };
  }

  /** Reload the tab, at most once per AUTO_RELOAD_INTERVAL_MS (no loops); whether it reloads. */
  reloadOnce(tabId: number, later = false): boolean {
    const t = this.d.tabs.get(tabId);
    const now = this.d.now();
    if (t.lastAutoReload !== undefined && now - t.lastAutoReload < AUTO_RELOAD_INTERVAL_MS) return false;
    t.lastAutoReload = now;
    this.d.tabs.save();
    const go = () => void this.d.port.reload(tabId).catch(() => undefined);
    if (later) setTimeout(go, 0);
    else go();
    return true;
  }

  /** The origin of a frame's challenge, when it is not the tab's top-level site (the login UI says "asked by"). */
  private askedBy(r: InterceptedRequest): string | undefined {
    if (r.mainFrame) return undefined;
    try {
      const o = new URL(r.url).origin;
      const top = r.requester?.topOrigin;
      return top !== undefined && top !== o ? o : undefined;
    } catch {
      return undefined;
    }
  }

  private outcome(r: InterceptedResponse, action: ClientAction, replaced: FetchedResponse | undefined, authenticated: boolean): ResponseVerdict {
    const { tabs, logins } = this.d;
    const pass: ResponseVerdict = replaced
      ? { kind: 'fulfill', status: replaced.status, headers: replayHeaders(replaced.headers), body: replaced.body }
      : { kind: 'continue' };
    const t = tabs.get(r.tabId);
    switch (action.type) {
      case 'verified': {
        const key = sessionKey(action.session.server, action.session.realm);
        if (action.loggedOut) {
          // RFC 8053 logout-timeout=0: the server ended the session; this response itself was verified.
          if (r.mainFrame) {
            delete t.sessionKey;
            tabs.setState(r.tabId, 'none');
          }
          return pass;
        }
        if (r.mainFrame) {
          // Rule R3: verified when *this* document commits (tabs.onCommitted), not now.
          logins.drop(r.tabId);
          tabs.expectDocument(r.tabId, r.url, key);
          if (action.session.validation === 'tls-server-end-point' && !r.certificate) this.scheduleCertificateCheck(r.tabId, r.url, key);
        } else {
          tabs.countVerified(r.tabId);
        }
        return pass;
      }
      case 'unauthenticated': {
        if (r.mainFrame) {
          if (action.serverError && authenticated) {
            // A top-level 5xx without Authentication-Info inside a session (RFC 8120 §10.1 tolerates it): anyone on
            // the path can send one, so its body is not shown; a neutral page instead (rule R4).
            if (t.state === 'verified') tabs.setState(r.tabId, 'none');
            return { kind: 'fulfill', status: r.status >= 500 && r.status <= 599 ? r.status : 502, headers: HTML, body: servedPage(this.d.port.text, 'serverError') };
          }
          delete t.sessionKey;
          if (action.loginAvailable) {
            logins.offer(r.tabId, action.loginAvailable);
            tabs.setState(r.tabId, 'available');
          } else if (!action.serverError) {
            logins.drop(r.tabId);
            tabs.setState(r.tabId, 'none');
          } else if (t.state === 'verified') {
            tabs.setState(r.tabId, 'none');
          }
        } else if (action.serverError && authenticated) {
          // A subresource that carried Mutual authentication and came back 5xx without Authentication-Info:
          // fail closed, the page never gets the unverified body (RFC 8120 §10.1 recommends ignoring it).
          return { kind: 'block' };
        } else if (action.loginAvailable && t.state === 'none') {
          logins.offer(r.tabId, action.loginAvailable, this.askedBy(r));
          tabs.setState(r.tabId, 'available');
        }
        return pass;
      }
      case 'login-required': {
        if (r.mainFrame) delete t.sessionKey;
        logins.require(r.tabId, action.login, action.redirect, r.mainFrame, this.askedBy(r));
        return pass;
      }
      case 'server-failed': {
        tabs.fail(r.tabId, r.url, 'server-failed', action.error.code, action.error.message);
        if (r.mainFrame) {
          // The protected content never reaches the page: an inert body now, the warning page next.
          void this.d.port.navigate(r.tabId, this.d.warningUrl(r.tabId)).catch(() => undefined);
          return { kind: 'fulfill', status: 200, headers: HTML, body: servedPage(this.d.port.text, 'blocked') };
        }
        return { kind: 'block' };
      }
      case 'declined': {
        if (r.mainFrame && r.url.startsWith('https:') && !this.d.tls.get(r.tabId, r.url)) {
          // tls-server-end-point needs the certificate, which CDP gives only after this response is released:
          // let the challenge page through, then decide with the certificate.
          this.decideWithCertificate(r);
          return pass;
        }
        tabs.fail(r.tabId, r.url, 'declined', action.error.code, action.error.message);
        return pass;
      }
      case 'send':
        // Too many round trips: never let an unverified answer through as if it were verified.
        tabs.fail(r.tabId, r.url, 'server-failed', 'ERR_MUTUAL_PROTOCOL', 'too many authentication round trips for one request');
        return r.mainFrame ? { kind: 'fulfill', status: 200, headers: HTML, body: servedPage(this.d.port.text, 'blocked') } : { kind: 'block' };
    }
  }

  /** CDP: the certificate of a challenge page can be read only after its response was released. */
  private decideWithCertificate(r: InterceptedResponse): void {
    const { host, tabs, logins, tls } = this.d;
    setTimeout(() => {
      void (async () => {
        const binding = await tls.learn(r.tabId, r.url);
        const seq = this.plainSequence(r);
        const input: ResponseInput = { status: r.status, headers: headerRecord(r.responseHeaders), ...(binding ? { tlsServerEndPoint: binding } : {}) };
        const action = host.client.handleResponse({ ...seq, ...(binding ? { tlsServerEndPoint: bytesToHex(binding) } : {}) }, input);
        host.persistSoon();
        note(`res ${r.tabId} main ${r.url} ${r.status} with certificate -> ${action.type}`);
        if (action.type === 'login-required') logins.require(r.tabId, action.login, action.redirect, true);
        else if (action.type === 'unauthenticated' && action.loginAvailable) {
          logins.offer(r.tabId, action.loginAvailable);
          tabs.setState(r.tabId, 'available');
        } else if (action.type === 'declined') tabs.fail(r.tabId, r.url, 'declined', action.error.code, action.error.message);
        else if (action.type === 'send') await this.d.port.reload(r.tabId).catch(() => undefined);
      })().catch(() => undefined);
    }, 0);
  }

  /** CDP: bind to the certificate the tab saw, and re-check it after the verified response was released. */
  private scheduleCertificateCheck(tabId: number, url: string, key: string): void {
    const { host, tabs, tls } = this.d;
    // Network.getCertificate does not answer while the document response is paused: ask after releasing it.
    setTimeout(() => {
      void (async () => {
        const seen = await tls.learn(tabId, url);
        const s = host.client.state.sessions[key];
        if (!seen || !s?.keys) return;
        if (bytesToHex(seen) !== s.keys.vh) {
          host.client.logout(s.server, s.realm, false);
          host.persistSoon();
          tabs.unverify(tabId);
          tabs.fail(tabId, url, 'server-failed', 'ERR_MUTUAL_SERVER_AUTH',
            'the server presented a different TLS certificate than the one this session was bound to (tls-server-end-point)');
          await this.d.port.navigate(tabId, this.d.warningUrl(tabId));
        }
      })().catch(() => undefined);
    }, 0);
  }
}

function kind(r: InterceptedRequest): string {
  return r.mainFrame ? 'main' : r.document ? 'doc' : 'sub';
}

/** Headers for a fulfilled replay: the body was decoded by fetch(), so drop the transfer framing. */
function replayHeaders(h: readonly HeaderEntry[]): HeaderEntry[] {
  const drop = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
  return h.filter((e) => !drop.has(e.name.toLowerCase()));
}

