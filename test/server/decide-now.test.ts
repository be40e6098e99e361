/**
 * decision.ts decideNow: a req-VFY-C against sessions in memory is answered in the same turn (no promise), and
 * the same decision comes back through promises when the store answers with them (Redis); a store that
 * fails — by throwing at once or by rejecting — fails closed with 503, any other error is a 500.
 */
import { describe, expect, it } from 'vitest';
import { getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { derivePi } from '../../src/crypto/derive.ts';
import { clientKc1, clientZ, randomSecret } from '../../src/crypto/kam3.ts';
import { computeVkc } from '../../src/crypto/verify.ts';
import { webRandom } from '../../src/bytes.ts';
import { createMutualDecider, isThenable, type Decision, type MutualDecider } from '../../src/server/decision.ts';
import { MemorySessionStore } from '../../src/server/memory-store.ts';
import { StoreUnavailableError, type SessionStore } from '../../src/server/session-store.ts';
import { makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';

const algorithm: AlgorithmName = 'iso-kam3-ec-p256-sha256';
const alg = getAlgorithm(algorithm)!;
const origin = 'http://127.0.0.1:8080';
const realm = 'r';
const password = 'pw';
const head = `Mutual version=1, algorithm=${algorithm}, validation=host, auth-scope="${origin}", realm="${realm}"`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function deciderWith(store: SessionStore): Promise<MutualDecider> {
  const verifiers = new VerifierStore();
  const v = await makeVerifier({ algorithm, authScope: origin, realm, username: 'alice', password });
  if (!v.ok) throw v.error;
  verifiers.add(v.value);
  return createMutualDecider({ origin, areas: [{ path: '/p/', realm, algorithm }], verifiers, sessions: store });
}

/** A logged-in session's next req-VFY-C Authorization values. */
async function session(decider: MutualDecider): Promise<(nc: number) => string> {
  const pi = await derivePi({ algorithm, authScope: origin, realm, username: 'alice', password });
  const S_c1 = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S_c1);
  const kex = await decider.decide({ method: 'GET', url: '/p/', headers: { authorization: `${head}, user="alice", kc1=${hex(K_c1)}` } });
  const s1 = kex.headers.find(([n]) => n === 'WWW-Authenticate')![1];
  const sid = /sid=([0-9a-f]+)/.exec(s1)![1]!;
  const K_s1 = new Uint8Array(Buffer.from(/ks1=([0-9a-f]+)/.exec(s1)![1]!, 'hex'));
  const z = clientZ(alg, { S_c1, K_c1, K_s1, pi });
  if (!z.ok) throw z.error;
  const keys = { K_c1, K_s1, z: z.value, vh: new Uint8Array(Buffer.from(origin)) };
  return (nc) => `${head}, sid=${sid}, nc=${nc}, vkc=${hex(computeVkc(alg, { ...keys, nc }))}`;
}

/** The in-memory store answering every step through a promise, as a remote store does. */
function promising(inner: MemorySessionStore): SessionStore {
  return new Proxy(inner, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown;
      return typeof v === 'function' ? (...a: unknown[]) => Promise.resolve((v as (...x: unknown[]) => unknown).apply(t, a)) : v;
    },
  });
}

const req = (authorization: string) => ({ method: 'GET', url: '/p/page', headers: { authorization } });

describe('decideNow', () => {
  it('answers a req-VFY-C against sessions in memory in the same turn', async () => {
    const d = await deciderWith(new MemorySessionStore());
    const vfy = await session(d);
    const now = d.decideNow(req(vfy(1)));
    expect(isThenable(now)).toBe(false);
    expect((now as Decision).outcome).toBe('authenticated');
    // The same nonce number again: stale, also at once.
    const again = d.decideNow(req(vfy(1)));
    expect(isThenable(again)).toBe(false);
    expect((again as Decision).outcome).toBe('stale(duplicate)');
    // decide() is the same decision as a promise.
    expect((await d.decide(req(vfy(2)))).outcome).toMatch(/^stale\(/);
  });

  it('gives the same decisions through promises when the store answers with promises', async () => {
    const d = await deciderWith(promising(new MemorySessionStore()));
    const vfy = await session(d);
    const now = d.decideNow(req(vfy(1)));
    expect(isThenable(now)).toBe(true);
    const decided = await now;
    expect(decided.outcome).toBe('authenticated');
    expect(decided.headers.map(([n]) => n)).toEqual(['Authentication-Info', 'Cache-Control']);
    expect((await d.decideNow(req(vfy(1)))).outcome).toBe('stale(duplicate)');
  });

  it('fails closed with 503 when the store throws at once or rejects, and 500 for any other error', async () => {
    for (const how of ['throws', 'rejects'] as const) {
      const inner = new MemorySessionStore();
      const d = await deciderWith(inner);
      const vfy = await session(d);
      inner.lookup = () => {
        if (how === 'throws') throw new StoreUnavailableError('down');
        return Promise.reject(new StoreUnavailableError('down')) as never;
      };
      const r = await d.decideNow(req(vfy(1)));
      expect(r.action === 'respond' && r.status, how).toBe(503);
      expect(r.outcome).toContain('store-unavailable');
      inner.lookup = () => {
        throw new Error('bug');
      };
      const e = await d.decideNow(req(vfy(2)));
      expect(e.action === 'respond' && e.status, how).toBe(500);
      expect(d.counters.successes).toBe(0);
    }
  });
});
