/**
 * The engine host: one {@link MutualClient} for the service worker, its state loaded from and written to
 * `storage.session`. Issue 4: "every state needed after a service-worker restart is written before the
 * request that depends on it goes out; no nonce number is ever reused" — so {@link EngineHost.persist} is
 * awaited before every `send`.
 *
 * Nonce numbers are *reserved* in blocks: what is written for a session is not its next nonce number but a
 * mark above it. A restarted worker resumes at the mark: it skips at most NC_RESERVE numbers, and never more
 * than half the server's nc-window — allowed, nonce numbers need only be unique and inside the server's
 * window — and never reuses one. The mark is raised
 * *ahead*: once half of the written block is used, a write of the next mark starts in the background, so a
 * request waits for storage only when it would use a number at or above the mark already on storage (a burst
 * faster than one write), or when anything else in the sessions or credentials changed. A 40-subresource page
 * then costs one background write of the marks, and no request waits for it (issue 10).
 */
import { Debounce } from './debounce.ts';
import { MutualClient, type ClientOptions, type RequestSequence } from '../../protocol/client.ts';
import { emptyClientState, type ClientSession, type ClientState } from '../../protocol/state.ts';
import type { PendingRecord, SessionStore } from './storage.ts';

/** Pending sequences older than this are dropped on load (their requests are long gone). */
const PENDING_TTL_MS = 5 * 60_000;

/** How many nonce numbers one write reserves per session (see the module comment). */
export const NC_RESERVE = 128;

/**
 * How long {@link EngineHost.persistSoon} waits after the last call (a trailing debounce), and at most after the
 * first: what it writes (counters, lastRealm, finished sequences) no request depends on. Measured (issue 10):
 * each write is a storage IPC of the whole state (≈ 3 ms of worker time); a fixed 500 ms timer wrote 2–3 times
 * during each load of the 40-subresource page, the debounce writes once, after the load.
 */
export const PERSIST_SOON_MS = 500;
export const PERSIST_SOON_MAX_MS = 2000;

export interface EngineHostOptions {
  /**
   * Also write in-flight sequences before each request (adapters whose held requests survive a worker
   * restart, so the new worker must check their responses). CDP Fetch strands them (measured), so no.
   */
  pendingBeforeSend: boolean;
}

export class EngineHost {
  readonly client: MutualClient;
  /** Request sequences in flight, by `${tabId}:${interceptionId}`. */
  readonly pending = new Map<string, PendingRecord>();
  private pendingVersion = 0;
  /** sessionKey + sid → the nonce-number mark last queued for writing. */
  private readonly marks = new Map<string, number>();
  /** sessionKey + sid → the mark known to be on storage (a restarted worker resumes there). */
  private readonly writtenMarks = new Map<string, number>();
  private queuedFingerprint = '';
  private queuedMarks = '';
  private queuedVersion = 0;
  /** The version whose write the next request depends on (the last fingerprint change). */
  private neededVersion = 0;
  private writtenVersion = 0;
  private readonly soon = new Debounce(PERSIST_SOON_MS, PERSIST_SOON_MAX_MS, () => void this.persist(true).catch(() => undefined));
  private writing: Promise<void> | null = null;
  /** Number of storage writes so far (diagnostics, benchmarks). */
  writes = 0;

  private constructor(
    private readonly store: SessionStore,
    client: MutualClient,
    private readonly opts: EngineHostOptions,
  ) {
    this.client = client;
  }

  static async load(store: SessionStore, opts: ClientOptions, hostOpts: EngineHostOptions = { pendingBeforeSend: true }): Promise<EngineHost> {
    const saved = await store.clientState.get();
    const host = new EngineHost(store, new MutualClient(opts, saved ?? emptyClientState()), hostOpts);
    // What was loaded is on storage already: its marks are the nonce numbers to resume at.
    for (const [k, s] of Object.entries(host.client.state.sessions)) {
      if (!s.keys) continue;
      host.marks.set(`${k} ${s.keys.sid}`, s.keys.nextNc);
      host.writtenMarks.set(`${k} ${s.keys.sid}`, s.keys.nextNc);
    }
    const snap = host.snapshot();
    host.queuedFingerprint = host.fingerprint(snap);
    host.queuedMarks = marksOf(snap);
    const pending = await store.pending.get();
    const now = Date.now();
    for (const [k, v] of Object.entries(pending)) if (now - v.at < PENDING_TTL_MS) host.pending.set(k, v);
    return host;
  }

  track(key: string, tabId: number, seq: RequestSequence): void {
    this.pending.set(key, { tabId, seq, at: Date.now() });
    this.pendingVersion++;
  }

  untrack(key: string): void {
    if (this.pending.delete(key)) this.pendingVersion++;
  }

  /**
   * The state as it is written: each live session's nextNc replaced by its reservation mark (raised to
   * nextNc + its block once nextNc passed the middle of the block, or on any write: `full`). Updates the marks.
   */
  private snapshot(full = false): ClientState {
    const st = this.client.state;
    const sessions: Record<string, ClientSession> = {};
    for (const [k, s] of Object.entries(st.sessions)) {
      if (!s.keys) {
        sessions[k] = s;
        continue;
      }
      const id = `${k} ${s.keys.sid}`;
      let mark = this.marks.get(id);
      // The block never exceeds half the server's nc-window: after a restart the new numbers jump at most that far,
      // so a request sent before the restart and arriving after the jump is still inside the window.
      const reserve = Math.max(1, Math.min(NC_RESERVE, Math.floor(s.keys.ncWindow / 2)));
      if (mark === undefined || s.keys.nextNc + (full ? reserve : reserve / 2) > mark) {
        mark = Math.max(mark ?? 0, Math.min(s.keys.nextNc + reserve, s.keys.ncMax + 1));
        this.marks.set(id, mark);
      }
      sessions[k] = { ...s, keys: { ...s.keys, nextNc: Math.max(mark, s.keys.nextNc) } };
    }
    return { ...st, sessions };
  }

  /** What must be on storage before a request goes out (besides the marks): sessions, credentials, maybe pending. */
  private fingerprint(s: ClientState): string {
    // Counters (requestsVerified, verifiedSince) change on every response and matter to no request; the marks
    // are checked on their own (marksCovered).
    const sessions = Object.entries(s.sessions).map(([k, x]) => [k, x.keys ? { ...x.keys, nextNc: 0 } : null, x.logoutAt ?? null, x.paths]);
    return JSON.stringify([sessions, s.credentials, this.opts.pendingBeforeSend ? this.pendingVersion : 0]);
  }

  /** Whether every nonce number handed out so far is below the mark on storage of its session. */
  private marksCovered(): boolean {
    for (const [k, s] of Object.entries(this.client.state.sessions)) {
      if (!s.keys) continue;
      const written = this.writtenMarks.get(`${k} ${s.keys.sid}`);
      if (written === undefined || s.keys.nextNc > written) return false;
    }
    return true;
  }

  /**
   * Resolve once everything the next request depends on is in storage. Writes only when needed; a mark raised
   * ahead of need is written in the background (nobody waits for it unless the requests catch up with it).
   */
  async persist(force = false): Promise<void> {
    const snap = this.snapshot();
    const fp = this.fingerprint(snap);
    const marks = marksOf(snap);
    if (fp !== this.queuedFingerprint) {
      this.queuedFingerprint = fp;
      this.queuedMarks = marks;
      this.neededVersion = ++this.queuedVersion;
    } else if (force || marks !== this.queuedMarks) {
      this.queuedMarks = marks;
      this.queuedVersion++;
    }
    const want = force ? this.queuedVersion : this.neededVersion;
    if (this.writtenVersion < this.queuedVersion && want < this.queuedVersion) void this.write().catch(() => undefined);
    while (this.writtenVersion < want || !this.marksCovered()) await this.write();
  }

  /** The write in progress, or a new one. */
  private write(): Promise<void> {
    this.writing ??= this.writeOnce().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  /**
   * Write everything soon, without waiting (lastRealm, finished sequences: nothing depends on them now): once
   * the calls stop for {@link PERSIST_SOON_MS}, at the latest {@link PERSIST_SOON_MAX_MS} after the first.
   */
  persistSoon(): void {
    this.soon.poke();
  }

  private async writeOnce(): Promise<void> {
    const version = this.queuedVersion;
    // A fresh snapshot: at least as new as what the waiters need (marks only ever grow). Written anyway, so each
    // mark goes a full block ahead: a page loaded right after its document's write needs no other write.
    const state = this.snapshot(true);
    if (version === this.queuedVersion) this.queuedMarks = marksOf(state);
    this.writes++;
    await Promise.all([this.store.clientState.set(state), this.store.pending.set(Object.fromEntries(this.pending))]);
    this.writtenVersion = Math.max(this.writtenVersion, version);
    for (const [k, s] of Object.entries(state.sessions)) {
      if (!s.keys) continue;
      const id = `${k} ${s.keys.sid}`;
      this.writtenMarks.set(id, Math.max(this.writtenMarks.get(id) ?? 0, s.keys.nextNc));
    }
  }
}

/** The nonce-number marks of a written state (its sessions' nextNc), as a comparable string. */
function marksOf(s: ClientState): string {
  return Object.entries(s.sessions).map(([k, x]) => (x.keys ? `${k} ${x.keys.sid} ${x.keys.nextNc}` : '')).join('\n');
}
