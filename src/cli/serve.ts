/**
 * `mutual serve`: the demo Mutual site (no files given), a site from `--config FILE`, or one protected area
 * for scripts and tests (`--origin URL --realm R --algorithm A --verifiers FILE` → `/private/`), over HTTP
 * (validation=host) or HTTPS (validation=tls-server-end-point, vh from the server's own certificate).
 * Prints `listening on <url>` once it accepts requests; one log line per request; stops on SIGINT/SIGTERM.
 */
import type http from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ALGORITHM_NAMES } from '../crypto/algorithms.ts';
import { webRandom } from '../bytes.ts';
import { originOf, singleServerScope } from '../protocol/realm.ts';
import { parseArgs, positiveInt, UsageError } from './args.ts';
import {
  demoAreas, demoUsers, isAlgorithmName, parseServerConfig, singleArea, type ServerConfig,
} from '../server/config.ts';
import { createDemoSite } from '../server/demo-site.ts';
import { addonNotice } from '../server/ec-addon.ts';
import { createMutualHandler, MISBEHAVIOURS, type Misbehaviour, type ProtectedArea } from '../server/handler.ts';
import { makeVerifier } from '../server/verifier-file.ts';
import type { SessionStore } from '../server/session-store.ts';
import {
  checkOrigin, listen, loadVerifiers, redisSealer, redisStore, SESSION_FLAGS, SESSION_HELP, SESSION_OPTIONS, sessionOptions, TLS_HELP, TLS_OPTIONS, tlsChoice,
  tlsMaterial, untilStopped, hostForUrl,
} from './server-options.ts';

export interface ServeIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Where MUTUAL_REDIS_KEY is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Stops the server (tests); SIGINT and SIGTERM do the same for the command line. */
  signal?: AbortSignal;
  /** Called once listening, with the URL printed in the `listening on` line. */
  onListening?: (url: string) => void;
}

const HELP = `mutual serve [options]

  (no files)                      the demo site: /p256/ /p521/ /dl2048/ /dl4096/ /optional/, demo users printed below
  --config FILE                   a site from a JSON configuration (see src/server/config.ts)
  --realm R --algorithm A --verifiers FILE
                                  single-area mode: only /private/ (a page with 40 protected subresources)
  --port P                        TCP port (default 8080; 0 picks a free port)
  --host H                        address to listen on (default 127.0.0.1)
  --origin URL                    the public origin: vh and auth-scope come from it, never from Host
                                  (default http(s)://<host>:<port>)
  --auth-scope S                  auth-scope of the single area (default: the single-server scope of --origin)
  --verifiers FILE                verifier file written by \`mutual verifier --file FILE\`
${TLS_HELP}  --demo-password P               the same password for every demo user (default: random, printed)
  --unknown-users fake|user-unknown
                                  unknown users get a fake key exchange (default) or reason=user-unknown
${SESSION_HELP}  --misbehave X                   TEST ONLY: ${MISBEHAVIOURS.join(' | ')}
  --quiet                         no per-request log lines
`;

export async function serveCommand(argv: string[], io: ServeIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.stderr ?? ((s: string) => process.stderr.write(`${s}\n`));
  const p = parseArgs(argv, {
    values: [
      'port', 'host', 'origin', 'verifiers', 'config', 'realm', 'algorithm', 'auth-scope', ...TLS_OPTIONS,
      'misbehave', 'unknown-users', 'demo-password', ...SESSION_OPTIONS,
    ],
    flags: ['quiet', 'help', ...SESSION_FLAGS],
  });
  if (p.flags.has('help')) {
    out(HELP);
    return 0;
  }
  if (p.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])}`);
  const port = positiveInt(p, 'port', 8080);
  if (port > 65535) throw new UsageError('--port must be at most 65535');
  const host = p.values.get('host') ?? '127.0.0.1';
  const realm = p.values.get('realm');
  const algorithm = p.values.get('algorithm');
  const single = realm !== undefined || algorithm !== undefined;
  if (single) {
    if (realm === undefined || algorithm === undefined) throw new UsageError('single-area mode needs both --realm and --algorithm');
    if (!isAlgorithmName(algorithm)) throw new UsageError(`unknown algorithm ${JSON.stringify(algorithm)}; use one of ${ALGORITHM_NAMES.join(', ')}`);
    if (!p.values.has('verifiers')) throw new UsageError('single-area mode needs --verifiers FILE');
    if (p.values.has('config')) throw new UsageError('--config cannot be combined with --realm/--algorithm');
  } else if (p.values.has('auth-scope')) {
    throw new UsageError('--auth-scope is for single-area mode (--realm, --algorithm)');
  }
  const misbehave = p.values.get('misbehave');
  if (misbehave !== undefined && !(MISBEHAVIOURS as readonly string[]).includes(misbehave)) {
    throw new UsageError(`--misbehave must be one of ${MISBEHAVIOURS.join(', ')}`);
  }
  const unknownUsers = p.values.get('unknown-users');
  if (unknownUsers !== undefined && unknownUsers !== 'fake' && unknownUsers !== 'user-unknown') {
    throw new UsageError('--unknown-users must be fake or user-unknown');
  }
  const tlsOpt = tlsChoice(p);
  const tls = tlsOpt.tls;
  const originArg = p.values.get('origin');
  checkOrigin(originArg, tls);

  // ---- configuration
  let config: ServerConfig | undefined;
  const configFile = p.values.get('config');
  if (configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(configFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${configFile}: ${(e as Error).message}`);
    }
    const c = parseServerConfig(text, configFile);
    if (!c.ok) throw new UsageError(c.error.message);
    config = c.value;
  }
  const sessionSettings = sessionOptions(p, config?.sessions ?? {});
  const sealer = await redisSealer(p, io.env ?? process.env, (s) => err(`mutual serve: ${s}`));

  const verifierFiles: string[] = [];
  if (config?.verifiers !== undefined && configFile !== undefined) verifierFiles.push(resolve(dirname(configFile), config.verifiers));
  const vf = p.values.get('verifiers');
  if (vf !== undefined) verifierFiles.push(vf);
  const store = await loadVerifiers(verifierFiles);

  // ---- TLS, then listen first (port 0 → the real port is part of the default origin), answer 503 until ready
  const material = await tlsMaterial(tlsOpt, host, originArg);
  if (typeof material === 'string') {
    err(`mutual serve: ${material}`);
    return 1;
  }
  const tlsVh = material?.tlsVh;
  const listening = await listen(port, host, material);
  if (typeof listening === 'string') {
    err(`mutual serve: ${listening}`);
    return 1;
  }
  const scheme = tls ? 'https' : 'http';
  const listenUrl = listening.url;
  const bindHostForOrigin = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
  const origin = originArg ?? config?.origin ?? `${scheme}://${hostForUrl(bindHostForOrigin)}:${listening.port}`;
  const stop = listening.stop;

  let sweeper: NodeJS.Timeout | undefined;
  let sessions: SessionStore | undefined;
  try {
    const o = originOf(origin);
    if (!o.ok) throw new UsageError(`origin ${origin}: ${o.error.message}`);
    const defaultScope = singleServerScope(o.value);
    let areas: ProtectedArea[];
    let users: Array<{ user: string; password: string }> = [];
    if (single) {
      areas = singleArea(realm!, algorithm as typeof ALGORITHM_NAMES[number], p.values.get('auth-scope'));
    } else if (config) {
      areas = config.areas;
      users = config.demoUsers ?? [];
    } else {
      areas = demoAreas();
      if (verifierFiles.length === 0) users = demoUsers(webRandom, p.values.get('demo-password'));
    }
    // Demo users: verifiers derived now, for every protection space (the passwords live only in memory).
    const spaces = new Map<string, { algorithm: ProtectedArea['algorithm']; authScope: string; realm: string }>();
    for (const a of areas) {
      const s = { algorithm: a.algorithm, authScope: a.authScope ?? defaultScope, realm: a.realm };
      spaces.set(JSON.stringify(s), s);
    }
    for (const u of users) {
      for (const s of spaces.values()) {
        const v = await makeVerifier({ ...s, username: u.user, password: u.password });
        if (!v.ok) throw new UsageError(`demo user ${JSON.stringify(u.user)}: ${v.error.message}`);
        store.add(v.value);
      }
    }
    for (const s of spaces.values()) {
      if (store.usersOf(s).length === 0) {
        err(`mutual serve: warning: no verifier for realm "${s.realm}" (${s.algorithm}, auth-scope ${s.authScope}); every login there fails`);
      }
    }
    if (misbehave !== undefined) err(`mutual serve: WARNING: --misbehave ${misbehave} (TEST ONLY): this server breaks the protocol on purpose`);

    const quiet = p.flags.has('quiet');
    sessions = await redisStore(p, sessionSettings, sealer, { out, err }, 'serve');
    const handler = createMutualHandler({
      origin,
      areas,
      verifiers: store,
      sessions: sessions ?? sessionSettings,
      ...(tlsVh ? { tlsVh } : {}),
      ...(unknownUsers !== undefined ? { unknownUsers } : (config?.unknownUsers ? { unknownUsers: config.unknownUsers } : {})),
      ...(quiet ? {} : { log: (line: string) => out(line) }),
      ...(misbehave !== undefined ? { misbehave: misbehave as Misbehaviour } : {}),
    });
    const usersNote =
      users.length > 0
        ? `${users.map((u) => u.user).join(', ')} — the passwords are printed in the server's console.`
        : 'the users of the verifier file.';
    const site = createDemoSite({ areas, mode: single ? 'single' : 'demo', usersNote, statusPath: '/.well-known/mutual-status' });
    listening.setApp((req: http.IncomingMessage, res: http.ServerResponse) => handler(req, res, () => site(req, res)));
    sweeper = setInterval(() => {
      Promise.resolve(handler.store.sweep()).catch(() => undefined);
    }, 60_000);
    sweeper.unref();

    if (users.length > 0) {
      out('demo users (every realm):');
      for (const u of users) out(`  ${u.user} / ${u.password}`);
    }
    if (origin !== listenUrl) out(`origin ${origin} (vh and auth-scope come from it)`);
    out(`validation=${handler.validation}${single ? `, realm "${realm}" (${algorithm}) at /private/` : ''}`);
    const notice = addonNotice(areas.map((a) => a.algorithm));
    if (notice) err(`mutual serve: ${notice}`);
    out(`listening on ${listenUrl}`);
    io.onListening?.(listenUrl);
  } catch (e) {
    await stop();
    await sessions?.close();
    if (e instanceof UsageError) throw e;
    err(`mutual serve: ${(e as Error).message}`);
    return 1;
  }

  await untilStopped(io.signal);
  if (sweeper) clearInterval(sweeper);
  await stop();
  await sessions?.close();
  return 0;
}
