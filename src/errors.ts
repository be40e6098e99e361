/**
 * The one error type of the engine (docs/style.md §4): every failure the engine can report carries a stable
 * `code`, so callers (CLI, server, extension) branch on codes and tests assert them.
 */
export type MutualErrorCode =
  /** A header field could not be parsed at all (RFC 7235 syntax). */
  | 'ERR_MUTUAL_SYNTAX'
  /** A size bound of docs/protocol-decisions.md §3.8 was exceeded before parsing went further. */
  | 'ERR_MUTUAL_LIMIT'
  /** A parsed challenge/credential is not a valid message of RFC 8120 §4 / RFC 8053. */
  | 'ERR_MUTUAL_MESSAGE'
  /** A base64-/hex-fixed-number or other value has the wrong form or length (RFC 8120 §3.2.3). */
  | 'ERR_MUTUAL_ENCODING'
  /** A received group element failed its check (RFC 8121 §3.2/§3.3, plus the project's subgroup check). */
  | 'ERR_MUTUAL_INVALID_ELEMENT'
  /** Username or password rejected by RFC 7613 string preparation (RFC 8120 §9). */
  | 'ERR_MUTUAL_STRINGPREP'
  /** An auth-scope, URL or vh is unusable (RFC 8120 §5, §7). */
  | 'ERR_MUTUAL_SCOPE'
  /** The algorithm, validation method or version is not one this implementation can use. */
  | 'ERR_MUTUAL_UNSUPPORTED'
  /** The server failed to prove it knows the verifier: wrong vks, no Authentication-Info, other sid. */
  | 'ERR_MUTUAL_SERVER_AUTH'
  /** The server refused the client's credentials (auth-failed after req-VFY-C). */
  | 'ERR_MUTUAL_AUTH_FAILED'
  /** A nonce number would be reused or exceed nc-max (RFC 8120 §6). */
  | 'ERR_MUTUAL_NONCE'
  /** The response sequence broke the rules of RFC 8120 §10.1 (e.g. a normal response to req-VFY-C). */
  | 'ERR_MUTUAL_PROTOCOL'
  /** A caller passed an argument of the wrong shape (programming error, not hostile input). */
  | 'ERR_MUTUAL_ARGUMENT';

export class MutualError extends Error {
  readonly code: MutualErrorCode;

  constructor(code: MutualErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MutualError';
    this.code = code;
  }
}

/** A value or a typed error: what every parser of hostile input returns instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: MutualError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: MutualErrorCode, message: string): Result<T> => ({
  ok: false,
  error: new MutualError(code, message),
});
