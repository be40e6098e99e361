/**
 * The session store the decision procedure (decision.ts) runs over: the session table of RFC 8120 §11 and
 * the nonce-number bookkeeping of §6, behind an interface with two implementations — in memory
 * (memory-store.ts, the default, one process) and Redis (redis-store.ts, several server instances sharing
 * sessions). Every operation that checks and changes a session is one atomic step of the store, so two
 * instances that receive the same nonce number at the same moment cannot both accept it.
 *
 * Methods may answer synchronously or with a promise. A store that cannot answer (Redis unreachable) throws
 * {@link StoreUnavailableError}: the decision then fails closed (503), it never authenticates a request
 * whose nonce number was not checked.
 */
import type { SessionKeys } from './kex.ts';
import type { RealmTriple } from './session-table.ts';

export type MaybePromise<T> = T | Promise<T>;

export interface NewSession extends SessionKeys {
  readonly space: RealmTriple;
  /** The username as received (RFC 8120 §9). */
  readonly user: string;
  /** A fake session for an unknown user (RFC 8120 §11 note 2): every req-VFY-C fails. */
  readonly fake: boolean;
}

/** What a req-VFY-C needs before its atomic step: the session's immutable keys and identity. */
export interface StoredSession extends SessionKeys {
  readonly sid: string;
  readonly space: RealmTriple;
  readonly user: string;
  readonly fake: boolean;
}

/**
 * The outcome of the req-VFY-C clause of RFC 8120 §11, decided and applied in one atomic step:
 * - `stale`: unknown, expired or inactive sid, or a nonce number above nc-max, below the window, or already
 *   received (each of the last three ends the session);
 * - `rejected`: the session was already rejected;
 * - `failed`: a fake session or a wrong vkc (a key-exchanging session becomes rejected);
 * - `accepted`: nc recorded, the session is authenticated (and ended at once when `end` was asked).
 */
export type VerifyOutcome =
  | { result: 'stale'; why: 'unknown sid' | 'above-max' | 'below-window' | 'duplicate' }
  | { result: 'rejected' }
  | { result: 'failed' }
  | { result: 'accepted' };

export interface VerifyStep {
  sid: string;
  space: RealmTriple;
  nc: number;
  /** Whether the received vkc matched (computed by the caller from the session's keys). */
  vkcOk: boolean;
  /** End the session right after accepting (a logout path, RFC 8053 §4.6 logout-timeout=0). */
  end: boolean;
}

export interface StoreStats {
  size: number;
  /** key-exchanging + rejected sessions. */
  pending: number;
  authenticated: number;
  /** Sessions dropped to respect the caps. */
  evicted: number;
  /** Sessions dropped because they expired. */
  expired: number;
  /** Redis: sessions whose sealed secrets did not open here (another instance's key, an altered value). */
  unreadable?: number;
}

export interface SessionSummary {
  /** First 8 hex digits of the sid (enough to match a test client's session, not enough to use it). */
  sidPrefix: string;
  realm: string;
  algorithm: RealmTriple['algorithm'];
  /** Authenticated requests in this session = distinct nonce numbers accepted. */
  requests: number;
  distinctNc: number;
  largestNc: number;
}

export interface SessionStore {
  /** Where sessions live, for logs and the status page ("memory", "redis"). */
  readonly kind: string;
  /** Sent in 401-KEX-S1 as `time`, `nc-max`, `nc-window` (RFC 8120 §4.3). */
  readonly lifetimeSeconds: number;
  readonly ncMax: number;
  readonly ncWindow: number;
  /** A new session in the "key exchanging" state; returns its sid (evicting as the store's caps require). */
  create(init: NewSession): MaybePromise<string>;
  /** The live session with this sid in this protection space, or undefined (unknown, expired, another realm's). */
  lookup(sid: string, space: RealmTriple): MaybePromise<StoredSession | undefined>;
  /** The req-VFY-C clause of RFC 8120 §11 as one atomic step (see {@link VerifyOutcome}). */
  verify(step: VerifyStep): MaybePromise<VerifyOutcome>;
  stats(): MaybePromise<StoreStats>;
  /** The most recent authenticated sessions (at most `limit`), without secrets. */
  recentSessions(limit: number): MaybePromise<SessionSummary[]>;
  /** Drop expired sessions now (a server may call this from a timer). */
  sweep(): MaybePromise<void>;
  close(): MaybePromise<void>;
}

/** The store cannot answer: the request fails closed (503), nothing is authenticated. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
