/**
 * What a client remembers between requests (RFC 8120 §5, §6, §10): credentials per realm, sessions per
 * server and realm. Plain JSON data (secrets as hex) so an adapter can persist it — in the extension,
 * to `storage.session` before any request that depends on it goes out (docs/architecture.md).
 */
import type { AlgorithmName } from '../crypto/algorithms.ts';

/** An authentication realm: the triple of RFC 8120 §5. */
export interface RealmId {
  readonly algorithm: AlgorithmName;
  /** The auth-scope string as used in pi (the server's, or the single-server default). */
  readonly authScope: string;
  readonly realm: string;
}

export type Validation = 'host' | 'tls-server-end-point';

/** Key of a realm in maps: unambiguous for any strings. */
export function realmKey(r: RealmId): string {
  return JSON.stringify([r.algorithm, r.authScope, r.realm]);
}

/** Inverse of {@link realmKey} (keys are only ever made by realmKey). */
export function realmFromKey(key: string): RealmId {
  const [algorithm, authScope, realm] = JSON.parse(key) as [AlgorithmName, string, string];
  return { algorithm, authScope, realm };
}

/** A prepared username and pi for one realm. The password itself is never stored. */
export interface ClientCredential {
  readonly realm: RealmId;
  readonly username: string;
  /** Hex of the PBKDF2 octets (pi = INT of them). Secret. */
  readonly pi: string;
}

/** The keys of an established session (RFC 8120 §6). Secret: z in particular. */
export interface SessionKeys {
  readonly sid: string;
  readonly K_c1: string;
  readonly K_s1: string;
  readonly z: string;
  /** Hex of vh as used for this session's vkc/vks. */
  readonly vh: string;
  /** Next nonce number to allocate; persisted before every use. */
  readonly nextNc: number;
  readonly ncMax: number;
  readonly ncWindow: number;
  /** Epoch ms after which the session is not reused (the `time` parameter). */
  readonly expiresAt: number;
}

/** One realm on one server: what the client knows about it, with or without live keys. */
export interface ClientSession {
  /** scheme://host:port of the server (sessions are per server, RFC 8120 §6). */
  readonly server: string;
  readonly realm: RealmId;
  readonly validation: Validation;
  /** The auth-scope parameter exactly as the server sent it (absent if it sent none), echoed in requests. */
  readonly authScopeParam?: string;
  readonly username: string;
  /** Absolute URL prefixes from the `path` parameter (RFC 8120 §4.3), inside the auth-scope. */
  readonly paths: readonly string[];
  readonly keys?: SessionKeys;
  /** When the server last proved itself (epoch ms), and how many responses it has proven. */
  readonly verifiedSince?: number;
  readonly requestsVerified: number;
  /** RFC 8053 location-when-logout, from the latest successfully authenticated response. */
  readonly logoutLocation?: string;
  /** RFC 8053 logout-timeout: epoch ms at which the session is discarded. */
  readonly logoutAt?: number;
}

export interface ClientState {
  readonly version: 1;
  credentials: Record<string, ClientCredential>;
  sessions: Record<string, ClientSession>;
  /** URL (without fragment) → realm key of the last 401-INIT for it (RFC 8120 §5.1, first tactic). */
  lastRealm: Record<string, string>;
  /** Bumped on every change, so adapters know when to persist. */
  revision: number;
}

export function emptyClientState(): ClientState {
  return { version: 1, credentials: {}, sessions: {}, lastRealm: {}, revision: 0 };
}

export function sessionKey(server: string, realm: RealmId): string {
  return `${server} ${realmKey(realm)}`;
}

/** What a user interface may see of a session: no keys, no pi. */
export interface SessionStatus {
  server: string;
  realm: RealmId;
  validation: Validation;
  username: string;
  active: boolean;
  sid?: string;
  verifiedSince?: number;
  requestsVerified: number;
  expiresAt?: number;
}

export function sessionStatus(s: ClientSession): SessionStatus {
  const out: SessionStatus = {
    server: s.server,
    realm: s.realm,
    validation: s.validation,
    username: s.username,
    active: s.keys !== undefined,
    requestsVerified: s.requestsVerified,
  };
  if (s.keys) {
    out.sid = s.keys.sid;
    out.expiresAt = s.keys.expiresAt;
  }
  if (s.verifiedSince !== undefined) out.verifiedSince = s.verifiedSince;
  return out;
}
