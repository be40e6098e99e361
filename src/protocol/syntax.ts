/**
 * RFC 7235 challenge / credentials lists and RFC 7615 Authentication-Info, with RFC 5987 `name*=` values:
 * a total, single-pass scanner and the canonical formatter of RFC 8120 §3 (docs/protocol-decisions.md §2, §3.2,
 * §3.8, §4).
 *
 * Header field values are JS strings holding one character per octet (the ISO-8859-1 view Node's `http`
 * gives). Every parser here returns a value or a typed error for *any* string, and does work linear in the
 * length of the field: one forward pass, no regular expression over the whole field, no recursion.
 */
import { MutualError, fail, ok, type Result } from '../errors.ts';
import { utf8 } from '../bytes.ts';

/** docs/protocol-decisions.md §3.8: a header field value longer than this is rejected before parsing. */
export const MAX_FIELD_LENGTH = 16384;
/** docs/protocol-decisions.md §3.8: at most this many auth-params in one field (all challenges together). */
export const MAX_PARAMETERS = 64;

/** One challenge (WWW-Authenticate, Optional-WWW-Authenticate) or credentials (Authorization). */
export interface Challenge {
  /** The auth-scheme as received (compare case-insensitively). */
  scheme: string;
  /**
   * Parameters keyed by lowercase name without the RFC 5987 `*`; values unquoted and decoded (raw UTF-8
   * octets of a quoted-string and `name*=UTF-8''…` give the Unicode string). A null-prototype object:
   * `__proto__` or `constructor` are ordinary keys here.
   */
  params: Record<string, string>;
  /** The token68 form (RFC 7235 §2.1), when the challenge uses it instead of parameters. */
  token68?: string;
  /**
   * Why this challenge is not a valid message (duplicate parameters, undecodable `name*=` values …), e.g.
   * `duplicate-parameter:realm`, `invalid-utf8:user*`. Absent when there is nothing to say. The other
   * challenges of the field are unaffected.
   */
  invalid?: string[];
  /** Names (lowercase, without `*`) whose value in `params` came from the `name*=` form (RFC 5987). */
  extended?: string[];
}

/** The Authentication-Info field: RFC 7615 bare list, or the `Mutual …` form of RFC 8120 Figure 1. */
export interface AuthInfo {
  form: 'mutual' | 'bare';
  params: Record<string, string>;
  invalid?: string[];
  extended?: string[];
}

/** Value types of RFC 8120 §3.2, deciding the canonical wire form in {@link formatAuthParams}. */
export type ParamKind = 'token' | 'string' | 'integer' | 'hex' | 'base64';

// ------------------------------------------------------------------------------------------- classes

const C_TCHAR = 1; // RFC 7230 tchar
const C_T68 = 2; // RFC 7235 token68 characters (without the trailing "=")
const C_OWS = 4; // SP / HTAB
const C_ATTR = 8; // RFC 5987 attr-char
const C_HEX = 16; // HEXDIG
const C_VALUE = 32; // characters of an unquoted value: tchar and "/" (base64, the vectors' "bare values")

const CLASS = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  const set = (chars: string, flags: number) => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)]! |= flags;
  };
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  set(ALNUM, C_TCHAR | C_T68 | C_ATTR | C_VALUE);
  set("!#$%&'*+-.^_`|~", C_TCHAR | C_VALUE);
  set('!#$&+-.^_`|~', C_ATTR);
  set('-._~+/', C_T68);
  set('/', C_VALUE);
  set(' \t', C_OWS);
  set('0123456789abcdefABCDEF', C_HEX);
  return t;
})();

const is = (c: number, flag: number): boolean => c < 256 && (CLASS[c]! & flag) !== 0;

const EQ = 0x3d;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** RFC 7230 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!is(s.charCodeAt(i), C_TCHAR)) return false;
  return true;
}

// ------------------------------------------------------------------------------------------- decoding

// `ignoreBOM: true` keeps a leading U+FEFF in the output: RFC 8120 §3.2.2 makes a leading BOM an error,
// and the message layer can only reject what it sees. (bytes.ts `fromUtf8` strips it silently.)
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** One-char-per-octet string → its UTF-8 decoding; undefined when the octets are not UTF-8. */
function octetsToUtf8(s: string): string | undefined {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return decodeUtf8(b);
}

/** A Unicode string → its UTF-8 octets, one char per octet (the view header fields use here). */
export function toOctetString(s: string): string {
  const b = utf8(s);
  let out = '';
  // Chunked to keep String.fromCharCode's argument list small.
  for (let i = 0; i < b.length; i += 4096) out += String.fromCharCode(...b.subarray(i, i + 4096));
  return out;
}

type Decoded = { ok: true; value: string } | { ok: false; reason: string };

/**
 * RFC 5987 §3.2 ext-value: charset "'" [language] "'" value-chars. Only UTF-8 is accepted when `utf8Only`
 * (RFC 8120 §3.1, RFC 8053 §4.1); otherwise ISO-8859-1 too (RFC 5987 §3.2 makes it mandatory to support).
 */
function decodeExtValue(text: string, utf8Only: boolean): Decoded {
  const q1 = text.indexOf("'");
  const q2 = q1 < 0 ? -1 : text.indexOf("'", q1 + 1);
  if (q1 <= 0 || q2 < 0) return { ok: false, reason: 'invalid-ext-value' };
  const charset = text.slice(0, q1).toLowerCase();
  const isUtf8 = charset === 'utf-8';
  if (!isUtf8 && !(charset === 'iso-8859-1' && !utf8Only)) return { ok: false, reason: 'unsupported-charset' };
  for (let i = q1 + 1; i < q2; i++) {
    // Language-Tag (RFC 5646): letters, digits and "-" only. Its value is not used (RFC 8120 §3.1: empty).
    const c = text.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    if (!alnum && c !== 0x2d) return { ok: false, reason: 'invalid-ext-value' };
  }
  const bytes = new Uint8Array(text.length - q2 - 1);
  let n = 0;
  for (let i = q2 + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const h = text.charCodeAt(i + 1);
      const l = text.charCodeAt(i + 2);
      if (!is(h, C_HEX) || !is(l, C_HEX)) return { ok: false, reason: 'invalid-pct-encoding' };
      bytes[n++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (is(c, C_ATTR)) {
      bytes[n++] = c;
    } else {
      return { ok: false, reason: 'invalid-ext-value' };
    }
  }
  const raw = bytes.subarray(0, n);
  if (!isUtf8) {
    let latin1 = '';
    for (const b of raw) latin1 += String.fromCharCode(b);
    return { ok: true, value: latin1 };
  }
  const value = decodeUtf8(raw);
  return value === undefined ? { ok: false, reason: 'invalid-utf8' } : { ok: true, value };
}

// ------------------------------------------------------------------------------------------- scanner

/** A syntax failure inside the scanner; caught at the public boundary, never escapes this module. */
class Stop {
  constructor(
    readonly code: 'ERR_MUTUAL_SYNTAX' | 'ERR_MUTUAL_LIMIT',
    readonly reason: string,
    readonly at: number,
  ) {}
}

interface Builder {
  ch: Challenge;
  /** base name -> whether the kept value came from the `name*` form */
  seen: Map<string, boolean>;
  /** RFC 8120 §3.1 / RFC 8053 §4.1 rules: `name` and `name*` together are a duplicate; UTF-8 only. */
  strict: boolean;
  invalid: string[];
  extended: string[];
}

type StrictWhen = (scheme: string) => boolean;

const mutualOnly: StrictWhen = (scheme) => scheme.toLowerCase() === 'mutual';

/** A character no field value may hold: above 0xFF, or a CTL other than HTAB. */
const NOT_FIELD_OCTET = /[^\t\x20-\x7e\x80-\xff]/;

class Scanner {
  pos = 0;
  private paramCount = 0;
  readonly n: number;

  constructor(private readonly s: string) {
    this.n = s.length;
  }

  stop(reason: string, at = this.pos, code: 'ERR_MUTUAL_SYNTAX' | 'ERR_MUTUAL_LIMIT' = 'ERR_MUTUAL_SYNTAX'): never {
    throw new Stop(code, reason, at);
  }

  /** Bounds and characters checked once, before any structure (docs/protocol-decisions.md §3.8). */
  precheck(): void {
    const s = this.s;
    if (this.n > MAX_FIELD_LENGTH) this.stop('field-too-long', MAX_FIELD_LENGTH, 'ERR_MUTUAL_LIMIT');
    // One native scan for the first character that is not an octet or is a CTL (except HTAB), which is allowed
    // nowhere in a field value (RFC 7230 §3.2, quoted-string §3.2.6); then which of the two it is.
    const i = s.search(NOT_FIELD_OCTET);
    if (i >= 0) this.stop(s.charCodeAt(i) > 0xff ? 'non-octet-character' : 'control-character', i);
  }

  code(i = this.pos): number {
    return i < this.n ? this.s.charCodeAt(i) : -1;
  }

  skipOws(): void {
    while (this.pos < this.n && is(this.s.charCodeAt(this.pos), C_OWS)) this.pos++;
  }

  owsEnd(from: number): number {
    let i = from;
    while (i < this.n && is(this.s.charCodeAt(i), C_OWS)) i++;
    return i;
  }

  token(): string {
    const start = this.pos;
    while (this.pos < this.n && is(this.s.charCodeAt(this.pos), C_TCHAR)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  newBuilder(scheme: string, strict: boolean): Builder {
    return { ch: { scheme, params: Object.create(null) as Record<string, string> }, seen: new Map(), strict, invalid: [], extended: [] };
  }

  /** If a token68 (RFC 7235 §2.1) followed by OWS and "," or the end starts here, consume it. */
  tryToken68(): string | undefined {
    const s = this.s;
    let i = this.pos;
    while (i < this.n && is(s.charCodeAt(i), C_T68)) i++;
    if (i === this.pos) return undefined;
    while (i < this.n && s.charCodeAt(i) === EQ) i++;
    const after = this.owsEnd(i);
    if (after < this.n && s.charCodeAt(after) !== COMMA) return undefined;
    const t = s.slice(this.pos, i);
    this.pos = i;
    return t;
  }

  /**
   * At "=" after a parameter name: BWS "=" BWS ( token / quoted-string ), where the unquoted form may also
   * hold "/" and trailing "=" (base64-fixed-number, RFC 8120 §3.2.3, as the vectors require).
   */
  value(): { text: string; high: boolean } {
    const s = this.s;
    this.pos++; // "="
    this.skipOws();
    if (this.code() === DQUOTE) {
      const open = this.pos;
      this.pos++;
      let out = '';
      let run = this.pos;
      let high = false;
      for (;;) {
        if (this.pos >= this.n) this.stop('unterminated-quoted-string', open);
        const c = s.charCodeAt(this.pos);
        if (c === DQUOTE) break;
        if (c >= 0x80) high = true;
        if (c === BACKSLASH) {
          if (this.pos + 1 >= this.n) this.stop('unterminated-quoted-string', open);
          out += s.slice(run, this.pos);
          run = this.pos + 1; // the escaped character starts the next run
          if (s.charCodeAt(run) >= 0x80) high = true;
          this.pos += 2;
          continue;
        }
        this.pos++;
      }
      out += s.slice(run, this.pos);
      this.pos++; // closing quote
      return { text: out, high };
    }
    const start = this.pos;
    while (this.pos < this.n && is(s.charCodeAt(this.pos), C_VALUE)) this.pos++;
    if (this.pos === start) {
      const c = this.code();
      this.stop(c === -1 || c === COMMA || is(c, C_OWS) ? 'missing-value' : 'unexpected-character');
    }
    while (this.pos < this.n && s.charCodeAt(this.pos) === EQ) this.pos++;
    return { text: s.slice(start, this.pos), high: false };
  }

  /** Parse `name BWS "=" BWS value` at pos (name already read into `rawName`, pos at "="). */
  param(b: Builder, rawName: string): void {
    if (++this.paramCount > MAX_PARAMETERS) this.stop('too-many-parameters', this.pos, 'ERR_MUTUAL_LIMIT');
    const v = this.value();
    addParam(b, rawName, v.text, v.high);
  }
}

function addParam(b: Builder, rawName: string, text: string, high: boolean): void {
  const name = rawName.toLowerCase();
  const isExt = name.endsWith('*');
  const base = isExt ? name.slice(0, -1) : name;
  let value: string;
  if (isExt) {
    const d = base === '' ? ({ ok: false, reason: 'invalid-ext-value' } as const) : decodeExtValue(text, b.strict);
    if (!d.ok) {
      b.invalid.push(`${d.reason}:${name}`);
      return;
    }
    value = d.value;
  } else if (high) {
    const d = octetsToUtf8(text);
    if (d === undefined) {
      b.invalid.push(`invalid-utf8:${name}`);
      return;
    }
    value = d;
  } else {
    value = text;
  }
  const prev = b.seen.get(base);
  if (prev === undefined) {
    b.seen.set(base, isExt);
    b.ch.params[base] = value;
    if (isExt) b.extended.push(base);
    return;
  }
  if (b.strict) {
    // RFC 8120 §3.1: "The same parameter MUST NOT be sent more than once, regardless of the syntax used."
    b.invalid.push(`duplicate-parameter:${isExt || prev ? `${base}*` : base}`);
  } else if (isExt === prev) {
    // RFC 7235 §2.1: each parameter name only once per challenge.
    b.invalid.push(`duplicate-parameter:${name}`);
    return;
  }
  // RFC 5987 §4.2: the extended form takes precedence over the plain one.
  if (isExt && !prev) {
    b.seen.set(base, true);
    b.ch.params[base] = value;
    b.extended.push(base);
  }
}

function finish(b: Builder): Challenge {
  if (b.invalid.length > 0) b.ch.invalid = b.invalid;
  if (b.extended.length > 0) b.ch.extended = b.extended;
  return b.ch;
}

/**
 * The challenge list grammar of RFC 7235 Appendix C (also used for credentials and Authentication-Control):
 *
 *   list      = *( "," OWS ) challenge *( OWS "," [ OWS challenge ] )
 *   challenge = auth-scheme [ 1*SP ( token68 / [ ( "," / auth-param ) *( OWS "," [ OWS auth-param ] ) ] ) ]
 *
 * After a comma, `token BWS "="` continues the current challenge and any other token starts a new one.
 */
function scanChallenges(sc: Scanner, strictWhen: StrictWhen): Challenge[] {
  const out: Challenge[] = [];
  let cur: Builder | undefined;
  let needComma = false; // a list element ended: only OWS and "," may follow
  let afterScheme = false; // right after `scheme 1*SP`: token68 or an auth-param, no comma needed
  for (;;) {
    sc.skipOws();
    if (sc.pos >= sc.n) break;
    const c = sc.code();
    if (c === COMMA) {
      sc.pos++;
      needComma = false;
      afterScheme = false;
      continue;
    }
    if (needComma) sc.stop('expected-comma');
    if (afterScheme) {
      afterScheme = false;
      const t68 = sc.tryToken68();
      if (t68 !== undefined) {
        cur!.ch.token68 = t68;
        needComma = true;
        continue;
      }
      const name = sc.token();
      if (name === '') sc.stop('expected-parameter-name');
      sc.skipOws();
      if (sc.code() !== EQ) sc.stop('expected-parameter-name');
      sc.param(cur!, name);
      needComma = true;
      continue;
    }
    const nameAt = sc.pos;
    const name = sc.token();
    if (name === '') sc.stop(cur ? 'expected-parameter-name' : 'expected-scheme');
    const end = sc.pos;
    const next = sc.owsEnd(end);
    if (sc.code(next) === EQ) {
      if (!cur) sc.stop('expected-whitespace-after-scheme', end);
      if (cur.ch.token68 !== undefined) sc.stop('parameter-after-token68', nameAt);
      sc.pos = next;
      sc.param(cur, name);
      needComma = true;
      continue;
    }
    // A new challenge: the scheme must be followed by whitespace, a comma or the end.
    const after = sc.code(end);
    if (after !== -1 && after !== COMMA && !is(after, C_OWS)) sc.stop('expected-whitespace-after-scheme', end);
    if (cur) out.push(finish(cur));
    cur = sc.newBuilder(name, strictWhen(name));
    sc.pos = next;
    if (next < sc.n && sc.code(next) !== COMMA) afterScheme = true;
    else needComma = true;
  }
  if (cur) out.push(finish(cur));
  return out;
}

/** `#auth-param` (RFC 7615 §3) from pos to the end, into `b`. */
function scanParams(sc: Scanner, b: Builder): void {
  let needComma = false;
  for (;;) {
    sc.skipOws();
    if (sc.pos >= sc.n) return;
    if (sc.code() === COMMA) {
      sc.pos++;
      needComma = false;
      continue;
    }
    if (needComma) sc.stop('expected-comma');
    const name = sc.token();
    if (name === '') sc.stop('expected-parameter-name');
    sc.skipOws();
    if (sc.code() !== EQ) sc.stop('expected-parameter-name');
    sc.param(b, name);
    needComma = true;
  }
}

/** Run a scan; any failure becomes a typed error (the parser is total, docs/protocol-decisions.md §4). */
function guarded<T>(input: unknown, run: (sc: Scanner) => T): Result<T> {
  if (typeof input !== 'string') return fail('ERR_MUTUAL_SYNTAX', 'not-a-string: a header field value must be a string');
  try {
    const sc = new Scanner(input);
    sc.precheck();
    return ok(run(sc));
  } catch (e) {
    if (e instanceof Stop) {
      const where = e.code === 'ERR_MUTUAL_LIMIT' ? '' : ` at offset ${e.at}`;
      return fail(e.code, `${e.reason}: header field value unparseable${where}`);
    }
    // Not reachable by design; kept so that no input can make a parser throw.
    return fail('ERR_MUTUAL_SYNTAX', `internal-error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ------------------------------------------------------------------------------------------- public

/**
 * Parse WWW-Authenticate, Optional-WWW-Authenticate (RFC 8053 §3) or Authorization (a one-element list)
 * field values. Syntax errors reject the whole field (ERR_MUTUAL_SYNTAX); the bounds of
 * docs/protocol-decisions.md §3.8 give ERR_MUTUAL_LIMIT; problems local to one challenge are reported in its
 * `invalid` list. The error message starts with the reason word (`expected-comma: …`).
 */
export function parseChallenges(fieldValue: string): Result<Challenge[]> {
  return simpleOr(fieldValue, fullScan);
}

/** The field as one challenge by {@link simpleChallenge} when it takes it, else by `full` (one grammar either way). */
function simpleOr(fieldValue: string, full: (fieldValue: string) => Result<Challenge[]>): Result<Challenge[]> {
  const simple = typeof fieldValue === 'string' ? simpleChallenge(fieldValue) : undefined;
  return simple !== undefined ? ok([simple]) : full(fieldValue);
}

/** {@link parseChallenges} by the full scanner alone (the tests hold {@link simpleChallenge} to it). */
export function fullScan(fieldValue: string): Result<Challenge[]> {
  return guarded(fieldValue, (sc) => scanChallenges(sc, mutualOnly));
}

const isNameChar = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;

/**
 * The shape nearly every field takes — one challenge as this project's client and server write it:
 * `scheme 1*SP`, then `name=value` pairs joined by OWS "," OWS, names in lower-case
 * letters, digits and "-", each once, values unquoted (value characters, then any "=") or quoted printable
 * ASCII without a backslash. For such a field this returns the challenge {@link fullScan} gives, in one pass
 * and without the scanner's bookkeeping (a server parses one per authenticated request); for anything else
 * (escapes, non-ASCII, `name*=`, duplicates, empty list elements, token68, several challenges, errors)
 * undefined, and the full scanner decides. test/protocol/syntax-simple*.test.ts compare the two on generated
 * and mutated fields and on every short field.
 */
export function simpleChallenge(s: string): Challenge | undefined {
  const n = s.length;
  if (n > MAX_FIELD_LENGTH) return undefined;
  let i = 0;
  while (i < n && is(s.charCodeAt(i), C_TCHAR)) i++;
  const schemeEnd = i;
  if (schemeEnd === 0) return undefined;
  while (i < n && is(s.charCodeAt(i), C_OWS)) i++;
  if (i === schemeEnd || i === n) return undefined;
  const params = Object.create(null) as Record<string, string>;
  let count = 0;
  for (;;) {
    const nameAt = i;
    while (i < n && isNameChar(s.charCodeAt(i))) i++;
    if (i === nameAt || i === n || s.charCodeAt(i) !== EQ) return undefined;
    const name = s.slice(nameAt, i);
    if (params[name] !== undefined || ++count > MAX_PARAMETERS) return undefined;
    i++; // "="
    let value: string;
    if (i < n && s.charCodeAt(i) === DQUOTE) {
      const open = ++i;
      for (;;) {
        if (i === n) return undefined;
        const c = s.charCodeAt(i);
        if (c === DQUOTE) break;
        if (c < 0x20 || c > 0x7e || c === BACKSLASH) return undefined;
        i++;
      }
      value = s.slice(open, i);
      i++; // closing quote
    } else {
      const start = i;
      while (i < n && is(s.charCodeAt(i), C_VALUE)) i++;
      if (i === start) return undefined;
      while (i < n && s.charCodeAt(i) === EQ) i++;
      value = s.slice(start, i);
    }
    params[name] = value;
    while (i < n && is(s.charCodeAt(i), C_OWS)) i++;
    if (i === n) return { scheme: s.slice(0, schemeEnd), params };
    if (s.charCodeAt(i) !== COMMA) return undefined;
    i++;
    while (i < n && is(s.charCodeAt(i), C_OWS)) i++;
  }
}

/**
 * Internal: challenge-list grammar with RFC 8053 §4.1 rules for every entry (Authentication-Control). A field
 * of one entry in the simple shape takes {@link simpleChallenge} (the client reads this field on every
 * verified response); the strictness of the full scan only differs for what that path leaves to it.
 */
export function parseControlEntries(fieldValue: string): Result<Challenge[]> {
  return simpleOr(fieldValue, controlEntriesFullScan);
}

/** {@link parseControlEntries} by the full scanner alone (for the tests). */
export function controlEntriesFullScan(fieldValue: string): Result<Challenge[]> {
  return guarded(fieldValue, (sc) => scanChallenges(sc, () => true));
}

/**
 * Parse Authentication-Info (RFC 7615 `#auth-param`, or `Mutual #auth-param` as RFC 8120 Figure 1 shows,
 * docs/protocol-decisions.md §3.2). Several field lines combine as one list (RFC 7230 §3.2.2). The RFC 8120
 * §3.1 rules apply (`name` and `name*` together are a duplicate).
 */
export function parseAuthenticationInfo(fieldValues: string | readonly string[]): Result<AuthInfo> {
  // The form this project's server sends, `Mutual sid=…, vks=…` on one line (read on every verified response):
  // the one-pass path, when it gives the scheme Mutual; anything else is the full scanner's.
  const one: unknown = typeof fieldValues === 'string' ? fieldValues : Array.isArray(fieldValues) && fieldValues.length === 1 ? fieldValues[0] : undefined;
  if (typeof one === 'string') {
    const simple = simpleChallenge(one);
    if (simple !== undefined && simple.scheme.toLowerCase() === 'mutual') return ok({ form: 'mutual', params: simple.params });
  }
  return authInfoFullScan(fieldValues);
}

/** {@link parseAuthenticationInfo} by the full scanner alone (for the tests). */
export function authInfoFullScan(fieldValues: string | readonly string[]): Result<AuthInfo> {
  let joined: unknown = fieldValues;
  if (Array.isArray(fieldValues)) {
    let total = 0;
    for (const v of fieldValues as readonly unknown[]) {
      if (typeof v !== 'string') return fail('ERR_MUTUAL_SYNTAX', 'not-a-string: a header field value must be a string');
      total += v.length;
    }
    if (total > MAX_FIELD_LENGTH || fieldValues.length > MAX_FIELD_LENGTH) {
      return fail('ERR_MUTUAL_LIMIT', 'field-too-long: Authentication-Info longer than 16384 octets');
    }
    joined = fieldValues.join(', ');
  }
  return guarded(joined, (sc) => {
    sc.skipOws();
    while (sc.code() === COMMA) {
      sc.pos++;
      sc.skipOws();
    }
    const start = sc.pos;
    const first = sc.token();
    const end = sc.pos;
    const next = sc.owsEnd(end);
    let form: AuthInfo['form'] = 'bare';
    if (first !== '' && sc.code(next) !== EQ) {
      // `scheme 1*SP #auth-param`
      const after = sc.code(end);
      if (after !== -1 && !is(after, C_OWS)) sc.stop('expected-whitespace-after-scheme', end);
      if (first.toLowerCase() !== 'mutual') sc.stop('authentication-info-other-scheme', start);
      form = 'mutual';
      sc.pos = next;
    } else {
      sc.pos = start;
    }
    const b = sc.newBuilder('', true);
    scanParams(sc, b);
    if (form === 'mutual' && b.seen.size === 0 && b.invalid.length === 0) sc.stop('missing-parameters', sc.n);
    const ch = finish(b);
    const info: AuthInfo = { form, params: ch.params };
    if (ch.invalid) info.invalid = ch.invalid;
    if (ch.extended) info.extended = ch.extended;
    return info;
  });
}

/** The leading reason word of a MutualError message from this layer (`expected-comma`, `invalid-hex` …). */
export function reasonOf(error: MutualError): string {
  const i = error.message.indexOf(':');
  return i < 0 ? error.message : error.message.slice(0, i);
}

// ------------------------------------------------------------------------------------------- format

function argument(message: string): never {
  throw new MutualError('ERR_MUTUAL_ARGUMENT', message);
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Printable ASCII and HTAB: what a quoted-string can carry without the extended syntax. */
function isQuotableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

/** quoted-string with `"` and `\` escaped (RFC 7230 §3.2.6); `octets` is one char per octet. */
function quote(octets: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < octets.length; i++) {
    const c = octets.charCodeAt(i);
    if (c === DQUOTE || c === BACKSLASH) {
      out += `${octets.slice(run, i)}\\`;
      run = i;
    }
  }
  return `${out}${octets.slice(run)}"`;
}

const HEXU = '0123456789ABCDEF';

/** RFC 5987 ext-value `UTF-8''…`, attr-chars kept, every other octet as %XX (upper case, as RFC 8120 §3.1). */
function extValue(s: string): string {
  let out = "UTF-8''";
  for (const b of utf8(s)) out += is(b, C_ATTR) ? String.fromCharCode(b) : `%${HEXU[b >> 4]!}${HEXU[b & 15]!}`;
  return out;
}

const INTEGER = /^(?:0|[1-9][0-9]*)$/;

/**
 * Whether `v` is a hex-fixed-number (RFC 8120 §3.2.3): a non-empty, even number of hex digits. A length check
 * and one scan of the character classes (a regular expression per call showed in the server's per-request
 * profile: a server checks sid, vkc and vks of every authenticated request).
 */
export function isHexFixed(v: string): boolean {
  if (v.length === 0 || v.length % 2 !== 0) return false;
  for (let i = 0; i < v.length; i++) if (!is(v.charCodeAt(i), C_HEX)) return false;
  return true;
}
const BASE64_CHARS = /^[A-Za-z0-9+/]+={0,2}$/;

function formatParam(name: string, value: string, kind: ParamKind): string {
  if (!isToken(name) || name.endsWith('*')) argument(`parameter name must be a token without a trailing "*", got ${JSON.stringify(name)}`);
  if (typeof value !== 'string') argument(`value of ${name} must be a string`);
  switch (kind) {
    case 'token':
      if (!isToken(value)) argument(`${name} must be a token, got ${JSON.stringify(value)}`);
      return `${name}=${value}`;
    case 'integer':
      if (!INTEGER.test(value)) argument(`${name} must be an integer without sign or leading zeros, got ${JSON.stringify(value)}`);
      return `${name}=${value}`;
    case 'hex':
      if (!isHexFixed(value)) argument(`${name} must be an even number of hex digits, got ${JSON.stringify(value)}`);
      return `${name}=${value}`;
    case 'base64':
      if (!BASE64_CHARS.test(value)) argument(`${name} must be base64, got ${JSON.stringify(value)}`);
      return `${name}="${value}"`;
    case 'string': {
      if (hasLoneSurrogate(value)) argument(`${name} holds a lone surrogate: not encodable as UTF-8`);
      if (isQuotableAscii(value)) return `${name}=${quote(value)}`;
      if (name.toLowerCase() === 'realm') {
        // RFC 7235 §2.2 / RFC 8120 §3.1: realm is never sent as realm*=; non-ASCII goes as raw UTF-8 octets.
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if ((c < 0x20 && c !== 0x09) || c === 0x7f) argument('realm holds a control character: not encodable in a quoted-string');
        }
        return `${name}=${quote(toOctetString(value))}`;
      }
      // Non-ASCII (RFC 8120 §3.1), or ASCII controls that no quoted-string can carry.
      return `${name}*=${extValue(value)}`;
    }
    default:
      return argument(`unknown parameter kind ${String(kind)}`);
  }
}

/**
 * Format `scheme param, param, …` (or a bare list when `scheme` is null) in the canonical forms of RFC 8120
 * §3.2: tokens, integers and hex unquoted; strings and base64 quoted; a non-ASCII string as
 * `name*=UTF-8''…` except `realm`, which goes as raw UTF-8 octets inside the quotes (one char per octet).
 * Throws ERR_MUTUAL_ARGUMENT for values that do not match their kind (a programming error, not input).
 */
export function formatAuthParams(
  scheme: string | null,
  params: ReadonlyArray<readonly [name: string, value: string, kind: ParamKind]>,
): string {
  if (scheme !== null && !isToken(scheme)) argument(`auth-scheme must be a token, got ${JSON.stringify(scheme)}`);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [name, value, kind] of params) {
    const key = name.toLowerCase();
    if (seen.has(key)) argument(`parameter ${name} given twice (RFC 8120 §3.1)`);
    seen.add(key);
    parts.push(formatParam(name, value, kind));
  }
  const list = parts.join(', ');
  if (scheme === null) return list;
  return list === '' ? scheme : `${scheme} ${list}`;
}
