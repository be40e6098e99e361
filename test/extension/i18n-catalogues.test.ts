/**
 * The UI's two catalogues (public/_locales/en, ja) are complete: the same keys, no empty message, the same
 * placeholders; every key the code or the manifest names exists. (Pages type their keys from the English
 * catalogue — shared/i18n.ts — so this also guards the Japanese one, which TypeScript does not see.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
type Catalogue = Record<string, { message: string; description?: string }>;
const load = (lang: string): Catalogue => JSON.parse(readFileSync(join(ROOT, 'public/_locales', lang, 'messages.json'), 'utf8')) as Catalogue;
const LANGS = readdirSync(join(ROOT, 'public/_locales')).sort();
const en = load('en');

function placeholders(s: string): string[] {
  return [...new Set(s.match(/\$[1-9]/g) ?? [])].sort();
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

test('the catalogues are en and ja', () => {
  expect(LANGS).toEqual(['en', 'ja']);
});

for (const lang of LANGS) {
  describe(`${lang}`, () => {
    const cat = load(lang);
    test('has every key the other catalogue has, and no other', () => {
      const missing = Object.keys(en).filter((k) => !(k in cat));
      const extra = Object.keys(cat).filter((k) => !(k in en));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });
    test('no empty message; the same placeholders as English', () => {
      for (const [k, v] of Object.entries(cat)) {
        expect(v.message.trim(), `${lang}/${k}`).not.toBe('');
        expect(placeholders(v.message), `${lang}/${k}`).toEqual(placeholders(en[k]?.message ?? ''));
      }
    });
    test('names its own language (the `lang` of every page)', () => {
      expect(cat.lang?.message).toBe(lang);
    });
  });
}

test('every key used by the extension code and the manifest exists', () => {
  const used = new Set<string>();
  for (const f of sources(join(ROOT, 'src/extension'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]!);
  }
  for (const m of readFileSync(join(ROOT, 'manifest.json'), 'utf8').matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) used.add(m[1]!);
  expect(used.size).toBeGreaterThan(40);
  expect([...used].filter((k) => !(k in en))).toEqual([]);
});
