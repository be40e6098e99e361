/**
 * From what the user typed to what the engine keeps (RFC 8120 §9, §12.2): prepare the username
 * (UsernameCasePreserved) and password (OpaqueString), derive pi, drop the password.
 */
import { derivePi } from '../crypto/derive.ts';
import { bytesToHex, wipe } from '../bytes.ts';
import { ok, type Result } from '../errors.ts';
import { preparePassword, prepareUsername } from './stringprep.ts';
import type { ClientCredential, RealmId } from './state.ts';

export async function prepareCredential(realm: RealmId, usernameInput: string, passwordInput: string): Promise<Result<ClientCredential>> {
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
  const hex = bytesToHex(pi);
  wipe(pi);
  return ok({ realm, username: username.value, pi: hex });
}
