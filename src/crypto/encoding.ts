/**
 * Octet encodings of RFC 8120: VI, VS, OCTETS, INT (§12.1) and the wire forms base64-/hex-fixed-number
 * (§3.2.3); docs/protocol-decisions.md §2 ("VI, VS, OCTETS (natural length), INT").
 */
import { bytesToHex, concatBytes, utf8 } from '../bytes.ts';
import { fail, MutualError, ok, type Result } from '../errors.ts';

function argError(message: string): MutualError {
  return new MutualError('ERR_MUTUAL_ARGUMENT', message);
}

/** A natural number as a bigint, or a programming error naming what arrived. */
function natural(n: number | bigint, what: string): bigint {
  if (typeof n === 'bigint') {
    if (n < 0n) throw argError(`expected a natural number for ${what}, got a negative bigint`);
    return n;
  }
  if (!Number.isSafeInteger(n) || n < 0) throw argError(`expected a natural number for ${what}, got ${n}`);
  return BigInt(n);
}

/** octet(i) of RFC 8120 §12.1: one octet of value i. */
export function octet(i: number): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i > 255) throw argError(`expected an octet value 0..255, got ${i}`);
  return Uint8Array.of(i);
}

/**
 * VI(n) of RFC 8120 §12.1: big-endian radix-128 digits, every octet but the last with its high bit set
 * (the ASN.1 OID sub-identifier encoding). VI(0) = 0x00; the first octet is never 0x80.
 */
export function vi(n: number | bigint): Uint8Array {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return viOfSafe(n);
  let v = natural(n, 'VI');
  const digits: number[] = [Number(v & 0x7fn)];
  v >>= 7n;
  while (v > 0n) {
    digits.push(0x80 | Number(v & 0x7fn));
    v >>= 7n;
  }
  return Uint8Array.from(digits.reverse());
}

/**
 * VI of a safe integer without bigint (nc and lengths, on every request): base-128 digits, most significant
 * first, 0x80 on all but the last — the same octets as the bigint path (test/crypto/encoding.test.ts).
 */
function viOfSafe(n: number): Uint8Array {
  let len = 1;
  for (let x = Math.floor(n / 128); x > 0; x = Math.floor(x / 128)) len++;
  const out = new Uint8Array(len);
  let x = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = (x % 128) | (i === len - 1 ? 0 : 0x80);
    x = Math.floor(x / 128);
  }
  return out;
}

/** VS(s) = VI(length(s)) | s (RFC 8120 §12.1); a string is encoded as UTF-8 first. */
export function vs(s: Uint8Array | string): Uint8Array {
  const b = typeof s === 'string' ? utf8(s) : s;
  return concatBytes(vi(b.length), b);
}

/**
 * OCTETS(n) at a given natural length (RFC 8120 §12.1, §3.2.3): big-endian, left-padded with zeros.
 * @throws MutualError ERR_MUTUAL_ARGUMENT if n is negative or needs more than `length` octets.
 */
export function octets(n: bigint, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw argError(`expected a natural length for OCTETS, got ${length}`);
  if (n < 0n) throw argError('expected a natural number for OCTETS, got a negative bigint');
  const hex = n.toString(16);
  if (hex.length > 2 * length && n !== 0n) {
    throw argError(`expected a number of at most ${length} octets for OCTETS, got ${Math.ceil(hex.length / 2)}`);
  }
  const out = new Uint8Array(length);
  const padded = hex.padStart(2 * length, '0');
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** INT(b) of RFC 8120 §12.1: the natural number of a big-endian octet string (INT of no octets is 0). */
export function int(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + bytesToHex(b));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

function base64Encode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  return s;
}

/**
 * The canonical wire form of a fixed-length number (RFC 8120 §3.2.3): base64 (RFC 4648 §4, standard
 * alphabet, with padding, no line breaks) or lower-case hex. The octets must already have their natural
 * length; quoting belongs to the header writer.
 */
export function encodeFixedNumber(b: Uint8Array, wire: 'base64' | 'hex'): string {
  return wire === 'base64' ? base64Encode(b) : bytesToHex(b);
}

/** Number of base64 characters and trailing '=' of an encoding of `length` octets. */
function base64Shape(length: number): { chars: number; pad: number } {
  return { chars: 4 * Math.ceil(length / 3), pad: (3 - (length % 3)) % 3 };
}

/**
 * Decode a received base64-/hex-fixed-number of exactly `length` octets (RFC 8120 §3.2.3).
 *
 * Strict on purpose: base64 must use the standard alphabet with exactly the required padding and zero
 * pad bits (the RFC's SHOULD, RFC 4648 §3.1–3.5), hex must have exactly 2·length digits (either case).
 * The length is checked before anything else so hostile input costs O(1) to reject. Messages name the
 * parameter (`what`) but never echo the received value.
 */
export function decodeFixedNumber(
  s: string,
  wire: 'base64' | 'hex',
  length: number,
  what: string,
): Result<Uint8Array> {
  if (wire === 'hex') {
    if (s.length !== 2 * length) {
      return fail('ERR_MUTUAL_ENCODING', `expected ${2 * length} hex digits for ${what}, got ${s.length}`);
    }
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const hi = hexValue(s.charCodeAt(2 * i));
      const lo = hexValue(s.charCodeAt(2 * i + 1));
      if (hi < 0 || lo < 0) {
        return fail('ERR_MUTUAL_ENCODING', `invalid hex digit at offset ${hi < 0 ? 2 * i : 2 * i + 1} in ${what}`);
      }
      out[i] = (hi << 4) | lo;
    }
    return ok(out);
  }
  const { chars, pad } = base64Shape(length);
  if (s.length !== chars) {
    return fail('ERR_MUTUAL_ENCODING', `expected ${chars} base64 characters for ${what}, got ${s.length}`);
  }
  const dataChars = chars - pad;
  for (let i = dataChars; i < chars; i++) {
    if (s.charCodeAt(i) !== 0x3d) {
      return fail('ERR_MUTUAL_ENCODING', `expected ${pad} padding character(s) '=' at the end of ${what}`);
    }
  }
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < dataChars; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_VALUE[c]! : -1;
    if (v < 0) return fail('ERR_MUTUAL_ENCODING', `invalid base64 character at offset ${i} in ${what}`);
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // What is left are the unused low bits of the last character: RFC 4648 §3.5 canonical form has them zero.
  if ((acc & ((1 << bits) - 1)) !== 0) {
    return fail('ERR_MUTUAL_ENCODING', `non-zero pad bits in the last base64 character of ${what}`);
  }
  return ok(out);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
