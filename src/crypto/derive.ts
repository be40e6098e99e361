/**
 * The client credential pi and the server verifier J(pi) (RFC 8120 §12.2, RFC 8121 §3.2/§3.3);
 * docs/protocol-decisions.md §2 ("pi / VK_c / VK_s") and §4 (the password is used only to derive pi).
 *
 *   pi = INT(PBKDF2(HMAC_H, password, VS(algorithm) | VS(auth-scope) | VS(realm) | VS(username),
 *                   nIterPi, hSize / 8)),   nIterPi = 16384 (RFC 8121 §3)
 *
 * PBKDF2 backend, measured on Node 20 (median of 15 / 7 runs, 16384 iterations, ms):
 *
 *                      SHA-256   SHA-512
 *   WebCrypto deriveBits   5.1      10.9     (node:crypto pbkdf2Sync: 4.6 / 11.4)
 *   noble pbkdf2Async     35.7      95.2
 *   noble pbkdf2 (sync)   31.4      90.1
 *
 * so WebCrypto when `crypto.subtle` exists (browsers in secure contexts, Node, workers), @noble/hashes
 * otherwise (insecure-context pages, exotic runtimes) or if the engine refuses the input (some engines
 * refuse an empty PBKDF2 key). Both give the same octets; a test checks it.
 */
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8, wipe } from '../bytes.ts';
import { MutualError } from '../errors.ts';
import { type Algorithm, type AlgorithmName, getAlgorithm } from './algorithms.ts';
import { int, vs } from './encoding.ts';
import { dlJ } from './kam3-dl.ts';
import { ecJ } from './kam3-ec.ts';

/** nIterPi of RFC 8121 §3, the same for all four algorithms. */
export const N_ITER_PI = 16384;

/** Inputs of pi. The strings are already prepared (RFC 8120 §9, done elsewhere); they are UTF-8 encoded here. */
export interface PiInput {
  algorithm: AlgorithmName;
  authScope: string;
  realm: string;
  username: string;
  password: string;
}

type Hash = Algorithm['hash'];

/** PBKDF2-HMAC by WebCrypto. @internal exported for the backend-equivalence test. */
export async function pbkdf2WebCrypto(
  hash: Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  // Copies into fresh ArrayBuffers: WebCrypto's BufferSource excludes views of SharedArrayBuffer.
  const raw = new Uint8Array(password);
  let key: CryptoKey;
  try {
    key = await subtle.importKey('raw', raw, 'PBKDF2', false, ['deriveBits']);
  } finally {
    wipe(raw);
  }
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash, salt: new Uint8Array(salt), iterations }, key, 8 * length);
  return new Uint8Array(bits);
}

/** PBKDF2-HMAC by @noble/hashes. @internal exported for the backend-equivalence test. */
export function pbkdf2Noble(
  hash: Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  return pbkdf2Async(hash === 'SHA-256' ? sha256 : sha512, password, salt, { c: iterations, dkLen: length });
}

/** The PBKDF2 salt of pi: VS(algorithm) | VS(auth-scope) | VS(realm) | VS(username) (RFC 8120 §12.2). */
export function piSalt(input: Omit<PiInput, 'password'>): Uint8Array {
  return concatBytes(vs(input.algorithm), vs(input.authScope), vs(input.realm), vs(input.username));
}

/**
 * pi of RFC 8120 §12.2 as its hSize/8 PBKDF2 octets (pi = INT of them). The UTF-8 copy of the password
 * is wiped afterwards; the JS string itself cannot be.
 */
export async function derivePi(input: PiInput): Promise<Uint8Array> {
  const alg = getAlgorithm(input.algorithm);
  if (!alg || alg.name !== input.algorithm) {
    throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected a canonical algorithm token for pi, got ${String(input.algorithm)}`);
  }
  const salt = piSalt(input);
  const password = utf8(input.password);
  try {
    if (globalThis.crypto?.subtle) {
      try {
        return await pbkdf2WebCrypto(alg.hash, password, salt, N_ITER_PI, alg.hashLength);
      } catch {
        // Fall through to the portable implementation (same result).
      }
    }
    return await pbkdf2Noble(alg.hash, password, salt, N_ITER_PI, alg.hashLength);
  } finally {
    wipe(password);
  }
}

/**
 * OCTETS(J(pi)) at the element's natural length: J = g^pi mod q (DL, RFC 8121 §3.2) or P([pi] * G) (EC,
 * §3.3). `pi` is the hSize/8 octets of derivePi.
 */
export function verifierJ(alg: Algorithm, pi: Uint8Array): Uint8Array {
  if (!(pi instanceof Uint8Array) || pi.length !== alg.hashLength) {
    throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected ${alg.hashLength} octets for pi, got ${pi instanceof Uint8Array ? pi.length : typeof pi}`);
  }
  return alg.kind === 'dl' ? dlJ(alg, int(pi)) : ecJ(alg, int(pi));
}
