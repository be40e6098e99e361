/**
 * Review finding "wildcard scopes" (docs/threat-model.md; docs/decisions.md): a tenant of a hosting suffix
 * (here duckdns.org, a PSL private-section suffix the old built-in list lacked; not an HSTS-preloaded name,
 * so plain http works — `*.app` would not) declares `auth-scope="*.duckdns.org"` to claim every other
 * tenant. The extension must not offer a login for such a realm; a wildcard over the tenant's own name
 * (`*.alice.duckdns.org`) is offered as before.
 *
 * Chromium only: the two tenants need DNS names under a real public suffix, and only Chromium lets the test
 * map them to its 127.0.0.1 server (`--host-resolver-rules`); the pure decision is unit-tested for both
 * browsers' shared code in test/protocol/wildcard-scope.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInit } from '../../src/protocol/messages.ts';
import { e2eBrowsers } from '../support/browsers.ts';
import { launch, tabIdOf, tabStatus, until, type Browser } from '../support/harness.ts';

const RUN = e2eBrowsers().includes('chromium');

const SUFFIX = 'duckdns.org';
const SCOPES: Record<string, string> = { [`evil.${SUFFIX}`]: `*.${SUFFIX}`, [`www.alice.${SUFFIX}`]: `*.alice.${SUFFIX}` };

let server: http.Server;
let port: number;
let b: Browser;
const seen: string[] = [];

beforeAll(async () => {
  if (!RUN) return;
  // Both tenants on one socket: the Host header says which one is asked, as behind a hosting provider.
  server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    seen.push(`${host} ${req.url} ${req.headers.authorization ? 'auth' : 'bare'}`);
    const scope = SCOPES[host];
    if (scope === undefined || req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(401, {
      'WWW-Authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: scope, realm: 'tenants', reason: 'initial' }),
      'Content-Type': 'text/html; charset=utf-8',
    });
    res.end(`<!doctype html><title>${host}</title><p>login required at ${host}</p>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  b = await launch([`--host-resolver-rules=MAP *.${SUFFIX} 127.0.0.1`]);
}, 60_000);

afterAll(async () => {
  await b?.close();
  if (server) await new Promise<void>((r) => server.close(() => r()));
});

describe.skipIf(!RUN)('wildcard auth-scope over a hosting suffix (chromium)', () => {
  it('*.alice.duckdns.org from www.alice.duckdns.org: the login is offered (control)', async () => {
    const page = await b.context.newPage();
    await page.goto(`http://www.alice.${SUFFIX}:${port}/`);
    expect(await page.textContent('p')).toMatch(/login required at www\.alice\.duckdns\.org/);
    const tabId = await tabIdOf(b, page);
    const st = await until(async () => {
      const s = await tabStatus(b, tabId);
      return s.state === 'available' ? s : undefined;
    }, 20_000, `login available at www.alice.${SUFFIX}`, b);
    expect(st.login?.realm).toBe('tenants');
    await page.close();
  });

  it('*.duckdns.org from evil.duckdns.org: no login is offered for a realm over the other tenants', async () => {
    const page = await b.context.newPage();
    await page.goto(`http://evil.${SUFFIX}:${port}/`);
    expect(await page.textContent('p')).toMatch(/login required at evil\.duckdns\.org/);
    const tabId = await tabIdOf(b, page);
    // The control above became "available" within a second; give this one well over that.
    await new Promise((r) => setTimeout(r, 3000));
    const st = await tabStatus(b, tabId);
    expect(st.state, JSON.stringify(st)).not.toBe('available');
    expect(st.login).toBeUndefined();
    expect(seen.filter((l) => l.startsWith(`evil.${SUFFIX}`) && l.endsWith('auth'))).toEqual([]);
    await page.close();
  });
});
