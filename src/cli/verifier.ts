/**
 * `mutual verifier --algorithm A --realm R --user U --auth-scope S [--file F]`: what a site operator stores
 * for a user (RFC 8121 J(pi)), from a password read on standard input. The counterpart of htpasswd.
 */
import { ALGORITHM_NAMES, getAlgorithm } from '../crypto/algorithms.ts';
import { derivePi, verifierJ } from '../crypto/derive.ts';
import { bytesToHex, wipe } from '../bytes.ts';
import { parseAuthScope } from '../protocol/realm.ts';
import { preparePassword, prepareUsername } from '../protocol/stringprep.ts';
import { parseArgs, readSecretFromStdin, required, UsageError } from './args.ts';

export interface VerifierEntry {
  algorithm: string;
  auth_scope: string;
  realm: string;
  user: string;
  /** Lowercase hex of OCTETS(J). */
  J: string;
}

/** Derive the verifier entry for one user (username and password are prepared per RFC 8120 §9 here). */
export async function makeVerifier(opts: { algorithm: string; realm: string; user: string; authScope: string; password: string }): Promise<VerifierEntry> {
  const alg = getAlgorithm(opts.algorithm);
  if (!alg) throw new UsageError(`unknown algorithm ${JSON.stringify(opts.algorithm)}; use one of ${ALGORITHM_NAMES.join(', ')}`);
  const scope = parseAuthScope(opts.authScope);
  if (!scope.ok) throw new UsageError(scope.error.message);
  const user = prepareUsername(opts.user);
  if (!user.ok) throw new UsageError(`username: ${user.error.message}`);
  const password = preparePassword(opts.password);
  if (!password.ok) throw new UsageError(`password: ${password.error.message}`);
  const pi = await derivePi({ algorithm: alg.name, authScope: opts.authScope, realm: opts.realm, username: user.value, password: password.value });
  const J = verifierJ(alg, pi);
  wipe(pi);
  return { algorithm: alg.name, auth_scope: opts.authScope, realm: opts.realm, user: user.value, J: bytesToHex(J) };
}

export type AppendVerifier = (file: string, entry: VerifierEntry) => Promise<void>;

export async function verifierCommand(argv: string[], io: { stdout: (s: string) => void; append: AppendVerifier }): Promise<number> {
  const p = parseArgs(argv, { values: ['algorithm', 'realm', 'user', 'auth-scope', 'file'], flags: [] });
  if (p.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])}`);
  const password = await readSecretFromStdin();
  if (password === '') throw new UsageError('no password on standard input (pipe it in, e.g. `printf %s "$PW" | mutual verifier …`)');
  const entry = await makeVerifier({
    algorithm: required(p, 'algorithm'),
    realm: required(p, 'realm'),
    user: required(p, 'user'),
    authScope: required(p, 'auth-scope'),
    password,
  });
  const file = p.values.get('file');
  if (file !== undefined) await io.append(file, entry);
  io.stdout(JSON.stringify(entry));
  return 0;
}
