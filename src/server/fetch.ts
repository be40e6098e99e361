/**
 * The Web-standard adapter: the decision for a Fetch-API `Request`, answering with a `Response` — for Hono
 * (`app.use(mutualHono(options))`) and any runtime that speaks Request/Response (Node, Deno, Bun, workers).
 *
 *     const mutual = createMutualFetchHandler(options);
 *     export default { fetch: (req) => mutual(req, (req, auth) => new Response(`hello ${auth?.user}`)) };
 *
 * Header values are octet strings (a non-ASCII realm is raw UTF-8, one char per octet) — exactly the
 * ByteStrings `Headers` holds, so they reach the wire unchanged.
 */
import type { MiddlewareHandler } from 'hono';
import { deciderFor, type MutualHandlerOptions } from './handler.ts';
import type { AuthInfo, Decision, MutualDecider, RespondDecision } from './decision.ts';
import { requestLogLine } from './request-path.ts';

export type FetchApp = (request: Request, auth: AuthInfo | undefined) => Response | Promise<Response>;

export interface MutualFetchHandler {
  (request: Request, app: FetchApp): Promise<Response>;
  readonly decider: MutualDecider;
}

/** origin-form of a Request's URL: what the decision routes on. */
function target(request: Request): string {
  const u = new URL(request.url);
  return `${u.pathname}${u.search}`;
}

function respond(d: RespondDecision, method: string): Response {
  return new Response(method === 'HEAD' ? null : new Uint8Array(d.body), { status: d.status, headers: d.headers });
}

/** A copy of `res` with the decision's header fields set (a fetched Response's headers may be immutable). */
function withHeaders(res: Response, headers: Array<[string, string]>): Response {
  if (headers.length === 0) return res;
  const out = new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
  for (const [k, v] of headers) out.headers.set(k, v);
  return out;
}

function logDecision(log: ((line: string) => void) | undefined, request: Request, status: number, d: Decision): void {
  log?.(requestLogLine({ method: request.method, url: target(request), status: String(status), sid: d.sid, nc: d.nc, outcome: d.outcome }));
}

export function createMutualFetchHandler(options: MutualHandlerOptions): MutualFetchHandler {
  const decider = deciderFor(options);
  const handler = (async (request: Request, app: FetchApp): Promise<Response> => {
    const d = await decider.decide({ method: request.method, url: target(request), headers: request.headers });
    if (d.action === 'respond') {
      logDecision(options.log, request, d.status, d);
      return respond(d, request.method);
    }
    let res: Response;
    try {
      res = await app(request, d.auth);
    } catch {
      // The application failed: a 500 that carries none of the session's header fields.
      res = new Response('Internal Server Error\n', { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      logDecision(options.log, request, 500, { ...d, outcome: 'application-error' });
      return res;
    }
    logDecision(options.log, request, res.status, d);
    // A server error carries none of the session's header fields (as in every adapter).
    return res.status >= 500 ? res : withHeaders(res, d.headers);
  }) as MutualFetchHandler;
  Object.defineProperty(handler, 'decider', { value: decider });
  return handler;
}

/** Variables the Hono middleware sets: `c.get('mutual')` is who is authenticated (undefined: nobody). */
export interface MutualHonoEnv {
  Variables: { mutual: AuthInfo | undefined };
}

/** Hono middleware: `app.use(mutualHono(options))`, then `c.get('mutual')?.user` in the routes. */
export function mutualHono(options: MutualHandlerOptions): MiddlewareHandler<MutualHonoEnv> & { readonly decider: MutualDecider } {
  const decider = deciderFor(options);
  const mw = async (c: Parameters<MiddlewareHandler<MutualHonoEnv>>[0], next: () => Promise<void>): Promise<Response | void> => {
    const request = c.req.raw;
    const d = await decider.decide({ method: request.method, url: target(request), headers: request.headers });
    if (d.action === 'respond') {
      logDecision(options.log, request, d.status, d);
      return respond(d, request.method);
    }
    c.set('mutual', d.auth);
    await next();
    if (c.error || c.res.status >= 500) {
      // A server error (the route threw, or answered 5xx) carries none of the session's header fields.
      logDecision(options.log, request, c.res.status, { ...d, outcome: c.error ? 'application-error' : d.outcome });
      return;
    }
    logDecision(options.log, request, c.res.status, d);
    c.res = withHeaders(c.res, d.headers);
  };
  return Object.assign(mw, { decider });
}
