/**
 * One HTTP request over node:http/https for the CLI, returning what the client engine needs: status,
 * header fields as lists (latin1 view, as on the wire) and, over HTTPS, the RFC 5929 §4.1 binding of the
 * peer certificate of that very connection.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tlsServerEndPoint } from '../crypto/tls-server-end-point.ts';
import type { ResponseInput } from '../protocol/client.ts';

export interface ExchangeOptions {
  method?: string;
  authorization?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

export interface Exchange extends ResponseInput {
  body: Buffer;
  /** Raw header fields, for --verbose output. */
  raw: Record<string, string[]>;
}

const MAX_BODY = 16 * 1024 * 1024;

export function exchange(url: URL, opts: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!mod) {
      reject(new Error(`only http and https URLs are supported, not ${url.protocol}`));
      return;
    }
    const headers: Record<string, string> = { 'user-agent': 'mutual-cli' };
    if (opts.authorization !== undefined) headers.authorization = opts.authorization;
    const req = mod.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers,
        agent: false,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: opts.insecure !== true } : {}),
      },
      (res) => {
        // Read the certificate now, while the connection is certainly open.
        let binding: Uint8Array | undefined;
        if (url.protocol === 'https:') {
          const cert = (res.socket as TLSSocket).getPeerCertificate?.();
          if (cert?.raw) {
            const b = tlsServerEndPoint(new Uint8Array(cert.raw));
            if (b.ok) binding = b.value;
          }
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            res.destroy(new Error('response body larger than 16 MiB'));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const raw: Record<string, string[]> = {};
          for (const [k, v] of Object.entries(res.headersDistinct)) if (v) raw[k] = v;
          const out: Exchange = { status: res.statusCode ?? 0, headers: raw, raw, body: Buffer.concat(chunks) };
          if (binding) out.tlsServerEndPoint = binding;
          resolve(out);
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}
