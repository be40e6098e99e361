/**
 * The algorithm table (RFC 8121 §3, appendix B), random secrets (RFC 8121 §3.2/§3.3 ranges) and the
 * argument checks of the KAM3 facade.
 */
import { describe, expect, it } from 'vitest';
import { webRandom, type RandomSource } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm } from '../../src/crypto/algorithms.ts';
import { clientKc1, clientZ, randomSecret, serverKs1 } from '../../src/crypto/kam3.ts';

describe('getAlgorithm', () => {
  it('matches tokens ASCII-case-insensitively', () => {
    for (const name of ALGORITHM_NAMES) {
      expect(getAlgorithm(name)?.name).toBe(name);
      expect(getAlgorithm(name.toUpperCase())?.name).toBe(name);
    }
    expect(getAlgorithm('Iso-Kam3-Ec-P256-Sha256')?.name).toBe('iso-kam3-ec-p256-sha256');
  });

  it('knows nothing else', () => {
    for (const s of ['', 'iso-kam3-dl-1024-sha1', 'iso-kam3-ec-p256-sha256 ', '__proto__', 'constructor', 'iso-\u212aam3-ec-p256-sha256']) {
      expect(getAlgorithm(s)).toBeUndefined();
    }
  });

  it('has the parameters of RFC 8121 appendix B', () => {
    const table = ALGORITHM_NAMES.map((n) => {
      const a = getAlgorithm(n)!;
      return [a.kind, a.hash, a.hashLength, a.elementLength, a.wire, a.elementWireLength, a.hashWireLength, a.minSecret, a.order.toString(2).length];
    });
    expect(table).toEqual([
      ['dl', 'SHA-256', 32, 256, 'base64', 344, 44, 2048n, 2047],
      ['dl', 'SHA-512', 64, 512, 'base64', 684, 88, 4096n, 4095],
      ['ec', 'SHA-256', 32, 33, 'hex', 66, 64, 1n, 256],
      ['ec', 'SHA-512', 64, 66, 'hex', 132, 128, 1n, 521],
    ]);
  });
});

/** A random source replaying fixed octets. */
const replay = (...draws: number[][]): RandomSource => {
  let i = 0;
  return (n) => {
    const d = draws[Math.min(i++, draws.length - 1)]!;
    return Uint8Array.from({ length: n }, (_, k) => d[k % d.length]!);
  };
};

describe('randomSecret', () => {
  it.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s: in [minSecret, r-1]', (name) => {
    const alg = getAlgorithm(name)!;
    for (let i = 0; i < 50; i++) {
      const s = randomSecret(alg, webRandom);
      expect(s >= alg.minSecret && s < alg.order).toBe(true);
    }
  });

  it('rejects draws below minSecret or at/above r and retries', () => {
    const alg = getAlgorithm('iso-kam3-dl-2048-sha256')!;
    // all-zero (below 2048), all-ones (masked to 2^2047-1 > r), then 0x01 01 ... (in range)
    expect(randomSecret(alg, replay([0], [0xff], [1]))).toBe(BigInt('0x' + '01'.repeat(256)));
  });

  it('gives up on a broken source', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    expect(() => randomSecret(alg, replay([0]))).toThrow(/random source/);
    expect(() => randomSecret(alg, () => new Uint8Array(3))).toThrow(/random source returned 3 octets/);
  });
});

describe('argument checks of the KAM3 facade', () => {
  it.each(ALGORITHM_NAMES.map((n) => [n] as const))('%s: secrets out of range, wrong lengths', (name) => {
    const alg = getAlgorithm(name)!;
    const S = randomSecret(alg, webRandom);
    const K = clientKc1(alg, S);
    const argument = { code: 'ERR_MUTUAL_ARGUMENT' };
    for (const bad of [0n, alg.minSecret - 1n, alg.order, -1n]) {
      expect(() => clientKc1(alg, bad)).toThrow(expect.objectContaining(argument));
      expect(() => clientZ(alg, { S_c1: bad, K_c1: K, K_s1: K, pi: new Uint8Array(alg.hashLength) })).toThrow(expect.objectContaining(argument));
    }
    expect(() => serverKs1(alg, { K_c1: K, J: K, S_s1: 0n })).toThrow(expect.objectContaining(argument));
    expect(() => serverKs1(alg, { K_c1: K, J: K.subarray(1), S_s1: S })).toThrow(expect.objectContaining(argument));
    expect(() => clientZ(alg, { S_c1: S, K_c1: K, K_s1: K, pi: new Uint8Array(alg.hashLength + 1) })).toThrow(expect.objectContaining(argument));
    expect(() => clientZ(alg, { S_c1: S, K_c1: K.subarray(1), K_s1: K, pi: new Uint8Array(alg.hashLength) })).toThrow(expect.objectContaining(argument));
  });

  it('an invalid stored J throws (a broken verifier database, not a hostile client)', () => {
    const dl = getAlgorithm('iso-kam3-dl-2048-sha256')!;
    const K = clientKc1(dl, randomSecret(dl, webRandom));
    expect(() => serverKs1(dl, { K_c1: K, J: new Uint8Array(256), S_s1: 5n })).toThrow(/stored verifier is invalid/);
    const ec = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const Ke = clientKc1(ec, 7n);
    expect(() => serverKs1(ec, { K_c1: Ke, J: new Uint8Array(33).fill(0xff), S_s1: 5n })).toThrow(/stored verifier is invalid/);
  });

  it('S_s1 may be as small as 1 (RFC 8121: [1, r-1]); S_c1 not below minSecret for DL', () => {
    const dl = getAlgorithm('iso-kam3-dl-2048-sha256')!;
    const K = clientKc1(dl, 2048n);
    expect(serverKs1(dl, { K_c1: K, J: K, S_s1: 1n }).ok).toBe(true);
    expect(() => clientKc1(dl, 2047n)).toThrow(/S_c1/);
  });
});
