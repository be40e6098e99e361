/**
 * A short in-memory trace of decisions (URLs, message kinds and outcomes only — never headers, keys or
 * passwords); exposed as `globalThis.mutualTrace` only in test builds (see background/index.ts).
 */
export const trace: string[] = [];

export function note(s: string): void {
  trace.push(`${Date.now() % 100000} ${s}`);
  if (trace.length > 300) trace.splice(0, trace.length - 300);
}
