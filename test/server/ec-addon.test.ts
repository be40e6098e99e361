/**
 * The server's native addon (native/ec-mul, src/server/ec-addon.ts): OpenSSL's whole-point P-256 products
 * against @noble/curves, every refusal of its argument rules, and the key exchange that uses it
 * (kam3-ec.ts wholeProducts) against the pure backend, the client, and the degenerate cases. `npm test` builds
 * the addon first (scripts/build-native.mjs --required); these tests fail, saying why, when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes.ts';
import { getAlgorithm } from '../../src/crypto/algorithms.ts';
import { pureBackend, type EcWhole, type KexBackend } from '../../src/crypto/backend.ts';
import { verifierJ } from '../../src/crypto/derive.ts';
import { int, octets } from '../../src/crypto/encoding.ts';
import { clientKc1, clientZ, randomSecret, serverKs1, serverKs1Random } from '../../src/crypto/kam3.ts';
import { t1 } from '../../src/crypto/kam3-common.ts';
import { ecCurve, encodePoint, fromSec1, pointOf } from '../../src/crypto/kam3-ec.ts';
import { addonNotice, nativeEc, nativeEcProblem, type NativeEc } from '../../src/server/ec-addon.ts';
import { nativeBackend, wholeBy } from '../../src/server/native-backend.ts';
import { seededRandom } from '../support/seeded-random.ts';

const P256 = getAlgorithm('iso-kam3-ec-p256-sha256')!;
const P521 = getAlgorithm('iso-kam3-ec-p521-sha512')!;
const Point = ecCurve(P256);
const r = Point.Fn.ORDER;
const be = (k: bigint): Uint8Array => octets(k, 32);
const randomScalar = (): bigint => (int(randomBytes(40)) % (r - 1n)) + 1n;
const hex = (b: Uint8Array | null): string | null => (b === null ? null : bytesToHex(b));

/** The addon, or a test failure that says why it is missing. */
function addon(): NativeEc {
  expect(nativeEcProblem, 'the native addon is not loaded: run `npm run build:native`').toBeUndefined();
  return nativeEc!;
}

describe('the native addon: [g]G + [k]P + Q', () => {
  it('is built, loaded and used by the server backend', () => {
    addon();
    expect(nativeBackend.ecWhole).toBeDefined();
    expect(nativeBackend.name).toMatch(/addon/);
  });

  it('equals @noble/curves for random scalars and points, compressed or not', () => {
    const ec = addon();
    for (let i = 0; i < 40; i++) {
      const g = randomScalar();
      const k = randomScalar();
      const P = Point.BASE.multiply(randomScalar());
      const Q = Point.BASE.multiply(randomScalar());
      const want = Point.BASE.multiply(g).add(P.multiply(k)).add(Q);
      expect(hex(ec.mul('P-256', be(g), P.toBytes(i % 2 === 0), be(k), Q.toBytes(i % 3 === 0), false))).toBe(bytesToHex(want.toBytes(false)));
      expect(hex(ec.mul('P-256', null, P.toBytes(false), be(k), null, true))).toBe(bytesToHex(P.multiply(k).toBytes(false)));
      expect(hex(ec.mul('P-256', be(g), null, null, null, false))).toBe(bytesToHex(Point.BASE.multiply(g).toBytes(false)));
    }
  });

  it('takes the edge scalars 1 and r − 1, short scalars, and answers null for the point at infinity', () => {
    const ec = addon();
    const P = Point.BASE.multiply(7n);
    for (const k of [1n, 2n, r - 1n, r - 2n]) {
      expect(hex(ec.mul('P-256', null, P.toBytes(false), be(k), null, true))).toBe(bytesToHex(P.multiply(k).toBytes(false)));
    }
    expect(hex(ec.mul('P-256', Uint8Array.of(5), null, null, null, false))).toBe(bytesToHex(Point.BASE.multiply(5n).toBytes(false)));
    expect(ec.mul('P-256', null, P.toBytes(false), be(1n), P.negate().toBytes(false), false)).toBeNull(); // P − P
    expect(ec.mul('P-256', be(r - 1n), Point.BASE.toBytes(false), be(1n), null, false)).toBeNull(); // −G + G
    expect(ec.mul('P-256', Uint8Array.of(0), null, null, null, false)).toBeNull(); // [0]G
  });

  it('refuses every argument outside its rules, with a typed error', () => {
    const ec = addon();
    const P = Point.BASE.multiply(9n).toBytes(false);
    const offCurve = P.slice();
    offCurve[64] = offCurve[64]! ^ 1; // y changed: not on the curve
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['another curve', () => ec.mul('P-521' as 'P-256', be(3n), null, null, null, false), /curve must be/],
      ['a curve name with more after it', () => ec.mul('P-256\u0000x' as 'P-256', be(3n), null, null, null, false), /curve must be/],
      ['a point off the curve', () => ec.mul('P-256', null, offCurve, be(3n), null, true), /not on the curve/],
      ['an x with no point', () => ec.mul('P-256', null, Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)), be(3n), null, false), /not on the curve/],
      ['the one-octet point at infinity', () => ec.mul('P-256', null, Uint8Array.of(0), be(3n), null, false), /SEC1/],
      ['a wrong point length', () => ec.mul('P-256', null, P.subarray(0, 64), be(3n), null, false), /SEC1/],
      ['a wrong point prefix', () => ec.mul('P-256', null, Uint8Array.of(6, ...P.subarray(1)), be(3n), null, false), /SEC1/],
      ['Q off the curve', () => ec.mul('P-256', be(2n), null, null, offCurve, false), /not on the curve/],
      ['a scalar equal to the order', () => ec.mul('P-256', be(r), null, null, null, false), /below the group order/],
      ['a scalar longer than the order', () => ec.mul('P-256', new Uint8Array(33).fill(1), null, null, null, false), /order's length/],
      ['an empty scalar', () => ec.mul('P-256', new Uint8Array(0), null, null, null, false), /order's length/],
      ['P without k', () => ec.mul('P-256', null, P, null, null, false), /go together/],
      ['k without P', () => ec.mul('P-256', be(2n), null, be(3n), null, false), /go together/],
      ['nothing to multiply', () => ec.mul('P-256', null, null, null, P, false), /nothing to multiply/],
      ['a secret scalar with g', () => ec.mul('P-256', be(2n), P, be(3n), null, true), /alone/],
      ['a secret scalar with Q', () => ec.mul('P-256', null, P, be(3n), P, true), /alone/],
      ['a string for a scalar', () => ec.mul('P-256', '03' as unknown as Uint8Array, null, null, null, false), /Uint8Arrays/],
      ['a Uint16Array for a point', () => ec.mul('P-256', null, new Uint16Array(33) as unknown as Uint8Array, be(3n), null, false), /Uint8Arrays/],
      ['a number for secret', () => ec.mul('P-256', be(2n), null, null, null, 1 as unknown as boolean), /boolean/],
      ['too few arguments', () => (ec.mul as (...a: unknown[]) => unknown)('P-256', be(2n)), /six arguments/],
    ];
    for (const [why, call, message] of cases) expect(call, why).toThrow(message);
  });
});

describe('the server backend with the addon (native-backend.ts wholeBy)', () => {
  it('wipes the scalar octets it hands over, and leaves P-521 and refused calls to the other paths', () => {
    const seen: Uint8Array[] = [];
    const fake: NativeEc = {
      mul: (_c, g, _P, k, _Q, _s) => {
        for (const x of [g, k]) if (x) seen.push(x);
        expect([g, k].some((x) => x && x.some((b) => b !== 0))).toBe(true); // not wiped before the call
        return Point.BASE.toBytes(false);
      },
    };
    const whole = wholeBy(fake);
    expect(whole.mulAdd(P256, { g: 12345n, P: Point.BASE.toBytes(false), k: r - 3n }, false)).toEqual(Point.BASE.toBytes(false));
    expect(seen).toHaveLength(2);
    for (const x of seen) expect(x.every((b) => b === 0)).toBe(true);
    expect(whole.mulAdd(P521, { g: 3n }, false)).toBeUndefined();
    const throwing = wholeBy({ mul: () => { throw new RangeError('refused'); } });
    expect(throwing.mulAdd(P256, { g: 3n }, false)).toBeUndefined();
  });

  it('takes four addon calls per exchange and no other multiplication, and the client agrees with it', () => {
    addon();
    let calls = 0;
    let other = 0;
    const counting: KexBackend = {
      ...nativeBackend,
      ecMultiply: (alg, P, k, secret) => {
        other++;
        return pureBackend.ecMultiply(alg, P, k, secret);
      },
      ecXOnly: undefined,
      ecWhole: { mulAdd: (alg, t, secret) => (calls++, nativeBackend.ecWhole!.mulAdd(alg, t, secret)) } satisfies EcWhole,
    };
    const pi = new Uint8Array(randomBytes(32));
    const J = verifierJ(P256, pi);
    for (let i = 0; i < 8; i++) {
      const random = seededRandom(Uint8Array.of(2, i));
      const S_c1 = randomSecret(P256, random);
      const K_c1 = clientKc1(P256, S_c1);
      calls = 0;
      const s = serverKs1Random(P256, { K_c1, J }, random, counting);
      expect(s.ok).toBe(true);
      if (!s.ok) return;
      expect(calls).toBe(4);
      expect(other).toBe(0);
      const c = clientZ(P256, { S_c1, pi, K_c1, K_s1: s.value.K_s1 });
      expect(c.ok && bytesToHex(c.value)).toBe(bytesToHex(s.value.z));
    }
  });

  it('equals the pure backend for random inputs (property)', () => {
    addon();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const random = seededRandom(seed);
        const K_c1 = clientKc1(P256, randomSecret(P256, random));
        const J = clientKc1(P256, randomSecret(P256, random));
        const S_s1 = randomSecret(P256, random);
        const pure = serverKs1(P256, { K_c1, J, S_s1 }, pureBackend);
        const native = serverKs1(P256, { K_c1, J, S_s1 }, nativeBackend);
        expect(native).toStrictEqual(pure);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects K_s1 = 0_E (J = −[t_1]K_c1) exactly as the pure backend does', () => {
    addon();
    const K_c1 = clientKc1(P256, 987654321n);
    const K_c1p = pointOf(P256, K_c1, 'kc1');
    expect(K_c1p.ok).toBe(true);
    if (!K_c1p.ok) return;
    const J = encodePoint(P256, K_c1p.value.multiply(t1(P256, K_c1) % r).negate())!;
    const pure = serverKs1(P256, { K_c1, J, S_s1: 42n }, pureBackend);
    const native = serverKs1(P256, { K_c1, J, S_s1: 42n }, nativeBackend);
    expect(pure.ok).toBe(false);
    expect(native).toStrictEqual(pure);
  });

  it('refuses an invalid K_c1 before any product, as the pure backend does', () => {
    addon();
    const J = clientKc1(P256, 5n);
    const bad = new Uint8Array(P256.elementLength).fill(0xff); // x above the field prime
    expect(serverKs1(P256, { K_c1: bad, J, S_s1: 7n }, nativeBackend)).toStrictEqual(serverKs1(P256, { K_c1: bad, J, S_s1: 7n }, pureBackend));
  });
});

describe('fromSec1: OCTETS(P()) from SEC1 octets', () => {
  it('equals encodePoint on both curves, and refuses other octets', () => {
    for (const alg of [P256, P521]) {
      const C = ecCurve(alg);
      for (let i = 0; i < 30; i++) {
        const p = C.BASE.multiply((int(randomBytes(80)) % (C.Fn.ORDER - 1n)) + 1n);
        expect(bytesToHex(fromSec1(alg, p.toBytes(false)))).toBe(bytesToHex(encodePoint(alg, p)!));
      }
      const good = C.BASE.toBytes(false);
      expect(() => fromSec1(alg, good.subarray(1))).toThrow(/SEC1/);
      expect(() => fromSec1(alg, C.BASE.toBytes(true))).toThrow(/SEC1/);
    }
  });
});

describe('without the addon (MUTUAL_NO_NATIVE_EC=1, as where it could not be built)', () => {
  it('the server backend is node:crypto alone, still right, and the console is told why', () => {
    const code = `
      const { nativeBackend } = await import('./src/server/native-backend.ts');
      const { addonNotice } = await import('./src/server/ec-addon.ts');
      const { serverKs1, clientKc1 } = await import('./src/crypto/kam3.ts');
      const { pureBackend } = await import('./src/crypto/backend.ts');
      const { getAlgorithm } = await import('./src/crypto/algorithms.ts');
      const alg = getAlgorithm('iso-kam3-ec-p256-sha256');
      const args = { K_c1: clientKc1(alg, 1234567n), J: clientKc1(alg, 7654321n), S_s1: 99999n };
      const same = JSON.stringify(serverKs1(alg, args, nativeBackend)) === JSON.stringify(serverKs1(alg, args, pureBackend));
      console.log(JSON.stringify({ name: nativeBackend.name, whole: nativeBackend.ecWhole !== undefined, same,
        p256: addonNotice(['iso-kam3-ec-p256-sha256']) ?? null, dl: addonNotice(['iso-kam3-dl-2048-sha256']) ?? null }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, MUTUAL_NO_NATIVE_EC: '1' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toStrictEqual({
      name: 'node:crypto', whole: false, same: true,
      p256: "P-256 key exchanges use node:crypto's ECDH, about twice the CPU: the native addon is turned off by MUTUAL_NO_NATIVE_EC=1",
      dl: null,
    });
    // With the addon loaded (this process) nothing is said.
    expect(addonNotice(['iso-kam3-ec-p256-sha256'])).toBeUndefined();
  });
});
