/**
 * Properties of the syntax and message layers (src/protocol/syntax.ts, messages.ts): format → parse
 * round-trips, totality on arbitrary input (docs/protocol-decisions.md §4), and linear time on adversarial
 * inputs up to the 16 KiB bound (§3.8).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MutualError } from '../../src/errors.ts';
import {
  formatInit,
  formatKexC1,
  formatKexS1,
  formatVfyC,
  parseAuthenticationControl,
  readChallenge,
  readCredentials,
  readVfyS,
} from '../../src/protocol/messages.ts';
import {
  formatAuthParams,
  MAX_FIELD_LENGTH,
  parseAuthenticationInfo,
  parseChallenges,
  reasonOf,
  type ParamKind,
} from '../../src/protocol/syntax.ts';

// ------------------------------------------------------------------------------------------- arbitraries

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".split('');
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const paramName = fc.oneof(
  token.filter((t) => !t.endsWith('*')),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'realm', 'user', 'x*y'),
);

/** Characters that stress quoting and the extended syntax. */
const tricky = fc.constantFrom('"', '\\', ',', '=', ' ', '\t', ';', "'", '%', '*', 'a', 'Z', '\u00e9', '\u65e5', '\u{1f600}', '\ufeff', '\u0000', '\n', '\u007f', '\u0080', '\u00ff');
const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: tricky, maxLength: 20 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
);
/** What a realm can carry: no controls (RFC 7230 quoted-string), raw UTF-8 otherwise. */
const realmString = unicodeString.filter((s) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s));

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

function valueOf(kind: ParamKind, name: string): fc.Arbitrary<string> {
  switch (kind) {
    case 'token':
      return token;
    case 'integer':
      return fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String);
    case 'hex':
      return fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean()).map(([b, up]) => (up ? hex(b).toUpperCase() : hex(b)));
    case 'base64':
      return fc.uint8Array({ minLength: 1, maxLength: 40 }).map(b64);
    case 'string':
      return name.toLowerCase() === 'realm' ? realmString : unicodeString;
  }
}

const param = fc
  .tuple(paramName, fc.constantFrom<ParamKind>('token', 'string', 'integer', 'hex', 'base64'))
  .chain(([name, kind]) => valueOf(kind, name).map((value) => [name, value, kind] as const));

const paramList = fc.uniqueArray(param, { maxLength: 12, selector: (p) => p[0].toLowerCase() });

/** Header-ish text: the characters the scanner branches on, plus any octet. */
const headerish = fc.string({
  unit: fc.oneof(
    fc.constantFrom('Mutual', 'Basic', ' ', ',', '=', '"', '\\', '*', "'", '%', 'UTF-8', 'a', 'realm', 'kc1', 'version=1', '/', '+', '\t', '\xc3', '\xa9', '\xff'),
    fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 60,
});
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 });
const anyInput = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), latin1, headerish);

const ALGORITHMS = ['iso-kam3-dl-2048-sha256', 'iso-kam3-dl-4096-sha512', 'iso-kam3-ec-p256-sha256', 'iso-kam3-ec-p521-sha512', 'x'];

// ------------------------------------------------------------------------------------------- round trips

describe('format → parse round-trips', () => {
  const expected = (params: ReadonlyArray<readonly [string, string, ParamKind]>) => {
    const out: Record<string, string> = {};
    for (const [n, v] of params) Object.defineProperty(out, n.toLowerCase(), { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  };

  it('challenges', () => {
    fc.assert(
      fc.property(token, paramList, (scheme, params) => {
        const field = formatAuthParams(scheme, params);
        const r = parseChallenges(field);
        if (!r.ok) throw r.error;
        expect(r.value).toHaveLength(1);
        const ch = r.value[0]!;
        expect(ch.scheme).toBe(scheme);
        expect(ch.invalid).toBeUndefined();
        expect(ch.token68).toBeUndefined();
        expect({ ...ch.params }).toEqual(expected(params));
      }),
      { numRuns: 500 },
    );
  });

  it('several challenges in one field', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(token, paramList), { minLength: 1, maxLength: 4 }), (list) => {
        // The 64-parameter bound counts the whole field.
        fc.pre(list.reduce((n, [, p]) => n + p.length, 0) <= 64);
        const field = list.map(([s, p]) => formatAuthParams(s, p)).join(', ');
        const r = parseChallenges(field);
        if (!r.ok) throw r.error;
        expect(r.value.map((c) => [c.scheme, { ...c.params }])).toEqual(list.map(([s, p]) => [s, expected(p)]));
      }),
      { numRuns: 300 },
    );
  });

  it('Authentication-Info, bare and Mutual forms, split over field lines', () => {
    fc.assert(
      fc.property(paramList, fc.boolean(), fc.nat(), (params, mutual, cut) => {
        const lines = params.map((p) => formatAuthParams(null, [p]));
        const at = lines.length === 0 ? 0 : cut % lines.length;
        const joined = [lines.slice(0, at).join(', '), lines.slice(at).join(', ')].filter((l) => l !== '');
        const input = mutual ? [`Mutual ${joined[0] ?? ''}`, ...joined.slice(1)] : joined;
        const r = parseAuthenticationInfo(input);
        if (mutual && params.length === 0) {
          expect(r.ok).toBe(false);
          return;
        }
        if (!r.ok) throw r.error;
        expect(r.value.form).toBe(mutual ? 'mutual' : 'bare');
        expect(r.value.invalid).toBeUndefined();
        expect({ ...r.value.params }).toEqual(expected(params));
      }),
      { numRuns: 300 },
    );
  });

  const noBom = (s: string) => s.charCodeAt(0) !== 0xfeff;
  const realm = realmString.filter(noBom);
  const str = unicodeString.filter(noBom);
  const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const algorithm = fc.constantFrom(...ALGORITHMS.slice(0, 4));
  const keyValue = (alg: string, octetsOf: 'element' | 'hash') => {
    const n = { 'iso-kam3-dl-2048-sha256': [256, 32], 'iso-kam3-dl-4096-sha512': [512, 64], 'iso-kam3-ec-p256-sha256': [33, 32], 'iso-kam3-ec-p521-sha512': [66, 64] }[alg]!;
    const len = octetsOf === 'element' ? n[0]! : n[1]!;
    return fc.uint8Array({ minLength: len, maxLength: len }).map((b) => (alg.includes('-dl-') ? b64(b) : hex(b)));
  };
  const withScope = <T extends object>(m: T, authScope: string | undefined) => (authScope === undefined ? m : { ...m, authScope });

  it('typed messages: 401-INIT, 401-KEX-S1, req-KEX-C1, req-VFY-C', () => {
    const nat53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const sid = fc.uint8Array({ minLength: 1, maxLength: 24 }).map(hex);
    fc.assert(
      fc.property(
        algorithm.chain((alg) =>
          fc.record({
            alg: fc.constant(alg),
            validation: fc.constantFrom('host', 'tls-server-end-point', '-x.example.com'),
            authScope: optional(str),
            realm,
            reason: fc.constantFrom('initial', 'stale-session', 'auth-failed'),
            user: str,
            sid,
            k: keyValue(alg, 'element'),
            vk: keyValue(alg, 'hash'),
            n: fc.tuple(nat53, nat53, nat53, nat53),
            path: optional(str),
          }),
        ),
        (x) => {
          const base = withScope({ algorithm: x.alg, validation: x.validation, realm: x.realm }, x.authScope);
          const init = { kind: '401-INIT' as const, ...base, reason: x.reason };
          const kexS1 = {
            kind: '401-KEX-S1' as const,
            ...base,
            sid: x.sid,
            ks1: x.k,
            ncMax: x.n[0],
            ncWindow: x.n[1],
            time: x.n[2],
            ...(x.path === undefined ? {} : { path: x.path }),
          };
          const kexC1 = { kind: 'req-KEX-C1' as const, ...base, user: x.user, kc1: x.k };
          const vfyC = { kind: 'req-VFY-C' as const, ...base, sid: x.sid, nc: x.n[3], vkc: x.vk };
          const one = (f: string) => {
            const r = parseChallenges(f);
            if (!r.ok) throw r.error;
            return r.value[0]!;
          };
          const { kind: _a, ...i } = init;
          const { kind: _b, ...s } = kexS1;
          const { kind: _c, ...c } = kexC1;
          const { kind: _d, ...v } = vfyC;
          expect(readChallenge(one(formatInit(i)))).toEqual({ ok: true, value: init });
          expect(readChallenge(one(formatKexS1(s)))).toEqual({ ok: true, value: kexS1 });
          expect(readCredentials(one(formatKexC1(c)))).toEqual({ ok: true, value: kexC1 });
          expect(readCredentials(one(formatVfyC(v)))).toEqual({ ok: true, value: vfyC });
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ------------------------------------------------------------------------------------------- totality

const CODES = new Set(['ERR_MUTUAL_SYNTAX', 'ERR_MUTUAL_LIMIT', 'ERR_MUTUAL_MESSAGE']);

function expectTyped(r: { ok: boolean; error?: unknown }): void {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(MutualError);
    const e = r.error as MutualError;
    expect(CODES.has(e.code)).toBe(true);
    expect(reasonOf(e)).not.toBe('internal-error');
  }
}

describe('every parser is total', () => {
  it('arbitrary strings and octet strings: a value or a typed error, never a throw', () => {
    fc.assert(
      fc.property(anyInput, anyInput, (a, b) => {
        const ch = parseChallenges(a);
        expectTyped(ch);
        if (ch.ok) {
          for (const c of ch.value) {
            expectTyped(readChallenge(c));
            expectTyped(readCredentials(c));
          }
        }
        const info = parseAuthenticationInfo([a, b]);
        expectTyped(info);
        if (info.ok) for (const alg of ALGORITHMS) expectTyped(readVfyS(info.value, alg));
        expectTyped(parseAuthenticationInfo(a));
        expectTyped(parseAuthenticationControl(a));
      }),
      { numRuns: 3000 },
    );
  });

  it('mutations of valid Mutual fields', () => {
    const valid = [
      'Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope="http://a", realm="r", reason=initial',
      "Mutual version=1, algorithm=iso-kam3-dl-2048-sha256, validation=host, realm=\"r\", user*=UTF-8''J%C3%BCrgen, kc1=\"AAAA\"",
      'Mutual version=1, sid=00, vks=00',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 5 }), latin1, (s, at, del, ins) => {
        const i = at % (s.length + 1);
        const m = s.slice(0, i) + ins + s.slice(i + del);
        const ch = parseChallenges(m);
        expectTyped(ch);
        if (ch.ok) for (const c of ch.value) expectTyped(readChallenge(c)), expectTyped(readCredentials(c));
        const info = parseAuthenticationInfo(m);
        expectTyped(info);
        if (info.ok) expectTyped(readVfyS(info.value, 'iso-kam3-ec-p256-sha256'));
      }),
      { numRuns: 3000 },
    );
  });

  it('the reader functions survive hostile Challenge objects', () => {
    const obj = fc.record({
      scheme: fc.oneof(fc.constant('Mutual'), fc.string()),
      params: fc.dictionary(fc.oneof(paramName, fc.constantFrom('version', 'kc1', 'ks1', 'vkc', 'vks', 'reason', 'sid', 'nc')), fc.string()),
    });
    fc.assert(
      fc.property(obj, (c) => {
        expectTyped(readChallenge(c));
        expectTyped(readCredentials(c));
        expectTyped(readVfyS({ form: 'bare', params: c.params }, 'iso-kam3-ec-p256-sha256'));
      }),
      { numRuns: 1000 },
    );
  });
});

// ------------------------------------------------------------------------------------------- linear time

/** Best-of-N nanoseconds per input character for `f` on `input` (enough repetitions to be measurable). */
function nsPerChar(input: string, f: (s: string) => unknown): number {
  const reps = Math.max(1, Math.ceil(1_000_000 / input.length));
  let best = Infinity;
  for (let trial = 0; trial < 5; trial++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f(input);
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1e6) / (reps * input.length);
}

/** prefix + unit repeated + suffix, exactly `size` characters long. */
function build(size: number, prefix: string, unit: string, suffix = ''): string {
  const body = unit.repeat(Math.ceil(size / unit.length)).slice(0, size - prefix.length - suffix.length);
  return prefix + body + suffix;
}

describe('linear time on adversarial inputs (docs/protocol-decisions.md §4)', () => {
  const parsers: Record<string, (s: string) => unknown> = {
    challenges: parseChallenges,
    info: parseAuthenticationInfo,
    control: parseAuthenticationControl,
  };
  const patterns: Array<[string, keyof typeof parsers, (size: number) => string]> = [
    ['escaped quotes', 'challenges', (n) => build(n, 'Mutual realm="', '\\"', '"')],
    ['escaped backslashes and quotes', 'challenges', (n) => build(n, 'Mutual realm="', '\\\\\\"', '"')],
    ['unterminated escapes', 'challenges', (n) => build(n, 'Mutual realm="', '\\a')],
    ['many commas', 'challenges', (n) => build(n, 'Mutual ', ',')],
    ['comma-space', 'challenges', (n) => build(n, 'Mutual a=1', ' ,')],
    ['a=a=a=', 'challenges', (n) => build(n, 'Mutual a', '=a')],
    ['=====', 'challenges', (n) => build(n, 'Mutual a=b', '=')],
    ['many quotes', 'challenges', (n) => build(n, 'Mutual realm=', '"')],
    ['many challenges', 'challenges', (n) => build(n, '', 'A, ')],
    ['token68 look-ahead trap', 'challenges', (n) => build(n, 'Mutual ', 'a', ' x y')],
    ['long token68', 'challenges', (n) => build(n, 'Mutual ', 'a/', '==')],
    ['ext-value', 'challenges', (n) => build(n, "Mutual u*=UTF-8''", '%C3%A9')],
    ['raw UTF-8 realm', 'challenges', (n) => build(n, 'Mutual realm="', '\xc3\xa9', '"')],
    ['whitespace', 'challenges', (n) => build(n, 'Mutual', ' \t', 'a=1')],
    ['info commas', 'info', (n) => build(n, 'version=1', ', ')],
    ['info quoted', 'info', (n) => build(n, 'Mutual vks="', '\\"', '"')],
    ['control entries', 'control', (n) => build(n, 'Mutual realm="', 'x', '", username="u"')],
  ];

  for (const [name, parser, make] of patterns) {
    it(name, () => {
      const f = parsers[parser]!;
      const small = make(1024);
      const large = make(MAX_FIELD_LENGTH);
      expect(large.length).toBe(MAX_FIELD_LENGTH);
      f(large); // warm up
      const a = nsPerChar(small, f);
      const b = nsPerChar(large, f);
      // Linear: about the same cost per character at 16x the size; quadratic would be ~16x. Generous bound.
      expect(b / a, `${a.toFixed(2)} ns/char at 1 KiB, ${b.toFixed(2)} ns/char at 16 KiB`).toBeLessThan(4);
    });
  }
});
