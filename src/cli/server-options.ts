/**
 * Options shared by `mutual serve` and `mutual proxy`: TLS (`--tls self-signed`, `--tls-cert/--tls-key`),
 * the session settings (`--session-time` … `--max-pending`), the Redis store (`--redis`, `--redis-prefix`,
 * `--redis-key-file` / MUTUAL_REDIS_KEY or `--redis-ephemeral-key`),
 * verifier files and listening with a 503 until the handler is ready.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { originOf } from '../protocol/realm.ts';
import { positiveInt, UsageError, type ParsedArgs } from './args.ts';
import { generateSelfSigned, tlsServerEndPointVh } from '../server/tls.ts';
import { loadVerifierFile, VerifierStore } from '../server/verifier-file.ts';
import type { SessionTableOptions } from '../server/session-table.ts';
import { RedisSessionStore, redactRedisUrl } from '../server/redis-store.ts';
import { KEY_HOWTO, parseRedisKey, SessionSealer } from '../server/redis-seal.ts';

export const TLS_OPTIONS = ['tls', 'tls-cert', 'tls-key'] as const;
export const SESSION_OPTIONS = ['session-time', 'nc-max', 'nc-window', 'max-sessions', 'max-pending', 'redis', 'redis-prefix', 'redis-key-file'] as const;
export const SESSION_FLAGS = ['redis-ephemeral-key'] as const;
/** The environment variable that may hold the Redis encryption key instead of --redis-key-file. */
export const REDIS_KEY_ENV = 'MUTUAL_REDIS_KEY';

export const SESSION_HELP = `  --session-time S --nc-max N --nc-window W --max-sessions N --max-pending N
                                  session table settings
  --redis redis://host:port/db    keep sessions in Redis, shared by every instance with the same --origin
                                  (unreachable Redis: requests fail closed with 503; see docs/operators.md)
  --redis-prefix P                prefix of the Redis keys (default mutual:)
  --redis-key-file FILE           the key that encrypts the session secrets in Redis (AES-256-GCM): 32 bytes as
                                  64 hex digits or base64, the same file for every instance; or set
                                  MUTUAL_REDIS_KEY. Make one: openssl rand -base64 32 > redis.key
  --redis-ephemeral-key           a random key of this process instead (ONE instance only: sessions do not
                                  survive a restart and no other instance can use them)
`;

export const TLS_HELP = `  --tls self-signed               HTTPS with a throwaway certificate (needs the openssl command)
  --tls-cert FILE --tls-key FILE  HTTPS with this certificate and key (PEM)
`;

export interface TlsChoice {
  /** Whether the server speaks HTTPS. */
  tls: boolean;
  mode: 'self-signed' | 'files' | undefined;
  certFile?: string;
  keyFile?: string;
}

/** Check the TLS options (usage errors now, before anything starts). */
export function tlsChoice(p: ParsedArgs): TlsChoice {
  const tlsMode = p.values.get('tls');
  if (tlsMode !== undefined && tlsMode !== 'self-signed') throw new UsageError('--tls takes the value self-signed');
  const certFile = p.values.get('tls-cert');
  const keyFile = p.values.get('tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (tlsMode !== undefined && certFile !== undefined) throw new UsageError('use either --tls self-signed or --tls-cert/--tls-key');
  if (certFile !== undefined && keyFile !== undefined) return { tls: true, mode: 'files', certFile, keyFile };
  return { tls: tlsMode !== undefined, mode: tlsMode !== undefined ? 'self-signed' : undefined };
}

/** `--origin` must name the scheme the server speaks. */
export function checkOrigin(originArg: string | undefined, tls: boolean): void {
  if (originArg === undefined) return;
  const o = originOf(originArg);
  if (!o.ok) throw new UsageError(`--origin: ${o.error.message}`);
  if ((o.value.scheme === 'https') !== tls) {
    throw new UsageError(`--origin is ${o.value.scheme} but the server speaks ${tls ? 'https' : 'http'} (add or remove --tls)`);
  }
}

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** vh of validation=tls-server-end-point for this certificate. */
  tlsVh: Uint8Array;
}

/** Read or make the certificate; an error message (not a usage error) when openssl or the PEM fails. */
export async function tlsMaterial(choice: TlsChoice, host: string, originArg: string | undefined): Promise<TlsMaterial | undefined | string> {
  let certPem: string;
  let keyPem: string;
  if (choice.mode === 'files') {
    try {
      certPem = await readFile(choice.certFile!, 'utf8');
      keyPem = await readFile(choice.keyFile!, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the TLS certificate or key: ${(e as Error).message}`);
    }
  } else if (choice.mode === 'self-signed') {
    const names = new Set(['localhost', '127.0.0.1']);
    if (!['0.0.0.0', '::'].includes(host)) names.add(host);
    if (originArg !== undefined) {
      const o = originOf(originArg);
      if (o.ok) names.add(o.value.host.replace(/^\[|\]$/g, ''));
    }
    const made = await generateSelfSigned([...names]);
    if (!made.ok) return made.error.message;
    certPem = made.value.certPem;
    keyPem = made.value.keyPem;
  } else {
    return undefined;
  }
  const vh = tlsServerEndPointVh(certPem);
  if (!vh.ok) return vh.error.message;
  return { certPem, keyPem, tlsVh: vh.value };
}

/** `--session-time` … `--max-pending` over a base (e.g. a config file's `sessions`). */
export function sessionOptions(p: ParsedArgs, base: SessionTableOptions = {}): SessionTableOptions {
  const out: SessionTableOptions = { ...base };
  const setNum = (flag: string, key: 'lifetimeSeconds' | 'ncMax' | 'ncWindow' | 'maxSessions' | 'maxPending') => {
    if (p.values.has(flag)) {
      const n = positiveInt(p, flag, 0);
      if (n < 1) throw new UsageError(`--${flag} must be at least 1`);
      out[key] = n;
    }
  };
  setNum('session-time', 'lifetimeSeconds');
  setNum('nc-max', 'ncMax');
  setNum('nc-window', 'ncWindow');
  setNum('max-sessions', 'maxSessions');
  setNum('max-pending', 'maxPending');
  const redisUrl = p.values.get('redis');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new UsageError('--redis takes a redis://host:port/db URL');
  if (redisUrl === undefined && p.values.has('redis-prefix')) throw new UsageError('--redis-prefix needs --redis');
  if (redisUrl === undefined && p.values.has('redis-key-file')) throw new UsageError('--redis-key-file needs --redis');
  if (redisUrl === undefined && p.flags.has('redis-ephemeral-key')) throw new UsageError('--redis-ephemeral-key needs --redis');
  return out;
}

/**
 * The sealer of the session secrets for `--redis`: the key of `--redis-key-file` or MUTUAL_REDIS_KEY (exactly
 * one of them), or a per-process random key with `--redis-ephemeral-key`. Usage errors, before anything
 * starts, when none or two are given or the key is malformed; a warning when the file is readable by others.
 */
export async function redisSealer(p: ParsedArgs, env: NodeJS.ProcessEnv, warn: (s: string) => void): Promise<SessionSealer | undefined> {
  if (p.values.get('redis') === undefined) return undefined;
  const file = p.values.get('redis-key-file');
  const fromEnv = env[REDIS_KEY_ENV];
  const ephemeral = p.flags.has('redis-ephemeral-key');
  const given = [file !== undefined, fromEnv !== undefined, ephemeral].filter(Boolean).length;
  if (given === 0) {
    throw new UsageError(`--redis needs the key that encrypts the session secrets in Redis: --redis-key-file FILE or ${REDIS_KEY_ENV} (${KEY_HOWTO}), or --redis-ephemeral-key for a single instance`);
  }
  if (given > 1) throw new UsageError(`give only one of --redis-key-file, ${REDIS_KEY_ENV} and --redis-ephemeral-key`);
  if (ephemeral) return SessionSealer.ephemeral();
  let text: string;
  let where: string;
  if (file !== undefined) {
    where = `--redis-key-file ${file}`;
    try {
      text = await readFile(file, 'utf8');
      if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) {
        warn(`warning: ${file} can be read by other users; chmod 600 ${file}`);
      }
    } catch (e) {
      throw new UsageError(`cannot read the Redis key file: ${(e as Error).message}`);
    }
  } else {
    where = REDIS_KEY_ENV;
    text = fromEnv ?? '';
  }
  const key = parseRedisKey(text, where);
  if (typeof key === 'string') throw new UsageError(key);
  return SessionSealer.fromKey(key);
}

/** The Redis store of `--redis`, if given: waits a few seconds for it, warns (and fails closed) if it is not there. */
export async function redisStore(p: ParsedArgs, options: SessionTableOptions, sealer: SessionSealer | undefined, io: { out: (s: string) => void; err: (s: string) => void }, command: string): Promise<RedisSessionStore | undefined> {
  const url = p.values.get('redis');
  if (url === undefined || sealer === undefined) return undefined;
  const prefix = p.values.get('redis-prefix');
  const { now: _now, random: _random, ...rest } = options;
  // One line at most a minute: a wrong key on one instance would otherwise log on every request.
  let lastWarning = -Infinity;
  const onUnreadable = (why: 'other-key' | 'altered', sidPrefix: string) => {
    const now = Date.now();
    if (now - lastWarning < 60_000) return;
    lastWarning = now;
    io.err(why === 'other-key'
      ? `mutual ${command}: warning: session ${sidPrefix}… in Redis was sealed under another key than ours (key id ${sealer.keyId}): give every instance the same --redis-key-file; its clients re-key`
      : `mutual ${command}: warning: session ${sidPrefix}… in Redis has sealed secrets that do not open (altered, or written by another version): its client re-keys`);
  };
  const store = new RedisSessionStore({ url, ...rest, sealer, onUnreadable, ...(prefix !== undefined ? { keyPrefix: prefix } : {}) });
  try {
    await store.ready(5000);
    io.out(`sessions in Redis at ${redactRedisUrl(url)}, secrets sealed with ${sealer.ephemeral ? 'a random key of this process only' : `key id ${sealer.keyId}`}`);
  } catch {
    io.err(`mutual ${command}: warning: Redis at ${redactRedisUrl(url)} is not reachable yet; protected requests get 503 until it is`);
  }
  return store;
}

/** Verifier files, merged in order (a later line for the same user replaces an earlier one). */
export async function loadVerifiers(files: readonly string[]): Promise<VerifierStore> {
  const store = new VerifierStore();
  for (const f of files) {
    const loaded = await loadVerifierFile(f);
    if (!loaded.ok) throw new UsageError(loaded.error.message);
    for (const e of loaded.value.entries()) store.add(e);
  }
  return store;
}

export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export interface Listening {
  server: http.Server;
  /** The URL of the `listening on` line. */
  url: string;
  port: number;
  /** Install the request handler (until then: 503 "starting"). */
  setApp(app: http.RequestListener): void;
  stop(): Promise<void>;
}

/** Listen first (port 0 → the real port is part of the default origin); answer 503 until the app is set. */
export async function listen(port: number, host: string, tls: TlsMaterial | undefined): Promise<Listening | string> {
  let app: http.RequestListener | undefined;
  const onRequest: http.RequestListener = (req, res) => {
    if (app) {
      app(req, res);
      return;
    }
    res.statusCode = 503;
    res.setHeader('Retry-After', '1');
    res.end('starting\n');
  };
  // 32 KiB of header section: an Authorization field over the handler's 16 KiB limit still reaches it (→ 400).
  const maxHeaderSize = 32 * 1024;
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem, maxHeaderSize }, onRequest) : http.createServer({ maxHeaderSize }, onRequest);
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  try {
    await new Promise<void>((ok, ko) => {
      server.once('error', ko);
      server.listen(port, host, () => {
        server.off('error', ko);
        ok();
      });
    });
  } catch (e) {
    return `cannot listen on ${host}:${port}: ${(e as Error).message}`;
  }
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `${tls ? 'https' : 'http'}://${hostForUrl(host)}:${actual}`,
    setApp: (a) => {
      app = a;
    },
    stop: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Resolves on SIGINT, SIGTERM or the abort signal. */
export function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      signal?.removeEventListener('abort', finish);
      done();
    };
    if (signal?.aborted) {
      finish();
      return;
    }
    signal?.addEventListener('abort', finish, { once: true });
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });
}
