/**
 * `mutual fetch` over real HTTP on 127.0.0.1 against the independent scripted server (test/support), run as
 * the real command in a child process, password on stdin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { ScriptedServer, type Misbehaviour } from '../support/scripted-server.ts';
import { listen } from '../support/http-wrap.ts';
import { runCli } from '../support/run-cli.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function start(algorithm: AlgorithmName = 'iso-kam3-ec-p256-sha256', misbehave: Misbehaviour = 'none') {
  const s = await listen((port) =>
    ScriptedServer.create({ algorithm, origin: `http://127.0.0.1:${port}`, realm: 'cli test', users: { 'alice': 'pässwörd 1', 'Zoë': 'secret' }, path: '/' }),
  );
  s.server.misbehave = misbehave;
  closers.push(s.close);
  return s;
}

describe('mutual fetch', () => {
  for (const algorithm of ALGORITHM_NAMES) {
    it(`logs in with ${algorithm} and verifies vks on every response (nc 1..N+1)`, async () => {
      const s = await start(algorithm);
      const r = await runCli(['fetch', `${s.url}/private/`, '--user', 'alice', '--requests', '3'], 'pässwörd 1\n');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout.trim());
      expect(summary).toMatchObject({ status: 200, algorithm, realm: 'cli test', user: 'alice', requests: 4, verified: 4, nonces: [1, 2, 3, 4] });
      expect(summary.sid).toMatch(/^[0-9a-f]+$/);
      expect(s.server.log.filter((l) => l.outcome === 'ok').map((l) => l.nc)).toEqual([1, 2, 3, 4]);
    });
  }

  it('non-ASCII user and password work', async () => {
    const s = await start();
    const r = await runCli(['fetch', `${s.url}/`, '--user', 'Zoë'], 'secret');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).user).toBe('Zoë');
  });

  it('a wrong password exits 2 and says so', async () => {
    const s = await start();
    const r = await runCli(['fetch', `${s.url}/`, '--user', 'alice'], 'wrong');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rejected the username or password/);
    expect(r.stdout).toBe('');
  });

  for (const [m, text] of [
    ['wrong-vks', /wrong vks/],
    ['no-verifier', /wrong vks/],
    ['omit-info', /without Authentication-Info/],
    ['other-sid', /another session/],
  ] as const) {
    it(`a server that fails to prove itself (${m}) exits 3 and says the SERVER failed`, async () => {
      const s = await start('iso-kam3-ec-p256-sha256', m);
      const r = await runCli(['fetch', `${s.url}/`, '--user', 'alice'], 'pässwörd 1');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/SERVER AUTHENTICATION FAILED/);
      expect(r.stderr).toMatch(text);
      expect(r.stderr).toMatch(/did not prove that it knows your password verifier/);
    });
  }

  it('--verbose shows the exchange on stderr without secrets', async () => {
    const s = await start();
    const r = await runCli(['fetch', `${s.url}/`, '--user', 'alice', '--verbose'], 'pässwörd 1');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Authorization: Mutual .*kc1=/);
    expect(r.stderr).toMatch(/authentication-info: Mutual/);
    expect(r.stderr).not.toMatch(/pässwörd/);
  });

  it('usage errors and unreachable servers have their own exit codes', async () => {
    expect((await runCli(['fetch', '--user', 'a'], 'x')).code).toBe(1);
    expect((await runCli(['fetch', 'http://127.0.0.1:1/', '--user', 'a'], 'x')).code).toBe(4);
  });
});
