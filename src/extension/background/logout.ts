/**
 * Logout: by the user (RFC 8120 §10.2 step 14 / RFC 8053 §4.5), and the suspension of a realm whose server
 * failed to prove itself. Both drop the realm's session keys and its pi; the engine would hand the pi back for
 * a "remember me" feature, and this extension has none.
 */
import type { RealmId } from '../../protocol/state.ts';
import type { EngineHost } from './engine.ts';
import type { BrowserPort } from './platform.ts';
import type { Prompts } from './prompts.ts';
import type { Tabs } from './tabs.ts';

export class Logout {
  constructor(
    private readonly host: EngineHost,
    private readonly tabs: Tabs,
    private readonly prompts: Prompts,
    private readonly port: BrowserPort,
  ) {}

  /** The user logs out of a session (popup). Every tab verified with it reloads (or goes to location-when-logout). */
  async logout(key: string, tabId?: number): Promise<{ location?: string }> {
    const s = this.host.client.state.sessions[key];
    if (!s) return {};
    const out = this.host.client.logout(s.server, s.realm, true);
    await this.host.persist();
    // The reload below must not pop the login UI right back up.
    this.prompts.suppress(s.server, s.realm);
    for (const [id, t] of this.tabs.entries()) {
      if (t.sessionKey !== key && t.expect?.sessionKey !== key) continue;
      delete t.sessionKey;
      delete t.expect;
      this.tabs.setState(id, 'available');
      if (out.location !== undefined) void this.port.navigate(id, out.location).catch(() => undefined);
      else void this.port.reload(id).catch(() => undefined);
    }
    if (tabId !== undefined && out.location !== undefined && this.tabs.peek(tabId)?.sessionKey === undefined) {
      void this.port.navigate(tabId, out.location).catch(() => undefined);
    }
    return out;
  }

  /**
   * The server failed to prove itself *in answer to a request the extension authenticated* (rule R4; callers
   * make sure of that): log out of the realm — its session keys and its active pi — so that no later request
   * silently starts a new key exchange with that server (each one a fresh transcript for a rogue server to
   * guess against) until the user logs in again. Written before the next request can go out.
   */
  async suspendRealm(server: string, realm: RealmId | undefined): Promise<void> {
    if (realm === undefined) return;
    this.host.client.logout(server, realm, true);
    await this.host.persist().catch(() => undefined);
  }
}
