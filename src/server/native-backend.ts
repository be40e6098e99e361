/**
 * The server's KAM3 arithmetic in node:crypto (OpenSSL), behind the KexBackend interface of
 * src/crypto/backend.ts; test/server/native-backend.test.ts checks it against the pure backend and the vectors.
 *
 * MODP: a DiffieHellman object over the group's prime computes any base to a private exponent
 * (setPrivateKey(exp) + computeSecret(base) = base^exp mod q, OpenSSL's constant-time Montgomery ladder).
 * OpenSSL refuses bases 0, 1 and q−1 as peer keys and exponents outside [1, r−1] as private keys; such
 * values (which KAM3 never passes: its exponents are S_s1 < r and 256/512-bit hashes, its bases checked
 * elements and their products) go to the pure backend, so the results never differ.
 *
 * P-256 with the native addon (ec-addon.ts, built at `npm install`): OpenSSL's EC_POINT_mul gives whole
 * points, and kam3-ec.ts wholeProducts does an exchange in four calls — as many multiplications as OpenSSL
 * alone needs ({@link nativeBackend}). Everything below is the path without it ({@link nodeCryptoBackend}).
 *
 * Curves: ECDH.computeSecret gives only the x-coordinate of [k]P, while RFC 8121 §3.3's P() needs the
 * parity of y. [k]G is one operation, the public key of k. Any other [k]P (ecMultiply): x([k]P) and
 * x([k+1]P) = x([k]P + P) from two computeSecret calls on the same input, then y from the chord through
 * [k]P and P, which is linear in y (yFromSum: no square root); one blinded inversion per product serves both
 * the input's affine form and that formula. k = r − 1, k = 1 and inconsistent answers go to the pure backend.
 * A fresh exchange's two secret products need less (backend.ts EcXOnly, kam3-ec.ts ecServer's
 * sign-randomised path): three x-only computeSecret calls under one key and one square root of a public x
 * (OpenSSL's point decompression, ECDH.convertKey). Where the time goes and why this is near the floor:
 * docs/decisions.md, "The server's per-request and per-exchange work".
 *
 * Secrets: scalar octets are written into one Buffer and wiped after each setPrivateKey; the shared ECDH
 * object for secret scalars is left holding the key 1; nothing here logs. OpenSSL's private-key range
 * [1, r−1] is respected (k + 1 < r checked). Results are checked: a y that is not on the curve falls back.
 */
import * as nodeCrypto from 'node:crypto';
import { createDiffieHellman, createECDH, createHash, ECDH, getDiffieHellman, randomBytes, type DiffieHellman } from 'node:crypto';
import type { Algorithm, PartsHash } from '../crypto/algorithms.ts';
import type { OneHash } from '../crypto/verify.ts';
import { pureBackend, type CurvePoint, type EcWhole, type EcXOnly, type KexBackend } from '../crypto/backend.ts';
import { int, octets } from '../crypto/encoding.ts';
import { curveRhs, ecCurve } from '../crypto/kam3-ec.ts';
import { invertBlinded, type ModpGroup } from '../crypto/modp.ts';
import { ADDON_ALGORITHM, nativeEc, type NativeEc } from './ec-addon.ts';

type CurvePointCons = ReturnType<typeof ecCurve>;

const DH_GROUP: Record<ModpGroup['name'], string> = { modp2048: 'modp14', modp4096: 'modp16' };
/**
 * Curves done by OpenSSL. Not P-521: there the pure backend (src/crypto/ec-scalar-mult.ts, ~2 ms per
 * multiplication) beats even OpenSSL's four bare x-only multiplications — bench/crypto.ts serverKs1 P-521:
 * pure 7.9–8.3 ms vs. OpenSSL alone 15.7 ms of CPU, so the three per point this method needs would lose
 * more. P-256 (bench/crypto.ts, busy host): pure 2.9–5.0 ms, this backend 1.15–1.37 ms, OpenSSL alone 0.40–0.49 ms.
 */
const CURVE: Partial<Record<Algorithm['name'], string>> = {
  'iso-kam3-ec-p256-sha256': 'prime256v1',
};

const dhObjects = new Map<ModpGroup['name'], DiffieHellman>();
const ONE = Buffer.from([1]);

function dhFor(group: ModpGroup): DiffieHellman {
  let dh = dhObjects.get(group.name);
  if (!dh) {
    const prime = getDiffieHellman(DH_GROUP[group.name]).getPrime();
    if (int(prime) !== group.q) throw new Error(`node:crypto ${DH_GROUP[group.name]} is not ${group.name}`);
    dh = createDiffieHellman(prime, Buffer.from([2]));
    dhObjects.set(group.name, dh);
  }
  return dh;
}

function dhModPow(group: ModpGroup, base: bigint, exp: bigint, expBits: number): bigint {
  // OpenSSL takes private keys in [1, r−1] and peer keys in [2, q−2]; KAM3's exponents and bases are there.
  if (exp === 0n || exp >= group.r || base <= 1n || base >= group.q - 1n) return pureBackend.modPow(group, base, exp, expBits);
  const len = group.bits / 8;
  const dh = dhFor(group);
  const o = octets(exp, Math.max(1, Math.ceil(expBits / 8)));
  const key = Buffer.from(o);
  o.fill(0);
  try {
    dh.setPrivateKey(key);
    return int(dh.computeSecret(Buffer.from(octets(base, len))));
  } finally {
    key.fill(0);
    dh.setPrivateKey(ONE); // do not keep the exponent in the shared object
  }
}

type Fp = CurvePointCons['Fp'];
type Affine = { x: bigint; y: bigint };

/**
 * x^−1 mod p (p prime, x ≢ 0), blinded: Lehmer's extended Euclid (modp.ts invertMod) runs on x·b for a
 * random b, so its running time follows x·b, not x — the points made affine here include J + [t_1]K_c1,
 * from which the verifier J follows. modp.ts invertBlinded draws a fresh b per call; here b is drawn from
 * node:crypto, then squared after each use (the update OpenSSL applies to its RSA blinding factors) and
 * drawn afresh every 32 uses: a draw cost 5–20 µs, and an exchange inverts up to four times.
 */
const blinding = new Map<bigint, { b: bigint; uses: number }>();

function invertBlindedFast(x: bigint, p: bigint): bigint | undefined {
  if (x % p === 0n) return undefined; // no inverse, and no use of the factor
  let f = blinding.get(p);
  if (!f || f.uses >= 32) {
    const bytes = randomBytes(Math.ceil(p.toString(16).length / 2) + 16);
    let b = bufInt(bytes) % p; // 128 extra bits: bias below 2^-128
    bytes.fill(0);
    if (b === 0n) b = 1n;
    f = { b, uses: 0 };
    blinding.set(p, f);
  }
  const b = f.b;
  f.b = (b * b) % p || 1n;
  f.uses++;
  return invertBlinded(x, p, b);
}

/**
 * P ≠ 0_E ready for {@link yFromSum}: its affine coordinates and 1/(2·y), from one inversion. noble's points
 * are projective (x, y) = (X/Z, Y/Z): with w = 1/(2·Y·Z), 1/Z = 2Y·w and 1/(2y) = Z/(2Y) = Z²·w. The
 * inversion is blinded ({@link invertBlindedFast}: Lehmer on a random multiple): P may be J + [t_1]K_c1, from
 * which J — the password verifier — follows, and Lehmer's running time follows its input.
 */
function prepared(Fp: Fp, P: CurvePoint): { x: bigint; y: bigint; inv2y: bigint } | undefined {
  const twoY = Fp.add(P.Y, P.Y);
  const w = invertBlindedFast(Fp.mul(twoY, P.Z), Fp.ORDER); // undefined only for Z = 0 (0_E) or y = 0
  if (w === undefined) return undefined;
  const zi = Fp.mul(twoY, w);
  return { x: Fp.mul(P.X, zi), y: Fp.mul(P.Y, zi), inv2y: Fp.mul(Fp.sqr(P.Z), w) };
}

/** SEC1 uncompressed octets of an affine point. */
function uncompressed(Fp: Fp, A: Affine): Buffer {
  return Buffer.from(`04${hexOf(A.x, Fp.BYTES)}${hexOf(A.y, Fp.BYTES)}`, 'hex');
}

const hexOf = (n: bigint, len: number): string => n.toString(16).padStart(2 * len, '0');
/** INT() of node:crypto's output octets (Buffer's native hex instead of a JS loop). */
const bufInt = (b: Buffer): bigint => BigInt(`0x${b.toString('hex')}`);

/** x([k]P) for the key set in `ecdh`; the output octets (secret for a secret k) are wiped. */
function xOfKey(ecdh: ECDH, input: Buffer): bigint {
  const out = ecdh.computeSecret(input);
  try {
    return bufInt(out);
  } finally {
    out.fill(0);
  }
}

/**
 * y of Q = (x, y) from x, the x-coordinate xSum of Q + P, and P = (xP, yP) with 1/(2·yP) ({@link prepared}),
 * for x ≠ xP. The chord through Q and P gives xSum = λ² − x − xP with λ = (yP − y)/(xP − x), so
 * (yP − y)² = (xSum + x + xP)(xP − x)²; with y² = f(x) and yP² = f(xP) this is
 *   2·yP·y = f(x) + f(xP) − (xSum + x + xP)(xP − x)²,
 * linear in y: exactly one y fits, no square root needed. Undefined when x = xP, or when the y found is not
 * on the curve (results that are not what they claim; the caller falls back).
 */
function yFromSum(alg: Algorithm, x: bigint, xSum: bigint, P: { x: bigint; inv2y: bigint }): bigint | undefined {
  const Fp = ecCurve(alg).Fp;
  if (x === P.x) return undefined;
  const fx = curveRhs(alg, x);
  const num = Fp.sub(Fp.add(fx, curveRhs(alg, P.x)), Fp.mul(Fp.add(Fp.add(xSum, x), P.x), Fp.sqr(Fp.sub(P.x, x))));
  const y = Fp.mul(num, P.inv2y);
  return Fp.eql(Fp.sqr(y), fx) ? y : undefined;
}

/**
 * Two ECDH objects per curve, reused (a new one costs about as much as a fixed-base multiplication): one
 * for public scalars, one for secret ones, so that a public multiplication inside a secret session
 * ({@link nativeXOnly}) does not replace the secret key.
 */
const ecdhObjects = new Map<string, ECDH>();
const secretBusy = new Set<string>();

function ecdhFor(name: string, secret: boolean): ECDH {
  const key = `${name}:${secret ? 'secret' : 'public'}`;
  let e = ecdhObjects.get(key);
  if (!e) {
    e = createECDH(name);
    ecdhObjects.set(key, e);
  }
  return e;
}

/**
 * Run `use` with the ECDH object of `curve` and a function that sets its private key to k (1 <= k < r,
 * OpenSSL's range); the key octets are wiped after each use and, when the keys are secret, the object is
 * left holding the key 1.
 */
function withKeys<T>(curve: string, len: number, secret: boolean, use: (setKey: (k: bigint) => void, ecdh: ECDH) => T): T {
  if (secret && secretBusy.has(curve)) throw new Error('native-backend: nested use of the secret ECDH object');
  const ecdh = ecdhFor(curve, secret);
  const key = Buffer.alloc(len);
  const setKey = (k: bigint): void => {
    key.write(hexOf(k, len), 'hex');
    try {
      ecdh.setPrivateKey(key);
    } finally {
      key.fill(0);
    }
  };
  if (secret) secretBusy.add(curve);
  try {
    return use(setKey, ecdh);
  } finally {
    if (secret) {
      secretBusy.delete(curve);
      setKey(1n); // do not keep a secret scalar in the shared object
    }
  }
}

/** Affine coordinates of points ≠ 0_E with one blinded inversion for all (Montgomery's trick); see {@link prepared}. */
function affineAll(Fp: Fp, points: readonly CurvePoint[]): Affine[] | undefined {
  const prefix: bigint[] = [];
  let acc = Fp.ONE;
  for (const P of points) {
    prefix.push(acc);
    acc = Fp.mul(acc, P.Z);
  }
  let w = invertBlindedFast(acc, Fp.ORDER); // undefined: some Z = 0 (0_E)
  if (w === undefined) return undefined;
  const out: Affine[] = new Array<Affine>(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const P = points[i]!;
    const zi = Fp.mul(w, prefix[i]!);
    w = Fp.mul(w, P.Z);
    out[i] = { x: Fp.mul(P.X, zi), y: Fp.mul(P.Y, zi) };
  }
  return out;
}

/** node:crypto's names of both curves (for square roots; multiplications only on those of CURVE). */
const LIFT_CURVE: Partial<Record<Algorithm['name'], string>> = {
  'iso-kam3-ec-p256-sha256': 'prime256v1',
  'iso-kam3-ec-p521-sha512': 'secp521r1',
};

/**
 * x-only multiplication by a secret scalar (backend.ts EcXOnly): ECDH.computeSecret is exactly that. One
 * setPrivateKey per session (a fixed-base multiplication OpenSSL does for the public key), one
 * computeSecret per point. Curves not in CURVE take no point (the caller falls back to ecMultiply).
 * lift: OpenSSL's decompression (ECDH.convertKey of 02 | x), 0.03 ms against 0.07 ms for the bigint power.
 */
const nativeXOnly: EcXOnly = Object.freeze({
  withSecret<T>(alg: Algorithm, k: bigint, use: (xOf: (points: readonly CurvePoint[]) => bigint[] | undefined) => T): T {
    const name = CURVE[alg.name];
    if (!name) return use(() => undefined);
    const Point = ecCurve(alg);
    const Fp = Point.Fp;
    return withKeys(name, Point.Fn.BYTES, true, (setKey, ecdh) => {
      setKey(k);
      return use((points) => {
        const A = affineAll(Fp, points);
        return A?.map((a) => xOfKey(ecdh, uncompressed(Fp, a)));
      });
    });
  },
  lift(alg: Algorithm, x: bigint, parity: 0 | 1): bigint | undefined {
    const name = LIFT_CURVE[alg.name];
    const Fp = ecCurve(alg).Fp;
    if (!name || x < 0n || x >= Fp.ORDER) return undefined;
    let point: Buffer;
    try {
      point = ECDH.convertKey(Buffer.from(`02${hexOf(x, Fp.BYTES)}`, 'hex'), name, undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      return undefined; // no point has this x
    }
    const y = bufInt(point.subarray(1 + Fp.BYTES));
    return (y & 1n) === BigInt(parity) ? y : Fp.neg(y); // y ≠ 0 on these curves: −y has the other parity
  },
});

/**
 * [k]P. [k]G is the public key of k (one fixed-base operation, the whole point). Any other P: OpenSSL gives
 * x([k]P) and x([k+1]P) = x([k]P + P) (two variable-base operations on the same input octets), and
 * {@link yFromSum} the y that goes with them — no square root, one blinded inversion. k = r − 1 (no key
 * k + 1 in OpenSSL's range), k = 1 ([k]P = P: x = xP) and inconsistent results go to the pure backend.
 */
function ecMultiply(alg: Algorithm, P: CurvePoint, k: bigint, secret: boolean): CurvePoint {
  const name = CURVE[alg.name];
  if (!name) return pureBackend.ecMultiply(alg, P, k, secret);
  const Point = ecCurve(alg);
  const Fp = Point.Fp;
  const len = Point.Fn.BYTES;
  if (P.equals(Point.BASE)) {
    return withKeys(name, len, secret, (setKey, ecdh) => {
      setKey(k);
      return Point.fromBytes(ecdh.getPublicKey());
    });
  }
  if (k + 1n >= Point.Fn.ORDER) return pureBackend.ecMultiply(alg, P, k, secret);
  const A = prepared(Fp, P);
  if (!A) return pureBackend.ecMultiply(alg, P, k, secret);
  const input = uncompressed(Fp, A);
  const [x, xNext] = withKeys(name, len, secret, (setKey, ecdh) => {
    setKey(k);
    const first = xOfKey(ecdh, input);
    setKey(k + 1n);
    return [first, xOfKey(ecdh, input)] as const;
  });
  const y = yFromSum(alg, x, xNext, A);
  if (y === undefined) return pureBackend.ecMultiply(alg, P, k, secret);
  return Point.fromAffine({ x, y });
}

/**
 * Whole-point products by the native addon (ec-addon.ts: OpenSSL's EC_POINT_mul), for the curves it takes.
 * Scalars go over as octets, wiped after the call (encoding.ts octets() passes through a hex string, which, like
 * the bigint itself, cannot be wiped). An error of the addon (it refuses what breaks its rules; kam3-ec.ts only
 * passes checked points) gives undefined: the caller then computes the same products the other way.
 */
export function wholeBy(ec: NativeEc): EcWhole {
  return Object.freeze({
    mulAdd(alg: Algorithm, t: { g?: bigint; P?: Uint8Array; k?: bigint; Q?: Uint8Array }, secret: boolean): Uint8Array | null | undefined {
      if (alg.name !== ADDON_ALGORITHM) return undefined;
      const len = ecCurve(alg).Fn.BYTES;
      const g = t.g === undefined ? null : octets(t.g, len);
      const k = t.k === undefined ? null : octets(t.k, len);
      try {
        const r = ec.mul('P-256', g, t.P ?? null, k, t.Q ?? null, secret);
        return r === null ? null : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
      } catch {
        return undefined;
      } finally {
        g?.fill(0);
        k?.fill(0);
      }
    },
  });
}

/**
 * KAM3 arithmetic by node:crypto alone (no addon): MODP by DiffieHellman, P-256 by ECDH's x-only products.
 * What the server runs where the addon could not be built; the tests run it as well.
 */
export const nodeCryptoBackend: KexBackend = Object.freeze({
  name: 'node:crypto',
  modPow: dhModPow,
  powG: (group: ModpGroup, exp: bigint, expBits: number) => dhModPow(group, group.g, exp, expBits),
  ecMultiply,
  ecXOnly: nativeXOnly,
  hash: (alg: Algorithm, parts: readonly Uint8Array[]) => nativeHash(alg, parts),
});

/**
 * The server's KAM3 arithmetic; pass it to serverKs1 (src/crypto/kam3.ts). With the native addon built, P-256
 * exchanges take its whole-point products (four OpenSSL calls, kam3-ec.ts wholeProducts); else as
 * {@link nodeCryptoBackend}.
 */
export const nativeBackend: KexBackend = nativeEc
  ? Object.freeze({ ...nodeCryptoBackend, name: 'node:crypto + EC addon', ecWhole: wholeBy(nativeEc) })
  : nodeCryptoBackend;

/**
 * H(parts concatenated) by node:crypto (OpenSSL): the server hashes vkc and vks for every authenticated
 * request, and measured per request (bench/server.ts, P-256 session) the JS hash with its copies was the
 * largest single cost of the handler. Same octets as src/crypto's hashParts (test/server/native-backend.test.ts).
 */
export const nativeHash: PartsHash = (alg, parts) => {
  const h = createHash(alg.hash === 'SHA-256' ? 'sha256' : 'sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** crypto.hash (Node ≥ 20.12 / 21.7): one call into OpenSSL, no Hash object; absent on older Node 20. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer }).hash;

/**
 * H(message) by node:crypto for the two key-confirmation values of every authenticated request
 * (verify.ts computeVkcVks): Node's one-shot crypto.hash where it exists — per hash 1.0 µs against 1.8 µs
 * for createHash with its object and six update calls (bench/server-decide.ts profile) — else createHash.
 */
export const nativeOneHash: OneHash = (alg, message) => {
  const name = alg.hash === 'SHA-256' ? 'sha256' : 'sha512';
  const d = oneShot ? oneShot(name, message, 'buffer') : createHash(name).update(message).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};
