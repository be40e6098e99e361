/**
 * The messages of RFC 8120 §4 (401-INIT / 401-STALE, req-KEX-C1, 401-KEX-S1, req-VFY-C, 200-VFY-S) as typed
 * values: validation of parsed challenges / credentials / Authentication-Info, and their canonical wire
 * forms (docs/protocol-decisions.md §2, §3.2, §3.8). Authentication-Control (RFC 8053 §4) is re-exported from
 * ./auth-control.ts.
 *
 * Every failure is ERR_MUTUAL_MESSAGE with a message that starts with the reason word of the vectors
 * (`missing-parameter`, `exclusive-parameters`, `invalid-parameters`, `unknown-version`, `invalid-integer`,
 * `invalid-hex`, `invalid-base64`, `invalid-string`, `invalid-token`, `invalid-encoding`, `not-mutual`);
 * `reasonOf()` in ./syntax.ts extracts it.
 */
import { MutualError, fail, ok, type Result } from '../errors.ts';
import { ALGORITHM_NAMES, getAlgorithm } from '../crypto/algorithms.ts';
import { formatAuthParams, isHexFixed, type AuthInfo, type Challenge, type ParamKind } from './syntax.ts';

export {
  formatAuthenticationControl,
  parseAuthenticationControl,
  parseAuthenticationControlEntries,
  type AuthenticationControl,
} from './auth-control.ts';

/** 401-INIT, and 401-STALE when `reason` is `stale-session` (RFC 8120 §4.1). */
export interface InitChallenge {
  kind: '401-INIT';
  algorithm: string;
  validation: string;
  authScope?: string;
  realm: string;
  /** Lower case; a reason this implementation does not know becomes `initial` (RFC 8120 §4.1, the vectors). */
  reason: string;
}

export interface KexS1Challenge {
  kind: '401-KEX-S1';
  algorithm: string;
  validation: string;
  authScope?: string;
  realm: string;
  /** hex-fixed-number, lower case. */
  sid: string;
  /** As received (form and length checked). */
  ks1: string;
  ncMax: number;
  ncWindow: number;
  time: number;
  path?: string;
}

export interface KexC1Credentials {
  kind: 'req-KEX-C1';
  algorithm: string;
  validation: string;
  authScope?: string;
  realm: string;
  user: string;
  kc1: string;
}

export interface VfyCCredentials {
  kind: 'req-VFY-C';
  algorithm: string;
  validation: string;
  authScope?: string;
  realm: string;
  sid: string;
  nc: number;
  vkc: string;
}

export interface VfySInfo {
  kind: '200-VFY-S';
  sid: string;
  vks: string;
}

/** RFC 8120 §6: overflowing nonce-related integers become a large maximum, never a modulus. */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

// ------------------------------------------------------------------------------------------- algorithms

/** How an algorithm carries K_c1/K_s1 and VK_c/VK_s on the wire (a subset of crypto/algorithms.ts' Algorithm). */
export interface WireForm {
  wire: 'base64' | 'hex';
  /** octets of OCTETS(element): kc1 / ks1 */
  elementLength: number;
  /** octets of the hash: vkc / vks */
  hashLength: number;
}

/**
 * The wire form of one of the four RFC 8121 algorithms (ASCII-case-insensitive), or undefined for any other.
 * The one place where this layer learns about algorithms: crypto/algorithms.ts.
 */
export function wireFormOf(algorithm: string): WireForm | undefined {
  // Every authenticated request asks twice (vkc in, vks out) with the canonical lower-case name: a lookup
  // without getAlgorithm's case folding. Only the four names are kept, whatever peers send.
  return CANONICAL.get(algorithm) ?? getAlgorithm(algorithm);
}

const CANONICAL = new Map<string, WireForm>(ALGORITHM_NAMES.map((name) => [name, getAlgorithm(name)!]));

/** Characters of a value of `octets` octets in the given wire form (hex digits, or padded base64). */
export function wireChars(wire: WireForm['wire'], octets: number): number {
  return wire === 'hex' ? 2 * octets : 4 * Math.ceil(octets / 3);
}

// ------------------------------------------------------------------------------------------- value checks

class Reject {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {}
}

function reject(reason: string, detail: string): never {
  throw new Reject(reason, detail);
}

function run<T>(f: () => T): Result<T> {
  try {
    return ok(f());
  } catch (e) {
    if (e instanceof Reject) return fail('ERR_MUTUAL_MESSAGE', `${e.reason}: ${e.detail}`);
    // Not reachable by design; no input may make a reader throw (docs/protocol-decisions.md §4).
    return fail('ERR_MUTUAL_MESSAGE', `internal-error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// RFC 8120 §3.2.1 extensive-token; §3.2.3 integer and hex-fixed-number. The alternatives are disjoint, so
// matching is linear.
const EXTENSIVE_TOKEN = /^(?:[0-9A-Za-z][0-9A-Za-z_-]*|-[0-9A-Za-z][0-9A-Za-z_-]*(?:\.[0-9A-Za-z][0-9A-Za-z_-]*)+)$/;
const INTEGER = /^(?:0|[1-9][0-9]*)$/;
const B64 = /^[A-Za-z0-9+/]*$/;
const B64_VALUE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Octets encoded by a base64-fixed-number, or undefined unless it is strict RFC 4648 §4 base64 (RFC 8120
 * §3.2.3, RFC 4648 §3.1–3.5): whole quanta, exact padding, no other characters, zero pad bits.
 */
export function base64Octets(v: string): number | undefined {
  if (v.length === 0 || v.length % 4 !== 0) return undefined;
  let pad = 0;
  while (pad < 2 && v.charCodeAt(v.length - 1 - pad) === 0x3d) pad++;
  const body = v.slice(0, v.length - pad);
  if (!B64.test(body)) return undefined;
  if (pad > 0 && (B64_VALUE.indexOf(body[body.length - 1]!) & (pad === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  return (v.length / 4) * 3 - pad;
}

export function isStrictBase64(v: string): boolean {
  return base64Octets(v) !== undefined;
}


/** RFC 8120 §3.2.3 integer → number; values above 2^53-1 become 2^53-1 (§6: never truncated). */
export function parseProtocolInteger(v: string): number | undefined {
  if (!INTEGER.test(v)) return undefined;
  if (v.length > 16) return MAX_INTEGER;
  const n = Number(v);
  return n > MAX_INTEGER ? MAX_INTEGER : n;
}

const KNOWN_REASONS = new Set([
  'initial',
  'stale-session',
  'auth-failed',
  'reauth-needed',
  'invalid-parameters',
  'internal-error',
  'user-unknown',
  'invalid-credential',
  'authz-failed',
]);

/** Whether `name` is `ks#` (second letter 0x73) or `kc#` (0x63): "k", that letter, one or more digits. */
function isNumberedKey(name: string, letter: 0x73 | 0x63): boolean {
  if (name.length < 3 || name.charCodeAt(0) !== 0x6b || name.charCodeAt(1) !== letter) return false;
  for (let i = 2; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Typed access to a parameter set, rejecting with the vectors' reason words. */
class Fields {
  constructor(
    private readonly params: Record<string, string>,
    private readonly what: string,
  ) {}

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.params, name);
  }

  private get(name: string, required: boolean): string | undefined {
    const v = this.has(name) ? this.params[name] : undefined;
    if (v === undefined && required) reject('missing-parameter', `${this.what} needs the ${name} parameter`);
    return v;
  }

  /** extensive-token (RFC 8120 §3.2.1), lower case. */
  token(name: string): string {
    const v = this.get(name, true)!;
    if (!EXTENSIVE_TOKEN.test(v)) reject('invalid-token', `${name} must be an extensive-token, got ${show(v)}`);
    return v.toLowerCase();
  }

  /** string (RFC 8120 §3.2.2): UTF-8 (checked by the syntax layer), no leading BOM. */
  string(name: string, required: true): string;
  string(name: string, required: false): string | undefined;
  string(name: string, required: boolean): string | undefined {
    const v = this.get(name, required);
    if (v !== undefined && v.charCodeAt(0) === 0xfeff) reject('invalid-string', `${name} starts with a byte order mark (RFC 8120 §3.2.2)`);
    return v;
  }

  integer(name: string): number {
    const v = this.get(name, true)!;
    const n = parseProtocolInteger(v);
    if (n === undefined) reject('invalid-integer', `${name} must be a decimal integer without sign or leading zeros, got ${show(v)}`);
    return n;
  }

  /** hex-fixed-number of any even length, lower-cased (sid). */
  hex(name: string): string {
    const v = this.get(name, true)!;
    if (!isHexFixed(v)) reject('invalid-hex', `${name} must be an even number of hex digits, got ${show(v)}`);
    return v.toLowerCase();
  }

  /** An algorithm-determined value (kc1, ks1, vkc, vks), returned as received. */
  keyValue(name: string, algorithm: string, which: 'kex' | 'verify'): string {
    const v = this.get(name, true)!;
    const form = wireFormOf(algorithm);
    if (!form) {
      // Unknown algorithm: only the generic forms can be checked (RFC 8120 §3.2.3).
      if (!isHexFixed(v) && !isStrictBase64(v)) reject('invalid-encoding', `${name} is neither a hex- nor a base64-fixed-number`);
      return v;
    }
    const octets = which === 'kex' ? form.elementLength : form.hashLength;
    const chars = wireChars(form.wire, octets);
    if (form.wire === 'hex') {
      if (v.length !== chars || !isHexFixed(v)) reject('invalid-hex', `${name} must be ${chars} hex digits for ${algorithm}, got ${describe(v)}`);
    } else if (v.length !== chars || base64Octets(v) !== octets) {
      // Same character count is not enough: 257 octets also take 344 characters (with one "=").
      reject('invalid-base64', `${name} must be ${octets} octets of padded base64 (${chars} characters) for ${algorithm}, got ${describe(v)}`);
    }
    return v;
  }
}

function show(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}

function describe(v: string): string {
  return `${v.length} characters ${show(v)}`;
}

/** Checks every message shares: syntax-level problems, realm*=, exclusivity (RFC 8120 §4), version. */
function common(
  params: Record<string, string>,
  invalid: readonly string[] | undefined,
  extended: readonly string[] | undefined,
  direction: 'response' | 'request',
  what: string,
): Fields {
  if (invalid && invalid.length > 0) reject('invalid-parameters', `${what}: ${invalid.join(', ')}`);
  if (extended?.includes('realm')) reject('invalid-parameters', `${what}: realm must not be sent as realm*= (RFC 8120 §3.1, RFC 7235 §2.2)`);
  let own = 0; // reason / ks# / vks in responses, kc# / vkc in requests
  for (const name of Object.keys(params)) {
    // Two regular expressions per name showed in the server's per-request profile.
    const response = name === 'reason' || name === 'vks' || isNumberedKey(name, 0x73);
    const request = name === 'vkc' || isNumberedKey(name, 0x63);
    if (direction === 'response' ? request : response) {
      reject('exclusive-parameters', `${what} must not contain ${name} (RFC 8120 §4)`);
    }
    if ((direction === 'response' ? response : request) && ++own > 1) {
      const set = direction === 'response' ? 'reason, ks#, vks' : 'kc#, vkc';
      reject('exclusive-parameters', `${what}: ${set} are mutually exclusive (RFC 8120 §4)`);
    }
  }
  const f = new Fields(params, what);
  if (!f.has('version')) reject('missing-parameter', `${what} needs the version parameter`);
  // RFC 8120 §4: the token "1"; any other value (also "01") is a version this implementation does not know.
  if (params.version !== '1') reject('unknown-version', `${what} has version ${show(params.version ?? '')}, expected 1`);
  return f;
}

function requireMutual(ch: Challenge, what: string): void {
  if (typeof ch?.scheme !== 'string' || ch.scheme.toLowerCase() !== 'mutual') {
    reject('not-mutual', `${what}: scheme ${show(String(ch?.scheme))} is not Mutual`);
  }
  if (ch.token68 !== undefined) reject('invalid-parameters', `${what}: token68 form, Mutual uses auth-params (RFC 8120 §3)`);
}

interface Realmed {
  algorithm: string;
  validation: string;
  authScope?: string;
  realm: string;
}

function realmed(f: Fields): Realmed {
  const algorithm = f.token('algorithm');
  const validation = f.token('validation');
  const authScope = f.string('auth-scope', false);
  const realm = f.string('realm', true);
  return authScope === undefined ? { algorithm, validation, realm } : { algorithm, validation, authScope, realm };
}

// ------------------------------------------------------------------------------------------- readers

/** A WWW-Authenticate / Optional-WWW-Authenticate challenge of scheme Mutual → 401-INIT/-STALE or 401-KEX-S1. */
export function readChallenge(ch: Challenge): Result<InitChallenge | KexS1Challenge> {
  return run(() => {
    requireMutual(ch, 'challenge');
    const f = common(ch.params, ch.invalid, ch.extended, 'response', 'Mutual challenge');
    if (f.has('reason')) {
      const r = realmed(f);
      const raw = f.token('reason');
      const reason = KNOWN_REASONS.has(raw) ? raw : 'initial';
      return { kind: '401-INIT', ...r, reason } satisfies InitChallenge;
    }
    if (!f.has('ks1')) reject('missing-parameter', 'a Mutual challenge needs reason (401-INIT) or ks1 (401-KEX-S1)');
    const r = realmed(f);
    const m: KexS1Challenge = {
      kind: '401-KEX-S1',
      ...r,
      sid: f.hex('sid'),
      ks1: f.keyValue('ks1', r.algorithm, 'kex'),
      ncMax: f.integer('nc-max'),
      ncWindow: f.integer('nc-window'),
      time: f.integer('time'),
    };
    const path = f.string('path', false);
    if (path !== undefined) m.path = path;
    return m;
  });
}

/** Authorization credentials of scheme Mutual → req-KEX-C1 or req-VFY-C. */
export function readCredentials(ch: Challenge): Result<KexC1Credentials | VfyCCredentials> {
  return run(() => {
    requireMutual(ch, 'credentials');
    const f = common(ch.params, ch.invalid, ch.extended, 'request', 'Mutual credentials');
    if (f.has('kc1')) {
      const r = realmed(f);
      const user = f.string('user', true);
      return { kind: 'req-KEX-C1', ...r, user, kc1: f.keyValue('kc1', r.algorithm, 'kex') } satisfies KexC1Credentials;
    }
    if (!f.has('vkc')) reject('missing-parameter', 'Mutual credentials need kc1 (req-KEX-C1) or vkc (req-VFY-C)');
    const r = realmed(f);
    const sid = f.hex('sid');
    const nc = f.integer('nc');
    return { kind: 'req-VFY-C', ...r, sid, nc, vkc: f.keyValue('vkc', r.algorithm, 'verify') } satisfies VfyCCredentials;
  });
}

/** Authentication-Info (either form) → 200-VFY-S, with vks checked for the session's algorithm. */
export function readVfyS(info: AuthInfo, algorithm: string): Result<VfySInfo> {
  return run(() => {
    const f = common(info.params, info.invalid, undefined, 'response', 'Authentication-Info');
    const sid = f.hex('sid');
    return { kind: '200-VFY-S', sid, vks: f.keyValue('vks', algorithm, 'verify') } satisfies VfySInfo;
  });
}

// ------------------------------------------------------------------------------------------- formatters

type Param = readonly [name: string, value: string, kind: ParamKind];

function integerParam(name: string, n: number): Param {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MutualError('ERR_MUTUAL_ARGUMENT', `${name} must be a non-negative safe integer, got ${String(n)}`);
  }
  return [name, String(n), 'integer'];
}

/** kc1/ks1/vkc/vks: the algorithm's wire type; for an unknown algorithm, from the value's shape. */
function keyParam(name: string, value: string, algorithm: string | undefined): Param {
  const form = algorithm === undefined ? undefined : wireFormOf(algorithm);
  const hex = form ? form.wire === 'hex' : isHexFixed(value);
  return [name, value, hex ? 'hex' : 'base64'];
}

function head(m: Realmed): Param[] {
  const p: Param[] = [
    ['version', '1', 'token'],
    ['algorithm', m.algorithm, 'token'],
    ['validation', m.validation, 'token'],
  ];
  if (m.authScope !== undefined) p.push(['auth-scope', m.authScope, 'string']);
  p.push(['realm', m.realm, 'string']);
  return p;
}

/** WWW-Authenticate value of a 401-INIT / 401-STALE (RFC 8120 §4.1). */
export function formatInit(m: Omit<InitChallenge, 'kind'>): string {
  return formatAuthParams('Mutual', [...head(m), ['reason', m.reason, 'token']]);
}

/** WWW-Authenticate value of a 401-KEX-S1 (RFC 8120 §4.3). */
export function formatKexS1(m: Omit<KexS1Challenge, 'kind'>): string {
  const p = [
    ...head(m),
    ['sid', m.sid, 'hex'] as const,
    keyParam('ks1', m.ks1, m.algorithm),
    integerParam('nc-max', m.ncMax),
    integerParam('nc-window', m.ncWindow),
    integerParam('time', m.time),
  ];
  if (m.path !== undefined) p.push(['path', m.path, 'string']);
  return formatAuthParams('Mutual', p);
}

/** Authorization value of a req-KEX-C1 (RFC 8120 §4.2). */
export function formatKexC1(m: Omit<KexC1Credentials, 'kind'>): string {
  return formatAuthParams('Mutual', [...head(m), ['user', m.user, 'string'], keyParam('kc1', m.kc1, m.algorithm)]);
}

/** Authorization value of a req-VFY-C (RFC 8120 §4.4). */
export function formatVfyC(m: Omit<VfyCCredentials, 'kind'>): string {
  return formatAuthParams('Mutual', [...head(m), ['sid', m.sid, 'hex'], integerParam('nc', m.nc), keyParam('vkc', m.vkc, m.algorithm)]);
}

/**
 * Authentication-Info value of a 200-VFY-S (RFC 8120 §4.5): `Mutual version=1, sid=…, vks=…` as the project's
 * servers send it (docs/protocol-decisions.md §3.2), or the bare RFC 7615 list. The vks wire type comes from
 * `algorithm` when given, else from the value's shape (the four algorithms' base64 values always end in "=").
 */
export function formatVfyS(m: Omit<VfySInfo, 'kind'>, form: 'mutual' | 'bare' = 'mutual', algorithm?: string): string {
  const wire = algorithm === undefined ? undefined : wireFormOf(algorithm)?.wire;
  if (form === 'mutual' && wire !== undefined && isHexFixed(m.sid) && (wire === 'hex' ? isHexFixed(m.vks) : isStrictBase64(m.vks))) {
    // What formatAuthParams writes for these checked values (test/protocol/messages.test.ts compares the two),
    // without its general machinery: a server formats one per authenticated request.
    return `Mutual version=1, sid=${m.sid}, vks=${wire === 'hex' ? m.vks : `"${m.vks}"`}`;
  }
  return formatAuthParams(form === 'mutual' ? 'Mutual' : null, [
    ['version', '1', 'token'],
    ['sid', m.sid, 'hex'],
    keyParam('vks', m.vks, algorithm),
  ]);
}
