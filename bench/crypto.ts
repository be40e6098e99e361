/**
 * The cryptographic cost of Mutual logins (RFC 8120 §2.2: derive pi, make kc1, process ks1, compute vkc,
 * check vks) and of the server's key exchange, ours against the same operations done natively with
 * node:crypto (OpenSSL) in the same run, interleaved so that machine noise hits both alike.
 *
 *   npx tsx bench/crypto.ts [--wall]   (one to two minutes; CPU time unless --wall)
 *   npx tsx bench/crypto.ts --server [--runs N]   (the server table alone)
 *
 * Client, native counterpart: pbkdf2Sync; DL: two createDiffieHellman exponentiations (g^S_c1 and K_s1^w,
 * as many as ours); EC: two createECDH multiplications ([S_c1]G and [w]K_s1); createHash for t_1, t_2,
 * vkc, vks. Ours also checks K_s1 (range + Jacobi / P'()), which OpenSSL's DH/ECDH do only partly.
 * "after the password" leaves out K_c1 on both sides: the extension prepares it while the user types
 * (MutualClient.prepareKex), so the click → verified path holds pi, z and the hashes.
 *
 * First login: a fresh process per algorithm (this script with --first), cold or after warm(alg) — what
 * the extension calls when a login UI opens — against the median warm login of the main run.
 *
 * Server: serverKs1Random (check K_c1 and J, draw S_s1, K_s1 and z: what src/server runs) with the pure
 * backend and with the node:crypto backend of src/server, against the step's four exponentiations / scalar
 * multiplications in node:crypto alone.
 */
import { execFileSync } from 'node:child_process';
import { createDiffieHellman, createECDH, createHash, getDiffieHellman, pbkdf2Sync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { concatBytes, constantTimeEqual, utf8, webRandom } from '../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, type Algorithm, type AlgorithmName } from '../src/crypto/algorithms.ts';
import { pureBackend, type KexBackend } from '../src/crypto/backend.ts';
import { derivePi, piSalt, verifierJ } from '../src/crypto/derive.ts';
import { int, octets, vi, vs } from '../src/crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret, serverKs1, serverKs1Random } from '../src/crypto/kam3.ts';
import { dlGroup } from '../src/crypto/kam3-dl.ts';
import { ecCurve } from '../src/crypto/kam3-ec.ts';
import { bigintModPow, MODP_2048, MODP_4096, modPow, powG, type ModpGroup } from '../src/crypto/modp.ts';
import { wasmAvailable } from '../src/crypto/montgomery.ts';
import { warm } from '../src/crypto/precompute.ts';
import { checkVks, computeVkc, computeVks } from '../src/crypto/verify.ts';
import { nativeEcProblem } from '../src/server/ec-addon.ts';
import { nativeBackend, nodeCryptoBackend } from '../src/server/native-backend.ts';

/**
 * The clock: CPU time of this process (all its threads: WebCrypto's PBKDF2 runs on libuv's pool) by
 * default, so that on a shared machine the time this process waits for a core counts for neither side;
 * `--wall` for wall-clock time.
 */
const WALL = process.argv.includes('--wall');
const runsAt = process.argv.indexOf('--runs');
/** --runs N: the server table's runs per algorithm (default: half the client runs, at least 5). */
const SERVER_RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : undefined;
const clock = (): number => {
  if (WALL) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const RUNS: Record<AlgorithmName, number> = {
  'iso-kam3-dl-2048-sha256': 31,
  'iso-kam3-dl-4096-sha512': 11,
  'iso-kam3-ec-p256-sha256': 61,
  'iso-kam3-ec-p521-sha512': 41,
};

const NODE_DH: Record<string, string> = { modp2048: 'modp14', modp4096: 'modp16' };
const NODE_CURVE: Record<string, string> = {
  'iso-kam3-ec-p256-sha256': 'prime256v1',
  'iso-kam3-ec-p521-sha512': 'secp521r1',
};

const scope = { authScope: 'https://www.example.com', realm: 'bench', username: 'alice', password: 'correct horse' };
const vh = utf8('https://www.example.com:443');
const vkTail = concatBytes(vi(1), vs(vh));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

interface Phases {
  pi: number;
  kc1: number;
  z: number;
  vk: number;
}
const clientTotal = (p: Phases): number => p.pi + p.kc1 + p.z + p.vk;
const afterPassword = (p: Phases): number => p.pi + p.z + p.vk;

/** One login on our side; only the client's work is timed (the server's answer is computed in between). */
async function oursOnce(alg: Algorithm, J: Uint8Array): Promise<Phases> {
  let t = clock();
  const pi = await derivePi({ algorithm: alg.name, ...scope });
  const tPi = clock() - t;

  t = clock();
  const S_c1 = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S_c1);
  const tKc1 = clock() - t;

  const server = unwrap(serverKs1(alg, { K_c1, J, S_s1: randomSecret(alg, webRandom) }, nativeBackend)); // not client work
  const vks = computeVks(alg, { K_c1, K_s1: server.K_s1, z: server.z, nc: 1, vh }); // not timed

  t = clock();
  const z = unwrap(clientZ(alg, { S_c1, K_c1, K_s1: server.K_s1, pi }));
  const tZ = clock() - t;

  t = clock();
  const v = { K_c1, K_s1: server.K_s1, z, nc: 1, vh };
  computeVkc(alg, v);
  if (!checkVks(alg, v, vks)) throw new Error('bench: vks mismatch');
  const tVk = clock() - t;
  return { pi: tPi, kc1: tKc1, z: tZ, vk: tVk };
}

/** The same operations with node:crypto: all of them, and those after the password (without K_c1). */
function nativeOnce(alg: Algorithm, K_s1: Buffer, vks: Uint8Array): { total: number; afterPassword: number } {
  const h = alg.hash === 'SHA-256' ? 'sha256' : 'sha512';
  let t = clock();
  let K_c1: Buffer;
  let finish: () => Buffer;
  if (alg.kind === 'dl') {
    const group = dlGroup(alg);
    const len = alg.elementLength;
    const dh = createDiffieHellman(getDiffieHellman(NODE_DH[group.name]!).getPrime(), Buffer.from([2]));
    dh.setPrivateKey(Buffer.from(octets(int(randomBytes(len)) % group.r, len)));
    K_c1 = dh.generateKeys();
    finish = () => {
      dh.setPrivateKey(Buffer.from(octets(int(randomBytes(len)) % group.r, len))); // w: same size as ours
      return dh.computeSecret(K_s1);
    };
  } else {
    const n = ecCurve(alg).Fn.ORDER;
    const len = ecCurve(alg).Fp.BYTES;
    const ecdh = createECDH(NODE_CURVE[alg.name]!);
    ecdh.setPrivateKey(Buffer.from(octets((int(randomBytes(len + 8)) % (n - 1n)) + 1n, len)));
    K_c1 = ecdh.getPublicKey(null, 'compressed');
    finish = () => {
      ecdh.setPrivateKey(Buffer.from(octets((int(randomBytes(len + 8)) % (n - 1n)) + 1n, len)));
      return ecdh.computeSecret(K_s1);
    };
  }
  const tKc1 = clock() - t;
  t = clock();
  const pi = pbkdf2Sync(scope.password, piSalt({ algorithm: alg.name, ...scope }), 16384, alg.hashLength, h);
  const z = finish();
  // t_1, t_2, VK_c, VK_s as in RFC 8121 §3 / RFC 8120 §12.2 (values differ from ours: other secrets).
  createHash(h).update(Uint8Array.of(1)).update(K_c1).digest();
  createHash(h).update(Uint8Array.of(2)).update(K_c1).update(K_s1).digest();
  createHash(h).update(Uint8Array.of(4)).update(K_c1).update(K_s1).update(z).update(vkTail).digest();
  const expected = createHash(h).update(Uint8Array.of(3)).update(K_c1).update(K_s1).update(z).update(vkTail).digest();
  constantTimeEqual(expected, vks);
  pi.fill(0);
  const tRest = clock() - t;
  return { total: tKc1 + tRest, afterPassword: tRest };
}

/** A valid peer element in the form node:crypto takes it. */
function nativePeer(alg: Algorithm): Buffer {
  if (alg.kind === 'dl') return Buffer.from(clientKc1(alg, randomSecret(alg, webRandom)));
  const peer = createECDH(NODE_CURVE[alg.name]!);
  peer.generateKeys();
  return peer.getPublicKey();
}

/** The server step's four exponentiations / multiplications in node:crypto alone (no checks, no P()). */
function nativeServerOnce(alg: Algorithm, K_c1: Buffer, J: Buffer): number {
  const h = alg.hash === 'SHA-256' ? 'sha256' : 'sha512';
  const t = clock();
  const t1 = createHash(h).update(Uint8Array.of(1)).update(K_c1).digest();
  if (alg.kind === 'dl') {
    const group = dlGroup(alg);
    const len = alg.elementLength;
    const dh = createDiffieHellman(getDiffieHellman(NODE_DH[group.name]!).getPrime(), Buffer.from([2]));
    dh.setPrivateKey(t1);
    const x = (int(J) * int(dh.computeSecret(K_c1))) % group.q;
    const S = Buffer.from(octets(int(randomBytes(len)) % group.r, len));
    dh.setPrivateKey(S);
    const K_s1 = dh.computeSecret(Buffer.from(octets(x, len)));
    const t2 = createHash(h).update(Uint8Array.of(2)).update(K_c1).update(K_s1).digest();
    dh.setPrivateKey(t2);
    const base = (int(K_c1) * int(dh.generateKeys())) % group.q;
    dh.setPrivateKey(S);
    dh.computeSecret(Buffer.from(octets(base, len)));
  } else {
    const n = ecCurve(alg).Fn.ORDER;
    const len = ecCurve(alg).Fp.BYTES;
    // [t_1]K_c1, [S_s1](sum), [t_2]G, [S_s1](base); the point additions are left out (node:crypto has none)
    const pub = createECDH(NODE_CURVE[alg.name]!);
    pub.setPrivateKey(Buffer.from(octets((int(t1) % (n - 1n)) + 1n, len)));
    pub.computeSecret(K_c1);
    const secret = createECDH(NODE_CURVE[alg.name]!);
    secret.setPrivateKey(Buffer.from(octets((int(randomBytes(len + 8)) % (n - 1n)) + 1n, len)));
    const K_s1 = secret.computeSecret(J);
    const t2 = createHash(h).update(Uint8Array.of(2)).update(K_c1).update(K_s1).digest();
    pub.setPrivateKey(Buffer.from(octets((int(t2) % (n - 1n)) + 1n, len)));
    pub.getPublicKey();
    secret.computeSecret(K_c1);
  }
  return clock() - t;
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const ms = (x: number): string => x.toFixed(2);
const ratio = (a: number, b: number): string => (a / b).toFixed(2) + 'x';

/** Child mode: the very first login of `name` in this process, cold or after warm(); prints JSON. */
async function firstLogin(name: AlgorithmName, warmFirst: boolean): Promise<void> {
  const alg = getAlgorithm(name)!;
  // The verifier (as the server holds it) and the server's answer come from the native backend, so that
  // only the client's own work is first-time work here.
  const Jreal = nativeVerifier(alg, true);
  let warmMs = 0;
  if (warmFirst) {
    const t = clock();
    await warm(alg);
    warmMs = clock() - t;
    // The user types for seconds after the login UI opens: V8's background compiler finishes meanwhile
    // (in CPU time its work would otherwise be charged to the login).
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const p = await oursOnce(alg, Jreal);
  console.log(JSON.stringify({ total: clientTotal(p), afterPassword: afterPassword(p), warm: warmMs }));
}

/**
 * J(pi) computed without touching our client-side code paths (node:crypto): for the bench password, or
 * for a random pi when the password does not matter (the server step).
 */
function nativeVerifier(alg: Algorithm, forPassword = false): Uint8Array {
  const h = alg.hash === 'SHA-256' ? 'sha256' : 'sha512';
  const pi = forPassword
    ? int(pbkdf2Sync(scope.password, piSalt({ algorithm: alg.name, ...scope }), 16384, alg.hashLength, h))
    : int(randomBytes(alg.hashLength));
  if (alg.kind === 'dl') {
    const group = dlGroup(alg);
    return octets(nativeBackend.powG(group, pi, 8 * alg.hashLength), alg.elementLength);
  }
  const Point = ecCurve(alg);
  const ecdh = createECDH(NODE_CURVE[alg.name]!);
  ecdh.setPrivateKey(Buffer.from(octets(pi % Point.Fn.ORDER, Point.Fn.BYTES)));
  const P = ecCurve(alg).fromBytes(ecdh.getPublicKey());
  const { x, y } = P.toAffine();
  return octets(2n * x + (y & 1n), alg.elementLength);
}

function runChild(name: AlgorithmName, warmFirst: boolean): { total: number; afterPassword: number; warm: number } {
  const script = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', script, '--first', name, warmFirst ? 'warm' : 'cold', ...(WALL ? ['--wall'] : [])];
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { total: number; afterPassword: number; warm: number };
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${process.arch}; WebAssembly ${wasmAvailable() ? 'on' : 'OFF'}; ` +
      `${WALL ? 'wall-clock' : 'CPU'} time; medians of interleaved runs\n`,
  );
  const rows: string[][] = [];
  const phaseRows: string[][] = [];
  const warmLogin = new Map<AlgorithmName, Phases>();
  for (const name of ALGORITHM_NAMES) {
    const alg = getAlgorithm(name)!;
    const J = verifierJ(alg, await derivePi({ algorithm: name, ...scope }));
    await warm(alg);
    await oursOnce(alg, J);
    const peer = nativePeer(alg);
    const vks = new Uint8Array(alg.hashLength);
    nativeOnce(alg, peer, vks);
    const phases: Phases[] = [];
    const native: { total: number; afterPassword: number }[] = [];
    for (let i = 0; i < RUNS[name]; i++) {
      phases.push(await oursOnce(alg, J));
      native.push(nativeOnce(alg, peer, vks));
    }
    const o = median(phases.map(clientTotal));
    const n = median(native.map((x) => x.total));
    const oa = median(phases.map(afterPassword));
    const na = median(native.map((x) => x.afterPassword));
    rows.push([name, ms(o), ms(n), ratio(o, n), ms(oa), ms(na), ratio(oa, na), String(RUNS[name])]);
    const med = {
      pi: median(phases.map((p) => p.pi)),
      kc1: median(phases.map((p) => p.kc1)),
      z: median(phases.map((p) => p.z)),
      vk: median(phases.map((p) => p.vk)),
    };
    warmLogin.set(name, med);
    phaseRows.push([name, ms(med.pi), ms(med.kc1), ms(med.z), ms(med.vk)]);
  }
  console.log('client work of one login (ms): all of it, and after the password (K_c1 prepared while the user types)');
  printTable(['algorithm', 'ours', 'native', 'ratio', 'ours after pw', 'native after pw', 'ratio after pw', 'runs'], rows);
  console.log('\nour phases (median ms): pi = PBKDF2 (WebCrypto), kc1 = random S_c1 + K_c1, z = check K_s1 + z, vk = vkc + vks check');
  printTable(['algorithm', 'pi', 'kc1', 'z', 'vk'], phaseRows);

  console.log('\nfirst login in a fresh process (ms, all client work) vs. the warm login above');
  const firstRows: string[][] = [];
  for (const name of ALGORITHM_NAMES) {
    const cold = runChild(name, false);
    const warmed = runChild(name, true);
    const w = clientTotal(warmLogin.get(name)!);
    firstRows.push([name, ms(cold.total), ratio(cold.total, w), ms(warmed.warm), ms(warmed.total), ratio(warmed.total, w), ms(w)]);
  }
  printTable(['algorithm', 'first, cold', 'cold / warm', 'warm() took', 'first after warm()', 'ratio', 'warm login'], firstRows);

  console.log('\nMODP exponentiations (median ms): ours (WebAssembly Montgomery), bigint, node:crypto createDiffieHellman');
  const modRows: string[][] = [];
  for (const [group, runs] of [
    [MODP_2048, 21],
    [MODP_4096, 7],
  ] as [ModpGroup, number][]) {
    const len = group.bits / 8;
    const dh = createDiffieHellman(getDiffieHellman(NODE_DH[group.name]!).getPrime(), Buffer.from([2]));
    const wasm: number[] = [];
    const big: number[] = [];
    const fixed: number[] = [];
    const nat: number[] = [];
    for (let i = 0; i < runs; i++) {
      const e = int(randomBytes(len)) % group.r;
      const b = powG(group, int(randomBytes(len)) % group.r);
      let t = clock();
      modPow(b, e, group.q);
      wasm.push(clock() - t);
      t = clock();
      bigintModPow(b, e, group.q);
      big.push(clock() - t);
      t = clock();
      powG(group, e);
      fixed.push(clock() - t);
      t = clock();
      dh.setPrivateKey(Buffer.from(octets(e, len)));
      dh.computeSecret(Buffer.from(octets(b, len)));
      nat.push(clock() - t);
    }
    const [w, g, f, n] = [median(wasm), median(big), median(fixed), median(nat)];
    modRows.push([group.name, ms(w), ms(g), ms(f), ms(n), ratio(w, n), ratio(g, n), ratio(f, n)]);
  }
  printTable(['group', 'modPow (wasm)', 'bigint', 'powG (comb)', 'OpenSSL', 'wasm ratio', 'bigint ratio', 'powG ratio'], modRows);

  await serverTable();
}

/** The server table alone: `npx tsx bench/crypto.ts --server [--runs N]`. */
async function serverTable(): Promise<void> {
  console.log(`\nserver work per key exchange, serverKs1Random (median ms): the server's backend (${nativeBackend.name}${nativeEcProblem ? `; EC addon ${nativeEcProblem}` : ''}), node:crypto without the addon, and pure, vs. node:crypto alone`);
  const serverRows: string[][] = [];
  for (const name of ALGORITHM_NAMES) {
    const alg = getAlgorithm(name)!;
    const J = nativeVerifier(alg);
    const runs = SERVER_RUNS ?? Math.max(5, Math.round(RUNS[name] / 2));
    const step = (backend: KexBackend, K_c1: Uint8Array): number => {
      const t = clock();
      unwrap(serverKs1Random(alg, { K_c1, J }, webRandom, backend));
      return clock() - t;
    };
    const kc1 = clientKc1(alg, randomSecret(alg, webRandom));
    const nativeJ = alg.kind === 'dl' ? Buffer.from(J) : nativePeer(alg);
    const nativeKc1 = alg.kind === 'dl' ? Buffer.from(kc1) : nativePeer(alg);
    step(nativeBackend, kc1);
    step(nodeCryptoBackend, kc1);
    step(pureBackend, kc1);
    nativeServerOnce(alg, nativeKc1, nativeJ);
    const pure: number[] = [];
    const ours: number[] = [];
    const noAddon: number[] = [];
    const nat: number[] = [];
    for (let i = 0; i < runs; i++) {
      pure.push(step(pureBackend, kc1));
      ours.push(step(nativeBackend, kc1));
      noAddon.push(step(nodeCryptoBackend, kc1));
      nat.push(nativeServerOnce(alg, nativeKc1, nativeJ));
    }
    const [p, o, a, n] = [median(pure), median(ours), median(noAddon), median(nat)];
    serverRows.push([name, ms(o), ms(a), ms(p), ms(n), ratio(o, n), ratio(a, n), ratio(p, n), String(runs)]);
  }
  printTable(['algorithm', 'server backend', 'without addon', 'pure', 'OpenSSL alone', 'ratio', 'without addon', 'pure', 'runs'], serverRows);
}

const firstAt = process.argv.indexOf('--first');
if (firstAt >= 0) await firstLogin(process.argv[firstAt + 1] as AlgorithmName, process.argv[firstAt + 2] === 'warm');
else if (process.argv.includes('--server')) await serverTable();
else await main();
