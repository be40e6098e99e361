/**
 * The verifier file: what a Mutual server stores per user instead of a password (RFC 8120 §12: the
 * server-side credential J(pi); RFC 8121 §3). Written by `mutual verifier --file F` (which appends) and
 * read by `mutual serve --verifiers F` / `loadVerifierFile`.
 *
 * Format (UTF-8 text, one verifier per line):
 *
 *     # comment lines start with '#'; blank lines are ignored
 *     <algorithm> TAB <auth-scope> TAB <realm> TAB <user> TAB <J>
 *
 * - algorithm: one of the four RFC 8121 names;
 * - auth-scope: the auth-scope string that went into pi (RFC 8120 §5; the server sends it verbatim);
 * - realm, user: the realm and the username as prepared (RFC 8120 §9, UsernameCasePreserved), literal UTF-8,
 *   except that '%', TAB, CR, LF and the other ASCII control characters are written as %XX (upper-case hex
 *   of the UTF-8 octet) — the only escapes; a reader decodes every %XX;
 * - J: lower-case hex of OCTETS(J), the natural length of a group element of the algorithm.
 *
 * The password is never in the file, nor is pi. A later line for the same (algorithm, auth-scope, realm,
 * user) replaces an earlier one, so appending a new line changes a user's password.
 */
import { readFile, appendFile } from 'node:fs/promises';
import { getAlgorithm, type AlgorithmName } from '../crypto/algorithms.ts';
import { verifierJ } from '../crypto/derive.ts';
import { preparedPi } from '../protocol/credentials.ts';
import { checkElement } from '../crypto/kam3.ts';
import { prepareUsername } from '../protocol/stringprep.ts';
import { parseAuthScope } from '../protocol/realm.ts';
import { bytesToHex, hexToBytes, wipe } from '../bytes.ts';
import { fail, ok, type Result } from '../errors.ts';
import type { RealmTriple } from './session-table.ts';

export interface VerifierEntry extends RealmTriple {
  /** The prepared username (RFC 8120 §9). */
  readonly user: string;
  /** OCTETS(J). */
  readonly J: Uint8Array;
}

/** Lone surrogates cannot be written as UTF-8 (they would silently become U+FFFD). */
const LONE_SURROGATE = /\p{Cs}/u;
// eslint-disable-next-line no-control-regex
const ESCAPED = /[\u0000-\u001f\u007f%]/g;

function escapeField(s: string): string {
  return s.replace(ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function unescapeField(s: string): string | undefined {
  if (!s.includes('%')) return s;
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function checkEntry(e: {
  algorithm: string;
  authScope: string;
  realm: string;
  user: string;
  J: Uint8Array;
}): Result<VerifierEntry> {
  const alg = getAlgorithm(e.algorithm);
  if (!alg) return fail('ERR_MUTUAL_UNSUPPORTED', `unknown algorithm ${JSON.stringify(e.algorithm.slice(0, 60))}`);
  const scope = parseAuthScope(e.authScope);
  if (!scope.ok) return scope;
  if (LONE_SURROGATE.test(e.realm) || LONE_SURROGATE.test(e.user)) {
    return fail('ERR_MUTUAL_STRINGPREP', 'realm and user must be valid Unicode (no lone surrogates)');
  }
  if (e.realm.length > 1024) return fail('ERR_MUTUAL_LIMIT', 'the realm is longer than 1024 characters');
  const prepared = prepareUsername(e.user);
  if (!prepared.ok) return fail('ERR_MUTUAL_STRINGPREP', `user ${JSON.stringify(e.user)}: ${prepared.error.message}`);
  if (prepared.value !== e.user) {
    return fail(
      'ERR_MUTUAL_STRINGPREP',
      `user ${JSON.stringify(e.user)} is not prepared (RFC 8120 §9 gives ${JSON.stringify(prepared.value)}); clients send prepared names`,
    );
  }
  if (e.J.length !== alg.elementLength) {
    return fail('ERR_MUTUAL_ENCODING', `J has ${e.J.length} octets, expected ${alg.elementLength} for ${alg.name}`);
  }
  const el = checkElement(alg, e.J, 'J');
  if (!el.ok) return el;
  return ok({ algorithm: alg.name, authScope: e.authScope, realm: e.realm, user: e.user, J: e.J });
}

/** One line of the file (without the newline) for an entry; refuses entries the reader would refuse. */
export function formatVerifierLine(e: VerifierEntry): Result<string> {
  const checked = checkEntry(e);
  if (!checked.ok) return checked;
  return ok([e.algorithm, escapeField(e.authScope), escapeField(e.realm), escapeField(e.user), bytesToHex(e.J)].join('\t'));
}

/** The header written at the top of a new file. */
export const VERIFIER_FILE_HEADER =
  '# Mutual authentication verifiers (RFC 8120/8121): no passwords here, only J(pi).\n' +
  '# algorithm<TAB>auth-scope<TAB>realm<TAB>user<TAB>J (hex of OCTETS(J)); %XX escapes %, TAB and controls.\n';

/** Parse a whole verifier file. Total: any text gives entries or an error that names the line. */
export function parseVerifierFile(text: string, fileName = 'verifiers'): Result<VerifierEntry[]> {
  const out: VerifierEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${fileName}:${i + 1}`;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    if (fields.length !== 5) {
      return fail('ERR_MUTUAL_SYNTAX', `${where}: expected 5 tab-separated fields (algorithm, auth-scope, realm, user, J), found ${fields.length}`);
    }
    const [algorithm, scopeText, realmText, userText, jHex] = fields as [string, string, string, string, string];
    const authScope = unescapeField(scopeText);
    const realm = unescapeField(realmText);
    const user = unescapeField(userText);
    if (authScope === undefined || realm === undefined || user === undefined) {
      return fail('ERR_MUTUAL_SYNTAX', `${where}: a %XX escape is malformed or not UTF-8`);
    }
    const J = /^[0-9a-fA-F]*$/.test(jHex) ? hexToBytes(jHex) : undefined;
    if (!J) return fail('ERR_MUTUAL_ENCODING', `${where}: J is not an even number of hex digits`);
    const e = checkEntry({ algorithm, authScope, realm, user, J });
    if (!e.ok) return fail(e.error.code, `${where}: ${e.error.message}`);
    out.push(e.value);
  }
  return ok(out);
}

function entryKey(space: RealmTriple, user: string): string {
  return JSON.stringify([space.algorithm, space.authScope, space.realm, user]);
}

/** The verifiers a server knows, looked up by protection space and user. */
export class VerifierStore {
  private readonly map = new Map<string, VerifierEntry>();

  constructor(entries: Iterable<VerifierEntry> = []) {
    for (const e of entries) this.add(e);
  }

  /** Add or replace (a later entry for the same user and realm wins). */
  add(e: VerifierEntry): void {
    this.map.set(entryKey(e, e.user), e);
  }

  lookup(space: RealmTriple, user: string): VerifierEntry | undefined {
    return this.map.get(entryKey(space, user));
  }

  /** Users of one protection space. */
  usersOf(space: RealmTriple): string[] {
    return [...this.map.values()]
      .filter((e) => e.algorithm === space.algorithm && e.authScope === space.authScope && e.realm === space.realm)
      .map((e) => e.user);
  }

  entries(): VerifierEntry[] {
    return [...this.map.values()];
  }

  get size(): number {
    return this.map.size;
  }
}

/** Read a verifier file from disk. */
export async function loadVerifierFile(path: string): Promise<Result<VerifierStore>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return fail('ERR_MUTUAL_ARGUMENT', `cannot read ${path}: ${(e as Error).message}`);
  }
  const parsed = parseVerifierFile(text, path);
  if (!parsed.ok) return parsed;
  return ok(new VerifierStore(parsed.value));
}

/** Append one entry to a verifier file (creating it with a header comment if it does not exist). */
export async function appendVerifier(path: string, e: VerifierEntry): Promise<Result<void>> {
  const line = formatVerifierLine(e);
  if (!line.ok) return line;
  let existing = '';
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    existing = '';
  }
  const prefix = existing === '' ? VERIFIER_FILE_HEADER : existing.endsWith('\n') ? '' : '\n';
  try {
    await appendFile(path, `${prefix}${line.value}\n`, { encoding: 'utf8', mode: 0o600 });
  } catch (err) {
    return fail('ERR_MUTUAL_ARGUMENT', `cannot write ${path}: ${(err as Error).message}`);
  }
  return ok(undefined);
}

/**
 * Make a verifier from a username and password (both prepared here, RFC 8120 §9): pi by PBKDF2
 * (RFC 8120 §12.2), then J (RFC 8121). The password and pi are dropped before returning.
 */
export async function makeVerifier(input: {
  algorithm: AlgorithmName;
  authScope: string;
  realm: string;
  username: string;
  password: string;
}): Promise<Result<VerifierEntry>> {
  const alg = getAlgorithm(input.algorithm);
  if (!alg) return fail('ERR_MUTUAL_UNSUPPORTED', `unknown algorithm ${input.algorithm}`);
  const prepared = await preparedPi({ algorithm: alg.name, authScope: input.authScope, realm: input.realm }, input.username, input.password);
  if (!prepared.ok) return prepared;
  const J = verifierJ(alg, prepared.value.pi);
  wipe(prepared.value.pi);
  return checkEntry({ algorithm: alg.name, authScope: input.authScope, realm: input.realm, user: prepared.value.username, J });
}

/** The JSON object `mutual verifier` prints (src/cli/verifier.ts): J as lower-case hex. */
export interface VerifierRecord {
  algorithm: string;
  auth_scope: string;
  realm: string;
  user: string;
  J: string;
}

export function recordOf(e: VerifierEntry): VerifierRecord {
  return { algorithm: e.algorithm, auth_scope: e.authScope, realm: e.realm, user: e.user, J: bytesToHex(e.J) };
}

export function entryFromRecord(r: VerifierRecord): Result<VerifierEntry> {
  const J = hexToBytes(r.J);
  if (!J) return fail('ERR_MUTUAL_ENCODING', 'J is not an even number of hex digits');
  return checkEntry({ algorithm: r.algorithm, authScope: r.auth_scope, realm: r.realm, user: r.user, J });
}

/**
 * `mutual verifier --file F`: append a record to F in the verifier file format (the `append` the CLI is
 * given). Throws a MutualError when the record or the file is unusable.
 */
export async function appendVerifierEntry(file: string, r: VerifierRecord): Promise<void> {
  const e = entryFromRecord(r);
  if (!e.ok) throw e.error;
  const done = await appendVerifier(file, e.value);
  if (!done.ok) throw done.error;
}
