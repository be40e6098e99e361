/**
 * The client's z multiplication [k]P of RFC 8121 §3.3 done three ways, for the evaluation recorded in
 * docs/decisions.md ("The client's curve multiplication stays in @noble/curves"). Runs in Node and, bundled,
 * in a browser page (bench/ec-webcrypto.ts). Every result is checked against noble's.
 *
 * - noble: P.multiply(k), what kam3-ec.ts does (constant-time ladder in bigint).
 * - jwk: WebCrypto ECDH with k imported as a JWK (d plus x, y of [k]G from noble's fixed-base table),
 *   deriveBits against P and P + G; y's sign as in src/server/native-backend.ts (the one whose sum with
 *   [k]G has x([k](P + G))).
 * - pkcs8: k and k + 1 imported as PKCS #8 without a public key (the browser computes [k]G itself),
 *   deriveBits of both against P: x([k]P) and x([k]P + P); the sign is the one whose sum with P has the
 *   second x (Q + P and −Q + P never share an x: that would need 2Q or 2P = 0_E). No [k]G in JavaScript
 *   and one public key instead of two. Needs k + 1 < r: the bench draws k in [1, r − 2].
 */
import { p256, p521 } from '@noble/curves/nist.js';
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';

type Point = WeierstrassPoint<bigint>;
export type CurveName = 'P-256' | 'P-521';
export type Variant = 'noble' | 'jwk' | 'pkcs8';
export const VARIANTS: Variant[] = ['noble', 'jwk', 'pkcs8'];

const CURVES: Record<CurveName, WeierstrassPointCons<bigint>> = { 'P-256': p256.Point, 'P-521': p521.Point };

/** PKCS #8 PrivateKeyInfo (RFC 5915 ECPrivateKey without the optional publicKey) up to the key octets. */
const PKCS8_HEAD: Record<CurveName, string> = {
  'P-256': '3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420',
  'P-521': '3060020100301006072a8648ce3d020106052b81040023044930470201010442',
};

const fromHex = (h: string): Uint8Array<ArrayBuffer> => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
const octets = (x: bigint, len: number): Uint8Array<ArrayBuffer> => fromHex(x.toString(16).padStart(2 * len, '0'));
const int = (b: Uint8Array): bigint => BigInt('0x' + (Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('') || '0'));
const b64u = (b: Uint8Array): string => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The one of ±(x, y) whose sum with `other` has x-coordinate `xSum` (projective check, no inversion). */
function pick(Curve: WeierstrassPointCons<bigint>, x: bigint, other: Point, xSum: bigint): Point {
  const Fp = Curve.Fp;
  const { a, b } = Curve.CURVE();
  const plus = Curve.fromAffine({ x, y: Fp.sqrt(Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(a, x)), b)) });
  const fits = (Q: Point): boolean => !Q.is0() && Fp.eql(Q.X, Fp.mul(xSum, Q.Z));
  const p = fits(plus.add(other));
  if (p === fits(plus.negate().add(other))) throw new Error('degenerate sign test');
  return p ? plus : plus.negate();
}

async function viaWebCrypto(curve: CurveName, variant: 'jwk' | 'pkcs8', P: Point, k: bigint): Promise<Point> {
  const subtle = globalThis.crypto.subtle;
  const Curve = CURVES[curve];
  const len = Curve.Fp.BYTES;
  const bits = 8 * len;
  const alg = { name: 'ECDH', namedCurve: curve };
  const derive = async (key: CryptoKey, pub: CryptoKey): Promise<bigint> =>
    int(new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: pub }, key, bits)));
  const raw = (Q: Point): Promise<CryptoKey> => subtle.importKey('raw', Q.toBytes(false), alg, false, []);
  if (variant === 'jwk') {
    const kG = Curve.BASE.multiply(k);
    const { x, y } = kG.toAffine();
    const jwk: JsonWebKey = { kty: 'EC', crv: curve, d: b64u(octets(k, len)), x: b64u(octets(x, len)), y: b64u(octets(y, len)) };
    const [key, pub, pubG] = await Promise.all([
      subtle.importKey('jwk', jwk, alg, false, ['deriveBits']),
      raw(P),
      raw(P.add(Curve.BASE)),
    ]);
    const [xQ, xSum] = await Promise.all([derive(key, pub), derive(key, pubG)]);
    return pick(Curve, xQ, kG, xSum);
  }
  const pkcs8 = (s: bigint): Uint8Array<ArrayBuffer> => {
    const head = fromHex(PKCS8_HEAD[curve]);
    const out = new Uint8Array(head.length + len);
    out.set(head);
    out.set(octets(s, len), head.length);
    return out;
  };
  const [key, key1, pub] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8(k), alg, false, ['deriveBits']),
    subtle.importKey('pkcs8', pkcs8(k + 1n), alg, false, ['deriveBits']),
    raw(P),
  ]);
  const [xQ, xSum] = await Promise.all([derive(key, pub), derive(key1, pub)]);
  return pick(Curve, xQ, P, xSum);
}

const randomBelow = (n: bigint): bigint => int(globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(n.toString(16).length / 2) + 8))) % n;

/**
 * `runs` rounds; each draws a random point P and k in [1, r − 2] (k = 1 in the first, warm-up round) and
 * times every variant on them, in rotating order, `reps` times in a row (for a coarse clock: Firefox pages
 * get whole milliseconds).
 * Returns the median ms of one multiplication per variant. `clock` is CPU time in Node, wall time in a page.
 */
export async function measure(curve: CurveName, runs: number, reps: number, clock: () => number): Promise<Record<Variant, number>> {
  const Curve = CURVES[curve];
  const r = Curve.Fn.ORDER;
  const times: Record<Variant, number[]> = { noble: [], jwk: [], pkcs8: [] };
  for (let i = -3; i < runs; i++) {
    const P = Curve.BASE.multiply(randomBelow(r - 1n) + 1n);
    const k = i === -3 ? 1n : randomBelow(r - 2n) + 1n;
    let expected: Point | undefined;
    for (let j = 0; j < VARIANTS.length; j++) {
      const v = VARIANTS[(i + 3 + j) % VARIANTS.length]!;
      let Q = Curve.ZERO;
      const t = clock();
      for (let rep = 0; rep < reps; rep++) Q = v === 'noble' ? P.multiply(k) : await viaWebCrypto(curve, v, P, k);
      const dt = (clock() - t) / reps;
      if (i >= 0) times[v].push(dt); // the first three rounds warm up
      const want = expected ?? (expected = P.multiply(k));
      if (!Q.equals(want)) throw new Error(`${v} on ${curve} differs from noble`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { noble: median(times.noble), jwk: median(times.jwk), pkcs8: median(times.pkcs8) };
}
