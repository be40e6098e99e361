/**
 * `mutual proxy`: a reverse proxy that puts Mutual authentication in front of an existing site. The
 * decision (decision.ts) runs on each request's method, target and header fields; requests it lets through
 * go to the upstream with their bodies streamed both ways (never buffered), and with the authenticated
 * user in one header field (default `X-Mutual-User`, percent-encoded UTF-8) that a client can never set:
 * every header field of the client with that name — or the same name spelled with `_` — is removed first.
 *
 * The upstream never sees Mutual credentials, and its answers never carry Mutual header fields of its own
 * (the proxy owns the protocol). When the upstream fails, the client gets a plain 502/504 that says nothing
 * about the session: no Authentication-Info, no user, no sid.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { applyDecision, deciderFor, type MutualHandlerOptions } from './handler.ts';
import type { Decision, MutualDecider } from './decision.ts';
import { requestLogLine } from './request-path.ts';

export interface ProxyOptions extends MutualHandlerOptions {
  /** `http://127.0.0.1:3000` (or https): the site behind the proxy (an origin: no path). */
  upstream: string;
  /** Header field that carries the authenticated user upstream (default `X-Mutual-User`). */
  userHeader?: string;
  /** No response header from the upstream within this time → 504 (default 60 s). */
  upstreamTimeoutMs?: number;
}

export interface MutualProxy {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly decider: MutualDecider;
  /** Close the upstream connections kept alive. */
  close(): void;
}

/** Hop-by-hop header fields (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate',
  // Answered at this hop already (node sends "100 Continue" itself).
  'expect',
]);
/** Header fields of the Mutual protocol that only the proxy may send. */
const MUTUAL_RESPONSE = new Set(['authentication-info', 'authentication-control', 'optional-www-authenticate']);

const normalName = (n: string): string => n.toLowerCase().replace(/_/g, '-');

function hopByHop(headers: IncomingHttpHeaders): Set<string> {
  const out = new Set(HOP_BY_HOP);
  const c = headers.connection;
  for (const v of Array.isArray(c) ? c : c ? [c] : []) for (const t of v.split(',')) out.add(t.trim().toLowerCase());
  return out;
}

/** The user as a header value: percent-encoded UTF-8 (`renée` → `ren%C3%A9e`); decodeURIComponent reads it. */
export function encodeUserHeader(user: string): string {
  return encodeURIComponent(user);
}

export function createMutualProxy(options: ProxyOptions): MutualProxy {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new Error(`--upstream must be an http or https URL, not ${upstream.protocol}`);
  if ((upstream.pathname !== '/' && upstream.pathname !== '') || upstream.search || upstream.username || upstream.password) {
    throw new Error('--upstream must be an origin (scheme://host:port) without path, query or credentials');
  }
  const userHeader = options.userHeader ?? 'X-Mutual-User';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(userHeader)) throw new Error('--user-header must be a header name of letters, digits and "-"');
  const userKey = normalName(userHeader);
  const decider = deciderFor(options);
  const mod = upstream.protocol === 'https:' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 256 });
  const timeout = options.upstreamTimeoutMs ?? 60_000;
  const forwardedProto = new URL(decider.origin).protocol.replace(':', '');
  const log = options.log;

  const plain = (res: ServerResponse, status: number, text: string): void => {
    const body = Buffer.from(text, 'utf8');
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };

  const proxy = ((req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    let decision: Decision | undefined;
    let outcome: string | undefined;
    if (log) {
      res.once('close', () => {
        const st = res.writableFinished ? String(res.statusCode) : `${res.statusCode}(aborted)`;
        log(requestLogLine({ method, url, status: st, sid: decision?.sid, nc: decision?.nc, outcome: outcome ?? decision?.outcome ?? 'aborted' }));
      });
    }
    void decider.decide({ method, url, headers: req.headers }).then((d) => {
      decision = d;
      if (res.destroyed) return;
      const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
      if (d.action === 'respond') {
        // Do not read (possibly large) bodies of requests answered here: close the connection after the answer.
        if (hasBody) res.setHeader('Connection', 'close');
        applyDecision(d, req, res);
        return;
      }

      // ---- request to the upstream: client header fields minus hop-by-hop, Mutual credentials and the user field
      const drop = hopByHop(req.headers);
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || drop.has(k) || normalName(k) === userKey || k === 'host') continue;
        if (k === 'authorization' && /^\s*mutual(\s|$)/i.test(String(v))) continue;
        headers[k] = v;
      }
      if (d.auth) headers[userHeader.toLowerCase()] = encodeUserHeader(d.auth.user);
      const remote = req.socket.remoteAddress ?? '';
      const prior = req.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = prior ? `${String(prior)}, ${remote}` : remote;
      headers['x-forwarded-proto'] = forwardedProto;
      if (req.headers.host !== undefined) headers['x-forwarded-host'] = req.headers.host;
      headers.host = upstream.host;
      if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
      const target = url.startsWith('/') || url === '*' ? url : (() => {
        try {
          const u = new URL(url);
          return `${u.pathname}${u.search}`;
        } catch {
          return '/';
        }
      })();

      const upReq = mod.request({
        protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method, path: target, headers, agent,
      });
      let answered = false;
      const fail = (status: number, text: string, why: string): void => {
        outcome = why;
        if (answered || res.headersSent) {
          res.destroy();
          return;
        }
        answered = true;
        // Nothing of the session: no Authentication-Info, no user, no sid — only that the site is not there.
        plain(res, status, text);
      };
      upReq.setTimeout(timeout, () => upReq.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
      upReq.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ETIMEDOUT') fail(504, 'Gateway Timeout: the site behind this proxy did not answer in time\n', 'upstream-timeout');
        else fail(502, 'Bad Gateway: the site behind this proxy cannot be reached\n', `upstream-error(${e.code ?? 'error'})`);
      });
      upReq.on('response', (upRes) => {
        if (answered) {
          upRes.resume();
          return;
        }
        answered = true;
        const status = upRes.statusCode ?? 502;
        const dropUp = hopByHop(upRes.headers);
        for (const [k, v] of Object.entries(upRes.headersDistinct)) {
          if (v === undefined || dropUp.has(k) || MUTUAL_RESPONSE.has(k)) continue;
          // Only the proxy challenges with Mutual (one challenge per field line, as an upstream sends them).
          const kept = k === 'www-authenticate' ? v.filter((x) => !/^\s*mutual(\s|$)/i.test(x)) : v;
          if (kept.length > 0) res.setHeader(k, kept.length === 1 ? kept[0]! : kept);
        }
        // The decision's header fields (200-VFY-S's Authentication-Info, no-store, …) — not on a server error.
        if (status < 500) applyDecision(d, req, res);
        res.writeHead(status);
        pipeline(upRes, res, (err) => {
          if (err) outcome = `${d.outcome}+upstream-aborted`;
        });
      });
      // Stream the request body (if any) without buffering it; a client that goes away aborts the upstream.
      pipeline(req, upReq, (err) => {
        if (err && !answered) upReq.destroy();
      });
      res.once('close', () => {
        if (!res.writableFinished) upReq.destroy();
      });
    }).catch(() => {
      if (!res.headersSent) plain(res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  }) as MutualProxy;
  Object.defineProperty(proxy, 'decider', { value: decider });
  Object.defineProperty(proxy, 'close', { value: () => agent.destroy() });
  return proxy;
}
