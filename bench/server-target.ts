/**
 * The server side of `npm run bench:server`, in its own process (so the load generator does not share its
 * event loop): a tiny application ("ok") on 127.0.0.1, either bare or behind the Mutual handler with
 * sessions in memory or in Redis, one area per algorithm for the user "bench".
 *
 *   tsx bench/server-target.ts plain|memory|redis|redis-cold [REDIS_URL]
 *
 * redis-cold: no instance cache, so every request reads the session from Redis and opens its sealed secrets.
 *
 * Prints one JSON line {port, origin} once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALGORITHM_NAMES } from '../src/crypto/algorithms.ts';
import { authOf, createMutualHandler } from '../src/server/handler.ts';
import { RedisSessionStore } from '../src/server/redis-store.ts';
import { SessionSealer } from '../src/server/redis-seal.ts';
import { makeVerifier, VerifierStore } from '../src/server/verifier-file.ts';

const BENCH_PASSWORD = 'bench password';
const slugOf = (algorithm: string): string => algorithm.replace(/^iso-kam3-/, '').replace(/-sha\d+$/, '');

const [mode, redisUrl] = process.argv.slice(2);
if (mode !== 'plain' && mode !== 'memory' && mode !== 'redis' && mode !== 'redis-cold') throw new Error('usage: server-target.ts plain|memory|redis|redis-cold [REDIS_URL]');

const app = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  const body = `ok ${authOf(req)?.user ?? ''}\n`;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
};

let listener: http.RequestListener = app;
const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => listener(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const origin = `http://127.0.0.1:${port}`;

if (mode !== 'plain') {
  const verifiers = new VerifierStore();
  const areas = ALGORITHM_NAMES.map((algorithm) => ({ path: `/${slugOf(algorithm)}/`, realm: 'bench', algorithm }));
  for (const a of areas) {
    const v = await makeVerifier({ algorithm: a.algorithm, authScope: origin, realm: a.realm, username: 'bench', password: BENCH_PASSWORD });
    if (!v.ok) throw v.error;
    verifiers.add(v.value);
  }
  const sessions = mode === 'memory'
    ? { maxSessions: 100_000 }
    : new RedisSessionStore({ url: redisUrl!, keyPrefix: `bench${port}:`, sealer: SessionSealer.ephemeral(), ...(mode === 'redis-cold' ? { cacheSize: 0 } : {}) });
  if (sessions instanceof RedisSessionStore) await sessions.ready();
  const handler = createMutualHandler({ origin, areas, verifiers, sessions });
  listener = (req, res) => handler(req, res, () => app(req, res));
}
process.stdout.write(`${JSON.stringify({ port, origin })}\n`);
