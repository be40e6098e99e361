/**
 * The server's CPU per authenticated request without sockets: the decision (src/server/decision.ts) for
 * prepared req-VFY-C requests against an in-memory session, as the node:http handler calls it. Prints
 * µs per decide() (median of rounds); run with `node --cpu-prof --import tsx bench/server-decide.ts` to see
 * where the time goes. bench:server measures the same work with Node's HTTP stack around it.
 *
 *   npx tsx bench/server-decide.ts [--algorithm iso-kam3-ec-p256-sha256] [--requests 20000] [--rounds 7]
 */
import { getAlgorithm, type AlgorithmName } from '../src/crypto/algorithms.ts';
import { derivePi } from '../src/crypto/derive.ts';
import { clientKc1, clientZ, randomSecret } from '../src/crypto/kam3.ts';
import { computeVkc, computeVks } from '../src/crypto/verify.ts';
import { webRandom } from '../src/bytes.ts';
import { createMutualDecider } from '../src/server/decision.ts';
import { makeVerifier, VerifierStore } from '../src/server/verifier-file.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const algorithm = arg('algorithm', 'iso-kam3-ec-p256-sha256') as AlgorithmName;
const REQUESTS = Number(arg('requests', '20000'));
const ROUNDS = Number(arg('rounds', '7'));
const alg = getAlgorithm(algorithm)!;
const origin = 'http://127.0.0.1:8080';
const realm = 'bench';
const password = 'bench password';
const wire = (b: Uint8Array): string => (alg.wire === 'hex' ? Buffer.from(b).toString('hex') : `"${Buffer.from(b).toString('base64')}"`);

const verifiers = new VerifierStore();
const v = await makeVerifier({ algorithm, authScope: origin, realm, username: 'bench', password });
if (!v.ok) throw v.error;
verifiers.add(v.value);
const decider = createMutualDecider({ origin, areas: [{ path: '/p/', realm, algorithm }], verifiers, sessions: { maxSessions: 1000, ncMax: 2 ** 40 } });

const pi = await derivePi({ algorithm, authScope: origin, realm, username: 'bench', password });
const S_c1 = randomSecret(alg, webRandom);
const K_c1 = clientKc1(alg, S_c1);
const head = `Mutual version=1, algorithm=${algorithm}, validation=host, auth-scope="${origin}", realm="${realm}"`;
const kex = await decider.decide({ method: 'GET', url: '/p/x', headers: { authorization: `${head}, user="bench", kc1=${wire(K_c1)}` } });
const s1 = kex.headers.find(([n]) => n === 'WWW-Authenticate')![1];
const sid = /sid=([0-9a-f]+)/.exec(s1)![1]!;
const ks1 = /ks1=("?)([^",]+)\1/.exec(s1)![2]!;
const K_s1 = new Uint8Array(alg.wire === 'hex' ? Buffer.from(ks1, 'hex') : Buffer.from(ks1, 'base64'));
const z = clientZ(alg, { S_c1, K_c1, K_s1, pi });
if (!z.ok) throw z.error;
const vh = new Uint8Array(Buffer.from(origin));
const keys = { K_c1, K_s1, z: z.value, vh };

let nc = 1;
const prepare = (count: number): string[] =>
  Array.from({ length: count }, () => {
    const n = nc++;
    // Flat strings, as node:http hands header values over (a concatenated one would be flattened on first use).
    return Buffer.from(`${head}, sid=${sid}, nc=${n}, vkc=${wire(computeVkc(alg, { ...keys, nc: n }))}`, 'latin1').toString('latin1');
  });

async function round(count: number): Promise<number> {
  const auths = prepare(count);
  const t = process.cpuUsage();
  for (const authorization of auths) {
    const d = await decider.decide({ method: 'GET', url: '/p/page', headers: { authorization } });
    if (d.outcome !== 'authenticated') throw new Error(`not authenticated: ${d.outcome}`);
  }
  const u = process.cpuUsage(t);
  return (u.user + u.system) / count;
}

// One response checked the way a client would (same vks octets as the plain formula).
{
  const n = nc++;
  const d = await decider.decide({ method: 'GET', url: '/p/page', headers: { authorization: `${head}, sid=${sid}, nc=${n}, vkc=${wire(computeVkc(alg, { ...keys, nc: n }))}` } });
  const info = d.headers.find(([h]) => h === 'Authentication-Info')![1];
  if (!info.includes(`vks=${wire(computeVks(alg, { ...keys, nc: n }))}`)) throw new Error('wrong vks');
}
await round(REQUESTS); // warm-up
const us: number[] = [];
for (let i = 0; i < ROUNDS; i++) us.push(await round(REQUESTS));
us.sort((a, b) => a - b);
console.log(`${algorithm}: decide() for req-VFY-C → 200: ${us[us.length >> 1]!.toFixed(2)} µs CPU each (median of ${ROUNDS} rounds of ${REQUESTS}; min ${us[0]!.toFixed(2)}, max ${us[us.length - 1]!.toFixed(2)})`);
