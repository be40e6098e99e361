/**
 * Work a login can do before the password is typed (RFC 8121 §3: S_c1 and K_c1 do not depend on it), and
 * warming the arithmetic so the first login after start does not pay for compilation and tables.
 *
 * The protocol engine (src/protocol/client.ts, MutualClient.prepareKex) keeps at most one
 * {@link PreparedKex} per algorithm in memory — never in its persisted state — and uses it for the next
 * req-KEX-C1 of that algorithm, once; so the click → verified path holds only pi, z and the two hashes.
 */
import { utf8, type RandomSource } from '../bytes.ts';
import type { Algorithm } from './algorithms.ts';
import { derivePi } from './derive.ts';
import { clientKc1, clientZ, randomSecret } from './kam3.ts';
import { computeVkc, computeVks } from './verify.ts';

/** S_c1 and K_c1 = OCTETS(g^S_c1 / [S_c1]G) of one future exchange. */
export interface PreparedKex {
  readonly algorithm: Algorithm['name'];
  readonly S_c1: bigint;
  readonly K_c1: Uint8Array;
  /** The clock (ms) when prepared: a consumer drops old ones. */
  readonly preparedAt: number;
}

/** A fresh S_c1 from `random` and its K_c1 (RFC 8121 §3.2 / §3.3). */
export function prepareKex(alg: Algorithm, random: RandomSource, now: number): PreparedKex {
  const S_c1 = randomSecret(alg, random);
  return Object.freeze({ algorithm: alg.name, S_c1, K_c1: clientKc1(alg, S_c1), preparedAt: now });
}

const warmed = new Map<Algorithm['name'], Promise<void>>();

/**
 * Run, once per algorithm, what the first login would otherwise do for the first time on its critical
 * path: build the comb table of g or the curve's base table, compile the WebAssembly module and let V8
 * tier it up, JIT-compile the element checks, the inversion, hashing and vkc/vks — one throwaway client
 * step on a fixed dummy secret, nothing of which is kept — and a PBKDF2 through WebCrypto. Call it when a
 * login UI opens (the user then types for seconds); later calls return the same promise. It never
 * rejects: warming is an optimisation, and a real failure shows up, reported, in the login itself.
 */
export function warm(alg: Algorithm): Promise<void> {
  let done = warmed.get(alg.name);
  if (!done) {
    done = warmOnce(alg).catch(() => undefined);
    warmed.set(alg.name, done);
  }
  return done;
}

/**
 * Client steps per warm(): one builds the tables and compiles; the curves' steps are cheap (~1–3 ms) and
 * their JavaScript reaches V8's optimising tier only after a number of runs (bench/crypto.ts --first, P-256
 * with ec-scalar-mult.ts: first login after four steps 8–12 ms, after twelve 5.5–6.6 ms, a warm login
 * 5–7 ms; warm() itself 50–60 ms → 72–84 ms, P-521 100 → 140–155 ms); a DL step is one long WebAssembly
 * run, tiered up after one.
 */
const WARM_STEPS: Record<Algorithm['kind'], number> = { dl: 1, ec: 12 };

async function warmOnce(alg: Algorithm): Promise<void> {
  for (let i = 0; i < WARM_STEPS[alg.kind]; i++) {
    const S = alg.minSecret + 0x5eedn + BigInt(i); // throwaways: their K_c1 and z are never used or sent
    const K_c1 = clientKc1(alg, S);
    const z = clientZ(alg, { S_c1: S, K_c1, K_s1: K_c1, pi: new Uint8Array(alg.hashLength) });
    if (z.ok) {
      const v = { K_c1, K_s1: K_c1, z: z.value, nc: 1, vh: utf8('warm') };
      computeVkc(alg, v);
      computeVks(alg, v);
    }
  }
  await derivePi({ algorithm: alg.name, authScope: 'warm', realm: 'warm', username: 'warm', password: 'warm' });
}
