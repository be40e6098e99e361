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
import { field, mutated } from './simple-fields.ts';

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
