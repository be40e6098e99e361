/**
 * The KAM3 exchange of RFC 8121 §3, algorithm-independent: secrets, K_c1, K_s1, z and element checks over
 * kam3-dl.ts (§3.2) and kam3-ec.ts (§3.3); docs/protocol-decisions.md §2, §3.3.
 *
 * Error discipline: what comes from the peer (K_c1 for the server, K_s1 for the client) is checked first
 * and reported as a Result (ERR_MUTUAL_ENCODING / ERR_MUTUAL_INVALID_ELEMENT). Arguments the caller owns
 * (secrets, pi, the stored J, its own K_c1) are programming or configuration errors when wrong: they throw
 * MutualError ERR_MUTUAL_ARGUMENT.
 */
import { constantTimeEqual, type RandomSource, wipe } from '../bytes.ts';
import { MutualError, ok, type Result } from '../errors.ts';
import type { Algorithm } from './algorithms.ts';
import { pureBackend, type KexBackend } from './backend.ts';
import { int } from './encoding.ts';
import { checkDlElement, dlClientZ, dlKc1, dlServer } from './kam3-dl.ts';
import { ecClientZ, ecKc1, ecServer, pointOf } from './kam3-ec.ts';

type EcPoint = Parameters<typeof ecServer>[1]['J'];

function argError(message: string): MutualError {
  return new MutualError('ERR_MUTUAL_ARGUMENT', message);
}

function checkSecret(alg: Algorithm, S: bigint, min: bigint, what: string): void {
  if (typeof S !== 'bigint' || S < min || S >= alg.order) {
    throw argError(`expected ${what} in [${min}, r-1] for ${alg.name}`);
  }
}

function checkOwnOctets(b: Uint8Array, length: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== length) {
    throw argError(`expected ${length} octets for ${what}, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  }
}

const MAX_DRAWS = 64;

/**
 * A fresh secret S uniform in [minSecret, r-1] (S_c1 of RFC 8121 §3.2/§3.3, and S_s1 whose range [1, r-1]
 * contains it). Rejection sampling: draw bitlen(r) random bits, retry until the value is in range — exactly
 * uniform; the expected number of draws is below 1.0001 for all four groups. A source that fails 64 times
 * in a row is broken: throws ERR_MUTUAL_ARGUMENT.
 */
export function randomSecret(alg: Algorithm, random: RandomSource): bigint {
  const bits = alg.order.toString(2).length;
  const len = Math.ceil(bits / 8);
  const topMask = 0xff >> (8 * len - bits);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const bytes = random(len);
    if (!(bytes instanceof Uint8Array) || bytes.length !== len) {
      throw argError(`random source returned ${bytes instanceof Uint8Array ? bytes.length : typeof bytes} octets, expected ${len}`);
    }
    bytes[0]! &= topMask;
    const S = int(bytes);
    wipe(bytes);
    if (S >= alg.minSecret && S < alg.order) return S;
  }
  throw argError(`random source gave no value in [minSecret, r-1] in ${MAX_DRAWS} draws`);
}

/** OCTETS(K_c1) for the client's secret S_c1 in [minSecret, r-1] (RFC 8121 §3.2 / §3.3). */
export function clientKc1(alg: Algorithm, S_c1: bigint): Uint8Array {
  checkSecret(alg, S_c1, alg.minSecret, 'S_c1');
  return alg.kind === 'dl' ? dlKc1(alg, S_c1) : ecKc1(alg, S_c1);
}

/**
 * Check a received element (kc1 or ks1 after decodeFixedNumber): natural length (ERR_MUTUAL_ENCODING);
 * DL 1 < K < q-1 and in the order-r subgroup, EC a curve point by P'() (ERR_MUTUAL_INVALID_ELEMENT).
 * `what` names the parameter in the error message.
 */
export function checkElement(alg: Algorithm, element: Uint8Array, what: string): Result<void> {
  const r = alg.kind === 'dl' ? checkDlElement(alg, element, what) : pointOf(alg, element, what);
  return r.ok ? ok(undefined) : r;
}

/**
 * The server's step (RFC 8121 §3.2 / §3.3): check the received K_c1, then compute OCTETS(K_s1) and
 * OCTETS(z) from the stored verifier J = OCTETS(J(pi)) and the given S_s1 in [1, r-1] — exactly these values
 * (the vectors fix S_s1; a server uses {@link serverKs1Random}). Fails (without retrying) if K_s1 would be
 * out of range / 0_E, as the RFC requires. An invalid stored J throws ERR_MUTUAL_ARGUMENT: it is a broken
 * verifier database, not a hostile client. `backend` does the big-number work (backend.ts): pure by default.
 */
export function serverKs1(
  alg: Algorithm,
  args: { K_c1: Uint8Array; J: Uint8Array; S_s1: bigint },
  backend: KexBackend = pureBackend,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  return serverStep(alg, args, undefined, backend);
}

/**
 * The server's step for a new exchange: S_s1 is drawn here, uniform in [1, r-1] from `random`. On the curves
 * one more random bit lets a backend with x-only multiplication (backend.ts ecXOnly: node:crypto's ECDH)
 * use r − S_s1 instead where that saves work — the same distribution of K_s1 and z (kam3-ec.ts ecServer).
 */
export function serverKs1Random(
  alg: Algorithm,
  args: { K_c1: Uint8Array; J: Uint8Array },
  random: RandomSource,
  backend: KexBackend = pureBackend,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  const S_s1 = randomSecret(alg, random);
  let parity: 0 | 1 | undefined;
  if (alg.kind === 'ec') {
    const bit = random(1);
    if (!(bit instanceof Uint8Array) || bit.length !== 1) throw argError('random source returned no octet');
    parity = (bit[0]! & 1) as 0 | 1;
    wipe(bit);
  }
  return serverStep(alg, { ...args, S_s1 }, parity, backend);
}

function serverStep(
  alg: Algorithm,
  args: { K_c1: Uint8Array; J: Uint8Array; S_s1: bigint },
  parity: 0 | 1 | undefined,
  backend: KexBackend,
): Result<{ K_s1: Uint8Array; z: Uint8Array }> {
  checkSecret(alg, args.S_s1, 1n, 'S_s1');
  checkOwnOctets(args.J, alg.elementLength, 'J');
  if (alg.kind === 'dl') {
    const J = checkDlElement(alg, args.J, 'J');
    if (!J.ok) throw argError(`stored verifier is invalid: ${J.error.message}`);
    return dlServer(alg, { K_c1: args.K_c1, J: J.value, S_s1: args.S_s1 }, backend);
  }
  const J = verifierPoint(alg, args.J, backend);
  return ecServer(alg, { K_c1: args.K_c1, J, S_s1: args.S_s1, ...(parity === undefined ? {} : { parity }) }, backend);
}

/**
 * Checked verifier points, by the array that holds the stored J: a server answers every exchange of a user
 * with the same verifier entry, and checking J (a square root) was ~3% of a P-256 exchange. An entry holds
 * a copy of the octets and serves only while the array still holds them (compared without early exit: J
 * is a password verifier); it goes when the array does.
 */
const verifierPoints = new WeakMap<Uint8Array, { octets: Uint8Array; alg: Algorithm; point: EcPoint }>();

function verifierPoint(alg: Algorithm, J: Uint8Array, backend: KexBackend): EcPoint {
  const cached = verifierPoints.get(J);
  if (cached && cached.alg === alg && constantTimeEqual(cached.octets, J)) return cached.point;
  const checked = pointOf(alg, J, 'J', backend.ecXOnly?.lift);
  if (!checked.ok) throw argError(`stored verifier is invalid: ${checked.error.message}`);
  verifierPoints.set(J, { octets: J.slice(), alg, point: checked.value });
  return checked.value;
}

/**
 * The client's step (RFC 8121 §3.2 / §3.3): check the received K_s1, then compute OCTETS(z) from S_c1,
 * the client's own OCTETS(K_c1) and pi (the hSize/8 PBKDF2 octets of derivePi).
 */
export function clientZ(
  alg: Algorithm,
  args: { S_c1: bigint; K_c1: Uint8Array; K_s1: Uint8Array; pi: Uint8Array },
): Result<Uint8Array> {
  checkSecret(alg, args.S_c1, alg.minSecret, 'S_c1');
  checkOwnOctets(args.K_c1, alg.elementLength, 'K_c1');
  checkOwnOctets(args.pi, alg.hashLength, 'pi');
  const v = { S_c1: args.S_c1, K_c1: args.K_c1, K_s1: args.K_s1, pi: int(args.pi) };
  return alg.kind === 'dl' ? dlClientZ(alg, v) : ecClientZ(alg, v);
}
