/**
 * HTTPS support for the server: the `vh` of `validation=tls-server-end-point` (RFC 8120 §7, RFC 5929 §4.1)
 * computed from the server's own certificate, and a throwaway self-signed certificate for the demo
 * (generated with the `openssl` command, so the project needs no X.509 dependency).
 */
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlsServerEndPoint } from '../crypto/tls-server-end-point.ts';
import { fail, ok, type Result } from '../errors.ts';

/**
 * vh for validation=tls-server-end-point: the RFC 5929 §4.1 hash of the server's DER certificate (the one
 * implementation in crypto/tls-server-end-point.ts, shared with the clients), from DER or PEM.
 */
export function tlsServerEndPointVh(certificate: Uint8Array | string): Result<Uint8Array> {
  let der: Uint8Array;
  if (typeof certificate === 'string') {
    const leaf = leafCertificatePem(certificate);
    if (leaf === undefined) return fail('ERR_MUTUAL_ARGUMENT', 'tls-server-end-point: no PEM certificate found');
    try {
      der = new Uint8Array(new X509Certificate(leaf).raw);
    } catch {
      return fail('ERR_MUTUAL_ARGUMENT', 'tls-server-end-point: the certificate PEM cannot be read');
    }
  } else {
    der = certificate;
  }
  return tlsServerEndPoint(der);
}

/** The first (leaf) certificate of a PEM chain, as PEM. */
export function leafCertificatePem(pem: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  return m?.[0];
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

export interface SelfSigned {
  certPem: string;
  keyPem: string;
}

/**
 * A throwaway self-signed ECDSA P-256 / SHA-256 certificate for `hosts` (DNS names or IP addresses), valid
 * for a few days, made by the `openssl` command line tool.
 */
export async function generateSelfSigned(hosts: readonly string[], options: { digest?: string } = {}): Promise<Result<SelfSigned>> {
  const names = hosts.length > 0 ? hosts : ['localhost'];
  for (const h of names) {
    if (!/^[A-Za-z0-9.:-]+$/.test(h)) return fail('ERR_MUTUAL_ARGUMENT', `cannot put ${JSON.stringify(h)} in a certificate`);
  }
  const san = names
    .map((h) => (/^[0-9.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`))
    .join(',');
  const dir = await mkdtemp(join(tmpdir(), 'mutual-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const r = await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '7', `-${options.digest ?? 'sha256'}`,
      '-subj', `/CN=${names[0]!}`, '-addext', `subjectAltName=${san}`,
    ]);
    if (r.code !== 0) {
      return fail('ERR_MUTUAL_UNSUPPORTED', `openssl could not make a certificate (is it installed?): ${r.stderr.trim().slice(0, 300)}`);
    }
    return ok({ certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') });
  } catch (e) {
    return fail('ERR_MUTUAL_UNSUPPORTED', `openssl could not make a certificate: ${String(e).slice(0, 300)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
