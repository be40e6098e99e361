/** `mutual proxy` and `mutual serve --redis`: usage errors are refused before anything starts. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { proxyCommand } from '../../src/cli/proxy.ts';
import { serveCommand } from '../../src/cli/serve.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined };
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
});
