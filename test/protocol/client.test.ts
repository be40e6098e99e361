/**
 * RFC 8120 §10 client decision procedure, driven against an independent scripted server
 * (test/support/scripted-server.ts): full exchanges for all four algorithms and every failure path.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { webRandom } from '../../src/bytes.ts';
import { MutualClient, type ClientAction, type RequestContext } from '../../src/protocol/client.ts';
import { prepareCredential } from '../../src/protocol/credentials.ts';
import { formatInit } from '../../src/protocol/messages.ts';
import { ScriptedServer, type ScriptedServerOptions } from '../support/scripted-server.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const URL1 = `${ORIGIN}/private/index.html`;

function makeClient(now = { t: 1_000_000 }) {
  return { client: new MutualClient({ random: webRandom, now: () => now.t }), now };
}

/** Drive one user-level request through client and server; `password` answers a login prompt (once). */
async function run(client: MutualClient, server: ScriptedServer, url: string, password?: { user: string; password: string }, ctx: RequestContext = {}) {
  let { seq, action } = client.beginRequest(url, ctx);
  const trace: ClientAction[] = [];
  let prompted = false;
  for (let i = 0; i < 10; i++) {
    trace.push(action);
    if (action.type === 'send') {
      action = client.handleResponse(seq, server.handle(action.authorization));
      continue;
    }
    if (action.type === 'login-required' && password && !prompted && action.login.interactive) {
      prompted = true;
      const cred = await prepareCredential(action.login.realm, password.user, password.password);
      if (!cred.ok) throw cred.error;
      client.addCredential(cred.value);
      action = client.resume(seq, action.login);
      continue;
    }
    return { final: action, trace };
  }
  throw new Error('too many hops');
}

async function server(extra: Partial<ScriptedServerOptions> = {}, algorithm: AlgorithmName = 'iso-kam3-ec-p256-sha256') {
  return ScriptedServer.create({ algorithm, origin: ORIGIN, realm: 'demo', users: { alice: 'correct horse' }, path: '/private/', ...extra });
}

const alice = { user: 'alice', password: 'correct horse' };

describe('full exchange (RFC 8120 §2.2) for every algorithm', () => {
  for (const algorithm of ALGORITHM_NAMES) {
    it(algorithm, async () => {
      const srv = await server({}, algorithm);
      const { client } = makeClient();
      const first = await run(client, srv, URL1, alice);
      expect(first.final.type).toBe('verified');
      expect(first.trace.filter((a) => a.type === 'send').map((a) => a.type === 'send' && a.message)).toEqual([
        'normal', 'req-KEX-C1', 'req-VFY-C',
      ]);
      // Further requests go straight out as req-VFY-C with fresh nonce numbers (step 1 → 3 → 14).
      const ncs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await run(client, srv, `${ORIGIN}/private/img${i}.png`);
        expect(r.final.type).toBe('verified');
        if (r.final.type === 'verified') ncs.push(r.final.nc);
        expect(r.trace.length).toBe(2);
      }
      expect(ncs).toEqual([2, 3, 4]);
      expect(srv.log.filter((l) => l.outcome === 'ok').length).toBe(4);
    });
  }
});

describe('failures the user must see', () => {
  it('wrong password → login-required with reason auth-failed, pi forgotten; the right one then works', async () => {
    const srv = await server();
    const { client } = makeClient();
    const bad = await run(client, srv, URL1, { user: 'alice', password: 'wrong' });
    expect(bad.final.type).toBe('login-required');
    if (bad.final.type === 'login-required') expect(bad.final.login.reason).toBe('auth-failed');
    expect(Object.keys(client.state.credentials)).toHaveLength(0);
    const good = await run(client, srv, URL1, alice);
    expect(good.final.type).toBe('verified');
  });

  it('unknown user → fake exchange fails at req-VFY-C with auth-failed', async () => {
    const srv = await server();
    const { client } = makeClient();
    const r = await run(client, srv, URL1, { user: 'mallory', password: 'x' });
    expect(r.final.type).toBe('login-required');
    if (r.final.type === 'login-required') expect(r.final.login.reason).toBe('auth-failed');
  });

  for (const [misbehave, pattern] of [
    ['wrong-vks', /wrong vks/],
    ['no-verifier', /wrong vks/],
    ['omit-info', /without Authentication-Info/],
    ['other-sid', /another session/],
  ] as const) {
    it(`server misbehaviour "${misbehave}" → server-failed, session dropped`, async () => {
      const srv = await server();
      srv.misbehave = misbehave;
      const { client } = makeClient();
      const r = await run(client, srv, URL1, alice);
      expect(r.final.type).toBe('server-failed');
      if (r.final.type === 'server-failed') {
        expect(r.final.error.code).toBe('ERR_MUTUAL_SERVER_AUTH');
        expect(r.final.error.message).toMatch(pattern);
        expect(r.final.error.message).toContain('127.0.0.1:8080');
      }
      expect(client.sessions().every((s) => !s.active)).toBe(true);
    });
  }

  it('a server that turns rogue mid-session is caught on the next response', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    srv.misbehave = 'wrong-vks';
    const r = await run(client, srv, `${ORIGIN}/private/a.css`);
    expect(r.final.type).toBe('server-failed');
  });

  it('an invalid ks1 (element outside the group) is refused', async () => {
    const srv = await server();
    const { client } = makeClient();
    const { seq, action } = client.beginRequest(URL1);
    expect(action.type).toBe('send');
    const init = client.handleResponse(seq, srv.handle(undefined));
    expect(init.type).toBe('login-required');
    if (init.type !== 'login-required') return;
    const cred = await prepareCredential(init.login.realm, 'alice', 'correct horse');
    if (!cred.ok) throw cred.error;
    client.addCredential(cred.value);
    const kex = client.resume(seq, init.login);
    if (kex.type !== 'send') throw new Error('expected send');
    const res = srv.handle(kex.authorization);
    const bad = String(res.headers['www-authenticate']).replace(/ks1=[0-9a-f]+/, `ks1=${'00'.repeat(32)}02`);
    const out = client.handleResponse(seq, { status: 401, headers: { 'www-authenticate': bad } });
    expect(out.type).toBe('server-failed');
    if (out.type === 'server-failed') expect(out.error.message).toMatch(/invalid|ks1/);
  });
});

describe('sessions (RFC 8120 §6)', () => {
  it('a forgotten session (server restart) is re-keyed silently with the remembered pi', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    srv.forgetSessions();
    const r = await run(client, srv, URL1);
    expect(r.final.type).toBe('verified');
    expect(r.trace.filter((a) => a.type === 'send').map((a) => a.type === 'send' && a.message)).toEqual([
      'req-VFY-C', 'req-KEX-C1', 'req-VFY-C',
    ]);
  });

  it('a second 401-STALE in the same sequence does not loop', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    const { seq, action } = client.beginRequest(URL1);
    expect(action.type === 'send' && action.message).toBe('req-VFY-C');
    const stale = { status: 401, headers: { 'www-authenticate': formatInit({ algorithm: srv.alg.name, validation: 'host', authScope: ORIGIN, realm: 'demo', reason: 'stale-session' }) } };
    const a1 = client.handleResponse(seq, stale);
    expect(a1.type === 'send' && a1.message).toBe('req-KEX-C1');
    const a2 = client.handleResponse(seq, stale);
    expect(a2.type).not.toBe('send');
  });

  it('nonce numbers never repeat and stop at nc-max, then a new exchange follows', async () => {
    const srv = await server({ ncMax: 3 });
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    await run(client, srv, URL1);
    await run(client, srv, URL1);
    const r = await run(client, srv, URL1);
    expect(r.final.type).toBe('verified');
    expect(r.trace[0]!.type === 'send' && r.trace[0]!.message).toBe('req-KEX-C1');
    const sent = srv.log.filter((l) => l.kind === 'req-VFY-C').map((l) => `${l.sid}/${l.nc}`);
    expect(new Set(sent).size).toBe(sent.length);
    expect(srv.log.some((l) => l.outcome === 'stale-nc')).toBe(false);
  });

  it('the session expires after `time`; the client re-keys before the next request', async () => {
    const srv = await server({ time: 60 });
    const { client, now } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    now.t += 61_000;
    const r = await run(client, srv, URL1);
    expect(r.final.type).toBe('verified');
    expect(r.trace[0]!.type === 'send' && r.trace[0]!.message).toBe('req-KEX-C1');
  });

  it('state survives a restart of the engine (JSON round trip) without reusing a nonce number', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    const { seq, action } = client.beginRequest(URL1); // nc = 2 allocated, then the worker dies
    expect(action.type).toBe('send');
    void seq;
    const revived = new MutualClient({ random: webRandom, now: () => 1_000_000 }, JSON.parse(JSON.stringify(client.state)));
    const r = await run(revived, srv, URL1);
    expect(r.final.type).toBe('verified');
    if (r.final.type === 'verified') expect(r.final.nc).toBe(3);
  });

  it('logout forgets the session, and the pi when asked', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    const s = client.sessions()[0]!;
    client.logout(s.server, s.realm, true);
    const r = await run(client, srv, URL1);
    expect(r.final.type).toBe('login-required');
  });

  it('server-initiated logout (Authentication-Control logout-timeout=0) ends the session', async () => {
    const srv = await server({ successHeaders: { 'authentication-control': 'Mutual realm="demo", logout-timeout=0' } });
    const { client } = makeClient();
    const r = await run(client, srv, URL1, alice);
    expect(r.final.type).toBe('verified');
    if (r.final.type === 'verified') expect(r.final.loggedOut).toBe(true);
    expect(client.sessions()[0]!.active).toBe(false);
  });
});

describe('what never prompts, and what is declined', () => {
  it('a sub-request 401-INIT never asks interactively', async () => {
    const srv = await server();
    const { client } = makeClient();
    const r = await run(client, srv, `${ORIGIN}/private/a.png`, alice, { subRequest: true });
    expect(r.final.type).toBe('login-required');
    if (r.final.type === 'login-required') expect(r.final.login.interactive).toBe(false);
  });

  it('Optional-WWW-Authenticate on a 200 → unauthenticated with "login available"', () => {
    const { client } = makeClient();
    const { seq } = client.beginRequest(`${ORIGIN}/optional/`);
    const a = client.handleResponse(seq, {
      status: 200,
      headers: { 'optional-www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: ORIGIN, realm: 'demo', reason: 'initial' }) },
    });
    expect(a.type).toBe('unauthenticated');
    if (a.type === 'unauthenticated') expect(a.loginAvailable?.interactive).toBe(false);
  });

  it('tls-unique is declined with an explanation, never faked', () => {
    const { client } = makeClient();
    const { seq } = client.beginRequest('https://example.com/');
    const a = client.handleResponse(seq, {
      status: 401,
      headers: { 'www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'tls-unique', realm: 'r', reason: 'initial' }) },
    });
    expect(a.type).toBe('declined');
    if (a.type === 'declined') expect(a.error.message).toMatch(/tls-unique/);
  });

  it('validation=host over HTTPS is declined unless allowed for the site', () => {
    const { client } = makeClient();
    const { seq } = client.beginRequest('https://example.com/');
    const h = { status: 401, headers: { 'www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', realm: 'r', reason: 'initial' }) } };
    expect(client.handleResponse(seq, h).type).toBe('declined');
    const allowed = new MutualClient({ random: webRandom, now: () => 0, allowHostValidationOverHttps: (s) => s === 'https://example.com:443' });
    const s2 = allowed.beginRequest('https://example.com/');
    expect(allowed.handleResponse(s2.seq, h).type).toBe('login-required');
  });

  it('a normal response to an authenticated request is a server failure; a 5xx is only "unverified"', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await run(client, srv, URL1, alice)).final.type).toBe('verified');
    const b = client.beginRequest(URL1);
    expect(b.action).toMatchObject({ type: 'send', message: 'req-VFY-C' });
    const out = client.handleResponse(b.seq, { status: 503, headers: {} });
    expect(out).toMatchObject({ type: 'unauthenticated', serverError: true });
    const a = client.beginRequest(URL1);
    expect(a.action).toMatchObject({ type: 'send', message: 'req-VFY-C' });
    expect(client.handleResponse(a.seq, { status: 200, headers: {} }).type).toBe('server-failed');
  });

  it('Authentication-Info on a request that carried no session is refused', () => {
    const { client } = makeClient();
    const { seq } = client.beginRequest(URL1);
    const a = client.handleResponse(seq, { status: 200, headers: { 'authentication-info': `Mutual version=1, sid=${'00'.repeat(16)}, vks=${'00'.repeat(32)}` } });
    expect(a.type).toBe('server-failed');
  });

  it('hostile header values never throw out of the engine', () => {
    const { client } = makeClient();
    for (const v of ['Mutual', 'Mutual ,,,', 'Mutual realm="', 'Mutual a=b=c', '\u0000\u00ff', 'x'.repeat(20000)]) {
      const { seq } = client.beginRequest(URL1);
      expect(() => client.handleResponse(seq, { status: 401, headers: { 'www-authenticate': v } })).not.toThrow();
    }
  });
});
