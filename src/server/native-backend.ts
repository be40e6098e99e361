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
 * Curves: ECDH.computeSecret gives only the x-coordinate of [k]P, while RFC 8121 §3.3's P() needs the
 * parity of y. With the key k set, ECDH also knows [k]G in full (its public key); computing
 * x([k](P + G)) = x([k]P + [k]G) tells which of the two points (x, ±y) is [k]P: the one whose sum with
 * [k]G has that x. Three OpenSSL operations (the two x-coordinates, [k]G) and a few field operations here,
 * against one scalar multiplication of the pure backend (ec-scalar-mult.ts) that on P-256 costs more than
 * all three.
 * [k]G itself is one operation: the public key of k.
 * When the check is inconclusive (P + G = 0_E, or both candidates match — neither happens for a point of
 * prime order r with k in [1, r−1] except P = −G), the pure backend answers.
 */
import * as nodeCrypto from 'node:crypto';
import { createDiffieHellman, createECDH, createHash, getDiffieHellman, type DiffieHellman } from 'node:crypto';
import type { Algorithm, PartsHash } from '../crypto/algorithms.ts';
import type { OneHash } from '../crypto/verify.ts';
import { pureBackend, type CurvePoint, type KexBackend } from '../crypto/backend.ts';
import { int, octets } from '../crypto/encoding.ts';
import { ecCurve } from '../crypto/kam3-ec.ts';
import { invertMod, type ModpGroup } from '../crypto/modp.ts';

const DH_GROUP: Record<ModpGroup['name'], string> = { modp2048: 'modp14', modp4096: 'modp16' };
/**
 * Curves done by OpenSSL. Not P-521: there the pure backend (src/crypto/ec-scalar-mult.ts, ~2 ms per
 * multiplication) beats even OpenSSL's four bare x-only multiplications — bench/crypto.ts serverKs1 P-521:
 * pure 7.9–8.3 ms vs. OpenSSL alone 15.7 ms of CPU, so the three per point this method needs would lose
 * more. P-256: pure 3.1 ms vs. this method 1.3 ms (OpenSSL alone 0.4 ms).
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
  const key = Buffer.from(octets(exp, Math.max(1, Math.ceil(expBits / 8))));
  try {
    dh.setPrivateKey(key);
    return int(dh.computeSecret(Buffer.from(octets(base, len))));
  } finally {
    key.fill(0);
    dh.setPrivateKey(ONE); // do not keep the exponent in the shared object
  }
}

/** SEC1 uncompressed octets of a point ≠ 0_E (one extended-Euclid inversion; the points are public). */
function uncompressed(alg: Algorithm, Q: CurvePoint): Buffer {
  const Fp = ecCurve(alg).Fp;
  const zi = Fp.eql(Q.Z, Fp.ONE) ? Fp.ONE : invertMod(Q.Z, Fp.ORDER)!; // Q ≠ 0_E: 0 < Z < p, p prime
  const len = Fp.BYTES;
  return Buffer.concat([Buffer.from([4]), octets(Fp.mul(Q.X, zi), len), octets(Fp.mul(Q.Y, zi), len)]);
}

function ecMultiply(alg: Algorithm, P: CurvePoint, k: bigint, secret: boolean): CurvePoint {
  const name = CURVE[alg.name];
  const Point = ecCurve(alg);
  const Fp = Point.Fp;
  if (!name) return pureBackend.ecMultiply(alg, P, k, secret);
  const ecdh = createECDH(name);
  const key = Buffer.from(octets(k, Point.Fn.BYTES));
  if (P.equals(Point.BASE)) {
    // [k]G is the public key of k: one operation, the whole point
    try {
      ecdh.setPrivateKey(key);
      return Point.fromBytes(ecdh.getPublicKey());
    } finally {
      key.fill(0);
    }
  }
  const PG = P.add(Point.BASE);
  if (PG.is0()) return pureBackend.ecMultiply(alg, P, k, secret);
  let kG: CurvePoint;
  let x: bigint;
  let xSum: bigint;
  try {
    ecdh.setPrivateKey(key);
    kG = Point.fromBytes(ecdh.getPublicKey());
    x = int(ecdh.computeSecret(uncompressed(alg, P)));
    xSum = int(ecdh.computeSecret(uncompressed(alg, PG)));
  } finally {
    key.fill(0);
  }
  if (x === kG.x) return pureBackend.ecMultiply(alg, P, k, secret); // [k]P = ±[k]G: the sums below degenerate
  const { a, b } = Point.CURVE();
  const y = Fp.sqrt(Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(a, x)), b));
  const plus = Point.fromAffine({ x, y });
  const minus = plus.negate();
  // x(Q) = xSum for a projective Q = (X : Y : Z) without an inversion: X = xSum·Z
  const hasX = (Q: CurvePoint): boolean => !Q.is0() && Fp.eql(Q.X, Fp.mul(xSum, Q.Z));
  const plusFits = hasX(plus.add(kG));
  const minusFits = hasX(minus.add(kG));
  if (plusFits === minusFits) return pureBackend.ecMultiply(alg, P, k, secret);
  return plusFits ? plus : minus;
}

/** KAM3 arithmetic by node:crypto; pass it to serverKs1 (src/crypto/kam3.ts). */
export const nativeBackend: KexBackend = Object.freeze({
  name: 'node:crypto',
  modPow: dhModPow,
  powG: (group: ModpGroup, exp: bigint, expBits: number) => dhModPow(group, group.g, exp, expBits),
  ecMultiply,
});

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
