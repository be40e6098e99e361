/**
 * KAM3 values common to the DL and EC settings (RFC 8121 §3.2, §3.3): t_1, t_2 and the client's exponent
 * (S_c1 + t_2) / (S_c1·t_1 + pi) mod r; docs/protocol-decisions.md §2 ("KAM3: J, K_c1, K_s1, t_1, t_2, z").
 */
import { webRandom, wipe } from '../bytes.ts';
import { hashOf, type Algorithm } from './algorithms.ts';
import { int, octet } from './encoding.ts';
import { invertMod } from './modp.ts';

/** t_1 = INT(H(octet(1) | OCTETS(K_c1))) — not reduced (RFC 8121 §3.2, §3.3). */
export function t1(alg: Algorithm, K_c1: Uint8Array): bigint {
  return int(hashOf(alg, octet(1), K_c1));
}

/** t_2 = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1))) — not reduced (RFC 8121 §3.2, §3.3). */
export function t2(alg: Algorithm, K_c1: Uint8Array, K_s1: Uint8Array): bigint {
  return int(hashOf(alg, octet(2), K_c1, K_s1));
}

/**
 * x^-1 mod r for prime r, blinded: the extended Euclidean algorithm runs on x·b for a fresh random b and
 * its running time (which depends on its input) tells nothing about x. Used because x = S_c1·t_1 + pi
 * carries the long-term secret pi. The inversion is Lehmer's (modp.ts, invertMod). Cost (Node 20): 0.1 ms for
 * the 2047-bit r of MODP-2048, 0.2–0.35 ms for MODP-4096 (noble's plain Euclid: 0.3 / 1.1 ms; the Fermat
 * inversion x^(r-2): 10 ms / 72 ms in bigint). Returns undefined if x ≡ 0.
 */
function invertBlinded(x: bigint, r: bigint): bigint | undefined {
  x %= r;
  if (x === 0n) return undefined;
  const len = Math.ceil(r.toString(2).length / 8) + 16;
  let b = 0n;
  while (b === 0n) {
    const bytes = webRandom(len);
    b = int(bytes) % r; // 128 extra bits: the bias is below 2^-128
    wipe(bytes);
  }
  const inverse = invertMod((x * b) % r, r); // defined: r is prime and x·b ≢ 0
  if (inverse === undefined) throw new RangeError('invertBlinded: the modulus is not prime');
  return (inverse * b) % r;
}

/**
 * The client's exponent of RFC 8121 §3.2/§3.3: w = (S_c1 + t_2) / (S_c1·t_1 + pi) mod r, the w < r with
 * w·(S_c1·t_1 + pi) ≡ S_c1 + t_2. Undefined when the divisor is ≡ 0 mod r (no such w exists; probability
 * ~2^-256, the exchange has to be abandoned).
 */
export function clientExponent(
  alg: Algorithm,
  v: { S_c1: bigint; t_1: bigint; t_2: bigint; pi: bigint },
): bigint | undefined {
  const r = alg.order;
  const inverse = invertBlinded(v.S_c1 * v.t_1 + v.pi, r);
  return inverse === undefined ? undefined : ((v.S_c1 + v.t_2) * inverse) % r;
}
