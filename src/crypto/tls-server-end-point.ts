/**
 * RFC 5929 §4.1 `tls-server-end-point` channel binding, the vh of RFC 8120 §7 over HTTPS: the hash of the
 * server's DER certificate, with the hash of the certificate's signature algorithm — SHA-256 when that is
 * MD5 or SHA-1. Certificates whose signature has no single hash (e.g. Ed25519) have no binding (undefined
 * by RFC 5929): reported as an error, never guessed.
 */
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { fail, ok, type Result } from '../errors.ts';

type Hash = 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Signature algorithm OIDs (dotted) → the hash RFC 5929 §4.1 prescribes. */
const SIGNATURE_HASH: Record<string, Hash> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption → SHA-256
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption → SHA-256
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.14': 'sha224', // sha224WithRSAEncryption: the certificate's own hash (only MD5/SHA-1 are replaced)
  '1.2.840.10045.4.3.1': 'sha224', // ecdsa-with-SHA224
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1 → SHA-256
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const HASH_OIDS: Record<string, Hash> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1 → SHA-256
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

interface Tlv {
  tag: number;
  start: number; // first content octet
  end: number; // one past the last content octet
}

/** Read one DER TLV at `pos` within `limit`; undefined when malformed. */
function readTlv(b: Uint8Array, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = b[pos]!;
  let len = b[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  if (start + len > limit) return undefined;
  return { tag, start, end: start + len };
}

function oidToString(b: Uint8Array): string | undefined {
  if (b.length === 0) return undefined;
  const parts: number[] = [];
  let v = 0;
  for (const x of b) {
    v = v * 128 + (x & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) return undefined;
    if ((x & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift();
  if (first === undefined) return undefined;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** The hash named by an AlgorithmIdentifier SEQUENCE (for RSASSA-PSS, the hash inside its parameters). */
function hashOfAlgorithmIdentifier(der: Uint8Array, alg: Tlv): Hash | undefined {
  const oidTlv = readTlv(der, alg.start, alg.end);
  if (!oidTlv || oidTlv.tag !== 0x06) return undefined;
  const oid = oidToString(der.subarray(oidTlv.start, oidTlv.end));
  if (oid === undefined) return undefined;
  if (oid !== RSASSA_PSS) return SIGNATURE_HASH[oid];
  // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … }
  const params = readTlv(der, oidTlv.end, alg.end);
  if (!params || params.tag !== 0x30) return 'sha256';
  const first = readTlv(der, params.start, params.end);
  if (!first || first.tag !== 0xa0) return 'sha256';
  const hashAlg = readTlv(der, first.start, first.end);
  if (!hashAlg || hashAlg.tag !== 0x30) return undefined;
  const hashOid = readTlv(der, hashAlg.start, hashAlg.end);
  if (!hashOid || hashOid.tag !== 0x06) return undefined;
  const h = oidToString(der.subarray(hashOid.start, hashOid.end));
  return h === undefined ? undefined : HASH_OIDS[h];
}

/** vh for validation=tls-server-end-point from the server's DER-encoded (leaf) certificate. */
export function tlsServerEndPoint(der: Uint8Array): Result<Uint8Array> {
  const cert = readTlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30 || cert.end !== der.length) return fail('ERR_MUTUAL_ENCODING', 'the server certificate is not valid DER');
  const tbs = readTlv(der, cert.start, cert.end);
  if (!tbs || tbs.tag !== 0x30) return fail('ERR_MUTUAL_ENCODING', 'the server certificate has no tbsCertificate');
  const sigAlg = readTlv(der, tbs.end, cert.end);
  if (!sigAlg || sigAlg.tag !== 0x30) return fail('ERR_MUTUAL_ENCODING', 'the server certificate has no signatureAlgorithm');
  const hash = hashOfAlgorithmIdentifier(der, sigAlg);
  if (!hash) {
    return fail('ERR_MUTUAL_UNSUPPORTED', 'tls-server-end-point is undefined for this certificate\'s signature algorithm (RFC 5929 §4.1)');
  }
  const fn = { sha224, sha256, sha384, sha512 }[hash];
  return ok(fn(der));
}
