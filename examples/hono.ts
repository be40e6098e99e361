// Mutual authentication in a Hono app (any Fetch-API runtime): /account/ needs a login, the rest stays public.
import { Hono } from 'hono';
import { mutualHono, type MutualHonoEnv } from '../src/server/fetch.ts';
import type { VerifierStore } from '../src/server/verifier-file.ts';

export function createHonoApp(origin: string, verifiers: VerifierStore): Hono<MutualHonoEnv> {
  const app = new Hono<MutualHonoEnv>();
  app.use(mutualHono({
    origin,
    verifiers,
    areas: [{ path: '/account/', realm: 'members', algorithm: 'iso-kam3-ec-p256-sha256' }],
  }));
  app.get('/', (c) => c.text('public page\n'));
  app.get('/account/', (c) => c.text(`hello ${c.get('mutual')?.user}\n`));
  return app;
}
