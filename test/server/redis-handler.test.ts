/**
 * Two handlers (two "instances") over one real Redis: a session rejected at one is rejected at the other,
 * whose cache never saw its keys; a logout at one ends the session at the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtectedArea } from '../../src/server/decision.ts';
import { RedisSessionStore } from '../../src/server/redis-store.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { freePort } from '../support/serve-process.ts';
import { startServer, type TestServer } from './harness.ts';
import { exchangeKeys, get, login, rawVfy, reasonOf } from './test-client.ts';

const AREA: ProtectedArea = { path: '/p/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256', logoutPaths: ['/p/logout'] };
const PASSWORD = 'pw for two instances';

let redis: RedisServer;
let a: TestServer;
let b: TestServer;
const stores: RedisSessionStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
  const origin = `http://127.0.0.1:${await freePort()}`; // the shared public origin (a balancer's)
  for (let i = 0; i < 2; i++) stores.push(new RedisSessionStore({ url: redis.url }));
  a = await startServer({ areas: [AREA], users: [{ user: 'alice', password: PASSWORD }], origin, sessions: stores[0]! });
  b = await startServer({ areas: [AREA], users: [{ user: 'alice', password: PASSWORD }], origin, sessions: stores[1]! });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of stores) await s.close();
  await redis?.stop();
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
});
