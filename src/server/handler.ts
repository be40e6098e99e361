/**
 * The server decision procedure of RFC 8120 §11 as `node:http` middleware `(req, res, next)`, with the
 * session table of session-table.ts, nonce numbers per RFC 8120 §6, RFC 8053 §3 optional authentication and
 * §4 Authentication-Control; project decisions of docs/protocol-decisions.md §3.4–§3.6 (fake sessions, nonce
 * rules, server identity from the configured origin — never from the Host header).
 *
 * For a request to a protected path the handler either answers itself (401-INIT, 401-STALE, 401-KEX-S1,
 * 400) or, for a successful req-VFY-C (200-VFY-S), sets `Authentication-Info` and calls `next()` so the
 * application produces the response; `authOf(req)` then tells the application who is authenticated.
 * Requests outside every protected area go to `next()` untouched (a "normal response", §11).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../crypto/algorithms.ts';
import { decodeFixedNumber, encodeFixedNumber } from '../crypto/encoding.ts';
import { checkElement, clientKc1, randomSecret, serverKs1 } from '../crypto/kam3.ts';
import { computeVkc, computeVks } from '../crypto/verify.ts';
import {
  formatAuthenticationControl, formatInit, formatKexS1, formatVfyS, readCredentials,
  type AuthenticationControl, type KexC1Credentials, type VfyCCredentials,
} from '../protocol/messages.ts';
import { parseChallenges } from '../protocol/syntax.ts';
import { hostValidationVh, originOf, parseAuthScope, scopeCovers, singleServerScope, type Origin } from '../protocol/realm.ts';
import { bytesToHex, constantTimeEqual, utf8, webRandom, type RandomSource } from '../bytes.ts';
import { SessionTable, type RealmTriple, type ServerSession, type SessionTableOptions } from './session-table.ts';
import type { VerifierStore } from './verifier-file.ts';

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

/**
 * TEST ONLY — a server that breaks the protocol on purpose, for the rogue-server tests of clients:
 * - `wrong-vks`: 200-VFY-S with a vks that has one bit flipped;
 * - `omit-authentication-info`: the authenticated response carries no Authentication-Info;
 * - `other-sid`: Authentication-Info names a different sid (with the right vks);
 * - `no-verifier`: the server does not know J (a phishing server): it runs the key exchange with a random
 *   verifier, accepts any vkc and answers with the vks of its own (wrong) session secret.
 * Never use these outside tests.
 */
export type Misbehaviour = 'wrong-vks' | 'omit-authentication-info' | 'other-sid' | 'no-verifier';
export const MISBEHAVIOURS: readonly Misbehaviour[] = ['wrong-vks', 'omit-authentication-info', 'other-sid', 'no-verifier'];

export interface MutualHandlerOptions {
  /**
   * The server's public origin (`https://www.example.com`): the only source of vh for validation=host and of
   * the default auth-scope (docs/protocol-decisions.md §3.6). Never taken from the Host header.
   */
  origin: string;
  areas: readonly ProtectedArea[];
  verifiers: VerifierStore;
  /** Default: `host` for an http origin, `tls-server-end-point` for https (which needs `tlsVh`). */
  validation?: Validation;
  /** vh of validation=tls-server-end-point: the RFC 5929 §4.1 hash of the server certificate (tls.ts). */
  tlsVh?: Uint8Array;
  /** A session table, or options for a new one (caps, lifetime, nc-max, nc-window, clock). */
  sessions?: SessionTable | SessionTableOptions;
  /** Unknown users: a fake key exchange failing at req-VFY-C (default, §11 note 2) or 401 `user-unknown`. */
  unknownUsers?: 'fake' | 'user-unknown';
  /** Path of the JSON status counters (default `/.well-known/mutual-status`); false to disable. */
  statusPath?: string | false;
  /** One line per request; default: none. */
  log?: (line: string) => void;
  /** Longest Authorization field accepted (default 16384 octets, docs/protocol-decisions.md §3.8); longer → 400. */
  maxAuthorizationLength?: number;
  /** Body of the handler's own 401 responses (HTML). */
  unauthorizedBody?: (info: { area: ProtectedArea; reason: string }) => string;
  random?: RandomSource;
  /** TEST ONLY: see {@link Misbehaviour}. */
  misbehave?: Misbehaviour;
}

export type NextFunction = (err?: unknown) => void;

/** Who is authenticated on a request that reached the application through a 200-VFY-S. */
export interface AuthInfo {
  user: string;
  space: RealmTriple;
  sid: string;
  nc: number;
  /** The request ended the session (a logout path). */
  loggedOut: boolean;
}

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
  /** Handler errors answered with 500. */
  internalErrors: number;
}

export interface SessionSummary {
  /** First 8 hex digits of the sid (enough to match a test client's session, not enough to use it). */
  sidPrefix: string;
  realm: string;
  algorithm: AlgorithmName;
  /** Authenticated requests in this session = distinct nonce numbers accepted. */
  requests: number;
  distinctNc: number;
  largestNc: number;
}

export interface MutualStatus extends MutualCounters {
  authenticatedRequests: number;
  table: ReturnType<SessionTable['stats']>;
  /** The most recent authenticated sessions (at most 100). */
  sessions: SessionSummary[];
}

export interface MutualHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  readonly sessions: SessionTable;
  readonly counters: Readonly<MutualCounters>;
  readonly validation: Validation;
  status(): MutualStatus;
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

const authInfos = new WeakMap<IncomingMessage, AuthInfo>();

/** The authentication of a request that passed the handler with a valid req-VFY-C, if any. */
export function authOf(req: IncomingMessage): AuthInfo | undefined {
  return authInfos.get(req);
}

interface RequestNote {
  outcome: string;
  sid?: string;
  nc?: number;
}

const DEFAULT_STATUS_PATH = '/.well-known/mutual-status';

/** Build the middleware. Throws (at start-up, not per request) when the configuration is unusable. */
export function createMutualHandler(options: MutualHandlerOptions): MutualHandler {
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
  const table = options.sessions instanceof SessionTable ? options.sessions : new SessionTable(options.sessions ?? {});
  const random = options.random ?? webRandom;
  const verifiers = options.verifiers;
  const unknownUsers = options.unknownUsers ?? 'fake';
  const statusPath = options.statusPath === undefined ? DEFAULT_STATUS_PATH : options.statusPath;
  const maxAuthorization = options.maxAuthorizationLength ?? 16_384;
  const misbehave = options.misbehave;
  const log = options.log;
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
    const s = space;
    const cache = new Map<string, string>();
    const init = (reason: string): string => {
      let v = cache.get(reason);
      if (v === undefined) {
        v = formatInit({ algorithm: s.algorithm, validation, authScope: s.authScope, realm: s.realm, reason });
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
    duplicateNonces: 0, invalidParameters: 0, badRequests: 0, logouts: 0, internalErrors: 0,
  };

  /** A valid-looking verifier per algorithm for fake sessions, so unknown users cost the same work. */
  const dummyJ = new Map<AlgorithmName, Uint8Array>();
  const fakeVerifier = (alg: Algorithm): Uint8Array => {
    let j = dummyJ.get(alg.name);
    if (!j) {
      j = clientKc1(alg, randomSecret(alg, random));
      dummyJ.set(alg.name, j);
    }
    return j;
  };

  const areaFor = (path: string): Area | undefined => {
    for (const a of areas) {
      if (path.startsWith(a.prefix)) return a;
      if (a.prefix.endsWith('/') && path === a.prefix.slice(0, -1)) return a;
    }
    return undefined;
  };

  const controlHeader = (area: Area, which: 'initial' | 'failed' | 'success' | 'logout'): string | undefined => {
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

  // Format every Authentication-Control value once now: a bad configured value fails at start-up.
  for (const a of areas) for (const w of ['initial', 'failed', 'success', 'logout'] as const) controlHeader(a, w);

  const body401 =
    options.unauthorizedBody ??
    ((info: { area: ProtectedArea; reason: string }) =>
      `<!doctype html><meta charset="utf-8"><title>Authentication required</title>` +
      `<h1>401 — Mutual authentication required</h1><p>This page is protected with HTTP Mutual authentication ` +
      `(RFC 8120), realm <b>${escapeHtml(info.area.realm)}</b> (${escapeHtml(info.area.algorithm)}); reason: ` +
      `${escapeHtml(info.reason)}.</p>`);

  const send401 = (res: ServerResponse, area: Area, wwwAuthenticate: string, reason: string, control?: string): void => {
    const body = Buffer.from(body401({ area: area.config, reason }), 'utf8');
    res.statusCode = 401;
    res.setHeader('WWW-Authenticate', wwwAuthenticate);
    if (control !== undefined) res.setHeader('Authentication-Control', control);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', body.length);
    // A Buffer, not a string: Node would encode a non-ASCII realm in the header as UTF-8 a second time.
    res.end(body);
  };

  const sendPlain = (res: ServerResponse, status: number, text: string): void => {
    const body = Buffer.from(text, 'utf8');
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };

  const status = (): MutualStatus => {
    const sessions = table
      .authenticatedSessions()
      .slice(-100)
      .map((s) => ({
        sidPrefix: s.sid.slice(0, 8),
        realm: s.space.realm,
        algorithm: s.space.algorithm,
        requests: s.accepted,
        distinctNc: s.accepted,
        largestNc: s.largestNc,
      }));
    return { ...counters, authenticatedRequests: counters.successes, table: table.stats(), sessions };
  };

  /**
   * RFC 8120 §11 for one request to a protected area. Returns 'next' when the application should produce
   * the response (normal or authenticated), or undefined when the handler answered.
   */
  const decide = (req: IncomingMessage, res: ServerResponse, area: Area, path: string, note: RequestNote): 'next' | undefined => {
    const space = area.space;
    const alg = space.alg;

    // ---- normal request (no Mutual credentials)
    const unauthenticated = (outcome: string): 'next' | undefined => {
      counters.initialChallenges++;
      if (area.config.optional) {
        // RFC 8053 §3: the page, with the 401-INIT challenge as Optional-WWW-Authenticate.
        res.setHeader('Optional-WWW-Authenticate', area.init('initial'));
        const control = controlHeader(area, 'initial');
        if (control !== undefined) res.setHeader('Authentication-Control', control);
        note.outcome = `${outcome}-optional`;
        return 'next';
      }
      if ((area.config.logoutPaths ?? []).includes(path)) {
        note.outcome = 'logout-unauthenticated';
        return 'next';
      }
      note.outcome = outcome;
      send401(res, area, area.init('initial'), 'initial', controlHeader(area, 'initial'));
      return undefined;
    };
    // 401-INIT (+): cannot be replaced by Optional-WWW-Authenticate (RFC 8120 §11 note 1).
    const invalid = (why: string): undefined => {
      counters.invalidParameters++;
      note.outcome = `invalid-parameters(${why})`;
      send401(res, area, area.init('invalid-parameters'), 'invalid-parameters', controlHeader(area, 'failed'));
      return undefined;
    };
    const authFailed = (why: string): undefined => {
      counters.failedVerifications++;
      note.outcome = `auth-failed(${why})`;
      send401(res, area, area.init('auth-failed'), 'auth-failed', controlHeader(area, 'failed'));
      return undefined;
    };
    const stale = (why: string): undefined => {
      counters.staleRejections++;
      note.outcome = `stale(${why})`;
      send401(res, area, area.init('stale-session'), 'stale-session');
      return undefined;
    };

    const authorization = req.headers.authorization;
    if (authorization === undefined) return unauthenticated('init');
    if (authorization.length > maxAuthorization) {
      counters.badRequests++;
      note.outcome = 'bad-request(authorization too long)';
      sendPlain(res, 400, 'Bad Request: the Authorization header field is too long\n');
      return undefined;
    }
    const parsed = parseChallenges(authorization);
    if (!parsed.ok) {
      counters.badRequests++;
      note.outcome = `bad-request(${parsed.error.code})`;
      sendPlain(res, 400, 'Bad Request: the Authorization header field cannot be parsed\n');
      return undefined;
    }
    const mutual = parsed.value.filter((c) => c.scheme.toLowerCase() === 'mutual');
    // Credentials of another scheme only: a normal request as far as Mutual is concerned.
    if (mutual.length === 0) return unauthenticated('init');
    if (mutual.length > 1) return invalid('several Mutual credentials');
    const msg = readCredentials(mutual[0]!);
    if (!msg.ok) return invalid(msg.error.code);
    const m: KexC1Credentials | VfyCCredentials = msg.value;

    // ---- "If the authentication realm ... is not the expected realm, send a 401-INIT response."
    const msgScope = m.authScope ?? defaultScope;
    if (m.algorithm !== space.algorithm || m.realm !== space.realm || msgScope !== space.authScope) {
      if (area.config.optional) {
        // RFC 8053 §3: authenticating to a wrong protection space is like not authenticating.
        counters.initialChallenges++;
        res.setHeader('Optional-WWW-Authenticate', area.init('initial'));
        note.outcome = 'realm-mismatch-optional';
        return 'next';
      }
      counters.initialChallenges++;
      note.outcome = 'realm-mismatch';
      send401(res, area, area.init('initial'), 'initial', controlHeader(area, 'initial'));
      return undefined;
    }
    if (m.validation !== validation) return invalid(`validation ${m.validation}`);

    if (m.kind === 'req-KEX-C1') {
      // ---- req-KEX-C1
      const kc1 = decodeFixedNumber(m.kc1, alg.wire, alg.elementLength, 'kc1');
      if (!kc1.ok) return invalid('kc1 encoding');
      const entry = misbehave === 'no-verifier' ? undefined : verifiers.lookup(space, m.user);
      if (!entry && unknownUsers === 'user-unknown' && misbehave !== 'no-verifier') {
        const el = checkElement(alg, kc1.value, 'kc1');
        if (!el.ok) return invalid('kc1 element');
        counters.failedVerifications++;
        note.outcome = 'user-unknown';
        send401(res, area, area.init('user-unknown'), 'user-unknown', controlHeader(area, 'failed'));
        return undefined;
      }
      const fake = !entry && misbehave !== 'no-verifier';
      // A fake session runs the same computation with a random verifier: same cost, K_s1 of valid form.
      const J = entry ? entry.J : fakeVerifier(alg);
      const kex = serverKs1(alg, { K_c1: kc1.value, J, S_s1: randomSecret(alg, random) });
      if (!kex.ok) return invalid('kc1 element');
      const session = table.create({ space, user: m.user, fake, K_c1: kc1.value, K_s1: kex.value.K_s1, z: kex.value.z });
      counters.exchanges++;
      note.outcome = fake ? 'kex-s1-fake' : 'kex-s1';
      note.sid = session.sid;
      const challenge = formatKexS1({
        algorithm: space.algorithm,
        validation,
        authScope: space.authScope,
        realm: space.realm,
        sid: session.sid,
        ks1: encodeFixedNumber(kex.value.K_s1, alg.wire),
        ncMax: session.ncMax,
        ncWindow: session.ncWindow,
        time: table.lifetimeSeconds,
        path: space.paths.join(' '),
      });
      send401(res, area, challenge, 'kex-s1');
      return undefined;
    }

    // ---- req-VFY-C
    note.sid = m.sid;
    note.nc = m.nc;
    const session = table.get(m.sid, space);
    if (!session) return stale('unknown sid');
    if (session.state === 'rejected') return authFailed('rejected session');
    const nonce = table.checkNonce(session, m.nc);
    if (nonce !== 'fresh') {
      if (nonce === 'duplicate') counters.duplicateNonces++;
      table.deactivate(session);
      return stale(nonce);
    }
    const vkc = decodeFixedNumber(m.vkc, alg.wire, alg.hashLength, 'vkc');
    if (!vkc.ok) return invalid('vkc encoding');
    const keys = { K_c1: session.K_c1, K_s1: session.K_s1, z: session.z, nc: m.nc, vh };
    if (misbehave !== 'no-verifier') {
      // Fake sessions compute and compare too, so the time taken does not tell whether the user exists.
      const match = constantTimeEqual(vkc.value, computeVkc(alg, keys));
      if (session.fake || !match) {
        table.reject(session);
        return authFailed(session.fake ? 'unknown user' : 'wrong vkc');
      }
    }
    table.accept(session, m.nc);
    counters.successes++;
    const vks = computeVks(alg, keys);
    if (misbehave === 'wrong-vks') vks[vks.length - 1]! ^= 1;
    const sid = misbehave === 'other-sid' ? bytesToHex(random(session.sid.length / 2)) : session.sid;
    if (misbehave !== 'omit-authentication-info') {
      res.setHeader('Authentication-Info', formatVfyS({ sid, vks: encodeFixedNumber(vks, alg.wire) }, 'mutual', alg.name));
    }
    // Every authenticated response carries its own vks: never let a cache replay one.
    res.setHeader('Cache-Control', 'no-store');
    const loggedOut = (area.config.logoutPaths ?? []).includes(path);
    const control = controlHeader(area, loggedOut ? 'logout' : 'success');
    if (control !== undefined) res.setHeader('Authentication-Control', control);
    authInfos.set(req, { user: session.user, space: { algorithm: space.algorithm, authScope: space.authScope, realm: space.realm }, sid: session.sid, nc: m.nc, loggedOut });
    if (loggedOut) {
      // RFC 8053 §4.6 logout-timeout=0: the server logs the client out; the session becomes inactive.
      counters.logouts++;
      table.deactivate(session);
      note.outcome = 'logout';
    } else {
      note.outcome = 'authenticated';
    }
    return 'next';
  };

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    counters.requests++;
    const note: RequestNote = { outcome: 'public' };
    const path = requestPath(req.url);
    if (log) {
      const method = req.method ?? '-';
      res.once('close', () => {
        const st = res.writableFinished ? String(res.statusCode) : `${res.statusCode}(aborted)`;
        const sid = note.sid === undefined ? '-' : note.sid.slice(0, 8);
        const nc = note.nc === undefined ? '-' : String(note.nc);
        log(`${clean(method)} ${clean(path ?? req.url ?? '')} ${st} sid=${sid} nc=${nc} ${note.outcome}`);
      });
    }
    const proceed = (): void => {
      if (next) next();
      else sendPlain(res, 404, 'Not Found\n');
    };
    let verdict: 'next' | undefined;
    try {
      if (path === undefined) {
        counters.badRequests++;
        note.outcome = 'bad-request(url)';
        sendPlain(res, 400, 'Bad Request\n');
        return;
      }
      if (statusPath !== false && path === statusPath && (req.method === 'GET' || req.method === 'HEAD')) {
        note.outcome = 'status';
        const body = Buffer.from(`${JSON.stringify(status(), null, 2)}\n`, 'utf8');
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Content-Length', body.length);
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      const area = areaFor(path);
      verdict = area ? decide(req, res, area, path, note) : 'next';
    } catch (e) {
      counters.internalErrors++;
      note.outcome = `internal-error(${e instanceof Error ? e.message.slice(0, 80) : 'unknown'})`;
      if (!res.headersSent) {
        for (const h of ['Authentication-Info', 'Optional-WWW-Authenticate', 'Authentication-Control']) res.removeHeader(h);
        sendPlain(res, 500, 'Internal Server Error\n');
      } else {
        res.destroy();
      }
      return;
    }
    if (verdict === 'next') {
      if (hasNonAsciiHeader(res)) writeStringsAsBuffers(res);
      proceed();
    }
  }) as MutualHandler;

  Object.defineProperties(handler, {
    sessions: { value: table },
    counters: { value: counters },
    validation: { value: validation },
    status: { value: status },
  });
  return handler;
}

/**
 * The path protection is decided on (and the demo site routes on): the WHATWG URL parser's pathname with
 * percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2), %2F and %5C read as "/", dot segments
 * resolved and runs of "/" collapsed — so `/p256//x`, `/%70256/x`, `/p256%2Fx`, `/a/../p256/x` and
 * `/a\\..\\p256\\x` are all inside `/p256/`, whichever of these decodings the application applies. An
 * application behind the middleware should route on this same path. Undefined if the target is unusable.
 */
export function requestPath(url: string | undefined): string | undefined {
  if (url === undefined || url.length > 8192) return undefined;
  if (url === '*') return url; // OPTIONS * (asterisk-form): no resource, never protected
  // Origin-form targets ("/…", even "//…") are paths, never authorities.
  const parse = (target: string): string | undefined => {
    try {
      return new URL(target.startsWith('/') ? `http://request.invalid${target}` : target).pathname;
    } catch {
      return undefined;
    }
  };
  const first = parse(url);
  if (first === undefined) return undefined;
  const decoded = first
    .replace(/%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%2[fF]|%5[cC]/g, '/')
    .replace(/\/{2,}/g, '/');
  return (parse(decoded) ?? decoded).replace(/\/{2,}/g, '/');
}

const MUTUAL_HEADERS = ['optional-www-authenticate', 'authentication-control', 'authentication-info'];

function hasNonAsciiHeader(res: ServerResponse): boolean {
  return MUTUAL_HEADERS.some((h) => {
    const v = res.getHeader(h);
    return typeof v === 'string' && /[\x80-\xff]/.test(v);
  });
}

/**
 * Header values here are octet strings (a non-ASCII realm is raw UTF-8, RFC 8120 §3.1). Node sends them as
 * latin1 — except when the first body chunk is a string, which it glues to the header block and encodes as
 * UTF-8, corrupting those octets. So when such a header is set, string chunks of the application become
 * Buffers before they reach Node.
 */
function writeStringsAsBuffers(res: ServerResponse): void {
  const toBuffer = (args: unknown[]): unknown[] => {
    const [chunk, encoding, ...rest] = args;
    if (typeof chunk !== 'string') return args;
    if (typeof encoding === 'string') return [Buffer.from(chunk, encoding as BufferEncoding), ...rest];
    return encoding === undefined ? [Buffer.from(chunk, 'utf8')] : [Buffer.from(chunk, 'utf8'), encoding, ...rest];
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    return Reflect.apply(write, this, toBuffer(args)) as boolean;
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    return Reflect.apply(end, this, toBuffer(args)) as ServerResponse;
  } as typeof res.end;
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.slice(0, 200).replace(/[\u0000-\u001f\u007f-\u009f\s]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
