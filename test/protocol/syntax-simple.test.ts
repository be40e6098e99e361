/**
 * The one-pass path of parseChallenges (src/protocol/syntax.ts simpleChallenge) against the full scanner
 * (fullScan): wherever the simple path answers, its challenge is exactly the full scanner's, and everything
 * it does not cover goes to the full scanner. Fields are generated near the simple shape (names, spacing,
 * quoting, schemes and separators varied one at a time) and then mutated by one inserted character.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInit, formatKexC1, formatKexS1, formatVfyC, formatVfyS } from '../../src/protocol/messages.ts';
import { fullScan, MAX_PARAMETERS, parseChallenges, simpleChallenge, type Challenge } from '../../src/protocol/syntax.ts';

const SCHEMES = ['Mutual', 'mutual', 'MUTUAL', 'Basic', 'Digest', 'x', '', 'Mu,tual', 'Mu"tual', 'Mutual='];
const AFTER_SCHEME = [' ', ' ', ' ', '  ', '\t', '', ',', ' ,', ' \t '];
const NAMES = ['version', 'algorithm', 'realm', 'auth-scope', 'sid', 'nc', 'vkc', 'kc1', 'a', 'a1', 'Realm', 'NC', 'user*', 'x_y', '__proto__', 'constructor', '-', '9', '', 'x.y', 'x/y'];
const EQUALS = ['=', '=', '=', '=', ' =', '= ', ' = ', '\t=', '==', ''];
const JOINERS = [', ', ', ', ',', ' , ', ',,', ', ,', ' ', '\t,\t', ',\n', ';', ',\u00a0'];
const TRAILERS = ['', '', '', ' ', ',', ', ', '\t', '\r', ',,'];
const UNQUOTED = 'abcXYZ019+/=-._~!#$%&\'*^`|"\\,; \u00e9';
const QUOTED = 'abc XYZ019+/=-,;:()<>@?[]{}\'\t\\"\u00e9\u0000\u007f\u0080\u00ff';

const pick = (xs: readonly string[]) => fc.constantFrom(...xs);
const unquoted = fc.string({ unit: fc.constantFrom(...UNQUOTED.split('')), minLength: 0, maxLength: 12 });
const quoted = fc.string({ unit: fc.constantFrom(...QUOTED.split('')), minLength: 0, maxLength: 16 }).map((v) => `"${v}"`);
/** Mostly values of the simple shape, some with one odd character. */
const value = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[A-Za-z0-9+/]{1,12}={0,2}$/) },
  { weight: 10, arbitrary: fc.stringMatching(/^"[ -!#-[\]-~]{0,16}"$/) },
  { weight: 1, arbitrary: unquoted },
  { weight: 1, arbitrary: quoted },
);
const param = fc.tuple(pick(NAMES), pick(EQUALS), value).map(([n, eq, v]) => `${n}${eq}${v}`);
const SIMPLE_NAMES = ['version', 'algorithm', 'validation', 'auth-scope', 'realm', 'sid', 'nc', 'vkc', 'a-b', 'k9'];
/** Distinct simple names with values, and now and then one odd parameter somewhere among them. */
const params = fc
  .tuple(
    fc.uniqueArray(fc.tuple(fc.constantFrom(...SIMPLE_NAMES), value), { selector: (p) => p[0], minLength: 1, maxLength: 8 }),
    fc.option(param, { freq: 3 }),
    fc.nat(),
  )
  .map(([pairs, odd, at]) => {
    const list = pairs.map(([n, v]) => `${n}=${v}`);
    if (odd !== null) list.splice(at % (list.length + 1), 0, odd);
    return list;
  });

/** A field near the simple shape: each part drawn mostly from the common forms. */
const field = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constant('Mutual') }, { weight: 1, arbitrary: pick(SCHEMES) }),
    fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: pick(AFTER_SCHEME) }),
    params,
    fc.array(fc.oneof({ weight: 8, arbitrary: fc.constant(', ') }, { weight: 1, arbitrary: pick(JOINERS) }), { minLength: 9, maxLength: 9 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: pick(TRAILERS) }),
  )
  .map(([scheme, sp, list, joiners, trailer]) => `${scheme}${sp}${list.map((p, i) => (i === 0 ? p : `${joiners[i]!}${p}`)).join('')}${trailer}`);

/** The same, with one character inserted anywhere. */
const mutated = fc
  .tuple(field, fc.nat(), fc.constantFrom(...'=",\\ \t*\u00e9\u0000\nAa1-/'.split('')))
  .map(([f, at, c]) => {
    const i = at % (f.length + 1);
    return f.slice(0, i) + c + f.slice(i);
  });

function sameAsFullScan(f: string): 'simple' | 'full' {
  const full = fullScan(f);
  // Both paths together: parseChallenges is always the full scanner's answer.
  expect(parseChallenges(f)).toStrictEqual(full);
  const simple = simpleChallenge(f);
  if (simple === undefined) return 'full';
  expect(full.ok).toBe(true);
  const [only, ...rest] = full.ok ? full.value : [];
  expect(rest).toHaveLength(0);
  expect(simple).toStrictEqual(only);
  expect(Object.getPrototypeOf(simple.params)).toBeNull();
  return 'simple';
}

describe('parseChallenges: the simple path gives the full scanner\'s challenge or leaves the field to it', () => {
  it('on fields generated near the simple shape', () => {
    const counts = { simple: 0, full: 0 };
    for (const f of fc.sample(field, { numRuns: 20000, seed: 0x5eed })) counts[sameAsFullScan(f)]++;
    // Both paths are exercised, not one of them only.
    expect(counts.simple).toBeGreaterThan(4000);
    expect(counts.full).toBeGreaterThan(4000);
  });

  it('on the same fields with one character inserted anywhere', () => {
    const counts = { simple: 0, full: 0 };
    for (const f of fc.sample(mutated, { numRuns: 20000, seed: 0xbad }) ) counts[sameAsFullScan(f)]++;
    expect(counts.simple).toBeGreaterThan(1000);
    expect(counts.full).toBeGreaterThan(2000);
  });

  it('on random fields (property, fresh seed each run)', () => {
    fc.assert(fc.property(fc.oneof(field, mutated, fc.string({ unit: 'binary', maxLength: 60 })), (f) => {
      sameAsFullScan(f);
    }), { numRuns: 3000 });
  });

  it('takes the messages this project sends', () => {
    const head = { algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: 'https://example.com', realm: 'Shop main area' };
    const sent = [
      formatInit({ ...head, reason: 'initial' }),
      formatInit({ ...head, realm: 'Shop "main" area', reason: 'stale-session' }),
      formatKexS1({ ...head, sid: 'ab'.repeat(16), ks1: 'cd'.repeat(32), ncMax: 1000000, ncWindow: 256, time: 600, path: '/a /b' }),
      formatKexC1({ ...head, realm: 'shop', user: 'alice', kc1: 'ef'.repeat(32) }),
      formatVfyC({ ...head, realm: 'shop', sid: 'ab'.repeat(16), nc: 7, vkc: '01'.repeat(32) }),
      formatVfyC({ ...head, algorithm: 'iso-kam3-dl-2048-sha256', realm: 'shop', sid: 'ab'.repeat(16), nc: 7, vkc: 'AQID'.repeat(10) + 'AQI=' }),
      formatVfyS({ sid: 'ab'.repeat(16), vks: '01'.repeat(32) }, 'mutual', 'iso-kam3-ec-p256-sha256'),
    ];
    const simple = sent.filter((f) => !f.includes('\\'));
    expect(simple.length).toBe(sent.length - 1); // the escaped realm goes the full way
    for (const f of sent) sameAsFullScan(f);
    for (const f of simple) expect(simpleChallenge(f)).toBeDefined();
  });

  it('leaves every other shape to the full scanner', () => {
    const full: Array<[string, string]> = [
      ['escaped quote', 'Mutual realm="a\\"b"'],
      ['non-ASCII octet', 'Mutual realm="caf\u00c3\u00a9"'],
      ['extended parameter', "Mutual user*=UTF-8''al%C3%AFce"],
      ['upper-case name', 'Mutual Realm="a"'],
      ['duplicate', 'Mutual realm="a", realm="b"'],
      ['space around "="', 'Mutual realm = "a"'],
      ['empty list element', 'Mutual a=1,, b=2'],
      ['trailing comma', 'Mutual a=1,'],
      ['token68', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'],
      ['two challenges', 'Mutual a=1, Basic b=2'],
      ['scheme alone', 'Mutual'],
      ['control character', 'Mutual realm="a\u0001"'],
      ['missing value', 'Mutual a=, b=1'],
      ['unterminated quote', 'Mutual realm="a'],
      ['too many parameters', `Mutual ${Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => `p${i}=1`).join(', ')}`],
    ];
    for (const [why, f] of full) {
      expect(simpleChallenge(f), why).toBeUndefined();
      sameAsFullScan(f);
    }
    const atLimit = `Mutual ${Array.from({ length: MAX_PARAMETERS }, (_, i) => `p${i}=1`).join(', ')}`;
    expect(simpleChallenge(atLimit)).toBeDefined();
    sameAsFullScan(atLimit);
  });

  it('keeps __proto__-like names as plain keys of a null-prototype object', () => {
    // Not of the simple shape ("_" is outside its names), so the full scanner's handling applies.
    const f = 'Mutual __proto__=1, constructor=2';
    expect(simpleChallenge(f)).toBeUndefined();
    const parsed = parseChallenges(f);
    expect(parsed.ok && (parsed.value[0] as Challenge).params.constructor).toBe('2');
  });
});
