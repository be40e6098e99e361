/**
 * The project's two halves against each other, as a site operator and a user would run them:
 * `mutual verifier --file` → `mutual serve` (single-area and demo modes, HTTP and HTTPS) → `mutual fetch`,
 * with the server's own status counters as the witness.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES } from '../../src/crypto/algorithms.ts';
import { runCli } from '../support/run-cli.ts';
import { freePort, startServe, type ServeProcess } from '../support/serve-process.ts';

const running: ServeProcess[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function status(base: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}/.well-known/mutual-status`);
  return (await r.json()) as Record<string, unknown>;
}

describe('mutual fetch ↔ mutual serve', () => {
  for (const algorithm of ALGORITHM_NAMES) {
    it(`single-area mode, ${algorithm}: login + 5 requests, all verified, distinct nonce numbers`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mutual-it-'));
      const file = join(dir, 'users.verifiers');
      // The server's identity (origin → auth-scope, vh) is fixed before it starts: pick the port first.
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const v = await runCli(['verifier', '--algorithm', algorithm, '--realm', 'members', '--user', 'renée', '--auth-scope', origin, '--file', file], 'pässword\n');
      expect(v.code).toBe(0);
      const srv = await startServe(['--port', String(port), '--origin', origin, '--realm', 'members', '--algorithm', algorithm, '--verifiers', file]);
      running.push(srv);
      const r = await runCli(['fetch', `${srv.url}/private/`, '--user', 'renée', '--requests', '5'], 'pässword');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout) as { verified: number; nonces: number[]; algorithm: string };
      expect(summary).toMatchObject({ verified: 6, nonces: [1, 2, 3, 4, 5, 6], algorithm });
      const st = await status(srv.url);
      expect(st).toMatchObject({ successes: 6, duplicateNonces: 0, failedVerifications: 0 });
      const bad = await runCli(['fetch', `${srv.url}/private/`, '--user', 'renée'], 'wrong');
      expect(bad.code).toBe(2);
    });
  }

  it('demo mode: the optional page logs in on request; a misbehaving server is caught', async () => {
    const srv = await startServe(['--demo-password', 'demo pw']);
    running.push(srv);
    const opt = await runCli(['fetch', `${srv.url}/optional/`, '--user', 'alice'], 'demo pw');
    expect(opt.stderr).toBe('');
    expect(opt.code).toBe(0);
    const rogue = await startServe(['--demo-password', 'demo pw', '--misbehave', 'no-verifier']);
    running.push(rogue);
    const r = await runCli(['fetch', `${rogue.url}/p256/`, '--user', 'alice'], 'demo pw');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/SERVER AUTHENTICATION FAILED/);
  });

  it('HTTPS: tls-server-end-point from the peer certificate (self-signed, --insecure)', async () => {
    const srv = await startServe(['--demo-password', 'demo pw', '--tls', 'self-signed']);
    running.push(srv);
    expect(srv.url).toMatch(/^https:/);
    const r = await runCli(['fetch', `${srv.url}/p521/`, '--user', 'alice', '--insecure', '--requests', '2'], 'demo pw');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: 3 });
    // Without --insecure the self-signed certificate is refused before any authentication.
    const strict = await runCli(['fetch', `${srv.url}/p521/`, '--user', 'alice'], 'demo pw');
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(/self-signed certificate[\s\S]*add --insecure/);
  });
});
