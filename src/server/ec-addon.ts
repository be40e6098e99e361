/**
 * The server's optional native addon (native/ec-mul, built by scripts/build-native.mjs at `npm install`):
 * OpenSSL's EC_POINT_mul on P-256, returning the whole point — node:crypto's ECDH returns only x, which cost
 * the key exchange five multiplications and a square root instead of three (docs/decisions.md). Loaded once;
 * without it (no C compiler where the server was installed) `nativeEc` is undefined, `nativeEcProblem` says
 * why, and native-backend.ts keeps its node:crypto path: same results, about twice the CPU per exchange.
 */
import { createRequire } from 'node:module';

export interface NativeEc {
  /**
   * [g]G + [k]P + Q on P-256 as SEC1 uncompressed octets (a fresh Buffer the caller may wipe), null for the
   * point at infinity. Scalars: big-endian octets below the order; points: SEC1, checked to be on the curve by
   * OpenSSL. `secret`: k is secret — g and Q must then be null (OpenSSL's constant-time one-point path).
   * Throws TypeError/RangeError for arguments outside these rules.
   */
  mul(curve: 'P-256', g: Uint8Array | null, P: Uint8Array | null, k: Uint8Array | null, Q: Uint8Array | null, secret: boolean): Uint8Array | null;
}

/** The one algorithm whose exchange the addon computes (P-521 stays with the pure code: docs/decisions.md). */
export const ADDON_ALGORITHM = 'iso-kam3-ec-p256-sha256';

/** Where the addon is built (relative to this file: src/server → native/ec-mul/build/Release). */
export const NATIVE_EC_PATH = '../../native/ec-mul/build/Release/ec_mul.node';

function load(): { ec?: NativeEc; problem?: string } {
  try {
    const m: unknown = createRequire(import.meta.url)(NATIVE_EC_PATH);
    if (typeof m === 'object' && m !== null && typeof (m as { mul?: unknown }).mul === 'function') return { ec: m as NativeEc };
    return { problem: 'the addon does not export mul()' };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { problem: code === 'MODULE_NOT_FOUND' ? 'not built (npm run build:native)' : `not loadable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const loaded = process.env.MUTUAL_NO_NATIVE_EC === '1' ? { problem: 'turned off by MUTUAL_NO_NATIVE_EC=1' } : load();

/** The addon, or undefined (then {@link nativeEcProblem} says why). */
export const nativeEc: NativeEc | undefined = loaded.ec;
export const nativeEcProblem: string | undefined = loaded.problem;

/** A warning for the server's console when P-256 areas run without the addon; undefined when it is loaded or not needed. */
export function addonNotice(algorithms: readonly string[]): string | undefined {
  if (nativeEc || !algorithms.includes(ADDON_ALGORITHM)) return undefined;
  return `P-256 key exchanges use node:crypto's ECDH, about twice the CPU: the native addon is ${nativeEcProblem ?? 'missing'}`;
}
