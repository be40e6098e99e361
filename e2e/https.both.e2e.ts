/**
 * Issue 4, "must show" 7, and issue 8's HTTPS scenario, in both browsers: the same login over HTTPS
 * (`mutual serve --tls self-signed`) with validation=tls-server-end-point: vh is computed from the certificate
 * the tab saw (Chromium: CDP Network.getCertificate; Firefox: webRequest.getSecurityInfo at headers time), then
 * every request of the 40-subresource page is authenticated.
 *
 * - 7b: through a relay that presents another certificate than the one the server binds to, the login fails
 *   visibly and the protected content is never shown.
 * - 7c: the certificate is swapped under a live session (a front that first passes the TLS connection through
 *   to the server, then terminates TLS itself with another certificate — a man in the middle arriving after the
 *   login): the next load is refused before any of its content reaches the tab.
 */
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateSelfSigned } from '../src/server/tls.ts';
import { duplicateNonces, PASSWORD, requestLog, serverStatus, startServer, type MutualServer } from './support/harness.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from './support/browsers.ts';
import { galleryComplete, logIn, submitLogin, tabStatus, until } from './support/both.ts';

/** An HTTPS relay with its own certificate, forwarding every request to `upstream` (certificate not checked). */
async function tlsRelay(upstream: () => string): Promise<https.Server> {
  const made = await generateSelfSigned(['127.0.0.1', 'localhost']);
  if (!made.ok) throw made.error;
  const relay = https.createServer({ cert: made.value.certPem, key: made.value.keyPem });
  relay.on('request', (req, res) => {
    const up = https.request(`${upstream()}${req.url ?? '/'}`, { method: req.method, headers: req.headers, rejectUnauthorized: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return relay;
}

describe.each(e2eBrowsers())('%s', (browserName) => {
  let server: MutualServer;
  let b: E2EBrowser;
  beforeAll(async () => {
    server = await startServer(['--demo-password', PASSWORD, '--tls', 'self-signed']);
    b = await launchBrowser(browserName, { insecureCerts: true });
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  test('7: log in over HTTPS with tls-server-end-point; 40 subresources authenticated', async () => {
    expect(server.url).toMatch(/^https:/);
    const page = await b.newPage();
    await page.goto(`${server.url}/p256/`);
    const tabId = await logIn(b, page);
    const st = await tabStatus(b, tabId);
    expect(st.session?.validation).toBe('tls-server-end-point');
    await page.goto(`${server.url}/p256/gallery.html`);
    expect(await galleryComplete(page)).toBe('38 of 38 images loaded');
    const lines = requestLog(server).filter((l) => l.path.startsWith('/p256/'));
    const after = lines.slice(lines.findIndex((l) => l.outcome === 'kex-s1') + 1);
    expect(after.length).toBeGreaterThanOrEqual(42);
    expect(after.filter((l) => l.outcome !== 'authenticated'), 'scenario 7: requests over HTTPS not authenticated').toEqual([]);
    expect(duplicateNonces(lines)).toEqual([]);
    expect((await serverStatus(server)).failedVerifications).toBe(0);
    await page.close();
  });

  test('7b: through a relay presenting another certificate, the login fails visibly and nothing is verified', async () => {
    // A TLS-terminating relay with its own certificate in front of a server whose public origin is the relay's:
    // the browser binds the exchange to the relay's certificate, the server to its own → no session.
    let innerUrl = '';
    const relay = await tlsRelay(() => innerUrl);
    await new Promise<void>((ok) => relay.listen(0, '127.0.0.1', ok));
    const origin = `https://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const inner = await startServer(['--demo-password', PASSWORD, '--tls', 'self-signed', '--origin', origin]);
    innerUrl = inner.url;
    try {
      const page = await b.newPage();
      const shown = page.recordShown();
      await page.goto(`${origin}/p256/`);
      const tabId = await b.tabIdOf(page);
      await until(b, async () => (await tabStatus(b, tabId)).login, 'the login prompt', 10_000);
      const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
      expect(await ui.waitFor('[role="alert"]', 20_000), 'scenario 7b: the login UI does not name the certificate').toMatch(/different TLS certificate/);
      const st = await tabStatus(b, tabId);
      expect(st.state).not.toBe('verified');
      expect(st.session).toBeUndefined();
      expect(await page.textContent('body')).not.toContain('Authenticated as');
      expect(shown.join('\n'), 'scenario 7b: protected content was shown through the relay').not.toContain('Authenticated as');
      expect((await serverStatus(inner)).failedVerifications).toBeGreaterThanOrEqual(1);
      await ui.close();
      await page.close();
    } finally {
      relay.closeAllConnections();
      relay.close();
      await inner.stop();
    }
  });

  test('7c: the certificate swapped under a live session → the next load is refused before any content is shown', async () => {
    // The front: raw TCP pass-through to the server (the browser sees the server's own certificate) until
    // `swap`, then TLS terminated with another certificate and relayed.
    let innerUrl = '';
    const relay = await tlsRelay(() => innerUrl);
    let swapped = false;
    const sockets = new Set<net.Socket>();
    const front = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      if (swapped) {
        relay.emit('connection', sock);
        return;
      }
      const up = net.connect(Number(new URL(innerUrl).port), '127.0.0.1');
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      sock.pipe(up).pipe(sock);
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
    });
    await new Promise<void>((ok) => front.listen(0, '127.0.0.1', ok));
    const origin = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const inner = await startServer(['--demo-password', PASSWORD, '--tls', 'self-signed', '--origin', origin]);
    innerUrl = inner.url;
    try {
      const page = await b.newPage();
      await page.goto(`${origin}/p256/`);
      const tabId = await logIn(b, page);
      expect((await tabStatus(b, tabId)).session?.validation).toBe('tls-server-end-point');

      // The man in the middle arrives: every connection from now on sees the relay's certificate.
      swapped = true;
      for (const s of sockets) s.destroy();
      const shown = page.recordShown();
      const from = inner.log.length;
      await page.goto(`${origin}/p256/gallery.html`).catch(() => undefined);
      const st = await until(b, async () => {
        const s = await tabStatus(b, tabId);
        return s.state === 'failed' ? s : undefined;
      }, 'scenario 7c: the tab "failed" after the certificate swap', 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      const trace = await b.trace().catch(() => '?');
      const tabUrlNow = await b.tabUrl(tabId).catch(() => '?');
      const msg = (what: string) =>
        `scenario 7c (tls-server-end-point, swapped certificate) broke — ${what}\ntab URL ${tabUrlNow}\n` +
        `--- server log since the swap:\n${inner.log.slice(from).join('\n')}\n--- trace:\n${trace}`;
      expect(shown.join('\n'), msg('content of the load through the other certificate was shown')).not.toMatch(/Authenticated as|images loaded/);
      expect(st.state).not.toBe('verified');
      expect(await b.badge(tabId), msg('the toolbar does not say failed')).toBe('!');
      expect(await b.tabUrl(tabId), msg('the tab is not on the warning page')).toMatch(/\/pages\/warning\.html\?tab=/);
      await page.close();
    } finally {
      for (const s of sockets) s.destroy();
      front.close();
      relay.closeAllConnections();
      relay.close();
      await inner.stop();
    }
  });
});
