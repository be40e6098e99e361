/**
 * The engine host: one {@link MutualClient} for the service worker, its state loaded from and written to
 * `storage.session`. Issue 4: "every state needed after a service-worker restart is written before the
 * request that depends on it goes out; no nonce number is ever reused" — so {@link EngineHost.persist} is
 * awaited before every `send`.
 *
 * Nonce numbers are *reserved* in blocks: what is written for a session is not its next nonce number but a
 * mark {@link NC_RESERVE} above it, and a write is needed only when a request would use a number at or above
 * the written mark (or when anything else in the sessions or credentials changed). A restarted worker
 * resumes at the mark: it skips at most NC_RESERVE numbers — allowed, nonce numbers need only be unique and
 * inside the server's window — and never reuses one. A 40-subresource page then costs one write, not 40.
 */
import { MutualClient, type ClientOptions, type RequestSequence } from '../../protocol/client.ts';
import { emptyClientState, type ClientSession, type ClientState } from '../../protocol/state.ts';
import type { PendingRecord, SessionStore } from './storage.ts';

/** Pending sequences older than this are dropped on load (their requests are long gone). */
const PENDING_TTL_MS = 5 * 60_000;

/** How many nonce numbers one write reserves per session (see the module comment). */
export const NC_RESERVE = 64;

/**
 * How long {@link EngineHost.persistSoon} waits: what it writes (counters, lastRealm, finished sequences) no
 * request depends on. Measured (issue 10): at 100 ms a page load wrote the whole client state ≈ 12 times.
 */
export const PERSIST_SOON_MS = 500;

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
  private queuedFingerprint = '';
  private queuedVersion = 0;
  /** The version whose write the next request depends on (the last fingerprint change). */
  private neededVersion = 0;
  private writtenVersion = 0;
  private soon: ReturnType<typeof setTimeout> | undefined;
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
    for (const [k, s] of Object.entries(host.client.state.sessions)) if (s.keys) host.marks.set(`${k} ${s.keys.sid}`, s.keys.nextNc);
    host.queuedFingerprint = host.fingerprint(host.snapshot());
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
   * nextNc + NC_RESERVE whenever nextNc reached it). Updates the marks.
   */
  private snapshot(): ClientState {
    const st = this.client.state;
    const sessions: Record<string, ClientSession> = {};
    for (const [k, s] of Object.entries(st.sessions)) {
      if (!s.keys) {
        sessions[k] = s;
        continue;
      }
      const id = `${k} ${s.keys.sid}`;
      let mark = this.marks.get(id);
      if (mark === undefined || s.keys.nextNc > mark) {
        mark = Math.min(s.keys.nextNc + NC_RESERVE, s.keys.ncMax + 1);
        this.marks.set(id, mark);
      }
      sessions[k] = { ...s, keys: { ...s.keys, nextNc: Math.max(mark, s.keys.nextNc) } };
    }
    return { ...st, sessions };
  }

  /** What must be on storage before a request goes out: sessions (with marks), credentials, maybe pending. */
  private fingerprint(s: ClientState): string {
    // Counters (requestsVerified, verifiedSince) change on every response and matter to no request.
    const sessions = Object.entries(s.sessions).map(([k, x]) => [k, x.keys ?? null, x.logoutAt ?? null, x.paths]);
    return JSON.stringify([sessions, s.credentials, this.opts.pendingBeforeSend ? this.pendingVersion : 0]);
  }

  /** Resolve once everything the next request depends on is in storage (writes only when needed). */
  async persist(force = false): Promise<void> {
    const fp = this.fingerprint(this.snapshot());
    if (fp !== this.queuedFingerprint) {
      this.queuedFingerprint = fp;
      this.neededVersion = ++this.queuedVersion;
    } else if (force) {
      this.queuedVersion++;
    }
    const want = force ? this.queuedVersion : this.neededVersion;
    while (this.writtenVersion < want) {
      this.writing ??= this.writeOnce().finally(() => {
        this.writing = null;
      });
      await this.writing;
    }
  }

  /** Write everything soon, without waiting (lastRealm, finished sequences: nothing depends on them now). */
  persistSoon(): void {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      void this.persist(true).catch(() => undefined);
    }, PERSIST_SOON_MS);
  }

  private async writeOnce(): Promise<void> {
    const version = this.queuedVersion;
    // A fresh snapshot: at least as new as what the waiters need (marks only ever grow).
    const state = this.snapshot();
    this.writes++;
    await Promise.all([this.store.clientState.set(state), this.store.pending.set(Object.fromEntries(this.pending))]);
    this.writtenVersion = Math.max(this.writtenVersion, version);
  }
}
