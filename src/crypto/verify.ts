/**
 * The key-confirmation values VK_c and VK_s (RFC 8120 §12.2, used by RFC 8121 §3.1); docs/protocol-decisions.md
 * §2 and §4 (constant-time comparison of vks / vkc).
 *
 *   VK_c = INT(H(octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)))
 *   VK_s = INT(H(octet(3) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)))
 *
 * Both are carried at the hash's natural length, so the functions return the hash octets.
 */
import { constantTimeEqual, wipe } from '../bytes.ts';
import { MutualError } from '../errors.ts';
import { hashParts, type Algorithm, type PartsHash } from './algorithms.ts';
import { vi } from './encoding.ts';

export interface VerifyInput {
  K_c1: Uint8Array;
  K_s1: Uint8Array;
  /** OCTETS(z), secret. */
  z: Uint8Array;
  /** The nonce number of the request (RFC 8120 §6). */
  nc: number | bigint;
  /** The octets of vh (RFC 8120 §7), e.g. the UTF-8 of "https://example.com:443" for validation=host. */
  vh: Uint8Array;
}

/**
 * The key-confirmation values are hashed by `hash`: @noble/hashes by default (the extension), node:crypto on
 * the server (src/server/kex.ts), which computes two of them per request. Same octets either way.
 */
function vk(alg: Algorithm, tag: 3 | 4, v: VerifyInput, hash: PartsHash): Uint8Array {
  checkKeys(alg, v);
  const message = vkMessage(tag, v);
  try {
    return hash(alg, [message]);
  } finally {
    wipe(message);
  }
}

/**
 * The hash input of VK_c (tag 4) and VK_s (tag 3), octet(tag) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) |
 * VI(nc) | VS(vh), laid out in place (it holds z: the callers wipe it) — in `into` when it is large enough,
 * else in a new buffer.
 */
function vkMessage(tag: 3 | 4, v: VerifyInput, into?: Uint8Array): Uint8Array {
  const nc = vi(v.nc);
  const vhLength = vi(v.vh.length);
  const L = v.K_c1.length;
  const length = 1 + 3 * L + nc.length + vhLength.length + v.vh.length;
  const message = into !== undefined && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  message[0] = tag;
  message.set(v.K_c1, 1);
  message.set(v.K_s1, 1 + L);
  message.set(v.z, 1 + 2 * L);
  let o = 1 + 3 * L;
  message.set(nc, o);
  o += nc.length;
  message.set(vhLength, o);
  message.set(v.vh, o + vhLength.length);
  return message;
}

/**
 * Where {@link computeVkcVks} lays out its message when it fits: one buffer for the process instead of a new
 * one per request (a typed array over 64 octets takes an off-heap allocation in V8, which showed in the
 * server's per-request profile). Safe to share: the message is written, hashed twice and wiped within one
 * synchronous call.
 */
const SCRATCH = new Uint8Array(1024);
let scratchInUse = false;

function checkKeys(alg: Algorithm, v: VerifyInput): void {
  checkKey(alg, 'K_c1', v.K_c1);
  checkKey(alg, 'K_s1', v.K_s1);
  checkKey(alg, 'z', v.z);
  // VS(vh) takes the octets: a string (e.g. from an untyped configuration) is a caller's error, not UTF-8 here.
  if (!(v.vh instanceof Uint8Array)) throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected the octets of vh, got ${typeof v.vh}`);
}

function checkKey(alg: Algorithm, what: string, b: Uint8Array): void {
  if (!(b instanceof Uint8Array) || b.length !== alg.elementLength) {
    throw new MutualError('ERR_MUTUAL_ARGUMENT', `expected ${alg.elementLength} octets for ${what}, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  }
}

/** A hash of one octet string with the algorithm's hash function (the server passes node:crypto's one-shot hash). */
export type OneHash = (alg: Algorithm, message: Uint8Array) => Uint8Array;

/**
 * VK_c and VK_s of one request together, as the server needs them: the two hash inputs differ only in their
 * first octet (4 for VK_c, 3 for VK_s), so the message is laid out once in one buffer and hashed twice by
 * `hash`, then wiped (it holds z). Same octets as {@link computeVkc} / {@link computeVks}
 * (test/crypto/key-confirmation*.test.ts). Measured on the server's hot path (bench/server-decide.ts): two one-shot
 * node:crypto hashes of one buffer cost about half of two incremental hashes fed six parts each.
 */
export function computeVkcVks(alg: Algorithm, v: VerifyInput, hash: OneHash): { vkc: Uint8Array; vks: Uint8Array } {
  checkKeys(alg, v);
  // A hash that called back in here would find the shared buffer in use: it gets a buffer of its own.
  const shared = !scratchInUse;
  scratchInUse = true;
  let message: Uint8Array | undefined;
  try {
    message = vkMessage(4, v, shared ? SCRATCH : undefined);
    const vkc = hash(alg, message);
    message[0] = 3;
    return { vkc, vks: hash(alg, message) };
  } finally {
    // All of the shared buffer: a layout that failed half-way may have written z without returning it.
    if (shared) {
      SCRATCH.fill(0);
      scratchInUse = false;
    }
    wipe(message);
  }
}

/** VK_c (hash octets) — sent by the client in req-VFY-C as `vkc`. */
export function computeVkc(alg: Algorithm, v: VerifyInput, hash: PartsHash = hashParts): Uint8Array {
  return vk(alg, 4, v, hash);
}

/** VK_s (hash octets) — sent by the server in 200-VFY-S as `vks`. */
export function computeVks(alg: Algorithm, v: VerifyInput, hash: PartsHash = hashParts): Uint8Array {
  return vk(alg, 3, v, hash);
}

/** Whether a received vkc (decoded octets) is the expected VK_c; compared without early exit. */
export function checkVkc(alg: Algorithm, v: VerifyInput, received: Uint8Array): boolean {
  return constantTimeEqual(computeVkc(alg, v), received);
}

/** Whether a received vks (decoded octets) is the expected VK_s; compared without early exit. */
export function checkVks(alg: Algorithm, v: VerifyInput, received: Uint8Array): boolean {
  return constantTimeEqual(computeVks(alg, v), received);
}
