/**
 * The server's session table (RFC 8120 §11) and nonce-number bookkeeping (RFC 8120 §6;
 * docs/protocol-decisions.md §3.5).
 *
 * Memory is bounded, whatever clients do:
 *
 * - every session has an absolute expiry (`time` seconds after it was created, the value sent in 401-KEX-S1);
 * - "inactive" sessions are not kept at all: §11 answers an inactive session exactly like an unknown sid
 *   (401-STALE), so a session that becomes inactive is wiped and removed at once;
 * - sessions that are not (yet) authenticated — "key exchanging" and "rejected" — count together against
 *   `maxPending`. Rejected ones (which §11 lets a server discard at any time) sit in their own queue and are
 *   evicted first; only when there is none does the oldest key-exchanging session go (§11 allows dropping
 *   key-exchanging entries on "a table capacity overflow"). A flood of half-open exchanges therefore only
 *   ever displaces other half-open exchanges;
 * - the whole table is capped at `maxSessions`; at the cap a rejected, then the oldest key-exchanging session
 *   goes first, and only if there is none, the oldest authenticated session (§11: authenticated entries MAY become inactive at any
 *   time; their clients re-key silently after a 401-STALE);
 * - duplicate-nonce detection uses a ring of `nc-window` bits per session (the constant-memory scheme §6
 *   describes): numbers at or below `largest-nc − nc-window` are refused as "already received".
 *
 * Expired entries are dropped lazily (on lookup, and a few from the front of each queue on every insert)
 * and by `sweep()`, which a server may call from a timer.
 */
import type { AlgorithmName } from '../crypto/algorithms.ts';
import { bytesToHex, type RandomSource, webRandom, wipe } from '../bytes.ts';

/** A protection space: the triple of RFC 8120 §5 (algorithm, auth-scope, realm). */
export interface RealmTriple {
  readonly algorithm: AlgorithmName;
  readonly authScope: string;
  readonly realm: string;
}

/**
 * The states of RFC 8120 §11. "inactive" appears only transiently: such sessions are removed from the
 * table (see the module comment).
 */
export type SessionState = 'key-exchanging' | 'authenticated' | 'rejected' | 'inactive';

export interface ServerSession {
  /** Lower-case hex of 16 random octets (128 bits; RFC 8120 §4.3 asks for at least 80). */
  readonly sid: string;
  readonly space: RealmTriple;
  /** The username as received (prepared by the client, RFC 8120 §9). */
  readonly user: string;
  /** A fake session for an unknown user (RFC 8120 §11 note 2): every req-VFY-C fails. */
  readonly fake: boolean;
  state: SessionState;
  /** OCTETS(K_c1), OCTETS(K_s1), OCTETS(z): wiped when the session leaves the table. */
  readonly K_c1: Uint8Array;
  readonly K_s1: Uint8Array;
  readonly z: Uint8Array;
  readonly ncMax: number;
  readonly ncWindow: number;
  /** Largest nc received (RFC 8120 §11 "largest-nc"), 0 before the first. */
  largestNc: number;
  /** Ring of ncWindow bits: bit (nc mod ncWindow) is set when nc in (largestNc − ncWindow, largestNc] was received. */
  readonly seen: Uint8Array;
  /** Number of nonce numbers accepted (each distinct by construction). */
  accepted: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface SessionTableOptions {
  /** Cap on all sessions (default 10,000). */
  maxSessions?: number;
  /** Cap on key-exchanging + rejected sessions (default half of maxSessions). */
  maxPending?: number;
  /** Session lifetime in seconds, sent as `time` (default 600; RFC 8120 §4.3 recommends ≥ 60). */
  lifetimeSeconds?: number;
  /** nc-max sent in 401-KEX-S1 (default 1,000,000). */
  ncMax?: number;
  /** nc-window sent in 401-KEX-S1 (default 256; RFC 8120 §4.3 recommends ≥ 128). */
  ncWindow?: number;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  /** Randomness for session identifiers. */
  random?: RandomSource;
}

/** Outcome of the nonce-number checks of RFC 8120 §11, before vkc is verified. */
export type NonceCheck = 'fresh' | 'above-max' | 'below-window' | 'duplicate';

export interface SessionTableStats {
  size: number;
  pending: number;
  authenticated: number;
  /** Sessions dropped to respect the caps. */
  evicted: number;
  /** Sessions dropped because they expired. */
  expired: number;
}

const SWEEP_PER_INSERT = 8;

export class SessionTable {
  readonly maxSessions: number;
  readonly maxPending: number;
  readonly lifetimeSeconds: number;
  readonly ncMax: number;
  readonly ncWindow: number;
  private readonly now: () => number;
  private readonly random: RandomSource;
  /** key-exchanging and rejected sessions, in creation order. */
  private readonly pending = new Map<string, ServerSession>();
  /** authenticated sessions, in order of their first successful req-VFY-C. */
  private readonly established = new Map<string, ServerSession>();
  /** Sessions rejected at req-VFY-C (§11 "rejected"), oldest first: the first to go under pressure. */
  private readonly rejected = new Map<string, ServerSession>();
  private evicted = 0;
  private expired = 0;

  constructor(options: SessionTableOptions = {}) {
    this.maxSessions = positiveInt(options.maxSessions ?? 10_000, 'maxSessions');
    this.maxPending = Math.min(
      positiveInt(options.maxPending ?? Math.max(1, Math.floor(this.maxSessions / 2)), 'maxPending'),
      this.maxSessions,
    );
    this.lifetimeSeconds = positiveInt(options.lifetimeSeconds ?? 600, 'lifetimeSeconds');
    this.ncMax = positiveInt(options.ncMax ?? 1_000_000, 'ncMax');
    this.ncWindow = positiveInt(options.ncWindow ?? 256, 'ncWindow');
    if (this.ncWindow > 65_536) throw new RangeError('ncWindow must be at most 65536');
    this.now = options.now ?? Date.now;
    this.random = options.random ?? webRandom;
  }

  /** Create a session in the "key exchanging" state (RFC 8120 §11, req-KEX-C1), evicting as the caps require. */
  create(init: {
    space: RealmTriple;
    user: string;
    fake: boolean;
    K_c1: Uint8Array;
    K_s1: Uint8Array;
    z: Uint8Array;
  }): ServerSession {
    const now = this.now();
    this.sweepFront(now, SWEEP_PER_INSERT);
    while (this.pending.size + this.rejected.size >= this.maxPending) {
      this.evictOldest(this.rejected.size > 0 ? this.rejected : this.pending);
    }
    while (this.size >= this.maxSessions) {
      this.evictOldest(this.rejected.size > 0 ? this.rejected : this.pending.size > 0 ? this.pending : this.established);
    }
    let sid = bytesToHex(this.random(16));
    while (this.pending.has(sid) || this.established.has(sid) || this.rejected.has(sid)) sid = bytesToHex(this.random(16));
    const session: ServerSession = {
      sid,
      space: init.space,
      user: init.user,
      fake: init.fake,
      state: 'key-exchanging',
      K_c1: init.K_c1,
      K_s1: init.K_s1,
      z: init.z,
      ncMax: this.ncMax,
      ncWindow: this.ncWindow,
      largestNc: 0,
      seen: new Uint8Array(Math.ceil(this.ncWindow / 8)),
      accepted: 0,
      createdAt: now,
      expiresAt: now + this.lifetimeSeconds * 1000,
    };
    this.pending.set(sid, session);
    return session;
  }

  /**
   * The live session with this sid in this protection space, or undefined (unknown, expired, or another
   * realm's: sessions are local to a realm, RFC 8120 §6).
   */
  get(sid: string, space: RealmTriple): ServerSession | undefined {
    const key = sid.toLowerCase();
    const s = this.pending.get(key) ?? this.established.get(key) ?? this.rejected.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.expired++;
      this.remove(s);
      return undefined;
    }
    const sp = s.space;
    if (sp.algorithm !== space.algorithm || sp.authScope !== space.authScope || sp.realm !== space.realm) {
      return undefined;
    }
    return s;
  }

  /**
   * The nonce-number clauses of RFC 8120 §11 for a req-VFY-C: above nc-max, at or below the window
   * (authenticated sessions only), or a number already received. Does not change the session.
   */
  checkNonce(s: ServerSession, nc: number): NonceCheck {
    if (!Number.isSafeInteger(nc) || nc < 0 || nc > s.ncMax) return 'above-max';
    if (s.state === 'authenticated' && nc <= s.largestNc - s.ncWindow) return 'below-window';
    if (nc <= s.largestNc && nc > s.largestNc - s.ncWindow && this.bit(s, nc)) return 'duplicate';
    return 'fresh';
  }

  /**
   * A correct vkc with a fresh nonce number (checked by `checkNonce` just before, in the same tick): record
   * nc, and move a key-exchanging session to "authenticated".
   */
  accept(s: ServerSession, nc: number): void {
    if (nc > s.largestNc) {
      const advance = nc - s.largestNc;
      if (advance >= s.ncWindow) s.seen.fill(0);
      else for (let n = s.largestNc + 1; n <= nc; n++) this.setBit(s, n, false);
      s.largestNc = nc;
    }
    this.setBit(s, nc, true);
    s.accepted++;
    if (s.state === 'key-exchanging') {
      s.state = 'authenticated';
      this.pending.delete(s.sid);
      this.established.set(s.sid, s);
    }
  }

  /** A wrong vkc or a fake session (RFC 8120 §11): key-exchanging → rejected; authenticated stays. */
  reject(s: ServerSession): void {
    if (s.state === 'key-exchanging') {
      s.state = 'rejected';
      // Secrets of a rejected session are never used again.
      wipe(s.z);
      this.pending.delete(s.sid);
      this.rejected.set(s.sid, s);
    }
  }

  /** Make a session inactive: it is wiped and forgotten (answered like an unknown sid from now on). */
  deactivate(s: ServerSession): void {
    s.state = 'inactive';
    this.remove(s);
  }

  /** Drop every expired session (O(table size)); a server may call this from a timer. */
  sweep(): void {
    const now = this.now();
    for (const map of [this.pending, this.rejected, this.established]) {
      for (const s of map.values()) {
        if (s.expiresAt <= now) {
          this.expired++;
          this.remove(s);
        }
      }
    }
  }

  get size(): number {
    return this.pending.size + this.rejected.size + this.established.size;
  }

  stats(): SessionTableStats {
    return {
      size: this.size,
      pending: this.pending.size + this.rejected.size,
      authenticated: this.established.size,
      evicted: this.evicted,
      expired: this.expired,
    };
  }

  /** Authenticated sessions, newest last (for status pages: no secrets leave through this). */
  authenticatedSessions(): ServerSession[] {
    return [...this.established.values()];
  }

  private bit(s: ServerSession, nc: number): boolean {
    const i = nc % s.ncWindow;
    return ((s.seen[i >> 3]! >> (i & 7)) & 1) === 1;
  }

  private setBit(s: ServerSession, nc: number, on: boolean): void {
    const i = nc % s.ncWindow;
    const byte = s.seen[i >> 3]!;
    s.seen[i >> 3] = on ? byte | (1 << (i & 7)) : byte & ~(1 << (i & 7));
  }

  private sweepFront(now: number, budget: number): void {
    for (const map of [this.pending, this.rejected, this.established]) {
      let n = budget;
      for (const s of map.values()) {
        if (n-- <= 0 || s.expiresAt > now) break;
        this.expired++;
        this.remove(s);
      }
    }
  }

  private evictOldest(map: Map<string, ServerSession>): void {
    const first = map.values().next();
    if (first.done) return;
    this.evicted++;
    first.value.state = 'inactive';
    this.remove(first.value);
  }

  private remove(s: ServerSession): void {
    this.pending.delete(s.sid);
    this.rejected.delete(s.sid);
    this.established.delete(s.sid);
    wipe(s.z);
    wipe(s.K_c1);
    wipe(s.K_s1);
  }
}

function positiveInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}
