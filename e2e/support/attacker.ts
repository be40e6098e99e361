/**
 * The attacker's origin E for the attack tests (issue 7): a plain static HTTP server on 127.0.0.1 at its own
 * port — another origin than the Mutual site M (same host, other port: cross-origin, and the hardest case,
 * since a SameSite-style rule by registrable domain would call it same-site). Pages are set by the test;
 * every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Attacker {
  url: string;
  /** Serve this HTML at this path (replaces an earlier page at the same path). */
  page(path: string, html: string): string;
  requests: string[];
  stop(): Promise<void>;
}

export async function startAttacker(): Promise<Attacker> {
  const pages = new Map<string, string>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    const html = pages.get(path);
    if (html === undefined) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end('not found\n');
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    page(path, html) {
      pages.set(path, html);
      return `${url}${path}`;
    },
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A page of E: a title, a fake login form (what a phishing page would show) and the attack script. */
export function attackPage(title: string, body: string, script = ''): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>` +
    `<h1 id="attacker-title">${title}</h1>` +
    `<form id="fake-login"><label>Username <input name="u"></label><label>Password <input name="p" type="password"></label>` +
    `<button>Log in</button></form>${body}<script>${script}</script></body></html>`
  );
}
