/**
 * `mutual proxy` (a child process, with its sessions in a real redis-server) in front of a small upstream
 * app: logins with `mutual fetch` and the independent test client, the user header (never from the client),
 * what the upstream sees and what it may not send, upstream failures, and 100 MB bodies streamed both ways
 * with the proxy's memory watched from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMutualProxy } from '../../src/server/proxy.ts';
import { appendVerifier, makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';
import { runCli } from '../support/run-cli.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { freePort, startMutualProcess } from '../support/serve-process.ts';
import { checkVfyS, exchangeKeys, get, login, mutualParams, request, vfyC, type Session } from './test-client.ts';

const ALGORITHM = 'iso-kam3-ec-p256-sha256';
const PASSWORD = 'open sesame 7';
const MB = 1024 * 1024;
const BIG = 100 * MB;

/** The same deterministic bytes on both sides: chunk i of 1 MiB is filled with i mod 251. */
function chunk(i: number): Buffer {
  return Buffer.alloc(MB, i % 251);
}
const bigDigest = (() => {
  let d: string | undefined;
  return () => {
    if (d === undefined) {
      const h = createHash('sha256');
      for (let i = 0; i < BIG / MB; i++) h.update(chunk(i));
      d = h.digest('hex');
    }
    return d;
  };
})();

let upstream: http.Server;
let upstreamUrl: string;
let upstreamRequests = 0;
let redis: RedisServer;
let proxy: ChildProcess;
let proxyUrl: string;
let origin: string;
let dir: string;

function startUpstream(): Promise<void> {
  upstream = http.createServer((req, res) => {
    upstreamRequests++;
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (req.method === 'POST' && url.pathname === '/files/upload') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        h.update(c);
      });
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ bytes: n, sha256: h.digest('hex') }));
      });
      return;
    }
    if (url.pathname === '/files/download') {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', BIG);
      let i = 0;
      const pump = (): void => {
        while (i < BIG / MB) {
          if (!res.write(chunk(i++))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (url.pathname === '/admin/fail') {
      res.statusCode = 500;
      res.end('upstream broke\n');
      return;
    }
    if (url.pathname === '/mutual-headers') {
      // An upstream that tries to speak Mutual itself: the proxy owns the protocol.
      res.setHeader('Authentication-Info', 'Mutual version=1, sid=00, vks=00');
      res.setHeader('WWW-Authenticate', ['Mutual realm="fake"', 'Basic realm="legacy"']);
      res.end('ok\n');
      return;
    }
    // Everything else: echo what the upstream received.
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
  return new Promise((r) => upstream.listen(0, '127.0.0.1', () => {
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    r();
  }));
}

async function verifiers(forOrigin: string): Promise<{ file: string; store: VerifierStore }> {
  const file = join(dir, `${encodeURIComponent(forOrigin)}.verifiers`);
  const store = new VerifierStore();
  for (const user of ['alice', 'renée']) {
    const v = await makeVerifier({ algorithm: ALGORITHM, authScope: forOrigin, realm: 'intranet', username: user, password: PASSWORD });
    if (!v.ok) throw v.error;
    const w = await appendVerifier(file, v.value);
    if (!w.ok) throw w.error;
    store.add(v.value);
  }
  return { file, store };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-proxy-'));
  await startUpstream();
  redis = await startRedis();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const { file } = await verifiers(origin);
  ({ child: proxy, url: proxyUrl } = await startMutualProcess('proxy', ['--quiet',
    '--listen', `127.0.0.1:${port}`, '--upstream', upstreamUrl, '--realm', 'intranet', '--algorithm', ALGORITHM, '--verifiers', file,
    '--paths', '/admin/,/files/', '--redis', redis.url, '--redis-ephemeral-key',
  ], 30_000));
}, 60_000);

afterAll(async () => {
  proxy?.kill('SIGTERM');
  await new Promise<void>((r) => upstream.close(() => r()));
  upstream.closeAllConnections();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const echo = (body: Buffer) => JSON.parse(body.toString()) as { url: string; headers: Record<string, string> };

describe('mutual proxy', () => {
  it('mutual fetch logs in through the proxy and stays authenticated', async () => {
    const r = await runCli(['fetch', `${proxyUrl}/admin/`, '--user', 'alice', '--requests', '3'], PASSWORD);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: 4, user: 'alice', realm: 'intranet' });
  });

  it('protected paths need a login (the upstream is not asked); the user reaches the upstream in X-Mutual-User', async () => {
    const before = upstreamRequests;
    const r = await request(`${proxyUrl}/admin/x`, { 'x-mutual-user': 'admin' });
    expect(r.status).toBe(401);
    expect(mutualParams(r.headers['www-authenticate'])?.realm).toBe('intranet');
    expect(upstreamRequests).toBe(before);
    // Spellings a laxer upstream would route into /admin/ (case-insensitive, ;params, decoding twice) are
    // protected too: the proxy never hands them over unauthenticated.
    for (const trick of ['/ADMIN/x', '/admin;v=1/x', '/public/..;/admin/x', '/%2561dmin/x']) {
      expect((await request(`${proxyUrl}${trick}`, {})).status, trick).toBe(401);
    }
    expect(upstreamRequests).toBe(before);

    const { session, res } = await login(`${proxyUrl}/admin/page?q=1`, { user: 'renée', password: PASSWORD, hostVh: origin, headers: { 'X-Mutual-User': 'admin', x_mutual_user: 'root' } });
    const seen = echo(res.body);
    expect(seen.url).toBe('/admin/page?q=1');
    expect(seen.headers['x-mutual-user']).toBe('ren%C3%A9e');
    expect(seen.headers.x_mutual_user).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(upstreamUrl).host);
    expect(seen.headers['x-forwarded-host']).toBe(new URL(proxyUrl).host);
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(echo((await get(`${proxyUrl}/files/list`, session)).body).headers['x-mutual-user']).toBe('ren%C3%A9e');
  });

  it('a client-sent X-Mutual-User never reaches the upstream, on public paths either; other Authorization passes', async () => {
    const r = await request(`${proxyUrl}/public/`, { 'X-Mutual-User': 'alice', 'X-MUTUAL-USER': 'bob', 'x_mutual_user': 'carol', authorization: 'Basic YTpi' });
    expect(r.status).toBe(200);
    const seen = echo(r.body);
    expect(Object.keys(seen.headers).filter((k) => k.replace(/_/g, '-') === 'x-mutual-user')).toEqual([]);
    expect(seen.headers.authorization).toBe('Basic YTpi');
    // Mutual credentials on a public path are not the upstream's business either.
    const m = await request(`${proxyUrl}/public/`, { authorization: 'Mutual version=1, algorithm=x' });
    expect(echo(m.body).headers.authorization).toBeUndefined();
  });

  it('the upstream cannot send Mutual header fields; its 5xx carries no session header fields', async () => {
    const r = await request(`${proxyUrl}/mutual-headers`);
    expect(r.headers['authentication-info']).toBeUndefined();
    expect(r.headers['www-authenticate']).toBe('Basic realm="legacy"');
    const { session } = await login(`${proxyUrl}/admin/`, { user: 'alice', password: PASSWORD, hostVh: origin });
    const nc = session.nextNc++;
    const fail = await request(`${proxyUrl}/admin/fail`, { authorization: vfyC(session, nc) });
    expect(fail.status).toBe(500);
    expect(fail.headers['authentication-info']).toBeUndefined();
    expect(fail.body.toString()).toBe('upstream broke\n');
    // The session goes on (the nonce number was used).
    expect((await get(`${proxyUrl}/admin/`, session)).status).toBe(200);
  });

  it('upstream unreachable: 502 that says nothing about the session', async () => {
    const deadPort = await freePort();
    const port = await freePort();
    const o = `http://127.0.0.1:${port}`;
    const p = createMutualProxy({
      origin: o, upstream: `http://127.0.0.1:${deadPort}`, verifiers: (await verifiers(o)).store,
      areas: [{ path: '/admin/', realm: 'intranet', algorithm: ALGORITHM }],
    });
    const server = http.createServer(p);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const { session } = await login(`${o}/admin/`, { user: 'alice', password: PASSWORD, hostVh: o }).catch(() => ({ session: undefined }));
      expect(session).toBeUndefined(); // the login's last step reached the dead upstream
      const pub = await request(`${o}/anything`);
      expect(pub.status).toBe(502);
      // Log in by hand to look at the failing authenticated response.
      const { session: s } = await exchangeKeys(`${o}/admin/`, { user: 'alice', password: PASSWORD, hostVh: o });
      const raw = await request(`${o}/admin/`, { authorization: vfyC(s, s.nextNc++) });
      expect(raw.status).toBe(502);
      for (const h of ['authentication-info', 'authentication-control', 'www-authenticate', 'optional-www-authenticate']) expect(raw.headers[h], h).toBeUndefined();
      expect(raw.body.toString()).toBe('Bad Gateway: the site behind this proxy cannot be reached\n');
      expect(raw.body.toString()).not.toMatch(/alice|[0-9a-f]{8}/);
    } finally {
      p.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('100 MB upload and 100 MB download stream through without being buffered (proxy memory watched)', async () => {
    const { session } = await login(`${proxyUrl}/admin/`, { user: 'alice', password: PASSWORD, hostVh: origin });
    const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proxy.pid}/status`, 'utf8'))![1]) * 1024;
    const base = rss();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 25);
    try {
      // Upload: 100 chunks of 1 MiB, written as the socket drains.
      const up = await streamRequest(`${proxyUrl}/files/upload`, session, 'POST', async (req) => {
        for (let i = 0; i < BIG / MB; i++) if (!req.write(chunk(i))) await new Promise((r) => req.once('drain', r));
      });
      expect(up.status).toBe(200);
      expect(JSON.parse(up.body.toString())).toEqual({ bytes: BIG, sha256: bigDigest() });
      // Download: counted and hashed as it arrives.
      const down = await streamRequest(`${proxyUrl}/files/download`, session, 'GET', async () => undefined, true);
      expect(down.status).toBe(200);
      expect(down.bytes).toBe(BIG);
      expect(down.sha256).toBe(bigDigest());
    } finally {
      clearInterval(sampler);
    }
    // Buffering either body would add 100 MB; streaming stays within a few socket buffers.
    expect(peak - base, `proxy RSS grew by ${Math.round((peak - base) / MB)} MiB`).toBeLessThan(48 * MB);
  });
});

/** An authenticated request whose body is written by `write` and whose response body is hashed as it streams. */
function streamRequest(
  url: string, session: Session, method: string, write: (req: http.ClientRequest) => Promise<void>, hashOnly = false,
): Promise<{ status: number; body: Buffer; bytes: number; sha256: string }> {
  const nc = session.nextNc++;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { authorization: vfyC(session, nc), ...(method === 'POST' ? { 'content-type': 'application/octet-stream' } : {}) }, agent: false }, (res) => {
      const h = createHash('sha256');
      const kept: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        h.update(c);
        if (!hashOnly) kept.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        try {
          checkVfyS(session, nc, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
        } catch (e) {
          reject(e);
          return;
        }
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(kept), bytes, sha256: h.digest('hex') });
      });
    });
    req.on('error', reject);
    write(req).then(() => req.end(), reject);
  });
}
