/**
 * Tabs and toolbar state: the one place that remembers, per tab, what the toolbar shows and why (issue 7).
 * Records live in `storage.session` (they survive a service-worker restart). "Verified" is a property of a
 * committed document: a verified top-level response only *expects* its document
 * ({@link Tabs.expectDocument}); the state becomes "verified" when the browser reports that this document
 * committed ({@link Tabs.onCommitted}) — so a 204, a download or a navigation that never commits changes
 * nothing, and the counters are per document (docs/threat-model.md, rule R3).
 */
import { Debounce } from './debounce.ts';
import type { BrowserPort } from './platform.ts';
import type { SessionStore, TabRecord } from './storage.ts';
import { note } from './trace.ts';
import { hostOf, withoutFragment } from './urls.ts';
import type { FailureView, TabState } from '../shared/messages.ts';
import type { MessageKey } from '../shared/translate.ts';

/** The toolbar title of each state (catalogue keys: the title is in the browser's UI language). */
export const TITLE_KEYS: Record<TabState, MessageKey> = {
  none: 'toolbarTitle_none',
  available: 'toolbarTitle_available',
  verified: 'toolbarTitle_verified',
  failed: 'toolbarTitle_failed',
};

/**
 * A changed verified-request counter is written once the counts stop for this long (see
 * {@link Tabs.countVerified}), at the latest after {@link COUNTER_SAVE_MAX_MS}.
 */
const COUNTER_SAVE_MS = 250;
const COUNTER_SAVE_MAX_MS = 1000;

export class Tabs {
  private readonly records = new Map<number, TabRecord>();
  private dirty = false;
  private readonly counters = new Debounce(COUNTER_SAVE_MS, COUNTER_SAVE_MAX_MS, () => this.save());

  constructor(
    private readonly store: SessionStore,
    private readonly port: BrowserPort,
    private readonly isAttached: (tabId: number) => boolean,
    private readonly now: () => number,
  ) {}

  /** Load the records a previous worker wrote. */
  async load(): Promise<void> {
    const saved = await this.store.tabs.get();
    for (const [k, rec] of Object.entries(saved)) {
      const tabId = Number(k);
      if (!Number.isInteger(tabId)) continue;
      this.records.set(tabId, { ...rec, docSeq: typeof rec.docSeq === 'number' ? rec.docSeq : 0 });
    }
  }

  entries(): Array<[number, TabRecord]> {
    return [...this.records.entries()];
  }

  peek(tabId: number): TabRecord | undefined {
    return this.records.get(tabId);
  }

  /** The tab's record, created on first use. */
  get(tabId: number): TabRecord {
    let t = this.records.get(tabId);
    if (!t) {
      t = { state: 'none', attached: this.isAttached(tabId), requestsVerified: 0, docSeq: 0 };
      this.records.set(tabId, t);
    }
    return t;
  }

  /** Write the records soon (coalesced per microtask). */
  save(): void {
    this.dirty = true;
    queueMicrotask(() => {
      if (!this.dirty) return;
      this.dirty = false;
      void this.store.tabs.set(Object.fromEntries(this.records)).catch(() => undefined);
    });
  }

  /** Write the records now, pending counters included (the background is about to stop). */
  async flush(): Promise<void> {
    this.counters.cancel();
    this.dirty = false;
    await this.store.tabs.set(Object.fromEntries(this.records));
  }

  /**
   * Counters only (a verified subresource): written with the next save, or once the counts pause for
   * {@link COUNTER_SAVE_MS} (at the latest {@link COUNTER_SAVE_MAX_MS} after the first). A 40-subresource page
   * then costs one write, not 40 — nor one per 250 ms of its load (measured: each write is an IPC to the
   * browser process during the page load, issue 10); a worker stopped in between loses a few counts, never a
   * state.
   */
  private saveCounters(): void {
    this.counters.poke();
  }

  setState(tabId: number, state: TabState): void {
    const t = this.get(tabId);
    t.state = state;
    this.save();
    void this.port.showState(tabId, state, this.port.text(TITLE_KEYS[state])).catch(() => undefined);
  }

  /** Re-apply the toolbar state (Chromium clears per-tab action values when a page commits). */
  refresh(tabId: number): void {
    const t = this.records.get(tabId);
    if (t) void this.port.showState(tabId, t.state, this.port.text(TITLE_KEYS[t.state])).catch(() => undefined);
  }

  fail(tabId: number, url: string, kind: FailureView['kind'], code: string, message: string): void {
    const t = this.get(tabId);
    t.lastFailure = { at: this.now(), url, host: hostOf(url), code, message, kind };
    if (kind === 'server-failed') this.setState(tabId, 'failed');
    else this.save();
  }

  remove(tabId: number): void {
    this.records.delete(tabId);
    this.save();
  }

  /** A replacement tab takes over a record (CDP recovery after a worker restart). */
  replace(oldId: number, newId: number, rec: TabRecord): void {
    this.records.delete(oldId);
    this.records.set(newId, rec);
    this.save();
  }

  /** A top-level request starts in the tab: what an earlier response expected will not commit now. */
  startNavigation(tabId: number, url: string): void {
    const t = this.get(tabId);
    t.url = url;
    t.attached = true;
    delete t.expect;
    this.save();
  }

  /**
   * A top-level request ended without committing (aborted by the page, network error, a download): the
   * document a verified response announced will not come, and a later commit of the same URL (e.g. an older
   * document restored from the back/forward cache) must not take its place.
   */
  abandonNavigation(tabId: number): void {
    const t = this.peek(tabId);
    if (!t?.expect) return;
    delete t.expect;
    this.save();
  }

  /** A top-level response to `url` proved the server of session `sessionKey`: wait for its document. */
  expectDocument(tabId: number, url: string, sessionKey: string): void {
    const t = this.get(tabId);
    t.expect = { url, sessionKey, verified: 1 };
    this.save();
  }

  /** A subresource (or frame) response of the tab proved its server. */
  countVerified(tabId: number): void {
    const t = this.get(tabId);
    if (t.expect) t.expect.verified++;
    else t.requestsVerified++;
    this.saveCounters();
  }

  /**
   * The browser committed a new top-level document in the tab (webNavigation.onCommitted, frame 0). Verified
   * only if it is the document a verified response announced; any other document starts from zero.
   */
  onCommitted(tabId: number, url: string, documentId?: string): void {
    const t = this.records.get(tabId);
    if (!t) return;
    t.docSeq++;
    t.committedUrl = url;
    if (documentId !== undefined) t.documentId = documentId;
    else delete t.documentId;
    delete t.indicatorToken;
    const e = t.expect;
    delete t.expect;
    if (e && withoutFragment(e.url) === withoutFragment(url)) {
      t.sessionKey = e.sessionKey;
      t.requestsVerified = e.verified;
      note(`commit ${tabId} ${url}: verified`);
      this.setState(tabId, 'verified');
      return;
    }
    t.requestsVerified = 0;
    note(`commit ${tabId} ${url}`);
    if (t.state === 'verified') delete t.sessionKey;
    // Applied now in every case: the commit has just cleared the tab's toolbar values (Chromium, Firefox), and this
    // event reaches the worker after that — not only at the load's end (tabs.onUpdated "complete").
    this.setState(tabId, t.state === 'verified' ? 'none' : t.state);
  }

  /** The tab no longer shows a verified document: state back to none, its session link dropped. */
  unverify(tabId: number): void {
    const t = this.records.get(tabId);
    if (!t) return;
    delete t.expect;
    if (t.state !== 'verified') return;
    note(`unverify ${tabId}`);
    delete t.sessionKey;
    delete t.indicatorToken;
    this.setState(tabId, 'none');
  }
}
