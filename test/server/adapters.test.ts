/**
 * The framework adapters — Express, Fastify, Hono and the bare Fetch-API handler — each serving the README
 * example (examples/*.ts), logged in to with the real `mutual fetch`, and checked with the independent test
 * client (vks on every response, path normalisation, non-ASCII realm, failures without session headers).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp } from '../../examples/express.ts';
import { createFastifyApp } from '../../examples/fastify.ts';
import { createHonoApp } from '../../examples/hono.ts';
import { appendVerifier, makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';
import { createMutualFetchHandler, mutualHono, type MutualHonoEnv } from '../../src/server/fetch.ts';
import { mutualFastify } from '../../src/server/fastify.ts';
import type { ProtectedArea } from '../../src/server/decision.ts';
import { runCli } from '../support/run-cli.ts';
import { freePort } from '../support/serve-process.ts';
import { get, login, mutualParams, reasonOf, request } from './test-client.ts';

const PASSWORD = 'hunter2 but longer';
const ALGORITHM = 'iso-kam3-ec-p256-sha256';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-adapters-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function verifiersFor(origin: string, realm = 'members', user = 'alice'): Promise<{ store: VerifierStore; file: string }> {
  const v = await makeVerifier({ algorithm: ALGORITHM, authScope: origin, realm, username: user, password: PASSWORD });
  if (!v.ok) throw v.error;
  const file = join(dir, `${encodeURIComponent(origin)}-${encodeURIComponent(realm)}.verifiers`);
  const w = await appendVerifier(file, v.value);
  if (!w.ok) throw w.error;
  return { store: new VerifierStore([v.value]), file };
}

interface Running {
  url: string;
  close(): Promise<void>;
}

function closeNode(server: http.Server | ServerType): Promise<void> {
  return new Promise((r) => {
    server.close(() => r());
    (server as http.Server).closeAllConnections?.();
  });
}

const frameworks: Array<{ name: string; start: (port: number, origin: string, verifiers: VerifierStore) => Promise<Running> }> = [
  {
    name: 'Express',
    start: async (port, origin, verifiers) => {
      const server = createExpressApp(origin, verifiers).listen(port, '127.0.0.1');
      await new Promise<void>((r) => server.once('listening', () => r()));
      return { url: `http://127.0.0.1:${port}`, close: () => closeNode(server) };
    },
  },
  {
    name: 'Fastify',
    start: async (port, origin, verifiers) => {
      const app = await createFastifyApp(origin, verifiers);
      await app.listen({ port, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  },
  {
    name: 'Hono',
    start: async (port, origin, verifiers) => {
      const app = createHonoApp(origin, verifiers);
      const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
      await new Promise<void>((r) => server.once('listening', () => r()));
      return { url: `http://127.0.0.1:${port}`, close: () => closeNode(server) };
    },
  },
];

describe.each(frameworks)('$name adapter (the README example)', ({ name, start }) => {
  let app: Running;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await start(port, origin, (await verifiersFor(origin)).store);
  });
  afterAll(() => app?.close());

  it(`${name}: mutual fetch logs in and makes 3 more authenticated requests`, async () => {
    const r = await runCli(['fetch', `${app.url}/account/`, '--user', 'alice', '--requests', '3'], PASSWORD);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: 4, nonces: [1, 2, 3, 4], user: 'alice', realm: 'members' });
    const bad = await runCli(['fetch', `${app.url}/account/`, '--user', 'alice'], 'wrong password');
    expect(bad.code).toBe(2);
  });

  it(`${name}: the route sees the user; public pages stay public; no path trick gets around the area`, async () => {
    const { session, res } = await login(`${app.url}/account/`, { user: 'alice', password: PASSWORD, hostVh: origin });
    expect(res.body.toString()).toBe('hello alice\n');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await get(`${app.url}/account/`, session)).body.toString()).toBe('hello alice\n');
    const pub = await request(`${app.url}/`);
    expect(pub.status).toBe(200);
    expect(pub.body.toString()).toBe('public page\n');
    expect(pub.headers['www-authenticate']).toBeUndefined();
    for (const p of ['/account/', '/account', '/%61ccount/', '//account/', '/x/../account/', '/account%2F']) {
      const r = await request(`${app.url}${p}`);
      expect(r.status, p).toBe(401);
      expect(mutualParams(r.headers['www-authenticate'])?.realm, p).toBe('members');
    }
    const stale = await request(`${app.url}/account/`, { authorization: `Mutual version=1, algorithm=${ALGORITHM}, validation=host, auth-scope="${origin}", realm="members", sid=${'ab'.repeat(16)}, nc=1, vkc=${'00'.repeat(32)}` });
    expect(reasonOf(stale)).toBe('stale-session');
  });
});

/** The README shows the examples verbatim. */
it('README carries each example exactly as tested', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  for (const f of ['express', 'fastify', 'hono']) {
    const src = readFileSync(fileURLToPath(new URL(`../../examples/${f}.ts`, import.meta.url)), 'utf8');
    expect(readme.includes(src.trim()), `README shows examples/${f}.ts`).toBe(true);
  }
});

describe('non-ASCII realm, failing routes, the bare Fetch handler', () => {
  const area = (realm: string): ProtectedArea[] => [{ path: '/account/', realm, algorithm: ALGORITHM }];

  it('Fastify and Hono keep the raw UTF-8 realm octets in the header fields, with string bodies', async () => {
    for (const kind of ['fastify', 'hono'] as const) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const { store } = await verifiersFor(origin, 'Zoë', 'renée');
      let close: () => Promise<void>;
      if (kind === 'fastify') {
        const app = Fastify();
        await app.register(mutualFastify, { origin, verifiers: store, areas: area('Zoë') });
        app.get('/account/', async (request) => `hello ${request.mutual?.user} — ok`);
        await app.listen({ port, host: '127.0.0.1' });
        close = () => app.close();
      } else {
        const app = new Hono<MutualHonoEnv>();
        app.use(mutualHono({ origin, verifiers: store, areas: area('Zoë') }));
        app.get('/account/', (c) => c.text(`hello ${c.get('mutual')?.user} — ok`));
        const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
        await new Promise<void>((r) => server.once('listening', () => r()));
        close = () => closeNode(server);
      }
      try {
        const { res } = await login(`${origin}/account/`, { user: 'renée', password: PASSWORD, hostVh: origin });
        expect(res.body.toString(), kind).toBe('hello renée — ok');
      } finally {
        await close();
      }
    }
  });

  it('a route that throws: 500 without Authentication-Info (Express, Fastify, Hono)', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const { store } = await verifiersFor(origin);
    const app = Fastify();
    await app.register(mutualFastify, { origin, verifiers: store, areas: area('members') });
    app.get('/account/', async () => {
      throw new Error('boom');
    });
    await app.listen({ port, host: '127.0.0.1' });
    try {
      await expect(login(`${origin}/account/`, { user: 'alice', password: PASSWORD, hostVh: origin })).rejects.toThrow(/no Authentication-Info on a 500/);
    } finally {
      await app.close();
    }
    const port3 = await freePort();
    const origin3 = `http://127.0.0.1:${port3}`;
    const { default: express } = await import('express');
    const { mutualExpress } = await import('../../src/server/express.ts');
    const ex = express();
    ex.use(mutualExpress({ origin: origin3, verifiers: (await verifiersFor(origin3)).store, areas: area('members') }));
    ex.get('/account/', () => {
      throw new Error('boom');
    });
    const exServer = ex.listen(port3, '127.0.0.1');
    await new Promise<void>((r) => exServer.once('listening', () => r()));
    try {
      await expect(login(`${origin3}/account/`, { user: 'alice', password: PASSWORD, hostVh: origin3 })).rejects.toThrow(/no Authentication-Info on a 500/);
    } finally {
      await closeNode(exServer);
    }
    const port2 = await freePort();
    const origin2 = `http://127.0.0.1:${port2}`;
    const hono = new Hono<MutualHonoEnv>();
    hono.use(mutualHono({ origin: origin2, verifiers: (await verifiersFor(origin2)).store, areas: area('members') }));
    hono.get('/account/', () => {
      throw new Error('boom');
    });
    const server = serve({ fetch: hono.fetch, port: port2, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      await expect(login(`${origin2}/account/`, { user: 'alice', password: PASSWORD, hostVh: origin2 })).rejects.toThrow(/no Authentication-Info on a 500/);
    } finally {
      await closeNode(server);
    }
  });

  it('the bare Fetch-API handler (any runtime): login, HEAD, logging', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const logs: string[] = [];
    const mutual = createMutualFetchHandler({ origin, verifiers: (await verifiersFor(origin)).store, areas: area('members'), log: (l) => logs.push(l) });
    const server = serve({ fetch: (req: Request) => mutual(req, (_r, auth) => new Response(`hello ${auth?.user ?? 'nobody'}\n`)), port, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const { session, res } = await login(`${origin}/account/`, { user: 'alice', password: PASSWORD, hostVh: origin });
      expect(res.body.toString()).toBe('hello alice\n');
      expect((await get(`${origin}/account/x`, session)).status).toBe(200);
      expect((await request(`${origin}/public`)).body.toString()).toBe('hello nobody\n');
      const head = await request(`${origin}/account/`, {}, { method: 'HEAD' });
      expect(head.status).toBe(401);
      expect(head.body.length).toBe(0);
      expect(logs.some((l) => / 200 sid=[0-9a-f]{8} nc=2 authenticated$/.test(l))).toBe(true);
    } finally {
      await closeNode(server);
    }
  });
});
