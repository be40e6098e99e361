/**
 * `mutual proxy`: put Mutual authentication in front of an existing site (src/server/proxy.ts).
 *
 *     mutual proxy --listen 127.0.0.1:8443 --upstream http://127.0.0.1:3000 --realm R --algorithm A \
 *       --verifiers FILE [--paths /admin/,/account/] [--redis URL] [--tls …] [--user-header X-Mutual-User]
 *
 * Prints `listening on <url>` once it accepts requests; one log line per request; stops on SIGINT/SIGTERM.
 */
import { ALGORITHM_NAMES } from '../crypto/algorithms.ts';
import { originOf } from '../protocol/realm.ts';
import { isAlgorithmName } from '../server/config.ts';
import type { ProtectedArea } from '../server/decision.ts';
import { addonNotice } from '../server/ec-addon.ts';
import { createMutualProxy } from '../server/proxy.ts';
import type { SessionStore } from '../server/session-store.ts';
import { parseArgs, positiveInt, required, UsageError } from './args.ts';
import {
  checkOrigin, hostForUrl, listen, loadVerifiers, redisSealer, redisStore, SESSION_FLAGS, SESSION_HELP, SESSION_OPTIONS, sessionOptions, TLS_HELP, TLS_OPTIONS,
  tlsChoice, tlsMaterial, untilStopped,
} from './server-options.ts';

export interface ProxyIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Where MUTUAL_REDIS_KEY is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onListening?: (url: string) => void;
}

const HELP = `mutual proxy --upstream URL --realm R --algorithm A --verifiers FILE [options]

  a reverse proxy that requires Mutual authentication for the given paths of the site at --upstream,
  streams bodies both ways and passes the authenticated user upstream in a header field

  --listen HOST:PORT              where to listen (default 127.0.0.1:8443; port 0 picks a free one)
  --upstream URL                  the site behind the proxy, e.g. http://127.0.0.1:3000
  --realm R --algorithm A         the protection space (algorithms: ${ALGORITHM_NAMES.join(', ')})
  --verifiers FILE                verifier file written by \`mutual verifier --file FILE\`
  --paths P1,P2                   protected path prefixes (default /: the whole site)
  --origin URL                    the public origin clients use: vh and auth-scope come from it (default: the listen URL)
  --user-header NAME              header field with the user, percent-encoded UTF-8 (default X-Mutual-User);
                                  always removed from what clients send
  --upstream-timeout S            seconds to wait for the upstream's response header (default 60)
  --status-path PATH|off          JSON counters (default /.well-known/mutual-status)
  --unknown-users fake|user-unknown
${TLS_HELP}${SESSION_HELP}  --quiet                         no per-request log lines
`;

/** `host:port`, `[v6]:port` or `:port`. */
function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new UsageError(`--listen takes HOST:PORT, got ${JSON.stringify(s)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError('--listen: the port must be at most 65535');
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function proxyCommand(argv: string[], io: ProxyIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.stderr ?? ((s: string) => process.stderr.write(`${s}\n`));
  const p = parseArgs(argv, {
    values: [
      'listen', 'upstream', 'realm', 'algorithm', 'verifiers', 'paths', 'origin', 'user-header', 'upstream-timeout', 'status-path',
      'unknown-users', ...TLS_OPTIONS, ...SESSION_OPTIONS,
    ],
    flags: ['quiet', 'help', ...SESSION_FLAGS],
  });
  if (p.flags.has('help')) {
    out(HELP);
    return 0;
  }
  if (p.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])}`);
  const { host, port } = parseListen(p.values.get('listen') ?? '127.0.0.1:8443');
  const upstream = required(p, 'upstream');
  const realm = required(p, 'realm');
  const algorithm = required(p, 'algorithm');
  if (!isAlgorithmName(algorithm)) throw new UsageError(`unknown algorithm ${JSON.stringify(algorithm)}; use one of ${ALGORITHM_NAMES.join(', ')}`);
  const verifierFile = required(p, 'verifiers');
  const paths = (p.values.get('paths') ?? '/').split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (paths.length === 0 || !paths.every((x) => /^\/[\x21-\x7e]*$/.test(x))) throw new UsageError('--paths takes absolute paths separated by commas, e.g. /admin/,/account/');
  const unknownUsers = p.values.get('unknown-users');
  if (unknownUsers !== undefined && unknownUsers !== 'fake' && unknownUsers !== 'user-unknown') throw new UsageError('--unknown-users must be fake or user-unknown');
  const statusArg = p.values.get('status-path');
  if (statusArg !== undefined && statusArg !== 'off' && !statusArg.startsWith('/')) throw new UsageError('--status-path takes a path or off');
  const timeoutS = positiveInt(p, 'upstream-timeout', 60);
  if (timeoutS < 1) throw new UsageError('--upstream-timeout must be at least 1');
  const tlsOpt = tlsChoice(p);
  const originArg = p.values.get('origin');
  checkOrigin(originArg, tlsOpt.tls);
  const settings = sessionOptions(p);
  const sealer = await redisSealer(p, io.env ?? process.env, (s) => err(`mutual proxy: ${s}`));
  const verifiers = await loadVerifiers([verifierFile]);

  const material = await tlsMaterial(tlsOpt, host, originArg);
  if (typeof material === 'string') {
    err(`mutual proxy: ${material}`);
    return 1;
  }
  const listening = await listen(port, host, material);
  if (typeof listening === 'string') {
    err(`mutual proxy: ${listening}`);
    return 1;
  }
  const bindHost = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
  const origin = originArg ?? `${tlsOpt.tls ? 'https' : 'http'}://${hostForUrl(bindHost)}:${listening.port}`;
  let sessions: SessionStore | undefined;
  let proxy: ReturnType<typeof createMutualProxy> | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  try {
    const o = originOf(origin);
    if (!o.ok) throw new UsageError(`origin ${origin}: ${o.error.message}`);
    const areas: ProtectedArea[] = paths.map((path) => ({ path, realm, algorithm }));
    if (verifiers.usersOf({ algorithm, authScope: origin, realm }).length === 0) {
      err(`mutual proxy: warning: no verifier for realm "${realm}" (${algorithm}, auth-scope ${origin}); every login fails`);
    }
    sessions = await redisStore(p, settings, sealer, { out, err }, 'proxy');
    proxy = createMutualProxy({
      origin,
      areas,
      verifiers,
      upstream,
      upstreamTimeoutMs: timeoutS * 1000,
      sessions: sessions ?? settings,
      ...(material ? { tlsVh: material.tlsVh } : {}),
      ...(unknownUsers !== undefined ? { unknownUsers } : {}),
      ...(p.values.has('user-header') ? { userHeader: p.values.get('user-header')! } : {}),
      ...(statusArg !== undefined ? { statusPath: statusArg === 'off' ? false : statusArg } : {}),
      ...(p.flags.has('quiet') ? {} : { log: (line: string) => out(line) }),
    });
    listening.setApp(proxy);
    const store = proxy.decider.store;
    sweeper = setInterval(() => {
      Promise.resolve(store.sweep()).catch(() => undefined);
    }, 60_000);
    sweeper.unref();
    if (origin !== listening.url) out(`origin ${origin} (vh and auth-scope come from it)`);
    out(`protecting ${paths.join(', ')} of ${upstream} with realm "${realm}" (${algorithm}), validation=${proxy.decider.validation}`);
    const notice = addonNotice([algorithm]);
    if (notice) err(`mutual proxy: ${notice}`);
    out(`listening on ${listening.url}`);
    io.onListening?.(listening.url);
  } catch (e) {
    await listening.stop();
    await sessions?.close();
    if (e instanceof UsageError) throw e;
    err(`mutual proxy: ${(e as Error).message}`);
    return 1;
  }
  await untilStopped(io.signal);
  if (sweeper) clearInterval(sweeper);
  await listening.stop();
  proxy.close();
  await sessions?.close();
  return 0;
}
