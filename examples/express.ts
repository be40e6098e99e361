// Mutual authentication in an Express app: /account/ needs a login, the rest stays public.
import express from 'express';
import { authOf, mutualExpress } from '../src/server/express.ts';
import type { VerifierStore } from '../src/server/verifier-file.ts';

export function createExpressApp(origin: string, verifiers: VerifierStore): express.Express {
  const app = express();
  app.use(mutualExpress({
    origin, // the public origin, e.g. https://www.example.com
    verifiers, // from `mutual verifier --file users.verifiers` → loadVerifierFile()
    areas: [{ path: '/account/', realm: 'members', algorithm: 'iso-kam3-ec-p256-sha256' }],
  }));
  app.get('/', (_req, res) => void res.send('public page\n'));
  app.get('/account/', (req, res) => void res.send(`hello ${authOf(req)?.user}\n`));
  return app;
}
