/**
 * Issue 11, "must show": `mutual proxy` in front of a small upstream app (not Mutual-aware: it only reads
 * X-Mutual-User). The extension in Chromium logs in through the proxy with the login UI, then the page with
 * 40 subresources loads through it with every request authenticated, distinct nonce numbers, and the user
 * reaching the upstream only from the proxy (a page cannot set it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GALLERY_SCRIPT, makePng, makeSvg } from '../src/server/demo-site.ts';
import {
  duplicateNonces, galleryComplete, launch, logIn, PASSWORD, requestLog, serverStatus, shopVerifiers, startMutual, tabStatus, type Browser,
  type MutualServer,
} from './support/harness.ts';

const IMAGES = 38;
/** The site behind the proxy: it knows nothing about Mutual and trusts X-Mutual-User (from the proxy only). */
function upstreamApp(seen: Array<{ path: string; user: string | undefined }>): http.Server {
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const user = req.headers['x-mutual-user'] as string | undefined;
    seen.push({ path, user });
    const send = (type: string, body: string | Buffer) => {
      res.setHeader('Content-Type', type);
      res.end(body);
    };
    if (path === '/' ) return send('text/html; charset=utf-8', '<!doctype html><title>Shop</title><p>Public home page. <a href="/account/">Your account</a></p>');
    if (path === '/account/') {
      return send('text/html; charset=utf-8', `<!doctype html><title>Account</title><p>Authenticated as <b>${user === undefined ? 'nobody' : decodeURIComponent(user)}</b></p><a href="/account/gallery.html">gallery</a>`);
    }
    if (path === '/account/gallery.html') {
      const imgs = Array.from({ length: IMAGES }, (_, i) => `<img alt="" src="/account/res/img-${i + 1}.${(i + 1) % 2 === 1 ? 'svg' : 'png'}">`).join('');
      return send('text/html; charset=utf-8', `<!doctype html><title>Gallery</title><link rel="stylesheet" href="/account/res/style.css">` +
        `<p id="script-status">not run</p><p id="image-count"></p><div class="grid">${imgs}</div><script src="/account/res/app.js"></script>`);
    }
    const m = /^\/account\/res\/img-(\d+)\.(svg|png)$/.exec(path);
    if (m) return m[2] === 'svg' ? send('image/svg+xml', makeSvg(Number(m[1]))) : send('image/png', makePng(Number(m[1])));
    if (path === '/account/res/style.css') return send('text/css', 'img{width:32px;height:32px}');
    if (path === '/account/res/app.js') return send('text/javascript', GALLERY_SCRIPT);
    res.statusCode = 404;
    res.end('not found');
  });
}

let upstream: http.Server;
let proxy: MutualServer;
let b: Browser;
let dir: string;
const seen: Array<{ path: string; user: string | undefined }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mutual-e2e-proxy-'));
  upstream = upstreamApp(seen);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // The proxy's public origin must be known for the verifier: pick its port first.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const origin = `http://127.0.0.1:${port}`;
  const file = await shopVerifiers(dir, origin);
  proxy = await startMutual('proxy', [
    '--listen', `127.0.0.1:${port}`, '--upstream', upstreamUrl, '--realm', 'shop', '--algorithm', 'iso-kam3-ec-p256-sha256',
    '--verifiers', file, '--paths', '/account/',
  ]);
  b = await launch();
});

afterAll(async () => {
  await b?.close();
  await proxy?.stop();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

test('log in through mutual proxy with the extension; the 40-subresource page loads through it, all authenticated', async () => {
  const page = await b.context.newPage();
  await page.goto(`${proxy.url}/`);
  expect(await page.textContent('body')).toContain('Public home page');
  await page.goto(`${proxy.url}/account/`);
  const tabId = await logIn(b, page);
  expect(await page.textContent('body')).toContain('Authenticated as alice');

  await page.goto(`${proxy.url}/account/gallery.html`);
  expect(await galleryComplete(page)).toBe(`${IMAGES} of ${IMAGES} images loaded`);
  const st = await tabStatus(b, tabId);
  expect(st.state).toBe('verified');
  expect(st.session?.username).toBe('alice');

  // The proxy's log: after the key exchange every request to /account/ was authenticated, no nonce twice.
  const lines = requestLog(proxy).filter((l) => l.path.startsWith('/account/'));
  const after = lines.slice(lines.findIndex((l) => l.outcome === 'kex-s1') + 1);
  expect(after.filter((l) => l.path.startsWith('/account/gallery.html') || l.path.startsWith('/account/res/')).length).toBeGreaterThanOrEqual(IMAGES + 3);
  expect(after.filter((l) => l.outcome !== 'authenticated')).toEqual([]);
  expect(duplicateNonces(lines)).toEqual([]);
  const status = await serverStatus(proxy);
  expect(status.duplicateNonces).toBe(0);
  expect(status.failedVerifications).toBe(0);

  // The upstream saw the user on every protected request — set by the proxy — and on no public one.
  const protectedSeen = seen.filter((s) => s.path.startsWith('/account/'));
  const authenticated = protectedSeen.filter((s) => s.user !== undefined);
  expect(authenticated.length).toBeGreaterThanOrEqual(IMAGES + 4);
  expect(new Set(authenticated.map((s) => s.user))).toEqual(new Set(['alice']));
  expect(seen.filter((s) => !s.path.startsWith('/account/') && s.user !== undefined)).toEqual([]);

  // A page cannot set X-Mutual-User for the upstream: a fetch() from the public page with the header.
  const n = seen.length;
  await page.goto(`${proxy.url}/`);
  await page.evaluate(async () => {
    await fetch('/forged', { headers: { 'X-Mutual-User': 'admin' } });
  });
  const forged = seen.slice(n).find((s) => s.path === '/forged');
  expect(forged).toBeDefined();
  expect(forged!.user).toBeUndefined();
  await page.close();
});
