/**
 * The Redis session store: sessions shared by several server instances (same origin, same verifiers) behind
 * a load balancer. Client: ioredis (scripts defined once and sent as EVALSHA, re-sent by itself after a
 * Redis restart flushed them; auto-pipelining; fail-fast options).
 *
 * Every check-and-update is one Lua script, so it is atomic on the Redis side: creating a session (with the
 * caps and eviction order of the in-memory table: rejected → oldest key-exchanging → authenticated) and the
 * whole req-VFY-C clause of RFC 8120 §11 (state, nc-max, window, duplicate, vkc outcome, state change). Two
 * instances that receive the same nonce number at the same moment run the script one after the other: the
 * second one finds the bit set, answers 401-STALE and ends the session.
 *
 * What Redis holds, per session (keys under the prefix, default `mutual:`):
 * - `s:<sid>`: a hash — state, protection space, username, fake flag, the session secrets OCTETS(K_c1),
 *   OCTETS(K_s1), OCTETS(z) sealed with AES-256-GCM under the instances' shared key (`sec`, redis-seal.ts:
 *   never in the clear, bound to this sid, space, username and fake flag), nc-max, nc-window, largest-nc,
 *   accepted count, expiry — with a TTL of the session lifetime (`time`); a rejected session keeps only its
 *   state (the sealed secrets are deleted). The scripts never read `sec`: Node opens it after its read;
 * - `n:<sid>`: the nonce ring, nc-window bits (32 bytes for the default 256), same expiry;
 * - three sorted sets `pending`, `rejected`, `auth` of sids by expiry (for the caps); they expire themselves
 *   when no session was added for a lifetime.
 * Nothing is kept past a session's lifetime; memory per session is bounded by the field sizes above.
 *
 * When Redis cannot be reached, every method throws {@link StoreUnavailableError} and the decision answers
 * 503: no request is authenticated without its nonce check. Each instance caches the immutable part of a
 * session (keys, user) to save a round trip; the state and the nonce numbers are only ever decided by Redis.
 * Sealed secrets that do not open (another instance's key, an altered value) make the session unknown to
 * this instance: the client gets 401-STALE and exchanges keys again; nothing is authenticated with them.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { bytesToHex, webRandom, type RandomSource } from '../bytes.ts';
import type { RealmTriple, SessionTableOptions } from './session-table.ts';
import {
  StoreUnavailableError, type NewSession, type SessionStore, type SessionSummary, type StoreStats, type StoredSession,
  type VerifyOutcome, type VerifyStep,
} from './session-store.ts';
import type { AlgorithmName } from '../crypto/algorithms.ts';
import { SessionSealer, type OpenFailure } from './redis-seal.ts';

// Times in the scripts are Redis's own clock (TIME) in microseconds: sorted-set scores (expiry) then order
// sessions by creation even within one millisecond, as the in-memory table's queues do. TTLs are in ms.
const CREATE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local P, R, A, S = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, sid, life = ARGV[1], ARGV[2], tonumber(ARGV[3])
local maxPending, maxSessions = tonumber(ARGV[4]), tonumber(ARGV[5])
local expired = 0
for _, z in ipairs({P, R, A}) do expired = expired + redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
local evicted = 0
local function evict(z)
  local m = redis.call('ZPOPMIN', z)
  if m[1] then
    redis.call('DEL', prefix .. 's:' .. m[1], prefix .. 'n:' .. m[1])
    evicted = evicted + 1
  end
end
while redis.call('ZCARD', P) + redis.call('ZCARD', R) >= maxPending do
  if redis.call('ZCARD', R) > 0 then evict(R) else evict(P) end
end
while redis.call('ZCARD', P) + redis.call('ZCARD', R) + redis.call('ZCARD', A) >= maxSessions do
  if redis.call('ZCARD', R) > 0 then evict(R) elseif redis.call('ZCARD', P) > 0 then evict(P) else evict(A) end
end
if redis.call('EXISTS', S) == 1 then return {-1, evicted, expired} end
local exp = now + life * 1000
redis.call('HSET', S, 'st', 'k', 'sp', ARGV[6], 'user', ARGV[7], 'fake', ARGV[8], 'sec', ARGV[9],
  'ncmax', ARGV[10], 'ncw', ARGV[11], 'lnc', 0, 'acc', 0, 'exp', exp)
redis.call('PEXPIRE', S, life)
redis.call('ZADD', P, exp, sid)
for _, z in ipairs({P, R, A}) do
  local ttl = redis.call('PTTL', z)
  if ttl ~= -2 and ttl < life then redis.call('PEXPIRE', z, life) end
end
return {1, evicted, expired}
`;

const VERIFY = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local S, N, P, R, A = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local sid = ARGV[1]
local h = redis.call('HMGET', S, 'st', 'sp', 'fake', 'ncmax', 'ncw', 'lnc', 'exp')
if not h[1] then return {'stale', 'unknown sid'} end
local function kill()
  redis.call('DEL', S, N)
  redis.call('ZREM', P, sid)
  redis.call('ZREM', R, sid)
  redis.call('ZREM', A, sid)
end
local function keep(z, us)
  local ms = math.max(1, math.floor(us / 1000))
  if redis.call('PTTL', z) < ms then redis.call('PEXPIRE', z, ms) end
end
local exp = tonumber(h[7])
if exp <= now then kill() return {'stale', 'unknown sid'} end
if h[2] ~= ARGV[2] then return {'stale', 'unknown sid'} end
local st = h[1]
if st == 'r' then return {'rejected'} end
local nc = tonumber(ARGV[3])
local ncmax, w, lnc = tonumber(h[4]), tonumber(h[5]), tonumber(h[6])
if nc == nil or nc < 0 or nc > ncmax then kill() return {'stale', 'above-max'} end
if st == 'a' and nc <= lnc - w then kill() return {'stale', 'below-window'} end
if nc <= lnc and nc > lnc - w and redis.call('GETBIT', N, nc % w) == 1 then kill() return {'stale', 'duplicate'} end
if ARGV[4] ~= '1' or h[3] == '1' then
  if st == 'k' then
    redis.call('HSET', S, 'st', 'r')
    redis.call('HDEL', S, 'sec')
    redis.call('ZREM', P, sid)
    redis.call('ZADD', R, exp, sid)
    keep(R, exp - now)
  end
  return {'failed'}
end
if nc > lnc then
  if nc - lnc >= w then
    redis.call('DEL', N)
  else
    for i = lnc + 1, nc do redis.call('SETBIT', N, i % w, 0) end
  end
  redis.call('HSET', S, 'lnc', nc)
end
redis.call('SETBIT', N, nc % w, 1)
redis.call('PEXPIRE', N, math.max(1, math.floor((exp - now) / 1000)))
redis.call('HINCRBY', S, 'acc', 1)
if st == 'k' then
  redis.call('HSET', S, 'st', 'a')
  redis.call('ZREM', P, sid)
  redis.call('ZADD', A, exp, sid)
  keep(A, exp - now)
end
if ARGV[5] == '1' then kill() end
return {'accepted'}
`;

const SWEEP = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = 0
for _, z in ipairs(KEYS) do n = n + redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
return n
`;

type Arg = string | Buffer | number;

interface ScriptedRedis extends Redis {
  mutualCreate(...args: Arg[]): Promise<[number, number, number]>;
  mutualVerify(...args: Arg[]): Promise<string[]>;
  mutualSweep(...args: Arg[]): Promise<number>;
}

export interface RedisStoreOptions extends Pick<SessionTableOptions, 'maxSessions' | 'maxPending' | 'lifetimeSeconds' | 'ncMax' | 'ncWindow'> {
  /** `redis://[user:password@]host:port/db` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of every key (default `mutual:`): one per site when several sites share a Redis. */
  keyPrefix?: string;
  /** A command that takes longer fails (→ 503); default 2000 ms. */
  commandTimeoutMs?: number;
  /** Sessions whose keys each instance keeps in memory (default 10,000; 0: none, every request reads Redis). */
  cacheSize?: number;
  random?: RandomSource;
  /**
   * Seals the session secrets before they reach Redis: the same key in every instance that shares the
   * Redis ({@link SessionSealer.fromKey}), or {@link SessionSealer.ephemeral} for a single process.
   */
  sealer: SessionSealer;
  /** Sealed secrets that did not open (another instance's key, an altered value): for a warning. */
  onUnreadable?: (why: OpenFailure, sidPrefix: string) => void;
  /** Extra ioredis options (tests). */
  redis?: RedisOptions;
}

interface Cached extends StoredSession {
  readonly spKey: string;
}

const spaceKey = (s: RealmTriple): string => JSON.stringify([s.algorithm, s.authScope, s.realm]);

/** `redis://:secret@host` → `redis://***@host`, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  readonly maxSessions: number;
  readonly maxPending: number;
  readonly lifetimeSeconds: number;
  readonly ncMax: number;
  readonly ncWindow: number;
  readonly redis: Redis;
  private readonly r: ScriptedRedis;
  private readonly prefix: string;
  private readonly random: RandomSource;
  private readonly cache = new Map<string, Cached>();
  private readonly cacheSize: number;
  private readonly sealer: SessionSealer;
  private readonly onUnreadable: ((why: OpenFailure, sidPrefix: string) => void) | undefined;
  private evicted = 0;
  private expired = 0;
  private unreadable = 0;
  private wasReady = false;

  constructor(options: RedisStoreOptions) {
    this.maxSessions = positive(options.maxSessions ?? 100_000, 'maxSessions');
    this.maxPending = Math.min(positive(options.maxPending ?? Math.max(1, Math.floor(this.maxSessions / 2)), 'maxPending'), this.maxSessions);
    this.lifetimeSeconds = positive(options.lifetimeSeconds ?? 600, 'lifetimeSeconds');
    this.ncMax = positive(options.ncMax ?? 1_000_000, 'ncMax');
    this.ncWindow = positive(options.ncWindow ?? 256, 'ncWindow');
    if (this.ncWindow > 65_536) throw new RangeError('ncWindow must be at most 65536');
    this.prefix = options.keyPrefix ?? 'mutual:';
    this.random = options.random ?? webRandom;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.sealer = options.sealer;
    this.onUnreadable = options.onUnreadable;
    this.redis = new Redis(options.url, {
      // Fail fast instead of queueing: a request waiting on a dead Redis gets its 503 at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      enableAutoPipelining: true,
      // Reconnect for ever, at most a second apart: a restarted Redis is picked up by itself.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
      ...options.redis,
    });
    // Errors reach the requests as 503s; the client's own error events must not crash the process.
    this.redis.on('error', () => undefined);
    this.redis.on('ready', () => {
      this.wasReady = true;
    });
    this.redis.defineCommand('mutualCreate', { numberOfKeys: 4, lua: CREATE });
    this.redis.defineCommand('mutualVerify', { numberOfKeys: 5, lua: VERIFY });
    this.redis.defineCommand('mutualSweep', { numberOfKeys: 3, lua: SWEEP });
    this.r = this.redis as ScriptedRedis;
  }

  /** Resolves once connected (or rejects after `timeoutMs`); the store works without it, failing closed meanwhile. */
  ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((ok, ko) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        ko(new StoreUnavailableError(`Redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        ok();
      };
      this.redis.once('ready', onReady);
    });
  }

  private key(kind: string, sid?: string): string {
    return sid === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${sid}`;
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      // Right after start-up, wait a moment for the first connection; after that, never queue (fail fast).
      if (!this.wasReady && this.redis.status !== 'ready') await this.ready(2000);
      return await f();
    } catch (e) {
      throw new StoreUnavailableError(`Redis ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async create(init: NewSession): Promise<string> {
    const sp = spaceKey(init.space);
    for (let attempt = 0; ; attempt++) {
      const sid = bytesToHex(this.random(16));
      const sKey = this.key('s', sid);
      const user = Buffer.from(init.user, 'utf8');
      const sealed = this.sealer.seal(init, { redisKey: sKey, space: sp, user, fake: init.fake });
      const [done, evicted, expired] = await this.call('create', () =>
        this.r.mutualCreate(
          this.key('pending'), this.key('rejected'), this.key('auth'), sKey,
          this.prefix, sid, this.lifetimeSeconds * 1000, this.maxPending, this.maxSessions,
          sp, user, init.fake ? '1' : '0', sealed, this.ncMax, this.ncWindow,
        ));
      this.evicted += evicted;
      this.expired += expired;
      if (done === 1) {
        this.remember({ sid, space: init.space, user: init.user, fake: init.fake, K_c1: init.K_c1, K_s1: init.K_s1, z: init.z, spKey: sp });
        return sid;
      }
      if (attempt > 3) throw new Error('could not allocate a session identifier');
    }
  }

  private remember(c: Cached): void {
    if (this.cacheSize === 0) return;
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(c.sid, c);
  }

  async lookup(sid: string, space: RealmTriple): Promise<StoredSession | undefined> {
    const key = sid.toLowerCase();
    const sp = spaceKey(space);
    const hit = this.cache.get(key);
    if (hit) return hit.spKey === sp ? hit : undefined;
    const sKey = this.key('s', key);
    const [st, spv, user, fake, sec] = await this.call('lookup', () =>
      this.redis.hmgetBuffer(sKey, 'st', 'sp', 'user', 'fake', 'sec'));
    if (!st || !spv || spv.toString('utf8') !== sp || !user) return undefined;
    if (!sec) {
      // A rejected session: its secrets are gone, the atomic step answers for it. Any other state without
      // them (a session written by an older version, in the clear) is not used: the client re-keys.
      if (st.toString() !== 'r') return this.unusable('altered', key);
      const empty = new Uint8Array(0);
      return { sid: key, space, user: user.toString('utf8'), fake: true, K_c1: empty, K_s1: empty, z: empty };
    }
    const isFake = fake?.toString() === '1';
    const keys = this.sealer.open(sec, { redisKey: sKey, space: sp, user, fake: isFake });
    if (typeof keys === 'string') return this.unusable(keys, key);
    const s: Cached = { sid: key, space, user: user.toString('utf8'), fake: isFake, ...keys, spKey: sp };
    this.remember(s);
    return s;
  }

  /** Sealed secrets that do not open: the session is unknown here (401-STALE → a new key exchange). */
  private unusable(why: OpenFailure, sid: string): undefined {
    this.unreadable++;
    this.onUnreadable?.(why, sid.slice(0, 8));
    return undefined;
  }

  async verify(step: VerifyStep): Promise<VerifyOutcome> {
    const sid = step.sid.toLowerCase();
    const nc = Number.isSafeInteger(step.nc) ? String(step.nc) : '-1';
    const out = await this.call('verify', () =>
      this.r.mutualVerify(
        this.key('s', sid), this.key('n', sid), this.key('pending'), this.key('rejected'), this.key('auth'),
        sid, spaceKey(step.space), nc, step.vkcOk ? '1' : '0', step.end ? '1' : '0',
      ));
    const [result, why] = out;
    if (result !== 'accepted' || step.end) this.cache.delete(sid);
    switch (result) {
      case 'accepted':
        return { result: 'accepted' };
      case 'failed':
        return { result: 'failed' };
      case 'rejected':
        return { result: 'rejected' };
      default:
        return { result: 'stale', why: why === 'above-max' || why === 'below-window' || why === 'duplicate' ? why : 'unknown sid' };
    }
  }

  async stats(): Promise<StoreStats> {
    const [p, r, a] = await this.call('stats', () =>
      Promise.all([this.redis.zcard(this.key('pending')), this.redis.zcard(this.key('rejected')), this.redis.zcard(this.key('auth'))]));
    return { size: p + r + a, pending: p + r, authenticated: a, evicted: this.evicted, expired: this.expired, unreadable: this.unreadable };
  }

  async recentSessions(limit: number): Promise<SessionSummary[]> {
    const sids = await this.call('sessions', () => this.redis.zrevrange(this.key('auth'), 0, limit - 1));
    const rows = await this.call('sessions', () =>
      Promise.all(sids.map((sid) => this.redis.hmget(this.key('s', sid), 'sp', 'acc', 'lnc'))));
    const out: SessionSummary[] = [];
    sids.forEach((sid, i) => {
      const [sp, acc, lnc] = rows[i]!;
      if (!sp) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(sp);
      } catch {
        return;
      }
      if (!Array.isArray(parsed) || parsed.length !== 3) return;
      const requests = Number(acc ?? 0);
      out.push({ sidPrefix: sid.slice(0, 8), algorithm: String(parsed[0]) as AlgorithmName, realm: String(parsed[2]), requests, distinctNc: requests, largestNc: Number(lnc ?? 0) });
    });
    return out.reverse();
  }

  async sweep(): Promise<void> {
    this.expired += await this.call('sweep', () => this.r.mutualSweep(this.key('pending'), this.key('rejected'), this.key('auth')));
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}
