/**
 * The node:crypto KAM3 backend (src/server/native-backend.ts) against the pure one (src/crypto/backend.ts)
 * and the vectors: whole server steps over random inputs, and the primitives on edge cases.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/seeded-random.ts';
import { bytesToHex, hexToBytes } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, hashParts } from '../../src/crypto/algorithms.ts';
import { pureBackend } from '../../src/crypto/backend.ts';
import { int } from '../../src/crypto/encoding.ts';
import { clientKc1, randomSecret, serverKs1 } from '../../src/crypto/kam3.ts';
import { dlGroup } from '../../src/crypto/kam3-dl.ts';
import { ecCurve } from '../../src/crypto/kam3-ec.ts';
import { MODP_2048, MODP_4096 } from '../../src/crypto/modp.ts';
import { confirmKeys, expectedVkc } from '../../src/server/kex.ts';
import { nativeBackend, nativeHash, nativeOneHash, nodeCryptoBackend } from '../../src/server/native-backend.ts';
import { fixture, hexInt } from '../crypto/fixture.ts';

const hex = (h: string): Uint8Array => hexToBytes(h)!;

// The server's backend (with the EC addon: test/server/ec-addon.test.ts requires it built) and node:crypto alone.
const BACKENDS = [nativeBackend, nodeCryptoBackend] as const;

describe.each(BACKENDS.map((b) => [b.name, b] as const))('the vectors through the %s backend', (_name, backend) => {
  it.each(fixture.kam3.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const alg = getAlgorithm(v.algorithm)!;
    const r = serverKs1(alg, { K_c1: hex(v.K_c1), J: hex(v.J), S_s1: hexInt(v.S_s1) }, backend);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(int(r.value.K_s1)).toBe(hexInt(v.K_s1));
    expect(int(r.value.z)).toBe(hexInt(v.z));
  });
});

describe('native and pure backends agree', () => {
  for (const name of ALGORITHM_NAMES) {
    const alg = getAlgorithm(name)!;
    it(`serverKs1, ${name}, random K_c1, J and S_s1`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
          const random = seededRandom(seed);
          const K_c1 = clientKc1(alg, randomSecret(alg, random));
          const J = clientKc1(alg, randomSecret(alg, random)); // any valid element serves as a verifier
          const S_s1 = randomSecret(alg, random);
          const pure = serverKs1(alg, { K_c1, J, S_s1 }, pureBackend);
          for (const backend of BACKENDS) {
            const native = serverKs1(alg, { K_c1, J, S_s1 }, backend);
            expect(native.ok && bytesToHex(native.value.K_s1)).toBe(pure.ok && bytesToHex(pure.value.K_s1));
            expect(native.ok && bytesToHex(native.value.z)).toBe(pure.ok && bytesToHex(pure.value.z));
          }
        }),
        { numRuns: alg.name.includes('4096') ? 2 : 6 },
      );
    });
  }

  it('modPow and powG on edge cases: bases 0, 1, 2, q−2, q−1; exponents 0, 1, short, full, r', () => {
    for (const group of [MODP_2048, MODP_4096]) {
      const bases = [0n, 1n, 2n, group.q - 2n, group.q - 1n, int(randomBytes(group.bits / 8)) % group.q];
      const exps: [bigint, number][] = [
        [0n, 1],
        [1n, 1],
        [0xffn, 8],
        [int(randomBytes(32)), 256],
        [group.r, group.bits],
        [int(randomBytes(group.bits / 8)) % group.r, group.bits],
      ];
      for (const b of bases) {
        for (const [e, bits] of exps) {
          expect(nativeBackend.modPow(group, b, e, bits)).toBe(pureBackend.modPow(group, b, e, bits));
        }
      }
      for (const [e, bits] of exps) expect(nativeBackend.powG(group, e, bits)).toBe(pureBackend.powG(group, e, bits));
    }
  });

  it('ecMultiply: random points and scalars, k = 1, 2, r−1, P = G and P = −G', () => {
    for (const name of ['iso-kam3-ec-p256-sha256'] as const) {
      const alg = getAlgorithm(name)!;
      const Point = ecCurve(alg);
      const r = Point.Fn.ORDER;
      const points = [Point.BASE, Point.BASE.negate(), Point.BASE.double()];
      for (let i = 0; i < 6; i++) points.push(Point.BASE.multiply((int(randomBytes(80)) % (r - 1n)) + 1n));
      const scalars = [1n, 2n, r - 1n, r - 2n, (int(randomBytes(80)) % (r - 1n)) + 1n];
      for (const P of points) {
        for (const k of scalars) {
          for (const secret of [true, false]) {
            expect(nativeBackend.ecMultiply(alg, P, k, secret).equals(pureBackend.ecMultiply(alg, P, k, secret))).toBe(true);
          }
        }
      }
    }
  });

  it('uses the DL groups node:crypto knows under the same primes', () => {
    for (const name of ['iso-kam3-dl-2048-sha256', 'iso-kam3-dl-4096-sha512'] as const) {
      const group = dlGroup(getAlgorithm(name)!);
      expect(nativeBackend.modPow(group, 3n, 5n, 3)).toBe(243n);
    }
  });
});

describe('the server key confirmation (node:crypto hash) against the vectors', () => {
  it.each(fixture.kam3.map((v) => [v.id, v] as const))('%s: vkc checked, vks as the vectors, per nc', (_id, v) => {
    const alg = getAlgorithm(v.algorithm)!;
    const keys = { K_c1: hex(v.K_c1), K_s1: hex(v.K_s1), z: hex(v.z) };
    for (const c of v.per_nc) {
      const vh = new TextEncoder().encode(v.vh);
      const ok = confirmKeys(alg, keys, c.nc, vh, hex(c.vkc_hex));
      expect(ok.vkcOk).toBe(true);
      expect(bytesToHex(ok.vks)).toBe(c.vks_hex);
      expect(bytesToHex(expectedVkc(alg, keys, c.nc, vh))).toBe(c.vkc_hex);
      // One flipped bit of vkc, or the wrong nc: refused.
      const bad = hex(c.vkc_hex);
      bad[bad.length - 1]! ^= 1;
      expect(confirmKeys(alg, keys, c.nc, vh, bad).vkcOk).toBe(false);
      expect(confirmKeys(alg, keys, c.nc + 1, vh, hex(c.vkc_hex)).vkcOk).toBe(false);
    }
  });

  it('nativeHash equals the pure hash over random parts, for both hash functions', () => {
    for (const name of ALGORITHM_NAMES) {
      const alg = getAlgorithm(name)!;
      fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (parts) => {
        expect(bytesToHex(nativeHash(alg, parts))).toBe(bytesToHex(hashParts(alg, parts)));
      }), { numRuns: 50 });
    }
  });

  it('nativeOneHash equals the pure hash of one message, for both hash functions', () => {
    for (const name of ALGORITHM_NAMES) {
      const alg = getAlgorithm(name)!;
      fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (message) => {
        expect(bytesToHex(nativeOneHash(alg, message))).toBe(bytesToHex(hashParts(alg, [message])));
      }), { numRuns: 50 });
    }
  });
});
