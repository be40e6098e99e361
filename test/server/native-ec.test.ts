/**
 * The server's curve arithmetic in node:crypto beyond plain agreement with the pure backend
 * (native-backend.test.ts): the sign-randomised exchange of kam3-ec.ts (serverKs1Random with x-only
 * multiplication) is the RFC exchange for S_s1 or r − S_s1 with the drawn parity, the client agrees with it,
 * native and pure x-only backends give the same octets, degenerate or wrong x-only answers fall back to the
 * exact path, and the x-only primitives themselves (x([k]P), the square root) match the pure code.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/seeded-random.ts';
import { bytesToHex } from '../../src/bytes.ts';
import { getAlgorithm, type Algorithm } from '../../src/crypto/algorithms.ts';
import { pureBackend, type EcXOnly, type KexBackend } from '../../src/crypto/backend.ts';
import { verifierJ } from '../../src/crypto/derive.ts';
import { curveOf, squareRoot } from '../../src/crypto/ec-scalar-mult.ts';
import { int } from '../../src/crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret, serverKs1, serverKs1Random } from '../../src/crypto/kam3.ts';
import { ecCurve, pointOf } from '../../src/crypto/kam3-ec.ts';
import { nodeCryptoBackend } from '../../src/server/native-backend.ts';

const P256 = getAlgorithm('iso-kam3-ec-p256-sha256')!;
const P521 = getAlgorithm('iso-kam3-ec-p521-sha512')!;

const rhs = (alg: Algorithm, x: bigint): bigint => {
  const Point = ecCurve(alg);
  const { a, b } = Point.CURVE();
  return Point.Fp.add(Point.Fp.add(Point.Fp.mul(Point.Fp.sqr(x), x), Point.Fp.mul(a, x)), b);
};

/** x-only multiplication made of the pure backend's full one: the reference for the native EcXOnly. */
const pureXOnly: EcXOnly = {
  withSecret: (alg, k, use) => use((points) => points.map((P) => pureBackend.ecMultiply(alg, P, k, true).toAffine().x)),
  lift: (alg, x, parity) => {
    const y = squareRoot(curveOf(alg), rhs(alg, x));
    if (y === undefined) return undefined;
    return (y & 1n) === BigInt(parity) ? y : ecCurve(alg).Fp.neg(y);
  },
};
const pureWithXOnly: KexBackend = { ...pureBackend, name: 'pure x-only', ecXOnly: pureXOnly };

/** A verifier, a client and its K_c1, for a seed. */
function parties(alg: Algorithm, random: (n: number) => Uint8Array) {
  const pi = random(alg.hashLength);
  const J = verifierJ(alg, pi);
  const S_c1 = randomSecret(alg, random);
  return { pi, J, S_c1, K_c1: clientKc1(alg, S_c1) };
}

/** The S_s1 and parity bit serverKs1Random draws from a source in this state (same draws, replayed). */
function draws(alg: Algorithm, random: (n: number) => Uint8Array): { S: bigint; parity: number } {
  const S = randomSecret(alg, random);
  return { S, parity: random(1)[0]! & 1 };
}

const hex = (r: { ok: boolean; value?: { K_s1: Uint8Array; z: Uint8Array } }): string =>
  r.ok && r.value ? `${bytesToHex(r.value.K_s1)}/${bytesToHex(r.value.z)}` : 'error';

describe('serverKs1Random, sign-randomised (x-only) path', () => {
  for (const [alg, runs] of [[P256, 24], [P521, 4]] as const) {
    it(`${alg.name}: the exchange of S_s1 or r − S_s1 (K_s1 with the drawn parity; P-521: of S_s1), and the client's z is the server's`, () => {
      const r = ecCurve(alg).Fn.ORDER;
      const seen = new Set<string>();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
          const p = parties(alg, seededRandom(seed));
          const random = seededRandom(Uint8Array.from(seed, (b) => b ^ 0x5a));
          const replay = seededRandom(Uint8Array.from(seed, (b) => b ^ 0x5a));
          const got = serverKs1Random(alg, { K_c1: p.K_c1, J: p.J }, random, nodeCryptoBackend);
          const { S, parity } = draws(alg, replay);
          expect(got.ok).toBe(true);
          if (!got.ok) return;
          const plus = serverKs1(alg, { K_c1: p.K_c1, J: p.J, S_s1: S }, pureBackend);
          const minus = serverKs1(alg, { K_c1: p.K_c1, J: p.J, S_s1: r - S }, pureBackend);
          if (alg === P521) {
            // No x-only multiplication on P-521 (the pure backend multiplies there): the exact exchange of S_s1.
            expect(hex(got)).toBe(hex(plus));
          } else {
            expect([hex(plus), hex(minus)]).toContain(hex(got));
            seen.add(hex(got) === hex(plus) ? 'S' : 'r-S');
            expect(got.value.K_s1[got.value.K_s1.length - 1]! & 1).toBe(parity);
          }
          const z = clientZ(alg, { S_c1: p.S_c1, K_c1: p.K_c1, K_s1: got.value.K_s1, pi: p.pi });
          expect(z.ok && bytesToHex(z.value)).toBe(bytesToHex(got.value.z));
        }),
        { numRuns: runs },
      );
      // With 24 random exchanges both signs occur (probability of not: 2^-23).
      if (runs > 8) expect([...seen].sort()).toEqual(['S', 'r-S']);
    });
  }

  it('native and pure x-only backends give the same octets for the same draws (P-256)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const p = parties(P256, seededRandom(seed));
        const native = serverKs1Random(P256, { K_c1: p.K_c1, J: p.J }, seededRandom(seed.slice().reverse()), nodeCryptoBackend);
        const pure = serverKs1Random(P256, { K_c1: p.K_c1, J: p.J }, seededRandom(seed.slice().reverse()), pureWithXOnly);
        expect(hex(native)).toBe(hex(pure));
      }),
      { numRuns: 8 },
    );
  });

  it('falls back to the exact exchange of S_s1 when the x-only answers are unusable', () => {
    const r = ecCurve(P256).Fn.ORDER;
    // A seed whose sign-randomised result is r − S_s1's exchange, so a fallback (S_s1's) is visible.
    let found: { seed: Uint8Array; S: bigint; p: ReturnType<typeof parties> } | undefined;
    for (let i = 0; i < 64 && !found; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const p = parties(P256, seededRandom(seed));
      const got = serverKs1Random(P256, { K_c1: p.K_c1, J: p.J }, seededRandom(seed), nodeCryptoBackend);
      const { S } = draws(P256, seededRandom(seed));
      if (hex(got) === hex(serverKs1(P256, { K_c1: p.K_c1, J: p.J, S_s1: r - S }, pureBackend)) && hex(got) !== hex(serverKs1(P256, { K_c1: p.K_c1, J: p.J, S_s1: S }, pureBackend))) {
        found = { seed, S, p };
      }
    }
    expect(found).toBeDefined();
    const { seed, S, p } = found!;
    const exact = hex(serverKs1(P256, { K_c1: p.K_c1, J: p.J, S_s1: S }, pureBackend));
    const x = nodeCryptoBackend.ecXOnly!;
    const variants: Record<string, EcXOnly> = {
      'no point taken': { withSecret: (alg, k, use) => x.withSecret(alg, k, () => use(() => undefined)), lift: x.lift },
      'second batch not taken': {
        withSecret: (alg, k, use) => x.withSecret(alg, k, (xOf) => use((pts) => (pts.length > 1 ? undefined : xOf(pts)))),
        lift: x.lift,
      },
      'no square root of x_K': (() => {
        let inSecret = false; // pointOf (K_c1, J) may lift; the sign-randomised step's own lift fails
        return {
          withSecret: <T>(alg: Algorithm, k: bigint, use: Parameters<EcXOnly['withSecret']>[2]) => x.withSecret(alg, k, (xOf) => {
            inSecret = true;
            try {
              return use(xOf) as T;
            } finally {
              inSecret = false;
            }
          }),
          lift: (alg: Algorithm, v: bigint, parity: 0 | 1) => (inSecret ? undefined : x.lift(alg, v, parity)),
        } as EcXOnly;
      })(),
      'a wrong x of sum + base': {
        withSecret: (alg, k, use) => x.withSecret(alg, k, (xOf) => use((pts) => xOf(pts)?.map((v, i) => (i === 1 ? v + 1n : v)))),
        lift: x.lift,
      },
      'a wrong x of base': {
        withSecret: (alg, k, use) => x.withSecret(alg, k, (xOf) => use((pts) => xOf(pts)?.map((v, i) => (i === 0 && pts.length > 1 ? v + 1n : v)))),
        lift: x.lift,
      },
    };
    for (const [what, ecXOnly] of Object.entries(variants)) {
      const got = serverKs1Random(P256, { K_c1: p.K_c1, J: p.J }, seededRandom(seed), { ...nodeCryptoBackend, ecXOnly });
      expect(hex(got), what).toBe(exact);
    }
  });
});

describe('the native x-only primitives', () => {
  it('withSecret gives x([k]P) of the pure multiplication, for projective and affine points, one key for several points', () => {
    const Point = ecCurve(P256);
    const r = Point.Fn.ORDER;
    for (let i = 0; i < 6; i++) {
      const k = (int(randomBytes(40)) % (r - 1n)) + 1n;
      const pts = [Point.BASE.multiply((int(randomBytes(40)) % (r - 1n)) + 1n), Point.fromAffine(Point.BASE.double().toAffine()), Point.BASE.negate()];
      const xs = nodeCryptoBackend.ecXOnly!.withSecret(P256, k, (xOf) => [xOf(pts.slice(0, 1)), xOf(pts.slice(1))]);
      expect(xs.flat()).toEqual(pts.map((P) => pureBackend.ecMultiply(P256, P, k, true).toAffine().x));
    }
    expect(nodeCryptoBackend.ecXOnly!.withSecret(P256, 5n, (xOf) => xOf([Point.ZERO]))).toBeUndefined();
  });

  it('withSecret refuses to nest (one secret ECDH object per curve)', () => {
    expect(() => nodeCryptoBackend.ecXOnly!.withSecret(P256, 3n, () => nodeCryptoBackend.ecXOnly!.withSecret(P256, 4n, () => 0))).toThrow(/nested/);
    // and is usable again afterwards
    expect(nodeCryptoBackend.ecXOnly!.withSecret(P256, 2n, (xOf) => xOf([ecCurve(P256).BASE]))).toEqual([ecCurve(P256).BASE.double().toAffine().x]);
  });

  it('P-521 (multiplied by the pure backend) takes no point: the exact path runs', () => {
    expect(nodeCryptoBackend.ecXOnly!.withSecret(P521, 3n, (xOf) => xOf([ecCurve(P521).BASE]))).toBeUndefined();
  });

  it('lift is the square root with the asked parity, undefined for an x of no point, on both curves', () => {
    for (const alg of [P256, P521]) {
      const Point = ecCurve(alg);
      let none = 0;
      for (let i = 0; i < 40; i++) {
        const x = int(randomBytes(Point.Fp.BYTES)) % Point.Fp.ORDER;
        const want = pureXOnly.lift(alg, x, 0);
        if (want === undefined) none++;
        expect(nodeCryptoBackend.ecXOnly!.lift(alg, x, 0)).toBe(want);
        expect(nodeCryptoBackend.ecXOnly!.lift(alg, x, 1)).toBe(pureXOnly.lift(alg, x, 1));
      }
      expect(none).toBeGreaterThan(3); // about half of all x have no point
      expect(nodeCryptoBackend.ecXOnly!.lift(alg, Point.Fp.ORDER, 0)).toBeUndefined();
    }
  });

  it('pointOf with the native square root accepts and rejects exactly what the bigint one does; a wrong root cannot pass', () => {
    for (const alg of [P256, P521]) {
      for (let i = 0; i < 60; i++) {
        const element = new Uint8Array(randomBytes(alg.elementLength));
        element[0]! &= i % 2 === 0 ? 0x01 : 0xff; // mostly below 2p, some above
        const plain = pointOf(alg, element, 'kc1');
        const lifted = pointOf(alg, element, 'kc1', nodeCryptoBackend.ecXOnly!.lift);
        expect(lifted.ok).toBe(plain.ok);
        if (plain.ok && lifted.ok) expect(lifted.value.equals(plain.value)).toBe(true);
        if (!plain.ok && !lifted.ok) expect(lifted.error.code).toBe(plain.error.code);
      }
      const good = clientKc1(alg, 12345n);
      expect(pointOf(alg, good, 'kc1', (a, x, parity) => nodeCryptoBackend.ecXOnly!.lift(a, x, parity)! + 2n).ok).toBe(false);
    }
  });
});
