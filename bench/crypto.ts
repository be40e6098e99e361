/**
 * The client's cryptographic cost of one Mutual login (RFC 8120 §2.2: derive pi, make kc1, process ks1,
 * compute vkc, check vks) per algorithm, against the same operations done natively with node:crypto
 * (OpenSSL) in the same run, interleaved so that machine noise hits both alike.
 *
 *   npx tsx bench/crypto.ts            (about half a minute)
 *
 * Native counterpart: pbkdf2Sync; DL: two createDiffieHellman exponentiations (g^S_c1 and K_s1^w, as many
 * as ours); EC: two createECDH multiplications ([S_c1]G and [w]K_s1); createHash for t_1, t_2, vkc, vks.
 * Ours also checks K_s1 (range + Jacobi / P'()), which OpenSSL's DH/ECDH do only partly.
 */
import { createDiffieHellman, createECDH, createHash, getDiffieHellman, pbkdf2Sync, randomBytes } from 'node:crypto';
import { concatBytes, constantTimeEqual, utf8, webRandom } from '../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, type Algorithm, type AlgorithmName } from '../src/crypto/algorithms.ts';
import { derivePi, piSalt, verifierJ } from '../src/crypto/derive.ts';
import { int, octets, vi, vs } from '../src/crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret, serverKs1 } from '../src/crypto/kam3.ts';
import { dlGroup } from '../src/crypto/kam3-dl.ts';
import { ecCurve } from '../src/crypto/kam3-ec.ts';
import { MODP_2048, MODP_4096, jacobi, modPow, powG, type ModpGroup } from '../src/crypto/modp.ts';
import { checkVks, computeVkc, computeVks } from '../src/crypto/verify.ts';

const RUNS: Record<AlgorithmName, number> = {
  'iso-kam3-dl-2048-sha256': 41,
  'iso-kam3-dl-4096-sha512': 15,
  'iso-kam3-ec-p256-sha256': 81,
  'iso-kam3-ec-p521-sha512': 61,
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
  /** Not client work: the server's serverKs1 (check K_c1, K_s1, z), for the server's capacity planning. */
  server: number;
}

/** One login on our side; only the client's work is timed (the server's answer is computed in between). */
async function oursOnce(alg: Algorithm, J: Uint8Array): Promise<Phases> {
  let t = performance.now();
  const pi = await derivePi({ algorithm: alg.name, ...scope });
  const tPi = performance.now() - t;

  t = performance.now();
  const S_c1 = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S_c1);
  const tKc1 = performance.now() - t;

  t = performance.now();
  const server = unwrap(serverKs1(alg, { K_c1, J, S_s1: randomSecret(alg, webRandom) })); // not client work
  const tServer = performance.now() - t;
  const vks = computeVks(alg, { K_c1, K_s1: server.K_s1, z: server.z, nc: 1, vh }); // not timed

  t = performance.now();
  const z = unwrap(clientZ(alg, { S_c1, K_c1, K_s1: server.K_s1, pi }));
  const tZ = performance.now() - t;

  t = performance.now();
  const v = { K_c1, K_s1: server.K_s1, z, nc: 1, vh };
  computeVkc(alg, v);
  if (!checkVks(alg, v, vks)) throw new Error('bench: vks mismatch');
  const tVk = performance.now() - t;
  return { pi: tPi, kc1: tKc1, z: tZ, vk: tVk, server: tServer };
}

/** The same operations with node:crypto. */
function nativeOnce(alg: Algorithm, K_s1: Buffer, vks: Uint8Array): number {
  const h = alg.hash === 'SHA-256' ? 'sha256' : 'sha512';
  const t = performance.now();
  const pi = pbkdf2Sync(scope.password, piSalt({ algorithm: alg.name, ...scope }), 16384, alg.hashLength, h);
  let K_c1: Buffer;
  let z: Buffer;
  if (alg.kind === 'dl') {
    const group = dlGroup(alg);
    const len = alg.elementLength;
    const dh = createDiffieHellman(getDiffieHellman(NODE_DH[group.name]!).getPrime(), Buffer.from([2]));
    dh.setPrivateKey(Buffer.from(octets(int(randomBytes(len)) % group.r, len)));
    K_c1 = dh.generateKeys();
    dh.setPrivateKey(Buffer.from(octets(int(randomBytes(len)) % group.r, len))); // w: same size as ours
    z = dh.computeSecret(K_s1);
  } else {
    const n = ecCurve(alg).Fn.ORDER;
    const len = ecCurve(alg).Fp.BYTES;
    const ecdh = createECDH(NODE_CURVE[alg.name]!);
    ecdh.setPrivateKey(Buffer.from(octets((int(randomBytes(len + 8)) % (n - 1n)) + 1n, len)));
    K_c1 = ecdh.getPublicKey(null, 'compressed');
    ecdh.setPrivateKey(Buffer.from(octets((int(randomBytes(len + 8)) % (n - 1n)) + 1n, len)));
    z = ecdh.computeSecret(K_s1);
  }
  // t_1, t_2, VK_c, VK_s as in RFC 8121 §3 / RFC 8120 §12.2 (values differ from ours: other secrets).
  createHash(h).update(Uint8Array.of(1)).update(K_c1).digest();
  createHash(h).update(Uint8Array.of(2)).update(K_c1).update(K_s1).digest();
  createHash(h).update(Uint8Array.of(4)).update(K_c1).update(K_s1).update(z).update(vkTail).digest();
  const expected = createHash(h).update(Uint8Array.of(3)).update(K_c1).update(K_s1).update(z).update(vkTail).digest();
  constantTimeEqual(expected, vks);
  pi.fill(0);
  return performance.now() - t;
}

/** A valid peer element in the form node:crypto takes it. */
function nativePeer(alg: Algorithm): Buffer {
  if (alg.kind === 'dl') return Buffer.from(clientKc1(alg, randomSecret(alg, webRandom)));
  const peer = createECDH(NODE_CURVE[alg.name]!);
  peer.generateKeys();
  return peer.getPublicKey();
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const ms = (x: number): string => x.toFixed(2);

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.arch}; median of interleaved runs; client work of one login\n`);
  const rows: string[][] = [];
  const phaseRows: string[][] = [];
  for (const name of ALGORITHM_NAMES) {
    const alg = getAlgorithm(name)!;
    const J = verifierJ(alg, await derivePi({ algorithm: name, ...scope }));
    let tFirst = performance.now();
    await oursOnce(alg, J); // first login: includes building the comb table of g (DL)
    tFirst = performance.now() - tFirst;
    await oursOnce(alg, J);
    const peer = nativePeer(alg);
    const vks = new Uint8Array(alg.hashLength);
    nativeOnce(alg, peer, vks);
    const ours: number[] = [];
    const native: number[] = [];
    const phases: Phases[] = [];
    for (let i = 0; i < RUNS[name]; i++) {
      const p = await oursOnce(alg, J);
      phases.push(p);
      ours.push(p.pi + p.kc1 + p.z + p.vk);
      native.push(nativeOnce(alg, peer, vks));
    }
    const o = median(ours);
    const n = median(native);
    rows.push([name, ms(o), ms(n), (o / n).toFixed(1) + 'x', String(RUNS[name])]);
    phaseRows.push([
      name,
      ms(median(phases.map((p) => p.pi))),
      ms(median(phases.map((p) => p.kc1))),
      ms(median(phases.map((p) => p.z))),
      ms(median(phases.map((p) => p.vk))),
      ms(tFirst),
      ms(median(phases.map((p) => p.server))),
    ]);
  }
  printTable(['algorithm', 'ours ms', 'native ms', 'ratio', 'runs'], rows);
  console.log('\nour phases (median ms): pi = PBKDF2 (WebCrypto), kc1 = random S_c1 + K_c1, z = check K_s1 + z,');
  console.log('vk = vkc + vks check; first login = the very first run (JIT, comb table); server = serverKs1 (not in "ours")');
  printTable(['algorithm', 'pi', 'kc1', 'z', 'vk', 'first login', 'server'], phaseRows);

  console.log('\nMODP exponentiations (median ms): ours vs node:crypto createDiffieHellman');
  const modRows: string[][] = [];
  for (const [group, runs] of [
    [MODP_2048, 25],
    [MODP_4096, 9],
  ] as [ModpGroup, number][]) {
    const len = group.bits / 8;
    const dh = createDiffieHellman(getDiffieHellman(NODE_DH[group.name]!).getPrime(), Buffer.from([2]));
    const gen: number[] = [];
    const fixed: number[] = [];
    const nat: number[] = [];
    const jac: number[] = [];
    for (let i = 0; i < runs; i++) {
      const e = int(randomBytes(len)) % group.r;
      const b = powG(group, int(randomBytes(len)) % group.r);
      let t = performance.now();
      modPow(b, e, group.q);
      gen.push(performance.now() - t);
      t = performance.now();
      powG(group, e);
      fixed.push(performance.now() - t);
      t = performance.now();
      jacobi(b, group.q);
      jac.push(performance.now() - t);
      t = performance.now();
      dh.setPrivateKey(Buffer.from(octets(e, len)));
      dh.computeSecret(Buffer.from(octets(b, len)));
      nat.push(performance.now() - t);
    }
    const [g, f, n, j] = [median(gen), median(fixed), median(nat), median(jac)];
    modRows.push([group.name, ms(g), ms(f), ms(j), ms(n), (g / n).toFixed(1) + 'x', (f / n).toFixed(1) + 'x']);
  }
  printTable(['group', 'modPow (w=5)', 'powG (comb)', 'jacobi', 'node DH', 'modPow ratio', 'powG ratio'], modRows);
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

await main();
