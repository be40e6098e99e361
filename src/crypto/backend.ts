/**
 * The big-number work of a KAM3 exchange behind an interface, so that a host with native code can supply
 * its own (src/server/native-backend.ts: node:crypto / OpenSSL) while the extension keeps the pure one
 * (WebAssembly or bigint for MODP, ec-scalar-mult.ts for the curves). Both must give identical results:
 * test/server/native-backend.test.ts checks them against each other and against the vectors.
 *
 * Only arithmetic lives here; every check of RFC 8121 §3 (ranges, subgroup, point validity, 0_E) stays in
 * kam3-dl.ts / kam3-ec.ts and runs whatever the backend.
 */
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import type { Algorithm, PartsHash } from './algorithms.ts';
import { multiplyPoint } from './ec-scalar-mult.ts';
import { modPow, powG, type ModpGroup } from './modp.ts';

export type CurvePoint = WeierstrassPoint<bigint>;

export interface KexBackend {
  /** For diagnostics and benchmarks. */
  readonly name: string;
  /** base^exp mod group.q, for 0 <= base < q and 0 <= exp < 2^expBits. */
  modPow(group: ModpGroup, base: bigint, exp: bigint, expBits: number): bigint;
  /** g^exp mod group.q, for 0 <= exp < 2^expBits. */
  powG(group: ModpGroup, exp: bigint, expBits: number): bigint;
  /**
   * [k]P on the algorithm's curve, for a valid P ≠ 0_E and 1 <= k < r. `secret` says k is secret (S_s1):
   * a backend must then not take a shortcut whose timing depends on k.
   */
  ecMultiply(alg: Algorithm, P: CurvePoint, k: bigint, secret: boolean): CurvePoint;
  /**
   * Optional: multiplication that yields only x, the way ECDH does natively. With it, kam3-ec.ts computes a
   * fresh exchange's two secret products in three x-only multiplications instead of two full ones
   * (ecServer's sign-randomised path); without it, the full products of ecMultiply.
   */
  readonly ecXOnly?: EcXOnly;
  /**
   * Optional: whole-point products on SEC1 octets, as native code gives them (src/server/ec-addon.ts: OpenSSL's
   * EC_POINT_mul). With it, kam3-ec.ts ecServer does the exchange in four such calls and none of the others.
   */
  readonly ecWhole?: EcWhole;
  /** Optional: the hash for t_1 and t_2 (same octets as algorithms.ts hashParts); default @noble/hashes. */
  readonly hash?: PartsHash;
}

export interface EcXOnly {
  /**
   * Run `use` with xOf: valid points P_i ≠ 0_E → x([k]P_i), or undefined when the backend cannot take them
   * (the caller then falls back to ecMultiply). k (secret, 1 <= k < r) is set once and wiped when `use` returns.
   * `use` must not call back into withSecret.
   */
  withSecret<T>(alg: Algorithm, k: bigint, use: (xOf: (points: readonly CurvePoint[]) => bigint[] | undefined) => T): T;
  /** y of the curve point with x-coordinate x and y ≡ parity (mod 2); undefined when no point has this x. Public x only. */
  lift(alg: Algorithm, x: bigint, parity: 0 | 1): bigint | undefined;
}

export interface EcWhole {
  /**
   * [g]G + [k]P + Q as SEC1 uncompressed octets, null for 0_E; undefined when this backend does not take the
   * algorithm's curve (the caller then uses ecMultiply). Scalars in [1, r−1]; P and Q SEC1 octets of points the
   * caller has checked. `secret`: k is secret — then only k and P are given (a constant-time one-point product).
   */
  mulAdd(alg: Algorithm, terms: { g?: bigint; P?: Uint8Array; k?: bigint; Q?: Uint8Array }, secret: boolean): Uint8Array | null | undefined;
}

/** The pure backend: Web APIs only, what the extension runs. */
export const pureBackend: KexBackend = Object.freeze({
  name: 'pure',
  modPow: (group: ModpGroup, base: bigint, exp: bigint, expBits: number) => modPow(base, exp, group.q, expBits),
  powG: (group: ModpGroup, exp: bigint, expBits: number) =>
    expBits <= group.bits ? powG(group, exp) : modPow(group.g, exp, group.q, expBits),
  // One code for secret and public scalars: its fixed sequence also beats noble's variable-time
  // `multiplyUnsafe` (P-256 0.9 ms vs 1.7 ms, P-521 2.2 ms vs 7.3 ms; docs/decisions.md).
  ecMultiply: (alg: Algorithm, P: CurvePoint, k: bigint) => multiplyPoint(alg, P, k),
});
