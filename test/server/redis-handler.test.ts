/**
 * Two handlers (two "instances") over one real Redis: a session rejected at one is rejected at the other,
 * whose cache never saw its keys; a logout at one ends the session at the other. The session secrets are
 * never in Redis in the clear (a full scan and an uncompressed RDB file after a key exchange and requests),
 * and an instance with another key fails closed: 401-STALE, its client re-keys there, never a 500.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtectedArea } from '../../src/server/decision.ts';
import { RedisSessionStore } from '../../src/server/redis-store.ts';
import { SessionSealer } from '../../src/server/redis-seal.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { freePort } from '../support/serve-process.ts';
import { startServer, type TestServer } from './harness.ts';
import { exchangeKeys, get, login, rawVfy, reasonOf } from './test-client.ts';

const AREA: ProtectedArea = { path: '/p/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256', logoutPaths: ['/p/logout'] };
const PASSWORD = 'pw for two instances';

let redis: RedisServer;
let a: TestServer;
let b: TestServer;
let dir: string;
let origin: string;
const stores: RedisSessionStore[] = [];
const extra: TestServer[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-redis-rdb-'));
  redis = await startRedis({ dir });
  origin = `http://127.0.0.1:${await freePort()}`; // the shared public origin (a balancer's)
  const sealer = SessionSealer.fromKey(new Uint8Array(32).fill(9));
  for (let i = 0; i < 2; i++) stores.push(new RedisSessionStore({ url: redis.url, sealer }));
  a = await startServer({ areas: [AREA], users: [{ user: 'alice', password: PASSWORD }], origin, sessions: stores[0]! });
  b = await startServer({ areas: [AREA], users: [{ user: 'alice', password: PASSWORD }], origin, sessions: stores[1]! });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const x of extra) await x.close();
  for (const s of stores) await s.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('two instances, one Redis', () => {
  it('a session rejected at one instance is rejected at the other (auth-failed, not a 500)', async () => {
    const { session } = await login(`${a.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: a.origin });
    // A key exchange whose first req-VFY-C is wrong: "key exchanging" → "rejected" (RFC 8120 §11).
    const { session: bad } = await exchangeKeys(`${a.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: a.origin });
    expect(reasonOf(await rawVfy(`${a.url}/p/`, bad, 5, { vkc: '00'.repeat(32) }))).toBe('auth-failed');
    const atB = await rawVfy(`${b.url}/p/`, bad, 6);
    expect(atB.status).toBe(401);
    expect(reasonOf(atB)).toBe('auth-failed');
    expect(b.handler.counters.internalErrors).toBe(0);
    // The good session works at both.
    expect((await get(`${b.url}/p/`, session)).status).toBe(200);
    expect((await get(`${a.url}/p/`, session)).status).toBe(200);
  });

  it('a logout at one instance ends the session at the other', async () => {
    const { session } = await login(`${a.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: a.origin });
    expect((await get(`${b.url}/p/`, session)).status).toBe(200);
    expect((await get(`${a.url}/p/logout`, session)).status).toBe(200);
    const after = await rawVfy(`${b.url}/p/`, session, session.nextNc++);
    expect(reasonOf(after)).toBe('stale-session');
    const status = await b.handler.status();
    expect(status.store).toBe('redis');
  });

  it('no secret at rest: after key exchanges and authenticated requests, neither z, K_c1 nor K_s1 is in any Redis value, DUMP or the RDB file', async () => {
    const sessions = [];
    for (let i = 0; i < 3; i++) {
      const { session } = await login(`${a.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: a.origin });
      expect((await get(`${b.url}/p/`, session)).status).toBe(200);
      expect((await get(`${a.url}/p/`, session)).status).toBe(200);
      sessions.push(session);
    }
    const raw = new Redis(redis.url);
    try {
      const parts: Buffer[] = [];
      const keys = await raw.keysBuffer('*');
      expect(keys.length).toBeGreaterThan(3);
      for (const k of keys) {
        parts.push(k);
        const dump = await raw.dumpBuffer(k);
        if (dump) parts.push(dump);
        const type = await raw.type(k);
        if (type === 'hash') parts.push(...Object.entries(await raw.hgetallBuffer(k)).flatMap(([f, v]) => [Buffer.from(f), v]));
        else if (type === 'string') parts.push((await raw.getBuffer(k))!);
        else if (type === 'zset') parts.push(...(await raw.zrangeBuffer(k, 0, -1)));
        else throw new Error(`unexpected type ${type}`);
      }
      expect(await raw.save()).toBe('OK');
      const scan = Buffer.concat(parts);
      const rdb = await readFile(join(dir, 'dump.rdb'));
      for (const [where, hay] of [['scan', scan], ['rdb', rdb]] as const) {
        // The scanner sees stored octets as they are: the username and each session's sealed value are there.
        expect(hay.includes(Buffer.from('alice')), where).toBe(true);
        for (const s of sessions) {
          const sealed = await raw.hgetBuffer(`mutual:s:${s.sid}`, 'sec');
          expect(hay.includes(sealed!), where).toBe(true);
          for (const [name, secret] of [['z', s.z], ['K_c1', s.K_c1], ['K_s1', s.K_s1]] as const) {
            const bytes = Buffer.from(secret);
            const needles = [bytes, bytes.subarray(0, 12), bytes.subarray(bytes.length - 12), Buffer.from(bytes.toString('hex')),
              Buffer.from(bytes.toString('hex').toUpperCase()), Buffer.from(bytes.toString('base64'))];
            for (const n of needles) expect(hay.includes(n), `${name} in ${where}`).toBe(false);
          }
        }
      }
    } finally {
      raw.disconnect();
    }
  });

  it('an instance with another key: the session is unknown there (401-STALE, not a 500), the client re-keys there, and the other instances are untouched', async () => {
    const reports: string[] = [];
    const wrong = new RedisSessionStore({ url: redis.url, sealer: SessionSealer.fromKey(new Uint8Array(32).fill(0x77)), onUnreadable: (w) => reports.push(w) });
    stores.push(wrong);
    const c = await startServer({ areas: [AREA], users: [{ user: 'alice', password: PASSWORD }], origin, sessions: wrong });
    extra.push(c);
    const { session } = await login(`${a.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: a.origin });
    const atC = await rawVfy(`${c.url}/p/`, session, session.nextNc++);
    expect(atC.status).toBe(401);
    expect(reasonOf(atC)).toBe('stale-session');
    expect(reports).toEqual(['other-key']);
    expect(c.handler.counters.internalErrors).toBe(0);
    expect((await c.handler.status()).table).toMatchObject({ unreadable: 1 });
    // The session was not spent or ended by the failed attempt: it still works where the key is right.
    expect((await get(`${b.url}/p/`, session)).status).toBe(200);
    // The client's new key exchange at c works there (and, sealed under c's key, is unknown at a).
    const { session: again } = await login(`${c.url}/p/`, { user: 'alice', password: PASSWORD, hostVh: c.origin });
    expect((await get(`${c.url}/p/`, again)).status).toBe(200);
    expect(reasonOf(await rawVfy(`${a.url}/p/`, again, again.nextNc++))).toBe('stale-session');
    expect(a.handler.counters.internalErrors + b.handler.counters.internalErrors).toBe(0);
  });
});
