/**
 * Client nonce numbers (RFC 8120 §6; docs/protocol-decisions.md §3.5): a counter per session that starts at 1,
 * only ever moves up, and stops at nc-max. Allocation returns the new counter value so the caller can
 * persist it *before* the request that uses the number goes out — after a crash or a service-worker restart
 * the counter resumes above every number that may have been sent, so no number is ever reused.
 */

/** The largest integer this implementation represents exactly; larger received values are clamped to it. */
export const MAX_SAFE_NC = Number.MAX_SAFE_INTEGER;

export interface NonceCounter {
  /** The next number to hand out (≥ 1). */
  readonly next: number;
  /** nc-max of the session (RFC 8120 §4.3), already clamped to MAX_SAFE_NC by the parser. */
  readonly max: number;
}

export function newNonceCounter(ncMax: number): NonceCounter {
  return { next: 1, max: Math.min(Math.max(0, Math.floor(ncMax)), MAX_SAFE_NC) };
}

export type Allocation = { ok: true; nc: number; counter: NonceCounter } | { ok: false; reason: 'exhausted' };

/** Take the next nonce number, or report that the session has used every number up to nc-max. */
export function allocateNonce(c: NonceCounter): Allocation {
  if (c.next > c.max || c.next >= MAX_SAFE_NC) return { ok: false, reason: 'exhausted' };
  return { ok: true, nc: c.next, counter: { next: c.next + 1, max: c.max } };
}
