/**
 * The client reads Authentication-Info and Authentication-Control on every verified response, so both take the
 * one-pass path (src/protocol/syntax.ts simpleChallenge) for the shape this project's server writes. Here they
 * are held to their full scanners (authInfoFullScan, controlEntriesFullScan): on every field, generated near
 * that shape and mutated, the answer is the full scanner's — value, error and all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAuthenticationControl, parseAuthenticationControlEntries } from '../../src/protocol/auth-control.ts';
import { formatVfyS } from '../../src/protocol/messages.ts';
import {
  authInfoFullScan, controlEntriesFullScan, parseAuthenticationInfo, parseControlEntries, simpleChallenge,
} from '../../src/protocol/syntax.ts';
import { field, mutated } from './simple-fields.ts';

/** Which path `parseAuthenticationInfo` takes for one field line. */
const infoPath = (f: string): 'simple' | 'full' => (simpleChallenge(f)?.scheme.toLowerCase() === 'mutual' ? 'simple' : 'full');

function sameInfo(f: string): 'simple' | 'full' {
  const full = authInfoFullScan(f);
  expect(parseAuthenticationInfo(f)).toStrictEqual(full);
  // One field line in an array is the same field; two lines are joined and always scanned in full.
  expect(parseAuthenticationInfo([f])).toStrictEqual(authInfoFullScan([f]));
  expect(parseAuthenticationInfo([f, f])).toStrictEqual(authInfoFullScan([f, f]));
  const path = infoPath(f);
  if (path === 'simple') {
    expect(full.ok).toBe(true);
    expect(full.ok && full.value.form).toBe('mutual');
  }
  return path;
}

function sameControl(f: string): 'simple' | 'full' {
  const full = controlEntriesFullScan(f);
  expect(parseControlEntries(f)).toStrictEqual(full);
  return simpleChallenge(f) === undefined ? 'full' : 'simple';
}

describe('Authentication-Info and Authentication-Control: the one-pass path gives the full scanner\'s answer', () => {
  it('on fields generated near the simple shape, and on the same fields with one character inserted', () => {
    const info = { simple: 0, full: 0 };
    const control = { simple: 0, full: 0 };
    for (const f of [...fc.sample(field, { numRuns: 10000, seed: 0x1f0 }), ...fc.sample(mutated, { numRuns: 10000, seed: 0xc0de })]) {
      info[sameInfo(f)]++;
      control[sameControl(f)]++;
    }
    // Both paths are exercised for both fields.
    for (const counts of [info, control]) {
      expect(counts.simple).toBeGreaterThan(2000);
      expect(counts.full).toBeGreaterThan(2000);
    }
  });

  it('on random fields (property, fresh seed each run)', () => {
    fc.assert(fc.property(fc.oneof(field, mutated, fc.string({ unit: 'binary', maxLength: 60 })), (f) => {
      sameInfo(f);
      sameControl(f);
    }), { numRuns: 3000 });
  });

  it('takes what this project\'s server sends', () => {
    const vfyS = formatVfyS({ sid: 'ab'.repeat(16), vks: '01'.repeat(32) }, 'mutual', 'iso-kam3-ec-p256-sha256');
    expect(infoPath(vfyS)).toBe('simple');
    expect(sameInfo(vfyS)).toBe('simple');
    expect(parseAuthenticationInfo(vfyS)).toStrictEqual({ ok: true, value: { form: 'mutual', params: Object.assign(Object.create(null), { version: '1', sid: 'ab'.repeat(16), vks: '01'.repeat(32) }) } });
    const control = formatAuthenticationControl('Mutual', { realm: 'Shop main area', logoutTimeout: 0, locationWhenLogout: 'https://shop.example/bye' });
    expect(sameControl(control)).toBe('simple');
    const entries = parseAuthenticationControlEntries(control);
    expect(entries.ok && entries.value).toStrictEqual([{ scheme: 'Mutual', control: { realm: 'Shop main area', logoutTimeout: 0, locationWhenLogout: 'https://shop.example/bye' } }]);
  });

  it('leaves the other forms to the full scanner, which still reads or refuses them', () => {
    const cases: Array<[string, string, boolean]> = [
      ['bare #auth-param form (RFC 7615)', 'sid=abcd, vks=0102', true],
      ['another scheme', 'Basic sid=abcd, vks=0102', false],
      ['leading comma (an empty list element)', ', Mutual sid=abcd', true],
      ['escaped quote in a value', 'Mutual sid="ab\\cd"', true],
      ['extended parameter', "Mutual sid*=UTF-8''abcd", true],
      ['duplicate parameter', 'Mutual sid=ab, sid=cd', true],
      ['upper-case scheme', 'MUTUAL sid=abcd', true],
    ];
    for (const [why, f, ok] of cases) {
      expect(sameInfo(f), why).toBe(why === 'upper-case scheme' ? 'simple' : 'full');
      expect(parseAuthenticationInfo(f).ok, why).toBe(ok);
    }
    // Two entries in one Authentication-Control field: the full scanner splits them.
    const two = 'Mutual realm="a", logout-timeout=0, Other realm="b"';
    expect(sameControl(two)).toBe('full');
    const parsed = parseControlEntries(two);
    expect(parsed.ok && parsed.value.map((e) => e.scheme)).toStrictEqual(['Mutual', 'Other']);
  });
});
