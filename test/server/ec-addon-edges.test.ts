/**
 * Review of the native addon's exchange path (kam3-ec.ts wholeProducts): degenerate t_1, t_2 and point
 * relations forced by a controlled hash, each through the addon backend, node:crypto alone and the pure
 * backend; an addon that throws mid-exchange (the fallback must give the same result); and the addon's
 * curve-name check and OpenSSL error-queue hygiene.
 */
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getAlgorithm, type PartsHash } from '../../src/crypto/algorithms.ts';
import { pureBackend, type KexBackend } from '../../src/crypto/backend.ts';
import { octets } from '../../src/crypto/encoding.ts';
import { clientKc1, serverKs1 } from '../../src/crypto/kam3.ts';
import { ecCurve, encodePoint } from '../../src/crypto/kam3-ec.ts';
import { nativeEc } from '../../src/server/ec-addon.ts';
import { nativeBackend, nodeCryptoBackend, wholeBy } from '../../src/server/native-backend.ts';

const P256 = getAlgorithm('iso-kam3-ec-p256-sha256')!;
const Point = ecCurve(P256);
const r = Point.Fn.ORDER;
const enc = (p: InstanceType<typeof Point>): Uint8Array => encodePoint(P256, p)!;

/** t_1 = a, t_2 = b (as 32 octets), whatever is hashed. */
const fixed = (a: bigint, b: bigint): PartsHash => (_alg, parts) => octets(parts[0]![0] === 1 ? a : b, 32);
const withHash = (b: KexBackend, hash: PartsHash): KexBackend => ({ ...b, hash });

describe('wholeProducts edge cases equal the other backends', () => {
  const G = Point.BASE;
  const kc1 = clientKc1(P256, 123456789n);
  const K = Point.BASE.multiply(123456789n);
  const cases: Array<[string, bigint, bigint, Uint8Array, Uint8Array]> = [
    ['t_1 = 0, t_2 = 0', 0n, 0n, kc1, enc(G.multiply(77n))],
    ['t_1 = r, t_2 = r (≡ 0)', r, r, kc1, enc(G.multiply(77n))],
    ['t_1 = 2^256−1, t_2 = 2^256−1', 2n ** 256n - 1n, 2n ** 256n - 1n, kc1, enc(G.multiply(77n))],
    ['J = K_c1, t_1 = 1 (sum is a doubling)', 1n, 5n, kc1, kc1],
    ['J = −K_c1, t_1 = 1 (K_s1 = 0_E)', 1n, 5n, kc1, enc(K.negate())],
    ['J = K_c1, t_1 = r − 1 (K_s1 = 0_E)', r - 1n, 5n, kc1, kc1],
    ['K_c1 = −[t_2]G (z = 0_E)', 9n, 5n, enc(G.multiply(5n).negate()), enc(G.multiply(77n))],
    ['K_c1 = [t_2]G (base is a doubling)', 9n, 5n, enc(G.multiply(5n)), enc(G.multiply(77n))],
  ];
  for (const [name, a, b, K_c1, J] of cases) {
    it(name, () => {
      expect(nativeEc).toBeDefined();
      const hash = fixed(a, b);
      for (const S_s1 of [1n, 2n, r - 1n, 0xdeadbeefn]) {
        const pure = serverKs1(P256, { K_c1, J, S_s1 }, withHash(pureBackend, hash));
        expect(serverKs1(P256, { K_c1, J, S_s1 }, withHash(nativeBackend, hash))).toStrictEqual(pure);
        expect(serverKs1(P256, { K_c1, J, S_s1 }, withHash(nodeCryptoBackend, hash))).toStrictEqual(pure);
      }
    });
  }

  it('falls back to the same result when the addon throws at any of its four calls', () => {
    expect(nativeEc).toBeDefined();
    const K_c1 = clientKc1(P256, 31337n);
    const J = enc(G.multiply(4242n));
    const pure = serverKs1(P256, { K_c1, J, S_s1: 99n }, pureBackend);
    for (let failAt = 0; failAt < 4; failAt++) {
      let n = 0;
      const ec = nativeEc!;
      const failing = wholeBy({
        mul: (...a: Parameters<typeof ec.mul>) => {
          if (n++ === failAt) throw new RangeError('injected');
          return ec.mul(...a);
        },
      });
      expect(serverKs1(P256, { K_c1, J, S_s1: 99n }, { ...nodeCryptoBackend, ecWhole: failing }), `call ${failAt}`).toStrictEqual(pure);
    }
  });
});

describe('the addon\'s argument and error hygiene', () => {
  const one = octets(1n, 32);
  it('refuses a curve name that only starts with "P-256" (no truncated compare)', () => {
    expect(nativeEc).toBeDefined();
    for (const name of ['P-256\u20ac', 'P-256\u{1F600}', 'P-256\u00e9', 'P-256 ', 'P-25']) {
      expect(() => nativeEc!.mul(name as 'P-256', one, null, null, null, false), name).toThrow(RangeError);
    }
    expect(nativeEc!.mul('P-256', one, null, null, null, false)).toStrictEqual(Buffer.from(Point.BASE.toBytes(false)));
  });

  it('leaves no OpenSSL error on the thread\'s queue for node:crypto to report as its own', () => {
    expect(nativeEc).toBeDefined();
    const offCurve = Point.BASE.toBytes(false);
    offCurve[64]! ^= 1;
    const nodeError = (): string => {
      try {
        createPrivateKey({ key: Buffer.from('3003020100', 'hex'), format: 'der', type: 'pkcs8' });
        return 'no error';
      } catch (e) {
        return String((e as { code?: unknown }).code);
      }
    };
    const before = nodeError();
    expect(() => nativeEc!.mul('P-256', null, offCurve, one, null, false)).toThrow(RangeError);
    expect(nodeError()).toBe(before);
  });
});
