/**
 * RFC 8120 §12.1 (octet, VI, VS, OCTETS, INT) and §3.2.3 (base64-/hex-fixed-number, natural length):
 * the vectors, the RFC's own examples, strictness of the decoder, and round-trip properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8 } from '../../src/bytes.ts';
import { MutualError } from '../../src/errors.ts';
import { decodeFixedNumber, encodeFixedNumber, int, octet, octets, vi, vs } from '../../src/crypto/encoding.ts';
import { fixture } from './fixture.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function expectError(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MutualError);
    expect((e as MutualError).code).toBe(code);
    return;
  }
  throw new Error('expected a throw');
}

/** A reference VI decoder (RFC 8120 §12.1), for the round-trip property. */
function viDecode(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 7n) | BigInt(x & 0x7f);
  return n;
}

describe('VI (RFC 8120 §12.1)', () => {
  it.each(fixture.vi.map((c) => [c.int, c.hex] as const))('VI(%d) = %s', (n, h) => {
    expect(bytesToHex(vi(n))).toBe(h);
    expect(bytesToHex(vi(BigInt(n)))).toBe(h);
  });

  it('the examples of RFC 8120 §12.1', () => {
    expect(vi(0)).toEqual(latin1('\x00'));
    expect(vi(100)).toEqual(latin1('d'));
    expect(vi(10000)).toEqual(latin1('\xce\x10'));
    expect(vi(1000000)).toEqual(latin1('\xbd\x84@'));
  });

  it('numbers (the fast path) give the octets of the bigint path: 0 … 2^53 − 1, digit boundaries', () => {
    const edges = [0, 1, 127, 128, 129, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER];
    for (const n of edges) expect(bytesToHex(vi(n)), String(n)).toBe(bytesToHex(vi(BigInt(n))));
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
      expect(bytesToHex(vi(n))).toBe(bytesToHex(vi(BigInt(n))));
      expect(viDecode(vi(n))).toBe(BigInt(n));
    }), { numRuns: 2000 });
  });

  it('beyond 2^53 with bigint', () => {
    expect(bytesToHex(vi(2n ** 64n))).toBe('82808080808080808000');
  });

  it('rejects negative, fractional and unsafe numbers', () => {
    expectError(() => vi(-1), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => vi(-1n), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => vi(1.5), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => vi(2 ** 53), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => vi(Number.NaN), 'ERR_MUTUAL_ARGUMENT');
  });

  it('property: self-delimiting, first octet never 0x80, decodes back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), (n) => {
        const b = vi(n);
        expect(b[0]).not.toBe(0x80);
        for (let i = 0; i < b.length; i++) expect(b[i]! >= 0x80).toBe(i < b.length - 1);
        expect(viDecode(b)).toBe(n);
      }),
    );
  });
});

describe('VS (RFC 8120 §12.1)', () => {
  it.each(fixture.vs.map((c, i) => [i, c] as const))('vector %d', (_i, c) => {
    const input = c.input_type === 'utf8' ? c.input : hexToBytes(c.input)!;
    expect(bytesToHex(vs(input))).toBe(c.hex);
  });

  it('the examples of RFC 8120 §12.1', () => {
    expect(vs('')).toEqual(latin1('\x00'));
    expect(vs('Tea')).toEqual(latin1('\x03Tea'));
    expect(vs('Caf\u00e9')).toEqual(latin1('\x05Caf\xc3\xa9'));
    const a = vs('a'.repeat(10000));
    expect(a.length).toBe(10002);
    expect(a.subarray(0, 3)).toEqual(latin1('\xce\x10a'));
  });

  it('a string is its UTF-8 octets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(vs(s)).toEqual(vs(utf8(s)));
      }),
    );
  });
});

describe('octet, OCTETS and INT (RFC 8120 §12.1)', () => {
  it('octet(i)', () => {
    expect(octet(4)).toEqual(Uint8Array.of(4));
    expectError(() => octet(256), 'ERR_MUTUAL_ARGUMENT');
  });

  it('natural length keeps leading zeros', () => {
    expect(bytesToHex(octets(5n, 33))).toBe('00'.repeat(32) + '05');
    expect(bytesToHex(octets(0n, 2))).toBe('0000');
    expect(octets(0n, 0)).toEqual(new Uint8Array(0));
    expect(int(new Uint8Array(0))).toBe(0n);
  });

  it('throws ERR_MUTUAL_ARGUMENT when the number does not fit', () => {
    expectError(() => octets(256n, 1), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => octets(2n ** 2048n, 256), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => octets(-1n, 4), 'ERR_MUTUAL_ARGUMENT');
    expectError(() => octets(1n, -1), 'ERR_MUTUAL_ARGUMENT');
  });

  it('property: INT(OCTETS(n)) = n and OCTETS(INT(b)) = b', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expect(octets(int(b), b.length)).toEqual(b);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 600n }), fc.nat(8), (n, extra) => {
        const len = Math.ceil(n.toString(16).length / 2) + extra;
        expect(int(octets(n, len))).toBe(n);
      }),
    );
  });
});

describe('base64-fixed-number (RFC 8120 §3.2.3)', () => {
  it('encodes canonically with padding', () => {
    expect(encodeFixedNumber(Uint8Array.of(), 'base64')).toBe('');
    expect(encodeFixedNumber(Uint8Array.of(0xff), 'base64')).toBe('/w==');
    expect(encodeFixedNumber(Uint8Array.of(0xfb, 0xff), 'base64')).toBe('+/8=');
    expect(encodeFixedNumber(Uint8Array.of(1, 2, 3), 'base64')).toBe('AQID');
  });

  it('property: equals node Buffer base64, and decodes back at the same length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (b) => {
        const s = encodeFixedNumber(b, 'base64');
        expect(s).toBe(Buffer.from(b).toString('base64'));
        const d = decodeFixedNumber(s, 'base64', b.length, 'x');
        expect(d.ok && d.value).toEqual(b);
      }),
    );
  });

  it('rejects the wrong number of characters, naming the parameter', () => {
    const r = decodeFixedNumber('AQI', 'base64', 2, 'vks');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
      expect(r.error.message).toBe('expected 4 base64 characters for vks, got 3');
    }
  });

  it.each([
    ['missing padding', 'AQI', 2],
    ['excess padding', 'AQ==', 2],
    ['padding in the middle', 'AQ==AQID', 5],
    ['padding where data belongs', 'AQ=D', 2],
    ['one octet too many (same length, other padding)', 'AQID', 2],
    ['url-safe alphabet', '-_8=', 2],
    ['space', 'AQ I', 3],
    ['line break', 'AQ\nI', 3],
    ['non-ASCII', 'AQ\u00e9=', 2],
    ['non-zero pad bits, 2 padding', '/x==', 1],
    ['non-zero pad bits, 1 padding', '+/9=', 2],
    ['empty for one octet', '', 1],
  ] as const)('rejects %s', (_what, s, len) => {
    const r = decodeFixedNumber(s, 'base64', len, 'kc1');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
  });

  it('property: any non-zero pad bits are rejected', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }).filter((b) => b.length % 3 !== 0),
        fc.integer({ min: 1, max: 15 }),
        (b, flip) => {
          const s = encodeFixedNumber(b, 'base64');
          const padBits = b.length % 3 === 1 ? 4 : 2;
          const last = s.length - 1 - (b.length % 3 === 1 ? 2 : 1);
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
          const value = alphabet.indexOf(s[last]!) ^ (flip & ((1 << padBits) - 1));
          fc.pre(value !== alphabet.indexOf(s[last]!));
          const bad = s.slice(0, last) + alphabet[value] + s.slice(last + 1);
          const r = decodeFixedNumber(bad, 'base64', b.length, 'x');
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.message).toMatch(/pad bits/);
        },
      ),
    );
  });
});

describe('hex-fixed-number (RFC 8120 §3.2.3)', () => {
  it('encodes lower case and decodes either case', () => {
    expect(encodeFixedNumber(Uint8Array.of(0xab, 0x0c), 'hex')).toBe('ab0c');
    const r = decodeFixedNumber('AB0c', 'hex', 2, 'kc1');
    expect(r.ok && bytesToHex(r.value)).toBe('ab0c');
  });

  it('rejects the wrong number of digits with a precise message', () => {
    const r = decodeFixedNumber('0'.repeat(65), 'hex', 33, 'kc1');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
      expect(r.error.message).toBe('expected 66 hex digits for kc1, got 65');
    }
  });

  it.each([
    ['0x prefix', '0x12', 2],
    ['g', '0g', 1],
    ['space', '0 ', 1],
    ['sign', '+1', 1],
    ['full-width digit', '0\uff11', 1],
    ['too long', '0000', 1],
    ['empty', '', 1],
  ] as const)('rejects %s', (_what, s, len) => {
    const r = decodeFixedNumber(s, 'hex', len, 'ks1');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
  });

  it('property: round trip, upper case accepted', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = encodeFixedNumber(b, 'hex');
        expect(s).toBe(s.toLowerCase());
        for (const t of [s, s.toUpperCase()]) {
          const r = decodeFixedNumber(t, 'hex', b.length, 'x');
          expect(r.ok && r.value).toEqual(b);
        }
      }),
    );
  });

  it('property: never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('base64', 'hex') as fc.Arbitrary<'base64' | 'hex'>, fc.nat(70), (s, w, n) => {
        const r = decodeFixedNumber(s, w, n, 'x');
        if (r.ok) expect(r.value.length).toBe(n);
        else expect(r.error.code).toBe('ERR_MUTUAL_ENCODING');
      }),
    );
  });
});
