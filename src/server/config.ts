/**
 * Server configuration: the `--config FILE` JSON format of `mutual serve`, the embedded demo defaults and
 * the single-area mode (`--realm R --algorithm A`). Every reader of the file is total: any text gives a
 * configuration or an error naming the offending field.
 *
 * Config file (JSON; every field optional except `areas`):
 *
 *     {
 *       "origin": "https://www.example.com",        // public origin: vh and default auth-scope
 *       "verifiers": "users.verifiers",               // verifier file, relative to the config file
 *       "areas": [
 *         { "path": "/private/", "realm": "staff", "algorithm": "iso-kam3-ec-p256-sha256",
 *           "authScope": "https://www.example.com",   // default: the single-server scope of origin
 *           "optional": false,                        // RFC 8053 §3 optional authentication
 *           "logoutPaths": ["/private/logout"],       // server-side logout (logout-timeout=0)
 *           "control": { "locationWhenLogout": "/", "locationWhenUnauthenticated": "/login-help",
 *                        "logoutTimeout": 3600, "noAuth": false, "username": "admin",
 *                        "authStyle": "non-modal" } }
 *       ],
 *       "sessions": { "maxSessions": 10000, "maxPending": 5000, "lifetimeSeconds": 600,
 *                     "ncMax": 1000000, "ncWindow": 256 },
 *       "unknownUsers": "fake",                       // or "user-unknown"
 *       "demoUsers": [ { "user": "alice", "password": "…" } ]  // demo only: derived at start-up
 *     }
 */
import { ALGORITHM_NAMES, type AlgorithmName } from '../crypto/algorithms.ts';
import { fail, ok, type Result } from '../errors.ts';
import type { RandomSource } from '../bytes.ts';
import type { AreaControl, ProtectedArea } from './handler.ts';
import type { SessionTableOptions } from './session-table.ts';

export interface ServerConfig {
  origin?: string;
  verifiers?: string;
  areas: ProtectedArea[];
  sessions?: Pick<SessionTableOptions, 'maxSessions' | 'maxPending' | 'lifetimeSeconds' | 'ncMax' | 'ncWindow'>;
  unknownUsers?: 'fake' | 'user-unknown';
  demoUsers?: Array<{ user: string; password: string }>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class ConfigError extends Error {}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: { [k: string]: Json }, k: string): Json | undefined {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function onlyKeys(o: { [k: string]: Json }, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}: unknown field ${JSON.stringify(k)} (known: ${allowed.join(', ')})`);
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]|\p{Cs}/u;

function str(o: { [k: string]: Json }, k: string, where: string, required: true): string;
function str(o: { [k: string]: Json }, k: string, where: string, required?: false): string | undefined;
function str(o: { [k: string]: Json }, k: string, where: string, required = false): string | undefined {
  const v = own(o, k);
  if (v === undefined) {
    if (required) throw new ConfigError(`${where}.${k} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ConfigError(`${where}.${k} must be a string`);
  if (CONTROL.test(v)) throw new ConfigError(`${where}.${k} must not contain control characters or lone surrogates`);
  if (v.length > 2048) throw new ConfigError(`${where}.${k} is longer than 2048 characters`);
  return v;
}

function int(o: { [k: string]: Json }, k: string, where: string, min: number, max: number): number | undefined {
  const v = own(o, k);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(`${where}.${k} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function bool(o: { [k: string]: Json }, k: string, where: string): boolean | undefined {
  const v = own(o, k);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}.${k} must be true or false`);
  return v;
}

export function isAlgorithmName(s: string): s is AlgorithmName {
  return (ALGORITHM_NAMES as readonly string[]).includes(s);
}

function readControl(v: Json | undefined, where: string): AreaControl | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new ConfigError(`${where} must be an object`);
  onlyKeys(v, ['locationWhenUnauthenticated', 'noAuth', 'locationWhenLogout', 'logoutTimeout', 'username', 'authStyle'], where);
  const c: AreaControl = {};
  const lwu = str(v, 'locationWhenUnauthenticated', where);
  if (lwu !== undefined) c.locationWhenUnauthenticated = lwu;
  const noAuth = bool(v, 'noAuth', where);
  if (noAuth !== undefined) c.noAuth = noAuth;
  const lwl = str(v, 'locationWhenLogout', where);
  if (lwl !== undefined) c.locationWhenLogout = lwl;
  const timeout = int(v, 'logoutTimeout', where, 0, 2 ** 31 - 1);
  if (timeout !== undefined) c.logoutTimeout = timeout;
  const username = str(v, 'username', where);
  if (username !== undefined) c.username = username;
  const style = str(v, 'authStyle', where);
  if (style !== undefined) {
    if (style !== 'modal' && style !== 'non-modal') throw new ConfigError(`${where}.authStyle must be "modal" or "non-modal"`);
    c.authStyle = style;
  }
  return c;
}

function readArea(v: Json, where: string): ProtectedArea {
  if (!isObject(v)) throw new ConfigError(`${where} must be an object`);
  onlyKeys(v, ['path', 'realm', 'algorithm', 'authScope', 'optional', 'logoutPaths', 'control'], where);
  const path = str(v, 'path', where, true);
  if (!/^\/[\x21-\x7e]*$/.test(path)) throw new ConfigError(`${where}.path must be an absolute path of printable ASCII`);
  const realm = str(v, 'realm', where, true);
  const algorithm = str(v, 'algorithm', where, true);
  if (!isAlgorithmName(algorithm)) throw new ConfigError(`${where}.algorithm must be one of ${ALGORITHM_NAMES.join(', ')}`);
  const area: ProtectedArea = { path, realm, algorithm };
  const authScope = str(v, 'authScope', where);
  if (authScope !== undefined) area.authScope = authScope;
  const optional = bool(v, 'optional', where);
  if (optional !== undefined) area.optional = optional;
  const logout = own(v, 'logoutPaths');
  if (logout !== undefined) {
    if (!Array.isArray(logout) || !logout.every((p): p is string => typeof p === 'string' && p.startsWith(path))) {
      throw new ConfigError(`${where}.logoutPaths must be a list of paths inside ${path}`);
    }
    area.logoutPaths = logout;
  }
  const control = readControl(own(v, 'control'), `${where}.control`);
  if (control !== undefined) area.control = control;
  return area;
}

/** Parse a `--config` file. */
export function parseServerConfig(text: string, fileName = 'config'): Result<ServerConfig> {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    return fail('ERR_MUTUAL_SYNTAX', `${fileName}: not JSON: ${(e as Error).message}`);
  }
  try {
    if (!isObject(json)) throw new ConfigError('the configuration must be a JSON object');
    onlyKeys(json, ['origin', 'verifiers', 'areas', 'sessions', 'unknownUsers', 'demoUsers'], 'config');
    const areasJson = own(json, 'areas');
    if (!Array.isArray(areasJson) || areasJson.length === 0) throw new ConfigError('config.areas must be a non-empty list');
    if (areasJson.length > 100) throw new ConfigError('config.areas: at most 100 areas');
    const config: ServerConfig = { areas: areasJson.map((a, i) => readArea(a, `config.areas[${i}]`)) };
    const origin = str(json, 'origin', 'config');
    if (origin !== undefined) config.origin = origin;
    const verifiers = str(json, 'verifiers', 'config');
    if (verifiers !== undefined) config.verifiers = verifiers;
    const sessions = own(json, 'sessions');
    if (sessions !== undefined) {
      if (!isObject(sessions)) throw new ConfigError('config.sessions must be an object');
      onlyKeys(sessions, ['maxSessions', 'maxPending', 'lifetimeSeconds', 'ncMax', 'ncWindow'], 'config.sessions');
      const s: NonNullable<ServerConfig['sessions']> = {};
      const set = (k: 'maxSessions' | 'maxPending' | 'lifetimeSeconds' | 'ncMax' | 'ncWindow', max: number) => {
        const n = int(sessions, k, 'config.sessions', 1, max);
        if (n !== undefined) s[k] = n;
      };
      set('maxSessions', 10_000_000);
      set('maxPending', 10_000_000);
      set('lifetimeSeconds', 366 * 86_400);
      set('ncMax', Number.MAX_SAFE_INTEGER);
      set('ncWindow', 65_536);
      config.sessions = s;
    }
    const unknown = str(json, 'unknownUsers', 'config');
    if (unknown !== undefined) {
      if (unknown !== 'fake' && unknown !== 'user-unknown') throw new ConfigError('config.unknownUsers must be "fake" or "user-unknown"');
      config.unknownUsers = unknown;
    }
    const demo = own(json, 'demoUsers');
    if (demo !== undefined) {
      if (!Array.isArray(demo)) throw new ConfigError('config.demoUsers must be a list');
      config.demoUsers = demo.map((d, i) => {
        const where = `config.demoUsers[${i}]`;
        if (!isObject(d)) throw new ConfigError(`${where} must be an object`);
        onlyKeys(d, ['user', 'password'], where);
        return { user: str(d, 'user', where, true), password: str(d, 'password', where, true) };
      });
    }
    return ok(config);
  } catch (e) {
    if (e instanceof ConfigError) return fail('ERR_MUTUAL_ARGUMENT', `${fileName}: ${e.message}`);
    throw e;
  }
}

/** The short name of each algorithm, used for the demo paths and realms. */
export const DEMO_AREAS: ReadonlyArray<{ slug: string; algorithm: AlgorithmName; title: string }> = [
  { slug: 'p256', algorithm: 'iso-kam3-ec-p256-sha256', title: 'elliptic curve P-256, SHA-256' },
  { slug: 'p521', algorithm: 'iso-kam3-ec-p521-sha512', title: 'elliptic curve P-521, SHA-512' },
  { slug: 'dl2048', algorithm: 'iso-kam3-dl-2048-sha256', title: '2048-bit MODP group, SHA-256' },
  { slug: 'dl4096', algorithm: 'iso-kam3-dl-4096-sha512', title: '4096-bit MODP group, SHA-512' },
];

/** Path of the demo's optional-authentication page (in the P-256 realm). */
export const DEMO_OPTIONAL_PATH = '/optional/';

/**
 * The embedded demo: one realm per algorithm (`/p256/` … `/dl4096/`, each with a logout path), plus an
 * optional-authentication page in the P-256 realm. Authentication-Control: location-when-logout="/" on every
 * authenticated response.
 */
export function demoAreas(): ProtectedArea[] {
  const areas: ProtectedArea[] = DEMO_AREAS.map((d) => ({
    path: `/${d.slug}/`,
    realm: `mutual-demo-${d.slug}`,
    algorithm: d.algorithm,
    logoutPaths: [`/${d.slug}/logout`],
    control: { locationWhenLogout: '/' },
  }));
  areas.push({
    path: DEMO_OPTIONAL_PATH,
    realm: 'mutual-demo-p256',
    algorithm: 'iso-kam3-ec-p256-sha256',
    optional: true,
    control: { locationWhenLogout: '/' },
  });
  return areas;
}

/** Single-area mode: exactly `/private/`, all protected, for one realm and algorithm. */
export const SINGLE_AREA_PATH = '/private/';

export function singleArea(realm: string, algorithm: AlgorithmName, authScope?: string): ProtectedArea[] {
  const area: ProtectedArea = { path: SINGLE_AREA_PATH, realm, algorithm, logoutPaths: [`${SINGLE_AREA_PATH}logout`] };
  if (authScope !== undefined) area.authScope = authScope;
  return [area];
}

const WORDS = [
  'amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'harbor', 'indigo', 'juniper', 'kelp', 'lumen',
  'maple', 'nectar', 'orbit', 'pepper', 'quartz', 'river', 'saffron', 'tundra', 'umber', 'violet', 'willow', 'yarrow',
];

/** A readable random demo password, e.g. `maple-orbit-4821`. */
export function demoPassword(random: RandomSource): string {
  const b = random(4);
  const w1 = WORDS[b[0]! % WORDS.length]!;
  const w2 = WORDS[b[1]! % WORDS.length]!;
  const n = ((b[2]! << 8) | b[3]!) % 10_000;
  return `${w1}-${w2}-${String(n).padStart(4, '0')}`;
}

/** Demo users: alice and bob (ASCII) and renée (non-ASCII, to exercise RFC 8120 §3.1 `user*=`). */
export function demoUsers(random: RandomSource, password?: string): Array<{ user: string; password: string }> {
  return ['alice', 'bob', 'ren\u00e9e'].map((user) => ({ user, password: password ?? demoPassword(random) }));
}

