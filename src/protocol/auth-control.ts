/**
 * The Authentication-Control header of RFC 8053 §4 (logout, redirects, username hint, auth-style) on top of
 * the challenge-list scanner of ./syntax.ts (docs/protocol-decisions.md §2, RFC 8053 row).
 *
 * The header is advisory (RFC 8053 §4: "Any parameters contained in this header MAY be ignored"): a
 * parameter with an unusable value is dropped, an entry without parameters is skipped; only a field that
 * does not parse at all is an error.
 */
import { ok, type Result } from '../errors.ts';
import { formatAuthParams, parseControlEntries, type ParamKind } from './syntax.ts';

export interface AuthenticationControl {
  /** The entry's realm (RFC 8053 §4: present for schemes with realms, such as Mutual). */
  realm?: string;
  /** §4.3 location-when-unauthenticated (a URL, possibly relative). */
  locationWhenUnauthenticated?: string;
  /** §4.4 no-auth=true. */
  noAuth?: boolean;
  /** §4.5 location-when-logout (a URL, possibly relative). */
  locationWhenLogout?: string;
  /** §4.6 logout-timeout in seconds (values above 2^53-1 become 2^53-1). */
  logoutTimeout?: number;
  /** §4.7 the only username the server accepts. */
  username?: string;
  /** §4.2 `modal` or `non-modal` (lower case); other values are ignored. */
  authStyle?: string;
}

const INTEGER = /^(?:0|[1-9][0-9]*)$/;

/** ASCII-only case folding: `toLowerCase()` would fold e.g. U+212A KELVIN SIGN to "k". */
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function control(params: Record<string, string>): AuthenticationControl {
  const c: AuthenticationControl = {};
  const get = (n: string): string | undefined => (Object.prototype.hasOwnProperty.call(params, n) ? params[n] : undefined);
  const str = (n: string): string | undefined => {
    const v = get(n);
    // RFC 8120 §3.2.2 / RFC 8053 §4: strings are UTF-8 without a leading BOM.
    return v === undefined || v.charCodeAt(0) === 0xfeff ? undefined : v;
  };
  const realm = str('realm');
  if (realm !== undefined) c.realm = realm;
  const lwu = str('location-when-unauthenticated');
  if (lwu !== undefined) c.locationWhenUnauthenticated = lwu;
  const noAuth = get('no-auth');
  if (noAuth !== undefined && asciiLower(noAuth) === 'true') c.noAuth = true;
  const lwl = str('location-when-logout');
  if (lwl !== undefined) c.locationWhenLogout = lwl;
  const timeout = get('logout-timeout');
  if (timeout !== undefined && INTEGER.test(timeout)) {
    c.logoutTimeout = timeout.length > 16 ? Number.MAX_SAFE_INTEGER : Math.min(Number(timeout), Number.MAX_SAFE_INTEGER);
  }
  const username = str('username');
  if (username !== undefined) c.username = username;
  const rawStyle = get('auth-style');
  const style = rawStyle === undefined ? undefined : asciiLower(rawStyle);
  if (style === 'modal' || style === 'non-modal') c.authStyle = style;
  return c;
}

/** Every entry of the field, in order, with its scheme as received. */
export function parseAuthenticationControlEntries(
  fieldValue: string,
): Result<Array<{ scheme: string; control: AuthenticationControl }>> {
  const parsed = parseControlEntries(fieldValue);
  if (!parsed.ok) return parsed;
  const out: Array<{ scheme: string; control: AuthenticationControl }> = [];
  for (const e of parsed.value) {
    // auth-control-entry = auth-scheme 1*SP 1#auth-control-param: skip token68 or parameterless entries.
    if (e.token68 !== undefined || Object.keys(e.params).length === 0) continue;
    out.push({ scheme: e.scheme, control: control(e.params) });
  }
  return ok(out);
}

/**
 * Authentication-Control entries by lower-case scheme. With `realm`, only entries for that realm (or
 * without a realm) are kept; otherwise, and among several matching entries, the first one per scheme wins
 * (RFC 8053 §4 lets clients take any one of duplicated entries).
 */
export function parseAuthenticationControl(fieldValue: string, realm?: string): Result<Map<string, AuthenticationControl>> {
  const entries = parseAuthenticationControlEntries(fieldValue);
  if (!entries.ok) return entries;
  const map = new Map<string, AuthenticationControl>();
  for (const { scheme, control: c } of entries.value) {
    const key = scheme.toLowerCase();
    if (map.has(key)) continue;
    if (realm !== undefined && c.realm !== undefined && c.realm !== realm) continue;
    map.set(key, c);
  }
  return ok(map);
}

/**
 * One Authentication-Control entry: `scheme realm="…", location-when-unauthenticated="…", no-auth=true,
 * location-when-logout="…", logout-timeout=…, username="…", auth-style=…` (RFC 8053 §4; strings quoted,
 * non-ASCII strings other than realm as `name*=UTF-8''…`, §4.1).
 */
export function formatAuthenticationControl(scheme: string, c: AuthenticationControl): string {
  const p: Array<readonly [string, string, ParamKind]> = [];
  if (c.realm !== undefined) p.push(['realm', c.realm, 'string']);
  if (c.locationWhenUnauthenticated !== undefined) p.push(['location-when-unauthenticated', c.locationWhenUnauthenticated, 'string']);
  if (c.noAuth) p.push(['no-auth', 'true', 'token']);
  if (c.locationWhenLogout !== undefined) p.push(['location-when-logout', c.locationWhenLogout, 'string']);
  // A non-integer (negative, fractional, 1e21) fails formatAuthParams' integer check: ERR_MUTUAL_ARGUMENT.
  if (c.logoutTimeout !== undefined) p.push(['logout-timeout', String(c.logoutTimeout), 'integer']);
  if (c.username !== undefined) p.push(['username', c.username, 'string']);
  if (c.authStyle !== undefined) p.push(['auth-style', c.authStyle, 'token']);
  return formatAuthParams(scheme, p);
}
