/**
 * Shared by the decideNow tests: alice's P-256 verifier for one realm, a key exchange through any `decide`
 * that returns the req-VFY-C Authorization values of the new session, and the in-memory store with every
 * answer passed through a wrapper (a promise, a foreign thenable …), as a remote store answers.
 */
import { getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { derivePi } from '../../src/crypto/derive.ts';
import { clientKc1, clientZ, randomSecret } from '../../src/crypto/kam3.ts';
import { computeVkc } from '../../src/crypto/verify.ts';
import { webRandom } from '../../src/bytes.ts';
import type { Decision } from '../../src/server/decision.ts';
import type { MemorySessionStore } from '../../src/server/memory-store.ts';
import type { SessionStore } from '../../src/server/session-store.ts';
import { makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';

export const algorithm: AlgorithmName = 'iso-kam3-ec-p256-sha256';
const alg = getAlgorithm(algorithm)!;
export const origin = 'http://127.0.0.1:8080';
export const realm = 'r';
const password = 'pw';
/** The realm part of every Mutual Authorization value here. */
export const head = `Mutual version=1, algorithm=${algorithm}, validation=host, auth-scope="${origin}", realm="${realm}"`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export async function verifiers(): Promise<VerifierStore> {
  const v = await makeVerifier({ algorithm, authScope: origin, realm, username: 'alice', password });
  if (!v.ok) throw v.error;
  return new VerifierStore([v.value]);
}

/** A key exchange through `decide`; the req-VFY-C Authorization values of its session. */
export async function session(decide: (authorization: string) => Promise<Decision>): Promise<(nc: number) => string> {
  const pi = await derivePi({ algorithm, authScope: origin, realm, username: 'alice', password });
  const S_c1 = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S_c1);
  const kex = await decide(`${head}, user="alice", kc1=${hex(K_c1)}`);
  const s1 = kex.headers.find(([n]) => n === 'WWW-Authenticate')![1];
  const sid = /sid=([0-9a-f]+)/.exec(s1)![1]!;
  const K_s1 = new Uint8Array(Buffer.from(/ks1=([0-9a-f]+)/.exec(s1)![1]!, 'hex'));
  const z = clientZ(alg, { S_c1, K_c1, K_s1, pi });
  if (!z.ok) throw z.error;
  const keys = { K_c1, K_s1, z: z.value, vh: new Uint8Array(Buffer.from(origin)) };
  return (nc) => `${head}, sid=${sid}, nc=${nc}, vkc=${hex(computeVkc(alg, { ...keys, nc }))}`;
}

export type Wrap = (v: unknown) => unknown;

/** The in-memory store with every answer passed through `wrap`. */
export function answering(inner: MemorySessionStore, wrap: Wrap): SessionStore {
  return new Proxy(inner, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown;
      return typeof v === 'function' ? (...a: unknown[]) => wrap((v as (...x: unknown[]) => unknown).apply(t, a)) : v;
    },
  });
}
