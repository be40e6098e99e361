/**
 * Views: what the popup, the login UI, the content script and the indicator frame may see — status objects,
 * never keys (docs/architecture.md "Data that must never move"). The personal phrase goes only to the
 * indicator frame of the verified document's top frame, which proves it is that frame with a one-time token
 * its top frame's content script received (docs/threat-model.md rule R5).
 */
import { pathCovers } from '../../protocol/realm.ts';
import { realmKey, type ClientSession } from '../../protocol/state.ts';
import type { EngineHost } from './engine.ts';
import type { Logins } from './login.ts';
import type { LocalStore } from './storage.ts';
import type { Tabs } from './tabs.ts';
import { note } from './trace.ts';
import { hostOf, serverOfUrl } from './urls.ts';
import type { IndicatorView, SessionView, TabStatusView } from '../shared/messages.ts';

/** An unused indicator token expires after this long (the frame asks right after it is created). */
export const INDICATOR_TOKEN_TTL_MS = 30_000;

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

/** Who asks for the indicator, as the browser described the sender (never from the message). */
export interface IndicatorSender {
  tabId: number;
  /** The sender frame's URL. */
  url: string;
  /** The sender's frame id (0: the top frame). */
  frameId: number;
  /** The sender document's id, where the browser gives one: must be the committed, verified document's. */
  documentId?: string;
}

export class Views {
  constructor(
    private readonly host: EngineHost,
    private readonly tabs: Tabs,
    private readonly logins: Logins,
    private readonly local: LocalStore,
    private readonly random: (n: number) => Uint8Array,
    private readonly now: () => number,
  ) {}

  /** Sessions the server proved itself in at least once (a failed login is a failure, not a session). */
  sessions(): SessionView[] {
    const st = this.host.client.state;
    return Object.entries(st.sessions)
      .filter(([, s]) => s.verifiedSince !== undefined)
      .map(([k, s]) => sessionView(k, s, st.credentials[realmKey(s.realm)] !== undefined));
  }

  tabStatus(tabId: number): TabStatusView {
    const t = this.tabs.peek(tabId);
    const login = this.logins.view(tabId);
    const v: TabStatusView = { tabId, state: t?.state ?? 'none', requestsVerified: t?.requestsVerified ?? 0 };
    if (login) v.login = login;
    if (!t) return v;
    const url = t.committedUrl ?? t.url;
    if (url !== undefined) {
      v.url = url;
      v.host = hostOf(url);
    }
    const st = this.host.client.state;
    const key = t.state === 'verified' ? t.sessionKey : undefined;
    const s = key === undefined ? undefined : st.sessions[key];
    if (key !== undefined && s) v.session = sessionView(key, s, st.credentials[realmKey(s.realm)] !== undefined);
    if (t.lastFailure) v.lastFailure = t.lastFailure;
    return v;
  }

  /** Does this page URL belong to the session the tab was verified with (same server, inside its paths)? */
  pageInSession(s: ClientSession, url: string): boolean {
    if (serverOfUrl(url) !== s.server) return false;
    try {
      const remembered = this.host.client.state.lastRealm[url.split('#')[0]!];
      return pathCovers(s.paths, new URL(url)) || remembered === realmKey(s.realm);
    } catch {
      return false;
    }
  }

  /**
   * May the document at `pageUrl` in this tab show the verified indicator? Only while the tab's committed
   * document is verified, the session is live, and the page belongs to that session (server and paths). The
   * phrase is never part of this answer. With `frame`, the top frame's content script gets a one-time token
   * for the indicator frame it is about to create.
   */
  indicator(sender: IndicatorSender, frame = false): IndicatorView {
    if (sender.frameId !== 0) return { show: false };
    const t = this.tabs.peek(sender.tabId);
    const key = t?.sessionKey;
    const s = key === undefined ? undefined : this.host.client.state.sessions[key];
    if (!t || t.state !== 'verified' || !s?.keys) return { show: false };
    // A document other than the committed, verified one (e.g. the next page, whose commit the worker has not
    // heard of yet) gets nothing; its content script asks again shortly.
    if (sender.documentId !== undefined && t.documentId !== undefined && sender.documentId !== t.documentId) return { show: false };
    if (!this.pageInSession(s, sender.url)) return { show: false };
    const v: IndicatorView = { show: true, host: hostOf(sender.url), realm: s.realm.realm, username: s.username };
    if (frame) {
      const token = Array.from(this.random(16), (b) => b.toString(16).padStart(2, '0')).join('');
      t.indicatorToken = { token, docSeq: t.docSeq, at: this.now(), ...(t.documentId !== undefined ? { documentId: t.documentId } : {}) };
      this.tabs.save();
      v.frameToken = token;
      note(`indicator ${sender.tabId}: token issued`);
    }
    return v;
  }

  /**
   * What the indicator frame shows, with the personal phrase: only for the token the verified document's top
   * frame got (once), while that document is still the tab's committed, verified document.
   */
  async indicatorFrame(tabId: number, tabUrl: string | undefined, token: string | undefined): Promise<IndicatorView> {
    const t = this.tabs.peek(tabId);
    const issued = t?.indicatorToken;
    const refuse = (why: string): IndicatorView => {
      note(`indicator-frame ${tabId}: refused (${why})`);
      return { show: false };
    };
    if (!t || !issued || tabUrl === undefined || token === undefined) return refuse(!issued ? 'no token issued' : 'no token');
    if (issued.token !== token || this.now() - issued.at > INDICATOR_TOKEN_TTL_MS) return refuse('wrong or expired token');
    // Still the same document: the same browser document id where there is one, else no commit since.
    const same = issued.documentId !== undefined ? issued.documentId === t.documentId : issued.docSeq === t.docSeq;
    if (!same) return refuse('another document committed');
    delete t.indicatorToken;
    this.tabs.save();
    const v = this.indicator({ tabId, url: tabUrl, frameId: 0 });
    return v.show ? { ...v, phrase: await this.local.phrase.get() } : v;
  }
}
