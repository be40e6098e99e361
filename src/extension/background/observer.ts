/**
 * The non-blocking observer of every tab (webRequest.onHeadersReceived): when the tab itself — its top-level
 * document — meets a Mutual challenge and is not intercepted yet, attach to it, then reload (a known realm:
 * the next load carries the session) or show the login UI / "login available". Only a main-frame challenge
 * attaches: another site's images, frames or fetches to a Mutual server never make the extension take over
 * that site's tab, nor open a prompt (docs/threat-model.md rule R1).
 */
import type { RequestSequence } from '../../protocol/client.ts';
import { sessionKey } from '../../protocol/state.ts';
import type { LoginRequest } from '../../protocol/client.ts';
import type { EngineHost } from './engine.ts';
import type { Interception } from './interception.ts';
import { headerRecord, type HeaderEntry, type Interceptor } from './interceptors/interceptor.ts';
import type { Logins } from './login.ts';
import type { Tabs } from './tabs.ts';
import { note } from './trace.ts';
import { isMutualChallenge, serverOfUrl } from './urls.ts';

export interface ObservedResponse {
  tabId: number;
  url: string;
  statusCode: number;
  /** webRequest resource type: only 'main_frame' can attach. */
  type: string;
  headers: HeaderEntry[];
}

export class Observer {
  constructor(
    private readonly host: EngineHost,
    private readonly tabs: Tabs,
    private readonly logins: Logins,
    private readonly interceptor: Interceptor,
    private readonly interception: Interception,
  ) {}

  async onResponse(d: ObservedResponse): Promise<void> {
    if (d.tabId < 0) return;
    if (this.interceptor.isAttached(d.tabId)) {
      note(`observed ${d.tabId} ${d.type} ${d.url} ${d.statusCode} (attached)`);
      return;
    }
    if (d.type !== 'main_frame') return;
    const h = headerRecord(d.headers);
    const mutual = (d.statusCode === 401 && (h['www-authenticate'] ?? []).some(isMutualChallenge))
      || (h['optional-www-authenticate'] ?? []).some(isMutualChallenge);
    if (!mutual) return;
    const https = d.url.startsWith('https:');
    const attached = await this.interceptor.attach(d.tabId, { network: https });
    const t = this.tabs.get(d.tabId);
    t.attached = attached;
    if (!attached) {
      note(`observed ${d.tabId} ${d.url}: could not attach${this.interceptor.lastError ? `: ${this.interceptor.lastError(d.tabId)}` : ''}`);
      return;
    }
    t.url = d.url;
    const seq: RequestSequence = { url: d.url, server: serverOfUrl(d.url) ?? '', subRequest: false, step: 'normal', sent: 1, kexTried: [] };
    const action = this.host.client.handleResponse(seq, { status: d.statusCode, headers: h });
    this.host.persistSoon();
    note(`observed ${d.tabId} ${d.type} ${d.url} ${d.statusCode} -> ${action.type}`);
    const knownRealm = (l: LoginRequest) => {
      const s = this.host.client.state.sessions[sessionKey(l.server, l.realm)];
      return s?.keys !== undefined || this.host.client.credentialFor(l.realm) !== undefined;
    };
    // The first request went out bare (the debugger was not attached yet: "design for it"). A load under
    // interception is needed to authenticate — and, over HTTPS, to record the certificate.
    const reloadOnce = () => this.interception.reloadOnce(d.tabId);
    switch (action.type) {
      case 'send':
        reloadOnce();
        return;
      case 'login-required':
        if (knownRealm(action.login)) {
          reloadOnce();
          return;
        }
        this.logins.require(d.tabId, action.login, action.redirect, true);
        if (https) reloadOnce();
        return;
      case 'unauthenticated':
        if (action.loginAvailable) {
          if (knownRealm(action.loginAvailable)) {
            reloadOnce();
            return;
          }
          this.logins.offer(d.tabId, action.loginAvailable);
          this.tabs.setState(d.tabId, 'available');
          if (https) reloadOnce();
        }
        return;
      case 'declined':
        // Over HTTPS the certificate is recorded only for loads after attaching: load once more.
        if (https && reloadOnce()) return;
        this.tabs.fail(d.tabId, d.url, 'declined', action.error.code, action.error.message);
        return;
      default:
        return;
    }
  }
}
