/**
 * Issue 4, "must show" 7: the same login over HTTPS (`mutual serve --tls self-signed`) with
 * validation=tls-server-end-point: vh is computed from the certificate the tab saw (CDP
 * Network.getCertificate), then every request of the 40-subresource page is authenticated. Through a relay
 * that presents another certificate than the one the server binds to, the login fails visibly.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateSelfSigned } from '../src/server/tls.ts';
import {
  duplicateNonces, galleryComplete, launch, logIn, PASSWORD, requestLog, serverStatus, startServer, submitLogin, tabIdOf, tabStatus, until,
  type Browser, type MutualServer,
} from './support/harness.ts';

let server: MutualServer;
let b: Browser;
beforeAll(async () => {
  server = await startServer(['--demo-password', PASSWORD, '--tls', 'self-signed']);
  b = await launch(['--ignore-certificate-errors']);
});
afterAll(async () => {
  await b?.close();
  await server?.stop();
});

test('7: log in over HTTPS with tls-server-end-point; 40 subresources authenticated', async () => {
  expect(server.url).toMatch(/^https:/);
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  const tabId = await logIn(b, page);
  const st = await tabStatus(b, tabId);
  expect(st.session?.validation).toBe('tls-server-end-point');
  await page.goto(`${server.url}/p256/gallery.html`);
  expect(await galleryComplete(page)).toBe('38 of 38 images loaded');
  const lines = requestLog(server).filter((l) => l.path.startsWith('/p256/'));
  const after = lines.slice(lines.findIndex((l) => l.outcome === 'kex-s1') + 1);
  expect(after.length).toBeGreaterThanOrEqual(42);
  expect(after.filter((l) => l.outcome !== 'authenticated')).toEqual([]);
  expect(duplicateNonces(lines)).toEqual([]);
  expect((await serverStatus(server)).failedVerifications).toBe(0);
});

test('7b: through a relay presenting another certificate, the login fails visibly and nothing is verified', async () => {
  // A TLS-terminating relay with its own certificate in front of a server whose public origin is the relay's:
  // the browser binds the exchange to the relay's certificate, the server to its own → no session.
  const made = await generateSelfSigned(['127.0.0.1', 'localhost']);
  if (!made.ok) throw made.error;
  const relay = https.createServer({ cert: made.value.certPem, key: made.value.keyPem });
  await new Promise<void>((ok) => relay.listen(0, '127.0.0.1', ok));
  const relayPort = (relay.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${relayPort}`;
  const inner = await startServer(['--demo-password', PASSWORD, '--tls', 'self-signed', '--origin', origin]);
  relay.on('request', (req, res) => {
    const up = https.request(`${inner.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers, rejectUnauthorized: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  try {
    const page = await b.context.newPage();
    await page.goto(`${origin}/p256/`);
    const tabId = await tabIdOf(b, page);
    await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
    const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
    await ui.getByRole('alert').waitFor({ timeout: 20_000 });
    expect(await ui.getByRole('alert').textContent()).toMatch(/different TLS certificate/);
    const st = await tabStatus(b, tabId);
    expect(st.state).not.toBe('verified');
    expect(st.session).toBeUndefined();
    expect(await page.textContent('body')).not.toContain('Authenticated as');
    expect((await serverStatus(inner)).failedVerifications).toBeGreaterThanOrEqual(1);
    await ui.close();
    await page.close();
  } finally {
    relay.closeAllConnections();
    relay.close();
    await inner.stop();
  }
});
