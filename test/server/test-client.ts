/**
 * A small Mutual client for the server tests, written from RFC 8120 §4, §6, §7, §10 and §12 (not from the
 * project's client engine): its own header parsing and formatting; only the crypto contract's client halves
 * (derivePi, clientKc1, clientZ, computeVkc, computeVks) are shared. Every 200-VFY-S is checked: the
 * Authentication-Info must name our sid and carry the right vks for our nc.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { getAlgorithm, type Algorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { derivePi } from '../../src/crypto/derive.ts';
import { clientKc1, clientZ, randomSecret } from '../../src/crypto/kam3.ts';
import { computeVkc, computeVks } from '../../src/crypto/verify.ts';
import { webRandom } from '../../src/bytes.ts';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** SHA-256 of the peer certificate (HTTPS): vh for tls-server-end-point with an ECDSA-SHA256 certificate. */
  certHash?: Uint8Array;
}

export function request(
  url: string,
  headers: Record<string, string> = {},
  opts: { agent?: http.Agent | https.Agent; method?: string } = {},
): Promise<Res> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers,
        agent: opts.agent ?? false,
        ...(u.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out: Res = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
          if (u.protocol === 'https:') {
            const cert = (res.socket as TLSSocket).getPeerCertificate();
            out.certHash = new Uint8Array(createHash('sha256').update(cert.raw).digest());
          }
          resolve(out);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Parameters of the first Mutual challenge in a header value (RFC 7235 auth-params, RFC 5987 `name*=`). */
export function mutualParams(value: string | string[] | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const v = Array.isArray(value) ? value.join(', ') : value;
  const m = /^\s*Mutual\s+/i.exec(v);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9-]+)(\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)/y;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while ((p = re.exec(v)) !== null && p[0] !== '') {
    let val = p[3]!;
    if (val.startsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    // Header values arrive one char per octet: quoted strings carry raw UTF-8 (the realm, RFC 8120 §3.1).
    val = Buffer.from(val, 'latin1').toString('utf8');
    if (p[2] === '*') val = decodeURIComponent(val.replace(/^UTF-8''/i, ''));
    out[p[1]!.toLowerCase()] = val;
    if (re.lastIndex >= v.length) break;
  }
  return out;
}

/** A quoted-string, or `name*=UTF-8''…` for non-ASCII (RFC 8120 §3.1); realm as raw UTF-8 octets. */
export function strParam(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `${name}="${value.replace(/(["\\])/g, '\\$1')}"`;
  if (name === 'realm') return `${name}="${Buffer.from(value, 'utf8').toString('latin1').replace(/(["\\])/g, '\\$1')}"`;
  return `${name}*=UTF-8''${encodeURIComponent(value)}`;
}

function wire(alg: Algorithm, b: Uint8Array): string {
  return alg.wire === 'hex' ? Buffer.from(b).toString('hex') : `"${Buffer.from(b).toString('base64')}"`;
}

function unwire(alg: Algorithm, s: string): Uint8Array {
  return new Uint8Array(alg.wire === 'hex' ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64'));
}

export interface Session {
  alg: Algorithm;
  sid: string;
  K_c1: Uint8Array;
  K_s1: Uint8Array;
  z: Uint8Array;
  vh: Uint8Array;
  realm: string;
  authScope: string;
  validation: string;
  ncMax: number;
  ncWindow: number;
  time: number;
  path: string | undefined;
  nextNc: number;
}

export class ProtocolError extends Error {}

/** The Authorization value of a req-VFY-C for nc (RFC 8120 §4.4). */
export function vfyC(s: Session, nc: number, override: Partial<{ realm: string; algorithm: string; sid: string; vkc: string }> = {}): string {
  const vkc = override.vkc ?? wire(s.alg, computeVkc(s.alg, { K_c1: s.K_c1, K_s1: s.K_s1, z: s.z, nc, vh: s.vh }));
  return (
    `Mutual version=1, algorithm=${override.algorithm ?? s.alg.name}, validation=${s.validation}, ` +
    `${strParam('auth-scope', s.authScope)}, ${strParam('realm', override.realm ?? s.realm)}, ` +
    `sid=${override.sid ?? s.sid}, nc=${nc}, vkc=${vkc}`
  );
}

/** Check a 200-VFY-S for (session, nc); throws ProtocolError when the server did not prove itself. */
export function checkVfyS(s: Session, nc: number, res: Res): void {
  if (res.status === 401) throw new ProtocolError(`401 for nc=${nc}: ${String(res.headers['www-authenticate'])}`);
  const info = mutualParams(res.headers['authentication-info']);
  if (!info) throw new ProtocolError(`no Authentication-Info on a ${res.status} for nc=${nc}`);
  if (info.version !== '1') throw new ProtocolError('version');
  if (info.sid?.toLowerCase() !== s.sid) throw new ProtocolError(`Authentication-Info names sid ${info.sid}, not ${s.sid}`);
  const expected = computeVks(s.alg, { K_c1: s.K_c1, K_s1: s.K_s1, z: s.z, nc, vh: s.vh });
  if (info.vks === undefined || !Buffer.from(unwire(s.alg, info.vks)).equals(Buffer.from(expected))) {
    throw new ProtocolError(`wrong vks for nc=${nc}`);
  }
}

export interface LoginOptions {
  user: string;
  password: string;
  /** vh for validation=host: "<scheme>://<host>:<port>" of the server's *configured* origin. */
  hostVh?: string;
  agent?: http.Agent;
  /** Extra request headers (e.g. a Host header to ignore). */
  headers?: Record<string, string>;
}

/**
 * RFC 8120 Figure 1: normal request → 401-INIT → req-KEX-C1 → 401-KEX-S1 → req-VFY-C (nc=1) → 200-VFY-S.
 * Returns the session and the final response (vks checked).
 */
export async function login(url: string, o: LoginOptions): Promise<{ session: Session; res: Res; init: Record<string, string> }> {
  const { session, init } = await exchangeKeys(url, o);
  const nc = session.nextNc++;
  const res = await request(url, { ...(o.headers ?? {}), authorization: vfyC(session, nc) }, { agent: o.agent });
  checkVfyS(session, nc, res);
  return { session, res, init };
}

/** The first half of a login: normal request → 401-INIT → req-KEX-C1 → 401-KEX-S1; no req-VFY-C sent yet. */
export async function exchangeKeys(url: string, o: LoginOptions): Promise<{ session: Session; init: Record<string, string> }> {
  const extra = o.headers ?? {};
  const first = await request(url, extra, { agent: o.agent });
  if (first.status !== 401) throw new ProtocolError(`expected 401-INIT, got ${first.status}`);
  const init = mutualParams(first.headers['www-authenticate']);
  if (!init || init.reason !== 'initial') throw new ProtocolError(`expected 401-INIT reason=initial: ${String(first.headers['www-authenticate'])}`);
  const alg = getAlgorithm(init.algorithm ?? '');
  if (!alg) throw new ProtocolError(`unknown algorithm ${init.algorithm}`);
  const authScope = init['auth-scope']!;
  const realm = init.realm!;
  const validation = init.validation!;
  const pi = await derivePi({ algorithm: alg.name as AlgorithmName, authScope, realm, username: o.user, password: o.password });
  const S_c1 = randomSecret(alg, webRandom);
  const K_c1 = clientKc1(alg, S_c1);
  const kex =
    `Mutual version=1, algorithm=${alg.name}, validation=${validation}, ${strParam('auth-scope', authScope)}, ` +
    `${strParam('realm', realm)}, ${strParam('user', o.user)}, kc1=${wire(alg, K_c1)}`;
  const r2 = await request(url, { ...extra, authorization: kex }, { agent: o.agent });
  const s1 = mutualParams(r2.headers['www-authenticate']);
  if (r2.status !== 401 || !s1 || s1.ks1 === undefined) throw new ProtocolError(`expected 401-KEX-S1, got ${r2.status} ${String(r2.headers['www-authenticate'])}`);
  const K_s1 = unwire(alg, s1.ks1);
  const z = clientZ(alg, { S_c1, K_c1, K_s1, pi });
  if (!z.ok) throw new ProtocolError(`ks1 rejected: ${z.error.message}`);
  let vh: Uint8Array;
  if (validation === 'host') {
    if (o.hostVh === undefined) throw new ProtocolError('validation=host needs hostVh');
    vh = new Uint8Array(Buffer.from(o.hostVh, 'utf8'));
  } else if (validation === 'tls-server-end-point') {
    if (!r2.certHash) throw new ProtocolError('tls-server-end-point over plain HTTP');
    vh = r2.certHash;
  } else {
    throw new ProtocolError(`unsupported validation ${validation}`);
  }
  const session: Session = {
    alg, sid: s1.sid!.toLowerCase(), K_c1, K_s1, z: z.value, vh, realm, authScope, validation,
    ncMax: Number(s1['nc-max']), ncWindow: Number(s1['nc-window']), time: Number(s1.time), path: s1.path, nextNc: 1,
  };
  return { session, init };
}

/** One more authenticated request in the session (Case B-1 of RFC 8120 §2.3), vks checked. */
export async function get(url: string, s: Session, opts: { nc?: number; agent?: http.Agent } = {}): Promise<Res> {
  const nc = opts.nc ?? s.nextNc++;
  const res = await request(url, { authorization: vfyC(s, nc) }, { agent: opts.agent });
  checkVfyS(s, nc, res);
  return res;
}

/** A req-VFY-C whose response is returned unchecked (for the failure paths). */
export function rawVfy(url: string, s: Session, nc: number, override: Parameters<typeof vfyC>[2] = {}): Promise<Res> {
  return request(url, { authorization: vfyC(s, nc, override) });
}

export function reasonOf(res: Res): string | undefined {
  return mutualParams(res.headers['www-authenticate'])?.reason;
}
