/**
 * The in-memory session store (the default): the session table of session-table.ts — caps, eviction order
 * rejected → oldest key-exchanging → authenticated, a ring of nc-window bits per session — behind the
 * {@link SessionStore} interface. Every step is synchronous, hence atomic within the process.
 */
import { SessionTable, type RealmTriple, type SessionTableOptions } from './session-table.ts';
import type { NewSession, SessionStore, SessionSummary, StoreStats, StoredSession, VerifyOutcome, VerifyStep } from './session-store.ts';

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  readonly table: SessionTable;

  constructor(options: SessionTable | SessionTableOptions = {}) {
    this.table = options instanceof SessionTable ? options : new SessionTable(options);
  }

  get lifetimeSeconds(): number {
    return this.table.lifetimeSeconds;
  }

  get ncMax(): number {
    return this.table.ncMax;
  }

  get ncWindow(): number {
    return this.table.ncWindow;
  }

  create(init: NewSession): string {
    return this.table.create(init).sid;
  }

  lookup(sid: string, space: RealmTriple): StoredSession | undefined {
    return this.table.get(sid, space);
  }

  verify(step: VerifyStep): VerifyOutcome {
    const t = this.table;
    const s = t.get(step.sid, step.space);
    if (!s) return { result: 'stale', why: 'unknown sid' };
    if (s.state === 'rejected') return { result: 'rejected' };
    const nonce = t.checkNonce(s, step.nc);
    if (nonce !== 'fresh') {
      t.deactivate(s);
      return { result: 'stale', why: nonce };
    }
    if (s.fake || !step.vkcOk) {
      t.reject(s);
      return { result: 'failed' };
    }
    t.accept(s, step.nc);
    if (step.end) t.deactivate(s);
    return { result: 'accepted' };
  }

  stats(): StoreStats {
    return this.table.stats();
  }

  recentSessions(limit: number): SessionSummary[] {
    return this.table
      .authenticatedSessions()
      .slice(-limit)
      .map((s) => ({
        sidPrefix: s.sid.slice(0, 8),
        realm: s.space.realm,
        algorithm: s.space.algorithm,
        requests: s.accepted,
        distinctNc: s.accepted,
        largestNc: s.largestNc,
      }));
  }

  sweep(): void {
    this.table.sweep();
  }

  close(): void {}
}
