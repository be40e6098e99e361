/**
 * The background, assembled: each part owns one job and one piece of state (docs/architecture.md, issue 7),
 * and this class only connects them and routes browser events to the part that owns the answer.
 *   tabs.ts          tabs and toolbar state ("verified" = a committed document)
 *   authorize.ts     who gets Authorization (the decision procedure)
 *   interception.ts  each intercepted request and response
 *   observer.ts      when to start intercepting a tab
 *   login.ts         pending logins and the login exchange
 *   logout.ts        logout and the suspension of a failed realm
 *   prompts.ts       when the login UI may open by itself
 *   views.ts         what the popup, the login UI and the indicator see
 *   tls.ts           tls-server-end-point bindings
 * No browser API here: the browser is reached only through {@link BrowserPort} and the {@link Interceptor}, so
 * all of this runs in Node tests against fakes.
 */
import { realmKey } from '../../protocol/state.ts';
import { webRandom } from '../../bytes.ts';
import type { EngineHost } from './engine.ts';
import { Interception } from './interception.ts';
import type { InterceptedRequest, InterceptedResponse, Interceptor, RequestVerdict, ResponseVerdict } from './interceptors/interceptor.ts';
import { Logins } from './login.ts';
import { Logout } from './logout.ts';
import { Observer, type ObservedResponse } from './observer.ts';
import type { BrowserPort } from './platform.ts';
import { Prompts } from './prompts.ts';
import type { LocalStore, SessionStore, TabRecord } from './storage.ts';
import { Tabs } from './tabs.ts';
import { TlsBindings } from './tls.ts';
import { note } from './trace.ts';
import { serverOfUrl } from './urls.ts';
import { Views, type IndicatorSender } from './views.ts';
import type { IndicatorView, LoginOutcome, LoginTarget, LoginView, SessionView, TabStatusView } from '../shared/messages.ts';

export type { BrowserPort, FetchedResponse } from './platform.ts';
export { trace } from './trace.ts';
export { PROMPT_INTERVAL_MS, PROMPTS_PER_MINUTE } from './prompts.ts';
export { AUTO_RELOAD_INTERVAL_MS } from './interception.ts';
export { sessionView } from './views.ts';
export { loginView } from './login.ts';

export class MutualBackground {
  readonly tabs: Tabs;
  readonly prompts: Prompts;
  readonly tls: TlsBindings;
  readonly logins: Logins;
  readonly logoutPart: Logout;
  readonly interception: Interception;
  readonly observer: Observer;
  readonly views: Views;

  constructor(
    readonly host: EngineHost,
    private readonly store: SessionStore,
    local: LocalStore,
    private readonly interceptor: Interceptor,
    private readonly port: BrowserPort,
    private readonly now: () => number = Date.now,
    random: (n: number) => Uint8Array = webRandom,
  ) {
    this.tabs = new Tabs(store, port, (id) => interceptor.isAttached(id), now);
    this.prompts = new Prompts(store, now);
    this.tls = new TlsBindings(interceptor);
    this.logoutPart = new Logout(host, this.tabs, this.prompts, port);
    const warningUrl = (tabId: number) => `${port.pageUrl('pages/warning.html')}?tab=${tabId}`;
    this.logins = new Logins({
      host, store, tabs: this.tabs, prompts: this.prompts, interceptor, port, tls: this.tls, warningUrl,
      suspendRealm: (server, realm) => this.logoutPart.suspendRealm(server, realm),
    });
    this.interception = new Interception({
      host, tabs: this.tabs, logins: this.logins, logout: this.logoutPart, tls: this.tls, port, now, warningUrl,
    });
    this.observer = new Observer(host, this.tabs, this.logins, interceptor, this.interception);
    this.views = new Views(host, this.tabs, this.logins, local, random, now);
  }

  /** Load every part's state, and re-attach the tabs that were intercepted before a service-worker restart. */
  async restore(): Promise<void> {
    await Promise.all([this.tabs.load(), this.prompts.load(), this.logins.load()]);
    await Promise.all(this.tabs.entries().map(([tabId, rec]) => this.restoreTab(tabId, rec)));
    this.tabs.save();
  }

  private async restoreTab(tabId: number, rec: TabRecord): Promise<void> {
    if (!(await this.port.tabExists(tabId))) {
      this.tabs.remove(tabId);
      this.logins.drop(tabId);
      return;
    }
    if (!rec.attached) return;
    // Requests of this tab that the old worker sent with a session and never saw answered.
    const inFlight = [...this.host.pending.values()].some((p) => p.tabId === tabId);
    if (inFlight && !this.interceptor.restartStrandsRequests) {
      // The previous background died with requests of this tab unanswered. Where the adapter's requests outlive
      // it (Firefox), a response it held at the response stage was released to the page unchecked (measured:
      // docs/browser-notes.md, "held response"): the document showing now is not verified any more.
      this.tabs.unverify(tabId);
      note(`restore ${tabId}: requests in flight when the background stopped; not verified`);
    }
    const out = await this.interceptor.resume({ tabId, ...(rec.url !== undefined ? { url: rec.url } : {}), inFlight }, this.port);
    if (out.replacedBy === undefined) {
      rec.attached = out.attached;
      note(`restore ${tabId}: ${rec.attached ? 'attached' : `not attached: ${this.interceptor.lastError?.(tabId) ?? ''}`}`);
      return;
    }
    // The page now lives in a replacement tab: nothing of the old document is verified there (rule R3).
    const fresh: TabRecord = { state: rec.state === 'verified' ? 'none' : rec.state, attached: out.attached, docSeq: 0, requestsVerified: 0 };
    if (rec.url !== undefined) fresh.url = rec.url;
    if (rec.lastFailure) fresh.lastFailure = rec.lastFailure;
    this.tabs.replace(tabId, out.replacedBy, fresh);
    this.logins.drop(tabId);
    note(`restore ${tabId} → ${out.replacedBy}: ${out.attached ? 'attached' : `not attached: ${this.interceptor.lastError?.(out.replacedBy) ?? ''}`}`);
  }

  // ------------------------------------------------------------------ browser events

  onRequest(r: InterceptedRequest): Promise<RequestVerdict> {
    return this.interception.onRequest(r);
  }

  onResponse(r: InterceptedResponse): Promise<ResponseVerdict> {
    return this.interception.onResponse(r);
  }

  onRequestFailed(r: InterceptedRequest, reason: string): void {
    this.interception.onRequestFailed(r, reason);
  }

  onObservedResponse(d: ObservedResponse): Promise<void> {
    return this.observer.onResponse(d);
  }

  /** The tab's top-level document committed (webNavigation.onCommitted, frame 0). */
  onCommitted(tabId: number, url: string, documentId?: string): void {
    this.tabs.onCommitted(tabId, url, documentId);
  }

  tab(tabId: number): TabRecord {
    return this.tabs.get(tabId);
  }

  refreshIndicator(tabId: number): void {
    this.tabs.refresh(tabId);
  }

  onTabRemoved(tabId: number): void {
    this.tabs.remove(tabId);
    this.logins.drop(tabId);
    for (const [k, p] of this.host.pending) if (p.tabId === tabId) this.host.untrack(k);
    this.interception.forgetTab(tabId);
    this.tls.forgetTab(tabId);
  }

  onDetached(tabId: number, reason: string): void {
    note(`detached ${tabId} ${reason}`);
    const t = this.tabs.peek(tabId);
    if (!t) return;
    t.attached = false;
    // Nothing is checked any more (the user may have cancelled the debugging bar): the tab cannot stay
    // "verified" — a later document in it must earn that again — and certificates it saw are not trusted as
    // this tab's bindings any more (the next attach learns them anew).
    this.tabs.unverify(tabId);
    this.tls.forgetTab(tabId);
    this.tabs.save();
  }

  /** The tab's URL changed: a document outside the verified session loses "verified"; stop intercepting a tab that left every Mutual scope. */
  async onTabUrl(tabId: number, url: string): Promise<void> {
    const t = this.tabs.peek(tabId);
    if (!t) return;
    if (t.state === 'verified') {
      const key = t.sessionKey;
      const s = key === undefined ? undefined : this.host.client.state.sessions[key];
      if (!s || !this.views.pageInSession(s, url)) this.tabs.unverify(tabId);
    }
    if (!this.interceptor.isAttached(tabId)) return;
    if (url.startsWith(this.port.pageUrl(''))) return; // our own warning / login page
    if (!/^https?:/i.test(url)) return;
    const server = serverOfUrl(url);
    if (server !== undefined && this.knowsServer(server)) return;
    if (t.state === 'available' || t.state === 'failed') return;
    t.attached = false;
    this.tabs.unverify(tabId);
    this.tabs.save();
    await this.interceptor.detach(tabId);
  }

  private knowsServer(server: string): boolean {
    const st = this.host.client.state;
    for (const s of Object.values(st.sessions)) if (s.server === server && (s.keys || st.credentials[realmKey(s.realm)])) return true;
    for (const k of Object.keys(st.lastRealm)) if (serverOfUrl(k) === server) return true;
    return false;
  }

  // ------------------------------------------------------------------ user actions and views

  login(tabId: number, username: string, password: string, shown: LoginTarget): Promise<LoginOutcome> {
    return this.logins.login(tabId, username, password, shown);
  }

  cancelLogin(tabId: number): Promise<{ location?: string }> {
    return this.logins.cancel(tabId);
  }

  offeredLogin(tabId: number): LoginView | null {
    return this.logins.view(tabId) ?? null;
  }

  logout(key: string, tabId?: number): Promise<{ location?: string }> {
    return this.logoutPart.logout(key, tabId);
  }

  sessions(): SessionView[] {
    return this.views.sessions();
  }

  tabStatus(tabId: number): TabStatusView {
    return this.views.tabStatus(tabId);
  }

  /** The content script's question (see Views.indicator); `frameId` defaults to the top frame for callers that only have a URL. */
  async indicator(tabId: number, pageUrl?: string, frameId = 0, frame = false, documentId?: string): Promise<IndicatorView> {
    const url = pageUrl ?? this.tabs.peek(tabId)?.committedUrl;
    if (url === undefined) return { show: false };
    const sender: IndicatorSender = { tabId, url, frameId, ...(documentId !== undefined ? { documentId } : {}) };
    return this.views.indicator(sender, frame);
  }

  indicatorFrame(tabId: number, tabUrl: string | undefined, token?: string): Promise<IndicatorView> {
    return this.views.indicatorFrame(tabId, tabUrl, token);
  }
}
