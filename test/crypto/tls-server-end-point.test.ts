import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tlsServerEndPoint } from '../../src/crypto/tls-server-end-point.ts';
import { bytesToHex } from '../../src/bytes.ts';

/** Make a self-signed certificate with openssl and return its DER. */
function makeCert(keyArgs: string[], digest: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'tse-'));
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
    '-subj', '/CN=127.0.0.1', '-days', '2', `-${digest}`], { stdio: 'ignore' });
  return new Uint8Array(new X509Certificate(readFileSync(join(dir, 'c.pem'))).raw);
}

describe('RFC 5929 §4.1 tls-server-end-point', () => {
  const cases: Array<[string, string[], string, string]> = [
    ['ECDSA P-256 / SHA-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], 'sha256', 'sha256'],
    ['ECDSA P-384 / SHA-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'], 'sha384', 'sha384'],
    ['RSA / SHA-512', ['-newkey', 'rsa:2048'], 'sha512', 'sha512'],
    ['RSA / SHA-224 keeps SHA-224', ['-newkey', 'rsa:2048'], 'sha224', 'sha224'],
    ['RSA / SHA-1 is hashed with SHA-256', ['-newkey', 'rsa:2048'], 'sha1', 'sha256'],
  ];
  for (const [name, keyArgs, digest, expectedHash] of cases) {
    it(name, () => {
      let der: Uint8Array;
      try {
        der = makeCert(keyArgs, digest);
      } catch {
        // SHA-1 signatures may be refused by the local OpenSSL security level; the others must work.
        if (digest === 'sha1') return;
        throw new Error('openssl failed');
      }
      const r = tlsServerEndPoint(der);
      expect(r.ok).toBe(true);
      if (r.ok) expect(bytesToHex(r.value)).toBe(createHash(expectedHash).update(der).digest('hex'));
    });
  }

  it('rejects garbage and Ed25519 (undefined binding) without throwing', () => {
    expect(tlsServerEndPoint(new Uint8Array([1, 2, 3])).ok).toBe(false);
    expect(tlsServerEndPoint(new Uint8Array(0)).ok).toBe(false);
    const ed = makeCert(['-newkey', 'ed25519'], 'sha256');
    const r = tlsServerEndPoint(ed);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_UNSUPPORTED');
  });
});
