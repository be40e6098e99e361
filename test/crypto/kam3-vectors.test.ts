/**
 * RFC 8121 §3 (KAM3) and RFC 8120 §12.2 (pi, VK_c, VK_s) against the independent reference's vectors,
 * byte for byte: every field of every `kam3` entry of test/fixtures/kam3.json.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8 } from '../../src/bytes.ts';
import { ALGORITHM_NAMES, getAlgorithm, type Algorithm } from '../../src/crypto/algorithms.ts';
import { derivePi, N_ITER_PI, piSalt, verifierJ } from '../../src/crypto/derive.ts';
import { decodeFixedNumber, encodeFixedNumber, int, vi } from '../../src/crypto/encoding.ts';
import { clientKc1, clientZ, serverKs1 } from '../../src/crypto/kam3.ts';
import { clientExponent, t1, t2 } from '../../src/crypto/kam3-common.ts';
import { computeVkc, computeVks } from '../../src/crypto/verify.ts';
import { deriveVectorSecret, fixture, hexInt, intHex, type Kam3Vector } from './fixture.ts';

const hex = (h: string): Uint8Array => {
  const b = hexToBytes(h);
  if (!b) throw new Error(`bad hex in fixture: ${h.slice(0, 20)}`);
  return b;
};

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

describe('fixture shape', () => {
  it('covers all four algorithms with nIterPi = 16384', () => {
    expect(fixture.pbkdf2_iterations).toBe(N_ITER_PI);
    expect(new Set(fixture.kam3.map((v) => v.algorithm))).toEqual(new Set(ALGORITHM_NAMES));
  });

  it.each(ALGORITHM_NAMES.map((n) => [n] as const))('group parameters of %s match the Algorithm table', (name) => {
    const alg = getAlgorithm(name)!;
    const g = fixture.groups[name];
    expect(alg.elementLength).toBe(g.elen);
    expect(alg.hashLength).toBe(g.hlen);
    expect(alg.wire).toBe(g.wire === 'base64-fixed-number' ? 'base64' : 'hex');
    expect(alg.elementWireLength).toBe(g.kc1_wire_chars);
    expect(alg.hashWireLength).toBe(g.vkc_wire_chars);
    expect(alg.minSecret).toBe(BigInt(g.min_S_c1));
    expect(alg.order).toBe(hexInt(alg.kind === 'dl' ? g.q! : g.n!));
  });
});

describe.each(fixture.kam3.map((v) => [v.id, v] as const))('%s', (_id, v: Kam3Vector) => {
  const alg: Algorithm = getAlgorithm(v.algorithm)!;
  const S_c1 = hexInt(v.S_c1);
  const S_s1 = hexInt(v.S_s1);
  let pi: Uint8Array;
  let J: Uint8Array;
  let K_c1: Uint8Array;
  let server: { K_s1: Uint8Array; z: Uint8Array };
  let zClient: Uint8Array;

  beforeAll(async () => {
    pi = await derivePi({
      algorithm: v.algorithm,
      authScope: v.auth_scope,
      realm: v.realm,
      username: v.username,
      password: v.password,
    });
    J = verifierJ(alg, pi);
    K_c1 = clientKc1(alg, S_c1);
    server = unwrap(serverKs1(alg, { K_c1: hex(v.K_c1), J: hex(v.J), S_s1 }));
    zClient = unwrap(clientZ(alg, { S_c1, K_c1: hex(v.K_c1), K_s1: hex(v.K_s1), pi: hex(v.pi) }));
  });

  it('prepared strings are the given UTF-8 octets', () => {
    expect(bytesToHex(utf8(v.username))).toBe(v.username_utf8_hex);
    expect(bytesToHex(utf8(v.password))).toBe(v.password_utf8_hex);
    expect(bytesToHex(utf8(v.realm))).toBe(v.realm_utf8_hex);
  });

  it('pbkdf2_salt = VS(algorithm) | VS(auth-scope) | VS(realm) | VS(username)', () => {
    const salt = piSalt({ algorithm: v.algorithm, authScope: v.auth_scope, realm: v.realm, username: v.username });
    expect(bytesToHex(salt)).toBe(v.pbkdf2_salt);
  });

  it('pi and pi mod r', () => {
    expect(bytesToHex(pi)).toBe(v.pi);
    expect(intHex(int(pi) % alg.order)).toBe(v.pi_mod_q);
  });

  it('J = OCTETS(J(pi))', () => {
    expect(bytesToHex(J)).toBe(v.J);
  });

  it('S_c1 and S_s1 follow the secret_derivation of the labels', () => {
    expect(deriveVectorSecret(v.S_c1_label, alg.order)).toBe(S_c1);
    expect(deriveVectorSecret(v.S_s1_label, alg.order)).toBe(S_s1);
    expect(S_c1 >= alg.minSecret).toBe(true);
  });

  it('K_c1 and its wire form kc1', () => {
    expect(bytesToHex(K_c1)).toBe(v.K_c1);
    expect(encodeFixedNumber(K_c1, alg.wire)).toBe(v.kc1);
    expect(v.kc1.length).toBe(alg.elementWireLength);
    expect(bytesToHex(unwrap(decodeFixedNumber(v.kc1, alg.wire, alg.elementLength, 'kc1')))).toBe(v.K_c1);
  });

  it('t_1 and t_2 (not reduced)', () => {
    expect(intHex(t1(alg, hex(v.K_c1)))).toBe(v.t_1);
    expect(intHex(t2(alg, hex(v.K_c1), hex(v.K_s1)))).toBe(v.t_2);
  });

  it('server: K_s1 from S_s1, its wire form ks1, and z', () => {
    expect(bytesToHex(server.K_s1)).toBe(v.K_s1);
    expect(encodeFixedNumber(server.K_s1, alg.wire)).toBe(v.ks1);
    expect(bytesToHex(unwrap(decodeFixedNumber(v.ks1, alg.wire, alg.elementLength, 'ks1')))).toBe(v.K_s1);
    expect(bytesToHex(server.z)).toBe(v.z);
  });

  it('client: the exponent (S_c1 + t_2) / (S_c1·t_1 + pi) mod r, and z', () => {
    const exponent = clientExponent(alg, {
      S_c1,
      t_1: hexInt(v.t_1),
      t_2: hexInt(v.t_2),
      pi: hexInt(v.pi),
    });
    expect(exponent === undefined ? undefined : intHex(exponent)).toBe(v.client_exponent);
    expect(bytesToHex(zClient)).toBe(v.z);
  });

  it.each(v.per_nc.map((c) => [c.nc, c] as const))('nc=%d: VI(nc), vkc, vks', (nc, c) => {
    expect(bytesToHex(vi(nc))).toBe(c['VI(nc)']);
    const input = { K_c1: hex(v.K_c1), K_s1: hex(v.K_s1), z: hex(v.z), nc, vh: utf8(v.vh) };
    const vkc = computeVkc(alg, input);
    const vks = computeVks(alg, input);
    expect(bytesToHex(vkc)).toBe(c.vkc_hex);
    expect(bytesToHex(vks)).toBe(c.vks_hex);
    expect(encodeFixedNumber(vkc, alg.wire)).toBe(c.vkc);
    expect(encodeFixedNumber(vks, alg.wire)).toBe(c.vks);
    expect(c.vkc.length).toBe(alg.hashWireLength);
    expect(bytesToHex(unwrap(decodeFixedNumber(c.vks, alg.wire, alg.hashLength, 'vks')))).toBe(c.vks_hex);
    // nc as a bigint gives the same octets.
    expect(bytesToHex(computeVkc(alg, { ...input, nc: BigInt(nc) }))).toBe(c.vkc_hex);
  });
});
