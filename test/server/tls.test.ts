/** HTTPS: validation=tls-server-end-point with vh = RFC 5929 §4.1 hash of the server's own certificate. */
import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned, tlsServerEndPointVh } from '../../src/server/tls.ts';
import type { ProtectedArea } from '../../src/server/handler.ts';
import { startServer, type TestServer } from './harness.ts';
import { get, login, mutualParams, rawVfy, reasonOf, request, type Session } from './test-client.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

const AREAS: ProtectedArea[] = [
  { path: '/p256/', realm: 'tls-p256', algorithm: 'iso-kam3-ec-p256-sha256' },
  { path: '/dl2048/', realm: 'tls-dl2048', algorithm: 'iso-kam3-dl-2048-sha256' },
];

describe('HTTPS with a self-signed certificate', () => {
  let srv: TestServer;
  let certPem: string;
  beforeAll(async () => {
    const made = must(await generateSelfSigned(['localhost', '127.0.0.1']));
    certPem = made.certPem;
    srv = await startServer({ areas: AREAS, users: [{ user: 'alice', password: 'secret' }], tls: made, tlsVh: must(tlsServerEndPointVh(made.certPem)) });
  });
  afterAll(() => srv.close());

  it('the certificate is ECDSA P-256 with SHA-256 for 127.0.0.1 (so the client hashes it with SHA-256)', () => {
    const x = new X509Certificate(certPem);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(must(tlsServerEndPointVh(certPem))).toEqual(new Uint8Array(createHash('sha256').update(x.raw).digest()));
  });

  for (const area of AREAS) {
    it(`${area.algorithm}: 401-INIT says validation=tls-server-end-point; the client's vh from the peer certificate works`, async () => {
      const { session, init } = await login(`${srv.url}${area.path}`, { user: 'alice', password: 'secret' });
      expect(init.validation).toBe('tls-server-end-point');
      expect(init['auth-scope']).toBe(srv.origin);
      expect(srv.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      await get(`${srv.url}${area.path}gallery.html`, session);
    });
  }

  it('a client binding to another certificate (a TLS-terminating relay) fails with auth-failed', async () => {
    const { session } = await login(`${srv.url}/p256/`, { user: 'alice', password: 'secret' });
    const relay: Session = { ...session, vh: new Uint8Array(32).fill(1) };
    expect(reasonOf(await rawVfy(`${srv.url}/p256/`, relay, 7))).toBe('auth-failed');
  });

  it('req-KEX-C1 with validation=host over HTTPS → 401-INIT invalid-parameters', async () => {
    const r0 = await request(`${srv.url}/p256/`);
    const init = mutualParams(r0.headers['www-authenticate'])!;
    const auth = `Mutual version=1, algorithm=${init.algorithm}, validation=host, auth-scope="${init['auth-scope']}", realm="${init.realm}", user="alice", kc1=${'02' + '11'.repeat(32)}`;
    const r = await request(`${srv.url}/p256/`, { authorization: auth });
    expect(reasonOf(r)).toBe('invalid-parameters');
  });
});

describe('RFC 5929 §4.1 hash selection', () => {
  it('a SHA-384-signed certificate is hashed with SHA-384', async () => {
    const made = must(await generateSelfSigned(['localhost'], { digest: 'sha384' }));
    const der = new X509Certificate(made.certPem).raw;
    expect(must(tlsServerEndPointVh(made.certPem))).toEqual(new Uint8Array(createHash('sha384').update(der).digest()));
    expect(must(tlsServerEndPointVh(new Uint8Array(der)))).toHaveLength(48);
  });

  it('garbage is an error, not a throw', () => {
    expect(tlsServerEndPointVh('not a certificate').ok).toBe(false);
    expect(tlsServerEndPointVh(new Uint8Array([0x30, 0x03, 0x01])).ok).toBe(false);
  });
});
