/** Start a Mutual test server on 127.0.0.1 (port 0) with the handler in front of the demo pages. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { singleServerScope, originOf, hostValidationVh } from '../../src/protocol/realm.ts';
import { createMutualHandler, type MutualHandler, type MutualHandlerOptions, type ProtectedArea } from '../../src/server/handler.ts';
import { createDemoSite } from '../../src/server/demo-site.ts';
import { makeVerifier, VerifierStore } from '../../src/server/verifier-file.ts';

export interface TestServer {
  url: string;
  origin: string;
  /** vh of validation=host for the configured origin. */
  hostVh: string;
  handler: MutualHandler;
  verifiers: VerifierStore;
  logs: string[];
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<MutualHandlerOptions, 'areas' | 'verifiers' | 'origin'>> {
  areas: ProtectedArea[];
  users?: Array<{ user: string; password: string }>;
  tls?: { certPem: string; keyPem: string };
  /** Configured origin; `{port}` is replaced by the listening port. Default http(s)://127.0.0.1:{port}. */
  origin?: string;
}

const verifierCache = new Map<string, Awaited<ReturnType<typeof makeVerifier>>>();

export async function startServer(o: StartOptions): Promise<TestServer> {
  let app: http.RequestListener | undefined;
  const listener: http.RequestListener = (req, res) => app!(req, res);
  const server = o.tls
    ? https.createServer({ cert: o.tls.certPem, key: o.tls.keyPem, maxHeaderSize: 32 * 1024 }, listener)
    : http.createServer({ maxHeaderSize: 32 * 1024 }, listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const scheme = o.tls ? 'https' : 'http';
  const origin = (o.origin ?? `${scheme}://127.0.0.1:{port}`).replace('{port}', String(port));
  const parsed = originOf(origin);
  if (!parsed.ok) throw parsed.error;
  const scope = singleServerScope(parsed.value);
  const verifiers = new VerifierStore();
  for (const u of o.users ?? []) {
    for (const a of o.areas) {
      const input = { algorithm: a.algorithm, authScope: a.authScope ?? scope, realm: a.realm, username: u.user, password: u.password };
      const key = JSON.stringify(input);
      let v = verifierCache.get(key);
      if (!v) {
        v = await makeVerifier(input);
        verifierCache.set(key, v);
      }
      if (!v.ok) throw v.error;
      verifiers.add(v.value);
    }
  }
  const logs: string[] = [];
  const { areas: _a, users: _u, tls: _t, origin: _o, ...rest } = o;
  const handler = createMutualHandler({ log: (l) => logs.push(l), ...rest, origin, areas: o.areas, verifiers });
  const site = createDemoSite({ areas: o.areas, mode: 'demo' });
  app = (req, res) => handler(req, res, () => site(req, res));
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    origin,
    hostVh: hostValidationVh(parsed.value),
    handler,
    verifiers,
    logs,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
