/**
 * KAM3 in the elliptic-curve setting (RFC 8121 §3.3): iso-kam3-ec-p256-sha256 and
 * iso-kam3-ec-p521-sha512; docs/protocol-decisions.md §2 ("element = P(p) = 2x + (y mod 2)").
 *
 * Read with RFC 8121 §3.3 beside it. Points, their validation and addition are @noble/curves (audited);
 * scalar multiplications are ec-scalar-mult.ts (a fixed operation sequence whatever the scalar: J, K_c1 and
 * the client's z here, the server's through the backend; docs/decisions.md).
 * Arguments the caller owns (S_c1, S_s1, pi, J) are range-checked by kam3.ts; everything received from the
 * peer goes through {@link pointOf} (P'()) before any use.
 */
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { wipe } from '../bytes.ts';
import { fail, MutualError, ok, type Result } from '../errors.ts';
import type { Algorithm } from './algorithms.ts';
import { pureBackend, type EcWhole, type EcXOnly, type KexBackend } from './backend.ts';
import { curveOf, multiplyBase, multiplySecret, pointsOf, squareRoot } from './ec-scalar-mult.ts';
import { int, octets } from './encoding.ts';
import { clientExponent, t1, t2 } from './kam3-common.ts';
import { invertMod } from './modp.ts';

type Point = WeierstrassPoint<bigint>;

/** The curve of an EC algorithm (RFC 8121 §3: FIPS 186-4 P-256 / P-521; cofactor h = 1). */
export function ecCurve(alg: Algorithm): WeierstrassPointCons<bigint> {
  return pointsOf(alg);
}

/**
 * OCTETS(P(p)) with P(p) = 2x + (y mod 2) (RFC 8121 §3.3). The point at infinity 0_E has no affine
 * coordinates and so no P(): undefined (callers turn it into a rejection, as §3.3 requires for K_s1).
 */
export function encodePoint(alg: Algorithm, p: Point): Uint8Array | undefined {
  if (p.is0()) return undefined;
  return encodeAffine(alg, p.toAffine());
}

function encodeAffine(alg: Algorithm, p: { x: bigint; y: bigint }): Uint8Array {
  return octets(2n * p.x + (p.y & 1n), alg.elementLength);
}

/**
 * P'(v) of RFC 8121 §3.3, as the vectors define it: x = v >> 1, parity = v & 1; x must be below the field
 * prime, x^3 + ax + b must be a square, and the parity selects y (y = 0 with parity 1 has no point; P-256
 * and P-521 have no point with y = 0 anyway). The result is an affine point, so never 0_E, and with
 * h = 1 every curve point is in the order-r group: §3.3's "[h] * K_c1' is not 0_E" holds.
 * `lift` (a backend's square root, backend.ts EcXOnly) replaces the bigint one; its answer is checked like
 * any other (assertValidity), so a wrong one cannot make an invalid point pass.
 */
export function pointOf(alg: Algorithm, element: Uint8Array, what: string, lift?: EcXOnly['lift']): Result<Point> {
  const Point = ecCurve(alg);
  const Fp = Point.Fp;
  if (element.length !== alg.elementLength) {
    return fail('ERR_MUTUAL_ENCODING', `expected ${alg.elementLength} octets for ${what}, got ${element.length}`);
  }
  const v = int(element);
  const x = v >> 1n;
  const parity = v & 1n;
  if (x >= Fp.ORDER) {
    return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is not a curve point: x is not below the field prime`);
  }
  let y = lift ? lift(alg, x, Number(parity) as 0 | 1) : squareRoot(curveOf(alg), curveRhs(alg, x));
  if (y === undefined) return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is not a curve point: no point has this x`);
  if ((y & 1n) !== parity) y = Fp.neg(y);
  if ((y & 1n) !== parity) {
    return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is not a curve point: y = 0 cannot have parity 1`);
  }
  const p = Point.fromAffine({ x, y });
  try {
    p.assertValidity();
  } catch {
    return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is not a valid curve point`);
  }
  if (p.is0()) return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is the point at infinity`);
  return ok(p);
}

/**
 * J(pi) = [pi] * G (RFC 8121 §3.3), as OCTETS(P()). pi ≡ 0 mod r would give 0_E, which has no encoding
 * (probability ~2^-256 for a PBKDF2 output): thrown as an argument error, the user must pick another password.
 */
export function ecJ(alg: Algorithm, pi: bigint): Uint8Array {
  const Point = ecCurve(alg);
  const k = pi % Point.Fn.ORDER;
  const J = k === 0n ? undefined : encodeAffine(alg, multiplyBase(curveOf(alg), k));
  if (!J) throw new MutualError('ERR_MUTUAL_ARGUMENT', 'pi ≡ 0 mod r: J(pi) is the point at infinity');
  return J;
}

/** K_c1 = P([S_c1] * G) (RFC 8121 §3.3), for 1 <= S_c1 < r (checked by the caller). */
export function ecKc1(alg: Algorithm, S_c1: bigint): Uint8Array {
  return encodeAffine(alg, multiplyBase(curveOf(alg), S_c1)); // [S]G ≠ 0_E for 0 < S < r
}

/**
 * The server's side of RFC 8121 §3.3 after checking K_c1 (K_c1' = P'(K_c1)):
 *   t_1 = INT(H(octet(1) | OCTETS(K_c1)))
 *   K_s1 = P([S_s1] * (J(pi) + [t_1] * K_c1')), rejected if it is 0_E
 *   t_2 = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1)))
 *   z = P([S_s1] * (K_c1' + [t_2] * G))
 * `J` is the stored verifier point, already checked by the caller.
 *
 * `parity` given: S_s1 is a fresh uniformly random secret that this function may replace by r − S_s1, and
 * `parity` a fresh random bit (kam3.ts serverKs1Random). With a backend that multiplies x-only
 * ({@link signRandomised}) that takes three x-only multiplications by S_s1 instead of two full ones.
 * Without `parity` the results are exactly those of S_s1 (the vectors fix S_s1).
 */
export function ecServer(
  alg: Algorithm,
  v: { K_c1: Uint8Array; J: Point; S_s1: bigint; parity?: 0 | 1 },
  backend: KexBackend = pureBackend,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  const Point = ecCurve(alg);
  const r = Point.Fn.ORDER;
  const checked = pointOf(alg, v.K_c1, 'kc1', backend.ecXOnly?.lift);
  if (!checked.ok) return checked;
  const K_c1 = checked.value;

  const t_1 = t1(alg, v.K_c1, backend.hash);
  const t_1r = t_1 % r;
  if (backend.ecWhole) {
    const whole = wholeProducts(alg, { K_c1: v.K_c1, K_c1p: K_c1, J: v.J, t_1r, S: v.S_s1 }, backend, backend.ecWhole);
    if (whole) return whole;
  }
  const sum = t_1r === 0n ? v.J : v.J.add(backend.ecMultiply(alg, K_c1, t_1r, false));
  if (sum.is0()) {
    // RFC 8121 §3.3 and §5.2: K_s1 = 0_E is rejected, not retried.
    return fail('ERR_MUTUAL_INVALID_ELEMENT', 'computed K_s1 is the point at infinity: exchange rejected (RFC 8121 §3.3)');
  }
  if (v.parity !== undefined && backend.ecXOnly) {
    const fast = signRandomised(alg, { K_c1: v.K_c1, K_c1p: K_c1, sum, S: v.S_s1, parity: v.parity }, backend, backend.ecXOnly);
    if (fast) return fast;
  }
  const K_s1 = encodePoint(alg, backend.ecMultiply(alg, sum, v.S_s1, true))!; // sum ≠ 0_E, 0 < S_s1 < r
  const base = serverBase(alg, v.K_c1, K_c1, K_s1, backend);
  const z = base.is0() ? undefined : encodePoint(alg, backend.ecMultiply(alg, base, v.S_s1, true));
  if (!z) return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: z is the point at infinity');
  return ok({ K_s1, z });
}

/**
 * {@link ecServer} by whole-point products in native code (backend.ts EcWhole): sum = J + [t_1]K_c1',
 * K_s1 = [S_s1]sum, base = [t_2]G + K_c1', z = [S_s1]base — four calls, the two by S_s1 one-point products on
 * OpenSSL's constant-time path. The results are exactly S_s1's, so `parity` is not needed. Undefined when the
 * backend does not take this curve, or answers 0_E where that cannot be (the caller then computes it the
 * other way, which decides).
 */
function wholeProducts(
  alg: Algorithm,
  v: { K_c1: Uint8Array; K_c1p: Point; J: Point; t_1r: bigint; S: bigint },
  backend: KexBackend,
  whole: EcWhole,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> | undefined {
  const kc1 = v.K_c1p.toBytes(false);
  const j = v.J.toBytes(false);
  const sum = v.t_1r === 0n ? j : whole.mulAdd(alg, { P: kc1, k: v.t_1r, Q: j }, false);
  if (sum === undefined) return undefined;
  if (sum === null) return fail('ERR_MUTUAL_INVALID_ELEMENT', 'computed K_s1 is the point at infinity: exchange rejected (RFC 8121 §3.3)');
  const ks1 = whole.mulAdd(alg, { P: sum, k: v.S }, true); // sum ≠ 0_E and 0 < S_s1 < r: never 0_E
  if (!ks1) return undefined;
  const K_s1 = fromSec1(alg, ks1);
  const t_2r = t2(alg, v.K_c1, K_s1, backend.hash) % ecCurve(alg).Fn.ORDER;
  const base = t_2r === 0n ? kc1 : whole.mulAdd(alg, { g: t_2r, P: kc1, k: 1n }, false);
  if (base === undefined) return undefined;
  if (base === null) return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: z is the point at infinity');
  const zs = whole.mulAdd(alg, { P: base, k: v.S }, true);
  if (!zs) return undefined;
  const z = fromSec1(alg, zs);
  wipe(zs);
  return ok({ K_s1, z });
}

/**
 * OCTETS(P(p)) = OCTETS(2x + (y mod 2)) from SEC1 uncompressed octets 04 | x | y: x shifted left by one bit
 * with y's low bit below it, without a bigint. Throws on anything else (a backend that broke its contract).
 */
export function fromSec1(alg: Algorithm, sec: Uint8Array): Uint8Array {
  const n = ecCurve(alg).Fp.BYTES;
  const len = alg.elementLength;
  if (sec.length !== 1 + 2 * n || sec[0] !== 4 || len < n) throw new MutualError('ERR_MUTUAL_ARGUMENT', 'a backend returned a point that is not SEC1 uncompressed');
  const out = new Uint8Array(len);
  let carry = sec[2 * n]! & 1; // the parity of y goes into the lowest bit
  for (let i = n; i >= 1; i--) {
    const b = sec[i]!;
    out[len - 1 - (n - i)] = ((b << 1) | carry) & 0xff;
    carry = b >> 7;
  }
  if (len > n) out[len - n - 1] = carry;
  else if (carry !== 0) throw new MutualError('ERR_MUTUAL_ARGUMENT', 'a backend returned an x that does not fit the element length');
  return out;
}

/** K_c1' + [t_2] * G, with t_2 = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1))). */
function serverBase(alg: Algorithm, K_c1: Uint8Array, K_c1p: Point, K_s1: Uint8Array, backend: KexBackend): Point {
  const Point = ecCurve(alg);
  const t_2r = t2(alg, K_c1, K_s1, backend.hash) % Point.Fn.ORDER;
  return t_2r === 0n ? K_c1p : K_c1p.add(backend.ecMultiply(alg, Point.BASE, t_2r, false));
}

/** f(x) = x^3 + ax + b: y^2 of the curve points with this x. */
export function curveRhs(alg: Algorithm, x: bigint): bigint {
  const Point = ecCurve(alg);
  const Fp = Point.Fp;
  const { a, b } = Point.CURVE();
  return Fp.add(Fp.mul(Fp.add(Fp.sqr(x), a), x), b);
}

/**
 * K_s1 and z from x-coordinates only, for a fresh uniform S = S_s1 in [1, r−1] and an independent random bit
 * b = `parity`. Three x-only multiplications by S (the ECDH of src/server/native-backend.ts gives nothing else):
 *
 *   x_K = x([S]sum);  K_s1 = OCTETS(2·x_K + b), the point K = (x_K, y) with y ≡ b (mod 2)
 *   base = K_c1' + [t_2]G for that K_s1;  x_Z = x([S]base);  x_+ = x([S](sum + base))
 *
 * K = ε[S]sum for the ε ∈ {+1, −1} that gives y the parity b, i.e. K = [S']sum with S' = S or r − S. S' is
 * again uniform in [1, r−1], so K_s1 has the distribution of RFC 8121 §3.3: for any s in [1, r−1] the two
 * points [s]sum and [r−s]sum = −[s]sum have ys y and p − y, of different parities (p odd, y ≠ 0), so for each
 * b exactly one of s, r − s gives parity b; S' = s happens iff S ∈ {s, r − s} and [s]sum has parity b, so
 * P(S' = s) = Σ_b ½ · [parity([s]sum) = b] · 2/(r−1) = 1/(r−1). The client's z is [S']base (it only sees
 * K_s1 = [S']sum), so the server's must be too: z = εZ_S with Z_S = [S]base, of which we know x_Z only.
 * K + εZ_S = ε[S](sum + base) has x = x_+; the other candidate gives K − εZ_S = ε[S](sum − base), whose x
 * differs unless 2·[S]base = 0_E or 2·[S]sum = 0_E, impossible in a group of odd prime order. With y_K
 * known (one square root, of a public value), the chord K, Z gives (y_Z − y_K)² = (x_+ + x_K + x_Z)(x_Z − x_K)²,
 * linear in y_Z after expanding y_Z² = f(x_Z), y_K² = f(x_K):
 *   2·y_K·y_Z = f(x_K) + f(x_Z) − (x_+ + x_K + x_Z)(x_Z − x_K)².
 * Degenerate inputs (sum + base = 0_E, x_Z = x_K, a point the backend does not take, a y_Z that is not on the
 * curve): undefined, and the caller runs the exact path with S, whose K_s1 was never sent.
 */
function signRandomised(
  alg: Algorithm,
  v: { K_c1: Uint8Array; K_c1p: Point; sum: Point; S: bigint; parity: 0 | 1 },
  backend: KexBackend,
  xo: NonNullable<KexBackend['ecXOnly']>,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> | undefined {
  const Fp = ecCurve(alg).Fp;
  return xo.withSecret(alg, v.S, (xOf) => {
    const xK = xOf([v.sum])?.[0];
    if (xK === undefined) return undefined;
    const K_s1 = octets(2n * xK + BigInt(v.parity), alg.elementLength);
    const base = serverBase(alg, v.K_c1, v.K_c1p, K_s1, backend);
    if (base.is0()) return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: z is the point at infinity');
    const both = v.sum.add(base);
    if (both.is0()) return undefined;
    const xs = xOf([base, both]);
    if (!xs) return undefined;
    const [xZ, xPlus] = xs as [bigint, bigint];
    if (xZ === xK) return undefined;
    const yK = xo.lift(alg, xK, v.parity);
    const inv = yK === undefined ? undefined : invertMod(Fp.add(yK, yK), Fp.ORDER); // K_s1 is public: no blinding
    if (inv === undefined) return undefined;
    const fZ = curveRhs(alg, xZ);
    const d = Fp.sub(xZ, xK);
    const yZ = Fp.mul(Fp.sub(Fp.add(curveRhs(alg, xK), fZ), Fp.mul(Fp.add(Fp.add(xPlus, xK), xZ), Fp.sqr(d))), inv);
    if (!Fp.eql(Fp.sqr(yZ), fZ)) return undefined;
    return ok({ K_s1, z: encodeAffine(alg, { x: xZ, y: yZ }) });
  });
}

/**
 * The client's side of RFC 8121 §3.3 after checking K_s1:
 *   z = P([(S_c1 + t_2) / (S_c1 * t_1 + pi) mod r] * P'(K_s1))
 * `K_c1` is the client's own value (length checked by the caller), pi = INT of the PBKDF2 octets.
 */
export function ecClientZ(
  alg: Algorithm,
  v: { S_c1: bigint; K_c1: Uint8Array; K_s1: Uint8Array; pi: bigint },
): Result<Uint8Array> {
  const checked = pointOf(alg, v.K_s1, 'ks1');
  if (!checked.ok) return checked;
  const K_s1 = checked.value;

  const t_1 = t1(alg, v.K_c1);
  const t_2 = t2(alg, v.K_c1, v.K_s1);
  const exponent = clientExponent(alg, { S_c1: v.S_c1, t_1, t_2, pi: v.pi });
  // No exponent (S_c1·t_1 + pi ≡ 0) or exponent 0 (z = 0_E, no encoding): probability ~2^-256.
  if (exponent === undefined || exponent === 0n) {
    return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: the client exponent is undefined or 0');
  }
  return ok(encodeAffine(alg, multiplySecret(curveOf(alg), K_s1, exponent)));
}
