/**
 * computeVkcVks (src/crypto/verify.ts): VK_c and VK_s from one message buffer whose first octet is switched
 * between the two hashes must give the octets of the part-by-part formula (computeVkc / computeVks) for every
 * algorithm (both hash sizes), nonce numbers whose VI() takes 1 to 8 octets, and vh of VI-length 1 and 2;
 * and the buffer that held z (shared, or a new one for a long vh) must be wiped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, hashParts, type Algorithm } from '../../src/crypto/algorithms.ts';
import { computeVkc, computeVkcVks, computeVks, type OneHash } from '../../src/crypto/verify.ts';
import { fixture } from './fixture.ts';

const nobleOne: OneHash = (alg, message) => hashParts(alg, [message]);
const NCS = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1];

function randomKeys(alg: Algorithm) {
  const e = alg.elementLength;
  return { K_c1: new Uint8Array(randomBytes(e)), K_s1: new Uint8Array(randomBytes(e)), z: new Uint8Array(randomBytes(e)) };
}

describe('computeVkcVks', () => {
  it.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s: same octets as computeVkc / computeVks', (name) => {
    const alg = getAlgorithm(name)!;
    for (let round = 0; round < 5; round++) {
      const keys = randomKeys(alg);
      // The last vh does not fit verify.ts's shared message buffer: that message is a new one.
        for (const vh of [new Uint8Array(0), new TextEncoder().encode('https://example.com:443'), new Uint8Array(randomBytes(200)), new Uint8Array(randomBytes(2000))]) {
        for (const nc of [...NCS, 1 + Math.floor(Math.random() * 1e9)]) {
          const v = { ...keys, nc, vh };
          const both = computeVkcVks(alg, v, nobleOne);
          expect(bytesToHex(both.vkc)).toBe(bytesToHex(computeVkc(alg, v)));
          expect(bytesToHex(both.vks)).toBe(bytesToHex(computeVks(alg, v)));
          expect(both.vkc.length).toBe(alg.hashLength);
        }
      }
    }
  });

  it('matches the vectors', () => {
    for (const v of fixture.kam3) {
      const alg = getAlgorithm(v.algorithm)!;
      const keys = { K_c1: Buffer.from(v.K_c1, 'hex'), K_s1: Buffer.from(v.K_s1, 'hex'), z: Buffer.from(v.z, 'hex') };
      for (const c of v.per_nc) {
        const both = computeVkcVks(alg, { ...keys, nc: c.nc, vh: new TextEncoder().encode(v.vh) }, nobleOne);
        expect(bytesToHex(both.vkc)).toBe(c.vkc_hex);
        expect(bytesToHex(both.vks)).toBe(c.vks_hex);
      }
    }
  });

  it('wipes the message that held z, also when the hash throws', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const keys = randomKeys(alg);
    const seen: Uint8Array[] = [];
    const spy: OneHash = (a, message) => {
      seen.push(message);
      expect(bytesToHex(message)).toContain(bytesToHex(keys.z)); // it really held z while hashing
      return hashParts(a, [message]);
    };
    computeVkcVks(alg, { ...keys, nc: 7, vh: new Uint8Array(5) }, spy);
    expect(seen.length).toBe(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]!.every((b) => b === 0)).toBe(true);
    let held: Uint8Array | undefined;
    expect(() => computeVkcVks(alg, { ...keys, nc: 7, vh: new Uint8Array(5) }, (_a, m) => {
      held = m;
      throw new Error('hash failed');
    })).toThrow('hash failed');
    expect(held!.every((b) => b === 0)).toBe(true);
    // A message too long for the shared buffer is wiped too.
    seen.length = 0;
    computeVkcVks(alg, { ...keys, nc: 7, vh: new Uint8Array(randomBytes(2000)) }, spy);
    expect(seen[0]!.length).toBeGreaterThan(2000);
    expect(seen[0]!.every((b) => b === 0)).toBe(true);
  });

  it('refuses keys of the wrong length, like computeVkc', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const keys = randomKeys(alg);
    expect(() => computeVkcVks(alg, { ...keys, z: new Uint8Array(3), nc: 1, vh: new Uint8Array(0) }, nobleOne)).toThrow(/octets for z/);
  });
});
