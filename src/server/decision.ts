/**
 * The server decision procedure of RFC 8120 §11 as a function of one request — method, URL, request header
 * fields, time — to a decision: answer now (401-INIT, 401-STALE, 401-KEX-S1, 400, 503, the status page) or
 * pass the request to the application with the header fields its response must carry (200-VFY-S's
 * Authentication-Info, Optional-WWW-Authenticate, Authentication-Control) and who is authenticated. Sessions
 * live in a {@link SessionStore} (memory or Redis); nothing here touches a socket, so the same decision
 * serves the node:http, Express, Fastify, Fetch-API (Hono) adapters and the reverse proxy.
 *
 * Nonce numbers per RFC 8120 §6, RFC 8053 §3 optional authentication and §4 Authentication-Control; project
 * decisions of docs/mutual-protocol.md §3.4–§3.6 (fake sessions, nonce rules, server identity from the
 * configured origin — never from the Host header).
 */
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../crypto/algorithms.ts';
import { decodeFixedNumber, encodeFixedNumber } from '../crypto/encoding.ts';
import {
  formatAuthenticationControl, formatInit, formatKexS1, formatVfyS, readCredentials,
  type AuthenticationControl, type KexC1Credentials, type VfyCCredentials,
} from '../protocol/messages.ts';
import { parseChallenges } from '../protocol/syntax.ts';
import { hostValidationVh, originOf, parseAuthScope, scopeCovers, singleServerScope, type Origin } from '../protocol/realm.ts';
import { utf8, webRandom, type RandomSource } from '../bytes.ts';
import { confirmKeys, kc1IsValid, randomVerifier, serverKeyExchange } from './kex.ts';
import { MemorySessionStore } from './memory-store.ts';
import { StoreUnavailableError, type SessionStore, type SessionSummary, type StoredSession, type StoreStats, type VerifyOutcome } from './session-store.ts';
import { SessionTable, type RealmTriple, type SessionTableOptions } from './session-table.ts';
import type { VerifierEntry } from './verifier-file.ts';
import { loosePath, requestPath } from './request-path.ts';

export type Validation = 'host' | 'tls-server-end-point';

/** RFC 8053 §4 parameters a protected area may send (each only on the responses where it is meaningful). */
export interface AreaControl {
  /** §4.3, on 401-INIT (initial) responses: clients that would have to ask the user go there instead. */
  locationWhenUnauthenticated?: string;
  /** §4.4, on 401-INIT (initial) responses. */
  noAuth?: boolean;
  /** §4.5, on successfully authenticated responses. */
  locationWhenLogout?: string;
  /** §4.6, on successfully authenticated responses (seconds). */
  logoutTimeout?: number;
  /** §4.7, on 401-INIT responses. */
  username?: string;
  /** §4.2, on 401-INIT responses. */
  authStyle?: 'modal' | 'non-modal';
}

/** One protected area: a path prefix in one protection space (RFC 8120 §5). */
export interface ProtectedArea {
  /** Path prefix, e.g. `/p256/`; the same path without its trailing slash is covered too. */
  path: string;
  realm: string;
  algorithm: AlgorithmName;
  /** The auth-scope sent and used in pi; default: the single-server scope of the configured origin. */
  authScope?: string;
  /**
   * RFC 8053 §3 optional authentication: an unauthenticated request gets the application's response with
   * `Optional-WWW-Authenticate` instead of a 401.
   */
  optional?: boolean;
  /**
   * Exact paths inside the area that log out on the server (RFC 8053 §4.6 `logout-timeout=0`): an
   * authenticated request there gets its 200-VFY-S and the session becomes inactive; an unauthenticated one
   * is passed to the application as a normal request.
   */
  logoutPaths?: string[];
  control?: AreaControl;
}

/** Where the decision finds verifiers (VerifierStore of verifier-file.ts, or anything with this shape). */
export interface VerifierLookup {
  lookup(space: RealmTriple, user: string): VerifierEntry | undefined;
}

export interface MutualOptions {
  /**
   * The server's public origin (`https://www.example.com`): the only source of vh for validation=host and of
   * the default auth-scope (docs/mutual-protocol.md §3.6). Never taken from the Host header.
   */
  origin: string;
  areas: readonly ProtectedArea[];
  verifiers: VerifierLookup;
  /** Default: `host` for an http origin, `tls-server-end-point` for https (which needs `tlsVh`). */
  validation?: Validation;
  /** vh of validation=tls-server-end-point: the RFC 5929 §4.1 hash of the server certificate (tls.ts). */
  tlsVh?: Uint8Array;
  /**
   * Where sessions live: a store (e.g. a RedisSessionStore shared by several instances), a session table, or
   * options for a new in-memory table (caps, lifetime, nc-max, nc-window, clock). Default: in memory.
   */
  sessions?: SessionStore | SessionTable | SessionTableOptions;
  /** Unknown users: a fake key exchange failing at req-VFY-C (default, §11 note 2) or 401 `user-unknown`. */
  unknownUsers?: 'fake' | 'user-unknown';
  /** Path of the JSON status counters (default `/.well-known/mutual-status`); false to disable. */
  statusPath?: string | false;
  /** Longest Authorization field accepted (default 16384 octets, docs/mutual-protocol.md §3.8); longer → 400. */
  maxAuthorizationLength?: number;
  /** Body of the handler's own 401 responses (HTML). */
  unauthorizedBody?: (info: { area: ProtectedArea; reason: string }) => string;
  random?: RandomSource;
}

/** Who is authenticated on a request that reached the application through a 200-VFY-S. */
export interface AuthInfo {
  user: string;
  space: RealmTriple;
  sid: string;
  nc: number;
  /** The request ended the session (a logout path). */
  loggedOut: boolean;
}

/** Header fields as the adapters hold them: a Fetch `Headers`, or node's lower-case record. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface MutualRequest {
  method: string;
  /** The request-target as received (origin-form `/path?query`, or absolute-form). */
  url: string;
  headers: HeaderSource;
}

interface DecisionBase {
  /** Header fields for the response (values are octet strings: a non-ASCII realm is raw UTF-8, one char per octet). */
  headers: Array<[string, string]>;
  /** For the request log: init, kex-s1, authenticated, stale(duplicate), … */
  outcome: string;
  sid?: string;
  nc?: number;
}

/** The decision answers the request itself. */
export interface RespondDecision extends DecisionBase {
  action: 'respond';
  status: number;
  body: Uint8Array;
}

/** The application produces the response, with `headers` added; `auth` names the authenticated user. */
export interface PassDecision extends DecisionBase {
  action: 'pass';
  auth?: AuthInfo;
}

export type Decision = RespondDecision | PassDecision;

export interface MutualCounters {
  requests: number;
  /** 401-INIT with reason=initial (or Optional-WWW-Authenticate) for unauthenticated requests. */
  initialChallenges: number;
  /** req-KEX-C1 answered with 401-KEX-S1 (fake ones included). */
  exchanges: number;
  /** req-VFY-C accepted: 200-VFY-S responses (= authenticated requests). */
  successes: number;
  /** 401-STALE responses (unknown / expired / inactive sid, bad or duplicate nonce number). */
  staleRejections: number;
  /** 401-INIT reason=auth-failed after req-VFY-C (wrong vkc, fake or rejected session). */
  failedVerifications: number;
  /** Nonce numbers received twice in a session (each ends the session). */
  duplicateNonces: number;
  /** 401-INIT reason=invalid-parameters (bad kc1, unusable message). */
  invalidParameters: number;
  /** 400 responses (Authorization unparseable or too long). */
  badRequests: number;
  /** Server-side logouts. */
  logouts: number;
  /** 503 responses: the session store could not be reached (nothing was authenticated). */
  storeUnavailable: number;
  /** Decision errors answered with 500. */
  internalErrors: number;
}

export interface MutualStatus extends MutualCounters {
  authenticatedRequests: number;
  store: string;
  /** Absent when the store could not be reached (then `storeError` says why). */
  table?: StoreStats;
  storeError?: string;
  /** The most recent authenticated sessions (at most 100). */
  sessions: SessionSummary[];
}

export interface MutualDecider {
  /** RFC 8120 §11 for one request. Never throws: errors become 500, an unreachable store 503. */
  decide(req: MutualRequest): Promise<Decision>;
  /**
   * The same decision, returned directly when no step had to wait (the in-memory store answers at once):
   * the node:http handler applies it in the same turn instead of after a promise hop per await.
   */
  decideNow(req: MutualRequest): Decision | Promise<Decision>;
  readonly store: SessionStore;
  readonly counters: Readonly<MutualCounters>;
  readonly validation: Validation;
  readonly origin: string;
  status(): Promise<MutualStatus>;
}

interface Space extends RealmTriple {
  readonly alg: Algorithm;
  /** Path prefixes of every area of this space (the `path` parameter of 401-KEX-S1). */
  readonly paths: string[];
}

interface Area {
  readonly config: ProtectedArea;
  readonly prefix: string;
  readonly space: Space;
  /** Precomputed 401-INIT challenges per reason. */
  readonly init: (reason: string) => string;
}

/** Which responses an Authentication-Control value is for (RFC 8053 §4: each parameter has its own). */
type ControlFor = 'initial' | 'failed' | 'success' | 'logout';

export const DEFAULT_STATUS_PATH = '/.well-known/mutual-status';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function headerOf(h: HeaderSource, name: string): string | undefined {
  if (typeof (h as { get?: unknown }).get === 'function') {
    const v = (h as { get(name: string): string | null }).get(name);
    return v === null ? undefined : v;
  }
  const v = (h as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return Array.isArray(v) ? v.join(', ') : (v as string | undefined);
}

/** Build the decision. Throws (at start-up, not per request) when the configuration is unusable. */
export function createMutualDecider(options: MutualOptions): MutualDecider {
  const originResult = originOf(options.origin);
  if (!originResult.ok) throw originResult.error;
  const origin: Origin = originResult.value;
  const validation: Validation = options.validation ?? (origin.scheme === 'https' ? 'tls-server-end-point' : 'host');
  let vh: Uint8Array;
  if (validation === 'host') {
    vh = utf8(hostValidationVh(origin));
  } else {
    if (!options.tlsVh) throw new Error('validation=tls-server-end-point needs tlsVh (the certificate hash, RFC 5929 §4.1)');
    vh = options.tlsVh;
  }
  const s = options.sessions;
  const store: SessionStore =
    s === undefined ? new MemorySessionStore() : s instanceof SessionTable ? new MemorySessionStore(s) : isStore(s) ? s : new MemorySessionStore(s);
  const random = options.random ?? webRandom;
  const verifiers = options.verifiers;
  const unknownUsers = options.unknownUsers ?? 'fake';
  const statusPath = options.statusPath === undefined ? DEFAULT_STATUS_PATH : options.statusPath;
  const maxAuthorization = options.maxAuthorizationLength ?? 16_384;
  const defaultScope = singleServerScope(origin);

  // ---- configuration → areas (checked once, so no formatter can throw per request)
  const spaces = new Map<string, Space>();
  const areas: Area[] = [];
  for (const a of options.areas) {
    const alg = getAlgorithm(a.algorithm);
    if (!alg) throw new Error(`area ${a.path}: unknown algorithm ${a.algorithm}`);
    if (!a.path.startsWith('/')) throw new Error(`area ${a.path}: the path must start with "/"`);
    const authScope = a.authScope ?? defaultScope;
    const scope = parseAuthScope(authScope);
    if (!scope.ok) throw new Error(`area ${a.path}: ${scope.error.message}`);
    if (!scopeCovers(scope.value, origin)) throw new Error(`area ${a.path}: auth-scope ${authScope} does not cover the origin ${defaultScope}`);
    const key = JSON.stringify([alg.name, authScope, a.realm]);
    let space = spaces.get(key);
    if (!space) {
      space = { algorithm: alg.name, authScope, realm: a.realm, alg, paths: [] };
      spaces.set(key, space);
    }
    space.paths.push(a.path);
    const sp = space;
    const cache = new Map<string, string>();
    const init = (reason: string): string => {
      let v = cache.get(reason);
      if (v === undefined) {
        v = formatInit({ algorithm: sp.algorithm, validation, authScope: sp.authScope, realm: sp.realm, reason });
        cache.set(reason, v);
      }
      return v;
    };
    init('initial'); // throws now for a realm no header can carry
    areas.push({ config: a, prefix: a.path, space, init });
  }
  // Longest prefix first.
  areas.sort((x, y) => y.prefix.length - x.prefix.length);

  const counters: MutualCounters = {
    requests: 0, initialChallenges: 0, exchanges: 0, successes: 0, staleRejections: 0, failedVerifications: 0,
    duplicateNonces: 0, invalidParameters: 0, badRequests: 0, logouts: 0, storeUnavailable: 0, internalErrors: 0,
  };

  /** A valid-looking verifier per algorithm for fake sessions, so unknown users cost the same work. */
  const dummyJ = new Map<AlgorithmName, Uint8Array>();
  const fakeVerifier = (alg: Algorithm): Uint8Array => {
    let j = dummyJ.get(alg.name);
    if (!j) {
      j = randomVerifier(alg, random);
      dummyJ.set(alg.name, j);
    }
    return j;
  };

  const areaFor = (path: string): Area | undefined => {
    for (const a of areas) {
      if (path.startsWith(a.prefix)) return a;
      if (a.prefix.endsWith('/') && path === a.prefix.slice(0, -1)) return a;
    }
    // Fail closed for applications that route more loosely than requestPath (request-path.ts loosePath):
    // `/ADMIN/x`, `/admin;v=1/x`, `/public/..;/admin/x`, `/%2561dmin/x` are protected like `/admin/x`.
    const loose = loosePath(path);
    for (const a of areas) {
      const prefix = a.prefix.toLowerCase();
      if (loose.startsWith(prefix)) return a;
      if (prefix.endsWith('/') && loose === prefix.slice(0, -1)) return a;
    }
    return undefined;
  };

  const formatControl = (area: Area, which: ControlFor): string | undefined => {
    const c = area.config.control ?? {};
    const v: AuthenticationControl = {};
    if (which === 'initial') {
      if (c.locationWhenUnauthenticated !== undefined) v.locationWhenUnauthenticated = c.locationWhenUnauthenticated;
      if (c.noAuth) v.noAuth = true;
    }
    if (which === 'initial' || which === 'failed') {
      if (c.username !== undefined) v.username = c.username;
      if (c.authStyle !== undefined) v.authStyle = c.authStyle;
    }
    if (which === 'success' || which === 'logout') {
      if (c.locationWhenLogout !== undefined) v.locationWhenLogout = c.locationWhenLogout;
      if (c.logoutTimeout !== undefined) v.logoutTimeout = c.logoutTimeout;
    }
    if (which === 'logout') v.logoutTimeout = 0;
    if (Object.keys(v).length === 0) return undefined;
    return formatAuthenticationControl('Mutual', { realm: area.space.realm, ...v });
  };

  // Format every Authentication-Control value once now: a bad configured value fails at start-up, and
  // requests (every authenticated one needs its 'success' value) only look them up.
  const controls = new Map<Area, Record<ControlFor, string | undefined>>();
  for (const a of areas) {
    controls.set(a, { initial: formatControl(a, 'initial'), failed: formatControl(a, 'failed'), success: formatControl(a, 'success'), logout: formatControl(a, 'logout') });
  }
  const controlHeader = (area: Area, which: ControlFor): string | undefined => controls.get(area)![which];

  const body401 =
    options.unauthorizedBody ??
    ((info: { area: ProtectedArea; reason: string }) =>
      `<!doctype html><meta charset="utf-8"><title>Authentication required</title>` +
      `<h1>401 — Mutual authentication required</h1><p>This page is protected with HTTP Mutual authentication ` +
      `(RFC 8120), realm <b>${escapeHtml(info.area.realm)}</b> (${escapeHtml(info.area.algorithm)}); reason: ` +
      `${escapeHtml(info.reason)}.</p>`);

  const respond401 = (area: Area, wwwAuthenticate: string, reason: string, outcome: string, control?: string): RespondDecision => {
    const body = utf8(body401({ area: area.config, reason }));
    const headers: Array<[string, string]> = [['WWW-Authenticate', wwwAuthenticate]];
    if (control !== undefined) headers.push(['Authentication-Control', control]);
    headers.push(['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'no-store'], ['Content-Length', String(body.length)]);
    return { action: 'respond', status: 401, headers, body, outcome };
  };

  const plain = (status: number, text: string, outcome: string, extra: Array<[string, string]> = []): RespondDecision => {
    const body = utf8(text);
    return {
      action: 'respond', status, body, outcome,
      headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Cache-Control', 'no-store'], ['Content-Length', String(body.length)], ...extra],
    };
  };

  const status = async (): Promise<MutualStatus> => {
    try {
      const [table, sessions] = await Promise.all([store.stats(), store.recentSessions(100)]);
      return { ...counters, authenticatedRequests: counters.successes, store: store.kind, table, sessions };
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      // The counters are this instance's own: still worth showing while the store is away.
      return { ...counters, authenticatedRequests: counters.successes, store: store.kind, storeUnavailable: counters.storeUnavailable, storeError: e.message, sessions: [] };
    }
  };

  // The answers of decideArea, defined once here rather than as closures per request (each closure costs an
  // allocation, and under tsx a name-keeping call, on the path of every authenticated request).

  /** A normal request (no Mutual credentials) to the area. */
  const unauthenticated = (area: Area, path: string, outcome: string): Decision => {
    counters.initialChallenges++;
    if (area.config.optional) {
      // RFC 8053 §3: the page, with the 401-INIT challenge as Optional-WWW-Authenticate.
      const headers: Array<[string, string]> = [['Optional-WWW-Authenticate', area.init('initial')]];
      const control = controlHeader(area, 'initial');
      if (control !== undefined) headers.push(['Authentication-Control', control]);
      return { action: 'pass', headers, outcome: `${outcome}-optional` };
    }
    if ((area.config.logoutPaths ?? []).includes(path)) return { action: 'pass', headers: [], outcome: 'logout-unauthenticated' };
    return respond401(area, area.init('initial'), 'initial', outcome, controlHeader(area, 'initial'));
  };
  /** 401-INIT (+): cannot be replaced by Optional-WWW-Authenticate (RFC 8120 §11 note 1). */
  const invalid = (area: Area, why: string): RespondDecision => {
    counters.invalidParameters++;
    return respond401(area, area.init('invalid-parameters'), 'invalid-parameters', `invalid-parameters(${why})`, controlHeader(area, 'failed'));
  };
  const authFailed = (area: Area, why: string, sid: string, nc: number): Decision => {
    counters.failedVerifications++;
    return { ...respond401(area, area.init('auth-failed'), 'auth-failed', `auth-failed(${why})`, controlHeader(area, 'failed')), sid, nc };
  };
  const stale = (area: Area, why: string, sid: string, nc: number): Decision => {
    counters.staleRejections++;
    return { ...respond401(area, area.init('stale-session'), 'stale-session', `stale(${why})`), sid, nc };
  };

  /** req-KEX-C1 → 401-KEX-S1 (or the answers that refuse it). */
  const kexC1 = async (area: Area, m: KexC1Credentials): Promise<Decision> => {
    const space = area.space;
    const alg = space.alg;
    const kc1 = decodeFixedNumber(m.kc1, alg.wire, alg.elementLength, 'kc1');
    if (!kc1.ok) return invalid(area, 'kc1 encoding');
    const entry = verifiers.lookup(space, m.user);
    if (!entry && unknownUsers === 'user-unknown') {
      if (!kc1IsValid(alg, kc1.value)) return invalid(area, 'kc1 element');
      counters.failedVerifications++;
      return respond401(area, area.init('user-unknown'), 'user-unknown', 'user-unknown', controlHeader(area, 'failed'));
    }
    const fake = !entry;
    // A fake session runs the same computation with a random verifier: same cost, K_s1 of valid form.
    const kex = serverKeyExchange(alg, kc1.value, entry ? entry.J : fakeVerifier(alg), random);
    if (!kex.ok) return invalid(area, 'kc1 element');
    const sid = await store.create({ space, user: m.user, fake, K_c1: kc1.value, K_s1: kex.value.K_s1, z: kex.value.z });
    counters.exchanges++;
    const challenge = formatKexS1({
      algorithm: space.algorithm,
      validation,
      authScope: space.authScope,
      realm: space.realm,
      sid,
      ks1: encodeFixedNumber(kex.value.K_s1, alg.wire),
      ncMax: store.ncMax,
      ncWindow: store.ncWindow,
      time: store.lifetimeSeconds,
      path: space.paths.join(' '),
    });
    return { ...respond401(area, challenge, 'kex-s1', fake ? 'kex-s1-fake' : 'kex-s1'), sid };
  };

  /** RFC 8120 §11 for one request to a protected area; synchronous wherever the store is. */
  const decideArea = (req: MutualRequest, area: Area, path: string): Decision | Promise<Decision> => {
    const space = area.space;
    const alg = space.alg;

    const authorization = headerOf(req.headers, 'authorization');
    if (authorization === undefined) return unauthenticated(area, path, 'init');
    if (authorization.length > maxAuthorization) {
      counters.badRequests++;
      return plain(400, 'Bad Request: the Authorization header field is too long\n', 'bad-request(authorization too long)');
    }
    const parsed = parseChallenges(authorization);
    if (!parsed.ok) {
      counters.badRequests++;
      return plain(400, 'Bad Request: the Authorization header field cannot be parsed\n', `bad-request(${parsed.error.code})`);
    }
    const mutual = parsed.value.filter((c) => c.scheme.toLowerCase() === 'mutual');
    // Credentials of another scheme only: a normal request as far as Mutual is concerned.
    if (mutual.length === 0) return unauthenticated(area, path, 'init');
    if (mutual.length > 1) return invalid(area, 'several Mutual credentials');
    const msg = readCredentials(mutual[0]!);
    if (!msg.ok) return invalid(area, msg.error.code);
    const m: KexC1Credentials | VfyCCredentials = msg.value;

    // ---- "If the authentication realm ... is not the expected realm, send a 401-INIT response."
    const msgScope = m.authScope ?? defaultScope;
    if (m.algorithm !== space.algorithm || m.realm !== space.realm || msgScope !== space.authScope) {
      counters.initialChallenges++;
      if (area.config.optional) {
        // RFC 8053 §3: authenticating to a wrong protection space is like not authenticating.
        return { action: 'pass', headers: [['Optional-WWW-Authenticate', area.init('initial')]], outcome: 'realm-mismatch-optional' };
      }
      return respond401(area, area.init('initial'), 'initial', 'realm-mismatch', controlHeader(area, 'initial'));
    }
    if (m.validation !== validation) return invalid(area, `validation ${m.validation}`);

    if (m.kind === 'req-KEX-C1') return kexC1(area, m);

    // ---- req-VFY-C: the session's keys, the key confirmation, then the §11 clause as one atomic store step.
    const sid = m.sid.toLowerCase();
    return after(store.lookup(sid, space), (session) => vfyWithSession(area, path, m, sid, session));
  };

  /** req-VFY-C, its session looked up: the key confirmation, then the store's atomic §11 step. */
  const vfyWithSession = (area: Area, path: string, m: VfyCCredentials, sid: string, session: StoredSession | undefined): Decision | Promise<Decision> => {
    const space = area.space;
    const alg = space.alg;
    const nc = m.nc;
    if (!session) return stale(area, 'unknown sid', m.sid, nc);
    const vkc = decodeFixedNumber(m.vkc, alg.wire, alg.hashLength, 'vkc');
    if (!vkc.ok) return { ...invalid(area, 'vkc encoding'), sid: m.sid, nc };
    // Fake sessions compute and compare too, so the time taken does not tell whether the user exists.
    const { vkcOk, vks } = Number.isSafeInteger(nc) ? confirmKeys(alg, session, nc, vh, vkc.value) : { vkcOk: false, vks: new Uint8Array(0) };
    const loggedOut = (area.config.logoutPaths ?? []).includes(path);
    return after(store.verify({ sid, space, nc, vkcOk, end: loggedOut }), (outcome) => vfyAnswer(area, m, session, vks, loggedOut, outcome));
  };

  /** The answer to a req-VFY-C once the store has taken its step. */
  const vfyAnswer = (area: Area, m: VfyCCredentials, session: StoredSession, vks: Uint8Array, loggedOut: boolean, outcome: VerifyOutcome): Decision => {
    const space = area.space;
    const alg = space.alg;
    const nc = m.nc;
    switch (outcome.result) {
      case 'stale':
        if (outcome.why === 'duplicate') counters.duplicateNonces++;
        return stale(area, outcome.why, m.sid, nc);
      case 'rejected':
        return authFailed(area, 'rejected session', m.sid, nc);
      case 'failed':
        return authFailed(area, session.fake ? 'unknown user' : 'wrong vkc', m.sid, nc);
      case 'accepted':
        break;
    }
    counters.successes++;
    const headers: Array<[string, string]> = [
      ['Authentication-Info', formatVfyS({ sid: session.sid, vks: encodeFixedNumber(vks, alg.wire) }, 'mutual', alg.name)],
      // Every authenticated response carries its own vks: never let a cache replay one.
      ['Cache-Control', 'no-store'],
    ];
    const control = controlHeader(area, loggedOut ? 'logout' : 'success');
    if (control !== undefined) headers.push(['Authentication-Control', control]);
    if (loggedOut) counters.logouts++; // RFC 8053 §4.6 logout-timeout=0: the session became inactive.
    const auth: AuthInfo = {
      user: session.user,
      space: { algorithm: space.algorithm, authScope: space.authScope, realm: space.realm },
      sid: session.sid,
      nc,
      loggedOut,
    };
    return { action: 'pass', headers, auth, outcome: loggedOut ? 'logout' : 'authenticated', sid: m.sid, nc };
  };

  /** What a failed step answers: 503 when the store is unreachable (fail closed), else 500. Never throws. */
  const failed = (e: unknown): Decision => {
    if (e instanceof StoreUnavailableError) {
      // Fail closed: no session state could be read or written, so nothing is authenticated.
      counters.storeUnavailable++;
      return plain(503, 'Service Unavailable: the session store cannot be reached; try again shortly\n', `store-unavailable(${reasonText(e)})`, [['Retry-After', '1']]);
    }
    counters.internalErrors++;
    return plain(500, 'Internal Server Error\n', `internal-error(${reasonText(e)})`);
  };

  const statusAnswer = (st: MutualStatus): Decision => {
    const body = utf8(`${JSON.stringify(st, null, 2)}\n`);
    return {
      action: 'respond', status: 200, body, outcome: 'status',
      headers: [['Content-Type', 'application/json; charset=utf-8'], ['Cache-Control', 'no-store'], ['Content-Length', String(body.length)]],
    };
  };

  const decideNow = (req: MutualRequest): Decision | Promise<Decision> => {
    counters.requests++;
    try {
      const path = requestPath(req.url);
      if (path === undefined) {
        counters.badRequests++;
        return plain(400, 'Bad Request\n', 'bad-request(url)');
      }
      if (statusPath !== false && path === statusPath && (req.method === 'GET' || req.method === 'HEAD')) {
        return status().then(statusAnswer).catch(failed);
      }
      const area = areaFor(path);
      if (!area) return { action: 'pass', headers: [], outcome: 'public' };
      const d = decideArea(req, area, path);
      return isThenable(d) ? Promise.resolve(d).catch(failed) : d;
    } catch (e) {
      return failed(e);
    }
  };

  return {
    decide: (req) => {
      try {
        return Promise.resolve(decideNow(req));
      } catch (e) {
        return Promise.resolve(failed(e)); // not reached: decideNow answers its own errors
      }
    },
    decideNow,
    store,
    counters,
    validation,
    origin: options.origin,
    status,
  };
}

/**
 * `f` of a store's answer: at once when the store answered directly (the in-memory store), after it
 * settles when it answered with a promise (Redis). A rejection passes through to the caller's `catch`.
 */
function after<T, U>(v: T | Promise<T>, f: (value: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(v) ? Promise.resolve(v).then(f) : f(v);
}

/** Whether a value is a promise (or promise-like, from a store written against another library). */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The first 80 characters of an error's message for the request log, whatever was thrown. */
export function reasonText(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message).slice(0, 80) : 'unknown';
  } catch {
    return 'unknown';
  }
}

function isStore(s: SessionStore | SessionTableOptions): s is SessionStore {
  return typeof (s as SessionStore).verify === 'function' && typeof (s as SessionStore).create === 'function';
}
