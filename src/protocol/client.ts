/**
 * The client decision procedure of RFC 8120 §10, following the state machine of §10.2 step by step, as a
 * pure engine: a request (URL) goes in and the engine says what Authorization to send; each response goes in
 * and the engine says what happened — send again, verified, unauthenticated, ask the user, or the server
 * FAILED to prove itself. No browser or Node API: randomness and the clock are injected
 * (docs/architecture.md). Project decisions: docs/protocol-decisions.md §3.
 */
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../crypto/algorithms.ts';
import { decodeFixedNumber, encodeFixedNumber } from '../crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret } from '../crypto/kam3.ts';
import { prepareKex, type PreparedKex } from '../crypto/precompute.ts';
import { computeVkc, computeVks } from '../crypto/verify.ts';
import { bytesToHex, constantTimeEqual, hexToBytes, utf8, type RandomSource } from '../bytes.ts';
import { MutualError, type MutualErrorCode } from '../errors.ts';
import {
  formatKexC1, formatVfyC, parseAuthenticationControlEntries, readChallenge, readVfyS,
  type AuthenticationControl, type InitChallenge, type KexS1Challenge,
} from './messages.ts';
import { parseAuthenticationInfo, parseChallenges } from './syntax.ts';
import { allocateNonce, newNonceCounter } from './nonce.ts';
import {
  effectiveScope, hostValidationVh, originOf, parsePathList, pathCovers, scopeCovers, parseAuthScope,
  scopeSpecificity, serverKey, type Origin,
} from './realm.ts';
import {
  emptyClientState, realmFromKey, realmKey, sessionKey, sessionStatus, type ClientCredential, type ClientSession,
  type ClientState, type RealmId, type SessionKeys, type SessionStatus, type Validation,
} from './state.ts';

/** Response header fields the engine reads; names in lower case, repeated fields as arrays. */
export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ResponseInput {
  status: number;
  headers: ResponseHeaders;
  /** RFC 5929 §4.1 hash of the certificate of the connection this response came on (HTTPS only). */
  tlsServerEndPoint?: Uint8Array;
}

export interface RequestContext {
  /** A sub-request (image, script, frame): never asks the user by itself (RFC 8120 §10.1 last paragraph). */
  subRequest?: boolean;
  /**
   * vh for validation=tls-server-end-point: the RFC 5929 §4.1 hash of the certificate of the TLS connection
   * this request travels on, when the adapter knows it.
   */
  tlsServerEndPoint?: Uint8Array;
}

/** Why the user is asked (shown in the login UI). */
export type LoginReason = 'initial' | 'auth-failed' | 'session-expired' | 'reauth-needed' | 'optional';

export interface LoginRequest {
  server: string;
  url: string;
  realm: RealmId;
  validation: Validation;
  /** The auth-scope parameter as the server sent it (absent if it sent none); echoed in req-KEX-C1. */
  authScopeParam?: string;
  reason: LoginReason;
  /** The reason token the server sent, for diagnostics. */
  serverReason: string;
  /** RFC 8053 username hint, if any. */
  username?: string;
  /** The RFC 8053 Authentication-Control entry relevant to this realm, if any. */
  control?: AuthenticationControl;
  /** False for sub-requests and optional authentication: show "login available", never a prompt. */
  interactive: boolean;
}

export type ClientAction =
  /** Send (or re-send) the request with this Authorization header value (none for a normal request). */
  | { type: 'send'; message: 'normal' | 'req-KEX-C1' | 'req-VFY-C'; authorization?: string; nc?: number }
  /** AUTH-SUCCEED: the response carried a correct vks. */
  | { type: 'verified'; session: SessionStatus; nc: number; loggedOut: boolean }
  /** UNAUTHENTICATED: a normal response to a request that carried no session. */
  | { type: 'unauthenticated'; loginAvailable?: LoginRequest; serverError?: boolean }
  /** AUTH-REQUIRED: credentials are needed (or were refused) for this realm. */
  | { type: 'login-required'; login: LoginRequest; redirect?: string }
  /** The server did not prove it knows the verifier, or broke the protocol: do not use the response. */
  | { type: 'server-failed'; error: MutualError; server: string; realm?: RealmId }
  /** A Mutual challenge this client cannot satisfy (unknown algorithm, tls-unique, …): declined, not faked. */
  | { type: 'declined'; error: MutualError };

type Step = 'normal' | 'vfy-first' | 'kex-first' | 'vfy' | 'kex' | 'vfy-after-kex' | 'done';

interface PendingVerify {
  sessionKey: string;
  realm: string;
  sid: string;
  nc: number;
  K_c1: string;
  K_s1: string;
  z: string;
  vh: string;
}

interface PendingKex {
  realm: string;
  validation: Validation;
  authScopeParam?: string;
  username: string;
  S_c1: string;
  K_c1: string;
  vh: string;
}

/** One user-level request and the exchanges it takes (RFC 8120 §10.1 "request sequence"). */
export interface RequestSequence {
  readonly url: string;
  readonly server: string;
  readonly subRequest: boolean;
  step: Step;
  /** How many HTTP requests this sequence has sent. */
  sent: number;
  /** Realms for which a req-KEX-C1 was already sent in this sequence (at most once each, §10.1). */
  kexTried: string[];
  verify?: PendingVerify;
  kex?: PendingKex;
  tlsServerEndPoint?: string;
}

export interface ClientOptions {
  random: RandomSource;
  now: () => number;
  /** docs/protocol-decisions.md §3.7: allow validation=host over HTTPS for this server (user's explicit choice). */
  allowHostValidationOverHttps?: (server: string) => boolean;
}

const MAX_LAST_REALM = 512;

/** A prepared S_c1/K_c1 older than this is dropped instead of used (it sat in memory long enough). */
export const PREPARED_KEX_MAX_AGE_MS = 10 * 60_000;

function headerList(h: ResponseHeaders, name: string): string[] {
  const v = h[name];
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

function urlKey(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

function err(code: MutualErrorCode, message: string): MutualError {
  return new MutualError(code, message);
}

function loginReasonOf(serverReason: string, hadSession: boolean): LoginReason {
  switch (serverReason) {
    case 'auth-failed':
    case 'user-unknown':
    case 'invalid-credential':
      return 'auth-failed';
    case 'reauth-needed':
      return 'reauth-needed';
    case 'stale-session':
      return 'session-expired';
    default:
      return hadSession ? 'session-expired' : 'initial';
  }
}

/** A Mutual challenge resolved against the request: usable, or why not. */
type Resolved =
  | { ok: true; init: InitChallenge | KexS1Challenge; realm: RealmId; validation: Validation; vh: Uint8Array }
  | { ok: false; error: MutualError };
type ResolvedInit = Extract<Resolved, { ok: true }> & { init: InitChallenge };

/**
 * The client engine. Holds a {@link ClientState} (plain data; persist it whenever `state.revision` moved,
 * and always before executing a `send` action) and runs request sequences over it.
 */
export class MutualClient {
  state: ClientState;
  private readonly opts: ClientOptions;
  /** prepareKex results, one per algorithm: in memory only, never in `state`, each used at most once. */
  private readonly prepared = new Map<AlgorithmName, PreparedKex>();

  constructor(opts: ClientOptions, state?: ClientState) {
    this.opts = opts;
    this.state = state ?? emptyClientState();
  }

  private touch(): void {
    this.state.revision++;
  }

  // ---------------------------------------------------------------- credentials and sessions

  /** Remember a prepared credential (after the user typed a password; see credentials.ts). */
  addCredential(c: ClientCredential): void {
    this.state.credentials[realmKey(c.realm)] = c;
    this.touch();
  }

  /**
   * Compute S_c1 and K_c1 for the next req-KEX-C1 of `algorithm` now — when a login is known to be needed
   * (login-required), while the user types — so that after the password only pi, z and the hashes remain.
   * Keeps one per algorithm (a second call keeps a still-fresh one); the next sendKex of that algorithm
   * consumes it, and one older than PREPARED_KEX_MAX_AGE_MS is replaced. Not persisted. Returns false for
   * an algorithm this engine does not support.
   */
  prepareKex(algorithm: string): boolean {
    const alg = getAlgorithm(algorithm);
    if (!alg) return false;
    const have = this.prepared.get(alg.name);
    if (have && this.isFresh(have)) return true;
    this.prepared.set(alg.name, prepareKex(alg, this.opts.random, this.opts.now()));
    return true;
  }

  /** Whether a fresh prepared exchange is waiting for `algorithm` (for tests and diagnostics). */
  hasPreparedKex(algorithm: string): boolean {
    const alg = getAlgorithm(algorithm);
    const have = alg && this.prepared.get(alg.name);
    return !!have && this.isFresh(have);
  }

  private isFresh(p: PreparedKex): boolean {
    const age = this.opts.now() - p.preparedAt;
    return age >= 0 && age < PREPARED_KEX_MAX_AGE_MS;
  }

  /** Drop every prepared exchange (e.g. when the login UI is dismissed). */
  discardPreparedKex(): void {
    for (const p of this.prepared.values()) p.K_c1.fill(0);
    this.prepared.clear();
  }

  /** The prepared S_c1/K_c1 for `alg` if fresh (removed either way), else a new pair. */
  private takeKex(alg: Algorithm): { S_c1: bigint; K_c1: Uint8Array } {
    const have = this.prepared.get(alg.name);
    this.prepared.delete(alg.name);
    if (have && this.isFresh(have)) return { S_c1: have.S_c1, K_c1: have.K_c1 };
    have?.K_c1.fill(0);
    const S_c1 = randomSecret(alg, this.opts.random);
    return { S_c1, K_c1: clientKc1(alg, S_c1) };
  }

  credentialFor(realm: RealmId): ClientCredential | undefined {
    return this.state.credentials[realmKey(realm)];
  }

  sessions(): SessionStatus[] {
    this.tick();
    return Object.values(this.state.sessions).map(sessionStatus);
  }

  /**
   * Log out of a realm (RFC 8120 §10.2 step 14: forget the password; RFC 8053 §4.5: erase keys and nonces):
   * every session of the realm, on every server of its auth-scope, loses its keys, and the realm's pi leaves
   * the active credentials so nothing re-authenticates by itself. With `forgetCredential` false the pi is
   * handed back, so an adapter that the user allowed to remember it can offer a one-click login later.
   * Returns location-when-logout (http/https only) if the server of `server` gave one.
   */
  logout(server: string, realm: RealmId, forgetCredential: boolean): { location?: string; credential?: ClientCredential } {
    const location = this.state.sessions[sessionKey(server, realm)]?.logoutLocation;
    const credential = this.endRealm(realmKey(realm));
    const out: { location?: string; credential?: ClientCredential } = {};
    if (location !== undefined) out.location = location;
    if (credential && !forgetCredential) out.credential = credential;
    return out;
  }

  /** Drop the keys of every session of a realm and its active credential; returns the credential. */
  private endRealm(rk: string): ClientCredential | undefined {
    for (const [k, s] of Object.entries(this.state.sessions)) {
      if (realmKey(s.realm) === rk) this.state.sessions[k] = dropKeys(s, ['logoutLocation', 'logoutAt']);
    }
    const credential = this.state.credentials[rk];
    delete this.state.credentials[rk];
    this.touch();
    return credential;
  }

  /**
   * Clock tick: discard sessions whose `time` has passed (the pi stays: a silent new exchange follows), and
   * log out of realms whose RFC 8053 logout-timeout has passed (§4.6: credentials and state discarded).
   */
  tick(): void {
    const now = this.opts.now();
    for (const [k, s] of Object.entries(this.state.sessions)) {
      if (s.logoutAt !== undefined && now >= s.logoutAt) {
        this.endRealm(realmKey(s.realm));
      } else if (s.keys && now >= s.keys.expiresAt) {
        this.state.sessions[k] = dropKeys(s);
        this.touch();
      }
    }
  }

  // ---------------------------------------------------------------- step 1: a new request

  /** Start a request sequence for `url` (RFC 8120 §10.2 step 1) and say what to send first. */
  beginRequest(rawUrl: string, ctx: RequestContext = {}): { seq: RequestSequence; action: ClientAction } {
    this.tick();
    const url = withoutCredentials(rawUrl);
    const origin = originOf(url);
    const server = origin.ok ? serverKey(origin.value) : '';
    const seq: RequestSequence = {
      url,
      server,
      subRequest: ctx.subRequest === true,
      step: 'normal',
      sent: 0,
      kexTried: [],
    };
    if (ctx.tlsServerEndPoint) seq.tlsServerEndPoint = bytesToHex(ctx.tlsServerEndPoint);
    if (!origin.ok) return { seq, action: this.sendNormal(seq) };
    let session = this.expectedSession(url, origin.value);
    if (session?.keys && session.validation === 'tls-server-end-point' && seq.tlsServerEndPoint !== undefined && seq.tlsServerEndPoint !== session.keys.vh) {
      // RFC 8120 §7: vh is the certificate of *this* connection. Another certificate than the session's:
      // never reuse the session on it; a new exchange binds to the new certificate (and fails if it is a relay's).
      this.discardSession(sessionKey(session.server, session.realm), session.keys.sid);
      session = this.state.sessions[sessionKey(session.server, session.realm)];
    }
    if (session) {
      const sent = session.keys ? this.sendVfy(seq, session, 'vfy-first') : undefined;
      if (sent) return { seq, action: sent };
      const cred = this.state.credentials[realmKey(session.realm)];
      if (cred) {
        const kex = this.sendKex(seq, cred, session.validation, origin.value, 'kex-first', session.authScopeParam);
        if (kex.type === 'send') return { seq, action: kex };
      }
    }
    return { seq, action: this.sendNormal(seq) };
  }

  /**
   * Step 1 "expected to be inside some realm": a session of this server whose path list covers the URL, or
   * the realm a 401-INIT last named for this exact URL (§5.1). Most specific scope wins.
   */
  private expectedSession(url: string, origin: Origin): ClientSession | undefined {
    const server = serverKey(origin);
    const u = new URL(url);
    const remembered = this.state.lastRealm[urlKey(url)];
    let best: ClientSession | undefined;
    let bestScore = -1;
    for (const s of Object.values(this.state.sessions)) {
      if (s.server !== server) continue;
      const rk = realmKey(s.realm);
      if (!(rk === remembered || pathCovers(s.paths, u))) continue;
      if (!s.keys && !this.state.credentials[rk]) continue;
      const scope = parseAuthScope(s.realm.authScope);
      const score = (rk === remembered ? 10_000_000 : 0) + (scope.ok ? scopeSpecificity(scope.value) : 0);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    return best;
  }

  private sendNormal(seq: RequestSequence): ClientAction {
    seq.step = 'normal';
    seq.sent++;
    delete seq.verify;
    delete seq.kex;
    return { type: 'send', message: 'normal' };
  }

  /** Build a req-VFY-C on an established session, allocating the next nonce number (persist first!). */
  private sendVfy(seq: RequestSequence, session: ClientSession, step: Step): ClientAction | undefined {
    const keys = session.keys;
    if (!keys) return undefined;
    const now = this.opts.now();
    const key = sessionKey(session.server, session.realm);
    // `time` limits *reuse* (RFC 8120 §4.3): the req-VFY-C that completes the exchange always goes out.
    if (step !== 'vfy-after-kex' && now >= keys.expiresAt) {
      this.state.sessions[key] = dropKeys(session);
      this.touch();
      return undefined;
    }
    const alloc = allocateNonce({ next: keys.nextNc, max: keys.ncMax });
    if (!alloc.ok) {
      // nc-max reached: a new exchange before the next request (RFC 8120 §6).
      this.state.sessions[key] = dropKeys(session);
      this.touch();
      return undefined;
    }
    const alg = getAlgorithm(session.realm.algorithm);
    if (!alg) return undefined;
    this.state.sessions[key] = { ...session, keys: { ...keys, nextNc: alloc.counter.next } };
    this.touch();
    const verify: PendingVerify = {
      sessionKey: key,
      realm: realmKey(session.realm),
      sid: keys.sid,
      nc: alloc.nc,
      K_c1: keys.K_c1,
      K_s1: keys.K_s1,
      z: keys.z,
      vh: keys.vh,
    };
    const vkc = computeVkc(alg, verifyInput(verify));
    seq.step = step;
    seq.sent++;
    seq.verify = verify;
    delete seq.kex;
    const authorization = formatVfyC({
      algorithm: alg.name,
      validation: session.validation,
      ...(session.authScopeParam !== undefined ? { authScope: session.authScopeParam } : {}),
      realm: session.realm.realm,
      sid: keys.sid,
      nc: alloc.nc,
      vkc: encodeFixedNumber(vkc, alg.wire),
    });
    return { type: 'send', message: 'req-VFY-C', authorization, nc: alloc.nc };
  }

  /** Build a req-KEX-C1 for a realm whose pi is known (steps 4 and 9). */
  private sendKex(
    seq: RequestSequence,
    cred: ClientCredential,
    validation: Validation,
    origin: Origin,
    step: Step,
    /** The auth-scope parameter exactly as the server sent it (undefined: it sent none). RFC 8120 §4.2. */
    authScopeParam: string | undefined,
  ): ClientAction {
    const rk = realmKey(cred.realm);
    const alg = getAlgorithm(cred.realm.algorithm);
    if (!alg) return { type: 'declined', error: err('ERR_MUTUAL_UNSUPPORTED', `unsupported algorithm ${cred.realm.algorithm}`) };
    const vh = this.vhFor(validation, origin, seq);
    if (!vh.ok) return { type: 'declined', error: vh.error };
    const { S_c1, K_c1 } = this.takeKex(alg);
    seq.step = step;
    seq.sent++;
    seq.kexTried.push(rk);
    delete seq.verify;
    const kex: PendingKex = {
      realm: rk,
      validation,
      username: cred.username,
      S_c1: S_c1.toString(16),
      K_c1: bytesToHex(K_c1),
      vh: bytesToHex(vh.value),
    };
    // The server must see the same auth-scope it sent (or none, if it sent none): RFC 8120 §4.2.
    const scopeParam = authScopeParam;
    if (scopeParam !== undefined) kex.authScopeParam = scopeParam;
    seq.kex = kex;
    const authorization = formatKexC1({
      algorithm: alg.name,
      validation,
      ...(scopeParam !== undefined ? { authScope: scopeParam } : {}),
      realm: cred.realm.realm,
      user: cred.username,
      kc1: encodeFixedNumber(K_c1, alg.wire),
    });
    return { type: 'send', message: 'req-KEX-C1', authorization };
  }

  /** vh of RFC 8120 §7 for this request, or why it cannot be had. */
  private vhFor(validation: Validation, origin: Origin, seq: RequestSequence): { ok: true; value: Uint8Array } | { ok: false; error: MutualError } {
    if (validation === 'host') {
      if (origin.scheme === 'https' && !this.opts.allowHostValidationOverHttps?.(serverKey(origin))) {
        return {
          ok: false,
          error: err(
            'ERR_MUTUAL_UNSUPPORTED',
            `${serverKey(origin)} asks for validation=host over HTTPS; RFC 8120 §7 requires tls-server-end-point there. ` +
              'This is a server misconfiguration: the login is declined unless you allow it for this site.',
          ),
        };
      }
      return { ok: true, value: utf8(hostValidationVh(origin)) };
    }
    if (origin.scheme !== 'https') {
      return { ok: false, error: err('ERR_MUTUAL_UNSUPPORTED', `${serverKey(origin)} asks for tls-server-end-point over plain HTTP`) };
    }
    const b = seq.tlsServerEndPoint === undefined ? undefined : hexToBytes(seq.tlsServerEndPoint);
    if (!b) {
      return {
        ok: false,
        error: err('ERR_MUTUAL_UNSUPPORTED', `the certificate of ${serverKey(origin)} is not known yet, so tls-server-end-point cannot be computed`),
      };
    }
    return { ok: true, value: b };
  }

  // ---------------------------------------------------------------- responses

  /** Feed the response to the last request of `seq`; returns what to do next (RFC 8120 §10.2 steps 3–14). */
  handleResponse(seq: RequestSequence, res: ResponseInput): ClientAction {
    try {
      return this.decide(seq, res);
    } catch (e) {
      // Defence in depth: parsers are total, but an engine bug must never become an unverified page.
      seq.step = 'done';
      const error = e instanceof MutualError ? e : err('ERR_MUTUAL_PROTOCOL', `internal error while checking the response: ${String(e)}`);
      return { type: 'server-failed', error, server: seq.server };
    }
  }

  /** After the user supplied credentials for `login` (addCredential first): step 12 → step 9. */
  resume(seq: RequestSequence, login: LoginRequest): ClientAction {
    const cred = this.state.credentials[realmKey(login.realm)];
    const origin = originOf(seq.url);
    if (!cred || !origin.ok) return { type: 'login-required', login };
    if (seq.kexTried.includes(realmKey(login.realm))) {
      // A fresh attempt after user input: a new sequence in RFC terms, so the once-per-sequence rule restarts.
      seq.kexTried = seq.kexTried.filter((k) => k !== realmKey(login.realm));
    }
    return this.sendKex(seq, cred, login.validation, origin.value, 'kex', login.authScopeParam);
  }

  private decide(seq: RequestSequence, res: ResponseInput): ClientAction {
    if (res.tlsServerEndPoint) seq.tlsServerEndPoint = bytesToHex(res.tlsServerEndPoint);
    const origin = originOf(seq.url);
    if (!origin.ok) return this.finish(seq, { type: 'unauthenticated' });
    const msg = classify(res);
    const step = seq.step;
    const first = seq.sent === 1;

    if (step === 'done') {
      return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', 'a response arrived for a request sequence that had already ended');
    }

    // 200-VFY-S: only as an answer to req-VFY-C (§10.1), and vks must be right (step 14).
    if (msg.kind === 'vfy-s') {
      if (!seq.verify) {
        if (step === 'normal' || (first && step === 'kex-first')) {
          return this.fail(seq, 'ERR_MUTUAL_SERVER_AUTH', 'the server sent Authentication-Info for a request that carried no session');
        }
        return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', 'unexpected Authentication-Info');
      }
      return this.checkVfyS(seq, res, msg.values);
    }

    if (msg.kind === 'normal') {
      if (seq.verify) {
        // Project decision (docs/protocol-decisions.md, issue 2): a request that carried a session must come
        // back verified. 5xx without Authentication-Info is the RFC's tolerated exception (§10.1) — reported
        // as an unverified server error, never as verified.
        const s = this.state.sessions[seq.verify.sessionKey];
        if (res.status >= 500 && res.status <= 599) {
          return this.finish(seq, { type: 'unauthenticated', serverError: true });
        }
        this.discardSession(seq.verify.sessionKey, seq.verify.sid);
        return this.fail(
          seq,
          'ERR_MUTUAL_SERVER_AUTH',
          `the server answered an authenticated request (${res.status}) without Authentication-Info: it did not prove it knows your password verifier`,
          s?.realm,
        );
      }
      if (step === 'normal' || (first && step === 'kex-first')) {
        // RFC 8053 §3: Optional-WWW-Authenticate means, for authentication, what a 401-INIT means — so with a
        // known pi the client authenticates by itself; without one it only says "login available".
        const optional = this.optionalChallenges(res, origin.value, seq);
        const known = optional.filter((r) => this.state.credentials[realmKey(r.realm)] && !seq.kexTried.includes(realmKey(r.realm)));
        if (known.length > 0) return this.onInit(seq, known, res, origin.value);
        const loginAvailable = optional[0] && this.loginRequest(seq, optional[0], res, origin.value, 'optional', false);
        return this.finish(seq, loginAvailable ? { type: 'unauthenticated', loginAvailable } : { type: 'unauthenticated' });
      }
      if (res.status >= 500 && res.status <= 599) {
        // A server error during the key exchange: nothing was proven either way (RFC 8120 §10.1 tolerance).
        return this.finish(seq, { type: 'unauthenticated', serverError: true });
      }
      return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', `the server answered the key exchange with a normal response (${res.status})`);
    }

    // A 401 with Mutual challenges. Any 401 to a req-VFY-C makes its session secret unusable (§10.1).
    if (seq.verify) this.discardSession(seq.verify.sessionKey, seq.verify.sid);
    const sentRealm = seq.verify?.realm ?? seq.kex?.realm;
    const resolved = msg.challenges.map((c) => this.resolve(c, origin.value, seq));
    const usable = resolved.filter((r): r is Extract<Resolved, { ok: true }> => r.ok);

    // 401-KEX-S1: only in answer to req-KEX-C1 (§10.1), for the same realm.
    const kexS1 = usable.find(
      (r) => r.init.kind === '401-KEX-S1' && realmKey(r.realm) === sentRealm && r.validation === seq.kex?.validation,
    );
    if (kexS1 && seq.kex && kexS1.init.kind === '401-KEX-S1') return this.onKexS1(seq, kexS1.init, kexS1.realm, origin.value);
    if (usable.some((r) => r.init.kind === '401-KEX-S1')) {
      return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', 'the server sent 401-KEX-S1 for a request that was not a matching req-KEX-C1');
    }

    const inits = usable.filter((r): r is ResolvedInit => r.init.kind === '401-INIT');
    if (inits.length === 0) {
      const why = resolved.find((r): r is { ok: false; error: MutualError } => !r.ok);
      if (seq.verify || (seq.kex && !first)) {
        return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', why ? why.error.message : 'the server sent an unusable Mutual challenge');
      }
      return this.finish(seq, { type: 'declined', error: why?.error ?? err('ERR_MUTUAL_MESSAGE', 'no usable Mutual challenge') });
    }

    // 401-INIT / 401-STALE for the realm we authenticated to …
    const same = sentRealm === undefined ? undefined : inits.find((r) => realmKey(r.realm) === sentRealm);
    if (same) {
      if (same.init.reason === 'stale-session') {
        // 401-STALE: steps 3/8 → 9, a new exchange with the remembered pi, once per realm per sequence.
        const cred = this.state.credentials[sentRealm!];
        if (cred && seq.verify && !seq.kexTried.includes(sentRealm!)) {
          return this.sendKex(seq, cred, same.validation, origin.value, 'kex', same.init.authScope);
        }
      }
      // Step 13: credentials refused — forget them and ask again (step 12).
      const hadSession = seq.verify !== undefined;
      if (same.init.reason !== 'stale-session' || !hadSession) delete this.state.credentials[sentRealm!];
      this.touch();
      return this.askUser(seq, same, res, origin.value, loginReasonOf(same.init.reason, hadSession));
    }

    // … or for another realm: only acceptable as the answer to the first request (§10.1).
    if (!first) {
      return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', 'the server switched to another realm in the middle of an authentication');
    }
    return this.onInit(seq, inits, res, origin.value);
  }

  /** Steps 6–9 and 12: a 401-INIT for a realm; use known credentials or ask the user. */
  private onInit(
    seq: RequestSequence,
    inits: ResolvedInit[],
    res: ResponseInput,
    origin: Origin,
  ): ClientAction {
    // Prefer a realm whose pi is known; else the server's first usable challenge.
    const chosen = inits.find((r) => this.state.credentials[realmKey(r.realm)]) ?? inits[0]!;
    const rk = realmKey(chosen.realm);
    this.rememberRealm(seq.url, rk);
    const cred = this.state.credentials[rk];
    if (cred && !seq.kexTried.includes(rk)) {
      const key = sessionKey(seq.server, chosen.realm);
      const s = this.state.sessions[key];
      if (s?.keys) {
        const vfy = this.sendVfy(seq, s, 'vfy');
        if (vfy) return vfy;
      }
      return this.sendKex(seq, cred, chosen.validation, origin, 'kex', chosen.init.authScope);
    }
    return this.askUser(seq, chosen, res, origin, 'initial');
  }

  private askUser(
    seq: RequestSequence,
    r: ResolvedInit,
    res: ResponseInput,
    origin: Origin,
    reason: LoginReason,
  ): ClientAction {
    const login = this.loginRequest(seq, r, res, origin, reason, !seq.subRequest);
    this.rememberRealm(seq.url, realmKey(r.realm));
    const out: ClientAction = { type: 'login-required', login };
    // RFC 8053 §4.3: location-when-unauthenticated applies only when the user would be asked.
    const redirect = login.interactive ? httpLocation(login.control?.locationWhenUnauthenticated, seq.url) : undefined;
    if (redirect !== undefined) out.redirect = redirect;
    return this.finish(seq, out);
  }

  /** What the login UI is told about a challenge (never any key). */
  private loginRequest(seq: RequestSequence, r: ResolvedInit, res: ResponseInput, origin: Origin, reason: LoginReason, interactive: boolean): LoginRequest {
    const control = controlFor(res, r.realm.realm);
    const login: LoginRequest = {
      server: serverKey(origin),
      url: seq.url,
      realm: r.realm,
      validation: r.validation,
      reason,
      serverReason: r.init.reason,
      interactive: interactive && control?.noAuth !== true,
    };
    if (r.init.authScope !== undefined) login.authScopeParam = r.init.authScope;
    if (control) login.control = control;
    if (control?.username !== undefined) login.username = control.username;
    return login;
  }

  /** Step 10: 401-KEX-S1 → compute z, open the session, send req-VFY-C with nc = 1. */
  private onKexS1(seq: RequestSequence, c: KexS1Challenge, realm: RealmId, origin: Origin): ClientAction {
    const kex = seq.kex!;
    const alg = getAlgorithm(realm.algorithm)!;
    const K_s1 = decodeFixedNumber(c.ks1, alg.wire, alg.elementLength, 'ks1');
    if (!K_s1.ok) return this.fail(seq, 'ERR_MUTUAL_SERVER_AUTH', `the server's ks1 is malformed: ${K_s1.error.message}`, realm);
    const cred = this.state.credentials[kex.realm];
    if (!cred || cred.username !== kex.username) {
      return this.fail(seq, 'ERR_MUTUAL_PROTOCOL', 'the credentials for this realm changed during the exchange; try again', realm);
    }
    const z = clientZ(alg, { S_c1: BigInt(`0x${kex.S_c1}`), K_c1: hexToBytes(kex.K_c1)!, K_s1: K_s1.value, pi: hexToBytes(cred.pi)! });
    if (!z.ok) return this.fail(seq, 'ERR_MUTUAL_SERVER_AUTH', `the server's key exchange value is invalid: ${z.error.message}`, realm);
    const counter = newNonceCounter(c.ncMax);
    const keys: SessionKeys = {
      sid: c.sid.toLowerCase(),
      K_c1: kex.K_c1,
      K_s1: bytesToHex(K_s1.value),
      z: bytesToHex(z.value),
      vh: kex.vh,
      nextNc: counter.next,
      ncMax: counter.max,
      ncWindow: c.ncWindow,
      expiresAt: this.opts.now() + Math.min(c.time, 86_400 * 365) * 1000,
    };
    const key = sessionKey(seq.server, realm);
    const scope = parseAuthScope(realm.authScope);
    const paths = scope.ok ? parsePathList(c.path, scope.value, origin) : [];
    const prev = this.state.sessions[key];
    const session: ClientSession = {
      server: seq.server,
      realm,
      validation: kex.validation,
      ...(kex.authScopeParam !== undefined ? { authScopeParam: kex.authScopeParam } : {}),
      username: kex.username,
      paths: paths.length > 0 ? paths : defaultPaths(seq.url, prev?.paths),
      keys,
      requestsVerified: prev?.requestsVerified ?? 0,
      ...(prev?.verifiedSince !== undefined ? { verifiedSince: prev.verifiedSince } : {}),
      // A silent re-key does not cancel a pending RFC 8053 logout-timeout, nor forget location-when-logout.
      ...(prev?.logoutAt !== undefined ? { logoutAt: prev.logoutAt } : {}),
      ...(prev?.logoutLocation !== undefined ? { logoutLocation: prev.logoutLocation } : {}),
    };
    this.state.sessions[key] = session;
    this.rememberRealm(seq.url, kex.realm);
    this.touch();
    delete seq.kex;
    const vfy = this.sendVfy(seq, session, 'vfy-after-kex');
    if (!vfy) return this.fail(seq, 'ERR_MUTUAL_NONCE', 'the server offered a session with no usable nonce numbers (nc-max < 1)', realm);
    return vfy;
  }

  /** Step 14: check sid and vks of a 200-VFY-S. */
  private checkVfyS(seq: RequestSequence, res: ResponseInput, values: string[]): ClientAction {
    const v = seq.verify!;
    const s = this.state.sessions[v.sessionKey];
    const realm = s?.realm;
    const alg = getAlgorithm(realmFromKey(v.realm).algorithm) as Algorithm;
    const failed = (message: string): ClientAction => {
      this.discardSession(v.sessionKey, v.sid);
      return this.fail(seq, 'ERR_MUTUAL_SERVER_AUTH', message, realm);
    };
    // RFC 8120 §7: vh is the certificate of the connection the response came on; the session was bound to one.
    if (s?.validation === 'tls-server-end-point' && res.tlsServerEndPoint && bytesToHex(res.tlsServerEndPoint) !== v.vh) {
      return failed('the response came over a TLS connection with another certificate than the one this session is bound to');
    }
    const info = parseAuthenticationInfo(values);
    if (!info.ok) return failed(`the server's Authentication-Info is malformed: ${info.error.message}`);
    const vfy = readVfyS(info.value, alg.name);
    if (!vfy.ok) return failed(`the server's Authentication-Info is not a valid 200-VFY-S: ${vfy.error.message}`);
    if (vfy.value.sid.toLowerCase() !== v.sid) {
      return failed(`the server answered for another session (sid ${vfy.value.sid}, expected ${v.sid})`);
    }
    const got = decodeFixedNumber(vfy.value.vks, alg.wire, alg.hashLength, 'vks');
    const expected = computeVks(alg, verifyInput(v));
    if (!got.ok || !constantTimeEqual(got.value, expected)) {
      return failed('the server sent a wrong vks: it does not know your password verifier — this may not be the site you think it is');
    }
    // Verified. Update counters and RFC 8053 Authentication-Control of a successful response.
    const now = this.opts.now();
    let loggedOut = false;
    let status: SessionStatus | undefined;
    if (s && s.keys?.sid === v.sid) {
      const control = controlFor(res, s.realm.realm);
      let next: ClientSession = {
        ...s,
        requestsVerified: s.requestsVerified + 1,
        verifiedSince: s.verifiedSince ?? now,
      };
      const logoutLocation = httpLocation(control?.locationWhenLogout, seq.url);
      if (logoutLocation !== undefined) next = { ...next, logoutLocation };
      if (control?.logoutTimeout !== undefined) {
        if (control.logoutTimeout === 0) {
          loggedOut = true;
        } else {
          next = { ...next, logoutAt: now + control.logoutTimeout * 1000 };
        }
      }
      this.state.sessions[v.sessionKey] = next;
      // RFC 8053 §4.6, logout-timeout=0: back to the unauthenticated state — keys and active pi gone.
      if (loggedOut) this.endRealm(v.realm);
      this.touch();
      status = sessionStatus(this.state.sessions[v.sessionKey] ?? next);
    }
    const session = status ?? sessionStatus(s ?? placeholderSession(seq, v));
    return this.finish(seq, { type: 'verified', session, nc: v.nc, loggedOut });
  }

  /** The usable Mutual challenges of an RFC 8053 §3 Optional-WWW-Authenticate header. */
  private optionalChallenges(res: ResponseInput, origin: Origin, seq: RequestSequence): ResolvedInit[] {
    const out: ResolvedInit[] = [];
    for (const f of headerList(res.headers, 'optional-www-authenticate')) {
      const parsed = parseChallenges(f);
      if (!parsed.ok) continue;
      for (const ch of parsed.value) {
        if (ch.scheme.toLowerCase() !== 'mutual') continue;
        const r = this.resolve(ch, origin, seq);
        if (r.ok && r.init.kind === '401-INIT') out.push(r as ResolvedInit);
      }
    }
    return out;
  }

  /** Parse one Mutual challenge and check it can be used for this request (algorithm, scope, validation). */
  private resolve(ch: import('./syntax.ts').Challenge, origin: Origin, seq: RequestSequence): Resolved {
    const m = readChallenge(ch);
    if (!m.ok) return { ok: false, error: m.error };
    const c = m.value;
    const alg = getAlgorithm(c.algorithm);
    if (!alg) {
      return { ok: false, error: err('ERR_MUTUAL_UNSUPPORTED', `the server asks for algorithm "${c.algorithm}", which this client does not implement`) };
    }
    const scope = effectiveScope(c.authScope, origin);
    if (!scope.ok) return { ok: false, error: scope.error };
    if (c.validation !== 'host' && c.validation !== 'tls-server-end-point') {
      const why =
        c.validation === 'tls-unique'
          ? 'validation=tls-unique cannot be satisfied: browsers do not expose the TLS Finished messages, and TLS 1.3 has no tls-unique'
          : `the server asks for validation "${c.validation}", which this client does not implement`;
      return { ok: false, error: err('ERR_MUTUAL_UNSUPPORTED', why) };
    }
    const validation: Validation = c.validation;
    const vh = this.vhFor(validation, origin, seq);
    if (!vh.ok) return { ok: false, error: vh.error };
    const realm: RealmId = { algorithm: alg.name as AlgorithmName, authScope: scope.value.text, realm: c.realm };
    return { ok: true, init: c, realm, validation, vh: vh.value };
  }

  private rememberRealm(url: string, rk: string): void {
    const k = urlKey(url);
    if (this.state.lastRealm[k] === rk) return;
    delete this.state.lastRealm[k];
    this.state.lastRealm[k] = rk;
    const keys = Object.keys(this.state.lastRealm);
    // Bounded: drop the oldest entries (insertion order).
    for (let i = 0; i < keys.length - MAX_LAST_REALM; i++) delete this.state.lastRealm[keys[i]!];
    this.touch();
  }

  /** §10.1: a 401 to req-VFY-C makes the session secret unusable — unless a newer session replaced it. */
  private discardSession(key: string, sid: string): void {
    const s = this.state.sessions[key];
    if (s?.keys && s.keys.sid === sid) {
      this.state.sessions[key] = dropKeys(s);
      this.touch();
    }
  }

  private fail(seq: RequestSequence, code: MutualErrorCode, message: string, realm?: RealmId): ClientAction {
    const out: ClientAction = { type: 'server-failed', error: err(code, `${seq.server}: ${message}`), server: seq.server };
    if (realm) out.realm = realm;
    return this.finish(seq, out);
  }

  private finish(seq: RequestSequence, a: ClientAction): ClientAction {
    seq.step = 'done';
    delete seq.kex;
    delete seq.verify;
    return a;
  }
}

// -------------------------------------------------------------------- helpers

function verifyInput(v: PendingVerify) {
  return {
    K_c1: hexToBytes(v.K_c1)!,
    K_s1: hexToBytes(v.K_s1)!,
    z: hexToBytes(v.z)!,
    nc: v.nc,
    vh: hexToBytes(v.vh)!,
  };
}

/** An RFC 8053 location resolved against the page, kept only if it is http(s) ("as if a 303", §4.3/§4.5). */
function httpLocation(location: string | undefined, base: string): string | undefined {
  if (location === undefined) return undefined;
  try {
    const u = new URL(location, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** The URL without user:password@ — never kept in state, never shown back. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/** The session without its keys (and without the listed RFC 8053 fields). */
function dropKeys(s: ClientSession, clear: ReadonlyArray<'logoutLocation' | 'logoutAt'> = []): ClientSession {
  const { keys: _keys, ...rest } = s;
  const out: { -readonly [K in keyof ClientSession]?: ClientSession[K] } = { ...rest };
  for (const k of clear) delete out[k];
  return out as ClientSession;
}

/** Without a `path` parameter, assume the directory of the first authenticated URL (as Digest's domain default). */
function defaultPaths(url: string, previous: readonly string[] | undefined): string[] {
  if (previous && previous.length > 0) return [...previous];
  const u = new URL(url);
  const dir = u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1) || '/';
  return [`${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}${dir}`];
}

function placeholderSession(seq: RequestSequence, v: PendingVerify): ClientSession {
  return { server: seq.server, realm: realmFromKey(v.realm), validation: 'host', username: '', paths: [], requestsVerified: 0 };
}

type Classified =
  | { kind: 'normal' }
  | { kind: 'vfy-s'; values: string[] }
  | { kind: 'challenges'; challenges: import('./syntax.ts').Challenge[] };

/** Which of the message kinds of RFC 8120 §4 a response is. */
function classify(res: ResponseInput): Classified {
  if (res.status === 401) {
    const challenges: import('./syntax.ts').Challenge[] = [];
    for (const f of headerList(res.headers, 'www-authenticate')) {
      const p = parseChallenges(f);
      if (!p.ok) continue;
      for (const c of p.value) if (c.scheme.toLowerCase() === 'mutual') challenges.push(c);
    }
    return challenges.length > 0 ? { kind: 'challenges', challenges } : { kind: 'normal' };
  }
  const info = headerList(res.headers, 'authentication-info');
  return info.length > 0 ? { kind: 'vfy-s', values: info } : { kind: 'normal' };
}

/**
 * The RFC 8053 Authentication-Control entry for the Mutual scheme and this realm, if any. Mutual has realms,
 * so an entry must name one (§4); entries without a realm are not relevant to any realm.
 */
function controlFor(res: ResponseInput, realm: string): AuthenticationControl | undefined {
  for (const f of headerList(res.headers, 'authentication-control')) {
    const parsed = parseAuthenticationControlEntries(f);
    if (!parsed.ok) continue;
    const entry = parsed.value.find((e) => e.scheme.toLowerCase() === 'mutual' && e.control.realm === realm);
    if (entry) return entry.control;
  }
  return undefined;
}

export { scopeCovers };
