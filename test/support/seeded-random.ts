/**
 * A deterministic random source for tests: the same seed gives the same stream of octets, so a test can
 * replay the draws a function made (not random in any cryptographic sense; tests only).
 */
export function seededRandom(seed: Uint8Array): (n: number) => Uint8Array {
  let counter = 0;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = seed[(i + counter) % seed.length]! ^ ((counter * 131 + i * 7) & 0xff);
    counter++;
    return out;
  };
}
