/**
 * KAM3 values common to the DL and EC settings (RFC 8121 §3.2, §3.3): t_1, t_2 and the client's exponent
 * (S_c1 + t_2) / (S_c1·t_1 + pi) mod r; docs/protocol-decisions.md §2 ("KAM3: J, K_c1, K_s1, t_1, t_2, z").
 */
import { hashParts, type Algorithm, type PartsHash } from './algorithms.ts';
import { int, octet } from './encoding.ts';
import { invertBlinded } from './modp.ts';

/**
 * t_1 = INT(H(octet(1) | OCTETS(K_c1))) — not reduced (RFC 8121 §3.2, §3.3). `hash`: @noble/hashes unless a
 * backend brings its own (backend.ts KexBackend.hash).
 */
export function t1(alg: Algorithm, K_c1: Uint8Array, hash: PartsHash = hashParts): bigint {
  return int(hash(alg, [octet(1), K_c1]));
}

/** t_2 = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1))) — not reduced (RFC 8121 §3.2, §3.3). */
export function t2(alg: Algorithm, K_c1: Uint8Array, K_s1: Uint8Array, hash: PartsHash = hashParts): bigint {
  return int(hash(alg, [octet(2), K_c1, K_s1]));
}

/**
 * The client's exponent of RFC 8121 §3.2/§3.3: w = (S_c1 + t_2) / (S_c1·t_1 + pi) mod r, the w < r with
 * w·(S_c1·t_1 + pi) ≡ S_c1 + t_2. Undefined when the divisor is ≡ 0 mod r (no such w exists; probability
 * ~2^-256, the exchange has to be abandoned). The divisor carries the long-term secret pi, so it is inverted
 * blinded (modp.ts invertBlinded: Lehmer on a random multiple, 0.1 / 0.2–0.35 ms for the 2047 / 4095-bit r of
 * MODP-2048 / 4096, against 10 / 72 ms for a Fermat power in bigint).
 */
export function clientExponent(
  alg: Algorithm,
  v: { S_c1: bigint; t_1: bigint; t_2: bigint; pi: bigint },
): bigint | undefined {
  const r = alg.order;
  const inverse = invertBlinded(v.S_c1 * v.t_1 + v.pi, r);
  return inverse === undefined ? undefined : ((v.S_c1 + v.t_2) * inverse) % r;
}
