/**
 * RFC 7235 / 7615 / 5987 syntax layer (src/protocol/syntax.ts) against the `headers` and
 * `authentication_info` vectors, plus the canonical formats of RFC 8120 §3.2.
 */
import { describe, expect, it } from 'vitest';
import { MutualError } from '../../src/errors.ts';
import { readVfyS } from '../../src/protocol/messages.ts';
import {
  formatAuthParams,
  MAX_FIELD_LENGTH,
  parseAuthenticationInfo,
  parseChallenges,
  reasonOf,
  toOctetString,
  type Challenge,
} from '../../src/protocol/syntax.ts';
import { vectors } from '../fixtures/vectors.ts';

interface ExpectedChallenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
  invalid?: string[];
}
interface HeaderCase {
  name: string;
  raw?: string;
  raw_build?: { prefix: string; repeat: string; count: number; suffix: string };
  length?: number;
  expected: ExpectedChallenge[] | { error: string } | { challenges: number; scheme: string; realm_chars: number };
}
interface InfoCase {
  name: string;
  lines: string[];
  algorithm_of_session: string;
  expected: { form: 'mutual' | 'bare'; params: Record<string, string>; invalid?: string[] } | { error: string };
  as_200_VFY_S: { valid: true; values: Record<string, string> } | { valid: false; reason: string };
}

const headers = vectors.headers as unknown as HeaderCase[];
const infos = vectors.authentication_info as unknown as InfoCase[];

const LIMIT_REASONS = new Set(['field-too-long', 'too-many-parameters']);

function rawOf(c: HeaderCase): string {
  if (c.raw !== undefined) return c.raw;
  const b = c.raw_build!;
  return b.prefix + b.repeat.repeat(b.count) + b.suffix;
}

function plain(ch: Challenge): ExpectedChallenge {
  const out: ExpectedChallenge = { scheme: ch.scheme, params: { ...ch.params } };
  if (ch.token68 !== undefined) out.token68 = ch.token68;
  if (ch.invalid !== undefined) out.invalid = ch.invalid;
  return out;
}

function expectError(r: { ok: boolean; error?: MutualError }, reason: string): void {
  expect(r.ok).toBe(false);
  const e = r.error!;
  expect(e).toBeInstanceOf(MutualError);
  expect(reasonOf(e)).toBe(reason);
  expect(e.code).toBe(LIMIT_REASONS.has(reason) ? 'ERR_MUTUAL_LIMIT' : 'ERR_MUTUAL_SYNTAX');
}

describe('headers vectors', () => {
  it('has them all', () => {
    expect(headers.length).toBeGreaterThanOrEqual(42);
  });

  for (const c of headers) {
    it(c.name, () => {
      const raw = rawOf(c);
      if (c.length !== undefined) expect(raw.length).toBe(c.length);
      const r = parseChallenges(raw);
      const e = c.expected;
      if ('error' in e) {
        expectError(r, e.error);
      } else if (Array.isArray(e)) {
        expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (!r.ok) return;
        expect(r.value.map(plain)).toEqual(e);
      } else {
        expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (!r.ok) return;
        expect(r.value).toHaveLength(e.challenges);
        expect(r.value[0]!.scheme).toBe(e.scheme);
        expect(r.value[0]!.params.realm).toHaveLength(e.realm_chars);
      }
    });
  }
});

describe('authentication_info vectors', () => {
  it('has them all', () => {
    expect(infos.length).toBeGreaterThanOrEqual(17);
  });

  for (const c of infos) {
    it(c.name, () => {
      const r = parseAuthenticationInfo(c.lines);
      const e = c.expected;
      if ('error' in e) {
        expectError(r, e.error);
      } else {
        expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (!r.ok) return;
        expect(r.value.form).toBe(e.form);
        expect({ ...r.value.params }).toEqual(e.params);
        expect(r.value.invalid).toEqual(e.invalid);
      }
      // as_200_VFY_S: the typed validation with the session's algorithm.
      const v = c.as_200_VFY_S;
      const typed = r.ok ? readVfyS(r.value, c.algorithm_of_session) : undefined;
      if (v.valid) {
        expect(typed?.ok, typed && !typed.ok ? typed.error.message : '').toBe(true);
        if (!typed?.ok) return;
        expect(typed.value.kind).toBe('200-VFY-S');
        expect(typed.value.sid).toBe(v.values.sid);
        expect(typed.value.vks).toBe(r.ok ? r.value.params.vks : undefined);
      } else if (v.reason === 'unparseable') {
        expect(r.ok).toBe(false);
      } else {
        expect(typed?.ok).toBe(false);
        if (typed && !typed.ok) {
          expect(typed.error.code).toBe('ERR_MUTUAL_MESSAGE');
          expect(reasonOf(typed.error)).toBe(v.reason);
        }
      }
    });
  }

  it('a single string and a one-element array parse alike', () => {
    const line = infos[0]!.lines[0]!;
    expect(parseAuthenticationInfo(line)).toEqual(parseAuthenticationInfo([line]));
  });
});

describe('parseChallenges: details beyond the vectors', () => {
  const one = (raw: string): Challenge => {
    const r = parseChallenges(raw);
    if (!r.ok) throw r.error;
    expect(r.value).toHaveLength(1);
    return r.value[0]!;
  };

  it('returns null-prototype params: __proto__ and constructor are plain keys', () => {
    const ch = one('Mutual __proto__="x", constructor=y, toString=z');
    expect(Object.getPrototypeOf(ch.params)).toBe(null);
    expect(ch.params['__proto__']).toBe('x');
    expect(ch.params['constructor']).toBe('y');
    expect(Object.keys(ch.params)).toEqual(['__proto__', 'constructor', 'tostring']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('keeps a leading BOM of a decoded value (the message layer rejects it)', () => {
    expect(one("Mutual user*=UTF-8''%EF%BB%BFalice").params.user).toBe('\ufeffalice');
    expect(one('Mutual realm="\xef\xbb\xbfr"').params.realm).toBe('\ufeffr');
  });

  it('flags raw octets that are not UTF-8 in a quoted-string', () => {
    const ch = one('Mutual realm="caf\xe9", version=1');
    expect(ch.params).toEqual({ version: '1' });
    expect(ch.invalid).toEqual(['invalid-utf8:realm']);
  });

  it('records which values came from name*=', () => {
    expect(one("Mutual realm*=UTF-8''r, user=u").extended).toEqual(['realm']);
    expect(one('Mutual realm="r"').extended).toBeUndefined();
  });

  it('decodes ISO-8859-1 ext-values outside Mutual only (RFC 5987 §3.2 vs RFC 8120 §3.1)', () => {
    expect(one("Other title*=iso-8859-1'en'%A3%20rates").params.title).toBe('\u00a3 rates');
    expect(one("Mutual title*=iso-8859-1'en'%A3%20rates").invalid).toEqual(['unsupported-charset:title*']);
  });

  it('outside Mutual, a plain duplicate invalidates and an ext after plain does not', () => {
    expect(one('Other a=1, A=2').invalid).toEqual(['duplicate-parameter:a']);
    expect(one("Other a*=UTF-8''x, a=y").params.a).toBe('x');
    expect(one("Other a*=UTF-8''x, a=y").invalid).toBeUndefined();
  });

  it('accepts HTAB as whitespace and inside quoted strings', () => {
    const ch = one('Mutual\trealm\t=\t"a\tb"\t,\tversion=1');
    expect({ ...ch.params }).toEqual({ realm: 'a\tb', version: '1' });
  });

  it('token68 at the end and before another challenge', () => {
    const r = parseChallenges('Negotiate abc==');
    expect(r.ok && r.value[0]).toEqual({ scheme: 'Negotiate', params: {}, token68: 'abc==' });
    expectError(parseChallenges('Negotiate abc==, x=1'), 'parameter-after-token68');
  });

  it('rejects characters outside the octet range and controls anywhere', () => {
    expectError(parseChallenges('Mutual realm="\u0100"'), 'non-octet-character');
    expectError(parseChallenges('Mutual\x00 realm="r"'), 'control-character');
    expectError(parseChallenges('Mutual realm="a\x7f"'), 'control-character');
  });

  it('rejects a field over the limit before looking at it', () => {
    expectError(parseChallenges('\u0100'.repeat(MAX_FIELD_LENGTH + 1)), 'field-too-long');
  });

  it('syntax errors', () => {
    expectError(parseChallenges('Mutual realm="a\\'), 'unterminated-quoted-string');
    expectError(parseChallenges('"Mutual"'), 'expected-scheme');
    expectError(parseChallenges('Mutual realm=caf\xe9'), 'expected-comma');
    expectError(parseChallenges('Mutual realm=\xe9'), 'unexpected-character');
    expectError(parseChallenges('Mutual realm "x"'), 'expected-parameter-name');
    // (while "Mutual realm" alone is a token68 challenge, RFC 7235 §2.1)
    expect(parseChallenges('Mutual realm')).toEqual({ ok: true, value: [{ scheme: 'Mutual', params: {}, token68: 'realm' }] });
    expectError(parseChallenges('Mutual a=1, b c d'), 'expected-parameter-name');
    expectError(parseChallenges('Mutual a=1, b/c'), 'expected-whitespace-after-scheme');
    expectError(parseChallenges('Mutual a=1, =2'), 'expected-parameter-name');
  });

  it('a token alone after a comma is a new, parameterless challenge', () => {
    const r = parseChallenges('Mutual a=1, b');
    // "b" cannot be a parameter (no "="): RFC 7235 reads it as a challenge.
    expect(r.ok && r.value.map(plain)).toEqual([
      { scheme: 'Mutual', params: { a: '1' } },
      { scheme: 'b', params: {} },
    ]);
  });

  it('empty input is an empty list', () => {
    expect(parseChallenges('')).toEqual({ ok: true, value: [] });
  });

  it('never throws on non-strings either', () => {
    expectError(parseChallenges(undefined as unknown as string), 'not-a-string');
    expectError(parseAuthenticationInfo([1] as unknown as string[]), 'not-a-string');
  });
});

describe('parseAuthenticationInfo: details', () => {
  it('skips leading commas and accepts quoted values', () => {
    const r = parseAuthenticationInfo(', , Mutual  sid="ab"');
    expect(r.ok && r.value.form).toBe('mutual');
    expect(r.ok && { ...r.value.params }).toEqual({ sid: 'ab' });
  });

  it('bounds the combined field lines', () => {
    const r = parseAuthenticationInfo(['a'.repeat(9000), 'b'.repeat(9000)]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_LIMIT');
  });

  it('an empty bare field has no parameters (readVfyS then says what is missing)', () => {
    const r = parseAuthenticationInfo('');
    expect(r.ok && r.value).toEqual({ form: 'bare', params: {} });
  });
});

describe('formatAuthParams: canonical forms (RFC 8120 §3.2)', () => {
  it('tokens, integers, hex unquoted; strings and base64 quoted', () => {
    expect(
      formatAuthParams('Mutual', [
        ['version', '1', 'token'],
        ['nc', '12', 'integer'],
        ['sid', 'abCD', 'hex'],
        ['vks', 'AAAA', 'base64'],
        ['realm', 'a "b" \\c', 'string'],
      ]),
    ).toBe('Mutual version=1, nc=12, sid=abCD, vks="AAAA", realm="a \\"b\\" \\\\c"');
  });

  it('non-ASCII strings as name*=, realm as raw UTF-8 octets (RFC 8120 §3.1)', () => {
    expect(formatAuthParams('Mutual', [['user', 'Ren\u00e9e of France', 'string']])).toBe(
      "Mutual user*=UTF-8''Ren%C3%A9e%20of%20France",
    );
    expect(formatAuthParams(null, [['realm', 'Espace priv\u00e9', 'string']])).toBe('realm="Espace priv\xc3\xa9"');
    expect(toOctetString('\u65e5')).toBe('\xe6\x97\xa5');
  });

  it('no parameters: just the scheme', () => {
    expect(formatAuthParams('Mutual', [])).toBe('Mutual');
    expect(formatAuthParams(null, [])).toBe('');
  });

  it('rejects values that do not match their kind (ERR_MUTUAL_ARGUMENT)', () => {
    const bad: Array<[string, string, 'token' | 'integer' | 'hex' | 'base64' | 'string']> = [
      ['a', 'x y', 'token'],
      ['a', '', 'token'],
      ['a', '01', 'integer'],
      ['a', '-1', 'integer'],
      ['a', 'abc', 'hex'],
      ['a', 'a"b', 'base64'],
      ['a', '\ud800', 'string'],
      ['realm', 'a\nb\u00e9', 'string'],
      ['a*', 'x', 'string'],
      ['a b', 'x', 'string'],
    ];
    for (const p of bad) {
      expect(() => formatAuthParams('Mutual', [p]), p.join(' ')).toThrow(MutualError);
    }
    expect(() => formatAuthParams('Mu tual', [])).toThrow(MutualError);
    expect(() => formatAuthParams('Mutual', [['a', '1', 'token'], ['A', '2', 'token']])).toThrow(/twice/);
  });

  it('ASCII controls other than HTAB go as name*= (no quoted-string can carry them)', () => {
    const f = formatAuthParams('X', [['t', 'a\nb', 'string']]);
    expect(f).toBe("X t*=UTF-8''a%0Ab");
    const r = parseChallenges(f);
    expect(r.ok && r.value[0]!.params.t).toBe('a\nb');
  });
});
