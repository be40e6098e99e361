/**
 * serverKs1 keeps the checked verifier point per stored J array (kam3.ts verifierPoint): the result must be
 * the same as with a fresh array, and a change of the array's octets must be seen — a new verifier is used,
 * an invalid one is refused — never the cached point.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes.ts';
import { getAlgorithm } from '../../src/crypto/algorithms.ts';
import { clientKc1, serverKs1 } from '../../src/crypto/kam3.ts';

const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
const K_c1 = clientKc1(alg, 0x1234567n);
const out = (J: Uint8Array, S_s1: bigint): string => {
  const r = serverKs1(alg, { K_c1, J, S_s1 });
  return r.ok ? `${bytesToHex(r.value.K_s1)}/${bytesToHex(r.value.z)}` : r.error.code;
};

describe('the checked verifier point cache', () => {
  it('gives the result of a fresh array, and follows changes of the stored octets', () => {
    const J = clientKc1(alg, 777n); // any valid element serves as a verifier
    const first = out(J, 5n);
    expect(out(J, 5n)).toBe(first);
    expect(out(J.slice(), 5n)).toBe(first);

    const other = clientKc1(alg, 888n);
    J.set(other); // the same array now holds another verifier
    expect(out(J, 5n)).toBe(out(other.slice(), 5n));
    expect(out(J, 5n)).not.toBe(first);

    J.fill(0xff); // x above the field prime: no curve point
    expect(() => out(J, 5n)).toThrow(/stored verifier is invalid/);
    J.set(other); // valid again: used again
    expect(out(J, 5n)).toBe(out(other.slice(), 5n));
  });

  it('refuses an invalid J whatever was cached before for other arrays', () => {
    const J = new Uint8Array(alg.elementLength).fill(0xff);
    expect(() => out(J, 5n)).toThrow(/stored verifier is invalid/);
    expect(() => out(J, 5n)).toThrow(/stored verifier is invalid/);
  });
});
