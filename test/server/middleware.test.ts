/** createMutualHandler as node:http middleware in front of an arbitrary application. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authOf, createMutualHandler, requestPath, type ProtectedArea } from '../../src/server/handler.ts';
import { makeVerifier, VerifierStore, type VerifierEntry } from '../../src/server/verifier-file.ts';
import type { RealmTriple } from '../../src/server/session-table.ts';
import { getAlgorithm } from '../../src/crypto/algorithms.ts';
import { clientKc1, randomSecret } from '../../src/crypto/kam3.ts';
import { webRandom } from '../../src/bytes.ts';
import { get, login, mutualParams, reasonOf, request } from './test-client.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

async function listen(listener: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('middleware', () => {
  const origin = 'http://app.example';
  const areas: ProtectedArea[] = [
    { path: '/secret/', realm: 'Zoë', algorithm: 'iso-kam3-ec-p256-sha256', control: { locationWhenLogout: '/bye' } },
    { path: '/maybe/', realm: 'Zoë', algorithm: 'iso-kam3-ec-p256-sha256', optional: true },
  ];
  let base: string;
  let server: http.Server;
  const seen: string[] = [];
  beforeAll(async () => {
    const verifiers = new VerifierStore([
      must(await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: origin, realm: 'Zoë', username: 'alice', password: 'pw' })),
    ]);
    const mutual = createMutualHandler({ origin, areas, verifiers });
    // The application: string writes in pieces, after the handler set headers with raw UTF-8 octets.
    const app: http.RequestListener = (req, res) => {
      seen.push(`${req.url} ${authOf(req)?.user ?? 'anonymous'}`);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.write('user: ');
      res.write(authOf(req)?.user ?? 'anonymous', 'utf8');
      res.end(' — ok\n');
    };
    ({ server } = await listen((req, res) => mutual(req, res, () => app(req, res))));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('passes unprotected requests to next() untouched, Authorization or not', async () => {
    const r = await request(`${base}/public`, { authorization: 'Mutual total nonsense' });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('user: anonymous — ok\n');
    expect(seen).toContain('/public anonymous');
  });

  it('authOf(req) names the user; headers with a non-ASCII realm survive string bodies', async () => {
    const { session, res } = await login(`${base}/secret/`, { user: 'alice', password: 'pw', hostVh: 'http://app.example:80' });
    expect(res.body.toString()).toBe('user: alice — ok\n');
    expect(mutualParams(res.headers['authentication-control'])).toEqual({ realm: 'Zoë', 'location-when-logout': '/bye' });
    const anon = await request(`${base}/maybe/`);
    expect(mutualParams(anon.headers['optional-www-authenticate'])!.realm).toBe('Zoë');
    expect(anon.body.toString()).toBe('user: anonymous — ok\n');
    expect((await get(`${base}/maybe/`, session)).body.toString()).toBe('user: alice — ok\n');
  });

  it('protection is decided on the normalized path: no way around it with slashes, dots or escapes', async () => {
    for (const p of ['/secret', '/secret/', '//secret/x', '/%73ecret/x', '/public/../secret/x', '/secret%2Fx', '/x%2F..%2Fsecret/', '/x/..\\secret\\y']) {
      const r = await request(`${base}${p}`);
      expect(r.status, p).toBe(401);
      expect(reasonOf(r), p).toBe('initial');
    }
    expect(requestPath('/secret%2F..%2Fpublic')).toBe('/public');
    expect(requestPath('/secret/%2e%2E/public')).toBe('/public');
    expect(requestPath('/a%20b/%C3%A9')).toBe('/a%20b/%C3%A9');
    expect((await request(`${base}/secret%2F..%2Fpublic`)).status).toBe(200);
  });
});

describe('robustness', () => {
  it('an exception inside the handler is a 500, not a crash; the server keeps serving', async () => {
    class Broken extends VerifierStore {
      override lookup(_space: RealmTriple, user: string): VerifierEntry | undefined {
        if (user === 'boom') throw new Error('database down');
        return undefined;
      }
    }
    const area: ProtectedArea = { path: '/p/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256' };
    const logs: string[] = [];
    const mutual = createMutualHandler({ origin: 'http://127.0.0.1:1', areas: [area], verifiers: new Broken(), log: (l) => logs.push(l) });
    const { server, port } = await listen((req, res) => mutual(req, res));
    try {
      const alg = getAlgorithm(area.algorithm)!;
      const kc1 = Buffer.from(clientKc1(alg, randomSecret(alg, webRandom))).toString('hex');
      const auth = (user: string) => `Mutual version=1, algorithm=${area.algorithm}, validation=host, auth-scope="http://127.0.0.1:1", realm="r", user="${user}", kc1=${kc1}`;
      const r = await request(`http://127.0.0.1:${port}/p/`, { authorization: auth('boom') });
      expect(r.status).toBe(500);
      expect(r.headers['www-authenticate']).toBeUndefined();
      // Still alive; without next() an unprotected path is a 404.
      const fake = await request(`http://127.0.0.1:${port}/p/`, { authorization: auth('other') });
      expect(fake.status).toBe(401);
      expect(mutualParams(fake.headers['www-authenticate'])!.ks1).toBeDefined();
      expect((await request(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
      expect(mutual.counters.internalErrors).toBe(1);
      await new Promise((r) => setTimeout(r, 10));
      expect(logs[0]).toMatch(/^GET \/p\/ 500 sid=- nc=- internal-error\(database down\)$/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses unusable configurations at start-up', () => {
    const verifiers = new VerifierStore();
    const area: ProtectedArea = { path: '/p/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256' };
    expect(() => createMutualHandler({ origin: 'ftp://x', areas: [area], verifiers })).toThrow();
    expect(() => createMutualHandler({ origin: 'https://x.example', areas: [area], verifiers })).toThrow(/tlsVh/);
    expect(() => createMutualHandler({ origin: 'http://x.example', areas: [{ ...area, authScope: 'http://y.example' }], verifiers })).toThrow(/does not cover/);
    expect(() => createMutualHandler({ origin: 'http://x.example', areas: [{ ...area, realm: 'a\u0001b' }], verifiers })).toThrow();
    expect(() => createMutualHandler({ origin: 'http://x.example', areas: [{ ...area, path: 'p/' }], verifiers })).toThrow();
    expect(() => createMutualHandler({ origin: 'http://x.example', areas: [{ ...area, control: { logoutTimeout: -1 } }], verifiers })).toThrow();
    // A wildcard scope that covers the origin is fine.
    expect(() => createMutualHandler({ origin: 'http://www.x.example', areas: [{ ...area, authScope: '*.x.example' }], verifiers })).not.toThrow();
  });
});
