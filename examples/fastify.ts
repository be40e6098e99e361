// Mutual authentication in a Fastify app: /account/ needs a login, the rest stays public.
import Fastify, { type FastifyInstance } from 'fastify';
import { mutualFastify } from '../src/server/fastify.ts';
import type { VerifierStore } from '../src/server/verifier-file.ts';

export async function createFastifyApp(origin: string, verifiers: VerifierStore): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(mutualFastify, {
    origin,
    verifiers,
    areas: [{ path: '/account/', realm: 'members', algorithm: 'iso-kam3-ec-p256-sha256' }],
  });
  app.get('/', async () => 'public page\n');
  app.get('/account/', async (request) => `hello ${request.mutual?.user}\n`);
  return app;
}
