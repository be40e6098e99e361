#!/usr/bin/env python3
"""Generate src/protocol/unicode-tables.ts: the Unicode data that RFC 7613 string preparation needs and that
JavaScript's RegExp property escapes do not expose (docs/protocol-decisions.md section 2, "string preparation").

    python3 scripts/gen-unicode-tables.py           # (re)write src/protocol/unicode-tables.ts
    python3 scripts/gen-unicode-tables.py --check   # exit 1 unless the committed file is reproduced exactly

Sources, all of ONE Unicode version (the script refuses to run if they disagree):
  * Python's `unicodedata` (General_Category, Bidi_Class, Canonical_Combining_Class, decompositions, NFKC);
  * Perl's core `Unicode::UCD` (Joining_Type from ArabicShaping.txt, Default_Ignorable_Code_Point,
    Hangul_Syllable_Type, Join_Control, Noncharacter_Code_Point), which `unicodedata` lacks.  On Debian 12
    both are Unicode 14.0.0.  Perl is used only because `unicodedata` has no Joining_Type: without it the
    CONTEXTJ rule for U+200C (RFC 5892 Appendix A.1) could only be approximated.

What is emitted (see the header of the generated file for the encodings):
  * ASSIGNED   -- General_Category != Cn in this version.  stringprep.ts treats every code point outside this
                  set as Unassigned (RFC 7564 section 9.10), whatever the runtime's ICU knows: the bidi and
                  joining data below exist only for code points of this version, and the PBKDF2 input must not
                  depend on which browser or Node release prepared it.
  * BIDI       -- Bidi_Class, for the Bidi Rule (RFC 5893 section 2).  Unassigned code points are "don't care"
                  (they are rejected before the Bidi Rule runs) and take the class of the run before them.
  * JOINING    -- Joining_Type (U, L, R, D, C, T), for CONTEXTJ (RFC 5892 Appendix A.1); unassigned as above.
  * VIRAMA     -- the code points with Canonical_Combining_Class = 9 (Virama), RFC 5892 Appendix A.1/A.2.
  * WIDTH_MAP  -- the width mapping of RFC 7613 section 3.3.1: every code point whose decomposition mapping is
                  tagged <wide> or <narrow> (UAX #11 fullwidth/halfwidth forms), mapped to that decomposition
                  mapping (one level, not NFKC: U+FFE3 FULLWIDTH MACRON -> U+00AF, which is then HasCompat).
  * PRECIS_DERIVED_14 -- an independent computation, here in Python, of the PRECIS derived property
                  (RFC 7564 section 8) of every code point for both string classes: a SHA-256 over its runs and
                  per-value counts.  test/protocol/stringprep.test.ts recomputes it with the TypeScript code
                  (runtime RegExp property escapes + these tables) and must get the same digest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'src' / 'protocol' / 'unicode-tables.ts'
MAX = 0x110000
VERSION = unicodedata.unidata_version

# --- Perl's Unicode::UCD --------------------------------------------------------------------------------------

PERL = r'''
use strict; use warnings;
use Unicode::UCD qw(prop_invmap prop_invlist);
print "version\t", Unicode::UCD::UnicodeVersion(), "\n";
for my $p ("Default_Ignorable_Code_Point", "Join_Control", "Noncharacter_Code_Point",
           "Hangul_Syllable_Type=L", "Hangul_Syllable_Type=V", "Hangul_Syllable_Type=T") {
  print "list\t$p\t", join(" ", prop_invlist($p)), "\n";
}
for my $p ("Joining_Type", "Bidi_Class") {
  my ($l, $m) = prop_invmap($p);
  print "map\t$p\t", join(" ", map { "$l->[$_]=$m->[$_]" } 0 .. $#$l), "\n";
}
'''


def perl_ucd() -> tuple[str, dict[str, list[int]], dict[str, list[tuple[int, str]]]]:
    try:
        out = subprocess.run(['perl', '-e', PERL], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:  # e.stderr says why
        sys.exit(f'gen-unicode-tables: Perl with its core Unicode::UCD module is required ({e})')
    version = ''
    lists: dict[str, list[int]] = {}
    maps: dict[str, list[tuple[int, str]]] = {}
    for line in out.splitlines():
        kind, *rest = line.split('\t')
        if kind == 'version':
            version = rest[0]
        elif kind == 'list':
            lists[rest[0]] = [int(x) for x in rest[1].split()]
        elif kind == 'map':
            maps[rest[0]] = [(int(a), b) for a, b in (x.split('=', 1) for x in rest[1].split())]
    return version, lists, maps


def expand_list(inv: list[int]) -> bytearray:
    """Inversion list -> membership per code point."""
    member = bytearray(MAX)
    for i in range(0, len(inv), 2):
        end = inv[i + 1] if i + 1 < len(inv) else MAX
        member[inv[i]:end] = b'\x01' * (end - inv[i])
    return member


def expand_map(inv: list[tuple[int, str]]) -> list[str]:
    out = [''] * MAX
    for i, (start, value) in enumerate(inv):
        end = inv[i + 1][0] if i + 1 < len(inv) else MAX
        out[start:end] = [value] * (end - start)
    return out


# --- encodings ------------------------------------------------------------------------------------------------

def base36(n: int) -> str:
    digits = '0123456789abcdefghijklmnopqrstuvwxyz'
    s = ''
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if n == 0:
            return s


def runs(values: list[str | None]) -> list[tuple[int, str]]:
    """Runs of equal values; None ("don't care") continues the current run."""
    out: list[tuple[int, str]] = []
    for cp, v in enumerate(values):
        if v is None:
            continue
        if not out:
            out.append((0, v))  # the first run always starts at U+0000
        elif out[-1][1] != v:
            out.append((cp, v))
    return out


def encode_runs(rs: list[tuple[int, str]], legend: list[str]) -> str:
    """Each run: base-36 (lowercase) distance from the previous run's start, then 'A' + index in legend."""
    s, prev = '', 0
    for start, v in rs:
        s += base36(start - prev) + chr(ord('A') + legend.index(v))
        prev = start
    return s


def wrap(s: str, width: int = 110) -> str:
    return '\n'.join(f"  '{s[i:i + width]}' +" for i in range(0, len(s), width)).rstrip(' +')


# --- the independent PRECIS derivation (RFC 7564 section 8) -------------------------------------------------

# RFC 5892 section 2.6 (Exceptions, category F).
EXCEPTIONS = {
    **{cp: 'PVALID' for cp in (0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007)},
    **{cp: 'CONTEXTO' for cp in (0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB)},
    **{cp: 'CONTEXTO' for cp in range(0x0660, 0x066A)},
    **{cp: 'CONTEXTO' for cp in range(0x06F0, 0x06FA)},
    **{cp: 'DISALLOWED' for cp in (0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B)},
}


def derive(cp: int, gc: str, di: bytearray, jc: bytearray, nchar: bytearray, jamo: bytearray,
           freeform: bool) -> tuple[str, str]:
    """(derived property value, category name), category names as in stringprep.ts."""
    class_dependent = 'PVALID' if freeform else 'DISALLOWED'  # FREE_PVAL / ID_DIS
    if cp in EXCEPTIONS:
        return EXCEPTIONS[cp], 'exceptions'                      # F
    # BackwardCompatible (G) is empty (RFC 5892 section 2.7).
    if gc == 'Cn' and not nchar[cp]:
        return 'UNASSIGNED', 'unassigned'                        # J
    if 0x21 <= cp <= 0x7E:
        return 'PVALID', 'ascii7'                                # K
    if jc[cp]:
        return 'CONTEXTJ', 'join-control'                        # H
    if jamo[cp]:
        return 'DISALLOWED', 'old-hangul-jamo'                   # I
    if di[cp] or nchar[cp]:
        return 'DISALLOWED', 'ignorable'                         # M
    if gc == 'Cc':
        return 'DISALLOWED', 'control'                           # L
    ch = chr(cp)
    if unicodedata.normalize('NFKC', ch) != ch:
        return class_dependent, 'has-compat'                     # Q
    if gc in ('Ll', 'Lu', 'Lo', 'Nd', 'Lm', 'Mn', 'Mc'):
        return 'PVALID', 'letter-digit'                          # A
    if gc in ('Lt', 'Nl', 'No', 'Me'):
        return class_dependent, 'other-letter-digit'             # R
    if gc == 'Zs':
        return class_dependent, 'space'                          # N
    if gc in ('Sm', 'Sc', 'Sk', 'So'):
        return class_dependent, 'symbol'                         # O
    if gc in ('Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po'):
        return class_dependent, 'punctuation'                    # P
    return 'DISALLOWED', 'disallowed'


def derived_digest(gcs: list[str], lists: dict[str, list[int]]) -> dict[str, object]:
    di = expand_list(lists['Default_Ignorable_Code_Point'])
    jc = expand_list(lists['Join_Control'])
    nchar = expand_list(lists['Noncharacter_Code_Point'])
    jamo = bytearray(a | b | c for a, b, c in zip(*(expand_list(lists[f'Hangul_Syllable_Type={t}']) for t in 'LVT')))
    result: dict[str, object] = {}
    for name, freeform in (('identifier', False), ('freeform', True)):
        h = hashlib.sha256()
        counts: dict[str, int] = {}
        prev = None
        for cp in range(MAX):
            value, category = derive(cp, gcs[cp], di, jc, nchar, jamo, freeform)
            key = f'{value} {category}'
            counts[key] = counts.get(key, 0) + 1
            if key != prev:
                h.update(f'{cp:x} {key}\n'.encode())
                prev = key
        result[name] = {'sha256': h.hexdigest(), 'counts': dict(sorted(counts.items()))}
    return result


# --- main -----------------------------------------------------------------------------------------------------

BIDI_CLASSES = ['L', 'R', 'AL', 'EN', 'ES', 'ET', 'AN', 'CS', 'NSM', 'BN', 'B', 'S', 'WS', 'ON',
                'LRE', 'LRO', 'RLE', 'RLO', 'PDF', 'LRI', 'RLI', 'FSI', 'PDI']
JOINING_TYPES = ['U', 'L', 'R', 'D', 'C', 'T']
JOINING_NAMES = {'Non_Joining': 'U', 'Left_Joining': 'L', 'Right_Joining': 'R', 'Dual_Joining': 'D',
                 'Join_Causing': 'C', 'Transparent': 'T'}


def generate() -> str:
    perl_version, lists, maps = perl_ucd()
    if perl_version != VERSION:
        sys.exit(f'gen-unicode-tables: Python unicodedata is Unicode {VERSION} but Perl Unicode::UCD is '
                 f'{perl_version}; both must be the same version')

    gcs = [unicodedata.category(chr(cp)) for cp in range(MAX)]
    assigned = [gc != 'Cn' for gc in gcs]

    # Cross-check the two sources where they overlap: Bidi_Class of every assigned code point.
    perl_bidi = expand_map(maps['Bidi_Class'])
    bidi: list[str | None] = []
    for cp in range(MAX):
        if not assigned[cp]:
            bidi.append(None)
            continue
        b = unicodedata.bidirectional(chr(cp))
        if b != perl_bidi[cp] or b not in BIDI_CLASSES:
            sys.exit(f'gen-unicode-tables: Bidi_Class of U+{cp:04X}: unicodedata {b!r}, Perl {perl_bidi[cp]!r}')
        bidi.append(b)

    perl_jt = expand_map(maps['Joining_Type'])
    joining: list[str | None] = [JOINING_NAMES.get(perl_jt[cp], perl_jt[cp]) if assigned[cp] else None
                                 for cp in range(MAX)]
    for cp, jt in enumerate(joining):
        if jt is not None and jt not in JOINING_TYPES:
            sys.exit(f'gen-unicode-tables: unexpected Joining_Type {jt!r} at U+{cp:04X}')

    virama = [cp for cp in range(MAX) if unicodedata.combining(chr(cp)) == 9]

    width: list[list[int]] = []
    for cp in range(MAX):
        d = unicodedata.decomposition(chr(cp)).split()
        if not d or d[0] not in ('<wide>', '<narrow>'):
            continue
        if len(d) != 2:
            sys.exit(f'gen-unicode-tables: width decomposition of U+{cp:04X} is not one code point: {d}')
        delta = int(d[1], 16) - cp
        if width and width[-1][1] == cp - 1 and width[-1][2] == delta:
            width[-1][1] = cp
        else:
            width.append([cp, cp, delta])

    assigned_runs = runs(['Y' if a else 'N' for a in assigned])
    bidi_runs = runs(bidi)
    joining_runs = runs(joining)
    digest = derived_digest(gcs, lists)

    def hexs(n: int) -> str:
        return f'-0x{-n:04x}' if n < 0 else f'0x{n:04x}'

    width_rows = '\n'.join(f'  [{hexs(a)}, {hexs(b)}, {hexs(d)}],' for a, b, d in width)
    virama_rows = '\n'.join('  ' + ', '.join(f'0x{cp:04x}' for cp in virama[i:i + 10]) + ','
                            for i in range(0, len(virama), 10))
    digest_json = json.dumps(digest, indent=2).replace('"', "'")

    return f'''/**
 * Unicode {VERSION} data for RFC 7613 string preparation (stringprep.ts; docs/protocol-decisions.md §2) that
 * JavaScript's RegExp property escapes do not expose: which code points are assigned, Bidi_Class (RFC 5893),
 * Joining_Type and the Virama combining class (RFC 5892 Appendix A.1/A.2), and the width mapping of RFC 7613
 * §3.3.1.
 *
 * GENERATED by scripts/gen-unicode-tables.py from Python's unicodedata {VERSION} and Perl's Unicode::UCD
 * {perl_version} -- do not edit; regenerate (and `--check`) with that script.
 *
 * Run tables (ASSIGNED {len(assigned_runs)}, BIDI {len(bidi_runs)}, JOINING {len(joining_runs)} runs): each run is the distance from
 * the previous run's start in base 36 (lower case), then one upper-case letter for its value ('A' = index 0
 * of the table's legend).  The first run starts at U+0000.  In BIDI and JOINING, unassigned code points
 * continue the run before them: look them up only for assigned code points.
 */

/** The Unicode version of every table here (Python unicodedata.unidata_version). */
export const TABLES_UNICODE_VERSION = '{VERSION}';

const ASSIGNED_LEGEND = ['Y', 'N'] as const;
const ASSIGNED =
{wrap(encode_runs(assigned_runs, ['Y', 'N']))};

const BIDI_LEGEND = {json.dumps(BIDI_CLASSES).replace('"', "'")} as const;
const BIDI =
{wrap(encode_runs(bidi_runs, BIDI_CLASSES))};

const JOINING_LEGEND = {json.dumps(JOINING_TYPES).replace('"', "'")} as const;
const JOINING =
{wrap(encode_runs(joining_runs, JOINING_TYPES))};

/** Canonical_Combining_Class = 9 (Virama). */
const VIRAMA: ReadonlySet<number> = new Set([
{virama_rows}
]);

/** [first, last, delta]: code points with a <wide> or <narrow> decomposition map to code point + delta. */
const WIDTH_MAP: readonly (readonly [number, number, number])[] = [
{width_rows}
];

export type BidiClass = (typeof BIDI_LEGEND)[number];
export type JoiningType = (typeof JOINING_LEGEND)[number];

interface RunTable<V> {{
  starts: Uint32Array;
  values: readonly V[];
}}

function decodeRuns<V>(encoded: string, legend: readonly V[]): RunTable<V> {{
  const starts: number[] = [];
  const values: V[] = [];
  let start = 0;
  let digits = '';
  for (const ch of encoded) {{
    if (ch >= 'A' && ch <= 'Z') {{
      start += parseInt(digits || '0', 36);
      starts.push(start);
      values.push(legend[ch.charCodeAt(0) - 65]!);
      digits = '';
    }} else {{
      digits += ch;
    }}
  }}
  return {{ starts: Uint32Array.from(starts), values }};
}}

function lookup<V>(t: RunTable<V>, cp: number): V {{
  let lo = 0;
  let hi = t.starts.length - 1;
  while (lo < hi) {{
    const mid = (lo + hi + 1) >> 1;
    if (t.starts[mid]! <= cp) lo = mid;
    else hi = mid - 1;
  }}
  return t.values[lo]!;
}}

let assignedTable: RunTable<(typeof ASSIGNED_LEGEND)[number]> | undefined;
let bidiTable: RunTable<BidiClass> | undefined;
let joiningTable: RunTable<JoiningType> | undefined;

/** General_Category is not Cn in Unicode {VERSION}. */
export function isAssignedInTables(cp: number): boolean {{
  assignedTable ??= decodeRuns(ASSIGNED, ASSIGNED_LEGEND);
  return lookup(assignedTable, cp) === 'Y';
}}

/** Bidi_Class of an assigned code point (unspecified for unassigned ones). */
export function bidiClass(cp: number): BidiClass {{
  bidiTable ??= decodeRuns(BIDI, BIDI_LEGEND);
  return lookup(bidiTable, cp);
}}

/** Joining_Type of an assigned code point (unspecified for unassigned ones). */
export function joiningType(cp: number): JoiningType {{
  joiningTable ??= decodeRuns(JOINING, JOINING_LEGEND);
  return lookup(joiningTable, cp);
}}

/** Canonical_Combining_Class(cp) = Virama (9). */
export function isVirama(cp: number): boolean {{
  return VIRAMA.has(cp);
}}

/** The <wide>/<narrow> decomposition mapping of cp (RFC 7613 §3.3.1), or undefined if it has none. */
export function widthMapping(cp: number): number | undefined {{
  if (cp < WIDTH_MAP[0]![0]) return undefined;
  for (const [first, last, delta] of WIDTH_MAP) if (cp >= first && cp <= last) return cp + delta;
  return undefined;
}}

/**
 * The PRECIS derived property (RFC 7564 §8) of all code points 0..10FFFF, computed independently by the
 * generator from Unicode {VERSION}: SHA-256 over the lines `<first code point, hex> <value> <category>\\n` of
 * its runs, and the number of code points per `<value> <category>`.  For the differential test only.
 */
export const PRECIS_DERIVED_DIGEST = {digest_json} as const;
'''


def main() -> None:
    text = generate()
    if '--check' in sys.argv[1:]:
        current = OUT.read_text(encoding='utf-8') if OUT.exists() else ''
        if current != text:
            sys.exit(f'gen-unicode-tables: {OUT.relative_to(ROOT)} is not what this script generates')
        print(f'{OUT.relative_to(ROOT)} is up to date (Unicode {VERSION})')
        return
    OUT.write_text(text, encoding='utf-8')
    print(f'wrote {OUT.relative_to(ROOT)} ({len(text)} characters, Unicode {VERSION})')


if __name__ == '__main__':
    main()
