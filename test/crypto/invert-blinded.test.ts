import { describe, expect, it } from 'vitest';
import { invertBlinded, invertMod, MODP_2048 } from '../../src/crypto/modp.ts';

const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;

describe('invertBlinded', () => {
  for (const [name, m] of [['P-256 field', P256_P], ['MODP-2048 r', MODP_2048.r]] as const) {
    it(`${name}: the inverse, with a fresh factor or the caller's own`, () => {
      for (const x of [1n, 2n, m - 1n, m + 5n, -7n, (m * 3n) / 7n]) {
        const want = invertMod(((x % m) + m) % m, m);
        expect(invertBlinded(x, m)).toBe(want);
        for (const b of [1n, 12345n, m - 1n]) expect(invertBlinded(x, m, b)).toBe(want);
        // A factor outside [1, m−1] is not used (a fresh one is drawn): still the inverse.
        for (const b of [0n, m, -3n]) expect(invertBlinded(x, m, b)).toBe(want);
      }
      expect(invertBlinded(0n, m, 5n)).toBeUndefined();
      expect(invertBlinded(m, m)).toBeUndefined();
    });
  }
});
