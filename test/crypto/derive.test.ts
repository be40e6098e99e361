/**
 * pi and J(pi) (RFC 8120 §12.2, RFC 8121 §3.2/§3.3): both PBKDF2 backends give the same octets, the
 * fallback without WebCrypto works, and the arguments are checked.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi as spy } from 'vitest';
import { bytesToHex, utf8 } from '../../src/bytes.ts';
import { MutualError } from '../../src/errors.ts';
import { getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { derivePi, pbkdf2Noble, pbkdf2WebCrypto, verifierJ } from '../../src/crypto/derive.ts';
import { fixture } from './fixture.ts';

describe('PBKDF2 backends', () => {
  it('WebCrypto and @noble/hashes agree (few iterations, random inputs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('SHA-256', 'SHA-512') as fc.Arbitrary<'SHA-256' | 'SHA-512'>,
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 1, max: 40 }),
        async (hash, password, salt, iterations) => {
          const len = hash === 'SHA-256' ? 32 : 64;
          expect(await pbkdf2WebCrypto(hash, password, salt, iterations, len)).toEqual(
            await pbkdf2Noble(hash, password, salt, iterations, len),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  describe('without crypto.subtle (insecure-context pages, other runtimes)', () => {
    afterEach(() => {
      spy.unstubAllGlobals();
    });

    it('derivePi falls back to @noble/hashes with the same result', async () => {
      const v = fixture.kam3.find((x) => x.algorithm === 'iso-kam3-ec-p256-sha256')!;
      spy.stubGlobal('crypto', { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) });
      expect(globalThis.crypto.subtle).toBeUndefined();
      const pi = await derivePi({ algorithm: v.algorithm, authScope: v.auth_scope, realm: v.realm, username: v.username, password: v.password });
      expect(bytesToHex(pi)).toBe(v.pi);
    });
  });
});

describe('derivePi arguments', () => {
  it('needs the canonical algorithm token (it is part of the salt)', async () => {
    const input = { authScope: 'a', realm: 'r', username: 'u', password: 'p' };
    await expect(derivePi({ ...input, algorithm: 'ISO-KAM3-EC-P256-SHA256' as AlgorithmName })).rejects.toMatchObject({
      code: 'ERR_MUTUAL_ARGUMENT',
    });
    await expect(derivePi({ ...input, algorithm: 'digest' as AlgorithmName })).rejects.toBeInstanceOf(MutualError);
  });

  it('an empty password still derives (string preparation rejects it elsewhere)', async () => {
    const pi = await derivePi({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'a', realm: 'r', username: 'u', password: '' });
    expect(pi.length).toBe(32);
  });
});

describe('verifierJ arguments', () => {
  it('needs pi of hSize/8 octets', () => {
    const alg = getAlgorithm('iso-kam3-ec-p521-sha512')!;
    expect(() => verifierJ(alg, new Uint8Array(32))).toThrow(/expected 64 octets for pi, got 32/);
    expect(verifierJ(alg, utf8('x'.repeat(64))).length).toBe(66);
  });

  it('pi ≡ 0 mod r has no EC verifier (0_E has no P())', () => {
    const alg = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    expect(() => verifierJ(alg, new Uint8Array(32))).toThrow(MutualError);
  });
});
