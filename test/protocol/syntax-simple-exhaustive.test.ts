/**
 * parseChallenges' one-pass path: every string of up to 7 characters over the characters that
 * decide the grammar (a name/value letter, an upper-case letter, "=", ",", SP, HTAB, DQUOTE, "/" and "."),
 * and every string of up to 5 more after "M " over a wider set (backslash, "_", "-", a non-ASCII letter):
 * wherever simpleChallenge answers, its challenge is exactly fullScan's (same keys, same order, null prototype).
 */
import { describe, expect, it } from 'vitest';
import { fullScan, simpleChallenge, type Challenge } from '../../src/protocol/syntax.ts';

const shape = (c: Challenge) => JSON.stringify([c.scheme, Object.entries(c.params), Object.keys(c).sort(), Object.getPrototypeOf(c.params)]);

function* strings(alphabet: string, maxLength: number, prefix: string): Generator<string> {
  for (let len = 1; len <= maxLength; len++) {
    const at = new Array<number>(len).fill(0);
    for (;;) {
      let s = prefix;
      for (const k of at) s += alphabet[k];
      yield s;
      let k = len - 1;
      while (k >= 0 && ++at[k]! === alphabet.length) at[k--] = 0;
      if (k < 0) break;
    }
  }
}

describe('simpleChallenge against fullScan, exhaustively on short fields', () => {
  it.each([
    ['a=, "/A\t.', 7, ''],
    ['ab=, "\\/_-\t\u00e9', 5, 'M '],
  ] as const)('alphabet %j up to %i characters after %j', (alphabet, maxLength, prefix) => {
    let answered = 0;
    const wrong: string[] = [];
    for (const s of strings(alphabet, maxLength, prefix)) {
      const simple = simpleChallenge(s);
      if (simple === undefined) continue;
      answered++;
      const full = fullScan(s);
      if (!full.ok || full.value.length !== 1 || shape(full.value[0]!) !== shape(simple)) wrong.push(s);
    }
    expect(wrong).toEqual([]);
    expect(answered).toBeGreaterThan(1000); // the simple path really answered for many of them
  });
});
