/**
 * Issue 11, "must show": three `mutual serve --redis` instances with the same --origin behind a round-robin
 * balancer (test/support/round-robin.ts), a real redis-server, and real clients (`mutual fetch`, the client
 * engine, the independent test client).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendVerifier, makeVerifier } from '../../src/server/verifier-file.ts';
import { runCli } from '../support/run-cli.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { startRoundRobin, type RoundRobin } from '../support/round-robin.ts';
import { engineClient } from '../support/engine-client.ts';
import { startMutualProcess, type ServeProcess } from '../support/serve-process.ts';
import { login, rawVfy, reasonOf, request, vfyC } from './test-client.ts';

const ALGORITHM = 'iso-kam3-ec-p256-sha256';
const PASSWORD = 'tr0ub4dor&3';

type Instance = ServeProcess;

const startInstance = (args: string[]): Promise<Instance> => startMutualProcess('serve', ['--port', '0', '--quiet', ...args], 30_000);

function kill(i: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((done) => {
    if (i.child.exitCode !== null || i.child.signalCode !== null) return done();
    i.child.removeAllListeners('exit');
    i.child.once('exit', () => done());
    i.child.kill(signal);
  });
}

async function status(url: string): Promise<{ successes: number; exchanges: number; duplicateNonces: number; storeUnavailable: number; staleRejections: number; store: string }> {
  const r = await request(`${url}/.well-known/mutual-status`);
  return JSON.parse(r.body.toString()) as Awaited<ReturnType<typeof status>>;
}

let redis: RedisServer;
let lb: RoundRobin;
let instances: Instance[] = [];
let dir: string;
let origin: string;
let instanceArgs: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-multi-'));
  redis = await startRedis();
  lb = await startRoundRobin();
  origin = lb.url; // the public origin is the balancer's: vh and auth-scope come from it, never from Host
  const file = join(dir, 'users.verifiers');
  const v = await makeVerifier({ algorithm: ALGORITHM, authScope: origin, realm: 'staff', username: 'alice', password: PASSWORD });
  if (!v.ok) throw v.error;
  const w = await appendVerifier(file, v.value);
  if (!w.ok) throw w.error;
  // One key for the three instances, as an operator would deploy it (docs/operators.md).
  const keyFile = join(dir, 'redis.key');
  await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const args = ['--origin', origin, '--realm', 'staff', '--algorithm', ALGORITHM, '--verifiers', file, '--redis', redis.url, '--redis-key-file', keyFile];
  instanceArgs = args;
  instances = await Promise.all([startInstance(args), startInstance(args), startInstance(args)]);
  lb.upstreams = instances.map((i) => i.url);
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => kill(i, 'SIGTERM')));
  await lb?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const total = async (key: 'successes' | 'exchanges' | 'duplicateNonces' | 'storeUnavailable'): Promise<number> => {
  let n = 0;
  for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) n += (await status(i.url))[key];
  return n;
};

describe('three `mutual serve --redis` instances behind a round-robin balancer', () => {
  it('log in through one, then 200 more requests spread over all three without a new key exchange (mutual fetch)', async () => {
    expect((await status(instances[0]!.url)).store).toBe('redis');
    lb.seen.length = 0;
    const r = await runCli(['fetch', `${lb.url}/private/`, '--user', 'alice', '--requests', '200'], PASSWORD);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { verified: number; nonces: number[] };
    expect(summary.verified).toBe(201);
    expect(new Set(summary.nonces).size).toBe(201);
    // One key exchange in all, no 401-STALE; every instance served a good share of the authenticated requests.
    expect(lb.seen.filter((s) => s.kex)).toHaveLength(1);
    expect(lb.seen.filter((s) => s.stale)).toHaveLength(0);
    for (let i = 0; i < 3; i++) expect(lb.seen.filter((s) => s.upstream === i && s.authenticated).length).toBeGreaterThanOrEqual(60);
    expect(await total('successes')).toBe(201);
    expect(await total('exchanges')).toBe(1);
  });

  it('the same nonce number sent to two instances at once is accepted at most once, and the session ends (RFC 8120 §11)', async () => {
    const hostVh = origin;
    for (let round = 0; round < 10; round++) {
      const { session } = await login(`${lb.url}/private/`, { user: 'alice', password: PASSWORD, hostVh });
      const nc = session.nextNc++;
      const auth = vfyC(session, nc);
      const [a, b] = await Promise.all([
        request(`${instances[round % 3]!.url}/private/`, { authorization: auth }),
        request(`${instances[(round + 1) % 3]!.url}/private/`, { authorization: auth }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 401]);
      expect(reasonOf(a.status === 401 ? a : b)).toBe('stale-session');
      // The session is gone everywhere: a fresh number at the third instance is stale too.
      const after = await rawVfy(`${instances[(round + 2) % 3]!.url}/private/`, session, session.nextNc++);
      expect(after.status).toBe(401);
      expect(reasonOf(after)).toBe('stale-session');
    }
  });

  it('one instance killed mid-run: the client goes on through the others without logging in again', async () => {
    lb.seen.length = 0;
    let killed = false;
    let n = 0;
    lb.beforeRequest = async () => {
      // mutual fetch is sequential: at its 50th request nothing is in flight to the instance we kill.
      if (++n === 50 && !killed) {
        killed = true;
        await kill(instances[2]!);
      }
    };
    try {
      const r = await runCli(['fetch', `${lb.url}/private/`, '--user', 'alice', '--requests', '120'], PASSWORD);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { verified: number }).verified).toBe(121);
      expect(killed).toBe(true);
      expect(lb.seen.filter((s) => s.kex)).toHaveLength(1);
      expect(lb.seen.filter((s) => s.stale)).toHaveLength(0);
      const beforeKill = lb.seen.slice(0, 49);
      const afterKill = lb.seen.slice(49);
      expect(beforeKill.some((s) => s.upstream === 2 && s.authenticated)).toBe(true);
      expect(afterKill.some((s) => s.upstream === 2)).toBe(false);
      expect(afterKill.filter((s) => s.authenticated).length).toBeGreaterThanOrEqual(70);
    } finally {
      lb.beforeRequest = undefined;
      // Bring the third instance back for the next test.
      instances[2] = await startInstance(instanceArgs);
      lb.upstreams = instances.map((i) => i.url);
    }
  });

  it('Redis restarted: requests fail closed (503) meanwhile, then the client recovers by a silent new key exchange', async () => {
    const client = engineClient('alice', PASSWORD);
    const url = `${lb.url}/private/`;
    for (let i = 0; i < 6; i++) expect((await client.get(url)).action.type).toBe('verified');
    expect(client.prompts).toBe(1);
    expect(client.keyExchanges).toBe(1);
    const successes = await total('successes');

    await redis.stop();
    for (let i = 0; i < 6; i++) {
      const r = await client.get(url);
      expect(r.status).toBe(503);
      expect(r.action.type).not.toBe('verified');
    }
    // Nothing was authenticated without its nonce check.
    expect(await total('successes')).toBe(successes);
    expect(await total('storeUnavailable')).toBeGreaterThanOrEqual(6);

    await redis.restart();
    // Every instance reconnects by itself (at most a second between attempts).
    const deadline = Date.now() + 15_000;
    let r = await client.get(url);
    while (r.status === 503 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      r = await client.get(url);
    }
    expect(r.action.type).toBe('verified');
    for (let i = 0; i < 6; i++) expect((await client.get(url)).action.type).toBe('verified');
    // The empty Redis forgot the session: one more key exchange, with the stored key — no new password prompt.
    expect(client.prompts).toBe(1);
    expect(client.keyExchanges).toBe(2);
  });
});
