import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes.ts';

describe('hexToBytes (strict)', () => {
  it('round-trips every byte value, either case', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = bytesToHex(all);
    expect(hexToBytes(hex)).toEqual(all);
    expect(hexToBytes(hex.toUpperCase())).toEqual(all);
    expect(hexToBytes('')).toEqual(new Uint8Array());
  });

  it('agrees with a reference decoder on random strings', () => {
    for (let n = 0; n < 2000; n++) {
      const len = n % 9;
      let s = '';
      // Mostly hex digits, sometimes a neighbour of the digit ranges or a non-ASCII code.
      const pool = '0123456789abcdefABCDEF/:@G`g \u00e1\uff10';
      for (let i = 0; i < len; i++) s += pool[Math.floor(Math.random() * (Math.random() < 0.9 ? 22 : pool.length))];
      const ref = s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s) ? Uint8Array.from(s.match(/../g) ?? [], (x) => parseInt(x, 16)) : undefined;
      expect(hexToBytes(s), JSON.stringify(s)).toEqual(ref);
    }
  });

  it('rejects odd lengths and every non-digit neighbour of the digit ranges', () => {
    expect(hexToBytes('abc')).toBeUndefined();
    for (const bad of ['/', ':', '@', 'G', '`', 'g', ' ', '\u0000', '\u0130', '\uff10', '\u0660']) {
      expect(hexToBytes(`0${bad}`), bad).toBeUndefined();
      expect(hexToBytes(`${bad}0`), bad).toBeUndefined();
    }
  });
});

describe('hexToBytes is total and strict over every UTF-16 code unit (review)', () => {
  it('accepts exactly [0-9a-fA-F] in either position of a pair, for all 65536 code units, lone surrogates included', () => {
    const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      const want = isHex(c) ? parseInt(ch, 16) : undefined;
      const a = hexToBytes(`${ch}0`);
      const b = hexToBytes(`0${ch}`);
      if (want === undefined) {
        if (a !== undefined || b !== undefined) expect({ c, a, b }).toEqual({ c, a: undefined, b: undefined });
      } else if (a?.[0] !== want << 4 || b?.[0] !== want) {
        expect({ c, a: a?.[0], b: b?.[0] }).toEqual({ c, a: want << 4, b: want });
      }
    }
  });

  it('counts UTF-16 code units: an astral character (a surrogate pair) is two non-digits, never a byte', () => {
    expect(hexToBytes('\u{1d7ce}')).toBeUndefined(); // MATHEMATICAL BOLD DIGIT ZERO: length 2
    expect(hexToBytes('0\u{1d7ce}')).toBeUndefined(); // length 3
    expect(hexToBytes('\ud800\udc00')).toBeUndefined();
    expect(hexToBytes('00\ud800')).toBeUndefined();
  });
});
