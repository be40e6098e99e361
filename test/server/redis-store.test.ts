/**
 * The Redis session store against a real redis-server (test/support/redis-server.ts): the same RFC 8120 §11 /
 * §6 outcomes as the in-memory table (differential), atomic nonce checks across two store instances, caps and
 * eviction order, TTLs, bounded memory under 10,000 half-open exchanges, and fail-closed behaviour when
 * Redis goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemorySessionStore } from '../../src/server/memory-store.ts';
import { RedisSessionStore } from '../../src/server/redis-store.ts';
import { StoreUnavailableError, type NewSession, type SessionStore } from '../../src/server/session-store.ts';
import type { RealmTriple } from '../../src/server/session-table.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { SessionSealer } from '../../src/server/redis-seal.ts';

const SPACE: RealmTriple = { algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:8080', realm: 'r' };
const OTHER: RealmTriple = { ...SPACE, realm: 'other' };
const init = (user = 'alice', fake = false): NewSession => ({
  space: SPACE, user, fake, K_c1: new Uint8Array(33).fill(1), K_s1: new Uint8Array(33).fill(2), z: new Uint8Array(33).fill(7),
});

let redis: RedisServer;
// The key every instance of these tests shares (as --redis-key-file would give it).
const sealer = SessionSealer.fromKey(new Uint8Array(32).fill(0x5a));
const stores: RedisSessionStore[] = [];
let prefixes = 0;
function store(o: Partial<ConstructorParameters<typeof RedisSessionStore>[0]> = {}): RedisSessionStore {
  const s = new RedisSessionStore({ url: redis.url, keyPrefix: `t${++prefixes}:`, sealer, ...o });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await redis?.stop();
});

describe('Redis session store', () => {
  it('keys, user and space round-trip; sessions are local to their protection space', async () => {
    const s = store();
    await s.ready();
    const sid = await s.create(init('ren\u00e9e'));
    expect(sid).toMatch(/^[0-9a-f]{32}$/);
    // A second instance (no cache) reads the same session.
    const other = store({ keyPrefix: `t${prefixes}:` });
    const got = await other.lookup(sid, SPACE);
    expect(got?.user).toBe('ren\u00e9e');
    expect(Buffer.from(got!.z).equals(Buffer.alloc(33, 7))).toBe(true);
    expect(await other.lookup(sid, OTHER)).toBeUndefined();
    expect(await other.verify({ sid, space: OTHER, nc: 1, vkcOk: true, end: false })).toEqual({ result: 'stale', why: 'unknown sid' });
    expect(await other.verify({ sid, space: SPACE, nc: 1, vkcOk: true, end: false })).toEqual({ result: 'accepted' });
    expect(await s.verify({ sid, space: SPACE, nc: 2, vkcOk: true, end: false })).toEqual({ result: 'accepted' });
    const recent = await s.recentSessions(10);
    expect(recent).toEqual([{ sidPrefix: sid.slice(0, 8), algorithm: SPACE.algorithm, realm: 'r', requests: 2, distinctNc: 2, largestNc: 2 }]);
  });

  it('differential: every sequence of (nc, vkc ok?, end?) gives the outcomes of the in-memory table', async () => {
    const s = store({ ncWindow: 8, ncMax: 60 });
    await s.ready();
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.record({ nc: fc.integer({ min: -1, max: 70 }), ok: fc.boolean(), end: fc.boolean() }), { maxLength: 40 }),
        async (fake, steps) => {
          const m: SessionStore = new MemorySessionStore({ ncWindow: 8, ncMax: 60 });
          const a = m.create(init('alice', fake)) as string;
          const b = await s.create(init('alice', fake));
          for (const st of steps) {
            const ok = st.ok || st.nc % 3 !== 0; // mostly right vkc: the interesting paths are the nonce rules
            const end = st.end && st.nc % 5 === 0;
            const want = m.verify({ sid: a, space: SPACE, nc: st.nc, vkcOk: ok, end });
            const got = await s.verify({ sid: b, space: SPACE, nc: st.nc, vkcOk: ok, end });
            expect(got, JSON.stringify({ steps, st })).toEqual(want);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the same nonce number at two instances at the same moment is accepted at most once, and the session ends', async () => {
    const a = store();
    const b = store({ keyPrefix: `t${prefixes}:` });
    await Promise.all([a.ready(), b.ready()]);
    for (let i = 0; i < 50; i++) {
      const sid = await a.create(init());
      expect(await a.verify({ sid, space: SPACE, nc: 1, vkcOk: true, end: false })).toEqual({ result: 'accepted' });
      const [x, y] = await Promise.all([
        a.verify({ sid, space: SPACE, nc: 7, vkcOk: true, end: false }),
        b.verify({ sid, space: SPACE, nc: 7, vkcOk: true, end: false }),
      ]);
      const results = [x, y].map((r) => (r.result === 'stale' ? r.why : r.result)).sort();
      expect(results).toEqual(['accepted', 'duplicate']);
      // RFC 8120 §11: a nonce number received twice makes the session inactive, at every instance.
      expect(await b.verify({ sid, space: SPACE, nc: 8, vkcOk: true, end: false })).toEqual({ result: 'stale', why: 'unknown sid' });
      expect(await a.lookup(sid, SPACE)).toBeDefined(); // the cache keeps keys, but the state says no:
      expect(await a.verify({ sid, space: SPACE, nc: 9, vkcOk: true, end: false })).toEqual({ result: 'stale', why: 'unknown sid' });
    }
  });

  it('eviction order under the caps: rejected, then the oldest key-exchanging, then authenticated', async () => {
    const t = store({ maxSessions: 4, maxPending: 3 });
    const p = `t${prefixes}:`;
    const a = await t.create(init());
    const r1 = await t.create(init());
    const r2 = await t.create(init());
    expect(await t.verify({ sid: r1, space: SPACE, nc: 1, vkcOk: false, end: false })).toEqual({ result: 'failed' });
    expect(await t.verify({ sid: r2, space: SPACE, nc: 1, vkcOk: false, end: false })).toEqual({ result: 'failed' });
    // A rejected session keeps no secrets.
    expect(await redis.command('HEXISTS', `${p}s:${r2}`, 'z')).toBe(':0\r\n');
    const d = await t.create(init());
    const exists = async (sid: string) => (await redis.command('EXISTS', `${p}s:${sid}`)) === ':1\r\n';
    expect(await exists(a)).toBe(true);
    expect(await exists(r1)).toBe(false);
    expect(await exists(r2)).toBe(true);
    expect(await exists(d)).toBe(true);
    expect((await t.verify({ sid: a, space: SPACE, nc: 1, vkcOk: true, end: false })).result).toBe('accepted');
    expect((await t.verify({ sid: d, space: SPACE, nc: 1, vkcOk: true, end: false })).result).toBe('accepted');
    await t.create(init());
    await t.create(init());
    expect(await exists(a)).toBe(true);
    expect(await exists(d)).toBe(true);
    expect(await exists(r2)).toBe(false);
    expect((await t.stats()).size).toBeLessThanOrEqual(4);
  });

  it('sessions expire with their lifetime (TTL), keys and all', async () => {
    const t = store({ lifetimeSeconds: 1 });
    const p = `t${prefixes}:`;
    const sid = await t.create(init());
    expect((await t.verify({ sid, space: SPACE, nc: 1, vkcOk: true, end: false })).result).toBe('accepted');
    expect(Number(/:(\d+)/.exec(await redis.command('PTTL', `${p}s:${sid}`))![1])).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await t.verify({ sid, space: SPACE, nc: 2, vkcOk: true, end: false })).toEqual({ result: 'stale', why: 'unknown sid' });
    expect(await redis.command('KEYS', `${p}*`)).toBe('*0\r\n');
  });

  it('10,000 half-open exchanges: Redis memory stays bounded (caps), and everything falls back after the TTL', async () => {
    // Half-open exchanges live 3 s here (a short `time` for the test); the user's session, made by an
    // instance with the default lifetime, lives on.
    const t = store({ lifetimeSeconds: 3, maxPending: 1000, maxSessions: 2000 });
    const p = `t${prefixes}:`;
    const user = store({ keyPrefix: p, maxPending: 1000, maxSessions: 2000 });
    await Promise.all([t.ready(), user.ready()]);
    const before = await redis.usedMemory();
    const kept = await user.create(init());
    expect((await t.verify({ sid: kept, space: SPACE, nc: 1, vkcOk: true, end: false })).result).toBe('accepted');
    let peak = 0;
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, () => t.create(init('mallory'))));
      peak = Math.max(peak, await redis.usedMemory());
    }
    const stats = await t.stats();
    expect(stats.pending).toBeLessThanOrEqual(1000);
    expect(stats.evicted).toBeGreaterThanOrEqual(9000);
    // About 1,000 sessions of ~0.5 KB: well under 2 MB more than before, whatever the flood's size.
    expect(peak - before).toBeLessThan(2_000_000);
    // The authenticated session was not displaced by the flood.
    expect((await t.verify({ sid: kept, space: SPACE, nc: 2, vkcOk: true, end: false })).result).toBe('accepted');
    // The user logs out (the session ends); the flood's leftovers go with their TTL.
    expect((await t.verify({ sid: kept, space: SPACE, nc: 3, vkcOk: true, end: true })).result).toBe('accepted');
    await new Promise((r) => setTimeout(r, 3300));
    expect(await redis.command('KEYS', `${p}*`)).toBe('*0\r\n');
    expect(await redis.usedMemory()).toBeLessThan(before + 100_000);
  });

  it('sealed secrets: another key, an altered value, a value moved to another session or a renamed user do not open (the session is unknown: 401-STALE, re-key)', async () => {
    const s = store();
    await s.ready();
    const prefix = `t${prefixes}:`;
    const why: string[] = [];
    const fresh = (o: Partial<ConstructorParameters<typeof RedisSessionStore>[0]> = {}) =>
      store({ keyPrefix: prefix, onUnreadable: (w, sid) => why.push(`${w} ${sid}`), ...o });
    const a = await s.create(init('alice'));
    const b = await s.create(init('bob'));
    const sec = (sid: string) => s.redis.hgetBuffer(`${prefix}s:${sid}`, 'sec');
    const sealedA = (await sec(a))!;
    expect(sealedA.length).toBe(1 + 4 + 12 + 3 * (2 + 33) + 16);
    // Another instance with the same key (no cache) opens it.
    expect((await fresh().lookup(a, SPACE))?.z).toEqual(new Uint8Array(33).fill(7));
    // Another key: unknown here, one report, and the session is left for the instances that hold the key.
    const other = fresh({ sealer: SessionSealer.fromKey(new Uint8Array(32).fill(0x11)) });
    expect(await other.lookup(a, SPACE)).toBeUndefined();
    expect(why).toEqual([`other-key ${a.slice(0, 8)}`]);
    expect((await other.stats()).unreadable).toBe(1);
    expect((await fresh().lookup(a, SPACE))?.user).toBe('alice');
    // One bit of the ciphertext flipped.
    const flipped = Buffer.from(sealedA);
    flipped[30]! ^= 0x80;
    await s.redis.hset(`${prefix}s:${a}`, 'sec', flipped);
    expect(await fresh().lookup(a, SPACE)).toBeUndefined();
    // Bob's sealed secrets copied into Alice's session: they were sealed for Bob's sid and username.
    await s.redis.hset(`${prefix}s:${a}`, 'sec', (await sec(b))!);
    expect(await fresh().lookup(a, SPACE)).toBeUndefined();
    // Bob's session renamed to "alice" in Redis: its secrets no longer open, so no one is authenticated as alice.
    await s.redis.hset(`${prefix}s:${b}`, 'user', Buffer.from('alice'));
    expect(await fresh().lookup(b, SPACE)).toBeUndefined();
    // A session of an older version (secrets in the clear, no sealed field) is not used either.
    await s.redis.hdel(`${prefix}s:${b}`, 'sec');
    await s.redis.hset(`${prefix}s:${b}`, 'z', Buffer.alloc(33, 7), 'user', Buffer.from('bob'));
    expect(await fresh().lookup(b, SPACE)).toBeUndefined();
    expect(why.slice(1)).toEqual([`altered ${a.slice(0, 8)}`, `altered ${a.slice(0, 8)}`, `altered ${b.slice(0, 8)}`, `altered ${b.slice(0, 8)}`]);
  });

  it('Redis unreachable: every step throws StoreUnavailableError (→ 503), and recovers after a restart', async () => {
    const own = await startRedis();
    const t = new RedisSessionStore({ url: own.url, commandTimeoutMs: 500, sealer });
    try {
      await t.ready();
      const sid = await t.create(init());
      await own.stop();
      await expect(t.verify({ sid, space: SPACE, nc: 1, vkcOk: true, end: false })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(t.create(init())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(t.stats()).rejects.toBeInstanceOf(StoreUnavailableError);
      await own.restart();
      await t.ready(5000);
      // The restarted Redis is empty: the old session is unknown (even though this instance cached its keys).
      expect(await t.verify({ sid, space: SPACE, nc: 1, vkcOk: true, end: false })).toEqual({ result: 'stale', why: 'unknown sid' });
      const fresh = await t.create(init());
      expect(await t.verify({ sid: fresh, space: SPACE, nc: 1, vkcOk: true, end: false })).toEqual({ result: 'accepted' });
    } finally {
      await t.close();
      await own.stop();
    }
  });
});
