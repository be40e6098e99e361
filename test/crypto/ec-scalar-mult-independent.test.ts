/**
 * src/crypto/ec-scalar-mult.ts against node:crypto (OpenSSL), not against @noble/curves: an independent
 * implementation. Points P = [a]G come from OpenSSL (public key of a); for each scalar k,
 *  - x([k]P) must equal ECDH(k).computeSecret(P) (OpenSSL's own [k]P), and
 *  - the whole point (so the y parity too) must equal the public key of k·a mod r ([k·a]G by OpenSSL).
 * Scalars: random, small, r − small, (r ± 1)/2, around 2^(w·i), the one scalar per curve whose last
 * addition is a doubling (k ≡ 2·d_0 mod r, found here by an independent recoding), and k = c·a^−1 mod r, for
 * which [k]P = [c]G with c small. Points: G, −G, [2]G, [3]G, [r − 1]G, [r − 2]G and random ones.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { multiplyBase, multiplySecret, type AffinePoint, type CurveName } from '../../src/crypto/ec-scalar-mult.ts';

interface Spec {
  readonly curve: CurveName;
  readonly openssl: string;
  readonly p: bigint;
  readonly r: bigint;
  readonly w: number;
}

// Constants from SEC 2 / FIPS 186-4, written out here so that nothing comes from the module or from noble.
const SPECS: Spec[] = [
  {
    curve: 'P-256',
    openssl: 'prime256v1',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    r: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    w: 4,
  },
  {
    curve: 'P-521',
    openssl: 'secp521r1',
    p: (1n << 521n) - 1n,
    r: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    w: 5,
  },
];

const hex = (b: Buffer): bigint => BigInt('0x' + b.toString('hex'));

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

describe.each(SPECS)('$curve against OpenSSL', ({ curve, openssl, p, r, w }) => {
  const bytes = Math.ceil(r.toString(2).length / 8);
  const fieldBytes = Math.ceil(p.toString(2).length / 8);
  const key = (k: bigint): Buffer => Buffer.from(k.toString(16).padStart(2 * bytes, '0'), 'hex');
  const ecdh = (k: bigint) => {
    const e = createECDH(openssl);
    e.setPrivateKey(key(k));
    return e;
  };
  /** [a]G by OpenSSL, affine, and its uncompressed encoding */
  const pub = (a: bigint): { point: AffinePoint; raw: Buffer } => {
    const raw = ecdh(a).getPublicKey();
    expect(raw[0]).toBe(4);
    return { point: { x: hex(raw.subarray(1, 1 + fieldBytes)), y: hex(raw.subarray(1 + fieldBytes)) }, raw };
  };
  const randomScalar = (): bigint => (hex(randomBytes(bytes + 8)) % (r - 1n)) + 1n;
  const text = (q: AffinePoint) => ({ x: q.x.toString(16), y: q.y.toString(16) });

  let exceptional = 0;
  /** the digit d_0 of the regular recoding of k (k' = k or k + r, odd), computed here */
  const lastDigit = (k: bigint): bigint => {
    const odd = k % 2n === 1n ? k : k + r;
    return (odd % (1n << BigInt(w + 1))) - (1n << BigInt(w));
  };

  /** [k]P for P = [a]G, three ways: ours, OpenSSL's ECDH x, OpenSSL's [k·a]G */
  const check = (a: bigint, k: bigint, withZ = 1n): void => {
    const P = pub(a);
    const ka = (k * a) % r;
    const got = multiplySecret(curve, { X: (P.point.x * withZ) % p, Y: (P.point.y * withZ) % p, Z: withZ }, k);
    const expected = pub(ka).point;
    const context = { a: a.toString(16), k: k.toString(16) };
    expect({ ...context, ...text(got) }).toEqual({ ...context, ...text(expected) });
    expect(got.x).toBe(hex(ecdh(k).computeSecret(P.raw)));
    if (a === 1n) expect({ ...context, ...text(multiplyBase(curve, k)) }).toEqual({ ...context, ...text(expected) });
    if ((k - 2n * lastDigit(k)) % r === 0n) exceptional++;
  };

  const edgeScalars = (): bigint[] => {
    const ks = new Set<bigint>();
    for (let k = 1n; k <= 40n; k++) [k, r - k].forEach((v) => ks.add(v));
    for (const h of [r >> 1n, (r + 1n) >> 1n, (r - 1n) >> 2n, (r + 1n) >> 2n, (2n * r) / 3n]) {
      for (const d of [-1n, 0n, 1n]) ks.add(h + d);
    }
    const bits = r.toString(2).length;
    const stride = curve === 'P-256' ? 1 : 3; // every window of P-256, every third of P-521 (time)
    for (let i = 1; i * w < bits + w; i += i * w + stride * w >= bits ? 1 : stride) {
      const e = 1n << BigInt(i * w);
      for (const d of [-1n, 0n, 1n, (i & 1) === 0 ? 1n << BigInt(w) : -(1n << BigInt(w))]) {
        for (const v of [e + d, r - e + d, e - r + d]) ks.add(v); // e − r + d: k + r = e + d for even k
      }
    }
    // k ≡ 2·d for every odd digit d: the last addition is a doubling exactly when d_0(k) = d
    for (let d = 1n; d < 1n << BigInt(w); d += 2n) [2n * d, r - 2n * d].forEach((v) => ks.add(v));
    return [...ks].filter((k) => k > 0n && k < r);
  };

  it('edge scalars on G, −G, [2]G, [3]G, [r − 1]G, [r − 2]G and a random point', () => {
    const points = [1n, r - 1n, 2n, 3n, r - 2n, randomScalar()];
    const ks = edgeScalars();
    for (const k of ks) check(1n, k);
    const some = ks.filter((_, i) => i % (curve === 'P-256' ? 4 : 8) === 0);
    for (const a of points.slice(1)) for (const k of some) check(a, k);
    expect(exceptional).toBeGreaterThan(0); // the doubling case of the last step was reached
  });

  it('the one scalar whose last addition is a doubling: r − 2 on P-256, 46 on P-521', () => {
    const doubling = edgeScalars().filter((k) => (k - 2n * lastDigit(k)) % r === 0n);
    expect(doubling).toEqual([curve === 'P-256' ? r - 2n : 46n]);
    for (const a of [1n, r - 1n, randomScalar()]) check(a, doubling[0]!);
  });

  it('random scalars on random points, with random projective Z', () => {
    for (let i = 0; i < (curve === 'P-256' ? 80 : 30); i++) {
      check(randomScalar(), randomScalar(), (hex(randomBytes(fieldBytes + 8)) % (p - 1n)) + 1n);
    }
  });

  it('points with small discrete log relative to each other: k = c·a^−1, so [k]P = [c]G', () => {
    for (let i = 0; i < 6; i++) {
      const a = randomScalar();
      const inv = modInverse(a, r);
      for (const c of [1n, 2n, 3n, 15n, 16n, 31n, r - 1n, r - 2n, r - 31n]) check(a, (c * inv) % r);
    }
  });
});
