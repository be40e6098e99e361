/**
 * Work a login can do before the password is typed (RFC 8121 §3: S_c1 and K_c1 do not depend on it), and
 * warming the arithmetic so the first login after start does not pay for compilation and tables.
 *
 * The protocol engine (src/protocol/client.ts, MutualClient.prepareKex) keeps at most one
 * {@link PreparedKex} per algorithm in memory — never in its persisted state — and uses it for the next
 * req-KEX-C1 of that algorithm, once; so the click → verified path holds only pi, z and the two hashes.
 */
import { type RandomSource } from '../bytes.ts';
import { hashOf, type Algorithm } from './algorithms.ts';
import { octet } from './encoding.ts';
import { clientKc1, randomSecret } from './kam3.ts';
import { dlGroup } from './kam3-dl.ts';
import { pointOf } from './kam3-ec.ts';
import { jacobi, modPow, powG } from './modp.ts';
import { warmWasm } from './montgomery.ts';

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

const warmed = new Set<Algorithm['name']>();

/**
 * Build what the first login of `alg` would otherwise build on its critical path: the comb table of g,
 * the WebAssembly module (compiled and run once, so V8 tiers it up), the curve's precomputed base table and
 * JIT-compiled paths of P'(), hashing and the variable-base multiplication. Idempotent; tens of ms for
 * DL-4096 the first time, nothing after. Call it when a login UI opens.
 */
export function warm(alg: Algorithm): void {
  if (warmed.has(alg.name)) return;
  hashOf(alg, octet(1));
  if (alg.kind === 'dl') {
    const group = dlGroup(alg);
    const x = powG(group, group.r - 3n); // builds the comb
    warmWasm(group.q); // compiles the module, one full exponentiation
    modPow(x, group.r >> 1n, group.q);
    jacobi(x, group.q);
  } else {
    const K = clientKc1(alg, alg.order - 3n); // base table
    const p = pointOf(alg, K, 'warm');
    if (p.ok) p.value.multiply(alg.order >> 1n);
  }
  warmed.add(alg.name);
}
