/**
 * Regression tests from a review of the client engine against RFC 8120 §7, §10 and RFC 8053 (each once
 * failed): channel binding, logout, session discard, RFC 8053 locations. Driven by the scripted server of test/support.
 */
import { describe, expect, it } from 'vitest';
import { utf8, webRandom } from '../../src/bytes.ts';
import { MutualClient, type ClientAction, type RequestContext, type ResponseInput } from '../../src/protocol/client.ts';
import { prepareCredential } from '../../src/protocol/credentials.ts';
import { formatInit } from '../../src/protocol/messages.ts';
import { ScriptedServer, type ScriptedServerOptions } from '../support/scripted-server.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const URL1 = `${ORIGIN}/private/index.html`;
const alice = { user: 'alice', password: 'correct horse' };

function makeClient(now = { t: 1_000_000 }) {
  return { client: new MutualClient({ random: webRandom, now: () => now.t }), now };
}

type Responder = (authorization: string | undefined, hop: number) => ResponseInput;

/** Drive one user-level request; `password` answers one interactive prompt. */
async function drive(client: MutualClient, respond: Responder, url: string, password?: { user: string; password: string }, ctx: RequestContext = {}) {
  let { seq, action } = client.beginRequest(url, ctx);
  const trace: ClientAction[] = [];
  let prompted = false;
  let hop = 0;
  for (let i = 0; i < 10; i++) {
    trace.push(action);
    if (action.type === 'send') {
      action = client.handleResponse(seq, respond(action.authorization, hop++));
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
    return { final: action, trace, sends: trace.filter((a) => a.type === 'send').map((a) => (a.type === 'send' ? a.message : '')) };
  }
  throw new Error('too many hops');
}

const via = (srv: ScriptedServer): Responder => (a) => srv.handle(a);

async function server(extra: Partial<ScriptedServerOptions> = {}) {
  return ScriptedServer.create({ algorithm: 'iso-kam3-ec-p256-sha256', origin: ORIGIN, realm: 'demo', users: { alice: 'correct horse' }, path: '/private/', ...extra });
}

// ------------------------------------------------------------------------------------------------ §7 binding

describe('tls-server-end-point: vh must be the certificate of the connection that carried the req-VFY-C (RFC 8120 §7)', () => {
  const HTTPS = 'https://example.test';
  const URL_S = `${HTTPS}/private/`;
  const CERT_A = new Uint8Array(32).fill(0xaa); // the real server's certificate hash
  const CERT_B = new Uint8Array(32).fill(0xbb); // a MITM's certificate (accepted via --insecure or mis-issuance)

  async function tlsServer() {
    return ScriptedServer.create({
      algorithm: 'iso-kam3-ec-p256-sha256', origin: HTTPS, realm: 'demo', users: { alice: 'correct horse' },
      path: '/private/', validation: 'tls-server-end-point', vh: CERT_A,
    });
  }

  it('an established session is not reused on a connection with another certificate', async () => {
    const srv = await tlsServer();
    const { client } = makeClient();
    const onA: Responder = (a) => ({ ...srv.handle(a), tlsServerEndPoint: CERT_A });
    expect((await drive(client, onA, URL_S, alice, { tlsServerEndPoint: CERT_A })).final.type).toBe('verified');
    // A later connection presents certificate B; the adapter even tells the engine so.
    const onB: Responder = (a) => ({ ...srv.handle(a), tlsServerEndPoint: CERT_B });
    const r = await drive(client, onB, URL_S, undefined, { tlsServerEndPoint: CERT_B });
    // The engine used the stored vh = h(A) and accepted a vks relayed from the real server.
    expect(r.final.type).not.toBe('verified');
  });

  it('a login whose req-VFY-C travels on a connection with another certificate is not verified', async () => {
    const srv = await tlsServer();
    const { client } = makeClient();
    // 401-INIT over the genuine connection (cert A); every later request is intercepted (cert B).
    const split: Responder = (a, hop) => ({ ...srv.handle(a), tlsServerEndPoint: hop === 0 ? CERT_A : CERT_B });
    const r = await drive(client, split, URL_S, alice);
    expect(r.final.type).not.toBe('verified');
  });
});

// ------------------------------------------------------------------------------------------------ RFC 8053 logout

describe('RFC 8053 §4.6 logout-timeout / RFC 8120 §10.2 step 14 logout', () => {
  it('after logout-timeout expires the client does not log in again by itself', async () => {
    const srv = await server({ successHeaders: { 'authentication-control': 'Mutual realm="demo", logout-timeout=60' } });
    const { client, now } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    now.t += 61_000;
    const r = await drive(client, via(srv), URL1);
    // "any authentication credentials and state related to the current protection space are to be discarded"
    expect(r.sends).not.toContain('req-KEX-C1');
    expect(r.final.type).not.toBe('verified');
  });

  it('a server-initiated logout (logout-timeout=0) stays logged out on the next request', async () => {
    const srv = await server({ successHeaders: { 'authentication-control': 'Mutual realm="demo", logout-timeout=0' } });
    const { client } = makeClient();
    const first = await drive(client, via(srv), URL1, alice);
    expect(first.final.type === 'verified' && first.final.loggedOut).toBe(true);
    const r = await drive(client, via(srv), URL1);
    // "the client is now returned to the unauthenticated state" — not re-keyed without the user.
    expect(r.sends).not.toContain('req-KEX-C1');
  });

  it('an explicit logout stays logged out even when the pi is handed back to be remembered', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    const s = client.sessions()[0]!;
    client.logout(s.server, s.realm, false);
    const r = await drive(client, via(srv), URL1);
    expect(r.final.type).not.toBe('verified');
  });

  it('logout of a realm ends its sessions on every server of its auth-scope', async () => {
    // Realm with single-host scope "127.0.0.1": one credential, sessions on :8080 and :8081.
    const mk = (port: number) => ScriptedServer.create({
      algorithm: 'iso-kam3-ec-p256-sha256', origin: '127.0.0.1', realm: 'demo', users: { alice: 'correct horse' },
      path: '/', vh: utf8(`http://127.0.0.1:${port}`),
    });
    const a = await mk(8080);
    const b = await mk(8081);
    const { client } = makeClient();
    expect((await drive(client, via(a), 'http://127.0.0.1:8080/x', alice)).final.type).toBe('verified');
    expect((await drive(client, via(b), 'http://127.0.0.1:8081/x')).final.type).toBe('verified');
    const s = client.sessions().find((x) => x.server === 'http://127.0.0.1:8080')!;
    client.logout(s.server, s.realm, true); // the user logs out and asks to forget the password
    const r = await drive(client, via(b), 'http://127.0.0.1:8081/x');
    expect(r.final.type).not.toBe('verified');
  });
});

// ------------------------------------------------------------------------------------------------ §10.1 discard

describe('RFC 8120 §10.1: a 401 to req-VFY-C makes the session secret unusable', () => {
  it('a 401 with an unusable Mutual challenge to req-VFY-C discards the session keys', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    const { seq, action } = client.beginRequest(URL1);
    expect(action).toMatchObject({ type: 'send', message: 'req-VFY-C' });
    const out = client.handleResponse(seq, {
      status: 401,
      headers: { 'www-authenticate': 'Mutual version=1, algorithm=iso-kam3-foo, validation=host, realm="demo", reason=auth-failed' },
    });
    expect(out.type).toBe('server-failed');
    expect(client.sessions()[0]!.active).toBe(false);
  });

  it('a malformed Authentication-Info answering req-VFY-C is a server failure and ends the session', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    const { seq } = client.beginRequest(URL1);
    const out = client.handleResponse(seq, { status: 200, headers: { 'authentication-info': 'Mutual version=1, sid=zz' } });
    expect(out.type).toBe('server-failed');
    // Every other server-failed path of a req-VFY-C drops the session (client.test.ts "session dropped").
    expect(client.sessions()[0]!.active).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------ 401-KEX-S1

describe('401-KEX-S1 parameters', () => {
  it('time=0 still lets the exchange complete with its first req-VFY-C', async () => {
    const srv = await server({ time: 0 });
    const { client } = makeClient();
    const r = await drive(client, via(srv), URL1, alice);
    // `time` is how long the session may be REUSED; the req-VFY-C of this sequence must still go out.
    expect(r.final.type).toBe('verified');
  });
});

describe('RFC 8120 §10.1 5xx tolerance', () => {
  it('a 503 answering req-KEX-C1 is an unverified server error, not a server authentication failure', async () => {
    const srv = await server();
    const { client } = makeClient();
    const r = await drive(client, (a) => (a === undefined ? srv.handle(a) : { status: 503, headers: {} }), URL1, alice);
    // "clients MAY accept a message without an Authentication-Info header if it has a Server Error (5xx)
    // status code … the client will then have a status of UNAUTHENTICATED" — as the req-VFY-C path does.
    expect(r.final).toMatchObject({ type: 'unauthenticated', serverError: true });
  });
});

// ------------------------------------------------------------------------------------------------ RFC 8053 locations

describe('RFC 8053 §4.3 / §4.5 locations are treated as 303 targets', () => {
  it('location-when-unauthenticated with a javascript: URL is never handed to the adapter', () => {
    const { client } = makeClient();
    const { seq } = client.beginRequest(URL1);
    const out = client.handleResponse(seq, {
      status: 401,
      headers: {
        'www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: ORIGIN, realm: 'demo', reason: 'initial' }),
        'authentication-control': 'Mutual realm="demo", location-when-unauthenticated="javascript:alert(document.cookie)"',
      },
    });
    expect(out.type).toBe('login-required');
    if (out.type === 'login-required') expect(out.redirect === undefined || /^https?:/.test(out.redirect)).toBe(true);
  });

  it('location-when-logout with a data: URL is never returned by logout()', async () => {
    const srv = await server({ successHeaders: { 'authentication-control': 'Mutual realm="demo", location-when-logout="data:text/html,<script>alert(1)</script>"' } });
    const { client } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    const s = client.sessions()[0]!;
    const { location } = client.logout(s.server, s.realm, true);
    expect(location === undefined || /^https?:/.test(location)).toBe(true);
  });
});

describe('RFC 8053 §4.6: a logout-timeout survives a silent re-key', () => {
  it('re-keying after a 401-STALE keeps the pending logout-timeout', async () => {
    const srv = await server();
    const { client, now } = makeClient();
    let control = true; // only the first verified response carries logout-timeout=300
    const respond: Responder = (a) => {
      const r = srv.handle(a);
      if (control && r.headers['authentication-info'] !== undefined) {
        control = false;
        return { ...r, headers: { ...r.headers, 'authentication-control': 'Mutual realm="demo", logout-timeout=300' } };
      }
      return r;
    };
    expect((await drive(client, respond, URL1, alice)).final.type).toBe('verified');
    srv.forgetSessions(); // server restart: the next request is re-keyed silently (allowed, RFC 8120 §6)
    now.t += 10_000;
    expect((await drive(client, respond, URL1)).final.type).toBe('verified');
    now.t += 300_000; // 310 s after logout-timeout=300 was received
    const r = await drive(client, respond, URL1);
    expect(r.final.type).not.toBe('verified');
  });
});

describe('RFC 8053 §3: Optional-WWW-Authenticate for a realm whose credentials are known', () => {
  it('with a known pi, the client authenticates on an optional page by itself', async () => {
    const srv = await server();
    const { client } = makeClient();
    expect((await drive(client, via(srv), URL1, alice)).final.type).toBe('verified');
    // /public/ is outside the session's path list; the server offers optional authentication for realm demo.
    const optional: Responder = (a) => {
      if (a !== undefined) return srv.handle(a);
      return { status: 200, headers: { 'optional-www-authenticate': formatInit({ algorithm: srv.alg.name, validation: 'host', authScope: ORIGIN, realm: 'demo', reason: 'initial' }) } };
    };
    const r = await drive(client, optional, `${ORIGIN}/public/page`);
    // RFC 8053 §3: same meaning as a 401-INIT; §2.1 (2): with known credentials the client authenticates automatically.
    expect(r.final.type).toBe('verified');
  });
});

describe('RFC 8053 §4: Authentication-Control entries are per realm', () => {
  const init = formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: ORIGIN, realm: 'demo', reason: 'initial' });
  const ask = (control: string) => {
    const { client } = makeClient();
    const { seq } = client.beginRequest(URL1);
    return client.handleResponse(seq, { status: 401, headers: { 'www-authenticate': init, 'authentication-control': control } });
  };

  it('the entry of this realm applies: username hint and an http(s) redirect', () => {
    const out = ask('Mutual realm="other", username="mallory", Mutual realm="demo", username="alice", location-when-unauthenticated="/login"');
    expect(out.type).toBe('login-required');
    if (out.type !== 'login-required') return;
    expect(out.login.username).toBe('alice');
    expect(out.redirect).toBe(`${ORIGIN}/login`);
  });

  it('an entry without a realm, or for another realm, is ignored', () => {
    const out = ask('Mutual username="mallory", no-auth=true, Mutual realm="other", location-when-unauthenticated="/x"');
    expect(out.type).toBe('login-required');
    if (out.type !== 'login-required') return;
    expect(out.login.username).toBeUndefined();
    expect(out.login.interactive).toBe(true);
    expect(out.redirect).toBeUndefined();
  });

  it('no-auth=true for this realm: no prompt and no redirect', () => {
    const out = ask('Mutual realm="demo", no-auth=true, location-when-unauthenticated="/login"');
    expect(out).toMatchObject({ type: 'login-required', login: { interactive: false } });
    if (out.type === 'login-required') expect(out.redirect).toBeUndefined();
  });
});
