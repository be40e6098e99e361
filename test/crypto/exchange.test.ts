/**
 * The whole KAM3 exchange of RFC 8121 §2/§3 with RFC 8120 §12.2's VK_c/VK_s, between our client and our
 * server, with random secrets and passwords; plus differential tests of the group arithmetic against
 * node:crypto (OpenSSL): MODP modexp vs createDiffieHellman, P-256/P-521 multiplication vs createECDH.
 */
import { createDiffieHellman, createECDH, getDiffieHellman, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, utf8, webRandom } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, type Algorithm } from '../../src/crypto/algorithms.ts';
import { derivePi, verifierJ } from '../../src/crypto/derive.ts';
import { decodeFixedNumber, encodeFixedNumber, int, octets } from '../../src/crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret, serverKs1 } from '../../src/crypto/kam3.ts';
import { ecCurve, encodePoint, pointOf } from '../../src/crypto/kam3-ec.ts';
import { checkVkc, checkVks, computeVkc, computeVks } from '../../src/crypto/verify.ts';
import { invert } from '@noble/curves/abstract/modular.js';
import { invertMod, jacobi, MODP_2048, MODP_4096, modPow, powG } from '../../src/crypto/modp.ts';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** What travels on the wire, decoded strictly on the receiving side. */
function overTheWire(alg: Algorithm, element: Uint8Array, what: string): Uint8Array {
  return unwrap(decodeFixedNumber(encodeFixedNumber(element, alg.wire), alg.wire, alg.elementLength, what));
}

const RUNS: Record<string, number> = {
  'iso-kam3-dl-2048-sha256': 6,
  'iso-kam3-dl-4096-sha512': 2,
  'iso-kam3-ec-p256-sha256': 20,
  'iso-kam3-ec-p521-sha512': 10,
};

const password = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 });
const scope = { authScope: 'https://example.com', realm: 'test realm', username: 'alice' };
const vh = utf8('https://example.com:443');

describe.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s exchange', (name) => {
  const alg = getAlgorithm(name)!;

  it('client and server agree on z, vkc and vks; a wrong password fails; a tampered vks fails', async () => {
    await fc.assert(
      fc.asyncProperty(password, password, fc.integer({ min: 1, max: 2 ** 31 }), async (pw, wrong, nc) => {
        fc.pre(pw !== wrong);
        // Registration: the server stores J(pi).
        const J = verifierJ(alg, await derivePi({ algorithm: name, ...scope, password: pw }));
        // Login.
        const pi = await derivePi({ algorithm: name, ...scope, password: pw });
        const S_c1 = randomSecret(alg, webRandom);
        const K_c1 = clientKc1(alg, S_c1);
        const S_s1 = randomSecret(alg, webRandom);
        const server = unwrap(serverKs1(alg, { K_c1: overTheWire(alg, K_c1, 'kc1'), J, S_s1 }));
        const K_s1 = overTheWire(alg, server.K_s1, 'ks1');
        const z = unwrap(clientZ(alg, { S_c1, K_c1, K_s1, pi }));
        expect(z).toEqual(server.z);

        const clientView = { K_c1, K_s1, z, nc, vh };
        const serverView = { K_c1, K_s1: server.K_s1, z: server.z, nc, vh };
        const vkc = computeVkc(alg, clientView);
        expect(vkc.length).toBe(alg.hashLength);
        expect(checkVkc(alg, serverView, vkc)).toBe(true);
        const vks = computeVks(alg, serverView);
        expect(checkVks(alg, clientView, vks)).toBe(true);
        expect(constantTimeEqual(vks, computeVks(alg, clientView))).toBe(true);
        expect(constantTimeEqual(vkc, vks)).toBe(false);

        // Tampered vks: one flipped bit anywhere.
        const tampered = vks.slice();
        tampered[nc % tampered.length]! ^= 1 << nc % 8;
        expect(constantTimeEqual(tampered, computeVks(alg, clientView))).toBe(false);
        expect(checkVks(alg, clientView, tampered)).toBe(false);

        // Another nonce number gives other values (RFC 8120 §6: vkc per request).
        expect(checkVkc(alg, { ...serverView, nc: nc + 1 }, vkc)).toBe(false);

        // Wrong password, same server answer: another z, a vkc the server refuses.
        const piWrong = await derivePi({ algorithm: name, ...scope, password: wrong });
        const zWrong = unwrap(clientZ(alg, { S_c1, K_c1, K_s1, pi: piWrong }));
        expect(zWrong).not.toEqual(server.z);
        expect(checkVkc(alg, serverView, computeVkc(alg, { ...clientView, z: zWrong }))).toBe(false);
      }),
      { numRuns: RUNS[name] },
    );
  });

  it('the server of another verifier (phishing relay) cannot produce an accepted vks', async () => {
    const pi = await derivePi({ algorithm: name, ...scope, password: 'right' });
    const fakeJ = verifierJ(alg, await derivePi({ algorithm: name, ...scope, password: 'guess' }));
    const S_c1 = randomSecret(alg, webRandom);
    const K_c1 = clientKc1(alg, S_c1);
    const fake = unwrap(serverKs1(alg, { K_c1, J: fakeJ, S_s1: randomSecret(alg, webRandom) }));
    const z = unwrap(clientZ(alg, { S_c1, K_c1, K_s1: fake.K_s1, pi }));
    const fakeVks = computeVks(alg, { K_c1, K_s1: fake.K_s1, z: fake.z, nc: 1, vh });
    expect(checkVks(alg, { K_c1, K_s1: fake.K_s1, z, nc: 1, vh }, fakeVks)).toBe(false);
  });
});

describe('MODP arithmetic vs node:crypto createDiffieHellman (OpenSSL)', () => {
  const groups = [
    [MODP_2048, 'modp14', 4],
    [MODP_4096, 'modp16', 2],
  ] as const;

  it.each(groups)('%o: the prime is getDiffieHellman(%s)', (group, node) => {
    expect(BigInt('0x' + getDiffieHellman(node).getPrime('hex'))).toBe(group.q);
    expect(BigInt('0x' + getDiffieHellman(node).getGenerator('hex'))).toBe(group.g);
    expect(group.q.toString(2).length).toBe(group.bits);
    expect(group.q).toBe(2n * group.r + 1n);
  });

  it.each(groups)('%o: modPow(b, e) and powG(e) equal OpenSSL', (group, node, runs) => {
    const len = group.bits / 8;
    const buf = (x: bigint) => Buffer.from(octets(x, len));
    for (let i = 0; i < runs; i++) {
      const e = int(randomBytes(len)) % group.r;
      const b = (int(randomBytes(len)) % (group.q - 3n)) + 2n; // OpenSSL wants 1 < b < q-1
      const dh = createDiffieHellman(getDiffieHellman(node).getPrime(), Buffer.from([2]));
      dh.setPrivateKey(buf(e));
      expect(int(dh.computeSecret(buf(b)))).toBe(modPow(b, e, group.q));
      expect(int(dh.generateKeys())).toBe(powG(group, e));
      // A short public exponent with its own bit length (t_1, t_2 of RFC 8121 §3.2).
      const t = int(randomBytes(32));
      dh.setPrivateKey(buf(t));
      expect(int(dh.computeSecret(buf(b)))).toBe(modPow(b, t, group.q, 256));
    }
  });

  it('modPow equals naive exponentiation on small moduli (edges: 0, 1, base >= m, even m)', () => {
    const naive = (b: bigint, e: bigint, m: bigint) => {
      let r = 1n % m;
      for (let i = 0n; i < e; i++) r = (r * b) % m;
      return r;
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 2n, max: 10n ** 5n }), (b, e, m) => {
        expect(modPow(b, e, m, 9)).toBe(naive(b, e, m));
        if (e < m) expect(modPow(b, e, m)).toBe(naive(b, e, m));
      }),
    );
    expect(() => modPow(2n, 2n ** 20n, 1000n)).toThrow(RangeError);
    expect(() => modPow(2n, -1n, 1000n)).toThrow(RangeError);
  });

  it('jacobi equals Euler’s criterion on primes', () => {
    const primes = [3n, 5n, 7n, 11n, 13n, 101n, 65537n, 2n ** 61n - 1n];
    fc.assert(
      fc.property(fc.constantFrom(...primes), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (p, a) => {
        const euler = modPow(((a % p) + p) % p, (p - 1n) / 2n, p);
        expect(jacobi(a, p)).toBe(euler === 0n ? 0 : euler === 1n ? 1 : -1);
      }),
    );
    // many trailing zeros (beyond one 32-bit word), on MODP-2048's q and a 61-bit prime
    for (const p of [MODP_2048.q, 2n ** 61n - 1n]) {
      const as = [2n ** 31n, 2n ** 32n, 2n ** 33n * 3n, 2n ** 64n * 5n, 2n ** 95n * 7n, 2n ** 200n, p - 2n ** 40n];
      for (const a of as) {
        const euler = modPow(a % p, (p - 1n) / 2n, p);
        expect(jacobi(a, p)).toBe(euler === 0n ? 0 : euler === 1n ? 1 : -1);
      }
    }
    expect(jacobi(2n, 15n)).toBe(1); // composite n: (2/3)(2/5) = (-1)(-1)
    expect(jacobi(3n, 15n)).toBe(0);
    for (const group of [MODP_2048, MODP_4096]) {
      const a = int(randomBytes(group.bits / 8)) % group.q;
      const euler = modPow(a, group.r, group.q);
      expect(jacobi(a, group.q)).toBe(euler === 1n ? 1 : euler === 0n ? 0 : -1);
    }
  });

  it('invertMod (Lehmer) equals the plain extended Euclid (noble invert): random and edge inputs, every size', () => {
    const moduli = [MODP_2048.r, MODP_4096.r, MODP_2048.q, ecCurve(getAlgorithm('iso-kam3-ec-p256-sha256')!).Fn.ORDER,
      ecCurve(getAlgorithm('iso-kam3-ec-p521-sha512')!).Fn.ORDER, 2n ** 61n - 1n, 65537n, 7n, 2n];
    for (const m of moduli) {
      const xs = [1n, 2n, 3n, m - 1n, m - 2n, m >> 1n, (m >> 1n) + 1n];
      xs.push(2n ** 52n + 1n, 2n ** 53n - 1n, 3n ** 100n, m - 2n ** 60n);
      for (const x of xs.filter((v) => v > 0n && v < m)) {
        expect(invertMod(x, m), `${x} mod ${m}`).toBe(invert(x, m));
      }
    }
    fc.assert(
      fc.property(
        fc.constantFrom(...moduli.slice(0, 5)),
        fc.bigInt({ min: 1n, max: (1n << 4200n) - 1n }),
        fc.nat(4200),
        (m, raw, len) => {
          const x = (raw % (1n << BigInt(len + 1))) % m || 1n; // every size of x, small ones included
          expect(invertMod(x, m)).toBe(invert(x, m));
        },
      ),
      { numRuns: 300 },
    );
    // consecutive Fibonacci numbers: the longest run of quotients 1 (the leading-bits step's worst case)
    let [f0, f1] = [1n, 2n];
    while (f1.toString(2).length < 3000) [f0, f1] = [f1, f0 + f1];
    expect(invertMod(f0, f1)).toBe(invert(f0, f1));
    // no inverse: a common factor, 0, out of range
    expect(invertMod(6n, 9n)).toBeUndefined();
    expect(invertMod(MODP_2048.r * 3n, MODP_2048.r * 7n)).toBeUndefined();
    expect(invertMod(0n, 7n)).toBeUndefined();
    expect(invertMod(7n, 7n)).toBeUndefined();
    expect(invertMod(3n, 1n)).toBeUndefined();
  });
});

describe('P-256 / P-521 multiplication vs node:crypto createECDH (OpenSSL)', () => {
  const curves = [
    ['iso-kam3-ec-p256-sha256', 'prime256v1'],
    ['iso-kam3-ec-p521-sha512', 'secp521r1'],
  ] as const;

  /** OCTETS(P(p)) from an uncompressed SEC 1 point 04 | X | Y. */
  function pOfSec1(alg: Algorithm, sec1: Uint8Array): Uint8Array {
    const n = (sec1.length - 1) / 2;
    const x = int(sec1.subarray(1, 1 + n));
    const y = int(sec1.subarray(1 + n));
    return octets(2n * x + (y & 1n), alg.elementLength);
  }

  it.each(curves)('%s: K_c1 = P([S]G) and P([S]K) match OpenSSL', (name, node) => {
    const alg = getAlgorithm(name)!;
    const coordLen = ecCurve(alg).Fp.BYTES;
    for (let i = 0; i < 8; i++) {
      const S = randomSecret(alg, webRandom);
      const ecdh = createECDH(node);
      ecdh.setPrivateKey(Buffer.from(octets(S, coordLen)));
      expect(clientKc1(alg, S)).toEqual(pOfSec1(alg, ecdh.getPublicKey()));

      const peer = createECDH(node);
      peer.generateKeys();
      const K = unwrap(pointOf(alg, pOfSec1(alg, peer.getPublicKey()), 'peer'));
      const ours = encodePoint(alg, K.multiply(S))!;
      expect(int(ours) >> 1n).toBe(int(ecdh.computeSecret(peer.getPublicKey()))); // ECDH secret = x
    }
  });
});
