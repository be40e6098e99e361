/**
 * RFC 8120 §9 string preparation: RFC 7613 UsernameCasePreserved (§3.3) and OpaqueString (§4.2) over the
 * PRECIS classes of RFC 7564, the contextual rules of RFC 5892 Appendix A and the Bidi Rule of RFC 5893.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, utf8 } from '../../src/bytes.ts';
import {
  derivedProperty,
  inspectPassword,
  inspectUsername,
  MAX_CODE_POINTS,
  preparePassword,
  prepareUsername,
  type StringClass,
  type StringprepOutcome,
} from '../../src/protocol/stringprep.ts';
import {
  bidiClass,
  isAssignedInTables,
  isVirama,
  joiningType,
  PRECIS_DERIVED_DIGEST,
  TABLES_UNICODE_VERSION,
  widthMapping,
} from '../../src/protocol/unicode-tables.ts';
import { vectors } from '../fixtures/vectors.ts';

interface PrepVector {
  input: string;
  input_utf8_hex: string | null;
  output: string;
  output_utf8_hex?: string;
  reason?: string;
  note?: string;
}

const prep = vectors.string_prep as unknown as { username: PrepVector[]; password: PrepVector[] };
const profiles = {
  username: { prepare: prepareUsername, inspect: inspectUsername },
  password: { prepare: preparePassword, inspect: inspectPassword },
} as const;

const label = (v: { input: string; note?: string }): string =>
  `${JSON.stringify(v.input)}${v.note ? ` (${v.note})` : ''}`;

/** The well-formed UTF-16 check of the vectors: lone surrogates have no UTF-8 form (their hex is null). */
const hasLoneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);

function expectRejected(o: StringprepOutcome): asserts o is Extract<StringprepOutcome, { ok: false }> {
  expect(o.ok, o.ok ? `accepted as ${JSON.stringify(o.value)}` : '').toBe(false);
}

describe('string_prep vectors', () => {
  it('has the announced number of cases', () => {
    expect(prep.username).toHaveLength(42);
    expect(prep.password).toHaveLength(34);
  });

  for (const name of ['username', 'password'] as const) {
    const { prepare, inspect } = profiles[name];
    describe(name, () => {
      for (const v of prep[name]) {
        it(label(v), () => {
          // The fixture's own consistency: the JSON string is the octets it claims.
          if (v.input_utf8_hex === null) expect(hasLoneSurrogate(v.input)).toBe(true);
          else expect(bytesToHex(utf8(v.input))).toBe(v.input_utf8_hex);

          const r = prepare(v.input);
          if (v.output === 'reject') {
            expect(r.ok).toBe(false);
            if (!r.ok) {
              expect(r.error.code).toBe('ERR_MUTUAL_STRINGPREP');
              expect(r.error.message).toMatch(new RegExp(`^the ${name} `));
            }
            // The reference's reason names are informative; ours use the same names.
            const o = inspect(v.input);
            expectRejected(o);
            expect(o.reason).toBe(v.reason);
            if (o.codePoint !== undefined) expect(o.message).toContain(hexName(o.codePoint));
          } else {
            expect(r).toEqual({ ok: true, value: v.output });
            if (r.ok) expect(bytesToHex(utf8(r.value))).toBe(v.output_utf8_hex);
          }
        });
      }
    });
  }
});

describe('string_prep_ambiguous vectors (the "reference" reading)', () => {
  for (const v of vectors.string_prep_ambiguous) {
    it(`${v.profile} ${label({ input: v.input })}: ${v.what.slice(0, 60)}`, () => {
      expect(bytesToHex(utf8(v.input))).toBe(v.input_utf8_hex);
      const r = profiles[v.profile as 'username' | 'password'].prepare(v.input);
      if (v.reference === 'reject') expect(r.ok).toBe(false);
      else expect(r).toEqual({ ok: true, value: v.reference });
    });
  }
});

describe('kam3 username/password pairs', () => {
  vectors.kam3.forEach((k, i) => {
    it(`#${i} ${k.algorithm}: ${JSON.stringify(k.username_input)} / ${JSON.stringify(k.password_input)}`, () => {
      expect(prepareUsername(k.username_input)).toEqual({ ok: true, value: k.username });
      expect(preparePassword(k.password_input)).toEqual({ ok: true, value: k.password });
    });
  });
});

describe('messages say what is wrong in plain words', () => {
  it('names the space in a username', () => {
    const r = prepareUsername('foo bar');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toBe(
        'the username contains a space (U+0020) at character 4, which usernames may not contain',
      );
    }
  });

  it('explains a code point produced by width mapping', () => {
    expectRejected(inspectUsername('a\u3000b'));
    expect(inspectUsername('a\u3000b')).toMatchObject({
      reason: 'space',
      codePoint: 0x20,
      message: expect.stringContaining('the U+3000 that was typed, after width mapping'),
    });
  });

  it('suggests the plain form of a compatibility character', () => {
    expect(inspectUsername('henry\u2163')).toMatchObject({
      reason: 'has-compat',
      message: expect.stringMatching(/"Ⅳ" \(U\+2163\) at character 6, a compatibility variant of "IV"/),
    });
  });

  it('never shows password characters or positions', () => {
    for (const pw of ['secret€\t', 'hunter2\u00b7x', 'sécret\u2028', 'p\u0640w', '\u05d0secret\u0378']) {
      const o = inspectPassword(pw);
      expectRejected(o);
      for (const word of ['secret', 'sécret', 'hunter2', '€']) expect(o.message).not.toContain(word);
      expect(o.message).not.toMatch(/at character \d/);
      expect(o.message).toMatch(/U\+[0-9A-F]{4}/);
    }
  });

  it('refuses non-strings as an argument error, not a preparation error', () => {
    for (const x of [undefined, null, 42, ['a'], { toString: () => 'a' }]) {
      const r = prepareUsername(x as unknown as string);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_ARGUMENT');
      expect(preparePassword(x as unknown as string).ok).toBe(false);
    }
  });
});

describe('length bound', () => {
  it(`accepts ${MAX_CODE_POINTS} code points and refuses one more`, () => {
    expect(prepareUsername('a'.repeat(MAX_CODE_POINTS)).ok).toBe(true);
    expect(preparePassword('\u{1F600}'.repeat(MAX_CODE_POINTS)).ok).toBe(true); // 2 UTF-16 units each
    expect(inspectUsername('a'.repeat(MAX_CODE_POINTS + 1))).toMatchObject({ reason: 'too-long' });
    expect(inspectPassword('\u{1F600}'.repeat(MAX_CODE_POINTS + 1))).toMatchObject({ reason: 'too-long' });
  });

  it('refuses a huge string quickly', () => {
    const huge = 'x'.repeat(50_000_000);
    const t = performance.now();
    expect(inspectPassword(huge)).toMatchObject({ ok: false, reason: 'too-long' });
    expect(performance.now() - t).toBeLessThan(50);
  });
});

describe('contextual rules (RFC 5892 Appendix A)', () => {
  const cases: [profile: 'username' | 'password', input: string, accepted: boolean, why: string][] = [
    ['username', '\u0915\u094d\u200c\u0937', true, 'A.1 ZWNJ after a virama (Devanagari)'],
    ['username', '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645', true, 'A.1 ZWNJ between joining letters'],
    ['username', '\u0628\u064e\u200c\u0628', true, 'A.1 transparent mark between the left letter and ZWNJ'],
    ['username', '\u0627\u200c\u0628', false, 'A.1 ZWNJ after a right-joining letter (ALEF)'],
    ['username', 'a\u200cb', false, 'A.1 ZWNJ between Latin letters'],
    ['password', 'a\u200cb', false, 'A.1 applies in the FreeformClass too'],
    ['username', '\u0915\u094d\u200d\u0937', true, 'A.2 ZWJ after a virama'],
    ['username', 'a\u200db', false, 'A.2 ZWJ elsewhere'],
    ['username', '\u00b7l', false, 'A.3 MIDDLE DOT at the start'],
    ['password', 'l\u00b7l', true, 'A.3 in a password'],
    ['password', 'x\u00b7y', false, 'A.3 applies in the FreeformClass too'],
    ['username', '\u0375\u03b1', true, 'A.4 KERAIA before a Greek letter'],
    ['username', '\u0375a', false, 'A.4 KERAIA before a Latin letter'],
    ['username', '\u05d0\u05f3', true, 'A.5 GERESH after a Hebrew letter'],
    ['username', '\u05f3\u05d0', false, 'A.5 GERESH first'],
    ['username', '\u05d0\u05f4\u05d1', true, 'A.6 GERSHAYIM after a Hebrew letter'],
    ['username', '\u30a2\u30fb\u30a4', true, 'A.7 KATAKANA MIDDLE DOT with Katakana'],
    ['username', '\u5c71\u30fb\u7530', true, 'A.7 with Han'],
    ['username', 'a\u30fbb', false, 'A.7 without Hiragana, Katakana or Han'],
    ['username', '\u0628\u0661\u0662', true, 'A.8 Arabic-Indic digits alone'],
    ['username', '\u0628\u0661\u06f2', false, 'A.8/A.9 both kinds of Arabic digits'],
    ['username', '\u0628\u06f1\u06f2', true, 'A.9 Extended Arabic-Indic digits alone'],
  ];
  for (const [profile, input, accepted, why] of cases) {
    it(`${profile} ${why}`, () => {
      const o = profiles[profile].inspect(input);
      if (accepted) expect(o).toEqual({ ok: true, value: input });
      else expect(o).toMatchObject({ ok: false, reason: 'context-rule' });
    });
  }
});

describe('Bidi Rule (RFC 5893 §2), usernames only', () => {
  const cases: [input: string, accepted: boolean, why: string][] = [
    ['\u05d0\u05d11', true, 'RTL label ending with EN'],
    ['\u05d0\u05b7', true, 'RTL label ending with R + NSM'],
    ['\u0627\u0644\u0639\u0631\u0628\u064a\u0629', true, 'Arabic (AL)'],
    ['1\u05d0', false, '1: starts with EN'],
    ['\u05d0a', false, '2: L in an RTL label'],
    ['\u05d0!', false, '3: RTL label ending with ON'],
    ['\u0628\u0661\u0031', false, '4: EN and AN together'],
    ['a\u05d0', false, '5: R in an LTR label'],
    ['a\u0661', false, '5: AN counts as right-to-left (RFC 5893 §1.4)'],
    ['1abc', true, 'no RTL character: the rule does not apply'],
    ['abc.', true, 'no RTL character: the rule does not apply'],
  ];
  for (const [input, accepted, why] of cases) {
    it(why, () => {
      const o = inspectUsername(input);
      if (accepted) expect(o).toEqual({ ok: true, value: input });
      else expect(o).toMatchObject({ ok: false, reason: 'bidi-rule' });
    });
  }

  it('does not apply to passwords (RFC 7613 §4.2.2 rule 5)', () => {
    expect(preparePassword('\u05d0a!')).toEqual({ ok: true, value: '\u05d0a!' });
  });
});

describe(`Unicode tables (${TABLES_UNICODE_VERSION})`, () => {
  it('answers known values', () => {
    expect([0x61, 0x5d0, 0x627, 0x661, 0x31, 0x300, 0x200c, 0x21].map(bidiClass)).toEqual([
      'L', 'R', 'AL', 'AN', 'EN', 'NSM', 'BN', 'ON',
    ]);
    expect([0x628, 0x627, 0x64e, 0x61, 0xa872, 0x200d].map(joiningType)).toEqual(['D', 'R', 'T', 'U', 'L', 'C']);
    expect([0x94d, 0x9cd, 0x0d4d, 0x61, 0x300].map(isVirama)).toEqual([true, true, true, false, false]);
    expect([0x3000, 0xff21, 0xff76, 0xff9e, 0xffe3, 0x41, 0x20a9].map(widthMapping)).toEqual([
      0x20, 0x41, 0x30ab, 0x3099, 0xaf, undefined, undefined,
    ]);
    expect([0x41, 0x378, 0xe000, 0xd800, 0xfdd0, 0x10ffff].map(isAssignedInTables)).toEqual([
      true, false, true, true, false, false,
    ]);
  });

  it(`the TypeScript derived property matches the generator's independent ${TABLES_UNICODE_VERSION} derivation`, () => {
    // Runtime RegExp/normalize data (Unicode ${process.versions.unicode} here) + the tables, over all code points,
    // must give exactly the derivation the generator computed in Python from Unicode 14.0 alone.
    for (const [stringClass, expected] of [
      ['IdentifierClass', PRECIS_DERIVED_DIGEST.identifier],
      ['FreeformClass', PRECIS_DERIVED_DIGEST.freeform],
    ] as const) {
      const hash = createHash('sha256');
      const counts: Record<string, number> = {};
      let prev = '';
      let runs = '';
      for (let cp = 0; cp < 0x110000; cp++) {
        const { value, category } = derivedProperty(cp, stringClass as StringClass);
        const key = `${value} ${category}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (key !== prev) {
          runs += `${cp.toString(16)} ${key}\n`;
          prev = key;
        }
      }
      hash.update(runs);
      expect(counts).toEqual(expected.counts);
      expect(hash.digest('hex')).toBe(expected.sha256);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

/** Characters that exercise every step: mappings, NFC, classes, contexts, bidi. */
const ALPHABET = [
  ...'aAzZ09l!@#.-_ ',
  '\u00a0', '\u3000', '\u2009', '\u1680', // spaces
  '\uff21', '\uff41', '\uff76', '\uff9e', '\uffe3', // width forms
  '\u00e9', 'e\u0301', '\u0301', '\u0308', '\u212b', '\u2126', '\u0340', '\u1e9b', '\u0323', // NFC
  '\u1100', '\u1161', '\u11a8', '\uac00', // jamo
  '\u00df', '\u03c2', '\u2163', '\ufb01', '\u00bd', '\u017f', // exceptions, compatibility
  '\u05d0', '\u05b7', '\u0627', '\u0628', '\u064e', '\u0661', '\u06f1', '\u0640', // RTL
  '\u200c', '\u200d', '\u0915', '\u094d', '\u00b7', '\u0375', '\u03b1', '\u05f3', '\u30fb', '\u30a2', // contexts
  '\u20ac', '\u2666', '\u00a1', '\u{1F600}', '\t', '\u0000', '\u200b', '\u00ad', '\ue000', '\u0378', '\ufdd0',
  '\u2028', '\ud800', '\udc00',
];
const mixed = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 12 });
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 40 }),
  mixed,
);

describe('properties', () => {
  for (const name of ['username', 'password'] as const) {
    const { prepare } = profiles[name];

    it(`${name}: never throws, always a result`, () => {
      fc.assert(
        fc.property(anyString, (s) => {
          const r = prepare(s);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.error.code).toBe('ERR_MUTUAL_STRINGPREP');
        }),
        { numRuns: 3000 },
      );
    });

    it(`${name}: idempotent, NFC and well-formed`, () => {
      fc.assert(
        fc.property(fc.oneof(mixed, anyString), (s) => {
          const r = prepare(s);
          if (!r.ok) return;
          expect(r.value.normalize('NFC')).toBe(r.value);
          expect(hasLoneSurrogate(r.value)).toBe(false);
          expect(r.value.length).toBeGreaterThan(0);
          expect(prepare(r.value)).toEqual(r);
        }),
        { numRuns: 5000 },
      );
    });
  }

  it('every prepared username is also a valid password of itself (IdentifierClass ⊂ FreeformClass)', () => {
    fc.assert(
      fc.property(mixed, (s) => {
        const u = prepareUsername(s);
        if (u.ok) expect(preparePassword(u.value)).toEqual(u);
      }),
      { numRuns: 3000 },
    );
  });
});

function hexName(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
