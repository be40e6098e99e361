/**
 * src/crypto/ec-scalar-mult.ts against @noble/curves' own `multiply`: random scalars on random points,
 * edge scalars (small ones with many leading windows, window boundaries, powers of two, r − small, the
 * scalars whose last addition is a doubling), points with small multiples, projective inputs with any Z,
 * the fixed-base tables of G, and the rejections. The pure backend's ecMultiply, which uses it, against noble too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { pureBackend } from '../../src/crypto/backend.ts';
import {
  curveOf,
  multiplyBase,
  multiplyPoint,
  multiplySecret,
  pointsOf,
  squareRoot,
  type CurveName,
} from '../../src/crypto/ec-scalar-mult.ts';
import { MutualError } from '../../src/errors.ts';

const CASES: [CurveName, AlgorithmName][] = [
  ['P-256', 'iso-kam3-ec-p256-sha256'],
  ['P-521', 'iso-kam3-ec-p521-sha512'],
];

describe.each(CASES)('%s', (curve, algName) => {
  const alg = getAlgorithm(algName)!;
  const Point = pointsOf(alg);
  const G = Point.BASE;
  const r = Point.Fn.ORDER;
  const p = Point.Fp.ORDER;
  const bits = r.toString(2).length;

  /** ours and noble's, as affine coordinates */
  const check = (P: typeof G, k: bigint): void => {
    const expected = P.multiply(k).toAffine();
    const got = multiplySecret(curve, P, k);
    expect({ x: got.x.toString(16), y: got.y.toString(16), k: k.toString(16) }).toEqual({
      x: expected.x.toString(16),
      y: expected.y.toString(16),
      k: k.toString(16),
    });
    if (P.equals(G)) {
      const base = multiplyBase(curve, k); // the fixed-base tables
      expect({ x: base.x.toString(16), y: base.y.toString(16), k: k.toString(16) }).toEqual({
        x: expected.x.toString(16),
        y: expected.y.toString(16),
        k: k.toString(16),
      });
    }
  };

  it('the curve of the algorithm', () => {
    expect(curveOf(alg)).toBe(curve);
    expect(() => curveOf(getAlgorithm('iso-kam3-dl-2048-sha256')!)).toThrow(MutualError);
  });

  it('random scalars on random points', () => {
    const scalar = fc.bigInt({ min: 1n, max: r - 1n });
    fc.assert(
      fc.property(scalar, scalar, (j, k) => {
        check(G.multiply(j), k);
      }),
      { numRuns: curve === 'P-256' ? 60 : 25 },
    );
  });

  it('random scalars on G (fixed-base tables and the generic path)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: r - 1n }), (k) => {
        check(G, k);
      }),
      { numRuns: curve === 'P-256' ? 60 : 25 },
    );
  });

  it('any projective representation of the point gives the same result', () => {
    const P = G.multiply(123456789n);
    const { x, y } = P.toAffine();
    const Fp = Point.Fp;
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: p - 1n }), fc.bigInt({ min: 1n, max: r - 1n }), (lambda, k) => {
        const scaled = { X: Fp.mul(x, lambda), Y: Fp.mul(y, lambda), Z: lambda };
        const expected = P.multiply(k).toAffine();
        expect(multiplySecret(curve, scaled, k)).toEqual({ x: expected.x, y: expected.y });
      }),
      { numRuns: 10 },
    );
  });

  it('edge scalars: small, window boundaries, powers of two, r − small', () => {
    const ks = new Set<bigint>();
    for (let k = 1n; k <= 70n; k++) ks.add(k); // many leading windows; 2^w ± 1 for w = 4, 5, 6
    for (let e = 1n; e < BigInt(bits); e += e < 12n ? 1n : 23n) {
      for (const d of [-1n, 0n, 1n]) ks.add((1n << e) + d);
    }
    for (const d of [-1n, 0n, 1n]) ks.add((1n << BigInt(bits - 1)) + d);
    for (let d = 1n; d <= 70n; d++) ks.add(r - d); // includes r − 2|d_0|: the last addition is a doubling
    ks.add(r >> 1n);
    ks.add((r >> 1n) + 1n);
    ks.add((1n << BigInt(bits)) - r - 1n); // r + k just below 2^bits(r) for even k
    for (const k of ks) if (k > 0n && k < r) check(G, k);
  });

  it('points with small multiples, and -G, [r − 1]G', () => {
    const points = [G, G.double(), G.multiply(3n), G.multiply(15n), G.multiply(16n), G.negate(), G.multiply(r - 1n)];
    for (const P of points) {
      for (const k of [1n, 2n, 3n, 7n, 8n, 15n, 16n, 17n, 31n, 32n, 33n, r - 1n, r - 2n, r - 3n, r - 16n, r - 17n]) {
        check(P, k);
      }
    }
  });

  it('rejects scalars outside [1, r − 1] and points that are not finite projective points', () => {
    for (const k of [0n, -1n, r, r + 1n, 1n << BigInt(bits + 8)]) {
      expect(() => multiplySecret(curve, G, k)).toThrow(MutualError);
      expect(() => multiplyBase(curve, k)).toThrow(MutualError);
    }
    const { x, y } = G.toAffine();
    expect(() => multiplySecret(curve, { X: x, Y: y, Z: 0n }, 5n)).toThrow(MutualError);
    expect(() => multiplySecret(curve, { X: x + p, Y: y, Z: 1n }, 5n)).toThrow(MutualError);
    expect(() => multiplySecret(curve, { X: x, Y: -y, Z: 1n }, 5n)).toThrow(MutualError);
  });

  it('multiplyPoint returns an affine point of @noble/curves', () => {
    const P = G.multiply(987654321n);
    const Q = multiplyPoint(alg, P, r - 5n);
    expect(Q.Z).toBe(1n);
    expect(Q.equals(P.multiply(r - 5n))).toBe(true);
    Q.assertValidity();
  });

  it("squareRoot agrees with noble's Fp.sqrt on squares and non-squares", () => {
    const Fp = Point.Fp;
    const nobleRoot = (v: bigint): bigint | undefined => {
      try {
        return Fp.sqrt(v);
      } catch {
        return undefined;
      }
    };
    let squares = 0;
    let nonSquares = 0;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: p - 1n }), (v) => {
        const ours = squareRoot(curve, v);
        const theirs = nobleRoot(v);
        expect(ours === undefined).toBe(theirs === undefined);
        if (ours !== undefined) {
          squares++;
          expect(Fp.sqr(ours)).toBe(v);
          expect(ours === theirs || ours === Fp.neg(theirs!)).toBe(true);
        } else nonSquares++;
      }),
      { numRuns: 60 },
    );
    expect(squares).toBeGreaterThan(5);
    expect(nonSquares).toBeGreaterThan(5);
    for (const v of [0n, 1n, 4n, p - 1n]) expect(squareRoot(curve, v) === undefined).toBe(nobleRoot(v) === undefined);
  });

  it("the pure backend's ecMultiply equals noble's, for G and other points, secret or not", () => {
    const P = G.multiply(424242n);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: r - 1n }), fc.boolean(), (k, secret) => {
        expect(pureBackend.ecMultiply(alg, P, k, secret).equals(P.multiply(k))).toBe(true);
        expect(pureBackend.ecMultiply(alg, G, k, secret).equals(G.multiply(k))).toBe(true);
      }),
      { numRuns: 10 },
    );
  });
});
