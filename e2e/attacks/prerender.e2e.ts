/**
 * Speculation rules (threat model row 20; docs/browser-notes.md, "Speculation rules"). A page of the Mutual realm
 * asks Chromium to prefetch or prerender the next page (`<script type="speculationrules">`). Measured on
 * Chromium 156 with the extension's debugger attached to the tab: the speculative request (`Sec-Purpose:
 * prefetch` or `prefetch;prerender`) goes out without Authorization and is never paused by the tab's CDP `Fetch`
 * session, and a click on the link is then served from that prefetch — no request, no check. On plain http an
 * on-path attacker answers the bare request with a page of its own: it commits at the realm's URL, and its script
 * runs as the realm's origin.
 *
 * The scene: an app behind `mutual proxy`, and in front of both, at the realm's public origin, a relay that plays
 * the network attacker: it forwards every request except a bare (no Authorization) GET of the next page, which it
 * answers itself. The forged page reports what it is (a prerender?) and tries an authenticated fetch of the realm.
 * Rules: a document whose response the extension never checked is nobody's — none of its requests carries
 * Authorization (R1) — and the tab does not keep it: the page is loaded again through the interceptor, checked
 * (R2), and only that document is "verified" (R3).
 *
 * Chromium only: firefox-esr has no speculation rules (`HTMLScriptElement.supports('speculationrules')` is
 * false there, measured).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logIn, tabStatus, until } from '../support/both.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser, type WebPage } from '../support/browsers.ts';
import { PASSWORD, shopVerifiers, startMutual, type MutualServer } from '../support/harness.ts';

const RUN = e2eBrowsers().includes('chromium');
const FORGED = 'FORGED: your session expired, re-enter your password at evil.example';

/**
 * The attacker's page. Its script reports, in the URL of a fetch of the realm, whether it runs as a prerender,
 * and once more when a prerender is activated (that fetch is also the attempt to act with the user's session).
 */
const FORGED_PAGE = `<!doctype html><title>Next</title><p id="who">${FORGED}</p><form><input type="password"></form><script>
const report = (what) => fetch('/account/forged-page-fetch?' + what).catch(() => undefined);
report('prerendering=' + (document.prerendering === true));
document.addEventListener('prerenderingchange', () => report('activated'));
</script>`;

function upstreamApp(): http.Server {
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const user = req.headers['x-mutual-user'] as string | undefined;
    const who = `Authenticated as ${user === undefined ? 'nobody' : decodeURIComponent(user)}`;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    if (path === '/account/') return res.end(`<!doctype html><title>Account</title><p>${who}</p>`);
    const rules = /^\/account\/rules-(prerender|prefetch)\.html$/.exec(path);
    if (rules) {
      const next = `/account/next-${rules[1]!}.html`;
      return res.end(`<!doctype html><title>Rules</title><p>${who}</p>` +
        `<script type="speculationrules">{"${rules[1]!}":[{"source":"list","urls":["${next}"]}]}</script><a id="next" href="${next}">next</a>`);
    }
    if (/^\/account\/next-(prerender|prefetch)\.html$/.test(path)) return res.end(`<!doctype html><title>Next</title><p id="who">${who}</p>`);
    res.statusCode = 404;
    res.end('not found');
  });
}

interface RelayRequest {
  path: string;
  /** Path and query. */
  url: string;
  authorization: boolean;
  purpose: string;
  forged: boolean;
}

/** The on-path attacker at the realm's public origin: forwards to `target`, forges the bare next page. */
function relay(target: number, seen: RelayRequest[]): http.Server {
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rec: RelayRequest = {
      path,
      url: req.url ?? '',
      authorization: req.headers.authorization !== undefined,
      purpose: String(req.headers['sec-purpose'] ?? ''),
      forged: false,
    };
    seen.push(rec);
    if (path.startsWith('/account/next-') && !rec.authorization) {
      // A bare request for a page of the session: the extension did not send it, so nobody will check the answer.
      rec.forged = true;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(FORGED_PAGE);
      return;
    }
    const out = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
}

const listen = (s: http.Server, port = 0) => new Promise<number>((ok) => s.listen(port, '127.0.0.1', () => ok((s.address() as AddressInfo).port)));
const close = (s: http.Server | undefined) => new Promise<void>((ok) => (s ? (s.closeAllConnections(), s.close(() => ok())) : ok()));

describe.runIf(RUN)('chromium', () => {
  let upstream: http.Server;
  let front: http.Server;
  let proxy: MutualServer;
  let b: E2EBrowser;
  let page: WebPage;
  let tabId: number;
  let dir: string;
  let origin: string;
  const seen: RelayRequest[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mutual-e2e-prerender-'));
    upstream = upstreamApp();
    const upstreamPort = await listen(upstream);
    // The relay's port is the realm's public origin (the verifier's auth-scope, the proxy's --origin).
    front = http.createServer();
    const frontPort = await listen(front);
    await close(front);
    origin = `http://127.0.0.1:${frontPort}`;
    const file = await shopVerifiers(dir, origin);
    proxy = await startMutual('proxy', [
      '--listen', '127.0.0.1:0', '--origin', origin, '--upstream', `http://127.0.0.1:${upstreamPort}`, '--realm', 'shop',
      '--algorithm', 'iso-kam3-ec-p256-sha256', '--verifiers', file, '--paths', '/account/',
    ]);
    front = relay(proxy.port, seen);
    await listen(front, frontPort);
    b = await launchBrowser('chromium');
    page = await b.newPage();
    await page.goto(`${origin}/account/`);
    tabId = await logIn(b, page);
  });

  afterAll(async () => {
    await b?.close();
    await proxy?.stop();
    await Promise.all([close(front), close(upstream)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(['prefetch', 'prerender'])('a %s of the next realm page is never used unchecked: its document gets no Authorization, the tab loads the page again checked', async (kind) => {
    const next = `${origin}/account/next-${kind}.html`;
    const from = seen.length;
    await page.goto(`${origin}/account/rules-${kind}.html`);
    expect(await page.evaluate(() => HTMLScriptElement.supports('speculationrules'), undefined)).toBe(true);
    expect((await tabStatus(b, tabId)).state).toBe('verified');
    // The speculative request comes as soon as the page has loaded (measured); wait for it, then a little more.
    await until(b, async () => seen.slice(from).some((r) => r.path === new URL(next).pathname), 'the speculative request', 10_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const speculative = seen.slice(from);
    const mark = seen.length;
    await b.chromium!.pageOf(page).click('#next');
    // Settle: the tab shows the app's next page, verified — or the test reports what it shows instead.
    const shows = () => page.evaluate(() => ({
      url: location.href,
      who: document.getElementById('who')?.textContent ?? '',
      prerendered: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming & { activationStart?: number }).activationStart! > 0,
    }), undefined);
    await until(b, async () => {
      const st = await tabStatus(b, tabId);
      const now = await shows();
      return st.url === next && st.state === 'verified' && now.who === 'Authenticated as alice';
    }, 'the checked next page', 15_000).catch(() => undefined);
    const now = await shows().catch((e: unknown) => ({ url: '?', who: String(e), prerendered: false }));
    const st = await tabStatus(b, tabId);
    const badge = await b.badge(tabId);
    const title = await b.actionTitle(tabId);
    const trace = await b.trace().catch(() => '?');
    const list = (rs: RelayRequest[]) => rs.map((r) => `${r.url} Authorization=${r.authorization} Sec-Purpose=${r.purpose || '-'}${r.forged ? ' FORGED' : ''}`).join('\n');
    const msg = (what: string) => `${kind}: ${what}\ntab shows ${JSON.stringify(now)}; record ${st.state} ${st.url ?? '?'}, badge ${JSON.stringify(badge)}, title ${JSON.stringify(title)}\n` +
      `requests before the click:\n${list(speculative)}\nafter it:\n${list(seen.slice(mark))}\n--- extension trace:\n${trace}`;
    const after = seen.slice(mark);
    expect(speculative.some((r) => r.purpose.includes('prefetch')), msg('the test is void: Chromium made no speculative request')).toBe(true);
    // R1: the unchecked document's own requests are nobody's.
    expect(after.filter((r) => r.path === '/account/forged-page-fetch' && r.authorization), msg('a request of the unchecked document carried Authorization')).toEqual([]);
    // R2/R3: the tab ends on the app's page, loaded through the interceptor (with Authorization), checked and verified.
    expect(now.who, msg('the tab does not show the checked next page')).toBe('Authenticated as alice');
    expect(now.prerendered, msg('the page shown is an activated prerender')).toBe(false);
    const loads = after.filter((r) => r.path === new URL(next).pathname);
    expect(loads.at(-1)?.authorization, msg('the page shown was not loaded with Authorization')).toBe(true);
    expect(st.state, msg('the next page is not verified')).toBe('verified');
    expect(st.url).toBe(next);
    expect(badge).not.toBe('');
    expect(title).toMatch(/verified/i);
  });
});
