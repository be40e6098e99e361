/**
 * MutualClient.prepareKex (src/protocol/client.ts) and src/crypto/precompute.ts: S_c1/K_c1 computed when a
 * login is needed, before the password, used by the next req-KEX-C1 of that algorithm exactly once, dropped
 * when old, never persisted; warm() leaves every result unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES, getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { encodeFixedNumber } from '../../src/crypto/encoding.ts';
import { prepareKex, warm } from '../../src/crypto/precompute.ts';
import { bytesToHex, type RandomSource } from '../../src/bytes.ts';
import { MutualClient, PREPARED_KEX_MAX_AGE_MS, type ClientAction } from '../../src/protocol/client.ts';
import { prepareCredential } from '../../src/protocol/credentials.ts';
import { ScriptedServer } from '../support/scripted-server.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const URL1 = `${ORIGIN}/private/index.html`;

/** A deterministic random source that also records what it handed out. */
function recordingRandom(seed: number): { random: RandomSource; log: Uint8Array[] } {
  let state = seed >>> 0;
  const log: Uint8Array[] = [];
  const random: RandomSource = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      out[i] = state >>> 24;
    }
    log.push(out.slice());
    return out;
  };
  return { random, log };
}

/** Replays recorded draws, in order. */
const replay = (draws: Uint8Array[]): RandomSource => {
  let i = 0;
  return () => draws[i++]!.slice();
};

const kc1Of = (a: ClientAction): string | undefined =>
  a.type === 'send' && a.message === 'req-KEX-C1' ? /kc1="?([^",\s]+)/.exec(a.authorization ?? '')?.[1] : undefined;

/** Runs a login; `beforePassword` is called when the engine says login-required (where the UI opens). */
async function login(client: MutualClient, srv: ScriptedServer, beforePassword: (alg: string) => void) {
  let { seq, action } = client.beginRequest(URL1);
  let kc1: string | undefined;
  for (let i = 0; i < 10; i++) {
    kc1 ??= kc1Of(action);
    if (action.type === 'send') {
      action = client.handleResponse(seq, srv.handle(action.authorization));
      continue;
    }
    if (action.type === 'login-required') {
      beforePassword(action.login.realm.algorithm);
      const cred = await prepareCredential(action.login.realm, 'alice', 'correct horse');
      if (!cred.ok) throw cred.error;
      client.addCredential(cred.value);
      action = client.resume(seq, action.login);
      continue;
    }
    return { final: action, kc1 };
  }
  throw new Error('too many hops');
}

const server = (algorithm: AlgorithmName) =>
  ScriptedServer.create({ algorithm, origin: ORIGIN, realm: 'demo', users: { alice: 'correct horse' }, path: '/private/' });

describe('prepareKex in the login flow', () => {
  for (const name of ALGORITHM_NAMES) {
    it(`${name}: the req-KEX-C1 carries the prepared K_c1, the login verifies, the pair is used once`, async () => {
      const alg = getAlgorithm(name)!;
      const { random, log } = recordingRandom(7);
      const clock = { t: 5_000_000 };
      const client = new MutualClient({ random, now: () => clock.t });
      const srv = await server(name);
      let draws: Uint8Array[] = [];
      const r = await login(client, srv, (algorithm) => {
        const before = log.length;
        expect(client.prepareKex(algorithm)).toBe(true);
        expect(client.hasPreparedKex(algorithm)).toBe(true);
        draws = log.slice(before);
      });
      expect(r.final.type).toBe('verified');
      const expected = prepareKex(alg, replay(draws), 0);
      expect(r.kc1).toBe(encodeFixedNumber(expected.K_c1, alg.wire));
      expect(client.hasPreparedKex(name)).toBe(false);
    });
  }

  it('a prepared pair is not in the persisted state while it waits', () => {
    const { random, log } = recordingRandom(3);
    const client = new MutualClient({ random, now: () => 0 });
    const before = JSON.stringify(client.state);
    client.prepareKex('iso-kam3-ec-p256-sha256');
    const expected = prepareKex(getAlgorithm('iso-kam3-ec-p256-sha256')!, replay(log), 0);
    const after = JSON.stringify(client.state);
    expect(after).toBe(before);
    expect(after).not.toContain(bytesToHex(expected.K_c1));
    expect(after).not.toContain(expected.S_c1.toString(16));
  });

  it('a second login does not reuse the pair; without prepareKex the engine computes its own', async () => {
    const { random } = recordingRandom(11);
    const clock = { t: 1 };
    const client = new MutualClient({ random, now: () => clock.t });
    const srv = await server('iso-kam3-ec-p256-sha256');
    const first = await login(client, srv, (a) => client.prepareKex(a));
    client.state.credentials = {};
    client.state.sessions = {};
    const second = await login(client, srv, () => {});
    expect(first.final.type).toBe('verified');
    expect(second.final.type).toBe('verified');
    expect(second.kc1).toBeDefined();
    expect(second.kc1).not.toBe(first.kc1);
  });

  it('a pair older than PREPARED_KEX_MAX_AGE_MS is replaced, not used', async () => {
    const { random, log } = recordingRandom(5);
    const clock = { t: 1_000 };
    const client = new MutualClient({ random, now: () => clock.t });
    const srv = await server('iso-kam3-ec-p256-sha256');
    let stale = '';
    const r = await login(client, srv, (a) => {
      const before = log.length;
      client.prepareKex(a);
      stale = encodeFixedNumber(prepareKex(getAlgorithm(a)!, replay(log.slice(before)), 0).K_c1, 'hex');
      clock.t += PREPARED_KEX_MAX_AGE_MS;
      expect(client.hasPreparedKex(a)).toBe(false);
    });
    expect(r.final.type).toBe('verified');
    expect(r.kc1).not.toBe(stale);
  });

  it('prepareKex keeps a fresh pair, replaces a stale one; discardPreparedKex drops all; unknown algorithms', () => {
    const { random, log } = recordingRandom(9);
    const clock = { t: 0 };
    const client = new MutualClient({ random, now: () => clock.t });
    expect(client.prepareKex('iso-kam3-ec-p256-sha256')).toBe(true);
    const draws = log.length;
    expect(client.prepareKex('ISO-KAM3-EC-P256-SHA256')).toBe(true); // tokens are case-insensitive
    expect(log.length).toBe(draws); // kept
    clock.t = PREPARED_KEX_MAX_AGE_MS;
    client.prepareKex('iso-kam3-ec-p256-sha256');
    expect(log.length).toBeGreaterThan(draws); // replaced
    clock.t -= 1; // a clock that went back: not fresh, not used
    expect(client.hasPreparedKex('iso-kam3-ec-p256-sha256')).toBe(false);
    clock.t += 1;
    client.discardPreparedKex();
    expect(client.hasPreparedKex('iso-kam3-ec-p256-sha256')).toBe(false);
    expect(client.prepareKex('iso-kam3-dl-1024-md5')).toBe(false);
  });

  it('is deterministic under injected randomness', () => {
    const a = prepareKex(getAlgorithm('iso-kam3-dl-2048-sha256')!, recordingRandom(1).random, 0);
    const b = prepareKex(getAlgorithm('iso-kam3-dl-2048-sha256')!, recordingRandom(1).random, 0);
    expect(a.S_c1).toBe(b.S_c1);
    expect(bytesToHex(a.K_c1)).toBe(bytesToHex(b.K_c1));
  });
});

describe('warm', () => {
  it('runs for every algorithm, once (a second call returns the same promise), and leaves results unchanged', async () => {
    for (const name of ALGORITHM_NAMES) {
      const alg = getAlgorithm(name)!;
      const before = prepareKex(alg, recordingRandom(2).random, 0);
      const first = warm(alg);
      expect(warm(alg)).toBe(first);
      await expect(first).resolves.toBeUndefined();
      const after = prepareKex(alg, recordingRandom(2).random, 0);
      expect(bytesToHex(after.K_c1)).toBe(bytesToHex(before.K_c1));
    }
  });
});
