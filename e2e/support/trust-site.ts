/**
 * A Mutual site M for the attack tests (issue 7), in the test process: the project's own server middleware
 * (src/server/handler.ts) and demo site, plus a few in-session URLs the demo site does not have:
 *
 * - `<area>/no-content`: 204 (a navigation that never commits);
 * - `<area>/download`: 200 with `Content-Disposition: attachment` (a download, never a document);
 * - `<area>/forged-error`: the middleware authenticates the request, then the application answers 500 with a
 *   body of its own and *without* `Authentication-Info` — what anyone on the path can send (FORGED_TEXT);
 * - `<area>/cors`: the area's page with `Access-Control-Allow-Origin: *`, so that a foreign page that got an
 *   authenticated answer could read it.
 * - `<area>/probe/<tag>`: a small SVG (`Access-Control-Allow-Origin: *`) that says whether the request was
 *   authenticated — a URL an attack script can load as an image, a fetch or a frame, told apart by its tag;
 * - `<area>/uploads/<name>`: a document someone uploaded to M (`upload()`), served as sites serve user content:
 *   with `Content-Security-Policy: sandbox allow-scripts`, so it runs in an opaque origin, not as M;
 * - `<area>/raw/<name>`: the same upload without that header, and `<area>/preview/<name>`: M's page showing it
 *   in `<iframe sandbox="allow-scripts">` (the other way sites sandbox user content), next to an image of M's own
 *   (`probe/preview-own`);
 * - `<area>/embed?src=<url>`: M's page with a frame of any URL (an ad of another origin), next to a frame of
 *   M's own (`probe/embed-own`).
 *
 * Every request is recorded with the headers that tell who made it (Origin, Sec-Fetch-Site/-Mode/-Dest) and
 * whether it carried `Authorization: Mutual`, next to the middleware's own outcome line, so a failing test can
 * say which request was authenticated on whose behalf. The returned object is a harness MutualServer: its
 * `log` has `mutual serve`'s per-request lines (requestLog, duplicateNonces and serverStatus work on it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoSite } from '../../src/server/demo-site.ts';
import { createMutualHandler, authOf, escapeHtml, requestPath, type ProtectedArea } from '../../src/server/handler.ts';
import { makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';
import { PASSWORD, type MutualServer } from './harness.ts';

/** The body of the forged 5xx: must never be shown in the tab. */
export const FORGED_TEXT = 'FORGED-5XX: your session expired, re-enter your password at evil.example';

export interface SeenRequest {
  method: string;
  path: string;
  /** `Authorization: Mutual …` present, and which kind of message it was. */
  mutual: 'none' | 'kex-c1' | 'vfy-c' | 'other';
  origin: string;
  site: string;
  mode: string;
  dest: string;
  status: number;
  outcome: string;
}

export interface TrustSite extends MutualServer {
  seen: SeenRequest[];
  /** Store a user's upload, served at `<area>/uploads/<name>` (sandboxed by CSP) and `<area>/raw/<name>`. */
  upload(name: string, html: string): void;
  /** The realm of each area path, e.g. `/p256/` → `trust-p256`. */
  realmOf(path: string): string;
}

export interface TrustSiteOptions {
  /** Area paths (each its own realm, P-256, like the demo's /p256/); default ['/p256/']. */
  areas?: string[];
  users?: string[];
}

function mutualKind(v: string | undefined): SeenRequest['mutual'] {
  if (v === undefined || !/^\s*mutual\b/i.test(v)) return 'none';
  if (/\bkc1\s*=/i.test(v)) return 'kex-c1';
  if (/\bvkc\s*=/i.test(v)) return 'vfy-c';
  return 'other';
}

export async function startTrustSite(opts: TrustSiteOptions = {}): Promise<TrustSite> {
  const paths = opts.areas ?? ['/p256/'];
  const users = opts.users ?? ['alice'];
  const server = http.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const realmOf = (p: string) => `trust-${p.replace(/\//g, '') || 'root'}`;
  const areas: ProtectedArea[] = paths.map((p) => ({
    path: p,
    realm: realmOf(p),
    algorithm: 'iso-kam3-ec-p256-sha256',
    logoutPaths: [`${p}logout`],
  }));
  const store = new VerifierStore();
  for (const a of areas) {
    for (const user of users) {
      const v = await makeVerifier({ algorithm: a.algorithm, authScope: origin, realm: a.realm, username: user, password: PASSWORD });
      if (!v.ok) throw new Error(v.error.message);
      store.add(v.value);
    }
  }
  const log: string[] = [];
  const times: number[] = [];
  const seen: SeenRequest[] = [];
  const uploads = new Map<string, string>();
  const handler = createMutualHandler({
    origin,
    areas,
    verifiers: store,
    log: (line) => {
      log.push(line);
      times.push(Date.now() % 100000);
    },
  });
  const site = createDemoSite({ areas, mode: 'demo', statusPath: '/.well-known/mutual-status' });
  const extra = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const path = requestPath(req.url) ?? '';
    const area = paths.find((p) => path.startsWith(p));
    if (!area) return false;
    const rest = path.slice(area.length);
    const who = authOf(req);
    if (rest === 'no-content') {
      res.statusCode = 204;
      res.end();
      return true;
    }
    if (rest === 'download') {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Disposition', 'attachment; filename="statement.bin"');
      res.end(`statement for ${who?.user ?? 'nobody'}\n`);
      return true;
    }
    if (rest === 'forged-error') {
      // What a relay or anyone on the path can send: an error page that proves nothing.
      res.removeHeader('Authentication-Info');
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>Session expired</title><h1>${FORGED_TEXT}</h1><form><input name=password type=password></form>`);
      return true;
    }
    const html = (body: string, headers: Record<string, string> = {}) => {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      res.end(body);
      return true;
    };
    if (rest.startsWith('probe/')) {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'image/svg+xml');
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cache-Control', 'no-store');
      res.end(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20"><text y="15">${who ? `Authenticated as ${who.user}` : 'not authenticated'}</text></svg>`);
      return true;
    }
    const upload = /^(uploads|raw|preview)\/([a-z0-9-]{1,40})$/.exec(rest);
    if (upload) {
      const content = uploads.get(upload[2]!);
      if (content === undefined) return false;
      if (upload[1] === 'uploads') return html(content, { 'Content-Security-Policy': 'sandbox allow-scripts' });
      if (upload[1] === 'raw') return html(content);
      return html(`<!doctype html><title>Preview</title><p>${who ? `Authenticated as ${who.user}` : 'not authenticated'}</p>` +
        `<img src="${area}probe/preview-own"><iframe sandbox="allow-scripts" name="preview" src="${area}raw/${upload[2]}"></iframe>`);
    }
    if (rest === 'embed') {
      const src = new URL(req.url ?? '/', origin).searchParams.get('src') ?? 'about:blank';
      return html(`<!doctype html><title>Embed</title><p>${who ? `Authenticated as ${who.user}` : 'not authenticated'}</p>` +
        `<iframe name="own" src="${area}probe/embed-own"></iframe><iframe name="ad" src="${escapeHtml(src)}"></iframe>`);
    }
    if (rest === 'cors') {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(who ? `<p>Authenticated as ${who.user}</p>` : '<p>not authenticated</p>');
      return true;
    }
    if (req.method === 'POST') {
      // Form posts into the area: answer like a real application would (the demo site is GET-only).
      req.resume();
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(who ? `<p>Authenticated as ${who.user}: transfer done</p>` : '<p>not authenticated</p>');
      return true;
    }
    return false;
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const h = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v.join(',') : (v ?? '');
    };
    const rec: SeenRequest = {
      method: req.method ?? '-',
      path: requestPath(req.url) ?? req.url ?? '',
      mutual: mutualKind(req.headers.authorization),
      origin: h('origin'),
      site: h('sec-fetch-site'),
      mode: h('sec-fetch-mode'),
      dest: h('sec-fetch-dest'),
      status: 0,
      outcome: '',
    };
    seen.push(rec);
    const before = log.length;
    res.once('close', () => {
      rec.status = res.statusCode;
      // The middleware's own log line is written on the same 'close' event, after this listener.
      setImmediate(() => {
        rec.outcome = log.slice(before).find((l) => l.includes(` ${rec.path} `))?.split(' ').at(-1) ?? '';
      });
    });
    handler(req, res, () => {
      if (!extra(req, res)) site(req, res);
    });
  });
  return {
    url: origin,
    port,
    log,
    times,
    seen,
    realmOf,
    upload: (name, content) => void uploads.set(name, content),
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** One line per request for failure messages. */
export function describeSeen(rs: readonly SeenRequest[]): string {
  return rs
    .map((r) => `${r.method} ${r.path} → ${r.status} ${r.outcome} [Authorization: ${r.mutual}, Origin: ${r.origin || '-'}, Sec-Fetch-Site: ${r.site || '-'}, mode ${r.mode || '-'}, dest ${r.dest || '-'}]`)
    .join('\n');
}
