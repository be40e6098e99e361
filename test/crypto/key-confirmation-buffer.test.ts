/**
 * verify.ts's shared message buffer (computeVkcVks), held to the RFC 8120 §12.2 formula written out
 * independently (octet | K_c1 | K_s1 | z | VI(nc) | VS(vh) as separate parts), at every
 * message length around the shared buffer's size, with the server's node:crypto hash; outputs never alias
 * the buffer or each other, a later call does not change earlier results, and the buffer holds no z after —
 * also when laying out the message fails half-way, or when the hash calls computeVkcVks itself.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, hashParts, type Algorithm } from '../../src/crypto/algorithms.ts';
import { octet, vi, vs } from '../../src/crypto/encoding.ts';
import { computeVkc, computeVkcVks, computeVks, type OneHash } from '../../src/crypto/verify.ts';
import { nativeOneHash } from '../../src/server/native-backend.ts';

const SHARED = 1024; // verify.ts SCRATCH length
const keysOf = (alg: Algorithm) => ({ K_c1: new Uint8Array(randomBytes(alg.elementLength)), K_s1: new Uint8Array(randomBytes(alg.elementLength)), z: new Uint8Array(randomBytes(alg.elementLength)) });
const reference = (alg: Algorithm, tag: 3 | 4, v: { K_c1: Uint8Array; K_s1: Uint8Array; z: Uint8Array; nc: number; vh: Uint8Array }) =>
  bytesToHex(hashParts(alg, [octet(tag), v.K_c1, v.K_s1, v.z, vi(v.nc), vs(v.vh)]));

describe('computeVkcVks shared buffer', () => {
  it.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s: the formula at every length around the shared buffer, node:crypto hash', (name) => {
    const alg = getAlgorithm(name)!;
    const keys = keysOf(alg);
    const fixed = 1 + 3 * alg.elementLength;
    for (const nc of [0, 200, 2 ** 40]) {
      const over = fixed + vi(nc).length;
      // vh lengths whose message is SHARED-3 .. SHARED+3 octets (where reachable), plus 0.
      const lens = [0, ...Array.from({ length: 9 }, (_, k) => SHARED - over - 2 - 4 + k).filter((l) => l >= 0)];
      for (const len of lens) {
        const v = { ...keys, nc, vh: new Uint8Array(randomBytes(len)) };
        const seen: Uint8Array[] = [];
        const spy: OneHash = (a, m) => (seen.push(m), nativeOneHash(a, m));
        const both = computeVkcVks(alg, v, spy);
        expect(bytesToHex(both.vkc), `len ${len}`).toBe(reference(alg, 4, v));
        expect(bytesToHex(both.vks), `len ${len}`).toBe(reference(alg, 3, v));
        expect(bytesToHex(computeVkc(alg, v))).toBe(reference(alg, 4, v));
        expect(bytesToHex(computeVks(alg, v))).toBe(reference(alg, 3, v));
        expect(seen[0]!.every((b) => b === 0)).toBe(true);
        expect(both.vkc.buffer).not.toBe(seen[0]!.buffer);
        expect(both.vks.buffer).not.toBe(seen[0]!.buffer);
        expect(both.vkc.buffer === both.vks.buffer && both.vkc.byteOffset === both.vks.byteOffset).toBe(false);
      }
    }
  });

  it('a later call leaves earlier results and its own inputs unchanged; the whole shared buffer is zero after', () => {
    const alg = getAlgorithm('iso-kam3-dl-2048-sha256')!;
    const a = { ...keysOf(alg), nc: 1, vh: new Uint8Array(randomBytes(100)) };
    const aCopy = { K_c1: a.K_c1.slice(), K_s1: a.K_s1.slice(), z: a.z.slice(), vh: a.vh.slice() };
    let shared: Uint8Array | undefined;
    const first = computeVkcVks(alg, a, (x, m) => ((shared = new Uint8Array(m.buffer, 0, m.buffer.byteLength)), nativeOneHash(x, m)));
    const firstHex = [bytesToHex(first.vkc), bytesToHex(first.vks)];
    expect(shared!.length).toBe(SHARED);
    const b = { ...keysOf(alg), nc: 2, vh: new Uint8Array(randomBytes(200)) };
    computeVkcVks(alg, b, nativeOneHash);
    expect([bytesToHex(first.vkc), bytesToHex(first.vks)]).toEqual(firstHex);
    expect([a.K_c1, a.K_s1, a.z, a.vh].map(bytesToHex)).toEqual([aCopy.K_c1, aCopy.K_s1, aCopy.z, aCopy.vh].map(bytesToHex));
    expect(shared!.every((x) => x === 0)).toBe(true);
  });

  it('a layout that fails half-way leaves no z in the shared buffer', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const keys = keysOf(alg);
    let shared: Uint8Array | undefined;
    computeVkcVks(alg, { ...keys, nc: 1, vh: new Uint8Array(1) }, (a, m) => ((shared = new Uint8Array(m.buffer, m.byteOffset, SHARED)), hashParts(a, [m])));
    // A vh whose length changes between reads: the message is sized for 4 octets, then set() is asked for 5000
    // after z is already written.
    let reads = 0;
    const shifty = new Proxy(new Uint8Array(4), {
      get(t, p) {
        if (p === 'length') return reads++ < 2 ? 4 : 5000;
        const v = Reflect.get(t, p) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    expect(() => computeVkcVks(alg, { ...keys, nc: 1, vh: shifty }, (a, m) => hashParts(a, [m]))).toThrow();
    expect(bytesToHex(shared!)).not.toContain(bytesToHex(keys.z));
    expect(shared!.every((b) => b === 0)).toBe(true);
  });

  it('a hash that calls computeVkcVks again does not disturb the outer values', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const v = { ...keysOf(alg), nc: 1, vh: new Uint8Array(10) };
    let depth = 0;
    const r = computeVkcVks(alg, v, (a, m) => {
      if (depth++ === 0) computeVkcVks(alg, { ...v, z: keysOf(alg).z }, (a2, m2) => hashParts(a2, [m2]));
      return hashParts(a, [m]);
    });
    expect(bytesToHex(r.vkc)).toBe(bytesToHex(computeVkc(alg, v)));
    expect(bytesToHex(r.vks)).toBe(bytesToHex(computeVks(alg, v)));
  });

  it('refuses a vh that is not octets (a string from an untyped caller) with a typed error', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const v = { ...keysOf(alg), nc: 1, vh: 'https://example.com:443' as unknown as Uint8Array };
    expect(() => computeVkcVks(alg, v, (a, m) => hashParts(a, [m]))).toThrow(/octets of vh/);
    expect(() => computeVkc(alg, v)).toThrow(/octets of vh/);
  });
});
