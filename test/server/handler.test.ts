/**
 * RFC 8120 §11 server decision procedure and §6 nonce numbers, end to end over real sockets with the
 * independent test client (test-client.ts).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES, getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { clientKc1, randomSecret, checkElement } from '../../src/crypto/kam3.ts';
import { webRandom } from '../../src/bytes.ts';
import { vectors } from '../fixtures/vectors.ts';
import type { ProtectedArea } from '../../src/server/handler.ts';
import { startServer, type TestServer } from './harness.ts';
import {
  checkVfyS, get, login, mutualParams, ProtocolError, rawVfy, reasonOf, request, strParam, vfyC, type Session,
} from './test-client.ts';

const PASSWORD = 'correct horse battery staple';
const slug = (a: AlgorithmName) => a.replace(/^iso-kam3-/, '').replace(/-sha\d+$/, '');

const AREAS: ProtectedArea[] = ALGORITHM_NAMES.map((algorithm) => ({
  path: `/${slug(algorithm)}/`,
  realm: `realm-${slug(algorithm)}`,
  algorithm,
  logoutPaths: [`/${slug(algorithm)}/logout`],
  control: { locationWhenLogout: '/' },
}));
const P256 = AREAS.find((a) => a.algorithm === 'iso-kam3-ec-p256-sha256')!;

function kexC1(area: ProtectedArea, scope: string, user: string, kc1Wire: string): string {
  return (
    `Mutual version=1, algorithm=${area.algorithm}, validation=host, ${strParam('auth-scope', scope)}, ` +
    `${strParam('realm', area.realm)}, ${strParam('user', user)}, kc1=${kc1Wire}`
  );
}

function kc1Of(algorithm: AlgorithmName): string {
  const alg = getAlgorithm(algorithm)!;
  const K = clientKc1(alg, randomSecret(alg, webRandom));
  return alg.wire === 'hex' ? Buffer.from(K).toString('hex') : `"${Buffer.from(K).toString('base64')}"`;
}

describe('RFC 8120 §11 over sockets', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ areas: AREAS, users: [{ user: 'alice', password: PASSWORD }] });
  });
  afterAll(() => srv.close());
  const at = (path: string) => `${srv.url}${path}`;
  const scope = () => srv.origin;

  for (const algorithm of ALGORITHM_NAMES) {
    it(`logs in with ${algorithm} and every response proves the server (vks)`, async () => {
      const area = AREAS.find((a) => a.algorithm === algorithm)!;
      const { session, res, init } = await login(at(area.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
      expect(init['auth-scope']).toBe(srv.origin);
      expect(init.validation).toBe('host');
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('Authenticated as <b>alice</b>');
      expect(res.headers['authentication-info']).toMatch(/^Mutual version=1, sid=[0-9a-f]{32}, vks=/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(session.path).toBe(area.path);
      expect(session.ncWindow).toBeGreaterThanOrEqual(128);
      expect(session.time).toBeGreaterThanOrEqual(60);
      for (const p of ['gallery.html', 'res/style.css', 'res/img-1.svg', 'res/img-2.png', 'res/app.js']) {
        const r = await get(at(`${area.path}${p}`), session);
        expect(r.status).toBe(200);
      }
      // A 404 inside the area is still an authenticated response with its own vks.
      expect((await get(at(`${area.path}missing`), session)).status).toBe(404);
    });
  }

  it('wrong password → 401-INIT reason=auth-failed, then the session is rejected', async () => {
    await expect(login(at(P256.path), { user: 'alice', password: 'wrong', hostVh: srv.hostVh })).rejects.toThrow(ProtocolError);
    const before = srv.handler.counters.failedVerifications;
    // Redo by hand to look at the response.
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const bad = await rawVfy(at(P256.path), session, 50, { vkc: '00'.repeat(32) });
    expect(bad.status).toBe(401);
    expect(reasonOf(bad)).toBe('auth-failed');
    expect(srv.handler.counters.failedVerifications).toBe(before + 1);
    // An authenticated session survives a wrong vkc (RFC 8120 §11: "MAY be kept").
    await get(at(P256.path), session);
  });

  it('unknown sid → 401-STALE (reason=stale-session)', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const r = await rawVfy(at(P256.path), session, 2, { sid: '0123456789abcdef0123456789abcdef' });
    expect(r.status).toBe(401);
    expect(reasonOf(r)).toBe('stale-session');
    const p = mutualParams(r.headers['www-authenticate'])!;
    expect(p.realm).toBe(P256.realm);
    expect(p.ks1).toBeUndefined();
  });

  it('a replayed nonce number → 401-STALE and the session is dead', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    await get(at(P256.path), session, { nc: 2 });
    const dup = srv.handler.counters.duplicateNonces;
    const replay = await rawVfy(at(P256.path), session, 2);
    expect(replay.status).toBe(401);
    expect(reasonOf(replay)).toBe('stale-session');
    expect(srv.handler.counters.duplicateNonces).toBe(dup + 1);
    // The session is inactive: even a fresh number is stale now.
    const after = await rawVfy(at(P256.path), session, 3);
    expect(reasonOf(after)).toBe('stale-session');
  });

  it('a replayed req-VFY-C of the first exchange (nc=1) is refused', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    expect(reasonOf(await rawVfy(at(P256.path), session, 1))).toBe('stale-session');
  });

  it('nc above nc-max → 401-STALE, session inactive', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const r = await rawVfy(at(P256.path), session, session.ncMax + 1);
    expect(reasonOf(r)).toBe('stale-session');
    expect(reasonOf(await rawVfy(at(P256.path), session, 2))).toBe('stale-session');
  });

  it('nc = nc-max is accepted; 2^80 (clamped) is refused', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    await get(at(P256.path), session, { nc: session.ncMax });
    const { session: s2 } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const auth = vfyC(s2, 1).replace(/nc=1,/, 'nc=1208925819614629174706176,');
    const r = await request(at(P256.path), { authorization: auth });
    expect(reasonOf(r)).toBe('stale-session');
  });

  it('nc at or below largest-nc − nc-window → 401-STALE; inside the window out of order is fine', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const w = session.ncWindow;
    await get(at(P256.path), session, { nc: w + 10 });
    await get(at(P256.path), session, { nc: 11 }); // > largest − window = 10: still accepted, out of order
    const r = await rawVfy(at(P256.path), session, 10);
    expect(reasonOf(r)).toBe('stale-session');
    expect(reasonOf(await rawVfy(at(P256.path), session, w + 11))).toBe('stale-session');
  });

  it('req-VFY-C naming another realm or algorithm → 401-INIT (not stale), session untouched', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const r1 = await rawVfy(at(P256.path), session, 2, { realm: 'some-other-realm' });
    expect(r1.status).toBe(401);
    expect(reasonOf(r1)).toBe('initial');
    expect(mutualParams(r1.headers['www-authenticate'])!.realm).toBe(P256.realm);
    const r2 = await rawVfy(at(P256.path), session, 3, { algorithm: 'iso-kam3-ec-p521-sha512', vkc: '00'.repeat(64) });
    expect(r2.status).toBe(401);
    expect(reasonOf(r2)).toBe('initial');
    // The session's realm is P-256's: using it on the P-521 area is another realm too.
    const r3 = await rawVfy(at('/ec-p521/'), session, 4);
    expect(reasonOf(r3)).toBe('initial');
    await get(at(P256.path), session, { nc: 5 });
  });

  for (const algorithm of ALGORITHM_NAMES) {
    it(`invalid kc1 (${algorithm}): every invalid element of the vectors → 401-INIT invalid-parameters`, async () => {
      const area = AREAS.find((a) => a.algorithm === algorithm)!;
      const cases = [
        ...(vectors.invalid_elements as Record<string, Array<{ name: string; wire: string }>>)[algorithm]!,
        ...((vectors.invalid_elements_strict as Record<string, Array<{ name: string; wire: string }>>)[algorithm] ?? []),
      ];
      expect(cases.length).toBeGreaterThan(0);
      const exchanges = srv.handler.counters.exchanges;
      for (const c of cases) {
        // Quoted, so whitespace and odd characters stay inside the value; an empty value is a parse error → 400.
        const value = `"${c.wire.replace(/(["\\])/g, '\\$1')}"`;
        const r = await request(at(area.path), { authorization: kexC1(area, scope(), 'alice', value) });
        expect(r.status, c.name).toBe(401);
        expect(reasonOf(r), c.name).toBe('invalid-parameters');
        expect(mutualParams(r.headers['www-authenticate'])!.ks1, c.name).toBeUndefined();
      }
      // Unknown users are checked the same way: no fake session for an invalid kc1.
      const r = await request(at(area.path), { authorization: kexC1(area, scope(), 'nobody', `"${cases[0]!.wire}"`) });
      expect(reasonOf(r)).toBe('invalid-parameters');
      expect(srv.handler.counters.exchanges).toBe(exchanges);
    });
  }

  it('unknown user → a fake 401-KEX-S1 with a valid-looking ks1, then auth-failed', async () => {
    const alg = getAlgorithm(P256.algorithm)!;
    const r = await request(at(P256.path), { authorization: kexC1(P256, scope(), 'mallory', kc1Of(P256.algorithm)) });
    expect(r.status).toBe(401);
    const s1 = mutualParams(r.headers['www-authenticate'])!;
    expect(s1.ks1).toMatch(/^[0-9a-f]{66}$/);
    expect(checkElement(alg, new Uint8Array(Buffer.from(s1.ks1!, 'hex')), 'ks1').ok).toBe(true);
    expect(s1.sid).toMatch(/^[0-9a-f]{32}$/);
    // Same shape as a real one.
    const real = await request(at(P256.path), { authorization: kexC1(P256, scope(), 'alice', kc1Of(P256.algorithm)) });
    expect(Object.keys(mutualParams(real.headers['www-authenticate'])!).sort()).toEqual(Object.keys(s1).sort());
    // Whatever the client computes, the fake session fails at req-VFY-C.
    const fake: Session = {
      alg, sid: s1.sid!, K_c1: new Uint8Array(33), K_s1: new Uint8Array(33), z: new Uint8Array(33), vh: new Uint8Array(0),
      realm: P256.realm, authScope: scope(), validation: 'host', ncMax: 1000, ncWindow: 128, time: 60, path: undefined, nextNc: 1,
    };
    const v = await rawVfy(at(P256.path), fake, 1, { vkc: '11'.repeat(32) });
    expect(v.status).toBe(401);
    expect(reasonOf(v)).toBe('auth-failed');
    // The rejected session keeps answering auth-failed (RFC 8120 §11 allows 401-INIT or 401-STALE).
    expect(reasonOf(await rawVfy(at(P256.path), fake, 2, { vkc: '11'.repeat(32) }))).toBe('auth-failed');
  });

  it('malformed and oversized Authorization → 400 or 401 invalid-parameters; the server keeps running', async () => {
    const cases: Array<[string, string, number[]]> = [
      ['garbage', 'Mutual ,,,=== "', [400]],
      ['unterminated quote', 'Mutual realm="abc', [400]],
      ['token68', 'Mutual abc==', [401]],
      ['missing params', 'Mutual version=1', [401]],
      ['version 2', `Mutual version=2, algorithm=${P256.algorithm}, validation=host, realm="${P256.realm}", user="a", kc1=00`, [401]],
      ['both kc1 and vkc', `Mutual version=1, algorithm=${P256.algorithm}, validation=host, realm="${P256.realm}", user="a", kc1=00, vkc=00`, [401]],
      ['duplicate parameter', `Mutual version=1, version=1, algorithm=${P256.algorithm}, validation=host, realm="${P256.realm}", user="a", kc1=00`, [401]],
      ['nc signed', vfyCText('+1'), [401]],
      ['nc leading zero', vfyCText('01'), [401]],
      ['two Mutual credentials', `${vfyCText('1')}, ${vfyCText('2')}`, [400, 401]],
      ['control characters', 'Mutual realm="a\u0001b"', [400]],
      ['17 KiB', `Mutual realm="${'a'.repeat(17 * 1024)}"`, [400]],
      ['65 params', `Mutual ${Array.from({ length: 65 }, (_, i) => `p${i}=1`).join(', ')}`, [400, 401]],
    ];
    function vfyCText(nc: string): string {
      return `Mutual version=1, algorithm=${P256.algorithm}, validation=host, realm="${P256.realm}", sid=${'ab'.repeat(16)}, nc=${nc}, vkc=${'00'.repeat(32)}`;
    }
    for (const [name, value, statuses] of cases) {
      let r;
      try {
        r = await request(at(P256.path), { authorization: value });
      } catch (e) {
        // Node's http client refuses to *send* some invalid header values; that is not the server's doing.
        expect(String(e), name).toMatch(/Invalid character/);
        continue;
      }
      expect(statuses, `${name}: got ${r.status}`).toContain(r.status);
      if (r.status === 401) expect(reasonOf(r), name).toBe('invalid-parameters');
    }
    // Larger than the server's header limit: Node answers 431 itself; the server is still fine afterwards.
    const huge = await request(at(P256.path), { authorization: `Mutual realm="${'a'.repeat(100 * 1024)}"` }).catch(() => undefined);
    if (huge) expect([400, 431]).toContain(huge.status);
    // Raw bytes no client library would send.
    const raw = await rawHttp(srv.url, `GET ${P256.path} HTTP/1.1\r\nHost: x\r\nAuthorization: Mutual realm="\u00ff\u00fe", user*=UTF-8''%ZZ\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 (400|401)/);
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    await get(at(P256.path), session);
  });

  it('credentials of another scheme are a normal request (401-INIT initial); unprotected paths ignore Authorization', async () => {
    const r = await request(at(P256.path), { authorization: 'Basic YWxpY2U6c2VjcmV0' });
    expect(r.status).toBe(401);
    expect(reasonOf(r)).toBe('initial');
    const pub = await request(at('/'), { authorization: 'Mutual garbage ,,, "' });
    expect(pub.status).toBe(200);
    expect(pub.headers['www-authenticate']).toBeUndefined();
  });

  it('logout path: 200-VFY-S with logout-timeout=0, then the session is inactive', async () => {
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const nc = session.nextNc++;
    const r = await request(at('/ec-p256/logout'), { authorization: vfyC(session, nc) });
    checkVfyS(session, nc, r);
    expect(r.headers['authentication-control']).toBe(`Mutual realm="${P256.realm}", location-when-logout="/", logout-timeout=0`);
    expect(r.body.toString()).toContain('Logged out');
    expect(reasonOf(await rawVfy(at(P256.path), session, nc + 1))).toBe('stale-session');
    // Unauthenticated, the logout page is a normal page (no challenge).
    const anon = await request(at('/ec-p256/logout'));
    expect(anon.status).toBe(200);
    expect(anon.headers['www-authenticate']).toBeUndefined();
  });

  it('authenticated responses carry Authentication-Control location-when-logout', async () => {
    const { res } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    expect(res.headers['authentication-control']).toBe(`Mutual realm="${P256.realm}", location-when-logout="/"`);
  });

  it('200 concurrent requests in one session, distinct nonce numbers, all authenticated', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    try {
      const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh, agent });
      const before = await srv.handler.status();
      const ncs = Array.from({ length: 200 }, () => session.nextNc++);
      // Shuffle: arrival order is not nonce order.
      for (let i = ncs.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [ncs[i], ncs[j]] = [ncs[j]!, ncs[i]!];
      }
      const results = await Promise.all(
        ncs.map((nc, i) => get(at(`${P256.path}res/img-${(i % 38) + 1}.${(i % 38) % 2 === 0 ? 'svg' : 'png'}`), session, { nc, agent })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      const after = await srv.handler.status();
      expect(after.successes - before.successes).toBe(200);
      const mine = after.sessions.find((s) => s.sidPrefix === session.sid.slice(0, 8))!;
      expect(mine.requests).toBe(201);
      expect(mine.distinctNc).toBe(201);
      expect(mine.largestNc).toBe(201);
    } finally {
      agent.destroy();
    }
  });

  it('GET /.well-known/mutual-status: JSON counters, no secrets', async () => {
    const r = await request(at('/.well-known/mutual-status'));
    expect(r.status).toBe(200);
    const s = JSON.parse(r.body.toString()) as Record<string, unknown>;
    for (const k of ['exchanges', 'successes', 'staleRejections', 'failedVerifications', 'duplicateNonces', 'authenticatedRequests']) {
      expect(typeof s[k], k).toBe('number');
    }
    expect((s.duplicateNonces as number) >= 1).toBe(true);
    expect(r.body.toString()).not.toMatch(/[0-9a-f]{32}/);
  });

  it('logs one line per request with method, path, status, sid, nc, outcome', async () => {
    const n = srv.logs.length;
    const { session } = await login(at(P256.path), { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    await new Promise((r) => setTimeout(r, 20));
    const lines = srv.logs.slice(n);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^GET \/ec-p256\/ 401 sid=- nc=- init$/);
    expect(lines[1]).toMatch(new RegExp(`^GET /ec-p256/ 401 sid=${session.sid.slice(0, 8)} nc=- kex-s1$`));
    expect(lines[2]).toMatch(new RegExp(`^GET /ec-p256/ 200 sid=${session.sid.slice(0, 8)} nc=1 authenticated$`));
  });
});

function rawHttp(base: string, text: string): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const sock = connect(Number(u.port), u.hostname, () => sock.end(Buffer.from(text, 'latin1')));
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      sock.on('error', reject);
    }, reject);
  });
}

describe('sessions: expiry, caps, Host header', () => {
  it('a session expires after `time` seconds (injected clock) → 401-STALE', async () => {
    let now = 1_000_000;
    const srv = await startServer({
      areas: [P256], users: [{ user: 'alice', password: PASSWORD }], sessions: { now: () => now, lifetimeSeconds: 120 },
    });
    try {
      const { session } = await login(`${srv.url}${P256.path}`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
      expect(session.time).toBe(120);
      now += 119_000;
      await get(`${srv.url}${P256.path}`, session);
      now += 1_000;
      expect(reasonOf(await rawVfy(`${srv.url}${P256.path}`, session, session.nextNc))).toBe('stale-session');
      expect(srv.handler.sessions.stats().expired).toBe(1);
      // Re-keying works (RFC 8120 §2.3 case B-2).
      await login(`${srv.url}${P256.path}`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    } finally {
      await srv.close();
    }
  });

  it('a key exchange left half-open expires too', async () => {
    let now = 0;
    const srv = await startServer({ areas: [P256], users: [{ user: 'alice', password: PASSWORD }], sessions: { now: () => now, lifetimeSeconds: 60 } });
    try {
      const r = await request(`${srv.url}${P256.path}`, { authorization: kexC1(P256, srv.origin, 'alice', kc1Of(P256.algorithm)) });
      expect(r.status).toBe(401);
      expect(srv.handler.sessions.size).toBe(1);
      now += 61_000;
      srv.handler.sessions.sweep();
      expect(srv.handler.sessions.size).toBe(0);
    } finally {
      await srv.close();
    }
  });

  it('1,000 half-open exchanges keep the table bounded and do not evict authenticated sessions', async () => {
    const srv = await startServer({
      areas: [P256], users: [{ user: 'alice', password: PASSWORD }], sessions: { maxSessions: 300, maxPending: 100 }, log: () => {},
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const url = `${srv.url}${P256.path}`;
      const { session } = await login(url, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh, agent });
      const kc1 = kc1Of(P256.algorithm);
      let peak = 0;
      for (let batch = 0; batch < 20; batch++) {
        const rs = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            request(url, { authorization: kexC1(P256, srv.origin, i % 2 ? 'alice' : `flood${i}`, kc1) }, { agent })),
        );
        expect(rs.every((r) => r.status === 401 && mutualParams(r.headers['www-authenticate'])!.ks1 !== undefined)).toBe(true);
        peak = Math.max(peak, srv.handler.sessions.size);
      }
      const stats = srv.handler.sessions.stats();
      expect(peak).toBeLessThanOrEqual(101);
      expect(stats.pending).toBeLessThanOrEqual(100);
      expect(stats.evicted).toBeGreaterThanOrEqual(900);
      expect(srv.handler.counters.exchanges).toBe(1001);
      // The real user's session survived the flood.
      await get(url, session, { agent });
    } finally {
      agent.destroy();
      await srv.close();
    }
  });

  it('vh and auth-scope come from the configured origin, never from the Host header', async () => {
    const srv = await startServer({ areas: [P256], users: [{ user: 'alice', password: PASSWORD }], origin: 'http://mutual.example:{port}' });
    try {
      const { init, session } = await login(`${srv.url}${P256.path}`, {
        user: 'alice', password: PASSWORD, hostVh: srv.hostVh, headers: { host: 'relay.evil.example' },
      });
      expect(init['auth-scope']).toBe(srv.origin);
      expect(srv.hostVh).toMatch(/^http:\/\/mutual\.example:\d+$/);
      // A client that (like a relayed victim) computed vh from the name it used gets no 200-VFY-S.
      const wrong: Session = { ...session, vh: new Uint8Array(Buffer.from('http://relay.evil.example:80')) };
      expect(reasonOf(await rawVfy(`${srv.url}${P256.path}`, wrong, 5))).toBe('auth-failed');
    } finally {
      await srv.close();
    }
  });

  it('unknownUsers: user-unknown answers 401-INIT reason=user-unknown at once', async () => {
    const srv = await startServer({ areas: [P256], users: [{ user: 'alice', password: PASSWORD }], unknownUsers: 'user-unknown' });
    try {
      const r = await request(`${srv.url}${P256.path}`, { authorization: kexC1(P256, srv.origin, 'mallory', kc1Of(P256.algorithm)) });
      expect(reasonOf(r)).toBe('user-unknown');
    } finally {
      await srv.close();
    }
  });

  it('a non-ASCII user in a non-ASCII realm (user*=, raw UTF-8 realm)', async () => {
    const area: ProtectedArea = { path: '/intl/', realm: 'Zoë’s realm', algorithm: 'iso-kam3-ec-p256-sha256', control: { locationWhenLogout: '/' } };
    const optional: ProtectedArea = { ...area, path: '/intl-optional/', optional: true };
    const srv = await startServer({ areas: [area, optional], users: [{ user: 'renée', password: 'pässwörd' }] });
    try {
      const { session, init, res } = await login(`${srv.url}/intl/`, { user: 'renée', password: 'pässwörd', hostVh: srv.hostVh });
      expect(init.realm).toBe('Zoë’s realm');
      expect(res.body.toString()).toContain('renée');
      // The application writes a string body after the handler set a header with raw UTF-8 octets.
      expect(mutualParams(res.headers['authentication-control'])!.realm).toBe('Zoë’s realm');
      await get(`${srv.url}/intl/gallery.html`, session);
      const anon = await request(`${srv.url}/intl-optional/`);
      expect(anon.status).toBe(200);
      expect(mutualParams(anon.headers['optional-www-authenticate'])!.realm).toBe('Zoë’s realm');
    } finally {
      await srv.close();
    }
  });
});

describe('RFC 8053: optional authentication and Authentication-Control', () => {
  const optional: ProtectedArea = {
    path: '/optional/', realm: P256.realm, algorithm: P256.algorithm, optional: true, control: { locationWhenLogout: '/' },
  };
  const guarded: ProtectedArea = {
    ...P256, path: '/members/',
    control: { locationWhenUnauthenticated: '/welcome', username: 'alice', authStyle: 'non-modal', logoutTimeout: 300 },
  };
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ areas: [P256, optional, guarded], users: [{ user: 'alice', password: PASSWORD }] });
  });
  afterAll(() => srv.close());

  it('an optional page: 200 with Optional-WWW-Authenticate when unauthenticated, 200-VFY-S when authenticated', async () => {
    const anon = await request(`${srv.url}/optional/`);
    expect(anon.status).toBe(200);
    expect(anon.headers['www-authenticate']).toBeUndefined();
    const ch = mutualParams(anon.headers['optional-www-authenticate'])!;
    expect(ch).toMatchObject({ reason: 'initial', realm: P256.realm, algorithm: P256.algorithm, 'auth-scope': srv.origin });
    expect(anon.body.toString()).toContain('Hello, guest');
    // One session covers both paths of the realm (the `path` parameter lists them).
    const { session } = await login(`${srv.url}${P256.path}`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    expect(session.path?.split(' ').sort()).toEqual(['/ec-p256/', '/members/', '/optional/']);
    const authed = await get(`${srv.url}/optional/`, session);
    expect(authed.headers['optional-www-authenticate']).toBeUndefined();
    expect(authed.body.toString()).toContain('Hello, alice');
  });

  it('a failed attempt on an optional page is a 401 (RFC 8053 §3), not a 200', async () => {
    const { session } = await login(`${srv.url}${P256.path}`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    const bad = await rawVfy(`${srv.url}/optional/`, session, 9, { vkc: '00'.repeat(32) });
    expect(bad.status).toBe(401);
    expect(reasonOf(bad)).toBe('auth-failed');
    const stale = await rawVfy(`${srv.url}/optional/`, session, 10, { sid: 'ff'.repeat(16) });
    expect(stale.status).toBe(401);
    expect(reasonOf(stale)).toBe('stale-session');
  });

  it('Authentication-Control on 401-INIT: location-when-unauthenticated, username, auth-style; logout-timeout on success', async () => {
    const r = await request(`${srv.url}/members/`);
    expect(r.status).toBe(401);
    expect(r.headers['authentication-control']).toBe(
      `Mutual realm="${P256.realm}", location-when-unauthenticated="/welcome", username="alice", auth-style=non-modal`,
    );
    const { res } = await login(`${srv.url}/members/`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh });
    expect(res.headers['authentication-control']).toBe(`Mutual realm="${P256.realm}", logout-timeout=300`);
  });
});

describe('misbehaving servers (test-only options)', () => {
  const cases = [
    ['wrong-vks', /wrong vks/],
    ['omit-authentication-info', /no Authentication-Info/],
    ['other-sid', /names sid/],
    ['no-verifier', /wrong vks/],
  ] as const;
  for (const [misbehave, error] of cases) {
    it(`${misbehave}: the independent client detects it`, async () => {
      const srv = await startServer({ areas: [P256], users: [{ user: 'alice', password: PASSWORD }], misbehave });
      try {
        await expect(login(`${srv.url}${P256.path}`, { user: 'alice', password: PASSWORD, hostVh: srv.hostVh })).rejects.toThrow(error);
      } finally {
        await srv.close();
      }
    });
  }
});
