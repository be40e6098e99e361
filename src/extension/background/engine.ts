/**
 * The engine host: one {@link MutualClient} for the service worker, its state loaded from and written to
 * `storage.session`. Issue 4: "every state needed after a service-worker restart is written before the
 * request that depends on it goes out; no nonce number is ever reused" — so {@link EngineHost.persist} is
 * awaited before every `send`, and writes are coalesced (40 parallel subresources share a few writes).
 */
import { MutualClient, type ClientOptions, type RequestSequence } from '../../protocol/client.ts';
import { emptyClientState } from '../../protocol/state.ts';
import type { PendingRecord, SessionStore } from './storage.ts';

/** Pending sequences older than this are dropped on load (their requests are long gone). */
const PENDING_TTL_MS = 5 * 60_000;

export class EngineHost {
  readonly client: MutualClient;
  /** Request sequences in flight, by `${tabId}:${interceptionId}` (persisted with the state). */
  readonly pending = new Map<string, PendingRecord>();
  private pendingVersion = 0;
  private writtenRevision: number;
  private writtenPendingVersion = 0;
  private writing: Promise<void> | null = null;

  private constructor(
    private readonly store: SessionStore,
    client: MutualClient,
  ) {
    this.client = client;
    this.writtenRevision = client.state.revision;
  }

  static async load(store: SessionStore, opts: ClientOptions): Promise<EngineHost> {
    const saved = await store.clientState.get();
    const host = new EngineHost(store, new MutualClient(opts, saved ?? emptyClientState()));
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

  /** Resolve once everything changed so far (state and pending sequences) is in storage. */
  async persist(): Promise<void> {
    const wantRevision = this.client.state.revision;
    const wantPending = this.pendingVersion;
    while (this.writtenRevision < wantRevision || this.writtenPendingVersion < wantPending) {
      this.writing ??= this.writeOnce().finally(() => {
        this.writing = null;
      });
      await this.writing;
    }
  }

  /** Write later, without waiting (for changes no outgoing request depends on). */
  persistSoon(): void {
    void this.persist().catch(() => undefined);
  }

  private async writeOnce(): Promise<void> {
    const revision = this.client.state.revision;
    const pendingVersion = this.pendingVersion;
    // Serialised synchronously by the storage API at call time: a snapshot at least as new as `revision`.
    await Promise.all([this.store.clientState.set(this.client.state), this.store.pending.set(Object.fromEntries(this.pending))]);
    this.writtenRevision = Math.max(this.writtenRevision, revision);
    this.writtenPendingVersion = Math.max(this.writtenPendingVersion, pendingVersion);
  }
}
