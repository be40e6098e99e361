/**
 * The server's only calls into the KAM3 crypto (src/crypto): the key exchange of a req-KEX-C1 (RFC 8121
 * §3.2/§3.3), the kc1 element check, and the key-confirmation values vkc/vks (RFC 8120 §12.2). Everything
 * else in src/server reaches the crypto through this module, so a faster backend changes one file.
 */
import type { Algorithm } from '../crypto/algorithms.ts';
import { checkElement, clientKc1, randomSecret, serverKs1Random } from '../crypto/kam3.ts';
import { computeVkc, computeVkcVks } from '../crypto/verify.ts';
import { constantTimeEqual, type RandomSource } from '../bytes.ts';
import { nativeBackend, nativeHash, nativeOneHash } from './native-backend.ts';
import type { Result } from '../errors.ts';

export interface SessionKeys {
  /** OCTETS(K_c1), OCTETS(K_s1), OCTETS(z). */
  readonly K_c1: Uint8Array;
  readonly K_s1: Uint8Array;
  readonly z: Uint8Array;
}

/** K_s1 and z for a received K_c1 and a stored verifier J, with a fresh S_s1 (invalid kc1 → error). */
export function serverKeyExchange(alg: Algorithm, K_c1: Uint8Array, J: Uint8Array, random: RandomSource): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  // node:crypto does the big-number work where it is native (native-backend.ts); same results as the pure
  // path for the same S_s1 and sign (test/server/native-backend.test.ts).
  return serverKs1Random(alg, { K_c1, J }, random, nativeBackend);
}

/** Whether kc1 is a valid group element (for the answers that do not run the exchange). */
export function kc1IsValid(alg: Algorithm, K_c1: Uint8Array): boolean {
  return checkElement(alg, K_c1, 'kc1').ok;
}

/** A valid-looking verifier J of a random password: fake sessions cost the same work as real ones. */
export function randomVerifier(alg: Algorithm, random: RandomSource): Uint8Array {
  return clientKc1(alg, randomSecret(alg, random));
}

/**
 * The key confirmation of one request: whether the received vkc is right (compared in constant time) and
 * the vks to answer with. Both are computed at once, while the keys are certainly intact.
 */
export function confirmKeys(alg: Algorithm, keys: SessionKeys, nc: number, vh: Uint8Array, receivedVkc: Uint8Array): { vkcOk: boolean; vks: Uint8Array } {
  // A session whose secrets are gone (rejected: the store answers for it) confirms nothing.
  if (keys.z.length !== alg.elementLength || keys.K_c1.length !== alg.elementLength || keys.K_s1.length !== alg.elementLength) {
    return { vkcOk: false, vks: new Uint8Array(0) };
  }
  const { vkc, vks } = computeVkcVks(alg, { K_c1: keys.K_c1, K_s1: keys.K_s1, z: keys.z, nc, vh }, nativeOneHash);
  return { vkcOk: constantTimeEqual(receivedVkc, vkc), vks };
}

/** VK_c itself — only for the test-only phishing-server wrapper (misbehave.ts), which forges it. */
export function expectedVkc(alg: Algorithm, keys: SessionKeys, nc: number, vh: Uint8Array): Uint8Array {
  return computeVkc(alg, { K_c1: keys.K_c1, K_s1: keys.K_s1, z: keys.z, nc, vh }, nativeHash);
}
