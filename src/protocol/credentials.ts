/**
 * From what the user typed to what the engine keeps (RFC 8120 §9, §12.2): prepare the username
 * (UsernameCasePreserved) and password (OpaqueString), derive pi, drop the password. Shared by the client
 * (a ClientCredential) and the server side (a verifier J, src/server/verifier-file.ts).
 */
import type { AlgorithmName } from '../crypto/algorithms.ts';
import { derivePi } from '../crypto/derive.ts';
import { bytesToHex, wipe } from '../bytes.ts';
import { ok, type Result } from '../errors.ts';
import { preparePassword, prepareUsername } from './stringprep.ts';
import type { ClientCredential, RealmId } from './state.ts';

/**
 * The prepared username and the PBKDF2 octets of pi for a realm, from user input. The caller owns `pi` and
 * must wipe it once used.
 */
export async function preparedPi(
  realm: { algorithm: AlgorithmName; authScope: string; realm: string },
  usernameInput: string,
  passwordInput: string,
): Promise<Result<{ username: string; pi: Uint8Array }>> {
  const username = prepareUsername(usernameInput);
  if (!username.ok) return username;
  const password = preparePassword(passwordInput);
  if (!password.ok) return password;
  const pi = await derivePi({
    algorithm: realm.algorithm,
    authScope: realm.authScope,
    realm: realm.realm,
    username: username.value,
    password: password.value,
  });
  return ok({ username: username.value, pi });
}

export async function prepareCredential(realm: RealmId, usernameInput: string, passwordInput: string): Promise<Result<ClientCredential>> {
  const r = await preparedPi(realm, usernameInput, passwordInput);
  if (!r.ok) return r;
  const hex = bytesToHex(r.value.pi);
  wipe(r.value.pi);
  return ok({ realm, username: r.value.username, pi: hex });
}
