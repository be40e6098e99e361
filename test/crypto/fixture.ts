/**
 * Typed access to test/fixtures/kam3.json: the test vectors of an independent implementation of RFC 8120/8121,
 * kept byte for byte as received (so its own text names the places it came from); its "about" text defines
 * every field.
 */
import { readFileSync } from 'node:fs';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../../src/bytes.ts';
import type { AlgorithmName } from '../../src/crypto/algorithms.ts';
import { int } from '../../src/crypto/encoding.ts';

export interface Kam3Vector {
  id: string;
  algorithm: AlgorithmName;
  username: string;
  username_utf8_hex: string;
  password: string;
  password_utf8_hex: string;
  realm: string;
  realm_utf8_hex: string;
  auth_scope: string;
  vh: string;
  pbkdf2_salt: string;
  pi: string;
  pi_mod_q: string;
  J: string;
  S_c1_label: string;
  S_c1: string;
  S_s1_label: string;
  S_s1: string;
  K_c1: string;
  kc1: string;
  K_s1: string;
  ks1: string;
  t_1: string;
  t_2: string;
  client_exponent: string;
  z: string;
  per_nc: { nc: number; 'VI(nc)': string; vkc: string; vks: string; vkc_hex: string; vks_hex: string }[];
}

export interface ElementCase {
  name: string;
  wire: string;
  why?: string;
  check?: 'encoding' | 'range' | 'point' | 'subgroup';
  rfc_required?: boolean;
}

export interface Group {
  type: 'dl' | 'ec';
  p: string;
  q?: string;
  n?: string;
  g?: string;
  G?: string;
  elen: number;
  hlen: number;
  wire: 'base64-fixed-number' | 'hex-fixed-number';
  kc1_wire_chars: number;
  vkc_wire_chars: number;
  min_S_c1: number;
}

export interface Fixture {
  about: string;
  secret_derivation: string;
  pbkdf2_iterations: number;
  nc_values: number[];
  groups: Record<AlgorithmName, Group>;
  kam3: Kam3Vector[];
  vi: { int: number; hex: string }[];
  vs: { input: string; input_type: 'utf8' | 'hex'; hex: string }[];
  invalid_elements: Record<AlgorithmName, ElementCase[]>;
  invalid_elements_strict: Record<AlgorithmName, ElementCase[]>;
  valid_elements: Record<AlgorithmName, ElementCase[]>;
}

export const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/kam3.json', import.meta.url), 'utf8'),
) as Fixture;

/** An "(int hex)" field: big-endian, minimal even-length lowercase hex. */
export function intHex(n: bigint): string {
  const h = n.toString(16);
  return h.length % 2 === 0 ? h : '0' + h;
}

export function hexInt(h: string): bigint {
  return BigInt('0x' + h);
}

/**
 * The vectors' secret_derivation: k = ceil((bitlen(q)+64)/512); B_i = SHA-512(UTF-8(label + '#' + i));
 * S = (INT(B_0|...|B_{k-1}) mod (q-1)) + 1, q = the group order (r of RFC 8121).
 */
export function deriveVectorSecret(label: string, order: bigint): bigint {
  const k = Math.ceil((order.toString(2).length + 64) / 512);
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < k; i++) blocks.push(sha512(utf8(`${label}#${i}`)));
  return (int(concatBytes(...blocks)) % (order - 1n)) + 1n;
}
