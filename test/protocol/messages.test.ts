/**
 * The typed messages of RFC 8120 §4 (src/protocol/messages.ts) against the `messages` vectors, every `wire`
 * header of the `kam3` vectors (parse → typed → format reproduces the wire string), the algorithm-determined
 * value checks, and RFC 8053 Authentication-Control.
 */
import { describe, expect, it } from 'vitest';
import { MutualError } from '../../src/errors.ts';
import {
  formatAuthenticationControl,
  formatInit,
  formatKexC1,
  formatKexS1,
  formatVfyC,
  formatVfyS,
  parseAuthenticationControl,
  parseAuthenticationControlEntries,
  readChallenge,
  readCredentials,
  readVfyS,
  wireChars,
  wireFormOf,
  type InitChallenge,
  type KexC1Credentials,
  type KexS1Challenge,
  type VfyCCredentials,
  type VfySInfo,
} from '../../src/protocol/messages.ts';
import { formatAuthParams, parseAuthenticationInfo, parseChallenges, reasonOf, type Challenge } from '../../src/protocol/syntax.ts';
import { ALGORITHM_NAMES, getAlgorithm } from '../../src/crypto/algorithms.ts';
import type { Result } from '../../src/errors.ts';
import { vectors } from '../fixtures/vectors.ts';

type Kind = '401-INIT' | '401-KEX-S1' | 'req-KEX-C1' | 'req-VFY-C' | '200-VFY-S';
type Typed = InitChallenge | KexS1Challenge | KexC1Credentials | VfyCCredentials | VfySInfo;

interface MessageCase {
  name: string;
  kind: Kind;
  raw: string;
  algorithm_of_session?: string;
  expected: { valid: true; values: Record<string, string | number> } | { valid: false; reason: string };
}

interface Kam3Case {
  id: string;
  algorithm: string;
  username: string;
  realm: string;
  auth_scope_param: string | null;
  kc1: string;
  ks1: string;
  per_nc: Array<{ nc: number; vkc: string; vks: string }>;
  wire: Record<string, string>;
}

interface ElementCase {
  name: string;
  wire: string;
  check?: string;
}

const messages = vectors.messages as unknown as MessageCase[];
const kam3 = vectors.kam3 as unknown as Kam3Case[];

/** Vector parameter names → typed field names. */
const FIELD: Record<string, string> = {
  algorithm: 'algorithm',
  validation: 'validation',
  realm: 'realm',
  reason: 'reason',
  'auth-scope': 'authScope',
  user: 'user',
  sid: 'sid',
  nc: 'nc',
  'nc-max': 'ncMax',
  'nc-window': 'ncWindow',
  time: 'time',
  path: 'path',
};

function oneChallenge(raw: string): Challenge {
  const r = parseChallenges(raw);
  if (!r.ok) throw r.error;
  expect(r.value).toHaveLength(1);
  return r.value[0]!;
}

/** Parse a header value as the message kind the vector says it is. */
function read(kind: Kind, raw: string, algorithm?: string): Result<Typed> | undefined {
  if (kind === '200-VFY-S') {
    const info = parseAuthenticationInfo(raw);
    return info.ok ? readVfyS(info.value, algorithm!) : undefined;
  }
  const parsed = parseChallenges(raw);
  if (!parsed.ok || parsed.value.length !== 1) return undefined;
  const ch = parsed.value[0]!;
  return kind.startsWith('req-') ? readCredentials(ch) : readChallenge(ch);
}

function format(m: Typed, form: 'mutual' | 'bare' = 'mutual'): string {
  const { kind, ...rest } = m;
  switch (kind) {
    case '401-INIT':
      return formatInit(rest as Omit<InitChallenge, 'kind'>);
    case '401-KEX-S1':
      return formatKexS1(rest as Omit<KexS1Challenge, 'kind'>);
    case 'req-KEX-C1':
      return formatKexC1(rest as Omit<KexC1Credentials, 'kind'>);
    case 'req-VFY-C':
      return formatVfyC(rest as Omit<VfyCCredentials, 'kind'>);
    case '200-VFY-S':
      return formatVfyS(rest as Omit<VfySInfo, 'kind'>, form);
  }
}

function expectReason(r: Result<unknown> | undefined, reason: string): void {
  expect(r?.ok).toBe(false);
  if (r && !r.ok) {
    expect(r.error).toBeInstanceOf(MutualError);
    expect(r.error.code).toBe('ERR_MUTUAL_MESSAGE');
    expect(reasonOf(r.error)).toBe(reason);
  }
}

describe('messages vectors', () => {
  it('has them all', () => {
    expect(messages.length).toBeGreaterThanOrEqual(44);
  });

  for (const c of messages) {
    it(`${c.kind} ${c.name}`, () => {
      const r = read(c.kind, c.raw, c.algorithm_of_session);
      if (!c.expected.valid) {
        expectReason(r, c.expected.reason);
        return;
      }
      expect(r?.ok, r && !r.ok ? r.error.message : 'unparseable').toBe(true);
      if (!r?.ok) return;
      const m = r.value;
      expect(m.kind).toBe(c.kind);
      for (const [k, v] of Object.entries(c.expected.values)) {
        if (k === 'version') {
          expect(v).toBe('1');
          continue;
        }
        expect(FIELD[k], `unmapped vector field ${k}`).toBeDefined();
        expect((m as unknown as Record<string, unknown>)[FIELD[k]!], k).toBe(v);
      }
      // format → parse gives the same typed message back.
      const again = read(c.kind, format(m), c.algorithm_of_session);
      expect(again).toEqual({ ok: true, value: m });
    });
  }
});

describe('kam3 wire headers', () => {
  it('covers all kam3 entries', () => {
    expect(kam3.length).toBe(24);
  });

  for (const k of kam3) {
    it(`${k.id}`, () => {
      const scope = k.auth_scope_param === null ? {} : { authScope: k.auth_scope_param };
      const common = { algorithm: k.algorithm, validation: 'host', ...scope, realm: k.realm };
      let sid: string | undefined;
      let seen = 0;
      for (const [name, wire] of Object.entries(k.wire)) {
        seen++;
        const [kind, , extra] = name.split(' ') as [string, string, string | undefined];
        const nc = extra?.startsWith('nc=') ? Number(extra.slice(3)) : undefined;
        const perNc = k.per_nc.find((p) => p.nc === nc);
        let expected: Typed;
        switch (kind) {
          case '401-INIT':
            expected = { kind: '401-INIT', ...common, reason: 'initial' };
            break;
          case 'req-KEX-C1':
            expected = { kind: 'req-KEX-C1', ...common, user: k.username, kc1: k.kc1 };
            break;
          case '401-KEX-S1': {
            const ch = readChallenge(oneChallenge(wire));
            sid = ch.ok && ch.value.kind === '401-KEX-S1' ? ch.value.sid : undefined;
            expect(sid).toMatch(/^[0-9a-f]{32}$/);
            expected = {
              kind: '401-KEX-S1',
              ...common,
              sid: sid!,
              ks1: k.ks1,
              ncMax: 1000,
              ncWindow: 64,
              time: 600,
              path: '/private/',
            };
            break;
          }
          case 'req-VFY-C':
            expected = { kind: 'req-VFY-C', ...common, sid: sid!, nc: nc!, vkc: perNc!.vkc };
            break;
          case '200-VFY-S':
            expected = { kind: '200-VFY-S', sid: sid!, vks: perNc!.vks };
            break;
          default:
            throw new Error(`unknown wire header ${name}`);
        }
        const got = read(expected.kind, wire, k.algorithm);
        expect(got, name).toEqual({ ok: true, value: expected });
        const bare = name.endsWith('(bare form)');
        if (bare) {
          const info = parseAuthenticationInfo(wire);
          expect(info.ok && info.value.form).toBe('bare');
        }
        expect(format(expected, bare ? 'bare' : 'mutual'), name).toBe(wire);
      }
      expect(seen).toBe(12);
    });
  }
});

describe('algorithm-determined values (RFC 8120 §3.2.3, RFC 8121)', () => {
  const credentials = (algorithm: string, kc1: string): Challenge => ({
    scheme: 'Mutual',
    params: Object.assign(Object.create(null) as Record<string, string>, {
      version: '1',
      algorithm,
      validation: 'host',
      realm: 'r',
      user: 'u',
      kc1,
    }),
  });
  const challenge = (algorithm: string, ks1: string): Challenge => ({
    scheme: 'Mutual',
    params: Object.assign(Object.create(null) as Record<string, string>, {
      version: '1',
      algorithm,
      validation: 'host',
      realm: 'r',
      sid: '00',
      ks1,
      'nc-max': '1',
      'nc-window': '1',
      time: '1',
    }),
  });
  const invalid = vectors.invalid_elements as unknown as Record<string, ElementCase[]>;
  const strict = vectors.invalid_elements_strict as unknown as Record<string, ElementCase[]>;
  const valid = vectors.valid_elements as unknown as Record<string, ElementCase[]>;

  for (const [alg, cases] of Object.entries(invalid)) {
    const wrong = wireFormOf(alg)!.wire === 'hex' ? 'invalid-hex' : 'invalid-base64';
    for (const e of cases) {
      it(`${alg} ${e.name} (${e.check})`, () => {
        if (e.check === 'encoding') {
          expectReason(readCredentials(credentials(alg, e.wire)), wrong);
          expectReason(readChallenge(challenge(alg, e.wire)), wrong);
        } else {
          // range / point / subgroup: well-formed values; the crypto layer rejects them.
          expect(readCredentials(credentials(alg, e.wire)).ok).toBe(true);
          expect(readChallenge(challenge(alg, e.wire)).ok).toBe(true);
        }
      });
    }
  }
  for (const [alg, cases] of Object.entries(strict)) {
    for (const e of cases) {
      it(`${alg} ${e.name} (strict)`, () => {
        expectReason(readCredentials(credentials(alg, e.wire)), 'invalid-base64');
      });
    }
  }
  for (const [alg, cases] of Object.entries(valid)) {
    for (const e of cases) {
      it(`${alg} ${e.name} (valid)`, () => {
        const r = readCredentials(credentials(alg, e.wire));
        expect(r.ok && r.value.kind === 'req-KEX-C1' && r.value.kc1).toBe(e.wire);
      });
    }
  }

  it('an unknown algorithm accepts either generic form', () => {
    expect(readCredentials(credentials('-x.example.com', 'abcd')).ok).toBe(true);
    expect(readCredentials(credentials('-x.example.com', 'AAAA')).ok).toBe(true);
    expectReason(readCredentials(credentials('-x.example.com', 'abc')), 'invalid-encoding');
    expectReason(readCredentials(credentials('not a token', 'abcd')), 'invalid-token');
  });

  it('the table agrees with the groups vectors', () => {
    const groups = vectors.groups as unknown as Record<string, { wire: string; kc1_wire_chars: number; vkc_wire_chars: number; elen: number; hlen: number }>;
    for (const [alg, g] of Object.entries(groups)) {
      const w = wireFormOf(alg)!;
      expect(w.wire === 'hex' ? 'hex-fixed-number' : 'base64-fixed-number').toBe(g.wire);
      expect(wireChars(w.wire, w.elementLength)).toBe(g.kc1_wire_chars);
      expect(wireChars(w.wire, w.hashLength)).toBe(g.vkc_wire_chars);
      expect(w.elementLength).toBe(g.elen);
      expect(w.hashLength).toBe(g.hlen);
    }
  });
});

describe('message rules beyond the vectors', () => {
  const init = 'Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm="r", reason=initial';

  it('only Mutual, only auth-params', () => {
    const basic = oneChallenge('Basic realm="r"');
    expectReason(readChallenge(basic), 'not-mutual');
    expectReason(readCredentials(basic), 'not-mutual');
    expectReason(readChallenge(oneChallenge('Mutual abc==')), 'invalid-parameters');
  });

  it('upper-case scheme and tokens are accepted and lower-cased', () => {
    const r = readChallenge(oneChallenge('MUTUAL VERSION=1, Realm="r", ALGORITHM=ISO-KAM3-EC-P256-SHA256, Validation=HOST, Reason=Initial'));
    expect(r).toEqual({
      ok: true,
      value: { kind: '401-INIT', algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', realm: 'r', reason: 'initial' },
    });
  });

  it('challenge kinds: neither reason nor ks1, and credentials with neither kc1 nor vkc', () => {
    expectReason(readChallenge(oneChallenge('Mutual version=1, realm="r"')), 'missing-parameter');
    expectReason(readChallenge(oneChallenge('Mutual version=1, realm="r", vks=00')), 'missing-parameter');
    expectReason(readCredentials(oneChallenge('Mutual version=1, realm="r"')), 'missing-parameter');
    expectReason(readCredentials(oneChallenge('Mutual version=1, kc1=00, ks1=00')), 'exclusive-parameters');
    expectReason(readChallenge(oneChallenge(`${init}, kc1=00`)), 'exclusive-parameters');
    expectReason(readChallenge(oneChallenge(`${init}, ks2=00`)), 'exclusive-parameters');
    // kc# / ks#: "k", the letter, then digits only — other names are extension parameters.
    const vfy = 'Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm="r", sid=ab, nc=1, vkc=' + '00'.repeat(32);
    for (const name of ['kc0', 'kc1', 'kc99', 'KC2']) expectReason(readCredentials(oneChallenge(`${vfy}, ${name}=00`)), 'exclusive-parameters');
    for (const name of ['kc', 'kc1a', 'kcx', 'kd1', 'ks', 'ks1x', 'xkc1']) expect(readCredentials(oneChallenge(`${vfy}, ${name}=00`)).ok, name).toBe(true);
    for (const name of ['ks0', 'ks12']) expectReason(readChallenge(oneChallenge(`${init}, ${name}=00`)), 'exclusive-parameters');
    for (const name of ['ks', 'ks1a', 'ksx', 'kt1']) expect(readChallenge(oneChallenge(`${init}, ${name}=00`)).ok, name).toBe(true);
  });

  it('strings: a leading BOM is rejected (RFC 8120 §3.2.2), one inside is not', () => {
    expectReason(readChallenge(oneChallenge(init.replace('realm="r"', 'realm="\xef\xbb\xbfr"'))), 'invalid-string');
    const r = readChallenge(oneChallenge(init.replace('realm="r"', 'realm="r\xef\xbb\xbf"')));
    expect(r.ok && r.value.realm).toBe('r\ufeff');
  });

  it('every known reason is kept, lower-cased', () => {
    for (const reason of ['stale-session', 'auth-failed', 'reauth-needed', 'invalid-parameters', 'internal-error', 'user-unknown', 'invalid-credential', 'authz-failed']) {
      const r = readChallenge(oneChallenge(init.replace('reason=initial', `reason=${reason.toUpperCase()}`)));
      expect(r.ok && r.value.kind === '401-INIT' && r.value.reason).toBe(reason);
    }
  });

  it('400-KEX-S1 integers and path', () => {
    const base =
      'Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm="r", sid=AB, ' +
      'ks1=0155992c21b9efc5140714ec79f6f12346dd99cd62d74aae39043dd8465a1aa932';
    expectReason(readChallenge(oneChallenge(`${base}, nc-max=1, nc-window=1`)), 'missing-parameter');
    expectReason(readChallenge(oneChallenge(`${base}, nc-max=1, nc-window=-1, time=1`)), 'invalid-integer');
    expectReason(readChallenge(oneChallenge(`${base}, nc-max=1, nc-window=1.5, time=1`)), 'invalid-integer');
    const r = readChallenge(oneChallenge(`${base}, nc-max="12", nc-window=0, time=99999999999999999`));
    expect(r).toEqual({
      ok: true,
      value: {
        kind: '401-KEX-S1',
        algorithm: 'iso-kam3-ec-p256-sha256',
        validation: 'host',
        realm: 'r',
        sid: 'ab',
        ks1: '0155992c21b9efc5140714ec79f6f12346dd99cd62d74aae39043dd8465a1aa932',
        ncMax: 12,
        ncWindow: 0,
        time: Number.MAX_SAFE_INTEGER,
      },
    });
  });

  it('user in the extended form', () => {
    const raw =
      "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, realm=\"r\", user*=UTF-8''%E6%97%A5%E6%9C%AC, " +
      'kc1=0155992c21b9efc5140714ec79f6f12346dd99cd62d74aae39043dd8465a1aa932';
    const r = readCredentials(oneChallenge(raw));
    expect(r.ok && r.value.kind === 'req-KEX-C1' && r.value.user).toBe('\u65e5\u672c');
    if (r.ok) expect(format(r.value)).toBe(raw);
  });

  it('formatters check their arguments (ERR_MUTUAL_ARGUMENT)', () => {
    const m = {
      algorithm: 'iso-kam3-ec-p256-sha256',
      validation: 'host',
      realm: 'r',
      sid: 'ab',
      ks1: '00',
      ncMax: 1,
      ncWindow: 1,
      time: 1,
    };
    expect(() => formatKexS1({ ...m, ncMax: -1 })).toThrow(MutualError);
    expect(() => formatKexS1({ ...m, time: 2 ** 53 })).toThrow(MutualError);
    expect(() => formatKexS1({ ...m, sid: 'xyz' })).toThrow(MutualError);
    expect(() => formatKexS1({ ...m, ks1: 'AA==' })).toThrow(MutualError);
    expect(() => formatInit({ ...m, reason: 'not a token' })).toThrow(MutualError);
    try {
      formatVfyC({ ...m, nc: 1.5, vkc: '00' });
      expect.unreachable();
    } catch (e) {
      expect((e as MutualError).code).toBe('ERR_MUTUAL_ARGUMENT');
    }
  });

  it('formatVfyS takes the wire type from the algorithm when given', () => {
    expect(formatVfyS({ sid: 'ab', vks: 'abcd' }, 'bare', 'iso-kam3-dl-2048-sha256')).toBe('version=1, sid=ab, vks="abcd"');
    expect(formatVfyS({ sid: 'ab', vks: 'abcd' }, 'bare')).toBe('version=1, sid=ab, vks=abcd');
  });

  it('formatVfyS writes what formatAuthParams writes, for every algorithm and for odd values', () => {
    const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 73 + seed * 31) & 0xff);
    for (const algorithm of ALGORITHM_NAMES) {
      const alg = getAlgorithm(algorithm)!;
      for (let seed = 0; seed < 50; seed++) {
        const sid = Buffer.from(bytes(16, seed)).toString('hex');
        const vks = alg.wire === 'hex' ? Buffer.from(bytes(alg.hashLength, seed)).toString('hex') : Buffer.from(bytes(alg.hashLength, seed)).toString('base64');
        const general = formatAuthParams('Mutual', [['version', '1', 'token'], ['sid', sid, 'hex'], ['vks', vks, alg.wire === 'hex' ? 'hex' : 'base64']]);
        expect(formatVfyS({ sid, vks }, 'mutual', algorithm)).toBe(general);
        expect(parseAuthenticationInfo(general)).toEqual(parseAuthenticationInfo(formatVfyS({ sid, vks }, 'mutual', algorithm)));
      }
    }
    // Values outside the canonical forms still go through the general formatter (and its argument checks).
    expect(formatVfyS({ sid: 'AB', vks: 'abcd' }, 'mutual', 'iso-kam3-dl-2048-sha256')).toBe('Mutual version=1, sid=AB, vks="abcd"');
    expect(() => formatVfyS({ sid: 'a', vks: 'ab'.repeat(32) }, 'mutual', 'iso-kam3-ec-p256-sha256')).toThrow(MutualError);
    expect(() => formatVfyS({ sid: 'ab', vks: 'zz'.repeat(32) }, 'mutual', 'iso-kam3-ec-p256-sha256')).toThrow(MutualError);
  });
});

describe('Authentication-Control (RFC 8053 §4)', () => {
  const get = (field: string, scheme = 'mutual', realm?: string) => {
    const r = parseAuthenticationControl(field, realm);
    if (!r.ok) throw r.error;
    return r.value.get(scheme);
  };

  it('the examples of RFC 8053 §4.2–4.7', () => {
    expect(get('Digest realm="protected space", auth-style=modal', 'digest')).toEqual({ realm: 'protected space', authStyle: 'modal' });
    expect(get('Mutual realm="auth-space-1", location-when-unauthenticated="http://www.example.com/login.html"')).toEqual({
      realm: 'auth-space-1',
      locationWhenUnauthenticated: 'http://www.example.com/login.html',
    });
    expect(get('Basic realm="entrance", no-auth=true', 'basic')).toEqual({ realm: 'entrance', noAuth: true });
    expect(get('Digest realm="protected space", location-when-logout="http://www.example.com/byebye.html"', 'digest')).toEqual({
      realm: 'protected space',
      locationWhenLogout: 'http://www.example.com/byebye.html',
    });
    expect(get('Basic realm="entrance", logout-timeout=300', 'basic')).toEqual({ realm: 'entrance', logoutTimeout: 300 });
    expect(get('Basic realm="configuration", username="admin"', 'basic')).toEqual({ realm: 'configuration', username: 'admin' });
    expect(get("Mutual realm=\"r\", username*=UTF-8''Ren%C3%89e%20of%20France")).toEqual({ realm: 'r', username: 'Ren\u00c9e of France' });
  });

  it('ignores unusable values and unknown parameters', () => {
    expect(
      get('Mutual realm="r", no-auth=yes, logout-timeout=-1, auth-style=popup, x-new=1, username="\xef\xbb\xbfbom"'),
    ).toEqual({ realm: 'r' });
    expect(get('Mutual realm="r", logout-timeout=1208925819614629174706176')).toEqual({ realm: 'r', logoutTimeout: Number.MAX_SAFE_INTEGER });
    expect(get('Mutual realm="r", NO-AUTH=TRUE, Auth-Style=Non-Modal')).toEqual({ realm: 'r', noAuth: true, authStyle: 'non-modal' });
  });

  it('several entries: by scheme, first wins, or filtered by realm', () => {
    const field = 'Basic realm="b", no-auth=true, Mutual realm="one", username="u1", Mutual realm="two", username="u2"';
    expect(get(field)).toEqual({ realm: 'one', username: 'u1' });
    expect(get(field, 'mutual', 'two')).toEqual({ realm: 'two', username: 'u2' });
    expect(get(field, 'basic', 'two')).toBeUndefined();
    const all = parseAuthenticationControlEntries(field);
    expect(all.ok && all.value.map((e) => e.scheme)).toEqual(['Basic', 'Mutual', 'Mutual']);
  });

  it('skips entries without parameters; rejects fields that do not parse', () => {
    expect(get('Mutual, Basic realm="b"', 'basic')).toEqual({ realm: 'b' });
    expect(get('Mutual, Basic realm="b"')).toBeUndefined();
    const r = parseAuthenticationControl('Mutual realm="r');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_SYNTAX');
  });

  it('RFC 8053 §4.1 applies to every scheme: name and name* together are a duplicate, UTF-8 only', () => {
    const all = parseAuthenticationControlEntries("Basic realm=\"b\", username*=iso-8859-1''%E9");
    expect(all.ok && all.value[0]!.control).toEqual({ realm: 'b' });
  });

  it('formats and parses back', () => {
    const c = {
      realm: 'Espace priv\u00e9',
      locationWhenUnauthenticated: '/login',
      noAuth: true,
      locationWhenLogout: 'https://example.com/bye?x="1"',
      logoutTimeout: 300,
      username: 'J\u00fcrgen',
      authStyle: 'non-modal',
    };
    const f = formatAuthenticationControl('Mutual', c);
    expect(f).toBe(
      'Mutual realm="Espace priv\xc3\xa9", location-when-unauthenticated="/login", no-auth=true, ' +
        'location-when-logout="https://example.com/bye?x=\\"1\\"", logout-timeout=300, ' +
        "username*=UTF-8''J%C3%BCrgen, auth-style=non-modal",
    );
    expect(get(f)).toEqual(c);
    expect(() => formatAuthenticationControl('Mutual', { logoutTimeout: -1 })).toThrow(MutualError);
  });
});
