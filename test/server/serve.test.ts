/** `mutual serve` (src/cli/serve.ts): demo site, single-area mode, config files, HTTPS, child process. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/cli/serve.ts';
import { UsageError } from '../../src/cli/args.ts';
import { appendVerifier, makeVerifier } from '../../src/server/verifier-file.ts';
import { GALLERY_SUBRESOURCES } from '../../src/server/demo-site.ts';
import { get, login, request, reasonOf, rawVfy } from './test-client.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Running {
  url: string;
  lines: string[];
  errors: string[];
  stop(): Promise<number>;
}

async function serve(args: string[]): Promise<Running> {
  const ac = new AbortController();
  const lines: string[] = [];
  const errors: string[] = [];
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((r) => (listening = r));
  const done = serveCommand(args, { stdout: (l) => lines.push(l), stderr: (l) => errors.push(l), signal: ac.signal, onListening: listening });
  const url = await Promise.race([ready, done.then((code) => Promise.reject(new Error(`exited ${code}: ${errors.join('\n')}`)))]);
  return { url, lines, errors, stop: () => (ac.abort(), done) };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-serve-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every subresource of the gallery page, fetched in the session (each with its own nc and vks). */
async function fetchGallery(base: string, pagePath: string, session: Parameters<typeof get>[1]): Promise<number> {
  const page = await get(`${base}${pagePath}`, session);
  const html = page.body.toString();
  const refs = [...html.matchAll(/(?:src|href)="([^"]+\/res\/[^"]+)"/g)].map((m) => m[1]!);
  const results = await Promise.all(refs.map((r) => get(`${base}${r}`, session)));
  expect(results.every((r) => r.status === 200)).toBe(true);
  return refs.length;
}

describe('mutual serve', () => {
  it('single-area mode: --port --origin --realm --algorithm --verifiers serves /private/ with 40 protected subresources', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const file = join(dir, 'single.verifiers');
    for (const [user, password] of [['alice', 's3cret'], ['bob', 'hunter2']] as const) {
      must(await appendVerifier(file, must(await makeVerifier({ algorithm: 'iso-kam3-ec-p521-sha512', authScope: origin, realm: 'test realm', username: user, password }))));
    }
    const t0 = Date.now();
    const s = await serve(['--port', String(port), '--origin', origin, '--realm', 'test realm', '--algorithm', 'iso-kam3-ec-p521-sha512', '--verifiers', file]);
    try {
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(s.lines).toContain(`listening on http://127.0.0.1:${port}`);
      const { session, init } = await login(`${s.url}/private/`, { user: 'alice', password: 's3cret', hostVh: `http://127.0.0.1:${port}` });
      expect(init).toMatchObject({ realm: 'test realm', algorithm: 'iso-kam3-ec-p521-sha512', 'auth-scope': origin, validation: 'host' });
      expect(await fetchGallery(s.url, '/private/', session)).toBe(GALLERY_SUBRESOURCES);
      // Only /private/ (and the status counters) exist.
      expect((await request(`${s.url}/`)).status).toBe(404);
      expect((await request(`${s.url}/p256/`)).status).toBe(404);
      const st = JSON.parse((await request(`${s.url}/.well-known/mutual-status`)).body.toString()) as Record<string, number>;
      expect(st.successes).toBe(2 + GALLERY_SUBRESOURCES);
      expect(st.exchanges).toBe(1);
      // Log lines: one per request.
      expect(s.lines.filter((l) => / sid=[0-9a-f]{8} nc=\d+ authenticated$/.test(l))).toHaveLength(2 + GALLERY_SUBRESOURCES);
      await expect(login(`${s.url}/private/`, { user: 'bob', password: 'wrong', hostVh: origin })).rejects.toThrow(/auth-failed/);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('--port 0 picks a free port; --origin (another name) is the identity, not the socket address', async () => {
    const origin = 'http://mutual.example:8080';
    const file = join(dir, 'named.verifiers');
    must(await appendVerifier(file, must(await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: origin, realm: 'r', username: 'alice', password: 'pw' }))));
    const s = await serve(['--port', '0', '--origin', origin, '--realm', 'r', '--algorithm', 'iso-kam3-ec-p256-sha256', '--verifiers', file, '--quiet']);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s.url).not.toMatch(/:0$/);
      const { session } = await login(`${s.url}/private/`, { user: 'alice', password: 'pw', hostVh: 'http://mutual.example:8080' });
      await get(`${s.url}/private/res/app.js`, session);
      expect(s.lines.some((l) => / GET /.test(l))).toBe(false);
    } finally {
      await s.stop();
    }
  });

  it('the demo site: home page, four areas, optional page, logout, demo users printed', async () => {
    const s = await serve(['--port', '0', '--demo-password', 'demo pass']);
    try {
      expect(s.lines).toContain('  alice / demo pass');
      expect(s.lines).toContain('  renée / demo pass');
      const home = await request(`${s.url}/`);
      expect(home.status).toBe(200);
      const html = home.body.toString();
      for (const p of ['/p256/', '/p521/', '/dl2048/', '/dl4096/', '/optional/', '/p256/logout']) expect(html).toContain(`href="${p}"`);
      const hostVh = s.url;
      for (const [path, algorithm] of [['/p256/', 'iso-kam3-ec-p256-sha256'], ['/p521/', 'iso-kam3-ec-p521-sha512'], ['/dl2048/', 'iso-kam3-dl-2048-sha256'], ['/dl4096/', 'iso-kam3-dl-4096-sha512']] as const) {
        const { session, init } = await login(`${s.url}${path}`, { user: 'alice', password: 'demo pass', hostVh });
        expect(init.algorithm).toBe(algorithm);
        expect(init.realm).toBe(`mutual-demo-${path.slice(1, -1)}`);
        if (path === '/p256/') {
          expect(await fetchGallery(s.url, '/p256/gallery.html', session)).toBe(GALLERY_SUBRESOURCES);
          const opt = await get(`${s.url}/optional/`, session);
          expect(opt.body.toString()).toContain('Hello, alice');
          const out = await get(`${s.url}/p256/logout`, session);
          expect(out.headers['authentication-control']).toMatch(/logout-timeout=0/);
          expect(reasonOf(await rawVfy(`${s.url}/p256/`, session, 999))).toBe('stale-session');
        }
      }
      const { session } = await login(`${s.url}/p256/`, { user: 'renée', password: 'demo pass', hostVh });
      expect((await get(`${s.url}/p256/`, session)).body.toString()).toContain('renée');
      const anon = await request(`${s.url}/optional/`);
      expect(anon.status).toBe(200);
      expect(anon.headers['optional-www-authenticate']).toMatch(/^Mutual /);
    } finally {
      await s.stop();
    }
  });

  it('a random demo password is printed when none is given', async () => {
    const s = await serve(['--port', '0', '--quiet']);
    try {
      const line = s.lines.find((l) => l.startsWith('  alice / '))!;
      const password = line.slice('  alice / '.length);
      expect(password).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
      await login(`${s.url}/dl2048/`, { user: 'alice', password, hostVh: s.url });
    } finally {
      await s.stop();
    }
  });

  it('--config FILE with areas, control and demo users', async () => {
    const cfg = join(dir, 'site.json');
    await writeFile(
      cfg,
      JSON.stringify({
        areas: [
          { path: '/staff/', realm: 'staff', algorithm: 'iso-kam3-ec-p256-sha256', logoutPaths: ['/staff/bye'], control: { locationWhenUnauthenticated: '/', authStyle: 'non-modal' } },
        ],
        sessions: { ncWindow: 128, lifetimeSeconds: 90 },
        demoUsers: [{ user: 'carol', password: 'pw' }],
      }),
    );
    const s = await serve(['--port', '0', '--config', cfg, '--quiet']);
    try {
      const r = await request(`${s.url}/staff/`);
      expect(r.headers['authentication-control']).toBe('Mutual realm="staff", location-when-unauthenticated="/", auth-style=non-modal');
      const { session } = await login(`${s.url}/staff/`, { user: 'carol', password: 'pw', hostVh: s.url });
      expect(session.ncWindow).toBe(128);
      expect(session.time).toBe(90);
    } finally {
      await s.stop();
    }
  });

  it('HTTPS: --tls self-signed → validation=tls-server-end-point', async () => {
    const s = await serve(['--port', '0', '--tls', 'self-signed', '--demo-password', 'pw', '--quiet']);
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(s.lines).toContain('validation=tls-server-end-point');
      const { session, init } = await login(`${s.url}/p256/`, { user: 'alice', password: 'pw' });
      expect(init.validation).toBe('tls-server-end-point');
      await get(`${s.url}/p256/gallery.html`, session);
    } finally {
      await s.stop();
    }
  });

  it('usage errors', async () => {
    const bad: string[][] = [
      ['--realm', 'r'],
      ['--realm', 'r', '--algorithm', 'nope', '--verifiers', 'x'],
      ['--realm', 'r', '--algorithm', 'iso-kam3-ec-p256-sha256'],
      ['--tls', 'maybe'],
      ['--tls-cert', 'a'],
      ['--origin', 'https://x.example', '--port', '0'],
      ['--misbehave', 'politely'],
      ['--port', '70000'],
      ['--config', join(dir, 'missing.json')],
      ['--bogus'],
    ];
    for (const args of bad) await expect(serveCommand(args, { stdout: () => {}, stderr: () => {} }), args.join(' ')).rejects.toThrow(UsageError);
    const cfg = join(dir, 'bad.json');
    await writeFile(cfg, JSON.stringify({ areas: [{ path: '/x/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256', colour: 'blue' }] }));
    await expect(serveCommand(['--config', cfg], { stdout: () => {}, stderr: () => {} })).rejects.toThrow(/config\.areas\[0\]: unknown field "colour"/);
  });

  it('runs as a child process, prints "listening on …" within a few seconds and stops on SIGTERM', async () => {
    const file = join(dir, 'child.verifiers');
    const origin = 'http://127.0.0.1:9';
    must(await appendVerifier(file, must(await makeVerifier({ algorithm: 'iso-kam3-dl-4096-sha512', authScope: origin, realm: 'child', username: 'alice', password: 'pw' }))));
    const launcher = fileURLToPath(new URL('./serve-launcher.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', launcher, '--port', '0', '--origin', origin, '--realm', 'child', '--algorithm', 'iso-kam3-dl-4096-sha512', '--verifiers', file], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const t0 = Date.now();
    let out = '';
    let errText = '';
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${errText}`)));
      setTimeout(() => reject(new Error(`no "listening on" line: ${out} ${errText}`)), 20_000);
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const { session } = await login(`${url}/private/`, { user: 'alice', password: 'pw', hostVh: 'http://127.0.0.1:9' });
    await get(`${url}/private/res/style.css`, session);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
