/**
 * Outside test of the Mutual server with an independent client (./independent-client.ts).
 * Nothing here imports from src/, test/support or test/server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  J,
  Kc1,
  MutualSession,
  OCTETS,
  P,
  Pinv,
  VI,
  VK,
  VS,
  alg,
  checkElement,
  clientExponent,
  clientZ,
  derivePi,
  elementFromWire,
  elementToWire,
  fromHex,
  get,
  header,
  hex,
  login,
  mutualChallenges,
  parseChallenges,
  parseInit,
  piSalt,
  serverKs1,
  serverZ,
  t1,
  t2,
  theChallenge,
  toWire,
  type Resp,
} from './independent-client.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/mutual.js');

// ---------------------------------------------------------------------------------------------
// 1. KAM3 math against the vectors
// ---------------------------------------------------------------------------------------------

interface VecCase {
  id: string;
  algorithm: string;
  username: string;
  password: string;
  realm: string;
  auth_scope: string;
  vh: string;
  pbkdf2_salt: string;
  pi: string;
  pi_mod_q: string;
  J: string;
  S_c1: string;
  K_c1: string;
  kc1: string;
  t_1: string;
  S_s1: string;
  K_s1: string;
  ks1: string;
  t_2: string;
  client_exponent: string;
  z: string;
  per_nc: Array<{ nc: number; 'VI(nc)': string; vkc: string; vks: string; vkc_hex: string; vks_hex: string }>;
}
const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/kam3.json'), 'utf8')) as {
  kam3: VecCase[];
  vi: Array<{ int: number; hex: string }>;
  vs: Array<{ input: string; input_type: string; hex: string }>;
  groups: Record<string, { p: string; q?: string; n?: string; g?: string; elen: number; hlen: number }>;
};
const big = (h: string): bigint => BigInt('0x' + h);

describe('independent KAM3 math reproduces kam3.json', () => {
  it('VI and VS', () => {
    for (const v of fixture.vi) expect(hex(VI(BigInt(v.int))), `VI(${v.int})`).toBe(v.hex);
    for (const v of fixture.vs) {
      const input = v.input_type === 'utf8' ? v.input : fromHex(v.input);
      expect(hex(VS(input)), `VS(${v.input.slice(0, 10)})`).toBe(v.hex);
    }
  });

  it('group parameters', () => {
    for (const [name, g] of Object.entries(fixture.groups)) {
      const a = alg(name);
      expect(a.q, name).toBe(big(g.p));
      expect(a.r, name).toBe(big((g.q ?? g.n)!));
      if (a.kind === 'dl') expect(a.g).toBe(big(g.g!));
      expect(a.elen, name).toBe(g.elen);
      expect(a.hlen, name).toBe(g.hlen);
    }
  });

  const algsCovered = new Set<string>();
  for (const c of fixture.kam3) {
    algsCovered.add(c.algorithm);
    it(`vector ${c.id}`, () => {
      const a = alg(c.algorithm);
      expect(hex(piSalt(a, c.auth_scope, c.realm, c.username)), 'salt').toBe(c.pbkdf2_salt);
      const pi = derivePi(a, c.auth_scope, c.realm, c.username, c.password);
      expect(hex(OCTETS(pi, a.hlen)), 'pi').toBe(c.pi);
      expect(pi % a.r, 'pi mod r').toBe(big(c.pi_mod_q));
      const j = J(a, pi);
      expect(hex(OCTETS(j, a.elen)), 'J').toBe(c.J);
      const sc1 = big(c.S_c1);
      const kc1 = Kc1(a, sc1);
      expect(hex(OCTETS(kc1, a.elen)), 'K_c1').toBe(c.K_c1);
      expect(elementToWire(a, kc1), 'kc1 wire').toBe(c.kc1);
      expect(elementFromWire(a, c.kc1)).toBe(kc1);
      expect(t1(a, kc1), 't_1').toBe(big(c.t_1));
      const ss1 = big(c.S_s1);
      const ks1 = serverKs1(a, j, kc1, ss1);
      expect(hex(OCTETS(ks1, a.elen)), 'K_s1').toBe(c.K_s1);
      expect(elementToWire(a, ks1), 'ks1 wire').toBe(c.ks1);
      checkElement(a, ks1);
      expect(t2(a, kc1, ks1), 't_2').toBe(big(c.t_2));
      expect(clientExponent(a, sc1, pi, kc1, ks1), 'client exponent').toBe(big(c.client_exponent));
      const zc = clientZ(a, sc1, pi, kc1, ks1);
      const zs = serverZ(a, kc1, ks1, ss1);
      expect(hex(OCTETS(zc, a.elen)), 'z (client)').toBe(c.z);
      expect(hex(OCTETS(zs, a.elen)), 'z (server)').toBe(c.z);
      for (const p of c.per_nc) {
        expect(hex(VI(p.nc))).toBe(p['VI(nc)']);
        const vkc = VK(a, 4, kc1, ks1, zc, p.nc, c.vh);
        const vks = VK(a, 3, kc1, ks1, zc, p.nc, c.vh);
        expect(hex(vkc), `vkc nc=${p.nc}`).toBe(p.vkc_hex);
        expect(hex(vks), `vks nc=${p.nc}`).toBe(p.vks_hex);
        expect(toWire(a, vkc), `vkc wire nc=${p.nc}`).toBe(p.vkc);
        expect(toWire(a, vks), `vks wire nc=${p.nc}`).toBe(p.vks);
      }
    });
  }
  it('covers every algorithm', () => {
    expect([...algsCovered].sort()).toEqual(Object.keys(ALGORITHMS).sort());
  });

  it("EC P() / P'() round trip and rejection", () => {
    for (const name of ['iso-kam3-ec-p256-sha256', 'iso-kam3-ec-p521-sha512']) {
      const a = alg(name);
      if (a.kind !== 'ec') throw new Error('ec');
      const g = P(a, a.Point.BASE);
      expect(P(a, Pinv(a, g))).toBe(g);
      expect(() => Pinv(a, a.q * 2n)).toThrow(); // x = q
      expect(() => Pinv(a, g ^ 1n)).not.toThrow(); // -G
    }
  });
});

// ---------------------------------------------------------------------------------------------
// helpers for the server tests
// ---------------------------------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
}

function startServer(args: string[]): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, base: m[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

function stopServer(s: Server | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    s.child.removeAllListeners('exit');
    s.child.once('exit', () => r());
    s.child.kill('SIGTERM'); // only the process this test started, by its handle
  });
}

function freePort(): Promise<number> {
  return new Promise((r, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => r(port));
    });
  });
}

/** the smallest x with no curve point */
function noPointX(a: ReturnType<typeof alg>): bigint {
  for (let x = 1n; ; x++) {
    try {
      Pinv(a as Parameters<typeof Pinv>[0], x * 2n);
    } catch {
      return x;
    }
  }
}

function reasonOf(r: Resp): string | undefined {
  const cs = mutualChallenges(header(r, 'www-authenticate'));
  return cs[0]?.params.reason?.toLowerCase();
}

function describeResp(r: Resp): string {
  return `${r.status} WWW-Authenticate: ${header(r, 'www-authenticate') ?? '-'} | Authentication-Info: ${header(r, 'authentication-info') ?? '-'}`;
}

// ---------------------------------------------------------------------------------------------
// 2. The demo server
// ---------------------------------------------------------------------------------------------

const AREAS: Array<[string, string]> = [
  ['/p256/', 'iso-kam3-ec-p256-sha256'],
  ['/p521/', 'iso-kam3-ec-p521-sha512'],
  ['/dl2048/', 'iso-kam3-dl-2048-sha256'],
  ['/dl4096/', 'iso-kam3-dl-4096-sha512'],
];
const PW = 'pw one';

describe('demo server, driven by the independent client', () => {
  let srv: Server | undefined;
  let base = '';
  // what this client did, for the status counters
  const did = { successes: 0, duplicates: 0, stale: 0, authFailed: 0, kexS1: 0, invalid: 0 };

  beforeAll(async () => {
    srv = await startServer(['--port', '0', '--demo-password', PW]);
    base = srv.base;
  });
  afterAll(async () => {
    await stopServer(srv);
  });

  /** a VFY-C request on an existing session, counting outcomes */
  async function vfy(s: MutualSession, nc?: number, opts: { vkc?: string; realm?: string } = {}) {
    const v = s.vfyC(nc, opts);
    const r = await get(s.url, { Authorization: v.header });
    if (r.status === 200) did.successes++;
    const reason = r.status === 401 ? reasonOf(r) : undefined;
    if (reason === 'stale-session') did.stale++;
    if (reason === 'auth-failed') did.authFailed++;
    return { r, nc: v.nc };
  }

  async function doLogin(path: string, user = 'alice', password = PW) {
    const l = await login(base + path, user, password);
    did.kexS1++;
    if (l.vfy.status === 200) did.successes++;
    const reason = l.vfy.status === 401 ? reasonOf(l.vfy) : undefined;
    if (reason === 'auth-failed') did.authFailed++;
    return l;
  }

  for (const [path, algorithm] of AREAS) {
    describe(`${path} (${algorithm})`, () => {
      it('log in, use nc=2..5, replay kills the session', async () => {
        const l = await doLogin(path);
        // 401-INIT
        expect(l.init.status).toBe(401);
        const ii = parseInit(theChallenge(l.init));
        expect(ii.algorithm).toBe(algorithm);
        expect(ii.validation).toBe('host');
        expect(ii.reason).toBe('initial');
        expect(ii.authScope).toBe(base); // single-server scope of the origin
        // 401-KEX-S1
        const kc = theChallenge(l.kex);
        expect(kc.params.ks1).toBeDefined();
        expect(kc.params.sid).toMatch(/^([0-9a-f]{2})+$/);
        expect(BigInt(kc.params['nc-max']!)).toBeGreaterThan(5n);
        expect(l.session.vh).toBe(base);
        // 200-VFY-S with a vks this client checks itself
        expect(l.vfy.status, describeResp(l.vfy)).toBe(200);
        l.session.checkAuthInfo(header(l.vfy, 'authentication-info'), l.nc);

        for (let i = 0; i < 4; i++) {
          const { r, nc } = await vfy(l.session);
          expect(r.status, `nc=${nc}: ${describeResp(r)}`).toBe(200);
          l.session.checkAuthInfo(header(r, 'authentication-info'), nc);
          expect(Number(nc)).toBe(i + 2);
        }
        // replay nc=3
        const replay = await vfy(l.session, 3);
        did.duplicates++;
        expect(replay.r.status, describeResp(replay.r)).toBe(401);
        expect(reasonOf(replay.r)).toBe('stale-session');
        expect(header(replay.r, 'authentication-info')).toBeUndefined();
        // the session must be dead: a fresh nc is refused too
        const fresh = await vfy(l.session, 6);
        expect(fresh.r.status, describeResp(fresh.r)).toBe(401);
        expect(reasonOf(fresh.r)).toBe('stale-session');
      });

      it('wrong password -> auth-failed at req-VFY-C', async () => {
        const l = await doLogin(path, 'alice', 'pw two');
        expect(l.kex.status).toBe(401);
        expect(l.vfy.status, describeResp(l.vfy)).toBe(401);
        expect(reasonOf(l.vfy)).toBe('auth-failed');
        expect(header(l.vfy, 'authentication-info')).toBeUndefined();
      });
    });
  }

  it('unknown user -> fake 401-KEX-S1, then auth-failed at req-VFY-C', async () => {
    for (const [path] of AREAS) {
      const l = await doLogin(path, 'mallory', PW);
      const kc = theChallenge(l.kex);
      // a fake exchange must look like a real one: well-formed, valid element, same parameters
      expect(kc.params.ks1).toBeDefined();
      expect(kc.params.reason).toBeUndefined();
      const real = await doLogin(path, 'bob', PW);
      const rc = theChallenge(real.kex);
      expect(kc.names.slice().sort(), 'same parameter set').toEqual(rc.names.slice().sort());
      for (const k of ['nc-max', 'nc-window', 'time', 'path', 'realm', 'auth-scope', 'algorithm', 'validation']) {
        expect(kc.params[k], k).toBe(rc.params[k]);
      }
      expect(kc.params.sid!.length).toBe(rc.params.sid!.length);
      expect(l.vfy.status, describeResp(l.vfy)).toBe(401);
      expect(reasonOf(l.vfy)).toBe('auth-failed');
      expect(real.vfy.status).toBe(200);
    }
  });

  it('non-ASCII user renée logs in (user*=UTF-8 ext-value)', async () => {
    for (const [path] of AREAS) {
      const l = await doLogin(path, 'renée', PW);
      expect(l.vfy.status, `${path}: ${describeResp(l.vfy)}`).toBe(200);
      l.session.checkAuthInfo(header(l.vfy, 'authentication-info'), l.nc);
    }
  });

  it('nc above nc-max -> stale-session, and the session is inactive afterwards', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    const over = await vfy(l.session, l.session.ncMax + 1);
    expect(over.r.status, describeResp(over.r)).toBe(401);
    expect(reasonOf(over.r)).toBe('stale-session');
    // RFC 8120 §11: "The session is changed to the 'inactive' state if the 401-STALE message was sent."
    const after = await vfy(l.session, 2);
    expect(after.r.status, describeResp(after.r)).toBe(401);
    expect(reasonOf(after.r)).toBe('stale-session');
  });

  it('nc far above nc-max (2^80) is refused, not truncated', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    const second = await vfy(l.session);
    expect(second.r.status).toBe(200); // nc=2 still fine
    const big80 = l.session.vfyC(2n ** 80n);
    const r = await get(l.session.url, { Authorization: big80.header });
    expect(r.status, describeResp(r)).toBe(401);
    expect(reasonOf(r)).toBe('stale-session');
    did.stale++;
  });

  it('nc at or below largest-nc - nc-window -> stale-session', async () => {
    const l = await doLogin('/p521/');
    expect(l.vfy.status).toBe(200);
    const w = l.session.ncWindow;
    expect(w).toBeGreaterThan(0);
    const high = await vfy(l.session, w + 5);
    expect(high.r.status, describeResp(high.r)).toBe(200);
    // 5 = (w+5) - w: not larger than largest-nc - nc-window -> may be refused, never accepted twice;
    // it was never used, so a 200 would be allowed by the RFC only if the server remembers it.
    const low = await vfy(l.session, 5);
    expect(low.r.status, describeResp(low.r)).toBe(401);
    expect(reasonOf(low.r)).toBe('stale-session');
  });

  it('a nonce inside the window that was never used is accepted (out of order)', async () => {
    const l = await doLogin('/dl2048/');
    expect(l.vfy.status).toBe(200);
    const a = await vfy(l.session, 10);
    expect(a.r.status, describeResp(a.r)).toBe(200);
    l.session.checkAuthInfo(header(a.r, 'authentication-info'), a.nc);
    const b = await vfy(l.session, 4);
    expect(b.r.status, describeResp(b.r)).toBe(200);
    l.session.checkAuthInfo(header(b.r, 'authentication-info'), b.nc);
  });

  it('wrong vkc in the key-exchanging state rejects the session (a later correct vkc is not accepted)', async () => {
    const url = base + '/p256/';
    const init = await get(url);
    const s = new MutualSession(url, parseInit(theChallenge(init)), 'alice', PW);
    const kex = await get(url, { Authorization: s.kexC1() });
    did.kexS1++;
    s.acceptKexS1(theChallenge(kex));
    const bad = await vfy(s, 1, { vkc: '00'.repeat(32) });
    expect(bad.r.status).toBe(401);
    expect(reasonOf(bad.r)).toBe('auth-failed');
    const good = await vfy(s, 2);
    // RFC 8120 §11: key exchanging -> MUST be changed to "rejected"; then 401-INIT(+) or 401-STALE
    expect(good.r.status, describeResp(good.r)).toBe(401);
  });

  it('forged vkc on an authenticated session: observe whether the nonce is burned', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    const forged = await vfy(l.session, 7, { vkc: 'ff'.repeat(32) });
    expect(forged.r.status).toBe(401);
    expect(reasonOf(forged.r)).toBe('auth-failed');
    const legit = await vfy(l.session, 7);
    const legit2 = await vfy(l.session, 8);
    // Allowed by RFC 8120 §11: session kept (legit 200) or session rejected (legit and legit2 both
    // refused). Not allowed: nonce flags updated on a failed verification while the session is kept
    // (legit -> stale, legit2 -> 200), which lets anyone who saw the sid burn the client's nonces.
    const outcome = `${describeResp(legit.r)} / then nc=8: ${describeResp(legit2.r)}`;
    console.log('forged-vkc outcome:', outcome);
    const burnedButKept = legit.r.status === 401 && legit2.r.status === 200;
    expect(burnedButKept, outcome).toBe(false);
  });

  it('req-VFY-C with another realm -> 401-INIT (not 200, not stale)', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    const r = await vfy(l.session, 2, { realm: 'not-the-realm' });
    expect(r.r.status, describeResp(r.r)).toBe(401);
    expect(reasonOf(r.r)).not.toBe('stale-session');
    expect(theChallenge(r.r).params.realm).not.toBe('not-the-realm');
  });

  it('invalid kc1 -> 401-INIT, no 401-KEX-S1', async () => {
    for (const [path, algorithm] of AREAS) {
      const a = alg(algorithm);
      const url = base + path;
      const init = await get(url);
      const s = new MutualSession(url, parseInit(theChallenge(init)), 'alice', PW);
      const bad =
        a.kind === 'dl'
          ? // 1 and q-1 fail the RFC range check, q+5 and 0 are out of range, q-2 passes the range check
            // but is a quadratic non-residue (outside the order-r subgroup; project decision 3)
            [1n, a.q - 1n, a.q + 5n, 0n, a.q - 2n].map((k) => elementToWire(a, k))
          : [elementToWire(a, a.q * 2n), elementToWire(a, noPointX(a) * 2n), (a.q * 2n + 1n).toString(16) /* odd length */];
      for (const kc1 of bad) {
        const r = await get(url, { Authorization: s.kexC1(kc1) });
        expect(r.status, `${path} kc1=${kc1.slice(0, 12)}…: ${describeResp(r)}`).toBe(401);
        const c = theChallenge(r);
        expect(c.params.ks1, `${path} kc1=${kc1.slice(0, 12)}…: ${describeResp(r)}`).toBeUndefined();
        expect(c.params.reason).toBeDefined();
        did.invalid++;
      }
    }
  });

  it('req-KEX-C1 for another realm -> 401-INIT for the expected realm, no key exchange', async () => {
    const url = base + '/p256/';
    const ii = parseInit(theChallenge(await get(url)));
    const s = new MutualSession(url, { ...ii, realm: 'some-other-realm' }, 'alice', PW);
    const r = await get(url, { Authorization: s.kexC1() });
    expect(r.status, describeResp(r)).toBe(401);
    const c = theChallenge(r);
    expect(c.params.ks1).toBeUndefined();
    expect(c.params.realm).toBe(ii.realm);
    if (c.params.reason === 'invalid-parameters') did.invalid++;
  });

  it('duplicate or mutually exclusive parameters in credentials are not honoured', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    const v = l.session.vfyC(2);
    const dupNc = await get(l.session.url, { Authorization: v.header + ', nc=3' });
    expect(dupNc.status, describeResp(dupNc)).toBe(401);
    const withKc1 = await get(l.session.url, { Authorization: v.header.replace('nc=2', 'nc=3') + ', kc1=' + elementToWire(l.session.a, l.session.kc1) });
    expect(withKc1.status, describeResp(withKc1)).toBe(401);
    for (const r of [dupNc, withKc1]) {
      const reason = reasonOf(r);
      if (reason === 'invalid-parameters') did.invalid++;
      if (reason === 'stale-session') did.stale++;
      if (reason === 'auth-failed') did.authFailed++;
      console.log('bad credentials ->', describeResp(r));
    }
  });

  it('unknown sid -> stale-session', async () => {
    const l = await doLogin('/p256/');
    expect(l.vfy.status).toBe(200);
    l.session.sid = 'ab'.repeat(16);
    const r = await vfy(l.session, 2);
    expect(r.r.status).toBe(401);
    expect(reasonOf(r.r)).toBe('stale-session');
  });

  it('Authentication-Info is absent from 401 responses and parses as RFC 7615', async () => {
    const l = await doLogin('/dl4096/');
    expect(l.vfy.status).toBe(200);
    const ai = header(l.vfy, 'authentication-info')!;
    const cs = parseChallenges(ai);
    expect(cs.length).toBe(1);
    expect(cs[0]!.params.sid).toBe(l.session.sid);
    expect(header(l.init, 'authentication-info')).toBeUndefined();
    expect(header(l.kex, 'authentication-info')).toBeUndefined();
  });

  it('GET /.well-known/mutual-status counters are consistent with this run', async () => {
    const r = await get(base + '/.well-known/mutual-status');
    expect(r.status).toBe(200);
    const st = JSON.parse(r.body) as Record<string, unknown>;
    console.log('mutual-status:', JSON.stringify({ ...st, sessions: undefined }), 'client counted:', JSON.stringify(did));
    expect(typeof st.successes).toBe('number');
    expect(st.successes, 'successes').toBe(did.successes);
    expect(st.duplicateNonces as number, 'duplicateNonces').toBeGreaterThanOrEqual(1);
    expect(st.duplicateNonces, 'duplicateNonces').toBe(did.duplicates);
    expect(st.exchanges, 'exchanges (real + fake 401-KEX-S1)').toBe(did.kexS1);
    expect(st.staleRejections, 'staleRejections').toBe(did.stale);
    expect(st.failedVerifications, 'failedVerifications').toBe(did.authFailed);
    expect(st.invalidParameters, 'invalidParameters').toBe(did.invalid);
    expect(st.authenticatedRequests, 'authenticatedRequests').toBe(did.successes);
  });
});

// ---------------------------------------------------------------------------------------------
// 2b. RFC 8120 §11 session states under pressure
// ---------------------------------------------------------------------------------------------

describe('§11 session states (demo server with --max-pending 3)', () => {
  let srv: Server | undefined;
  let base = '';
  beforeAll(async () => {
    srv = await startServer(['--port', '0', '--demo-password', PW, '--max-pending', '3']);
    base = srv.base;
  });
  afterAll(async () => {
    await stopServer(srv);
  });

  async function kex(path: string, user = 'alice', password = PW): Promise<MutualSession> {
    const url = base + path;
    const s = new MutualSession(url, parseInit(theChallenge(await get(url))), user, password);
    const r = await get(url, { Authorization: s.kexC1() });
    s.acceptKexS1(theChallenge(r));
    return s;
  }
  const send = async (s: MutualSession, nc: number, opts: { vkc?: string } = {}) =>
    get(s.url, { Authorization: s.vfyC(nc, opts).header });

  it('a malformed vkc is not a req-VFY-C: 401 invalid-parameters, and no session state changes', async () => {
    // Project reading of RFC 8120 §11: a credential that fails the syntax of §4.4 (vkc of the wrong length) is
    // not a req-VFY-C at all, so the server does not attempt authentication ("invalid-parameters", §4.1);
    // only a well-formed but wrong vkc moves a key-exchanging session to "rejected".
    const s = await kex('/p256/');
    const bad = await send(s, 1, { vkc: 'ab' }); // 1 octet instead of 32
    expect(bad.status).toBe(401);
    expect(String(bad.headers['www-authenticate'])).toMatch(/reason=invalid-parameters/);
    const good = await send(s, 2);
    expect(good.status, describeResp(good)).toBe(200);
  });

  it('pending-cap overflow evicts a rejected entry before a key-exchanging one', async () => {
    const a = await kex('/p256/'); // legitimate, key exchanging, oldest
    const r1 = await kex('/p256/', 'alice', 'wrong');
    const r2 = await kex('/p256/', 'alice', 'wrong');
    expect((await send(r1, 1)).status).toBe(401); // r1 -> rejected
    expect((await send(r2, 1)).status).toBe(401); // r2 -> rejected
    await kex('/p256/'); // a 4th pending entry: something must go (cap 3)
    const ra = await send(a, 1);
    // §11: key-exchanging entries SHOULD be kept; rejected ones MAY go at any time — so they go first.
    expect(ra.status, describeResp(ra)).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Single-area mode with a verifier computed by this client (cross-checks J)
// ---------------------------------------------------------------------------------------------

describe('single-area mode with an independently computed verifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mutual-ext-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const algorithm of Object.keys(ALGORITHMS)) {
    it(`${algorithm}: verifier line from this client, login at /private/`, async () => {
      const a = alg(algorithm);
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const realm = `ext realm ${algorithm.split('-')[2]}`;
      const users: Array<[string, string]> = [
        ['carol', 'independent pw'],
        ['dörte', 'pässwort'],
      ];
      const lines = users.map(([u, pw]) => {
        const pi = derivePi(a, origin, realm, u, pw);
        return [algorithm, origin, realm, u, hex(OCTETS(J(a, pi), a.elen))].join('\t');
      });
      const file = join(dir, `${algorithm}.verifiers`);
      writeFileSync(file, lines.join('\n') + '\n');
      const srv = await startServer(['--port', String(port), '--origin', origin, '--realm', realm, '--algorithm', algorithm, '--verifiers', file]);
      try {
        expect(srv.base).toBe(origin);
        for (const [u, pw] of users) {
          const l = await login(origin + '/private/', u, pw);
          const ii = parseInit(theChallenge(l.init));
          expect(ii.realm).toBe(realm);
          expect(ii.authScope).toBe(origin);
          expect(l.vfy.status, `${u}: ${describeResp(l.vfy)}`).toBe(200);
          l.session.checkAuthInfo(header(l.vfy, 'authentication-info'), l.nc);
          const { r, nc } = (() => {
            const v = l.session.vfyC();
            return { r: get(origin + '/private/', { Authorization: v.header }), nc: v.nc };
          })();
          const rr = await r;
          expect(rr.status).toBe(200);
          l.session.checkAuthInfo(header(rr, 'authentication-info'), nc);
        }
        const wrong = await login(origin + '/private/', 'carol', 'not it');
        expect(wrong.vfy.status).toBe(401);
        expect(reasonOf(wrong.vfy)).toBe('auth-failed');
      } finally {
        await stopServer(srv);
      }
    });
  }
});
