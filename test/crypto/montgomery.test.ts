/**
 * The WebAssembly Montgomery exponentiation (src/crypto/montgomery.ts, src/crypto/wasm/montgomery.wat)
 * against bigint: the committed bytes are the .wat's, the DL vectors' exponentiations, edge cases and a
 * differential property over random moduli, bases and exponents of every size.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { compileWat } from '../../scripts/gen-wasm.ts';
import { MONTGOMERY_WASM_BASE64 } from '../../src/crypto/wasm/montgomery-bytes.ts';
import { getAlgorithm } from '../../src/crypto/algorithms.ts';
import { clientKc1, clientZ, serverKs1 } from '../../src/crypto/kam3.ts';
import {
  disableWasm, fromLimbs, limbLayout, toLimbs, wasmAvailable, WASM_COMB, wasmModPow, wasmPowFixed, WASM_MAX_BITS,
} from '../../src/crypto/montgomery.ts';
import { bigintModPow, bigintPowG, MODP_2048, MODP_4096, modPow, powG } from '../../src/crypto/modp.ts';
import { hexToBytes } from '../../src/bytes.ts';
import { fixture, hexInt } from './fixture.ts';

const hex = (h: string): Uint8Array => hexToBytes(h)!;
const bitLength = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);

afterEach(() => disableWasm(false));

describe('the module', () => {
  it('the committed bytes are the compiled montgomery.wat (run scripts/gen-wasm.ts after editing it)', async () => {
    const compiled = await compileWat();
    expect(Buffer.from(MONTGOMERY_WASM_BASE64, 'base64').equals(Buffer.from(compiled))).toBe(true);
  });

  it('is available in Node, and can be switched off', () => {
    expect(wasmAvailable()).toBe(true);
    disableWasm(true);
    expect(wasmAvailable()).toBe(false);
    expect(wasmModPow(3n, 5n, 7n, 3)).toBeUndefined();
    expect(modPow(3n, 5n, 7n)).toBe(5n); // the bigint fallback answers
  });

  it('declines even and oversized moduli (the caller uses bigint)', () => {
    expect(wasmModPow(3n, 5n, 10n, 4)).toBeUndefined();
    expect(wasmModPow(3n, 5n, (1n << BigInt(WASM_MAX_BITS)) + 1n, 4)).toBeUndefined();
    expect(modPow(3n, 5n, 10n)).toBe(3n);
  });
});

describe('limbs', () => {
  it('layouts keep 4m < R and a position of the accumulator below 2^64 between normalisations', () => {
    // a position holds below 2^k + 2^(64−k) after a normalisation, then gets at most 2(g + 1) products
    // (g rows of two, plus the row under way) and a few carries below 2^(64−k); without normalisations, 2n
    const fits = (products: number, k: number): boolean =>
      BigInt(products) * ((1n << BigInt(k)) - 1n) ** 2n + (1n << BigInt(k)) + 3n * (1n << BigInt(64 - k)) < 1n << 64n;
    for (let bits = 2; bits <= WASM_MAX_BITS; bits += 97) {
      const { k, n, g } = limbLayout(bits);
      expect(k * n).toBeGreaterThanOrEqual(bits + 2);
      if (g === 0) expect(fits(2 * n, k)).toBe(true);
      else {
        expect(fits(2 * n, k)).toBe(false);
        expect(g % 2).toBe(0);
        expect(fits(2 * (g + 1), k)).toBe(true);
      }
    }
    expect(limbLayout(2048)).toEqual({ k: 29, n: 71, g: 30 });
    expect(limbLayout(4096)).toEqual({ k: 29, n: 142, g: 30 });
    expect(limbLayout(800).g).toBe(0);
  });

  it('toLimbs / fromLimbs round-trip and reject values that do not fit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 4200n) - 1n }), fc.integer({ min: 16, max: 29 }), (x, k) => {
        const n = Math.max(1, Math.ceil(bitLength(x) / k));
        const limbs = toLimbs(x, n, k);
        for (const l of limbs) expect(l).toBeLessThan(2 ** k);
        expect(fromLimbs(limbs, n, k)).toBe(x);
      }),
      { numRuns: 200 },
    );
    expect(() => toLimbs(1n << 56n, 2, 28)).toThrow(RangeError);
  });
});

/**
 * mul and sqr of the module itself on operands whose limbs are all 2^k − 1 (below 2p for a p just under
 * R / 4), so the triangle and a·b put the largest products in every position: with n above 31, these
 * overflow an i64 position unless the accumulator is normalised every g rows.
 */
function moduleRun(n: number, g: number, p: bigint, a: bigint, b: bigint): { mul: bigint; sqr: bigint } {
  const bytes = Buffer.from(MONTGOMERY_WASM_BASE64, 'base64');
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as {
    memory: WebAssembly.Memory;
    setup(p: number, t: number, n: number, k: number, pinv: number, g: number): void;
    mul(out: number, a: number, b: number): void;
    sqr(out: number, a: number): void;
  };
  const k = 29;
  const E = 4 * (((n + 3) & ~3) + 4);
  const mem = new Uint32Array(wasm.memory.buffer);
  toLimbs(p, n, k, mem, 0);
  toLimbs(a, n, k, mem, E / 4);
  toLimbs(b, n, k, mem, (2 * E) / 4);
  const mask = (1n << BigInt(k)) - 1n;
  const pinv = Number(((1n << BigInt(k)) - modInverse(p & mask, 1n << BigInt(k))) & mask);
  wasm.setup(0, 8192, n, k, pinv, g);
  wasm.mul(3 * E, E, 2 * E);
  const mul = fromLimbs(mem, n, k, (3 * E) / 4);
  wasm.sqr(3 * E, E);
  return { mul, sqr: fromLimbs(mem, n, k, (3 * E) / 4) };
}

function modInverse(x: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [x % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

describe('the multiplier at its bounds', () => {
  it('mul and sqr of all-ones limbs match bigint for every limb count up to 160 (normalisations in every place)', () => {
    for (let n = 2; n <= 160; n += n < 28 ? 5 : 1) {
      const { g } = limbLayout(29 * n - 2);
      expect(limbLayout(29 * n - 2).n).toBe(n);
      const R = 1n << BigInt(29 * n);
      for (const p of [R / 4n - 1n, R / 4n - 2n * BigInt(n) - 1n, R / 4n - 3n]) {
        const a = 2n * p - 1n; // every limb 2^29 − 1 up to the top one
        const b = a - 2n;
        const rInv = modInverse(R % p, p);
        const { mul, sqr } = moduleRun(n, g, p, a, b);
        expect(mul < 2n * p && sqr < 2n * p).toBe(true);
        expect(mul % p).toBe((((a * b) % p) * rInv) % p);
        expect(sqr % p).toBe((((a * a) % p) * rInv) % p);
      }
    }
  });

  it('the same operands without normalisations overflow (so the test above can fail)', () => {
    const n = 71;
    const R = 1n << BigInt(29 * n);
    const p = R / 4n - 1n;
    const a = 2n * p - 1n;
    const expected = (((a * a) % p) * modInverse(R % p, p)) % p;
    expect(moduleRun(n, 30, p, a, a).sqr % p).toBe(expected);
    expect(moduleRun(n, 0, p, a, a).sqr % p).not.toBe(expected);
  });
});

describe('exponentiation against bigint', () => {
  it('edge cases: bases 0, 1, 2, m−1, m, 2m+3; exponents 0, 1, 2, r, all-ones, every bit length', () => {
    for (const { q, r, bits } of [MODP_2048, MODP_4096]) {
      const bases = [0n, 1n, 2n, q - 1n, q, 2n * q + 3n, r];
      const exps = [0n, 1n, 2n, r, r - 1n, (1n << BigInt(bits)) - 1n];
      for (const b of bases) {
        for (const e of exps) expect(wasmModPow(b, e, q, bits)).toBe(bigintModPow(b, e, q, bits));
      }
      for (let len = 0; len <= bits; len += bits === 2048 ? 61 : 251) {
        const e = len === 0 ? 0n : (1n << BigInt(len - 1)) | 1n;
        expect(wasmModPow(3n, e, q, bits)).toBe(bigintModPow(3n, e, q, bits));
      }
    }
    // the smallest moduli: one limb
    for (const m of [3n, 5n, 7n, 255n, (1n << 27n) - 39n]) {
      for (let b = 0n; b < 8n; b++) {
        for (let e = 0n; e < 9n; e++) expect(wasmModPow(b, e, m, 4)).toBe(bigintModPow(b, e, m, 4));
      }
    }
  });

  it('every limb count modulo 4 (the SIMD rows run over n rounded up to 4), with all-ones operands', () => {
    for (let bits = 20; bits <= 900; bits += 23) {
      const { n } = limbLayout(bits);
      const m = (1n << BigInt(bits)) - 1n - 2n * BigInt(n); // odd, near 2^bits: limbs close to 2^k − 1
      const ones = (1n << BigInt(bits)) - 1n;
      for (const b of [m - 1n, ones, 0n, 1n, m + 1n]) {
        for (const e of [ones, 1n, 0n, ones >> 1n, 1n << BigInt(bits - 1)]) {
          expect(wasmModPow(b, e, m, bits)).toBe(bigintModPow(b, e, m, bits));
        }
      }
    }
    const counts = new Set<number>();
    for (let bits = 20; bits <= 900; bits += 23) counts.add(limbLayout(bits).n % 4);
    expect([...counts].sort()).toEqual([0, 1, 2, 3]);
  });

  it('limb counts where the accumulator is normalised (n > 31), every n mod 4 and n − 1 a multiple of g', () => {
    const ns = [32, 33, 34, 35, 59, 60, 61, 62, 63, 70, 71, 72, 73, 90, 91, 92, 121, 142, 143, 151, 152];
    for (const n of ns) {
      const bits = 29 * n - 2 - (n % 7);
      expect(limbLayout(bits).n).toBe(n);
      const m = (1n << BigInt(bits)) - 1n - 2n * BigInt(n);
      const ones = (1n << BigInt(bits)) - 1n;
      for (const b of [m - 1n, ones, 1n]) {
        for (const e of [(1n << 90n) - 1n, 0n, 1n << 89n]) expect(wasmModPow(b, e, m, 90)).toBe(bigintModPow(b, e, m, 90));
      }
      const e = ones ^ (ones / 3n); // every bit length: the full exponent once
      expect(wasmModPow(m - 2n, e, m, bits)).toBe(bigintModPow(m - 2n, e, m, bits));
    }
  });

  it('random odd moduli of 2..4200 bits, random bases and exponents of every size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4200 }),
        fc.bigInt({ min: 0n, max: (1n << 4200n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 4200n) - 1n }),
        fc.integer({ min: 0, max: 4200 }),
        (mBits, mRaw, bRaw, eBits) => {
          const m = ((mRaw % (1n << BigInt(mBits))) | (1n << BigInt(mBits - 1)) | 1n) || 3n;
          if (m <= 1n) return;
          const expBits = Math.max(1, eBits);
          const e = bRaw % (1n << BigInt(expBits));
          const b = mRaw ^ bRaw; // also bases above m
          expect(wasmModPow(b, e, m, expBits)).toBe(bigintModPow(b, e, m, expBits));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('random MODP-2048 exponentiations', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MODP_2048.q - 1n }), fc.bigInt({ min: 0n, max: MODP_2048.r }), (b, e) => {
        expect(wasmModPow(b, e, MODP_2048.q, 2048)).toBe(bigintModPow(b, e, MODP_2048.q, 2048));
      }),
      { numRuns: 15 },
    );
  });
});

describe('the fixed-base comb (powG) against bigint', () => {
  it('powG equals the bigint comb and modPow: exponents 0, 1, 2, r−1, r, all-ones, every bit length', () => {
    for (const group of [MODP_2048, MODP_4096]) {
      const { r, bits, g, q } = group;
      const { h, v } = WASM_COMB;
      const a = Math.ceil(bits / h);
      const b = Math.ceil(a / v);
      const exps = [0n, 1n, 2n, 3n, r - 1n, r, r + 1n, (1n << BigInt(bits)) - 1n, (1n << BigInt(bits - 1)) - 1n];
      // one bit at each row start, block start and column edge of the comb
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < v; j++) for (const d of [0, 1, b - 1]) exps.push(1n << BigInt(Math.min(bits - 1, i * a + j * b + d)));
      }
      for (let len = 1; len <= bits; len += bits === 2048 ? 127 : 509) exps.push((1n << BigInt(len)) - 1n);
      for (const e of exps) {
        const expected = bigintPowG(group, e);
        expect(wasmPowFixed(g, e, q, bits)).toBe(expected);
        expect(powG(group, e)).toBe(expected);
      }
      expect(powG(group, r - 1n)).toBe(bigintModPow(g, r - 1n, q));
      expect(powG(group, r)).toBe(1n); // g generates the order-r subgroup
    }
  });

  it('random exponents, interleaved with variable-base exponentiations (which share the module memory)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 4096n) - 1n }), fc.bigInt({ min: 2n, max: MODP_2048.q - 2n }), (e, x) => {
        for (const group of [MODP_2048, MODP_4096]) {
          const exp = e % (1n << BigInt(group.bits));
          expect(wasmModPow(x, exp, group.q, group.bits)).toBe(bigintModPow(x, exp, group.q, group.bits));
          expect(powG(group, exp)).toBe(bigintPowG(group, exp));
        }
      }),
      { numRuns: 8 },
    );
  });

  it('other fixed bases and odd moduli of every limb count modulo 4, and bit lengths not a multiple of h·v', () => {
    for (const mBits of [5, 29, 61, 100, 257, 333, 1001]) {
      const m = (1n << BigInt(mBits)) - 1n - 2n * BigInt(mBits);
      for (const base of [2n, 3n, m - 1n, m + 5n]) {
        const bits = mBits + 7;
        const exps = [0n, 1n, (1n << BigInt(bits)) - 1n, (1n << BigInt(bits - 1)) + 3n, 12345n % (1n << BigInt(bits))];
        for (const e of exps) {
          expect(wasmPowFixed(base, e, m, bits)).toBe(bigintModPow(base, e, m, bits));
        }
      }
    }
  });

  it('declines even moduli and WebAssembly switched off; tables beyond the memory cap leave powG to bigint', () => {
    expect(wasmPowFixed(2n, 5n, 10n, 4)).toBeUndefined();
    disableWasm(true);
    expect(wasmPowFixed(2n, 5n, 7n, 3)).toBeUndefined();
    expect(powG(MODP_2048, 12345n)).toBe(bigintPowG(MODP_2048, 12345n)); // the bigint comb answers
    disableWasm(false);
    powG(MODP_2048, 1n);
    powG(MODP_4096, 1n); // both MODP tables built before the cap is reached
    let declined = false;
    for (let i = 0; i < 40 && !declined; i++) {
      const m = (1n << 4000n) + BigInt(2 * i + 1);
      declined = wasmPowFixed(3n, 7n, m, 4000) === undefined;
    }
    expect(declined).toBe(true);
    const e = (1n << 2047n) + 99n;
    expect(powG(MODP_2048, e)).toBe(bigintPowG(MODP_2048, e));
    expect(powG(MODP_4096, e)).toBe(bigintPowG(MODP_4096, e));
  });
});

describe('the DL vectors, with and without WebAssembly', () => {
  const dl = fixture.kam3.filter((v) => v.algorithm.startsWith('iso-kam3-dl'));
  it('has DL vectors', () => expect(dl.length).toBeGreaterThan(0));

  for (const wasm of [true, false]) {
    it.each(dl.map((v) => [v.id, v] as const))(`${wasm ? 'wasm' : 'bigint'}: %s`, (_id, v) => {
      disableWasm(!wasm);
      const alg = getAlgorithm(v.algorithm)!;
      const q = alg.elementLength === 256 ? MODP_2048.q : MODP_4096.q;
      expect(Buffer.from(clientKc1(alg, hexInt(v.S_c1))).toString('hex')).toBe(v.K_c1.padStart(2 * alg.elementLength, '0'));
      // z = K_s1^exponent directly, then the whole server and client steps
      expect(modPow(hexInt(v.K_s1), hexInt(v.client_exponent), q)).toBe(hexInt(v.z));
      const server = serverKs1(alg, { K_c1: hex(v.K_c1), J: hex(v.J), S_s1: hexInt(v.S_s1) });
      expect(server.ok && Buffer.from(server.value.K_s1).toString('hex')).toBe(v.K_s1.padStart(2 * alg.elementLength, '0'));
      expect(server.ok && Buffer.from(server.value.z).toString('hex')).toBe(v.z.padStart(2 * alg.elementLength, '0'));
      const z = clientZ(alg, { S_c1: hexInt(v.S_c1), K_c1: hex(v.K_c1), K_s1: hex(v.K_s1), pi: hex(v.pi) });
      expect(z.ok && Buffer.from(z.value).toString('hex')).toBe(v.z.padStart(2 * alg.elementLength, '0'));
    });
  }
});
