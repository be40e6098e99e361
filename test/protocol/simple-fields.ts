/**
 * Header fields near the one-pass parser's shape (src/protocol/syntax.ts simpleChallenge), for the tests that
 * hold it to the full scanner: names, spacing, quoting, schemes and separators varied one at a time, and the
 * same fields with one character inserted anywhere.
 */
import fc from 'fast-check';

const SCHEMES = ['Mutual', 'mutual', 'MUTUAL', 'Basic', 'Digest', 'x', '', 'Mu,tual', 'Mu"tual', 'Mutual='];
const AFTER_SCHEME = [' ', ' ', ' ', '  ', '\t', '', ',', ' ,', ' \t '];
const NAMES = ['version', 'algorithm', 'realm', 'auth-scope', 'sid', 'nc', 'vkc', 'kc1', 'a', 'a1', 'Realm', 'NC', 'user*', 'x_y', '__proto__', 'constructor', '-', '9', '', 'x.y', 'x/y'];
const EQUALS = ['=', '=', '=', '=', ' =', '= ', ' = ', '\t=', '==', ''];
const JOINERS = [', ', ', ', ',', ' , ', ',,', ', ,', ' ', '\t,\t', ',\n', ';', ',\u00a0'];
const TRAILERS = ['', '', '', ' ', ',', ', ', '\t', '\r', ',,'];
const UNQUOTED = 'abcXYZ019+/=-._~!#$%&\'*^`|"\\,; \u00e9';
const QUOTED = 'abc XYZ019+/=-,;:()<>@?[]{}\'\t\\"\u00e9\u0000\u007f\u0080\u00ff';

const pick = (xs: readonly string[]) => fc.constantFrom(...xs);
const unquoted = fc.string({ unit: fc.constantFrom(...UNQUOTED.split('')), minLength: 0, maxLength: 12 });
const quoted = fc.string({ unit: fc.constantFrom(...QUOTED.split('')), minLength: 0, maxLength: 16 }).map((v) => `"${v}"`);
/** Mostly values of the simple shape, some with one odd character. */
const value = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[A-Za-z0-9+/]{1,12}={0,2}$/) },
  { weight: 10, arbitrary: fc.stringMatching(/^"[ -!#-[\]-~]{0,16}"$/) },
  { weight: 1, arbitrary: unquoted },
  { weight: 1, arbitrary: quoted },
);
const param = fc.tuple(pick(NAMES), pick(EQUALS), value).map(([n, eq, v]) => `${n}${eq}${v}`);
const SIMPLE_NAMES = ['version', 'algorithm', 'validation', 'auth-scope', 'realm', 'sid', 'nc', 'vkc', 'a-b', 'k9'];
/** Distinct simple names with values, and now and then one odd parameter somewhere among them. */
const params = fc
  .tuple(
    fc.uniqueArray(fc.tuple(fc.constantFrom(...SIMPLE_NAMES), value), { selector: (p) => p[0], minLength: 1, maxLength: 8 }),
    fc.option(param, { freq: 3 }),
    fc.nat(),
  )
  .map(([pairs, odd, at]) => {
    const list = pairs.map(([n, v]) => `${n}=${v}`);
    if (odd !== null) list.splice(at % (list.length + 1), 0, odd);
    return list;
  });

/** A field near the simple shape: each part drawn mostly from the common forms. */
export const field = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constant('Mutual') }, { weight: 1, arbitrary: pick(SCHEMES) }),
    fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: pick(AFTER_SCHEME) }),
    params,
    fc.array(fc.oneof({ weight: 8, arbitrary: fc.constant(', ') }, { weight: 1, arbitrary: pick(JOINERS) }), { minLength: 9, maxLength: 9 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: pick(TRAILERS) }),
  )
  .map(([scheme, sp, list, joiners, trailer]) => `${scheme}${sp}${list.map((p, i) => (i === 0 ? p : `${joiners[i]!}${p}`)).join('')}${trailer}`);

/** The same, with one character inserted anywhere. */
export const mutated = fc
  .tuple(field, fc.nat(), fc.constantFrom(...'=",\\ \t*\u00e9\u0000\nAa1-/'.split('')))
  .map(([f, at, c]) => {
    const i = at % (f.length + 1);
    return f.slice(0, i) + c + f.slice(i);
  });
