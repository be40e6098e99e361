/** Byte helpers shared by crypto/, protocol/ and the adapters: Web APIs only (docs/style.md §1). */

const encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF so callers can reject it (RFC 8120 §3.2.2) instead of it vanishing silently.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 octets of a JS string (lone surrogates become U+FFFD: callers validate first where it matters). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decode UTF-8 strictly; returns undefined on malformed input instead of throwing. */
export function fromUtf8(b: Uint8Array): string | undefined {
  try {
    return decoder.decode(b);
  } catch {
    return undefined;
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const HEX = '0123456789abcdef';

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}

/** The value of one hex digit's char code, or -1 (any other code, including past 0x7f). */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  const l = c | 0x20; // A-F → a-f
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Strict hex decoding (even length, [0-9a-fA-F] only); undefined on anything else. Char codes, no regex or
 * substrings: the extension decodes a session's keys for every authenticated request (issue 10 profile).
 */
export function hexToBytes(h: string): Uint8Array | undefined {
  if (h.length % 2 !== 0) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(h.charCodeAt(2 * i));
    const lo = hexDigit(h.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Compare two byte strings in time that depends only on their lengths (docs/style.md §9). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Overwrite a secret buffer once it is no longer needed. */
export function wipe(b: Uint8Array | undefined): void {
  if (b) b.fill(0);
}

/** Injected randomness: returns n fresh random octets. Production uses WebCrypto; tests inject a fixed stream. */
export type RandomSource = (n: number) => Uint8Array;

export const webRandom: RandomSource = (n) => {
  const out = new Uint8Array(n);
  // getRandomValues is limited to 65536 octets per call.
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
};
