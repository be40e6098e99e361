/**
 * When the login UI may open by itself (issue 7, docs/threat-model.md rule R6): across all tabs at most
 * {@link PROMPTS_PER_MINUTE} automatic login UIs per minute, and at most one per realm (server + realm) per
 * minute. A page cannot open windows at will: a suppressed prompt leaves "login available" on the toolbar
 * icon, from which the user opens the login UI. The log lives in `storage.session`, so a worker restart does
 * not reset the limits.
 */
import { realmKey, type RealmId } from '../../protocol/state.ts';
import type { PromptLog, SessionStore } from './storage.ts';

export const PROMPT_INTERVAL_MS = 60_000;
export const PROMPTS_PER_MINUTE = 3;

export class Prompts {
  private log: PromptLog = { recent: [], realms: {} };

  constructor(
    private readonly store: SessionStore,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    this.log = await this.store.prompts.get();
  }

  /** May the login UI open by itself for this realm now? If so, the opening is recorded. */
  take(server: string, realm: RealmId): boolean {
    const now = this.now();
    this.forgetOld(now);
    const key = `${server} ${realmKey(realm)}`;
    if (this.log.realms[key] !== undefined) return false;
    if (this.log.recent.length >= PROMPTS_PER_MINUTE) return false;
    this.log.recent.push(now);
    this.log.realms[key] = now;
    this.save();
    return true;
  }

  /** No automatic prompt for this realm for a minute (after a logout, the reload must not ask again). */
  suppress(server: string, realm: RealmId): void {
    this.log.realms[`${server} ${realmKey(realm)}`] = this.now();
    this.save();
  }

  private forgetOld(now: number): void {
    this.log.recent = this.log.recent.filter((at) => now - at < PROMPT_INTERVAL_MS && at <= now);
    for (const [k, at] of Object.entries(this.log.realms)) if (now - at >= PROMPT_INTERVAL_MS || at > now) delete this.log.realms[k];
  }

  private save(): void {
    void this.store.prompts.set(this.log).catch(() => undefined);
  }
}
