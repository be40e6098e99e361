/**
 * Checks of received elements (RFC 8121 §3.2: 1 < K < q-1; §3.3: P'() must give a curve point; RFC 8120
 * §3.2.3: natural length and strict base64; docs/protocol-decisions.md §3.3: DL subgroup by Jacobi symbol):
 * every invalid_elements / invalid_elements_strict entry is rejected at the step its "check" names, every
 * valid_elements entry accepted — and the exchange functions refuse the invalid ones before using them.
 */
import { describe, expect, it } from 'vitest';
import { webRandom } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { decodeFixedNumber, octets } from '../../src/crypto/encoding.ts';
import { checkElement, clientKc1, clientZ, randomSecret, serverKs1 } from '../../src/crypto/kam3.ts';
import { dlGroup } from '../../src/crypto/kam3-dl.ts';
import { fixture, type ElementCase } from './fixture.ts';

const cases = (table: Record<AlgorithmName, ElementCase[]>) =>
  ALGORITHM_NAMES.flatMap((name) => table[name].map((c) => [name, c.name, c] as const));

describe.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s', (name) => {
  const alg = getAlgorithm(name)!;
  // A valid own state to feed the exchange functions with the hostile element.
  const S = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S);
  const J = clientKc1(alg, randomSecret(alg, webRandom)); // any valid element will do as a verifier
  const pi = webRandom(alg.hashLength);

  it.each(cases(fixture.invalid_elements).filter(([n]) => n === name))('rejects %s %s', (_n, _c, c) => {
    const decoded = decodeFixedNumber(c.wire, alg.wire, alg.elementLength, 'kc1');
    if (c.check === 'encoding') {
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.error.code).toBe('ERR_MUTUAL_ENCODING');
      return;
    }
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const checked = checkElement(alg, decoded.value, 'kc1');
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error.code).toBe('ERR_MUTUAL_INVALID_ELEMENT');
    expect(checked.error.message).toMatch(
      c.check === 'range' ? /1 < K < q-1/ : c.check === 'subgroup' ? /subgroup/ : /curve point/,
    );
    // ... and neither side of the exchange uses it.
    const server = serverKs1(alg, { K_c1: decoded.value, J, S_s1: S });
    expect(server.ok).toBe(false);
    if (!server.ok) expect(server.error.code).toBe('ERR_MUTUAL_INVALID_ELEMENT');
    const client = clientZ(alg, { S_c1: S, K_c1, K_s1: decoded.value, pi });
    expect(client.ok).toBe(false);
    if (!client.ok) {
      expect(client.error.code).toBe('ERR_MUTUAL_INVALID_ELEMENT');
      expect(client.error.message).toMatch(/^ks1 /);
    }
  });

  it.each(cases(fixture.invalid_elements_strict).filter(([n]) => n === name))('rejects (strict) %s %s', (_n, _c, c) => {
    const decoded = decodeFixedNumber(c.wire, alg.wire, alg.elementLength, 'ks1');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe('ERR_MUTUAL_ENCODING');
      expect(decoded.error.message).toMatch(/pad bits/);
    }
  });

  it.each(cases(fixture.valid_elements).filter(([n]) => n === name))('accepts %s %s', (_n, _c, c) => {
    const decoded = decodeFixedNumber(c.wire, alg.wire, alg.elementLength, 'kc1');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(checkElement(alg, decoded.value, 'kc1')).toEqual({ ok: true, value: undefined });
    expect(serverKs1(alg, { K_c1: decoded.value, J, S_s1: S }).ok).toBe(true);
    expect(clientZ(alg, { S_c1: S, K_c1, K_s1: decoded.value, pi }).ok).toBe(true);
  });

  it('rejects elements of the wrong length as ERR_MUTUAL_ENCODING', () => {
    for (const len of [0, alg.elementLength - 1, alg.elementLength + 1]) {
      const r = checkElement(alg, new Uint8Array(len).fill(1), 'ks1');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
        expect(r.error.message).toBe(`expected ${alg.elementLength} octets for ks1, got ${len}`);
      }
    }
  });

  it('accepts what clientKc1 produces', () => {
    for (let i = 0; i < 3; i++) {
      expect(checkElement(alg, clientKc1(alg, randomSecret(alg, webRandom)), 'kc1').ok).toBe(true);
    }
  });
});

describe('DL subgroup check by Jacobi symbol', () => {
  it.each([['iso-kam3-dl-2048-sha256'], ['iso-kam3-dl-4096-sha512']] as const)(
    '%s: -K (order 2r) is rejected for random subgroup elements K, K accepted',
    (name) => {
      const alg = getAlgorithm(name)!;
      const { q } = dlGroup(alg);
      for (let i = 0; i < 5; i++) {
        const K = clientKc1(alg, randomSecret(alg, webRandom));
        expect(checkElement(alg, K, 'kc1').ok).toBe(true);
        const minus = octets(q - BigInt('0x' + Buffer.from(K).toString('hex')), alg.elementLength);
        const r = checkElement(alg, minus, 'kc1');
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toMatch(/subgroup/);
      }
    },
  );
});
