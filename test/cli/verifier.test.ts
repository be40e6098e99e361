/** `mutual verifier`: J of the vectors reproduced through the real command, and `--file` appends a usable line. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectors } from '../fixtures/vectors.ts';
import { parseVerifierFile } from '../../src/server/verifier-file.ts';
import { bytesToHex } from '../../src/bytes.ts';
import { runCli } from '../support/run-cli.ts';

describe('mutual verifier', () => {
  // One case per algorithm with non-ASCII input (prepared by the command), plus an ASCII one.
  const cases = vectors.kam3.filter((k) => k.id.endsWith('/non-ascii-default-scope') || k.id.endsWith('/explicit-single-server-scope-width-mapped-username'));
  for (const k of cases) {
    it(`reproduces J of ${k.id}`, async () => {
      const r = await runCli(
        ['verifier', '--algorithm', k.algorithm, '--realm', k.realm, '--user', k.username_input, '--auth-scope', k.auth_scope],
        `${k.password_input}\n`,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ algorithm: k.algorithm, auth_scope: k.auth_scope, realm: k.realm, user: k.username, J: k.J });
    });
  }

  it('--file appends entries the server can read, without the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verifiers-'));
    const file = join(dir, 'users.txt');
    for (const [user, pw] of [['alice', 'pw-one'], ['Zoë', 'pw-two']]) {
      const r = await runCli(['verifier', '--algorithm', 'iso-kam3-ec-p256-sha256', '--realm', 'demo realm', '--user', user!, '--auth-scope', 'http://127.0.0.1:8080', '--file', file], pw);
      expect(r.code).toBe(0);
    }
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/pw-one|pw-two/);
    const parsed = parseVerifierFile(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.map((e) => e.user)).toEqual(['alice', 'Zoë']);
      expect(parsed.value.every((e) => bytesToHex(e.J).length === 66)).toBe(true);
    }
  });

  it('refuses bad input with a clear message', async () => {
    const noPw = await runCli(['verifier', '--algorithm', 'iso-kam3-ec-p256-sha256', '--realm', 'r', '--user', 'u', '--auth-scope', 'example.com'], '');
    expect(noPw.code).toBe(1);
    expect(noPw.stderr).toMatch(/no password/);
    const badAlg = await runCli(['verifier', '--algorithm', 'md5', '--realm', 'r', '--user', 'u', '--auth-scope', 'example.com'], 'x');
    expect(badAlg.code).toBe(1);
    expect(badAlg.stderr).toMatch(/unknown algorithm/);
    const badUser = await runCli(['verifier', '--algorithm', 'iso-kam3-ec-p256-sha256', '--realm', 'r', '--user', 'a b', '--auth-scope', 'example.com'], 'x');
    expect(badUser.code).toBe(1);
    expect(badUser.stderr).toMatch(/username/);
    const badScope = await runCli(['verifier', '--algorithm', 'iso-kam3-ec-p256-sha256', '--realm', 'r', '--user', 'u', '--auth-scope', 'HTTP://X'], 'x');
    expect(badScope.code).toBe(1);
  });
});
