/**
 * base^exp mod m for odd m in WebAssembly (src/crypto/wasm/montgomery.wat: Montgomery multiplication,
 * operand scanning vectorized with WebAssembly SIMD, 29-bit limbs, a dedicated squaring), with the same
 * fixed-window schedule as the bigint code of modp.ts; and base^exp for a fixed base (the MODP generator)
 * by a Lim–Lee comb whose table stays in the module's memory ({@link wasmPowFixed}).
 *
 * Why: V8's bigint pays an allocation and a long division for every modular multiplication; the
 * Montgomery multiplier does neither (bench/crypto.ts prints both against OpenSSL). Why hand-written:
 * the multiplier is ~490 lines of WAT, compiled by scripts/gen-wasm.ts into a committed constant, so the
 * extension carries 3.4 kB instead of a library, and the loops can be read against the paper. Why SIMD:
 * WebAssembly has no 64×64→128-bit multiply; i64x2.extmul gives two 32×32→64-bit products per
 * instruction (docs/decisions.md). Every target runs it (Chromium 91+, Firefox 89+, Node 16+); an engine
 * without SIMD fails to compile the module and gets bigint, like one without WebAssembly.
 *
 * Availability: WebAssembly needs 'wasm-unsafe-eval' in an MV3 extension's CSP (manifest.json). Where
 * compiling or instantiating fails (no WebAssembly, a CSP without it), {@link wasmModPow} returns
 * undefined and modp.ts falls back to bigint; the results are identical (test/crypto/montgomery.test.ts).
 *
 * Timing: the multiplier's instruction sequence and memory addresses depend only on the limb count; the
 * window digit and the comb's column pick their table entry by the module's `select`, which reads every
 * entry of the (window's or comb block's) table; exponents are processed at their full declared bit length.
 * Measured on the development machine (bench/crypto.ts, CPU time): MODP-2048 / 4096 variable base 3.7–3.9 /
 * 27–28 ms (1.86–1.93× OpenSSL), fixed base 0.95 / 5.9–6.8 ms (0.5× OpenSSL); sqr 1.3 / 4.9 µs, mul 1.7 /
 * 6.2 µs, select of 64 entries 0.7 / 1.2 µs. The conversions in and out (bigint ↔ limbs) are not
 * constant-time, as for the bigint code. Wasm memory holding intermediate values is zeroed after each
 * exponentiation; the comb tables (powers of the public generator) stay.
 */
import { MONTGOMERY_WASM_BASE64 } from './wasm/montgomery-bytes.ts';

interface MontgomeryExports {
  readonly memory: WebAssembly.Memory;
  setup(p: number, t: number, n: number, k: number, pinv: number, g: number): void;
  mul(out: number, a: number, b: number): void;
  sqr(out: number, a: number): void;
  select(out: number, table: number, count: number, idx: number): void;
}

/** Moduli above this many bits use bigint (the module's memory is sized for tables up to here). */
export const WASM_MAX_BITS = 8192;
const WINDOW = 5;
const ENTRIES = 1 << WINDOW;

let instance: MontgomeryExports | null | undefined;
let disabled = false;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function load(): MontgomeryExports | null {
  if (disabled) return null;
  if (instance !== undefined) return instance;
  try {
    if (typeof WebAssembly !== 'object') throw new Error('no WebAssembly');
    const module = new WebAssembly.Module(decodeBase64(MONTGOMERY_WASM_BASE64));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as MontgomeryExports;
  } catch {
    instance = null; // e.g. a CSP without 'wasm-unsafe-eval': bigint it is
  }
  return instance;
}

/** True when the WebAssembly multiplier is usable here (compiles it on first call). */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/** For tests and benchmarks: force the bigint fallback (true) or allow WebAssembly again (false). */
export function disableWasm(off: boolean): void {
  disabled = off;
}

/** Limb layout and constants for one modulus. */
interface Modulus {
  readonly m: bigint;
  /** Limbs. */
  readonly n: number;
  /** Bits per limb. */
  readonly k: number;
  /** Rows between normalisations of the accumulator, 0 for none ({@link limbLayout}). */
  readonly g: number;
  /** −m^−1 mod 2^k. */
  readonly pinv: number;
  readonly mLimbs: Uint32Array;
  /** R^2 mod m, R = 2^(k·n). */
  readonly r2Limbs: Uint32Array;
}

/** Bits per limb. */
const K = 29;

/**
 * k = 29-bit limbs, n of them with R = 2^(k·n) > 4m (n = ceil((bits + 2) / k)), and g: how many rows the
 * multiplier may add to its accumulator between two normalisations (see the .wat). A row adds at most
 * two products below (2^k − 1)^2 to a position, which holds below 2^k + 2^(64−k) after a normalisation
 * and receives a few carries below 2^(64−k): g is the largest even count with
 * 2g·(2^k − 1)^2 + 2^k + 3·2^(64−k) < 2^64 (30), or 0 when all 2n products fit without one (n <= 31).
 */
export function limbLayout(bits: number): { k: number; n: number; g: number } {
  const n = Math.ceil((bits + 2) / K);
  const fits = (products: number): boolean =>
    BigInt(products) * ((1n << BigInt(K)) - 1n) ** 2n + (1n << BigInt(K)) + 3n * (1n << BigInt(64 - K)) < 1n << 64n;
  if (fits(2 * n)) return { k: K, n, g: 0 };
  let g = 2;
  while (fits(2 * (g + 3))) g += 2;
  return { k: K, n, g };
}

/** x (0 <= x < 2^(k·n)) as n little-endian k-bit limbs. */
export function toLimbs(x: bigint, n: number, k: number, out: Uint32Array = new Uint32Array(n), at = 0): Uint32Array {
  const hex = x.toString(16);
  const mask = (1 << k) - 1;
  let buf = 0;
  let bits = 0;
  let w = 0;
  for (let i = hex.length - 1; i >= 0; i--) {
    buf |= parseInt(hex[i]!, 16) << bits;
    bits += 4;
    if (bits >= k) {
      if (w >= n) throw new RangeError('toLimbs: value too large');
      out[at + w++] = buf & mask;
      buf >>>= k;
      bits -= k;
    }
  }
  if (buf !== 0) {
    if (w >= n) throw new RangeError('toLimbs: value too large');
    out[at + w++] = buf;
  }
  while (w < n) out[at + w++] = 0;
  return out;
}

/** The value of n little-endian k-bit limbs. */
export function fromLimbs(limbs: Uint32Array, n: number, k: number, at = 0): bigint {
  const nibbles: string[] = [];
  let buf = 0;
  let bits = 0;
  for (let w = 0; w < n; w++) {
    buf |= limbs[at + w]! << bits; // bits < 4, limb < 2^29: below 2^32 (bit 31 may be set; >>> reads it unsigned)
    bits += k;
    while (bits >= 4) {
      nibbles.push((buf & 15).toString(16));
      buf >>>= 4;
      bits -= 4;
    }
  }
  if (bits > 0) nibbles.push((buf & 15).toString(16));
  return BigInt('0x0' + nibbles.reverse().join(''));
}

/** −x^−1 mod 2^k for odd x (Newton's iteration mod 2^32). */
function negInverse(x: number, k: number): number {
  let inv = x; // correct to 3 bits for odd x
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(x, inv));
  return (0 - inv) & ((1 << k) - 1);
}

/** 2^WASM_MAX_BITS: moduli from here on are declined. */
const WASM_LIMIT = 1n << BigInt(WASM_MAX_BITS);

const moduli = new Map<bigint, Modulus>();
const MAX_CACHED = 8;

function modulusOf(m: bigint): Modulus {
  let mod = moduli.get(m);
  if (mod) return mod;
  const bits = m.toString(2).length;
  const { k, n, g } = limbLayout(bits);
  const mLimbs = toLimbs(m, n, k);
  mod = {
    m,
    n,
    k,
    g,
    pinv: negInverse(mLimbs[0]!, k),
    mLimbs,
    r2Limbs: toLimbs((1n << BigInt(2 * k * n)) % m, n, k),
  };
  if (moduli.size >= MAX_CACHED) moduli.delete(moduli.keys().next().value!);
  moduli.set(m, mod);
  return mod;
}

/**
 * The byte offsets of one modulus's working set, from 0: m, R^2, one, base, accumulator, selected entry, a
 * window table of {@link ENTRIES} numbers, then t (2np + 8 i64). Below {@link REGION} for every modulus up
 * to {@link WASM_MAX_BITS} bits; the comb tables of fixed bases live above it.
 */
interface Layout {
  readonly E: number;
  readonly P: number;
  readonly R2: number;
  readonly ONE: number;
  readonly X: number;
  readonly ACC: number;
  readonly T: number;
  readonly TABLE: number;
  readonly SCRATCH: number;
  readonly end: number;
}

/** Bytes reserved at the start of the memory for {@link Layout} (49 664 bytes at WASM_MAX_BITS). */
const REGION = 65536;

function layoutOf(mod: Modulus): Layout {
  const np = (mod.n + 3) & ~3;
  const E = 4 * (np + 4); // bytes per number: n limbs, then zero words (see the .wat)
  const TABLE = 6 * E;
  // t at a multiple of 4096 bytes (p is at 0): with t's offset mod 4096 just below p's, the loads of p in
  // sqr's and mul's rows meet stores to t at the same 4 KiB offset, and sqr measured up to 15% slower.
  const SCRATCH = Math.ceil((TABLE + ENTRIES * E) / 4096) * 4096;
  const end = SCRATCH + 8 * (2 * np + 8);
  return { E, P: 0, R2: E, ONE: 2 * E, X: 3 * E, ACC: 4 * E, T: 5 * E, TABLE, SCRATCH, end };
}

/** Grow the memory to `bytes` if needed; a view of all of it (a grown memory detaches older views). */
function memoryOf(wasm: MontgomeryExports, bytes: number): Uint32Array {
  const have = wasm.memory.buffer.byteLength;
  if (have < bytes) wasm.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Uint32Array(wasm.memory.buffer);
}

/** Zero the working set, load m, R^2 and 1 and point the module at them. */
function begin(wasm: MontgomeryExports, mod: Modulus, L: Layout, mem: Uint32Array): void {
  mem.fill(0, 0, L.end / 4);
  mem.set(mod.mLimbs, L.P / 4);
  mem.set(mod.r2Limbs, L.R2 / 4);
  mem[L.ONE / 4] = 1;
  wasm.setup(L.P, L.SCRATCH, mod.n, mod.k, mod.pinv, mod.g);
}

/** ACC out of Montgomery form as a bigint in [0, m); then the working set above R^2 and 1 is zeroed. */
function finish(wasm: MontgomeryExports, mod: Modulus, L: Layout, mem: Uint32Array): bigint {
  wasm.mul(L.ACC, L.ACC, L.ONE); // a value in [0, m]
  const result = fromLimbs(mem, mod.n, mod.k, L.ACC / 4);
  mem.fill(0, L.X / 4, L.end / 4);
  return result >= mod.m ? result - mod.m : result;
}

/**
 * base^exp mod m by WebAssembly Montgomery multiplication and a fixed window of 5 bits over exactly
 * `expBits` bits of the exponent; undefined when WebAssembly is unavailable, m is even or above
 * {@link WASM_MAX_BITS} bits (the caller then uses bigint). The caller checks m > 1 and 0 <= exp < 2^expBits.
 */
export function wasmModPow(base: bigint, exp: bigint, m: bigint, expBits: number): bigint | undefined {
  if ((m & 1n) === 0n || m >= WASM_LIMIT) return undefined;
  const wasm = load();
  if (!wasm) return undefined;
  const mod = modulusOf(m);
  const L = layoutOf(mod);
  const { E, R2, ONE, X, ACC, T, TABLE } = L;
  const mem = memoryOf(wasm, REGION);
  begin(wasm, mod, L, mem);
  const b = base >= 0n && base < m ? base : ((base % m) + m) % m;
  toLimbs(b, mod.n, mod.k, mem, X / 4);

  // table[i] = base^i in Montgomery form (x·R mod m, below 2m)
  wasm.mul(TABLE, R2, ONE); // R mod m: the Montgomery form of 1
  wasm.mul(TABLE + E, X, R2);
  for (let i = 2; i < ENTRIES; i++) wasm.mul(TABLE + i * E, TABLE + (i - 1) * E, TABLE + E);

  const windows = Math.ceil(expBits / WINDOW);
  const digits = exponentDigits(exp, windows);
  wasm.select(ACC, TABLE, ENTRIES, digits[windows - 1]!);
  for (let w = windows - 2; w >= 0; w--) {
    for (let s = 0; s < WINDOW; s++) wasm.sqr(ACC, ACC);
    wasm.select(T, TABLE, ENTRIES, digits[w]!);
    wasm.mul(ACC, ACC, T);
  }
  digits.fill(0);
  return finish(wasm, mod, L, mem);
}

/**
 * Lim–Lee comb parameters of {@link wasmPowFixed}: h rows, v blocks of 2^h entries. Every multiplication
 * of the comb pays a constant-time lookup reading all 2^h entries of its block, which is what limits h
 * (modp.ts's bigint comb, indexing directly, takes h = 8): see modp.ts's header for the measurements.
 */
export const WASM_COMB = Object.freeze({ h: 6, v: 8 });

/** A comb table in WebAssembly memory: block j's entry idx at offset + (j·2^h + idx)·E. */
interface WasmComb {
  readonly base: bigint;
  readonly mod: Modulus;
  readonly bits: number;
  readonly a: number;
  readonly b: number;
  readonly offset: number;
}

/** The combs built so far, per modulus. */
const wasmCombs = new Map<bigint, WasmComb[]>();
/** First free byte above the comb tables built so far. */
let combTop = REGION;
/**
 * Memory the comb tables may take in all: MODP-2048 and MODP-4096 need 160 KiB and 312 KiB (512 entries of
 * 320 / 624 bytes); beyond this, {@link wasmPowFixed} declines and the caller uses bigint.
 */
const COMB_MEMORY = 4 << 20;

function buildWasmComb(wasm: MontgomeryExports, base: bigint, m: bigint, bits: number): WasmComb | undefined {
  const mod = modulusOf(m);
  const L = layoutOf(mod);
  const { h, v } = WASM_COMB;
  const a = Math.ceil(bits / h);
  const b = Math.ceil(a / v);
  const offset = combTop;
  const size = v * (1 << h) * L.E;
  if (offset + size - REGION > COMB_MEMORY) return undefined;
  const mem = memoryOf(wasm, offset + size);
  begin(wasm, mod, L, mem);
  toLimbs(((base % m) + m) % m, mod.n, mod.k, mem, L.X / 4);
  // base^(2^k) for k = i·a + j·b into block j's entry 2^i, by one chain of squarings in increasing k
  const at = (j: number, idx: number): number => offset + (j * (1 << h) + idx) * L.E;
  const slots: [number, number][] = [];
  for (let i = 0; i < h; i++) for (let j = 0; j < v; j++) slots.push([i * a + j * b, at(j, 1 << i)]);
  slots.sort((s1, s2) => s1[0] - s2[0]);
  wasm.mul(L.ACC, L.X, L.R2);
  let k = 0;
  for (const [pos, slot] of slots) {
    for (; k < pos; k++) wasm.sqr(L.ACC, L.ACC);
    mem.copyWithin(slot / 4, L.ACC / 4, (L.ACC + L.E) / 4);
  }
  for (let j = 0; j < v; j++) {
    wasm.mul(at(j, 0), L.R2, L.ONE); // R mod m: the Montgomery form of 1
    for (let idx = 1; idx < 1 << h; idx++) {
      const low = idx & -idx;
      if (idx !== low) wasm.mul(at(j, idx), at(j, idx ^ low), at(j, low));
    }
  }
  mem.fill(0, L.X / 4, L.end / 4);
  combTop = offset + size;
  return { base, mod, bits, a, b, offset };
}

/**
 * base^exp mod m for a fixed base (a MODP generator) by a Lim–Lee comb of {@link WASM_COMB} over
 * WebAssembly Montgomery multiplication: ceil(a / v) − 1 squarings and v·ceil(a / v) multiplications for
 * a = ceil(bits / h), each multiplication's entry picked by `select`, which reads all 2^h entries of the
 * block. The table is built on first use per (base, m) and kept. For 0 <= exp < 2^bits, odd m; undefined
 * where {@link wasmModPow} would be (the caller then uses its bigint comb).
 */
export function wasmPowFixed(base: bigint, exp: bigint, m: bigint, bits: number): bigint | undefined {
  if ((m & 1n) === 0n || m >= WASM_LIMIT) return undefined;
  const wasm = load();
  if (!wasm) return undefined;
  let combs = wasmCombs.get(m);
  if (!combs) wasmCombs.set(m, (combs = []));
  let comb = combs.find((c) => c.base === base && c.bits === bits);
  if (!comb) {
    comb = buildWasmComb(wasm, base, m, bits);
    if (!comb) return undefined;
    combs.push(comb);
  }
  const { mod, a, b, offset } = comb;
  const { h, v } = WASM_COMB;
  const L = layoutOf(mod);
  const mem = memoryOf(wasm, combTop);
  begin(wasm, mod, L, mem);
  const e = exponentBits(exp, a * h);
  const blockBytes = (1 << h) * L.E;
  const column = (c: number): number => {
    let idx = 0;
    if (c < a) for (let row = 0; row < h; row++) idx |= e[row * a + c]! << row;
    return idx;
  };
  wasm.select(L.ACC, offset + (v - 1) * blockBytes, 1 << h, column((v - 1) * b + b - 1));
  for (let j = v - 2; j >= 0; j--) {
    wasm.select(L.T, offset + j * blockBytes, 1 << h, column(j * b + b - 1));
    wasm.mul(L.ACC, L.ACC, L.T);
  }
  for (let col = b - 2; col >= 0; col--) {
    wasm.sqr(L.ACC, L.ACC);
    for (let j = v - 1; j >= 0; j--) {
      wasm.select(L.T, offset + j * blockBytes, 1 << h, column(j * b + col));
      wasm.mul(L.ACC, L.ACC, L.T);
    }
  }
  e.fill(0);
  return finish(wasm, mod, L, mem);
}

/** The exponent's bits, least significant first, exactly `count` of them (0 beyond its length). */
function exponentBits(exp: bigint, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const hex = exp.toString(16);
  for (let i = hex.length - 1, j = 0; i >= 0 && j < count; i--) {
    const nibble = parseInt(hex[i]!, 16);
    for (let bit = 0; bit < 4 && j < count; bit++, j++) out[j] = (nibble >> bit) & 1;
  }
  return out;
}

/** The exponent's base-2^WINDOW digits, least significant first, exactly `windows` of them. */
function exponentDigits(exp: bigint, windows: number): Uint8Array {
  const digits = new Uint8Array(windows);
  const hex = exp.toString(16);
  let buf = 0;
  let bits = 0;
  let d = 0;
  for (let i = hex.length - 1; i >= 0 && d < windows; i--) {
    buf |= parseInt(hex[i]!, 16) << bits;
    bits += 4;
    while (bits >= WINDOW && d < windows) {
      digits[d++] = buf & (ENTRIES - 1);
      buf >>>= WINDOW;
      bits -= WINDOW;
    }
  }
  if (d < windows) digits[d] = buf;
  return digits;
}
