/**
 * Regression tests from a review of `mutual fetch` (src/cli/fetch.ts): reasons and exit codes that once were wrong.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatInit } from '../../src/protocol/messages.ts';
import type { ResponseInput } from '../../src/protocol/client.ts';
import { ScriptedServer } from '../support/scripted-server.ts';
import { runCli } from '../support/run-cli.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A ScriptedServer over HTTP whose answers pass through `transform` (hop counts every request). */
async function start(transform: (srv: ScriptedServer, authorization: string | undefined, hop: number) => ResponseInput, extra: { time?: number } = {}) {
  let scripted: ScriptedServer | undefined;
  let hop = 0;
  const srv = http.createServer((req, res) => {
    const out = scripted ? transform(scripted, req.headers.authorization, hop++) : { status: 503, headers: {} };
    res.statusCode = out.status;
    for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) res.setHeader(k, v as string | string[]);
    res.end(out.status === 200 ? 'page' : 'unauthorized');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  scripted = await ScriptedServer.create({ algorithm: 'iso-kam3-ec-p256-sha256', origin, realm: 'cli test', users: { alice: 'pw' }, path: '/', ...extra });
  closers.push(() => new Promise<void>((r) => srv.close(() => r())));
  return { url: origin, server: scripted };
}

describe('mutual fetch — hardening', () => {
  it('a server asking for re-authentication (reason=reauth-needed) mid-run is answered with a new login, not "rejected"', async () => {
    let vfys = 0;
    const s = await start((srv, a) => {
      if (a !== undefined && /vkc=/.test(a) && ++vfys === 2) {
        return { status: 401, headers: { 'www-authenticate': formatInit({ algorithm: srv.alg.name, validation: 'host', authScope: srv.o.origin, realm: 'cli test', reason: 'reauth-needed' }) } };
      }
      return srv.handle(a);
    });
    const r = await runCli(['fetch', `${s.url}/`, '--user', 'alice', '--requests', '2'], 'pw');
    // The password was accepted a moment ago; the user must not be told it is wrong.
    expect(r.stderr).not.toMatch(/rejected the username or password/);
  });

  it('a 401-KEX-S1 with time=0 completes the login (exit 0)', async () => {
    const s = await start((srv, a) => srv.handle(a), { time: 0 });
    const r = await runCli(['fetch', `${s.url}/`, '--user', 'alice'], 'pw');
    expect(r.stderr).not.toMatch(/SERVER AUTHENTICATION FAILED/);
    expect(r.code).toBe(0);
  });
});

describe('mutual fetch — arguments', () => {
  it('a non-http(s) URL is a usage error (exit 1), not a network error', async () => {
    const r = await runCli(['fetch', 'ftp://127.0.0.1/', '--user', 'alice'], 'pw');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/only http and https/);
  });
});
