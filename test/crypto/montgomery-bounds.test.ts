/**
 * The WebAssembly multiplier (src/crypto/wasm/montgomery.wat) at the limits of its accumulator bound, driven
 * directly: for any operands whose limbs are below 2^29 (not only values below 2p), mul and sqr must return
 * exactly (a·b + m·p) / R with m = −a·b·p^−1 mod R, since the normalisation argument only assumes limbs
 * below 2^k. Every limb count from 2 to the largest modulus the module accepts (8192 bits, n = 283), with
 * operands and moduli built to fill the positions (all-ones limbs; p ≡ 1 mod 2^(29h) so that m's low limbs
 * are all ones while p's high limbs are all ones; RFC 3526-shaped primes with 64 one bits at each end).
 * And wasmModPow against bigint at 6144 and 8192 bits (n = 212, 283), which the other tests do not reach.
 */
import { describe, expect, it } from 'vitest';
import { MONTGOMERY_WASM_BASE64 } from '../../src/crypto/wasm/montgomery-bytes.ts';
import { limbLayout, toLimbs, wasmModPow, WASM_MAX_BITS } from '../../src/crypto/montgomery.ts';
import { bigintModPow } from '../../src/crypto/modp.ts';

const K = 29;

interface Module {
  memory: WebAssembly.Memory;
  setup(p: number, t: number, n: number, k: number, pinv: number, g: number): void;
  mul(out: number, a: number, b: number): void;
  sqr(out: number, a: number): void;
}

const wasm = new WebAssembly.Instance(
  new WebAssembly.Module(Buffer.from(MONTGOMERY_WASM_BASE64, 'base64')), {},
).exports as unknown as Module;

function modInverse(x: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((x % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** The raw words at `at` as a number (the top word may exceed 2^29 when the value is at least R). */
function readRaw(mem: Uint32Array, at: number, n: number): bigint {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << BigInt(K)) + BigInt(mem[at + i]!);
  return x;
}

/** mul(a, b) and sqr(a) by the module for modulus p of n limbs, with the layout's g. */
function run(n: number, p: bigint, a: bigint, b: bigint): { mul: bigint; sqr: bigint; padding: boolean } {
  const { g } = limbLayout(29 * n - 2);
  const np = (n + 3) & ~3;
  const E = 4 * (np + 4);
  const T = Math.ceil((4 * E) / 4096) * 4096;
  const mem = new Uint32Array(wasm.memory.buffer);
  mem.fill(0, 0, (T + 8 * (2 * np + 8)) / 4);
  toLimbs(p, n, K, mem, 0);
  toLimbs(a, n, K, mem, E / 4);
  toLimbs(b, n, K, mem, (2 * E) / 4);
  const mask = (1n << BigInt(K)) - 1n;
  const pinv = Number(((1n << BigInt(K)) - modInverse(p & mask, 1n << BigInt(K))) & mask);
  wasm.setup(0, T, n, K, pinv, g);
  wasm.mul(3 * E, E, 2 * E);
  const mul = readRaw(mem, (3 * E) / 4, n);
  let padding = mem.subarray((3 * E) / 4 + n, (4 * E) / 4).every((w) => w === 0);
  wasm.sqr(3 * E, E);
  padding &&= mem.subarray((3 * E) / 4 + n, (4 * E) / 4).every((w) => w === 0);
  return { mul, sqr: readRaw(mem, (3 * E) / 4, n), padding };
}

/** (x·y + m·p) / R with m = −x·y·p^−1 mod R: what operand scanning computes, exactly. */
function redc(x: bigint, y: bigint, p: bigint, R: bigint): bigint {
  const m = (((-x * y) % R) + R) % R * modInverse(p, R) % R;
  return (x * y + m * p) / R;
}

/** Deterministic pseudo-random bits (xorshift), so a failure reproduces. */
function prng(seed: number): (bits: number) => bigint {
  let s = BigInt(seed) | 1n;
  const M = (1n << 64n) - 1n;
  const next = (): bigint => {
    s ^= (s << 13n) & M;
    s ^= s >> 7n;
    s ^= (s << 17n) & M;
    return s;
  };
  return (bits) => {
    let x = 0n;
    for (let i = 0; i < bits; i += 64) x = (x << 64n) | next();
    return x & ((1n << BigInt(bits)) - 1n);
  };
}

const maxN = limbLayout(WASM_MAX_BITS).n;

describe('the multiplier on operands that fill every position', () => {
  it(`mul and sqr equal (a·b + m·p) / R for every n from 2 to ${maxN}, adversarial p, a, b below R`, () => {
    const rand = prng(0x5eed);
    for (let n = 2; n <= maxN; n++) {
      const bitsR = 29 * n;
      const R = 1n << BigInt(bitsR);
      const h = Math.max(1, n >> 1);
      const moduli = [
        R - 1n, // every limb 2^29 − 1 (m ≡ a·b)
        R - (1n << BigInt(29 * h)) + 1n, // p ≡ 1 mod 2^(29h): m ≡ −a·b there, all ones for a = b = R − 1
        R / 4n - 1n,
        // RFC 3526 shape at the largest bit length this n serves: 64 one bits at each end
        ((1n << BigInt(bitsR - 2)) - (1n << BigInt(bitsR - 66)) - 1n) | (rand(bitsR - 130) << 64n),
        rand(bitsR) | 1n | (R >> 1n),
      ];
      for (const p of moduli) {
        for (const [a, b] of [
          [R - 1n, R - 1n],
          [R - 1n, R - 2n],
          [2n * (R / 4n - 1n) - 1n, R - 1n],
          [R - 1n - rand(bitsR - 1), R - 1n - (rand(bitsR) & ~(R - 1n - (R >> 3n)))],
        ] as const) {
          const got = run(n, p, a, b);
          const want = { mul: redc(a, b, p, R), sqr: redc(a, a, p, R), padding: true };
          if (got.mul !== want.mul || got.sqr !== want.sqr || !got.padding) {
            expect({ n, p: p.toString(16), a: a.toString(16), b: b.toString(16), ...got }).toEqual({
              n, p: p.toString(16), a: a.toString(16), b: b.toString(16), ...want,
            });
          }
        }
      }
    }
  }, 120_000);
});

describe('wasmModPow at the largest moduli', () => {
  it('6144- and 8192-bit RFC 3526-shaped moduli, bases near m and near R, against bigint', () => {
    const rand = prng(0x3526);
    for (const bits of [6144, 8192]) {
      const m = (1n << BigInt(bits)) - (1n << BigInt(bits - 64)) - 1n + (rand(bits - 130) << 64n);
      const { n } = limbLayout(bits);
      const R = 1n << BigInt(29 * n);
      for (const base of [m - 1n, m - 2n, 2n, (R - 1n) % m, rand(bits) % m]) {
        const e = rand(256) | (1n << 255n);
        expect(wasmModPow(base, e, m, 256)).toBe(bigintModPow(base, e, m, 256));
      }
    }
  }, 60_000);
});
