/**
 * `mutual verifier --algorithm A --realm R --user U --auth-scope S [--file F]`: what a site operator stores
 * for a user (RFC 8121 J(pi)), from a password read on standard input. The counterpart of htpasswd.
 * Username and password are prepared as RFC 8120 §9 says (in makeVerifier).
 */
import { ALGORITHM_NAMES, getAlgorithm } from '../crypto/algorithms.ts';
import { makeVerifier, recordOf, type VerifierRecord } from '../server/verifier-file.ts';
import { parseArgs, readSecretFromStdin, required, UsageError } from './args.ts';

export type AppendVerifier = (file: string, record: VerifierRecord) => Promise<void>;

export async function verifierCommand(argv: string[], io: { stdout: (s: string) => void; append: AppendVerifier }): Promise<number> {
  const p = parseArgs(argv, { values: ['algorithm', 'realm', 'user', 'auth-scope', 'file'], flags: [] });
  if (p.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positional[0])}`);
  const algorithm = getAlgorithm(required(p, 'algorithm'));
  if (!algorithm) {
    throw new UsageError(`unknown algorithm ${JSON.stringify(p.values.get('algorithm'))}; use one of ${ALGORITHM_NAMES.join(', ')}`);
  }
  const realm = required(p, 'realm');
  const user = required(p, 'user');
  const authScope = required(p, 'auth-scope');
  const password = await readSecretFromStdin();
  if (password === '') throw new UsageError('no password on standard input (pipe it in, e.g. `printf %s "$PW" | mutual verifier …`)');
  const entry = await makeVerifier({ algorithm: algorithm.name, authScope, realm, username: user, password });
  if (!entry.ok) throw new UsageError(entry.error.message);
  const record = recordOf(entry.value);
  const file = p.values.get('file');
  if (file !== undefined) await io.append(file, record);
  io.stdout(JSON.stringify(record));
  return 0;
}
