/**
 * The Express / Connect adapter: `app.use(mutualExpress({ origin, areas, verifiers }))`. The same node:http
 * middleware (handler.ts) — Express's `req`/`res` are node's — except that the decision sees
 * `req.originalUrl`, so mounting under a path (`app.use('/admin', …)`) cannot hide a protected path from it.
 * The application finds the user with `authOf(req)` (or `res.locals.mutual`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authOf, deciderFor, nodeMiddleware, type MutualHandler, type MutualHandlerOptions, type NextFunction } from './handler.ts';

export { authOf } from './handler.ts';

export function mutualExpress(options: MutualHandlerOptions): MutualHandler {
  const inner = nodeMiddleware(deciderFor(options), options.log, (req) => (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '');
  const mw = ((req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    inner(req, res, () => {
      const locals = (res as ServerResponse & { locals?: Record<string, unknown> }).locals;
      if (locals) locals.mutual = authOf(req);
      if (next) next();
    });
  }) as MutualHandler;
  for (const k of ['decider', 'store', 'sessions', 'counters', 'validation', 'status'] as const) {
    Object.defineProperty(mw, k, { get: () => inner[k] });
  }
  return mw;
}
