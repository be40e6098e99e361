/**
 * [k]P on P-256 and P-521 (both a = −3) with a sequence of operations that does not depend on k, for secret
 * and public scalars alike: 3.5–4.5× faster than @noble/curves' `multiply` (which blinds k with 128 random
 * bits and uses complete formulas for a generic a), faster than its variable-time `multiplyUnsafe` too.
 * Why and what was measured: docs/decisions.md ("EC scalar multiplication: our own fixed-sequence code").
 *
 * Shape (fixed by the curve alone, never by k or P):
 *  - k' = k if k is odd, k + r if k is even (odd either way, < 2r; chosen arithmetically, [k']P = [k]P);
 *  - k' recoded into m + 1 signed odd digits d_i ∈ {±1, ±3, …, ±(2^w − 1)} (Joye–Tunstall regular
 *    recoding: d_i = (k_i mod 2^(w+1)) − 2^w, k_(i+1) = (k_i − d_i) / 2^w, every k_i odd and ≥ 1, the
 *    top digit k_m positive) — no digit is 0, so every window does the same work;
 *  - a table of the odd multiples [1]P, [3]P, …, [2^w − 1]P, normalised to affine by one batch inversion;
 *  - Jacobian coordinates: w doublings (dbl-2001-b for a = −3, 3M + 5S) and one mixed addition
 *    (madd-2007-bl, 7M + 4S) per digit, the table entry read by scanning the whole table and its sign
 *    applied arithmetically;
 *  - the last addition computed both ways (addition and doubling) and the right one selected
 *    arithmetically; one inversion (blinded extended Euclid) to affine.
 *
 * Exceptional cases, by construction. Write k_i for the running value of the recoding; then
 * k_i = Σ_(j≥i) d_j·2^(w(j−i)) is exactly the multiple of P the accumulator holds after the digit d_i, and
 * (induction) 1 ≤ k_i ≤ k'/2^(wi) + 1. The accumulator is never 0_E (0 < k_i < r for i ≥ 1), so
 * doubling it is always correct (P has odd prime order: no point with y = 0). Adding ±[|d_i|]P to
 * [2^w·k_(i+1)]P for i ≥ 1 is never a doubling nor a cancellation: 2^w ≤ 2^w·k_(i+1) ≤ k'/2^w + 2^w <
 * r − 2^w (k' < 2r, w ≥ 4, r > 2^250) while |d_i| < 2^w, so the two multiples differ mod r and do not
 * sum to 0 mod r. Only the last addition (i = 0) can meet its own operand: e.g. k = r − 2|d_0|
 * (k − d_0 = r + d_0). A cancellation there would mean [k]P = 0_E, impossible for 0 < k < r; the doubling
 * case is the one handled by the selection above.
 *
 * BigInt arithmetic is not constant-time (its running time follows the size of the values): the
 * operation sequence and the table reads here are independent of k and P, the time of each bigint
 * operation is best effort, as for every bigint computation in this project (docs/decisions.md, same entry).
 */
import { p256, p521 } from '@noble/curves/nist.js';
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { MutualError } from '../errors.ts';
import type { Algorithm } from './algorithms.ts';
import { invertBlinded } from './modp.ts';

/** An affine point (x, y), coordinates in [0, p). */
export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

/**
 * A point in homogeneous projective coordinates (X : Y : Z) = (X/Z, Y/Z), Z ≢ 0, coordinates in [0, p) —
 * what @noble/curves' points hold, taken as they are so that no inversion runs on them.
 */
export interface ProjectivePoint {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
}

interface CurveParams {
  /** The curve as @noble/curves defines it. */
  readonly Point: WeierstrassPointCons<bigint>;
  /** Field prime. */
  readonly p: bigint;
  /** Group order r (prime, cofactor 1). */
  readonly r: bigint;
  /** Window width w. */
  readonly w: number;
  /** x mod p up to sign and a few multiples of p: |result| < 2p for |x| < 2^(2·bits(p) + 16). */
  readonly red: (x: bigint) => bigint;
}

/** P-256 and P-521 as @noble/curves defines them (FIPS 186-4), checked to have a = −3 and h = 1. */
function params(Point: WeierstrassPointCons<bigint>, w: number, red: (x: bigint) => bigint): CurveParams {
  const { p, n, a, h } = Point.CURVE();
  if (a !== p - 3n || h !== 1n) throw new Error('ec-scalar-mult: expected a = −3 and cofactor 1');
  return { Point, p, r: n, w, red };
}

const P256_P = p256.Point.CURVE().p;
const P521_P = p521.Point.CURVE().p;
if (P521_P !== (1n << 521n) - 1n) throw new Error('ec-scalar-mult: P-521 prime is not 2^521 − 1');
if (P256_P % 4n !== 3n) throw new Error('ec-scalar-mult: P-256 prime is not 3 mod 4');

const CURVES = {
  'P-256': params(p256.Point, 4, (x: bigint): bigint => x % P256_P),
  // p = 2^521 − 1: x ≡ (x mod 2^521) + floor(x / 2^521), twice (the first fold leaves < 2^580)
  'P-521': params(p521.Point, 5, (x: bigint): bigint => {
    const y = (x & P521_P) + (x >> 521n);
    return (y & P521_P) + (y >> 521n);
  }),
} as const;

export type CurveName = keyof typeof CURVES;

const CURVE_OF: Partial<Record<Algorithm['name'], CurveName>> = {
  'iso-kam3-ec-p256-sha256': 'P-256',
  'iso-kam3-ec-p521-sha512': 'P-521',
};

/** The curve of an EC algorithm (RFC 8121 §3). */
export function curveOf(alg: Algorithm): CurveName {
  const name = CURVE_OF[alg.name];
  if (!name) throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected an EC algorithm, got ${alg.name}`);
  return name;
}

/** Jacobian coordinates (X : Y : Z) = (X/Z^2, Y/Z^3); values lazily reduced (may be negative or ≥ p). */
interface Jacobian {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

/**
 * 2·A in place (dbl-2001-b, a = −3, with Z3 = 2·Y·Z: for bigint a product costs about what a square
 * does, so the square-and-subtract forms of the formula databases only add operations). A ≠ 0_E.
 */
function double(A: Jacobian, red: (x: bigint) => bigint): void {
  const delta = red(A.Z * A.Z);
  const gamma = red(A.Y * A.Y);
  const beta = red(A.X * gamma);
  const alpha = red(3n * (A.X - delta) * (A.X + delta));
  const X3 = red(alpha * alpha - 8n * beta);
  const Z3 = red(2n * A.Y * A.Z);
  A.Y = red(alpha * (4n * beta - X3) - 8n * (gamma * gamma));
  A.X = X3;
  A.Z = Z3;
}

/**
 * A + (x2, y2) in place (madd-2007-bl, Z3 = 2·Z1·H). Wrong when A = ±(x2, y2) (H ≡ 0: Z3 ≡ 0); returns H
 * so that the caller can tell.
 */
function addAffine(A: Jacobian, x2: bigint, y2: bigint, red: (x: bigint) => bigint): bigint {
  const Z1Z1 = red(A.Z * A.Z);
  const U2 = red(x2 * Z1Z1);
  const S2 = red(y2 * red(A.Z * Z1Z1));
  const H = U2 - A.X;
  const HH = red(H * H);
  const I = 4n * HH;
  const J = red(H * I);
  const rr = 2n * (S2 - A.Y);
  const V = red(A.X * I);
  const X3 = red(rr * rr - J - 2n * V);
  const Y3 = red(rr * (V - X3) - 2n * (A.Y * J));
  A.Z = red(2n * A.Z * H);
  A.X = X3;
  A.Y = Y3;
  return H;
}

/** A + B in place for Jacobian A ≠ ±B, both ≠ 0_E (add-2007-bl); used for the table only. */
function addJacobian(A: Jacobian, B: Jacobian, red: (x: bigint) => bigint): void {
  const Z1Z1 = red(A.Z * A.Z);
  const Z2Z2 = red(B.Z * B.Z);
  const U1 = red(A.X * Z2Z2);
  const U2 = red(B.X * Z1Z1);
  const S1 = red(A.Y * red(B.Z * Z2Z2));
  const S2 = red(B.Y * red(A.Z * Z1Z1));
  const H = U2 - U1;
  const I = red(4n * H * H);
  const J = red(H * I);
  const rr = 2n * (S2 - S1);
  const V = red(U1 * I);
  const X3 = red(rr * rr - J - 2n * V);
  A.Y = red(rr * (V - X3) - 2n * (S1 * J));
  A.Z = red(red((A.Z + B.Z) * (A.Z + B.Z) - Z1Z1 - Z2Z2) * H);
  A.X = X3;
}

/** x in [0, p). */
function normalise(x: bigint, p: bigint): bigint {
  const y = x % p;
  return y < 0n ? y + p : y;
}

/** Base-16 digits of the public exponents used by powPublic, most significant first. */
const exponentDigits = new Map<bigint, readonly number[]>();

/**
 * x^e mod p for a public exponent e (a curve constant): a 4-bit fixed window over the digits of e, so the
 * sequence of operations depends on e only, not on x. Result in [0, p).
 */
function powPublic(x: bigint, e: bigint, c: CurveParams): bigint {
  let digits = exponentDigits.get(e);
  if (!digits) {
    digits = [...e.toString(16)].map((h) => parseInt(h, 16));
    exponentDigits.set(e, digits);
  }
  const powers: bigint[] = [1n, x];
  for (let i = 2; i < 16; i++) powers.push(c.red(powers[i - 1]! * x));
  let acc = powers[digits[0]!]!;
  for (let i = 1; i < digits.length; i++) {
    acc = c.red(acc * acc);
    acc = c.red(acc * acc);
    acc = c.red(acc * acc);
    acc = c.red(acc * acc);
    acc = c.red(acc * powers[digits[i]!]!);
  }
  return normalise(acc, c.p);
}

/**
 * x^−1 mod p for x ≢ 0 (a function of the secret result, or of the server's verifier point), by modp.ts's
 * blinded Lehmer inversion. Measured against the fixed-sequence Fermat power x^(p−2): P-256 18–24 vs 68 µs,
 * P-521 29–35 vs 400 µs.
 */
function invertField(x: bigint, c: CurveParams): bigint {
  const inverse = invertBlinded(x, c.p);
  if (inverse === undefined) throw new MutualError('ERR_MUTUAL_ARGUMENT', 'ec-scalar-mult: inverting 0'); // x ≢ 0 by construction
  return inverse;
}

/**
 * A square root of v mod p (0 ≤ v < p), or undefined if v is not a square: both primes are ≡ 3 mod 4, so
 * v^((p+1)/4) is one when one exists (for P-521 that is 519 squarings with the cheap reduction above:
 * 0.1 ms against 0.3 ms for @noble/curves' Fp.sqrt).
 */
export function squareRoot(curve: CurveName, v: bigint): bigint | undefined {
  const c: CurveParams = CURVES[curve];
  const y = powPublic(v, (c.p + 1n) >> 2n, c);
  return normalise(y * y, c.p) === v ? y : undefined;
}

/** 1n if a === b, else 0n, for small non-negative integers, without a branch. */
function eqBit(a: number, b: number): bigint {
  return BigInt((((a ^ b) - 1) >>> 31) & 1);
}

/** Affine tables: xs[j], ys[j] = [2j + 1]·(the table's point). */
interface OddTable {
  readonly xs: readonly bigint[];
  readonly ys: readonly bigint[];
}

/** Jacobian points to affine with one inversion (prefix products, one blinded inversion, walk back). */
function toAffineBatch(points: readonly Jacobian[], c: CurveParams): { xs: bigint[]; ys: bigint[] } {
  const { red, p } = c;
  const n = points.length;
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const T of points) {
    acc = red(acc * T.Z);
    prefix.push(acc);
  }
  let inv = invertField(acc, c);
  const xs: bigint[] = new Array<bigint>(n);
  const ys: bigint[] = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    const T = points[i]!;
    const zi = i === 0 ? inv : red(inv * prefix[i - 1]!);
    inv = red(inv * T.Z);
    const zi2 = red(zi * zi);
    xs[i] = normalise(T.X * zi2, p);
    ys[i] = normalise(T.Y * red(zi2 * zi), p);
  }
  return { xs, ys };
}

/** The odd multiples [1]P, [3]P, …, [2^w − 1]P of a Jacobian P ≠ 0_E, still Jacobian. */
function oddMultiplesJacobian(P1: Jacobian, c: CurveParams): Jacobian[] {
  const twoP: Jacobian = { ...P1 };
  double(twoP, c.red);
  const table: Jacobian[] = [P1];
  for (let i = 1; i < 1 << (c.w - 1); i++) {
    const next = { ...table[i - 1]! };
    addJacobian(next, twoP, c.red); // [2i − 1]P + [2]P: never ±[2]P (i < 2^(w−1) ≪ r)
    table.push(next);
  }
  return table;
}

/** The odd multiples of P in affine coordinates. */
function oddMultiples(P: ProjectivePoint, c: CurveParams): OddTable {
  // homogeneous (X : Y : Z) = Jacobian (X·Z : Y·Z^2 : Z)
  const P1: Jacobian = { X: c.red(P.X * P.Z), Y: c.red(P.Y * c.red(P.Z * P.Z)), Z: P.Z };
  return toAffineBatch(oddMultiplesJacobian(P1, c), c);
}

/**
 * The number m of recoding steps for scalars below 2r: the top digit k_m ≤ k'/2^(wm) + 1 must be at most
 * 2^w − 1; k' < 2^(bits(r)+1), so m ≥ (bits(r) + 2 − w) / w is enough.
 */
function steps(c: CurveParams): number {
  const bits = c.r.toString(2).length;
  return Math.ceil((bits + 2 - c.w) / c.w);
}

/** The checked curve of a multiplication by 1 ≤ k < r. */
function checkedScalar(curve: CurveName, k: bigint): CurveParams {
  const c: CurveParams = CURVES[curve];
  if (k <= 0n || k >= c.r) throw new MutualError('ERR_MUTUAL_ARGUMENT', `scalar out of range [1, r − 1] on ${curve}`);
  return c;
}

/** The m + 1 signed odd digits of k' (see the header), least significant first. */
function recode(k: bigint, c: CurveParams): number[] {
  const { r, w } = c;
  const m = steps(c);
  const window = (1n << BigInt(w + 1)) - 1n;
  // k' = k + r·(1 − k mod 2): odd, [k']P = [k]P
  let ki = k + r * ((k & 1n) ^ 1n);
  const digits: number[] = new Array<number>(m + 1);
  for (let i = 0; i < m; i++) {
    const d = Number(ki & window) - (1 << w);
    digits[i] = d;
    ki = (ki - BigInt(d)) >> BigInt(w);
  }
  digits[m] = Number(ki); // odd, 1 ≤ k_m ≤ 2^(w−1) (see steps())
  return digits;
}

/**
 * The entry ±[|d|]·(the table's point) for an odd digit d: every entry is read, the one at |d| >> 1 kept by
 * multiplying by 1n (the others by 0n), y negated arithmetically if d < 0 (lazily reduced: −y is fine):
 * multiplied by 1n or −1n, never by 0n, whose fast path in V8 made a negative digit measurably slower
 * (review: ~75 vs ~36 ns). The scan itself still multiplies by 0n for the other entries (best effort, see
 * the header).
 */
function select(table: OddTable, d: number): { x: bigint; y: bigint } {
  const sign = d >> 31; // −1 if d < 0, else 0
  const index = ((d ^ sign) - sign) >> 1;
  let x = 0n;
  let y = 0n;
  for (let j = 0; j < table.xs.length; j++) {
    const bit = eqBit(j, index);
    x += table.xs[j]! * bit;
    y += table.ys[j]! * bit;
  }
  return { x, y: y * BigInt(1 + 2 * sign) };
}

/**
 * The last step: A + Q for the last digit's entry Q, where A = Q is possible (see the header): both the
 * addition and the doubling of A are computed and the right one kept arithmetically; then to affine.
 */
function finish(A: Jacobian, Q: { x: bigint; y: bigint }, c: CurveParams): AffinePoint {
  const { p, red } = c;
  const D: Jacobian = { X: A.X, Y: A.Y, Z: A.Z };
  double(D, red);
  const H = addAffine(A, Q.x, Q.y, red);
  const same = BigInt(Number(normalise(H, p) === 0n));
  const X = A.X + (D.X - A.X) * same;
  const Y = A.Y + (D.Y - A.Y) * same;
  const Z = A.Z + (D.Z - A.Z) * same;
  const zi = invertField(Z, c);
  const zi2 = red(zi * zi);
  return { x: normalise(X * zi2, p), y: normalise(Y * red(zi2 * zi), p) };
}

/**
 * [k]P for a point P ≠ 0_E on the curve (checked by the caller: P'() of kam3-ec.ts or a point that
 * @noble/curves produced; cofactor 1, so P has order r) and a scalar 1 ≤ k < r (checked here).
 * Returns the affine result, never 0_E.
 */
export function multiplySecret(curve: CurveName, P: ProjectivePoint, k: bigint): AffinePoint {
  const c = checkedScalar(curve, k);
  const { p, w, red } = c;
  const inField = (v: bigint): boolean => v >= 0n && v < p;
  if (!inField(P.X) || !inField(P.Y) || !inField(P.Z) || P.Z === 0n) {
    throw new MutualError('ERR_MUTUAL_ARGUMENT', `not a finite point in projective coordinates on ${curve}`);
  }
  const digits = recode(k, c);
  const m = digits.length - 1;
  const table = oddMultiples(P, c);
  const top = select(table, digits[m]!);
  const A: Jacobian = { X: top.x, Y: top.y, Z: 1n };
  for (let i = m - 1; i >= 1; i--) {
    for (let j = 0; j < w; j++) double(A, red);
    const Q = select(table, digits[i]!);
    addAffine(A, Q.x, Q.y, red);
  }
  for (let j = 0; j < w; j++) double(A, red);
  const result = finish(A, select(table, digits[0]!), c);
  digits.fill(0);
  return result;
}

/**
 * Per curve, for each digit position i of recode(): the odd multiples of [2^(wi)]G, affine (P-256:
 * 65 × 8 points, P-521: 105 × 16), built on first use (one batch inversion; P-256 ~3 ms, P-521 ~12 ms).
 */
const baseTables = new Map<CurveName, readonly OddTable[]>();

function baseTable(curve: CurveName, c: CurveParams): readonly OddTable[] {
  let tables = baseTables.get(curve);
  if (!tables) {
    const { x, y } = c.Point.BASE.toAffine();
    const windows = steps(c) + 1;
    const all: Jacobian[] = [];
    let B: Jacobian = { X: x, Y: y, Z: 1n };
    for (let i = 0; i < windows; i++) {
      all.push(...oddMultiplesJacobian({ ...B }, c));
      for (let j = 0; j < c.w; j++) double(B, c.red);
    }
    const { xs, ys } = toAffineBatch(all, c);
    const n = 1 << (c.w - 1);
    const built: OddTable[] = [];
    for (let i = 0; i < windows; i++) {
      built.push({ xs: xs.slice(i * n, (i + 1) * n), ys: ys.slice(i * n, (i + 1) * n) });
    }
    tables = built;
    baseTables.set(curve, tables);
  }
  return tables;
}

/**
 * [k]G for 1 ≤ k < r: the same digits as multiplySecret, each added from its own position's table, so
 * no doublings. The accumulator after position i holds [2^(wi)·k_i]G and the entry added is
 * ±[2^(wi)·|d_i|]G; as 2 is invertible mod r these meet (A = ±Q) exactly when 2^w·k_(i+1) ≡ ±d_i, which the
 * header rules out for i ≥ 1; the last addition goes through finish() as above.
 */
export function multiplyBase(curve: CurveName, k: bigint): AffinePoint {
  const c = checkedScalar(curve, k);
  const tables = baseTable(curve, c);
  const digits = recode(k, c);
  const m = digits.length - 1;
  const top = select(tables[m]!, digits[m]!);
  const A: Jacobian = { X: top.x, Y: top.y, Z: 1n };
  for (let i = m - 1; i >= 1; i--) {
    const Q = select(tables[i]!, digits[i]!);
    addAffine(A, Q.x, Q.y, c.red);
  }
  const result = finish(A, select(tables[0]!, digits[0]!), c);
  digits.fill(0);
  return result;
}

/** The points of the curve of `alg`, as @noble/curves defines them. */
export function pointsOf(alg: Algorithm): WeierstrassPointCons<bigint> {
  return CURVES[curveOf(alg)].Point;
}

/**
 * [k]P on the curve of `alg` for a point P ≠ 0_E of @noble/curves and 1 ≤ k < r, as a point of
 * @noble/curves (affine: its encoding needs no further inversion). G goes through its fixed tables.
 */
export function multiplyPoint(alg: Algorithm, P: WeierstrassPoint<bigint>, k: bigint): WeierstrassPoint<bigint> {
  const curve = curveOf(alg);
  const Point = CURVES[curve].Point;
  return Point.fromAffine(P.equals(Point.BASE) ? multiplyBase(curve, k) : multiplySecret(curve, P, k));
}
