/**
 * A minimal Mutual server for engine tests, written from RFC 8120 §11 with the crypto server halves only —
 * independent of src/server, so the client engine is tested against a second implementation. It can be told
 * to misbehave (wrong vks, no Authentication-Info, other sid, forget sessions) to exercise failure paths.
 */
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { derivePi, verifierJ } from '../../src/crypto/derive.ts';
import { decodeFixedNumber, encodeFixedNumber } from '../../src/crypto/encoding.ts';
import { randomSecret, serverKs1 } from '../../src/crypto/kam3.ts';
import { computeVkc, computeVks } from '../../src/crypto/verify.ts';
import { bytesToHex, constantTimeEqual, utf8, webRandom } from '../../src/bytes.ts';
import { formatInit, formatKexS1, formatVfyS, readCredentials } from '../../src/protocol/messages.ts';
import { parseChallenges } from '../../src/protocol/syntax.ts';
import type { ResponseInput } from '../../src/protocol/client.ts';

export type Misbehaviour = 'none' | 'wrong-vks' | 'omit-info' | 'other-sid' | 'no-verifier' | 'normal-to-vfy';

export interface ScriptedServerOptions {
  algorithm: AlgorithmName;
  origin: string; // e.g. http://127.0.0.1:8080
  realm: string;
  users: Record<string, string>; // user -> password
  ncMax?: number;
  ncWindow?: number;
  time?: number;
  path?: string;
  validation?: string;
  vh?: Uint8Array;
  extraInitHeaders?: Record<string, string>;
  successHeaders?: Record<string, string>;
}

interface Session {
  user: string;
  K_c1: Uint8Array;
  K_s1: Uint8Array;
  z: Uint8Array;
  fake: boolean;
  seen: Set<number>;
  largest: number;
  alive: boolean;
}

export class ScriptedServer {
  readonly alg: Algorithm;
  misbehave: Misbehaviour = 'none';
  readonly sessions = new Map<string, Session>();
  readonly log: Array<{ kind: string; nc?: number; sid?: string; outcome: string }> = [];
  private verifiers = new Map<string, Uint8Array>();
  private sidCounter = 0;

  private constructor(readonly o: ScriptedServerOptions) {
    this.alg = getAlgorithm(o.algorithm)!;
  }

  static async create(o: ScriptedServerOptions): Promise<ScriptedServer> {
    const s = new ScriptedServer(o);
    for (const [user, password] of Object.entries(o.users)) {
      const pi = await derivePi({ algorithm: o.algorithm, authScope: o.origin, realm: o.realm, username: user, password });
      s.verifiers.set(user, verifierJ(s.alg, pi));
    }
    return s;
  }

  private base() {
    return { algorithm: this.alg.name, validation: this.o.validation ?? 'host', authScope: this.o.origin, realm: this.o.realm };
  }

  private init(reason: string): ResponseInput {
    return { status: 401, headers: { 'www-authenticate': formatInit({ ...this.base(), reason }), ...this.o.extraInitHeaders } };
  }

  private vh(): Uint8Array {
    return this.o.vh ?? utf8(`${this.o.origin}${/:\d+$/.test(this.o.origin) ? '' : this.o.origin.startsWith('https') ? ':443' : ':80'}`);
  }

  /** Answer one request for a protected resource. */
  handle(authorization: string | undefined): ResponseInput {
    if (authorization === undefined) {
      this.log.push({ kind: 'normal', outcome: '401-INIT' });
      return this.init('initial');
    }
    const chs = parseChallenges(authorization);
    if (!chs.ok || chs.value.length !== 1) return { status: 400, headers: {} };
    const m = readCredentials(chs.value[0]!);
    if (!m.ok) return this.init('invalid-parameters');
    const c = m.value;
    // RFC 8120 §4.2/§4.4: algorithm, validation, auth-scope and realm are echoed exactly.
    if (c.realm !== this.o.realm || c.algorithm !== this.alg.name || c.authScope !== this.o.origin) return this.init('initial');
    if (c.kind === 'req-KEX-C1') {
      const K_c1 = decodeFixedNumber(c.kc1, this.alg.wire, this.alg.elementLength, 'kc1');
      if (!K_c1.ok) return this.init('invalid-parameters');
      const J = this.verifiers.get(c.user);
      const fake = J === undefined || this.misbehave === 'no-verifier';
      // A rogue server without the verifier answers with some J of its own (here: a random user's).
      const usedJ = fake ? verifierJ(this.alg, webRandom(this.alg.hashLength)) : J;
      const S_s1 = randomSecret(this.alg, webRandom);
      const r = serverKs1(this.alg, { K_c1: K_c1.value, J: usedJ, S_s1 });
      if (!r.ok) return this.init('invalid-parameters');
      const sid = (++this.sidCounter).toString(16).padStart(32, '0');
      this.sessions.set(sid, { user: c.user, K_c1: K_c1.value, K_s1: r.value.K_s1, z: r.value.z, fake: J === undefined, seen: new Set(), largest: 0, alive: true });
      this.log.push({ kind: 'req-KEX-C1', sid, outcome: '401-KEX-S1' });
      return {
        status: 401,
        headers: {
          'www-authenticate': formatKexS1({
            ...this.base(), sid, ks1: encodeFixedNumber(r.value.K_s1, this.alg.wire),
            ncMax: this.o.ncMax ?? 1000, ncWindow: this.o.ncWindow ?? 128, time: this.o.time ?? 600,
            ...(this.o.path !== undefined ? { path: this.o.path } : {}),
          }),
        },
      };
    }
    const s = this.sessions.get(c.sid);
    if (!s || !s.alive) {
      this.log.push({ kind: 'req-VFY-C', sid: c.sid, nc: c.nc, outcome: 'stale' });
      return this.init('stale-session');
    }
    const ncMax = this.o.ncMax ?? 1000;
    const window = this.o.ncWindow ?? 128;
    if (c.nc > ncMax || c.nc <= s.largest - window || s.seen.has(c.nc)) {
      s.alive = false;
      this.log.push({ kind: 'req-VFY-C', sid: c.sid, nc: c.nc, outcome: 'stale-nc' });
      return this.init('stale-session');
    }
    const input = { K_c1: s.K_c1, K_s1: s.K_s1, z: s.z, nc: c.nc, vh: this.vh() };
    const vkc = decodeFixedNumber(c.vkc, this.alg.wire, this.alg.hashLength, 'vkc');
    if (s.fake || !vkc.ok || !constantTimeEqual(vkc.value, computeVkc(this.alg, input))) {
      if (this.misbehave !== 'no-verifier') {
        this.log.push({ kind: 'req-VFY-C', sid: c.sid, nc: c.nc, outcome: 'auth-failed' });
        return this.init('auth-failed');
      }
    }
    s.seen.add(c.nc);
    s.largest = Math.max(s.largest, c.nc);
    this.log.push({ kind: 'req-VFY-C', sid: c.sid, nc: c.nc, outcome: 'ok' });
    if (this.misbehave === 'omit-info' || this.misbehave === 'normal-to-vfy') return { status: 200, headers: {} };
    let vks = computeVks(this.alg, input);
    if (this.misbehave === 'wrong-vks') vks = vks.map((b, i) => (i === 0 ? b ^ 1 : b));
    const sid = this.misbehave === 'other-sid' ? 'ff'.repeat(16) : c.sid;
    return {
      status: 200,
      headers: { 'authentication-info': formatVfyS({ sid, vks: encodeFixedNumber(vks, this.alg.wire) }), ...this.o.successHeaders },
    };
  }

  /** Server restart: every session forgotten. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  hex(b: Uint8Array): string {
    return bytesToHex(b);
  }
}
