/**
 * Shared by the browser benchmarks (bench/browser.ts, bench/ab-builds.ts): the bytes of the authenticated
 * 40-subresource page, recorded as the browser receives them, and a plain local server that answers with
 * them — the same page without authentication, the baseline of every ratio.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/** Recorded responses by URL path: content type and body. */
export type RecordedBodies = Map<string, { type: string; body: Buffer }>;

export { median } from './median.ts';

/** From now on, record into `bodies` every response of `origin` that `page` receives (Chromium, Playwright). */
export function recordBodies(page: Page, origin: string, bodies: RecordedBodies): void {
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin) return;
    void r.body().then((body) => bodies.set(u.pathname, { type: r.headers()['content-type'] ?? 'application/octet-stream', body })).catch(() => undefined);
  });
}

/**
 * A plain local server answering with recorded bodies (no authentication, no interception); with `basic`, every
 * path asks for HTTP Basic authentication with these credentials first (the click-to-verified baseline).
 */
export async function plainServer(bodies: RecordedBodies, basic?: { user: string; password: string }): Promise<{ server: http.Server; origin: string }> {
  const expected = basic ? `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}` : undefined;
  const server = http.createServer((req, res) => {
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Basic realm="bench", charset="UTF-8"');
      res.end();
      return;
    }
    const hit = bodies.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!hit) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', hit.type);
    res.setHeader('Cache-Control', 'no-store');
    res.end(hit.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
