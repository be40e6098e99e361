/**
 * KAM3 in the discrete-logarithm setting (RFC 8121 §3.2): iso-kam3-dl-2048-sha256 and
 * iso-kam3-dl-4096-sha512; docs/protocol-decisions.md §2 and §3.3 (subgroup check by Jacobi symbol).
 *
 * Read with RFC 8121 §3.2 beside it; the names are the RFC's (q the prime, g = 2, r = (q-1)/2).
 * Arguments the caller owns (S_c1, S_s1, pi, J) are range-checked by kam3.ts before they get here;
 * everything received from the peer is checked here by {@link checkDlElement} before any use.
 */
import { fail, MutualError, ok, type Result } from '../errors.ts';
import type { Algorithm } from './algorithms.ts';
import { pureBackend, type KexBackend } from './backend.ts';
import { int, octets } from './encoding.ts';
import { clientExponent, t1, t2 } from './kam3-common.ts';
import { jacobi, MODP_2048, MODP_4096, modPow, powG, type ModpGroup } from './modp.ts';

/** The MODP group of a DL algorithm (RFC 8121 §3, appendix A). */
export function dlGroup(alg: Algorithm): ModpGroup {
  if (alg.name === 'iso-kam3-dl-2048-sha256') return MODP_2048;
  if (alg.name === 'iso-kam3-dl-4096-sha512') return MODP_4096;
  throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected a DL algorithm, got ${alg.name}`);
}

/**
 * Check a received element and return INT of it:
 *  - exactly OCTETS' natural length (ERR_MUTUAL_ENCODING);
 *  - 1 < K < q-1, required by RFC 8121 §3.2 for K_c1 (server) and K_s1 (client);
 *  - K a quadratic residue mod q, i.e. in the order-r subgroup (docs/protocol-decisions.md §3.3; not in the
 *    RFC): otherwise a peer could send an element of order 2r and learn the parity of our secret exponent.
 */
export function checkDlElement(alg: Algorithm, element: Uint8Array, what: string): Result<bigint> {
  const { q } = dlGroup(alg);
  if (element.length !== alg.elementLength) {
    return fail('ERR_MUTUAL_ENCODING', `expected ${alg.elementLength} octets for ${what}, got ${element.length}`);
  }
  const K = int(element);
  if (!(K > 1n && K < q - 1n)) {
    return fail('ERR_MUTUAL_INVALID_ELEMENT', `${what} is not in the range 1 < K < q-1 (RFC 8121 §3.2)`);
  }
  if (jacobi(K, q) !== 1) {
    return fail(
      'ERR_MUTUAL_INVALID_ELEMENT',
      `${what} is not in the order-r subgroup: a quadratic non-residue mod q (docs/protocol-decisions.md §3.3)`,
    );
  }
  return ok(K);
}

/** J(pi) = g^pi mod q (RFC 8121 §3.2), as OCTETS. pi is INT of the PBKDF2 octets (pi < 2^hSize < r). */
export function dlJ(alg: Algorithm, pi: bigint): Uint8Array {
  const group = dlGroup(alg);
  return octets(powG(group, pi % group.r), alg.elementLength);
}

/** K_c1 = g^S_c1 mod q (RFC 8121 §3.2), for minSecret <= S_c1 < r (checked by the caller). */
export function dlKc1(alg: Algorithm, S_c1: bigint): Uint8Array {
  return octets(powG(dlGroup(alg), S_c1), alg.elementLength);
}

const hashBits = (alg: Algorithm): number => 8 * alg.hashLength;

/**
 * The server's side of RFC 8121 §3.2 after checking K_c1:
 *   t_1 = INT(H(octet(1) | OCTETS(K_c1)))
 *   K_s1 = (J · K_c1^t_1)^S_s1 mod q, rejected unless 1 < K_s1 < q-1
 *   t_2 = INT(H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1)))
 *   z = (K_c1 · g^t_2)^S_s1 mod q
 * `J` is the stored verifier, already checked by the caller.
 */
export function dlServer(
  alg: Algorithm,
  v: { K_c1: Uint8Array; J: bigint; S_s1: bigint },
  backend: KexBackend = pureBackend,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  const group = dlGroup(alg);
  const { q } = group;
  const checked = checkDlElement(alg, v.K_c1, 'kc1');
  if (!checked.ok) return checked;
  const K_c1 = checked.value;

  const t_1 = t1(alg, v.K_c1, backend.hash);
  const K_s1 = backend.modPow(group, (v.J * backend.modPow(group, K_c1, t_1, hashBits(alg))) % q, v.S_s1, group.bits);
  if (!(K_s1 > 1n && K_s1 < q - 1n)) {
    // RFC 8121 §3.2 and §5.2: reject, do not retry with another S_s1 (it points at a broken J).
    return fail('ERR_MUTUAL_INVALID_ELEMENT', 'computed K_s1 is not in 1 < K_s1 < q-1: exchange rejected (RFC 8121 §3.2)');
  }
  const K_s1_octets = octets(K_s1, alg.elementLength);

  const t_2 = t2(alg, v.K_c1, K_s1_octets, backend.hash);
  const base = (K_c1 * backend.powG(group, t_2, hashBits(alg))) % q;
  if (base === 1n) {
    // z would be 1 whatever S_s1 is; the client's exponent is then 0 and it refuses too (probability ~2^-256).
    return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: K_c1 · g^t_2 = 1, z would be 1');
  }
  const z = backend.modPow(group, base, v.S_s1, group.bits);
  return ok({ K_s1: K_s1_octets, z: octets(z, alg.elementLength) });
}

/**
 * The client's side of RFC 8121 §3.2 after checking K_s1:
 *   z = K_s1^((S_c1 + t_2) / (S_c1 · t_1 + pi) mod r) mod q
 * `K_c1` is the client's own value (length checked by the caller), pi = INT of the PBKDF2 octets.
 */
export function dlClientZ(
  alg: Algorithm,
  v: { S_c1: bigint; K_c1: Uint8Array; K_s1: Uint8Array; pi: bigint },
): Result<Uint8Array> {
  const { q, bits } = dlGroup(alg);
  const checked = checkDlElement(alg, v.K_s1, 'ks1');
  if (!checked.ok) return checked;
  const K_s1 = checked.value;

  const t_1 = t1(alg, v.K_c1);
  const t_2 = t2(alg, v.K_c1, v.K_s1);
  const exponent = clientExponent(alg, { S_c1: v.S_c1, t_1, t_2, pi: v.pi });
  if (exponent === undefined || exponent === 0n) {
    // No exponent (S_c1·t_1 + pi ≡ 0) or z = 1: probability ~2^-256; a new exchange will do.
    return fail('ERR_MUTUAL_INVALID_ELEMENT', 'degenerate exchange: the client exponent is undefined or 0');
  }
  return ok(octets(modPow(K_s1, exponent, q, bits), alg.elementLength));
}
