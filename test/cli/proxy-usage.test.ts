/** `mutual proxy` and `mutual serve --redis`: usage errors are refused before anything starts. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { proxyCommand } from '../../src/cli/proxy.ts';
import { serveCommand } from '../../src/cli/serve.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined, env: {} };
const base = ['--upstream', 'http://127.0.0.1:3000', '--realm', 'r', '--algorithm', 'iso-kam3-ec-p256-sha256', '--verifiers', '/nonexistent'];

describe('usage', () => {
  it('mutual proxy refuses bad options with a message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--realm', 'r', '--algorithm', 'iso-kam3-ec-p256-sha256', '--verifiers', 'f'], /--upstream is required/],
      [[...base, '--listen', 'nonsense'], /--listen takes HOST:PORT/],
      [[...base, '--listen', '127.0.0.1:70000'], /at most 65535/],
      [[...base.slice(0, 4), '--algorithm', 'rot13', '--verifiers', 'f'], /unknown algorithm/],
      [[...base, '--paths', 'admin/'], /--paths takes absolute paths/],
      [[...base, '--redis', 'http://127.0.0.1:6379'], /--redis takes a redis:\/\/ URL|redis:\/\/host/],
      [[...base, '--redis-prefix', 'x:'], /--redis-prefix needs --redis/],
      [[...base, '--origin', 'https://www.example.com'], /--origin is https but the server speaks http/],
      [[...base, '--status-path', 'status'], /--status-path takes a path or off/],
      [[...base], /cannot read|ENOENT|no such file/i],
    ];
    for (const [args, message] of cases) await expect(proxyCommand(args, quiet), args.join(' ')).rejects.toThrow(message);
    await expect(proxyCommand([...base, '--bogus'], quiet)).rejects.toBeInstanceOf(UsageError);
  });

  it('mutual proxy refuses an upstream that is not an origin', async () => {
    const ac = new AbortController();
    const errors: string[] = [];
    const v = await import('../../src/server/verifier-file.ts');
    const { mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'mutual-proxy-usage-')), 'v');
    const e = await v.makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:1', realm: 'r', username: 'a', password: 'p' });
    if (!e.ok) throw e.error;
    await v.appendVerifier(file, e.value);
    const code = await proxyCommand(['--listen', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:3000/app', '--realm', 'r', '--algorithm', 'iso-kam3-ec-p256-sha256', '--verifiers', file], {
      stdout: () => undefined, stderr: (l) => errors.push(l), signal: ac.signal,
    });
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/--upstream must be an origin/);
  });

  it('mutual serve --redis takes a redis URL', async () => {
    await expect(serveCommand(['--redis', 'localhost:6379'], quiet)).rejects.toThrow(/--redis takes a redis:\/\/host:port\/db URL/);
    await expect(serveCommand(['--redis-prefix', 'x'], quiet)).rejects.toThrow(/--redis-prefix needs --redis/);
  });

  it('--redis needs the encryption key of the session secrets: exactly one of a key file, MUTUAL_REDIS_KEY, --redis-ephemeral-key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mutual-redis-key-'));
    const good = join(dir, 'good.key');
    await writeFile(good, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const open = join(dir, 'open.key');
    await writeFile(open, randomBytes(32).toString('hex'), { mode: 0o644 });
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'hunter2\n', { mode: 0o600 });
    const withRedis = [...base, '--redis', 'redis://127.0.0.1:1/0'];
    const env = (k: string) => ({ ...quiet, env: { MUTUAL_REDIS_KEY: k } });
    const cases: Array<[string[], typeof quiet, RegExp]> = [
      [withRedis, quiet, /--redis needs the key that encrypts the session secrets in Redis: --redis-key-file FILE or MUTUAL_REDIS_KEY \(create one with `openssl rand -base64 32/],
      [[...withRedis, '--redis-key-file', good, '--redis-ephemeral-key'], quiet, /give only one of --redis-key-file, MUTUAL_REDIS_KEY and --redis-ephemeral-key/],
      [[...withRedis, '--redis-key-file', good], env(randomBytes(32).toString('hex')), /give only one/],
      [[...withRedis, '--redis-key-file', join(dir, 'missing.key')], quiet, /cannot read the Redis key file: ENOENT/],
      [[...withRedis, '--redis-key-file', bad], quiet, /--redis-key-file .*bad\.key must hold a 32-byte key as 64 hex digits or base64/],
      [withRedis, env('c2VjcmV0'), /MUTUAL_REDIS_KEY must hold a 32-byte key/],
      [[...base, '--redis-key-file', good], quiet, /--redis-key-file needs --redis/],
      [[...base, '--redis-ephemeral-key'], quiet, /--redis-ephemeral-key needs --redis/],
    ];
    for (const [args, io, message] of cases) {
      await expect(proxyCommand(args, io), args.join(' ')).rejects.toThrow(message);
      await expect(serveCommand(args.slice(2), io), `serve ${args.join(' ')}`).rejects.toThrow(message);
    }
    // A good key passes the key check (the verifier file comes next); a key file others can read is named.
    const warnings: string[] = [];
    await expect(proxyCommand([...withRedis, '--redis-key-file', good], quiet)).rejects.toThrow(/nonexistent/);
    await expect(proxyCommand(withRedis, env(randomBytes(32).toString('base64')))).rejects.toThrow(/nonexistent/);
    await expect(proxyCommand([...withRedis, '--redis-key-file', open], { ...quiet, stderr: (l: string) => warnings.push(l) })).rejects.toThrow(/nonexistent/);
    expect(warnings).toEqual([`mutual proxy: warning: ${open} can be read by other users; chmod 600 ${open}`]);
  });
});
