/**
 * `mutual fetch URL --user U [--requests N] [--verbose] [--insecure] [--allow-host-validation]`: log in with the
 * password on standard
 * input, verify the server's vks on every response, then make N more requests in the same session. Exit 0
 * only when every response authenticated the server.
 */
import { webRandom } from '../bytes.ts';
import { MutualClient, type ClientAction, type LoginRequest } from '../protocol/client.ts';
import { prepareCredential } from '../protocol/credentials.ts';
import type { SessionStatus } from '../protocol/state.ts';
import { parseArgs, positiveInt, readSecretFromStdin, required, UsageError } from './args.ts';
import { exchange } from './http-exchange.ts';

/** Exit codes, documented in the README. */
export const EXIT = { ok: 0, usage: 1, credentialsRefused: 2, serverFailed: 3, network: 4, notAuthenticated: 5 } as const;

export interface FetchIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  password: () => Promise<string>;
}

interface Outcome {
  action: ClientAction;
  status: number;
  body: Buffer;
  /** Whether the password was sent (as a key exchange) during this request. */
  supplied: boolean;
}

/** The server could not be reached (exit 4); every other failure has its own exit code. */
class NetworkError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Node's codes for a certificate no trusted authority signed (a self-signed test or demo server). */
const UNTRUSTED_CERTIFICATE = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

export async function fetchCommand(argv: string[], io: Partial<FetchIo> & Pick<FetchIo, 'stdout' | 'stderr'>): Promise<number> {
  const p = parseArgs(argv, { values: ['user', 'requests'], flags: ['verbose', 'insecure', 'allow-host-validation'] });
  if (p.positional.length !== 1) throw new UsageError('give exactly one URL');
  let url: URL;
  try {
    url = new URL(p.positional[0]!);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(p.positional[0])}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`only http and https URLs are supported, not ${url.protocol}`);
  const user = required(p, 'user');
  const more = positiveInt(p, 'requests', 0);
  const verbose = p.flags.has('verbose');
  const insecure = p.flags.has('insecure');
  const password = await (io.password ?? (() => readSecretFromStdin()))();
  const log = (s: string) => {
    if (verbose) io.stderr(s);
  };

  // docs/protocol-decisions.md §3.7: validation=host over HTTPS only when the user explicitly allows it.
  const allowHost = p.flags.has('allow-host-validation');
  const client = new MutualClient({ random: webRandom, now: Date.now, allowHostValidationOverHttps: () => allowHost });

  /** Run one user-level request to completion through the engine; the password answers one prompt. */
  const run = async (): Promise<Outcome> => {
    let { seq, action } = client.beginRequest(url.href);
    let status = 0;
    let body: Buffer = Buffer.alloc(0);
    let supplied = false;
    for (let hops = 0; hops < 8; hops++) {
      if (action.type === 'send') {
        log(`> GET ${url.href}${action.authorization ? `\n> Authorization: ${action.authorization}` : ''}`);
        let res;
        try {
          res = await exchange(url, { ...(action.authorization !== undefined ? { authorization: action.authorization } : {}), insecure });
        } catch (e) {
          const code = (e as { code?: unknown } | null)?.code;
          throw new NetworkError(e instanceof Error ? e.message : String(e), typeof code === 'string' ? code : undefined);
        }
        status = res.status;
        body = res.body;
        log(`< ${res.status}${Object.entries(res.raw)
          .filter(([k]) => ['www-authenticate', 'authentication-info', 'optional-www-authenticate', 'authentication-control'].includes(k))
          .map(([k, v]) => v.map((x) => `\n< ${k}: ${x}`).join(''))
          .join('')}`);
        action = client.handleResponse(seq, res);
        continue;
      }
      // RFC 8053 §3: an optional-authentication page means the same as a 401-INIT for a client that wants to
      // log in — and this command was asked to log in.
      if (action.type === 'unauthenticated' && action.loginAvailable && !supplied) {
        action = { type: 'login-required', login: { ...action.loginAvailable, interactive: true } };
        continue;
      }
      if (action.type === 'login-required' && !supplied) {
        supplied = true;
        const login: LoginRequest = action.login;
        log(`* realm "${login.realm.realm}" (${login.realm.algorithm}, auth-scope ${login.realm.authScope}): deriving the key…`);
        const cred = await prepareCredential(login.realm, user, password);
        if (!cred.ok) throw new UsageError(cred.error.message);
        client.addCredential(cred.value);
        action = client.resume(seq, login);
        continue;
      }
      return { action, status, body, supplied };
    }
    return { action, status, body, supplied };
  };

  const summary: {
    url: string; status: number; algorithm?: string; realm?: string; user?: string; sid?: string;
    requests: number; verified: number; nonces: number[];
  } = { url: url.href, status: 0, requests: 0, verified: 0, nonces: [] };
  let last: SessionStatus | undefined;

  for (let i = 0; i <= more; i++) {
    let out: Outcome;
    try {
      out = await run();
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      const hint = e.code !== undefined && UNTRUSTED_CERTIFICATE.has(e.code)
        ? `\nThe server's certificate is not signed by an authority this machine trusts (${e.code}). If it is your own test server` +
          ' (e.g. `mutual serve --tls self-signed`), add --insecure to accept it; tls-server-end-point still binds the login to it.'
        : '';
      io.stderr(`mutual fetch: could not reach ${url.origin}: ${e.message}${hint}`);
      return EXIT.network;
    }
    summary.requests++;
    summary.status = out.status;
    const a = out.action;
    switch (a.type) {
      case 'verified':
        summary.verified++;
        summary.nonces.push(a.nc);
        last = a.session;
        log(`* server verified (sid ${a.session.sid ?? '?'}, nc ${a.nc})`);
        if (a.loggedOut && i < more) {
          io.stderr(`mutual fetch: the server logged this session out (logout-timeout=0); stopping after ${summary.requests} request(s)`);
          i = more;
        }
        break;
      case 'server-failed':
        io.stderr(`mutual fetch: SERVER AUTHENTICATION FAILED at ${url.origin}: ${a.error.message}\n` +
          'The server did not prove that it knows your password verifier. Do not trust this site with your password.');
        return EXIT.serverFailed;
      case 'login-required':
        if (out.supplied && a.login.reason === 'auth-failed') {
          io.stderr(`mutual fetch: ${url.origin} rejected the username or password for realm "${a.login.realm.realm}" (reason: ${a.login.serverReason}). Check them and try again.`);
          return EXIT.credentialsRefused;
        }
        io.stderr(`mutual fetch: ${url.origin} asks to log in again to realm "${a.login.realm.realm}" (reason: ${a.login.serverReason}) after a login in this request; giving up rather than looping`);
        return EXIT.notAuthenticated;
      case 'unauthenticated':
        io.stderr(a.serverError
          ? `mutual fetch: ${url.origin} answered ${out.status} without authentication (a server error); nothing was verified`
          : `mutual fetch: ${url.href} did not ask for Mutual authentication (status ${out.status}); nothing was verified`);
        return EXIT.notAuthenticated;
      case 'declined':
        io.stderr(`mutual fetch: ${url.origin}: ${a.error.message}`);
        return EXIT.notAuthenticated;
      case 'send':
        io.stderr(`mutual fetch: ${url.origin}: too many round trips for one request`);
        return EXIT.serverFailed;
    }
  }
  if (last) {
    summary.algorithm = last.realm.algorithm;
    summary.realm = last.realm.realm;
    summary.user = last.username;
    if (last.sid !== undefined) summary.sid = last.sid;
  }
  io.stdout(JSON.stringify(summary));
  return EXIT.ok;
}
