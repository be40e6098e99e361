/**
 * The `node:http` adapter of the decision (decision.ts): middleware `(req, res, next)`. For a request to a
 * protected path it either answers itself (401-INIT, 401-STALE, 401-KEX-S1, 400, 503) or, for a successful
 * req-VFY-C (200-VFY-S), sets `Authentication-Info` and calls `next()` so the application produces the
 * response; `authOf(req)` then tells the application who is authenticated. Requests outside every protected
 * area go to `next()` untouched (a "normal response", RFC 8120 §11). Express and Connect use the same shape
 * (express.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMutualDecider, isThenable, reasonText, type AuthInfo, type Decision, type MutualCounters, type MutualDecider, type MutualOptions, type MutualStatus,
  type Validation,
} from './decision.ts';
import { MemorySessionStore } from './memory-store.ts';
import { createMisbehavingDecider, type Misbehaviour } from './misbehave.ts';
import { requestLogLine } from './request-path.ts';
import type { SessionStore } from './session-store.ts';
import type { SessionTable } from './session-table.ts';

export {
  escapeHtml, type AreaControl, type AuthInfo, type MutualCounters, type MutualStatus, type ProtectedArea, type Validation,
} from './decision.ts';
export { requestPath } from './request-path.ts';
export { MISBEHAVIOURS, type Misbehaviour } from './misbehave.ts';

export interface MutualHandlerOptions extends MutualOptions {
  /** One line per request; default: none. */
  log?: (line: string) => void;
  /** TEST ONLY: see {@link Misbehaviour}. */
  misbehave?: Misbehaviour;
}

export type NextFunction = (err?: unknown) => void;

export interface MutualHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  readonly decider: MutualDecider;
  readonly store: SessionStore;
  /** The in-memory session table (throws for another store). */
  readonly sessions: SessionTable;
  readonly counters: Readonly<MutualCounters>;
  readonly validation: Validation;
  status(): Promise<MutualStatus>;
}

const authInfos = new WeakMap<IncomingMessage, AuthInfo>();

/** The authentication of a request that passed the handler with a valid req-VFY-C, if any. */
export function authOf(req: IncomingMessage): AuthInfo | undefined {
  return authInfos.get(req);
}

/** The decision (with the test-only wrapper when asked) for these options. */
export function deciderFor(options: MutualOptions & { misbehave?: Misbehaviour }): MutualDecider {
  return options.misbehave ? createMisbehavingDecider(options, options.misbehave) : createMutualDecider(options);
}

/**
 * Apply a decision to a node:http exchange: answer, or set the response header fields and record who is
 * authenticated. Returns true when the application must produce the response.
 */
export function applyDecision(d: Decision, req: IncomingMessage, res: ServerResponse): boolean {
  if (d.action === 'respond') {
    res.statusCode = d.status;
    for (const [k, v] of d.headers) res.setHeader(k, v);
    // A Buffer, not a string: Node would encode a non-ASCII realm in the header as UTF-8 a second time.
    res.end(Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength));
    return false;
  }
  for (const [k, v] of d.headers) res.setHeader(k, v);
  if (d.auth) authInfos.set(req, d.auth);
  if (d.headers.some(([, v]) => /[\x80-\xff]/.test(v))) writeStringsAsBuffers(res);
  if (d.headers.length > 0) dropOnServerError(res, d.headers);
  return true;
}

/**
 * A server error (5xx) of the application never carries the session's header fields (no vks for an error
 * page, the same in every adapter): they are removed when the status line is written.
 */
function dropOnServerError(res: ServerResponse, headers: Array<[string, string]>): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
    if (status >= 500) for (const [k] of headers) this.removeHeader(k);
    return Reflect.apply(writeHead, this, args) as ServerResponse;
  } as typeof res.writeHead;
}

/** Build the middleware. Throws (at start-up, not per request) when the configuration is unusable. */
export function createMutualHandler(options: MutualHandlerOptions): MutualHandler {
  return nodeMiddleware(deciderFor(options), options.log, (req) => req.url ?? '');
}

/**
 * The middleware for a decision; `target` gives the request-target the decision sees (Express mounts change
 * `req.url`, so its adapter passes `req.originalUrl`).
 */
export function nodeMiddleware(decider: MutualDecider, log: ((line: string) => void) | undefined, target: (req: IncomingMessage) => string): MutualHandler {
  const handler = ((req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    const method = req.method ?? 'GET';
    const url = target(req);
    let decision: Decision | undefined;
    if (log) {
      res.once('close', () => {
        const st = res.writableFinished ? String(res.statusCode) : `${res.statusCode}(aborted)`;
        log(requestLogLine({ method, url, status: st, sid: decision?.sid, nc: decision?.nc, outcome: decision?.outcome ?? 'aborted' }));
      });
    }
    const answer = (d: Decision): void => {
      decision = d;
      if (res.destroyed) return;
      if (!applyDecision(d, req, res)) return;
      try {
        if (next) next();
        else {
          res.statusCode = 404;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end('Not Found\n');
        }
      } catch (e) {
        // The application threw: a 500 without any Mutual header, never a crashed server.
        d.outcome = `application-error(${reasonText(e)})`;
        if (!res.headersSent) {
          for (const [k] of d.headers) res.removeHeader(k);
          res.statusCode = 500;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end('Internal Server Error\n');
        } else res.destroy();
      }
    };
    const broken = (): void => {
      // Applying the decision failed (it never should): no half-answered request, no crashed process.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    };
    // Answered in this turn when the decision needed no waiting (sessions in memory), else once it settles.
    let d: Decision | Promise<Decision>;
    try {
      d = decider.decideNow({ method, url, headers: req.headers });
    } catch {
      broken(); // not reached: the decider answers its own errors
      return;
    }
    if (isThenable(d)) {
      void Promise.resolve(d).then(answer).catch(broken);
      return;
    }
    try {
      answer(d);
    } catch {
      broken();
    }
  }) as MutualHandler;

  Object.defineProperties(handler, {
    decider: { value: decider },
    store: { get: () => decider.store },
    sessions: {
      get: () => {
        const s = decider.store;
        if (s instanceof MemorySessionStore) return s.table;
        throw new Error(`handler.sessions is the in-memory table; this handler uses the ${s.kind} store (use handler.store)`);
      },
    },
    counters: { value: decider.counters },
    validation: { value: decider.validation },
    status: { value: () => decider.status() },
  });
  return handler;
}

/**
 * Header values here are octet strings (a non-ASCII realm is raw UTF-8, RFC 8120 §3.1). Node sends them as
 * latin1 — except when the first body chunk is a string, which it glues to the header block and encodes as
 * UTF-8, corrupting those octets. So when such a header is set, string chunks of the application become
 * Buffers before they reach Node.
 */
export function writeStringsAsBuffers(res: ServerResponse): void {
  const toBuffer = (args: unknown[]): unknown[] => {
    const [chunk, encoding, ...rest] = args;
    if (typeof chunk !== 'string') return args;
    if (typeof encoding === 'string') return [Buffer.from(chunk, encoding as BufferEncoding), ...rest];
    return encoding === undefined ? [Buffer.from(chunk, 'utf8')] : [Buffer.from(chunk, 'utf8'), encoding, ...rest];
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    return Reflect.apply(write, this, toBuffer(args)) as boolean;
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    return Reflect.apply(end, this, toBuffer(args)) as ServerResponse;
  } as typeof res.end;
}
