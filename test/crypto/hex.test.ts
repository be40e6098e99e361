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
