/**
 * A round-robin HTTP load balancer for the multi-instance tests: each request goes to the next upstream; an
 * upstream that refuses the connection (killed) is skipped, as a real balancer's health check would. It
 * records what it saw of the Mutual exchange (key exchanges, 401-STALE, 503) per upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  upstream: number;
  status: number;
  /** 401-KEX-S1 (the response carries ks1). */
  kex: boolean;
  stale: boolean;
  authenticated: boolean;
}

export interface RoundRobin {
  port: number;
  url: string;
  upstreams: string[];
  seen: Seen[];
  /** Called before forwarding each request; may be async (e.g. kill an upstream). */
  beforeRequest?: (() => Promise<void> | void) | undefined;
  close(): Promise<void>;
}

export async function startRoundRobin(): Promise<RoundRobin> {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true });
  const rr: RoundRobin = {
    port: 0,
    url: '',
    upstreams: [],
    seen: [],
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer(async (req, res) => {
    if (rr.beforeRequest) await rr.beforeRequest();
    const body: Buffer[] = [];
    for await (const c of req) body.push(c as Buffer);
    const tryUpstream = (attempt: number): void => {
      if (attempt >= rr.upstreams.length) {
        res.statusCode = 502;
        res.end('no upstream\n');
        return;
      }
      const i = next++ % rr.upstreams.length;
      const up = http.request(`${rr.upstreams[i]}${req.url ?? '/'}`, { method: req.method, headers: req.headers, agent }, (r) => {
        const www = String(r.headers['www-authenticate'] ?? '');
        rr.seen.push({
          upstream: i, status: r.statusCode ?? 0, kex: /\bks1=/.test(www), stale: /reason="?stale-session/.test(www),
          authenticated: r.headers['authentication-info'] !== undefined,
        });
        res.writeHead(r.statusCode ?? 502, r.rawHeaders);
        r.pipe(res);
      });
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (!res.headersSent && (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET')) tryUpstream(attempt + 1);
        else res.destroy();
      });
      up.end(Buffer.concat(body));
    };
    tryUpstream(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rr.port = (server.address() as AddressInfo).port;
  rr.url = `http://127.0.0.1:${rr.port}`;
  return rr;
}
