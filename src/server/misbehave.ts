/**
 * TEST ONLY — a server that breaks the protocol on purpose, for the rogue-server tests of clients. It is a
 * wrapper around the decision (decision.ts): it rewrites what goes in or what comes out, and never reaches
 * into the vkc/vks checks themselves.
 * - `wrong-vks`: 200-VFY-S with a vks that has one bit flipped;
 * - `omit-authentication-info`: the authenticated response carries no Authentication-Info;
 * - `other-sid`: Authentication-Info names a different sid (with the right vks);
 * - `no-verifier`: the server does not know J (a phishing server): it runs the key exchange with a random
 *   verifier for every user, and — holding its own session secret — forges the vkc a client "should" have
 *   sent before handing the request to the decision, so any vkc is accepted and answered with the vks of its
 *   own (wrong) secret.
 * Never use these outside tests.
 */
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../crypto/algorithms.ts';
import { decodeFixedNumber, encodeFixedNumber } from '../crypto/encoding.ts';
import { formatVfyC, readCredentials } from '../protocol/messages.ts';
import { parseChallenges } from '../protocol/syntax.ts';
import { hostValidationVh, originOf, singleServerScope } from '../protocol/realm.ts';
import { bytesToHex, utf8, webRandom } from '../bytes.ts';
import { createMutualDecider, type Decision, type MutualDecider, type MutualOptions, type MutualRequest, type VerifierLookup } from './decision.ts';
import { expectedVkc, randomVerifier } from './kex.ts';
import type { RealmTriple } from './session-table.ts';
import type { VerifierEntry } from './verifier-file.ts';

export type Misbehaviour = 'wrong-vks' | 'omit-authentication-info' | 'other-sid' | 'no-verifier';
export const MISBEHAVIOURS: readonly Misbehaviour[] = ['wrong-vks', 'omit-authentication-info', 'other-sid', 'no-verifier'];

/** A verifier store that "knows" everyone, with a random J per user: what a phishing server has. */
function everyoneWithRandomJ(): VerifierLookup {
  const made = new Map<string, VerifierEntry>();
  const random = webRandom;
  return {
    lookup(space: RealmTriple, user: string): VerifierEntry | undefined {
      const key = JSON.stringify([space.algorithm, space.authScope, space.realm, user]);
      let e = made.get(key);
      if (!e) {
        const alg = getAlgorithm(space.algorithm)!;
        e = { ...space, user, J: randomVerifier(alg, random) };
        if (made.size > 1000) made.clear();
        made.set(key, e);
      }
      return e;
    },
  };
}

function rewriteInfo(d: Decision, f: (value: string, alg: Algorithm) => string | undefined): Decision {
  if (d.action !== 'pass' || !d.auth) return d;
  const alg = getAlgorithm(d.auth.space.algorithm as AlgorithmName)!;
  const headers: Array<[string, string]> = [];
  for (const [k, v] of d.headers) {
    if (k.toLowerCase() !== 'authentication-info') headers.push([k, v]);
    else {
      const nv = f(v, alg);
      if (nv !== undefined) headers.push([k, nv]);
    }
  }
  return { ...d, headers };
}

/** The decision of `options`, broken on purpose as `mode` says (TEST ONLY). */
export function createMisbehavingDecider(options: MutualOptions, mode: Misbehaviour): MutualDecider {
  const inner = createMutualDecider(mode === 'no-verifier' ? { ...options, verifiers: everyoneWithRandomJ(), unknownUsers: 'fake' } : options);
  let transform: (req: MutualRequest) => Promise<Decision>;
  switch (mode) {
    case 'wrong-vks':
      transform = async (req) =>
        rewriteInfo(await inner.decide(req), (v, alg) =>
          v.replace(/vks=("?)([^",\s]+)("?)/, (_m, q1: string, val: string, q2: string) => {
            const b = decodeFixedNumber(val, alg.wire, alg.hashLength, 'vks');
            if (!b.ok) return `vks=${q1}${val}${q2}`;
            b.value[b.value.length - 1]! ^= 1;
            return `vks=${q1}${encodeFixedNumber(b.value, alg.wire)}${q2}`;
          }));
      break;
    case 'omit-authentication-info':
      transform = async (req) => rewriteInfo(await inner.decide(req), () => undefined);
      break;
    case 'other-sid':
      transform = async (req) => rewriteInfo(await inner.decide(req), (v) => v.replace(/sid=([0-9a-fA-F]+)/, (_m, sid: string) => `sid=${bytesToHex(webRandom(sid.length / 2))}`));
      break;
    case 'no-verifier': {
      const o = originOf(options.origin);
      if (!o.ok) throw o.error;
      const vh = options.tlsVh ?? utf8(hostValidationVh(o.value));
      transform = async (req) => {
        const auth = 'get' in req.headers && typeof req.headers.get === 'function'
          ? req.headers.get('authorization') ?? undefined
          : ((req.headers as Record<string, string | undefined>).authorization);
        const parsed = auth === undefined ? undefined : parseChallenges(auth);
        const mutual = parsed?.ok ? parsed.value.filter((c) => c.scheme.toLowerCase() === 'mutual') : [];
        const m = mutual.length === 1 ? readCredentials(mutual[0]!) : undefined;
        if (m?.ok && m.value.kind === 'req-VFY-C') {
          const cred = m.value;
          const alg = getAlgorithm(cred.algorithm)!;
          const space = { algorithm: alg.name, authScope: cred.authScope ?? singleServerScope(o.value), realm: cred.realm };
          const s = await inner.store.lookup(cred.sid.toLowerCase(), space);
          if (s && Number.isSafeInteger(cred.nc)) {
            const forged = formatVfyC({ ...cred, vkc: encodeFixedNumber(expectedVkc(alg, s, cred.nc, vh), alg.wire) });
            return inner.decide({ ...req, headers: { authorization: forged } });
          }
        }
        return inner.decide(req);
      };
      break;
    }
  }
  return {
    decide: transform,
    decideNow: transform,
    get store() {
      return inner.store;
    },
    counters: inner.counters,
    validation: inner.validation,
    origin: inner.origin,
    status: () => inner.status(),
  };
}
