/**
 * String preparation of RFC 8120 §9 (docs/protocol-decisions.md §2, "string preparation"): usernames by the
 * UsernameCasePreserved profile (RFC 7613 §3.3), passwords by the OpaqueString profile (RFC 7613 §4.2).
 *
 * Both profiles sit on the PRECIS framework (RFC 7564): the derived property of each code point (RFC 7564 §8,
 * built from the categories of RFC 7564 §9, most of them those of IDNA2008, RFC 5892 §2), the string classes
 * IdentifierClass (§4.2) and FreeformClass (§4.3), the contextual rules of RFC 5892 Appendix A, and for
 * usernames the Bidi Rule of RFC 5893 §2.
 *
 * Decisions where the texts leave room (each is also where it is applied below):
 *
 * 1. Order.  Mapping first (width mapping for usernames, non-ASCII spaces for passwords), then NFC, then the
 *    string-class check, the contextual rules and the Bidi Rule on the normalized string.  RFC 7613 §3.3.1 can
 *    be read as checking the class during "preparation", before NFC; the shared vectors
 *    (`string_prep_ambiguous`) follow the reading used here, which is also the order that RFC 8264 §7, the
 *    successor of RFC 7564, makes explicit.  Consequence: U+212B ANGSTROM SIGN becomes U+00C5, decomposed
 *    Hangul jamo become the syllable, instead of being rejected.
 * 2. Unicode version.  "Unassigned" (RFC 7564 §9.10) is judged against Unicode 14.0, the version of
 *    unicode-tables.ts (Bidi_Class, Joining_Type, Virama and the width mapping exist there only for the code
 *    points of that version), and also against the runtime's own data when that is older.  Everything else
 *    (General_Category, Default_Ignorable_Code_Point, Script, NFC/NFKC) comes from the runtime's RegExp
 *    property escapes and String.prototype.normalize; for code points assigned in 14.0 these agree with 14.0
 *    on every property used here (checked by the differential test against the generator's own derivation).
 *    So any runtime with Unicode >= 14.0 -- Node, the browsers, the CLI -- prepares every string identically,
 *    which matters because the result feeds PBKDF2 and the `user` parameter.
 * 3. "Strings that contain right-to-left characters" (RFC 7613 §3.3.2 rule 5) are those with a character of
 *    Bidi_Class R, AL or AN: the definition of an RTL label in RFC 5893 §1.4.
 * 4. Contextual rules (CONTEXTJ, CONTEXTO) apply in both classes: RFC 7564 §4.2.2 and §4.3.2 both list the
 *    Exceptions and JoinControl categories as "contextual rule required".
 * 5. Bound.  Inputs over MAX_CODE_POINTS code points are refused before any other work.
 * 6. Messages name the offending code point as U+XXXX.  Username messages also show the character and its
 *    position; password messages never show a character of the password or where it is (only characters that
 *    can never be part of a valid password are named at all).
 */
import { fail, ok, type Result } from '../errors.ts';
import {
  bidiClass,
  isAssignedInTables,
  isVirama,
  joiningType,
  TABLES_UNICODE_VERSION,
  widthMapping,
} from './unicode-tables.ts';

/** Longest accepted input, in code points (docs/protocol-decisions.md §4: bounded work on any input). */
export const MAX_CODE_POINTS = 1024;

/** The two PRECIS string classes (RFC 7564 §4.2, §4.3). */
export type StringClass = 'IdentifierClass' | 'FreeformClass';

/** Derived property values (RFC 7564 §8); ID_DIS / FREE_PVAL are resolved per class. */
export type DerivedValue = 'PVALID' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED' | 'UNASSIGNED';

/** Which step of RFC 7564 §8 decided the value (the category letters of RFC 7564 §9 / RFC 5892 §2). */
export type DerivedCategory =
  | 'exceptions' // F
  | 'unassigned' // J
  | 'ascii7' // K
  | 'join-control' // H
  | 'old-hangul-jamo' // I
  | 'ignorable' // M (PrecisIgnorableProperties)
  | 'control' // L
  | 'has-compat' // Q
  | 'letter-digit' // A
  | 'other-letter-digit' // R
  | 'space' // N
  | 'symbol' // O
  | 'punctuation' // P
  | 'disallowed'; // none of the above

/** Why a string was refused (the names of the shared vectors' informative `reason`, plus a few). */
export type StringprepReason =
  | 'not-a-string'
  | 'too-long'
  | 'surrogate'
  | 'empty'
  | 'unassigned'
  | 'old-hangul-jamo'
  | 'ignorable'
  | 'control'
  | 'has-compat'
  | 'other-letter-digit'
  | 'space'
  | 'symbol'
  | 'punctuation'
  | 'disallowed'
  | 'exception-disallowed'
  | 'context-rule'
  | 'bidi-rule'
  | 'internal';

/** The detailed outcome of a preparation: the prepared string, or why and where it failed. */
export type StringprepOutcome =
  | { ok: true; value: string }
  | { ok: false; reason: StringprepReason; codePoint: number | undefined; message: string };

// ---------------------------------------------------------------------------------------------------------
// Public entry points (RFC 8120 §9)

/** Prepare a username with UsernameCasePreserved (RFC 7613 §3.3) -- what goes into PBKDF2 and `user`. */
export function prepareUsername(input: string): Result<string> {
  return toResult(inspectUsername(input));
}

/** Prepare a password with OpaqueString (RFC 7613 §4.2) -- what goes into PBKDF2. */
export function preparePassword(input: string): Result<string> {
  return toResult(inspectPassword(input));
}

/** prepareUsername with the reason and the offending code point (for UIs and tests). Never throws. */
export function inspectUsername(input: unknown): StringprepOutcome {
  return guarded(USERNAME, input);
}

/** preparePassword with the reason and the offending code point (for UIs and tests). Never throws. */
export function inspectPassword(input: unknown): StringprepOutcome {
  return guarded(PASSWORD, input);
}

function toResult(o: StringprepOutcome): Result<string> {
  if (o.ok) return ok(o.value);
  return fail(o.reason === 'not-a-string' ? 'ERR_MUTUAL_ARGUMENT' : 'ERR_MUTUAL_STRINGPREP', o.message);
}

// ---------------------------------------------------------------------------------------------------------
// Profiles

interface Profile {
  /** 'username' | 'password', for messages. */
  noun: string;
  stringClass: StringClass;
  /** Width-Mapping and Additional Mapping Rules (RFC 7613 §3.3.2 / §4.2.2 rules 1 and 2), per code point. */
  map: (cp: number) => number;
  /** Directionality Rule: the Bidi Rule (usernames only, RFC 7613 §3.3.2 rule 5 vs §4.2.2 rule 5). */
  bidiRule: boolean;
  /** Whether messages may show the offending character and its position (never for passwords). */
  reveal: boolean;
}

const ZS = /\p{gc=Zs}/u;

const USERNAME: Profile = {
  noun: 'username',
  stringClass: 'IdentifierClass',
  // RFC 7613 §3.3.1: fullwidth and halfwidth characters -> their decomposition mappings (UAX #11).
  map: (cp) => widthMapping(cp) ?? cp,
  bidiRule: true,
  reveal: true,
};

const PASSWORD: Profile = {
  noun: 'password',
  stringClass: 'FreeformClass',
  // RFC 7613 §4.2.2 rule 2: any non-ASCII space (General_Category Zs other than U+0020) -> U+0020.
  // No width mapping (rule 1), no case mapping (rule 3).
  map: (cp) => (cp !== 0x20 && ZS.test(String.fromCodePoint(cp)) ? 0x20 : cp),
  bidiRule: false,
  reveal: false,
};

function guarded(profile: Profile, input: unknown): StringprepOutcome {
  try {
    return prepare(profile, input);
  } catch (e) {
    // Not expected to happen (nothing below throws on a string); here so that callers never see a throw.
    return refuse('internal', undefined, `the ${profile.noun} could not be prepared (${String(e)})`);
  }
}

function refuse(reason: StringprepReason, codePoint: number | undefined, message: string): StringprepOutcome {
  return { ok: false, reason, codePoint, message };
}

function prepare(profile: Profile, input: unknown): StringprepOutcome {
  const { noun } = profile;
  if (typeof input !== 'string') {
    return refuse('not-a-string', undefined, `the ${noun} must be a string, got ${describeType(input)}`);
  }
  // Bound first: a UTF-16 string longer than 2 * MAX cannot have MAX code points or fewer.
  const tooLong = `the ${noun} is longer than ${MAX_CODE_POINTS} characters, the most this program accepts`;
  if (input.length > 2 * MAX_CODE_POINTS) return refuse('too-long', undefined, tooLong);
  const typed = codePoints(input);
  if (typed.length > MAX_CODE_POINTS) return refuse('too-long', undefined, tooLong);

  // A JS string can hold unpaired surrogates, which are not characters at all (RFC 7613 §3.1, §4.1: surrogate
  // code points are disallowed) and have no UTF-8 form.
  const lone = typed.findIndex((cp) => cp >= 0xd800 && cp <= 0xdfff);
  if (lone >= 0) {
    const cp = typed[lone]!;
    return refuse(
      'surrogate',
      cp,
      `the ${noun} contains a broken character: an unpaired UTF-16 surrogate (${hex(cp)})${at(profile, lone)}, ` +
        `which is not a Unicode character -- the text was damaged before it got here`,
    );
  }

  // Mapping rules, then the Normalization Rule: NFC (RFC 7613 §3.3.2 rule 4, §4.2.2 rule 4).  Decision 1.
  const mapped = typed.map(profile.map);
  const prepared = String.fromCodePoint(...mapped).normalize('NFC');
  const cps = codePoints(prepared);

  // RFC 7613 §3.1 / §4.1: not zero bytes long, enforced after mapping and normalization.
  if (cps.length === 0) return refuse('empty', undefined, `the ${noun} is empty`);

  // The string class (RFC 7564 §4.2 / §4.3) with the contextual rules (RFC 5892 Appendix A).
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const { value, category } = derivedProperty(cp, profile.stringClass);
    if (value === 'PVALID') continue;
    if (value === 'CONTEXTJ' || value === 'CONTEXTO') {
      const broken = contextRule(cps, i, noun);
      if (broken === undefined) continue;
      return refuse('context-rule', cp, refusal(profile, broken, i, origin(cp, typed, mapped)));
    }
    const reason = rejectionReason(value, category);
    return refuse(reason, cp, refusal(profile, describeRefused(profile, reason, cp), i, origin(cp, typed, mapped)));
  }

  if (profile.bidiRule) {
    const broken = bidiRule(cps, profile);
    if (broken !== undefined) return refuse('bidi-rule', broken.codePoint, broken.message);
  }
  return { ok: true, value: prepared };
}

/** The reason for a DISALLOWED or UNASSIGNED code point: the category that decided it. */
function rejectionReason(value: DerivedValue, category: DerivedCategory): StringprepReason {
  if (value === 'UNASSIGNED') return 'unassigned';
  switch (category) {
    case 'exceptions':
      return 'exception-disallowed';
    case 'ascii7':
    case 'join-control':
    case 'letter-digit':
    case 'unassigned':
      return 'disallowed'; // never DISALLOWED by RFC 7564 §8; here only to keep the mapping total
    default:
      return category;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The derived property (RFC 7564 §8)

/** RFC 5892 §2.6 Exceptions (F), with their values. */
const EXCEPTIONS: ReadonlyMap<number, DerivedValue> = new Map<number, DerivedValue>([
  // PVALID: characters whose General_Category alone would give the wrong answer.
  ...[0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007].map((cp) => [cp, 'PVALID'] as const),
  // CONTEXTO: MIDDLE DOT, GREEK KERAIA, HEBREW GERESH/GERSHAYIM, KATAKANA MIDDLE DOT, the Arabic digits.
  ...[0x00b7, 0x0375, 0x05f3, 0x05f4, 0x30fb].map((cp) => [cp, 'CONTEXTO'] as const),
  ...range(0x0660, 0x0669).map((cp) => [cp, 'CONTEXTO'] as const),
  ...range(0x06f0, 0x06f9).map((cp) => [cp, 'CONTEXTO'] as const),
  // DISALLOWED: TATWEEL, NKO LAJANYALAN, HANGUL TONE MARKS, VERTICAL KANA REPEAT MARKS, VERTICAL ITERATION MARK.
  ...[0x0640, 0x07fa, 0x302e, 0x302f, ...range(0x3031, 0x3035), 0x303b].map((cp) => [cp, 'DISALLOWED'] as const),
]);

/** Names of the exception-disallowed characters, for messages. */
const EXCEPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0640, 'ARABIC TATWEEL'],
  [0x07fa, 'NKO LAJANYALAN'],
  [0x302e, 'HANGUL SINGLE DOT TONE MARK'],
  [0x302f, 'HANGUL DOUBLE DOT TONE MARK'],
  [0x3031, 'VERTICAL KANA REPEAT MARK'],
  [0x3032, 'VERTICAL KANA REPEAT WITH VOICED SOUND MARK'],
  [0x3033, 'VERTICAL KANA REPEAT MARK UPPER HALF'],
  [0x3034, 'VERTICAL KANA REPEAT WITH VOICED SOUND MARK UPPER HALF'],
  [0x3035, 'VERTICAL KANA REPEAT MARK LOWER HALF'],
  [0x303b, 'VERTICAL IDEOGRAPHIC ITERATION MARK'],
]);

const RE = {
  unassigned: /\p{gc=Cn}/u, // J, together with the tables' version (decision 2)
  noncharacter: /\p{Noncharacter_Code_Point}/u, // excluded from J, part of M
  joinControl: /\p{Join_Control}/u, // H
  ignorable: /\p{Default_Ignorable_Code_Point}/u, // M
  control: /\p{gc=Cc}/u, // L
  letterDigits: /[\p{gc=Ll}\p{gc=Lu}\p{gc=Lo}\p{gc=Nd}\p{gc=Lm}\p{gc=Mn}\p{gc=Mc}]/u, // A
  otherLetterDigits: /[\p{gc=Lt}\p{gc=Nl}\p{gc=No}\p{gc=Me}]/u, // R
  spaces: /\p{gc=Zs}/u, // N
  symbols: /[\p{gc=Sm}\p{gc=Sc}\p{gc=Sk}\p{gc=So}]/u, // O
  punctuation: /[\p{gc=Pc}\p{gc=Pd}\p{gc=Ps}\p{gc=Pe}\p{gc=Pi}\p{gc=Pf}\p{gc=Po}]/u, // P
};

/**
 * OldHangulJamo (I): Hangul_Syllable_Type L, V or T (HangulSyllableType.txt; the Jamo blocks have been full
 * since Unicode 5.2, so these ranges do not move).  RegExp has no Hangul_Syllable_Type.
 */
function isOldHangulJamo(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x11ff) || // L 1100..115F, V 1160..11A7, T 11A8..11FF
    (cp >= 0xa960 && cp <= 0xa97c) || // L
    (cp >= 0xd7b0 && cp <= 0xd7c6) || // V
    (cp >= 0xd7cb && cp <= 0xd7fb) // T
  );
}

/**
 * The PRECIS derived property of one code point in a string class: the algorithm of RFC 7564 §8, in its
 * order (the first category that contains the code point decides).  BackwardCompatible (G) is empty
 * (RFC 5892 §2.7) and so is skipped.
 */
export function derivedProperty(
  cp: number,
  stringClass: StringClass,
): { value: DerivedValue; category: DerivedCategory } {
  // ID_DIS in the IdentifierClass, FREE_PVAL in the FreeformClass.
  const classDependent: DerivedValue = stringClass === 'FreeformClass' ? 'PVALID' : 'DISALLOWED';
  const exception = EXCEPTIONS.get(cp);
  if (exception !== undefined) return { value: exception, category: 'exceptions' };
  const s = String.fromCodePoint(cp);
  if ((!isAssignedInTables(cp) || RE.unassigned.test(s)) && !RE.noncharacter.test(s)) {
    return { value: 'UNASSIGNED', category: 'unassigned' };
  }
  if (cp >= 0x21 && cp <= 0x7e) return { value: 'PVALID', category: 'ascii7' };
  if (RE.joinControl.test(s)) return { value: 'CONTEXTJ', category: 'join-control' };
  if (isOldHangulJamo(cp)) return { value: 'DISALLOWED', category: 'old-hangul-jamo' };
  if (RE.ignorable.test(s) || RE.noncharacter.test(s)) return { value: 'DISALLOWED', category: 'ignorable' };
  if (RE.control.test(s)) return { value: 'DISALLOWED', category: 'control' };
  // HasCompat (Q): the code point's NFKC form differs from itself (RFC 7564 §9.17).
  if (s.normalize('NFKC') !== s) return { value: classDependent, category: 'has-compat' };
  if (RE.letterDigits.test(s)) return { value: 'PVALID', category: 'letter-digit' };
  if (RE.otherLetterDigits.test(s)) return { value: classDependent, category: 'other-letter-digit' };
  if (RE.spaces.test(s)) return { value: classDependent, category: 'space' };
  if (RE.symbols.test(s)) return { value: classDependent, category: 'symbol' };
  if (RE.punctuation.test(s)) return { value: classDependent, category: 'punctuation' };
  return { value: 'DISALLOWED', category: 'disallowed' };
}

// ---------------------------------------------------------------------------------------------------------
// Contextual rules (RFC 5892 Appendix A); Before(cp) / After(cp) are the neighbours in the prepared string.

const SCRIPT = {
  greek: /\p{Script=Greek}/u,
  hebrew: /\p{Script=Hebrew}/u,
  japanese: /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u,
};

const isIn = (re: RegExp, cp: number | undefined): boolean =>
  cp !== undefined && re.test(String.fromCodePoint(cp));

/**
 * undefined if the rule for cps[i] holds, otherwise [what the character is, why it is refused here] for the
 * message.
 */
function contextRule(cps: readonly number[], i: number, noun: string): [string, string] | undefined {
  const cp = cps[i]!;
  const before = cps[i - 1];
  const after = cps[i + 1];
  switch (cp) {
    case 0x200c: // A.1 ZERO WIDTH NON-JOINER
      if ((before !== undefined && isVirama(before)) || joinsAroundZwnj(cps, i)) return undefined;
      return [
        'a zero width non-joiner (U+200C)',
        ', an invisible character that is allowed only after a virama or between two letters that would ' +
          'otherwise join (as in Persian)',
      ];
    case 0x200d: // A.2 ZERO WIDTH JOINER
      if (before !== undefined && isVirama(before)) return undefined;
      return ['a zero width joiner (U+200D)', ', an invisible character that is allowed only after a virama'];
    case 0x00b7: // A.3 MIDDLE DOT: between two 'l' (U+006C), as in Catalan "l·l"
      if (before === 0x6c && after === 0x6c) return undefined;
      return ['a middle dot (U+00B7)', ' that is not between two "l" letters; it is allowed only as in Catalan "l·l"'];
    case 0x0375: // A.4 GREEK LOWER NUMERAL SIGN (KERAIA): Script(After(cp)) = Greek
      if (isIn(SCRIPT.greek, after)) return undefined;
      return ['a Greek lower numeral sign (U+0375)', ' that is not followed by a Greek character'];
    case 0x05f3: // A.5 HEBREW PUNCTUATION GERESH: Script(Before(cp)) = Hebrew
    case 0x05f4: // A.6 HEBREW PUNCTUATION GERSHAYIM: Script(Before(cp)) = Hebrew
      if (isIn(SCRIPT.hebrew, before)) return undefined;
      return [`a Hebrew ${cp === 0x05f3 ? 'geresh' : 'gershayim'} (${hex(cp)})`, ' not after a Hebrew letter'];
    case 0x30fb: // A.7 KATAKANA MIDDLE DOT: some character of the string is Hiragana, Katakana or Han
      if (cps.some((c) => isIn(SCRIPT.japanese, c))) return undefined;
      return ['a katakana middle dot (U+30FB)', `, but the ${noun} has no Hiragana, Katakana or Han character`];
    default:
      break;
  }
  if (cp >= 0x0660 && cp <= 0x0669) {
    // A.8 ARABIC-INDIC DIGITS: no EXTENDED ARABIC-INDIC DIGIT anywhere in the string
    const other = cps.find((c) => c >= 0x06f0 && c <= 0x06f9);
    if (other === undefined) return undefined;
    return [
      `the Arabic-Indic digit ${hex(cp)}`,
      ` together with the Extended Arabic-Indic digit ${hex(other)}; use one kind of digit only`,
    ];
  }
  if (cp >= 0x06f0 && cp <= 0x06f9) {
    // A.9 EXTENDED ARABIC-INDIC DIGITS: no ARABIC-INDIC DIGIT anywhere in the string
    const other = cps.find((c) => c >= 0x0660 && c <= 0x0669);
    if (other === undefined) return undefined;
    return [
      `the Extended Arabic-Indic digit ${hex(cp)}`,
      ` together with the Arabic-Indic digit ${hex(other)}; use one kind of digit only`,
    ];
  }
  return [hex(cp), ', which needs a contextual rule that this program does not know']; // unreachable
}

/**
 * The second condition of RFC 5892 A.1:
 * RegExpMatch((Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})).
 */
function joinsAroundZwnj(cps: readonly number[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && joiningType(cps[j]!) === 'T') j--;
  const left = j >= 0 ? joiningType(cps[j]!) : undefined;
  if (left !== 'L' && left !== 'D') return false;
  let k = i + 1;
  while (k < cps.length && joiningType(cps[k]!) === 'T') k++;
  const right = k < cps.length ? joiningType(cps[k]!) : undefined;
  return right === 'R' || right === 'D';
}

// ---------------------------------------------------------------------------------------------------------
// The Bidi Rule (RFC 5893 §2), applied to usernames that contain an R, AL or AN character (decision 3)

function bidiRule(
  cps: readonly number[],
  profile: Profile,
): { codePoint: number; message: string } | undefined {
  const { noun } = profile;
  const classes = cps.map(bidiClass);
  const rtlAt = classes.findIndex((b) => b === 'R' || b === 'AL' || b === 'AN');
  if (rtlAt < 0) return undefined;
  const cite = (condition: number): string => ` (RFC 5893 Bidi Rule, condition ${condition})`;
  const firstCp = cps[0]!;

  // 1. The first character must be L, R or AL: it makes the string an LTR or an RTL "label".
  const first = classes[0]!;
  if (first !== 'L' && first !== 'R' && first !== 'AL') {
    return {
      codePoint: firstCp,
      message:
        `the ${noun} contains right-to-left text (${show(profile, cps[rtlAt]!)}${at(profile, rtlAt)}), so it ` +
        `must start with a letter, but it starts with ${show(profile, firstCp)}${cite(1)}`,
    };
  }
  const rtl = first !== 'L';
  const direction = rtl ? 'right-to-left' : 'left-to-right';
  // 2. / 5. The characters allowed in an RTL / an LTR label.
  const allowed: ReadonlySet<string> = new Set(
    rtl
      ? ['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']
      : ['L', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM'],
  );
  const bad = classes.findIndex((b) => !allowed.has(b));
  if (bad >= 0) {
    const badCp = cps[bad]!;
    const b = classes[bad]!;
    const kind =
      b === 'L'
        ? 'a left-to-right character'
        : b === 'R' || b === 'AL'
          ? 'a right-to-left character'
          : b === 'AN'
            ? 'an Arabic-Indic digit'
            : 'a character whose writing direction does not fit';
    return {
      codePoint: badCp,
      message:
        `the ${noun} starts with the ${direction} character ${show(profile, firstCp)} but contains ` +
        `${show(profile, badCp)}${at(profile, bad)}, ${kind}; a ${noun} may not mix writing directions like ` +
        `this, because it could be displayed ambiguously${cite(rtl ? 2 : 5)}`,
    };
  }
  // 3. / 6. The end: R, AL, EN or AN (RTL) / L or EN (LTR), then any number of NSM.
  let end = classes.length - 1;
  while (end > 0 && classes[end] === 'NSM') end--;
  const last = classes[end]!;
  const endOk = rtl ? last === 'R' || last === 'AL' || last === 'EN' || last === 'AN' : last === 'L' || last === 'EN';
  if (!endOk) {
    return {
      codePoint: cps[end]!,
      message:
        `the ${noun} contains right-to-left text (${show(profile, cps[rtlAt]!)}${at(profile, rtlAt)}), so it ` +
        `must end with a ${direction} letter or a digit, like the one it starts with, but it ends with ` +
        `${show(profile, cps[end]!)}${cite(rtl ? 3 : 6)}`,
    };
  }
  // 4. In an RTL label, EN and AN may not both be present.
  if (rtl) {
    const en = classes.indexOf('EN');
    const an = classes.indexOf('AN');
    if (en >= 0 && an >= 0) {
      return {
        codePoint: cps[Math.max(en, an)]!,
        message:
          `the ${noun} mixes European digits (${show(profile, cps[en]!)}) with Arabic-Indic digits ` +
          `(${show(profile, cps[an]!)}); use one kind of digit only${cite(4)}`,
      };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Messages

const CONTROL_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'a NUL character'],
  [0x09, 'a tab'],
  [0x0a, 'a line feed'],
  [0x0d, 'a carriage return'],
  [0x1b, 'an escape character'],
  [0x7f, 'a delete character'],
  [0x85, 'a next-line character'],
]);

const GC_WORDS: readonly (readonly [RegExp, string])[] = [
  [/\p{gc=Lt}/u, 'a titlecase letter'],
  [/\p{gc=Nl}/u, 'a letter-like number sign'],
  [/\p{gc=No}/u, 'a number form that is not a plain digit'],
  [/\p{gc=Me}/u, 'an enclosing mark'],
  [/\p{gc=Co}/u, 'a private-use character'],
  [/\p{gc=Zl}/u, 'a line separator'],
  [/\p{gc=Zp}/u, 'a paragraph separator'],
  [/\p{gc=Cf}/u, 'an invisible format character'],
];

/** [what the character is, why it is refused] for a DISALLOWED or UNASSIGNED code point. */
function describeRefused(profile: Profile, reason: StringprepReason, cp: number): [string, string] {
  const plural = `${profile.noun}s`;
  const mayNot = `, which ${plural} may not contain`;
  const s = String.fromCodePoint(cp);
  switch (reason) {
    case 'space':
      return [`a space (${hex(cp)})`, mayNot];
    case 'control':
      return [`${CONTROL_NAMES.get(cp) ?? 'a control character'} (${hex(cp)})`, mayNot];
    case 'ignorable':
      return RE.noncharacter.test(s)
        ? [hex(cp), `, a noncharacter reserved for internal use${mayNot}`]
        : [`an invisible character (${hex(cp)})`, mayNot];
    case 'has-compat': {
      if (ZS.test(s)) return [`a special space character (${hex(cp)})`, `; ${plural} may not contain spaces`];
      if (!profile.reveal) return [hex(cp), `, a compatibility variant of other characters${mayNot}`];
      const plain = s.normalize('NFKC');
      return [
        show(profile, cp),
        `, a compatibility variant of "${plain}"${mayNot} (type "${plain}" instead, if that is what you mean)`,
      ];
    }
    case 'other-letter-digit':
      return [show(profile, cp), `, ${gcWords(s) ?? 'a letter or number that is not a plain one'}${mayNot}`];
    case 'symbol':
      return [`the symbol ${show(profile, cp)}`, mayNot];
    case 'punctuation':
      return [`the punctuation mark ${show(profile, cp)}`, `; ${plural} may contain only ASCII punctuation`];
    case 'old-hangul-jamo':
      return [`a Hangul jamo (${hex(cp)})`, ` that does not combine into a complete syllable${mayNot}`];
    case 'unassigned':
      return [
        hex(cp),
        `, which is not a character in Unicode ${TABLES_UNICODE_VERSION} (the version this program knows); ` +
          `${plural} may contain only known characters`,
      ];
    case 'exception-disallowed':
      return [
        `${hex(cp)} ${EXCEPTION_NAMES.get(cp) ?? ''}`.trimEnd(),
        `, a character that the PRECIS rules (RFC 5892 §2.6) exclude from ${plural}`,
      ];
    default:
      return [`${gcWords(s) ?? 'a character'} (${hex(cp)})`, mayNot];
  }
}

/** "the username contains <what> at character N (<origin>)<why>". */
function refusal(profile: Profile, [what, why]: [string, string], i: number, originNote: string): string {
  return `the ${profile.noun} contains ${what}${at(profile, i)}${originNote}${why}`;
}

function gcWords(s: string): string | undefined {
  return GC_WORDS.find(([re]) => re.test(s))?.[1];
}

/** "U+00E9". */
function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** `"€" (U+20AC)` where the character can be shown (usernames, visible characters), else `U+20AC`. */
function show(profile: Profile, cp: number): string {
  const s = String.fromCodePoint(cp);
  return profile.reveal && VISIBLE.test(s) ? `"${s}" (${hex(cp)})` : hex(cp);
}

/** " at character N" (1-based, in the prepared string) for usernames; nothing for passwords. */
function at(profile: Profile, index: number): string {
  return profile.reveal ? ` at character ${index + 1}` : '';
}

/** Explains an offending code point that was not typed as such but produced by the mapping or NFC. */
function origin(cp: number, typed: readonly number[], mapped: readonly number[]): string {
  if (typed.includes(cp)) return '';
  const i = mapped.indexOf(cp);
  if (i >= 0) return ` (the ${hex(typed[i]!)} that was typed, after width mapping)`;
  return ' (after Unicode normalization of what was typed)';
}

function describeType(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

/** The code points of a string; an unpaired surrogate comes out as its own value (0xD800..0xDFFF). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let cp = first; cp <= last; cp++) out.push(cp);
  return out;
}
