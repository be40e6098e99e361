/**
 * `npm run bench:server`: how many requests a Mutual server keeps up with. A load generator (the independent
 * test client, test/server/test-client.ts: every 200-VFY-S's vks is checked) logs in many concurrent
 * sessions, then sends valid req-VFY-C requests (fresh nonce numbers, keep-alive) for a fixed time against a
 * server in another process (bench/server-target.ts). All ratios come from the same run:
 *
 * - authenticated requests/s vs. the same application without authentication (target ≥ 0.7×);
 * - authenticated requests/s with sessions in Redis (a real redis-server on a free port) vs. in memory, with
 *   the instance's session cache and without it (every request reads the session and opens its sealed secrets);
 * - key exchanges/s (req-KEX-C1 → 401-KEX-S1, the server's serverKs1) per algorithm;
 * - the server process's own CPU time per request (Linux: /proc/PID/stat), with and without authentication:
 *   on a machine whose cores the load generator shares, requests/s also measures the load generator (which
 *   checks every vks), so the capacity per server core (requests per CPU-second) is printed beside it.
 *
 * The two rates of the first ratio are measured in interleaved rounds (without, with, without, with …) and the
 * median of the per-round ratios is printed with its range: on a shared machine one window of each moved the
 * ratio by ±0.3 between runs. The load generator's own CPU per request is printed too: on two shared cores its
 * work (a vkc to compute and a vks to check per authenticated request) counts against the server's requests/s.
 *
 *   npm run bench:server [-- --seconds 2 --rounds 5 --sessions 32]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ALGORITHM_NAMES, getAlgorithm } from '../src/crypto/algorithms.ts';
import { clientKc1, randomSecret } from '../src/crypto/kam3.ts';
import { webRandom } from '../src/bytes.ts';
import { checkVfyS, login, request, vfyC, type Session } from '../test/server/test-client.ts';
import { startRedis } from '../test/support/redis-server.ts';
import { median } from './median.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 2);
const ROUNDS = arg('rounds', 5);
const SESSIONS = arg('sessions', 32);
const KEX_CLIENTS = 4;
const PASSWORD = 'bench password';
const slugOf = (algorithm: string): string => algorithm.replace(/^iso-kam3-/, '').replace(/-sha\d+$/, '');
const P256 = slugOf('iso-kam3-ec-p256-sha256');
const TARGET = fileURLToPath(new URL('./server-target.ts', import.meta.url));

interface Target {
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startTarget(mode: string, redisUrl?: string): Promise<Target> {
  return new Promise((resolve, reject) => {
    // Node itself with tsx as a loader (not the tsx launcher, which runs Node as its own child: a SIGKILL then left
    // that grandchild serving and holding the stdout pipe, and the bench never exited).
    const child = spawn(process.execPath, ['--import', 'tsx', TARGET, mode, ...(redisUrl ? [redisUrl] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        const { origin } = JSON.parse(line) as { origin: string };
        resolve({
          origin,
          child,
          stop: () => new Promise((r) => {
            child.once('exit', () => r());
            child.kill('SIGKILL');
          }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server-target ${mode} exited with ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used so far; undefined where /proc is unavailable. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which is in parentheses and may contain spaces): utime is the 12th, stime the 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

interface Rate {
  /** Requests per wall-clock second. */
  perSecond: number;
  /** Requests per CPU-second of the server process (undefined without /proc). */
  perCpuSecond: number | undefined;
  /** CPU µs of this process (the load generator) per request. */
  generatorUs: number;
}

/** Requests/s over SECONDS with `workers` concurrent loops, each awaiting its previous response. */
async function run(t: Target, workers: number, one: (w: number) => Promise<void>): Promise<Rate> {
  const end = Date.now() + SECONDS * 1000;
  let done = 0;
  const start = performance.now();
  const cpu0 = cpuSeconds(t.child.pid);
  const own0 = process.cpuUsage();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    while (Date.now() < end) {
      await one(w);
      done++;
    }
  }));
  const cpu1 = cpuSeconds(t.child.pid);
  const own = process.cpuUsage(own0);
  const perCpuSecond = cpu0 !== undefined && cpu1 !== undefined && cpu1 > cpu0 ? done / (cpu1 - cpu0) : undefined;
  return { perSecond: done / ((performance.now() - start) / 1000), perCpuSecond, generatorUs: (own.user + own.system) / Math.max(done, 1) };
}

async function plainRate(t: Target, agent: http.Agent): Promise<Rate> {
  return run(t, SESSIONS, async () => {
    const r = await request(`${t.origin}/${P256}/page`, {}, { agent });
    if (r.status !== 200) throw new Error(`plain: ${r.status}`);
  });
}

async function mutualRate(t: Target, agent: http.Agent): Promise<Rate> {
  const url = `${t.origin}/${P256}/page`;
  const sessions: Session[] = [];
  for (let i = 0; i < SESSIONS; i += 8) {
    const batch = await Promise.all(Array.from({ length: Math.min(8, SESSIONS - i) }, () =>
      login(url, { user: 'bench', password: PASSWORD, hostVh: t.origin, agent })));
    sessions.push(...batch.map((b) => b.session));
  }
  return run(t, SESSIONS, async (w) => {
    const s = sessions[w]!;
    const nc = s.nextNc++;
    const r = await request(url, { authorization: vfyC(s, nc) }, { agent });
    checkVfyS(s, nc, r);
  });
}

async function kexRate(t: Target, algorithm: string, agent: http.Agent): Promise<Rate> {
  const alg = getAlgorithm(algorithm)!;
  const K = clientKc1(alg, randomSecret(alg, webRandom));
  const kc1 = alg.wire === 'hex' ? Buffer.from(K).toString('hex') : `"${Buffer.from(K).toString('base64')}"`;
  const auth = `Mutual version=1, algorithm=${algorithm}, validation=host, auth-scope="${t.origin}", realm="bench", user="bench", kc1=${kc1}`;
  return run(t, KEX_CLIENTS, async () => {
    const r = await request(`${t.origin}/${slugOf(algorithm)}/`, { authorization: auth }, { agent });
    if (r.status !== 401 || !/ks1=/.test(String(r.headers['www-authenticate']))) throw new Error(`kex: ${r.status}`);
  });
}

const fmt = (n: number): string => n.toFixed(0).padStart(7);
/** The median of per-round ratios, with their range: `0.74× (0.69–0.78 over 5 rounds)`. */
const spread = (xs: number[]): string => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} over ${xs.length} rounds)`;
const medianRate = (xs: Rate[]): Rate => {
  const cpu = xs.flatMap((x) => (x.perCpuSecond === undefined ? [] : [x.perCpuSecond]));
  return { perSecond: median(xs.map((x) => x.perSecond)), perCpuSecond: cpu.length === xs.length ? median(cpu) : undefined, generatorUs: median(xs.map((x) => x.generatorUs)) };
};

async function main(): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SESSIONS });
  console.log(`bench:server — ${SESSIONS} concurrent sessions, ${SECONDS} s per run, iso-kam3-ec-p256-sha256, server in its own process`);
  const redis = await startRedis();
  const targets: Target[] = [];
  const kill = () => {
    for (const t of targets) t.child.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    const plain = await startTarget('plain');
    targets.push(plain);
    const memory = await startTarget('memory');
    targets.push(memory);
    const inRedis = await startTarget('redis', redis.url);
    targets.push(inRedis);
    const cold = await startTarget('redis-cold', redis.url);
    targets.push(cold);
    // Warm up each (JIT), then the measured runs: without and with authentication in interleaved rounds.
    await plainRate(plain, agent);
    await mutualRate(memory, agent);
    await mutualRate(inRedis, agent);
    await mutualRate(cold, agent);
    const rounds: Array<{ p: Rate; m: Rate }> = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push({ p: await plainRate(plain, agent), m: await mutualRate(memory, agent) });
    const r = await mutualRate(inRedis, agent);
    const c = await mutualRate(cold, agent);
    const p = medianRate(rounds.map((x) => x.p));
    const m = medianRate(rounds.map((x) => x.m));
    const perCpu = (x: Rate): string =>
      `${x.perCpuSecond === undefined ? '' : `   ${fmt(x.perCpuSecond)} per server CPU-second (${(1e6 / x.perCpuSecond).toFixed(0)} µs each)`}; load generator ${x.generatorUs.toFixed(0)} µs each`;
    console.log(`  without authentication:         ${fmt(p.perSecond)} req/s${perCpu(p)}   (medians of ${ROUNDS} rounds)`);
    console.log(`  Mutual, sessions in memory:     ${fmt(m.perSecond)} req/s${perCpu(m)}   (medians of ${ROUNDS} rounds)`);
    console.log(`  Mutual, sessions in Redis:      ${fmt(r.perSecond)} req/s${perCpu(r)}`);
    console.log(`  … in Redis, no instance cache:  ${fmt(c.perSecond)} req/s${perCpu(c)}`);
    const wall = rounds.map((x) => x.m.perSecond / x.p.perSecond);
    console.log(`ratio (authenticated / without authentication): ${spread(wall)} (target ≥ 0.7×)`);
    const cpu = rounds.flatMap((x) => (x.m.perCpuSecond !== undefined && x.p.perCpuSecond !== undefined ? [x.m.perCpuSecond / x.p.perCpuSecond] : []));
    if (cpu.length > 0) {
      console.log(`ratio per server CPU-second (authenticated / without; the load generator's share left out): ${spread(cpu)}`);
    }
    console.log(`ratio (Redis store / in-memory store): ${(r.perSecond / m.perSecond).toFixed(2)}×`);
    console.log(`ratio (Redis store without / with the instance cache): ${(c.perSecond / r.perSecond).toFixed(2)}×`);
    console.log(`key exchanges/s (req-KEX-C1 → 401-KEX-S1, ${KEX_CLIENTS} concurrent clients, sessions in memory):`);
    for (const algorithm of ALGORITHM_NAMES) {
      const k = await kexRate(memory, algorithm, agent);
      console.log(`  ${algorithm.padEnd(26)} ${k.perSecond.toFixed(1).padStart(8)} /s${k.perCpuSecond === undefined ? '' : `   ${(1000 / k.perCpuSecond).toFixed(2)} ms of server CPU each`}`);
    }
  } finally {
    agent.destroy();
    await Promise.all(targets.map((t) => t.stop()));
    await redis.stop();
  }
}

await main();
