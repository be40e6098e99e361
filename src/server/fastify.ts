/**
 * The Fastify plugin: `await app.register(mutualFastify, { origin, areas, verifiers })`. An `onRequest`
 * hook runs the decision on the raw request: it answers 401/400/503 itself, or lets the route run with
 * `request.mutual` (who is authenticated, or null) and the Mutual header fields already on the reply. The
 * plugin is not encapsulated (like fastify-plugin does it), so it guards every route of the instance it is
 * registered on.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deciderFor, type MutualHandlerOptions } from './handler.ts';
import type { AuthInfo, Decision } from './decision.ts';
import { requestLogLine } from './request-path.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by mutualFastify: who is authenticated on this request, or null. */
    mutual: AuthInfo | null;
  }
}

const decisions = new WeakMap<FastifyRequest, Decision>();

async function plugin(app: FastifyInstance, options: MutualHandlerOptions): Promise<void> {
  const decider = deciderFor(options);
  app.decorateRequest('mutual', null);
  app.decorate('mutual', decider);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw;
    const d = await decider.decide({ method: raw.method ?? 'GET', url: raw.url ?? '', headers: raw.headers });
    decisions.set(request, d);
    for (const [k, v] of d.headers) reply.header(k, v);
    if (d.action === 'respond') {
      reply.code(d.status);
      return reply.send(Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength));
    }
    request.mutual = d.auth ?? null;
    return undefined;
  });
  // Node writes a string body glued to the header block as UTF-8, which would re-encode the raw UTF-8
  // octets of a non-ASCII realm in the header fields: such replies get a Buffer body instead.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const d = decisions.get(request);
    if (typeof payload === 'string' && d?.headers.some(([, v]) => /[\x80-\xff]/.test(v))) return Buffer.from(payload, 'utf8');
    // A route that failed gets a 5xx from Fastify: never with the session's header fields.
    if (d?.action === 'pass' && reply.statusCode >= 500) for (const [k] of d.headers) reply.removeHeader(k);
    return payload;
  });
  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const d = decisions.get(request);
      log(requestLogLine({ method: request.raw.method ?? 'GET', url: request.raw.url ?? '', status: String(reply.statusCode), sid: d?.sid, nc: d?.nc, outcome: d?.outcome ?? '-' }));
    });
  }
}

// What fastify-plugin does: no encapsulation, so the hooks apply to the routes of the parent instance.
Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: 'mutual' });

export const mutualFastify: (app: FastifyInstance, options: MutualHandlerOptions) => Promise<void> = plugin;
