/** Serve a ScriptedServer over real HTTP on 127.0.0.1 (port 0) for CLI tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptedServer } from './scripted-server.ts';

export async function listen(make: (port: number) => Promise<ScriptedServer>): Promise<{ url: string; server: ScriptedServer; close: () => Promise<void> }> {
  let scripted: ScriptedServer | undefined;
  const srv = http.createServer((req, res) => {
    if (!scripted) {
      res.statusCode = 503;
      res.end();
      return;
    }
    const out = scripted.handle(req.headers.authorization);
    res.statusCode = out.status;
    for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) res.setHeader(k, v as string | string[]);
    res.end(out.status === 200 ? 'secret page' : 'unauthorized');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  scripted = await make(port);
  return {
    url: `http://127.0.0.1:${port}`,
    server: scripted,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}
