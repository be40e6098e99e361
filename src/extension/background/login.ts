/**
 * Logins: the pending login of each tab — held here and in `storage.session`, nowhere else, so a login the
 * popup shows is still there after a service-worker restart (issue 7 item 7) — and the login the background
 * runs itself when the user submits the login UI: derive pi (the password goes no further), run the key
 * exchange from the worker, reload the tab. Automatic prompts go through prompts.ts (rule R6).
 *
 * While the user types, the exchange's password-free half is done ahead (issue 10): when a login is asked for
 * or offered, S_c1/K_c1 are prepared in the engine (memory only, used once by the next key exchange of that
 * algorithm) and the arithmetic is warmed, so the click → verified path holds only pi, z and the two hashes.
 */
import { getAlgorithm } from '../../crypto/algorithms.ts';
import { warm } from '../../crypto/precompute.ts';
import type { ClientAction, LoginRequest } from '../../protocol/client.ts';
import { prepareCredential } from '../../protocol/credentials.ts';
import { sessionKey, type ClientSession } from '../../protocol/state.ts';
import type { EngineHost } from './engine.ts';
import { headerRecord, type Interceptor } from './interceptors/interceptor.ts';
import type { BrowserPort, FetchedResponse } from './platform.ts';
import type { Prompts } from './prompts.ts';
import type { PendingLogin, SessionStore } from './storage.ts';
import type { Tabs } from './tabs.ts';
import type { TlsBindings } from './tls.ts';
import { note } from './trace.ts';
import { hostOf } from './urls.ts';
import { sessionView } from './views.ts';
import type { LoginOutcome, LoginTarget, LoginView } from '../shared/messages.ts';

const MAX_HOPS = 6;

export function loginView(tabId: number, l: LoginRequest, optional: boolean, cancelLocation?: string, askedBy?: string): LoginView {
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
  if (askedBy !== undefined) v.askedBy = askedBy;
  return v;
}

/** What login.ts needs from the rest of the background. */
export interface LoginDeps {
  host: EngineHost;
  store: SessionStore;
  tabs: Tabs;
  prompts: Prompts;
  interceptor: Interceptor;
  port: BrowserPort;
  tls: TlsBindings;
  /** Log out of a realm whose server failed (logout.ts). */
  suspendRealm(server: string, realm: ClientSession['realm'] | undefined): Promise<void>;
  warningUrl(tabId: number): string;
}

export class Logins {
  private pending: Record<string, PendingLogin> = {};

  constructor(private readonly d: LoginDeps) {}

  async load(): Promise<void> {
    this.pending = await this.d.store.logins.get();
  }

  private save(): void {
    void this.d.store.logins.set(this.pending).catch(() => undefined);
  }

  /** The login the tab waits for (or offers), as the UI shows it. */
  view(tabId: number): LoginView | undefined {
    return this.pending[tabId]?.view;
  }

  drop(tabId: number): void {
    if (this.pending[tabId] === undefined) return;
    delete this.pending[tabId];
    this.save();
    // No login waits any more: no prepared secret stays behind for one.
    if (Object.keys(this.pending).length === 0) this.d.host.client.discardPreparedKex();
  }

  private set(tabId: number, p: PendingLogin): void {
    this.pending[tabId] = p;
    this.save();
  }

  /**
   * The login UI shows (or offers) this login: off the current turn — the request or message that brought it is
   * answered first — warm the algorithm's arithmetic and prepare S_c1/K_c1 for its key exchange, unless the
   * tab's login is gone by then (cancelled, done, tab closed).
   */
  private prepare(tabId: number, l: LoginRequest): void {
    const alg = getAlgorithm(l.realm.algorithm);
    if (!alg) return;
    setTimeout(() => {
      if (this.pending[tabId]?.request.realm.algorithm !== l.realm.algorithm) return;
      void warm(alg);
      this.d.host.client.prepareKex(alg.name);
    }, 0);
  }

  /** Offer a login (optional authentication, sub-requests, suppressed prompts): "login available". */
  offer(tabId: number, l: LoginRequest, askedBy?: string): void {
    const cur = this.pending[tabId];
    if (cur && !cur.view.optional) return;
    this.set(tabId, { view: loginView(tabId, l, true, undefined, askedBy), request: l });
    this.prepare(tabId, l);
  }

  /**
   * The site's own document asked for a login. Only a top-level document's challenge may open the login UI
   * (RFC 8120 §10.1: sub-requests never ask by themselves), and only within the prompt limits.
   */
  require(tabId: number, l: LoginRequest, redirect: string | undefined, mainFrame: boolean, askedBy?: string): void {
    const t = this.d.tabs.get(tabId);
    if (!mainFrame || !l.interactive) {
      if (t.state === 'none' || mainFrame) {
        this.offer(tabId, l, askedBy);
        this.d.tabs.setState(tabId, 'available');
      }
      return;
    }
    this.set(tabId, { view: loginView(tabId, l, false, redirect, askedBy), request: l });
    this.prepare(tabId, l);
    this.d.tabs.setState(tabId, 'available');
    if (this.d.prompts.take(l.server, l.realm)) {
      note(`prompt ${tabId} ${l.url}`);
      void this.d.port.openLoginUi(tabId).catch(() => undefined);
    } else {
      note(`prompt ${tabId} ${l.url}: suppressed (limit); login available on the icon`);
    }
  }

  /** RFC 8053 §4.3: Cancel goes to location-when-unauthenticated, if the server gave one. */
  async cancel(tabId: number): Promise<{ location?: string }> {
    const p = this.pending[tabId];
    const location = p?.view.cancelLocation;
    // The user declined: the prepared exchange is not kept for a login nobody is typing.
    this.d.host.client.discardPreparedKex();
    if (p && !p.view.optional) {
      const view = { ...p.view, optional: true };
      delete view.cancelLocation;
      this.set(tabId, { ...p, view });
    }
    if (location !== undefined) {
      await this.d.port.navigate(tabId, location).catch(() => undefined);
      return { location };
    }
    return {};
  }

  /**
   * The user typed a username and password for the tab's login: derive pi (the password goes no further),
   * run the key exchange from the service worker, then reload the tab so it loads authenticated.
   */
  async login(tabId: number, username: string, password: string, shown: LoginTarget): Promise<LoginOutcome> {
    const { host, tabs, interceptor, port } = this.d;
    const p = this.pending[tabId];
    if (!p) return { result: 'error', code: 'ERR_LOGIN_NONE_PENDING', message: 'There is no login waiting for this tab. Reload the page and try again.' };
    const l = p.request;
    // The credentials go only to the login the user was shown: a page can navigate the tab (and so replace the
    // pending login) while the user types.
    if (shown.server !== l.server) {
      return { result: 'error', code: 'ERR_LOGIN_SITE_CHANGED', message: 'The page changed to another site while you were typing; nothing was sent. Check the site shown and log in again.' };
    }
    if (shown.realm !== l.realm.realm || shown.algorithm !== l.realm.algorithm || shown.authScope !== l.realm.authScope) {
      return { result: 'error', code: 'ERR_LOGIN_REALM_CHANGED', message: 'The page asked for another login while you were typing; nothing was sent. Check the realm shown and log in again.' };
    }
    const cred = await prepareCredential(l.realm, username, password);
    if (!cred.ok) return { result: 'error', code: 'ERR_LOGIN_BAD_INPUT', message: cred.error.message };
    const t = tabs.get(tabId);
    if (!interceptor.isAttached(tabId)) {
      t.attached = await interceptor.attach(tabId, { network: l.url.startsWith('https:') });
    }
    let tls: Uint8Array | undefined;
    if (l.url.startsWith('https:') && l.validation === 'tls-server-end-point') {
      tls = this.d.tls.get(tabId, l.url) ?? await this.d.tls.learn(tabId, l.url);
      if (!tls && interceptor.networkEnabled(tabId)) {
        // The certificate is recorded only for loads after Network.enable: load once more, then read it.
        await port.reload(tabId);
        await port.waitForLoad(tabId, 10_000);
        tls = await this.d.tls.learn(tabId, l.url);
      }
      if (!tls) {
        return {
          result: 'declined',
          code: 'ERR_LOGIN_CERTIFICATE_UNKNOWN',
          message: 'The certificate of this HTTPS site is not known to the extension yet, so tls-server-end-point cannot be computed. Reload the page and try again.',
        };
      }
    }
    const client = host.client;
    const ctx = tls ? { tlsServerEndPoint: tls } : {};
    // The sequence first, the credential after: begun with the credential known (a retry after a wrong password
    // keeps the realm's session record), the engine would start a key exchange of its own that this login
    // discards — spending the prepared S_c1/K_c1 on it and computing another for the exchange sent below.
    const { seq } = client.beginRequest(l.url, ctx);
    client.addCredential(cred.value);
    let action: ClientAction = client.resume(seq, l);
    for (let hop = 0; hop < MAX_HOPS && action.type === 'send'; hop++) {
      await host.persist();
      let res: FetchedResponse;
      try {
        res = await port.fetch(l.url, { method: 'GET', headers: [], ...(action.authorization !== undefined ? { authorization: action.authorization } : {}) });
      } catch (e) {
        return { result: 'error', code: 'ERR_LOGIN_UNREACHABLE', message: `Could not reach ${hostOf(l.url)}: ${String(e)}` };
      }
      if (res.status === 0) return this.finishInTab(tabId, l);
      action = client.handleResponse(seq, { status: res.status, headers: headerRecord(res.headers), ...ctx });
    }
    host.persistSoon();
    switch (action.type) {
      case 'verified': {
        const key = sessionKey(action.session.server, action.session.realm);
        const s = client.state.sessions[key];
        this.drop(tabId);
        // Not "verified" yet: the tab still shows the page it had; the reload's verified document says so.
        await host.persist();
        void port.reload(tabId).catch(() => undefined);
        const held = client.credentialFor(l.realm) !== undefined;
        return { result: 'verified', code: 'OK_VERIFIED', session: sessionView(key, s ?? placeholder(action.session.server, l), held) };
      }
      case 'login-required': {
        this.set(tabId, { view: loginView(tabId, action.login, p.view.optional, p.view.cancelLocation, p.view.askedBy), request: action.login });
        // The attempt used the prepared exchange: prepare the next one while the user types again.
        this.prepare(tabId, action.login);
        const channel = l.validation === 'tls-server-end-point';
        return {
          result: 'wrong-credentials',
          code: channel ? 'ERR_LOGIN_WRONG_CREDENTIALS_TLS' : 'ERR_LOGIN_WRONG_CREDENTIALS',
          message: `${hostOf(l.url)} did not accept this username or password.${channel
            ? ' If you are sure they are right, the connection may be intercepted: the server bound the login to a different TLS certificate than the one this browser sees (tls-server-end-point).'
            : ''}`,
        };
      }
      case 'server-failed':
        // The login's own exchange: a request the extension authenticated (rule R4).
        await this.d.suspendRealm(action.server, action.realm ?? l.realm);
        tabs.fail(tabId, l.url, 'server-failed', action.error.code, action.error.message);
        void port.navigate(tabId, this.d.warningUrl(tabId)).catch(() => undefined);
        return { result: 'server-failed', code: 'ERR_LOGIN_SERVER_FAILED', message: action.error.message, detail: action.error.code };
      case 'declined':
        tabs.fail(tabId, l.url, 'declined', action.error.code, action.error.message);
        return { result: 'declined', code: 'ERR_LOGIN_DECLINED', message: action.error.message, detail: action.error.code };
      case 'unauthenticated':
        return { result: 'error', code: 'ERR_LOGIN_NOT_ASKED', message: `${hostOf(l.url)} did not ask for authentication any more.` };
      case 'send':
        return { result: 'error', code: 'ERR_LOGIN_TOO_MANY_ROUND_TRIPS', message: 'Too many round trips; the login was abandoned.' };
    }
  }

  /**
   * The login's own fetch() got an opaque redirect (see FetchedResponse): nothing can be checked from the worker,
   * and nothing failed. The pi is added (and the session keyed, if the redirect answered the req-VFY-C): reload
   * the tab so that its own request finishes the login where the interceptor sees the headers, and report what
   * that load showed.
   */
  private async finishInTab(tabId: number, l: LoginRequest): Promise<LoginOutcome> {
    const { host, tabs, port } = this.d;
    this.drop(tabId);
    await host.persist();
    note(`login ${tabId} ${l.url}: redirected (opaque); finishing in the tab`);
    await port.reload(tabId).catch(() => undefined);
    await port.waitForLoad(tabId, 15_000);
    const after = tabs.peek(tabId);
    const key = after?.sessionKey ?? after?.expect?.sessionKey;
    const s = key === undefined ? undefined : host.client.state.sessions[key];
    if ((after?.state === 'verified' || after?.expect) && key !== undefined && s) {
      return { result: 'verified', code: 'OK_VERIFIED', session: sessionView(key, s, host.client.credentialFor(s.realm) !== undefined) };
    }
    if (after?.state === 'failed' && after.lastFailure) {
      return { result: 'server-failed', code: 'ERR_LOGIN_SERVER_FAILED', message: after.lastFailure.message, detail: after.lastFailure.code };
    }
    if (this.view(tabId)?.reason === 'auth-failed') {
      return { result: 'wrong-credentials', code: 'ERR_LOGIN_WRONG_CREDENTIALS', message: `${hostOf(l.url)} did not accept this username or password.` };
    }
    return {
      result: 'error',
      code: 'ERR_LOGIN_UNCONFIRMED_REDIRECT',
      message: `${hostOf(l.url)} answered the login with a redirect, which the extension can only check in the page itself: the page was reloaded, but it has not confirmed the server yet. Watch the toolbar icon.`,
    };
  }
}

function placeholder(server: string, l: LoginRequest): ClientSession {
  return { server, realm: l.realm, validation: l.validation, username: '', paths: [], requestsVerified: 0 };
}
