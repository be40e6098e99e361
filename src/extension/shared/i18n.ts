/**
 * UI strings from public/_locales (en, ja) via the browser's i18n API (shared/webext.ts), which follows the
 * browser's UI language (Chromium: `--lang=ja`, or LANGUAGE=ja on Linux) and falls back to English (the
 * manifest's default_locale). Keys are typed from the English catalogue (shared/translate.ts), so a page cannot
 * use a key English lacks; test/extension/i18n-catalogues.test.ts fails when the Japanese catalogue lacks one
 * (or has one too many, or other placeholders).
 */
import { webext } from './webext.ts';
import { translator, type MessageKey } from './translate.ts';

export type { MessageKey } from './translate.ts';

export const t = translator((name, subs) => webext().i18n.getMessage(name, subs));

/** The language of the catalogue in use ("en" or "ja"): what `lang` on every page says. */
export function uiLang(): string {
  const l = t('lang');
  return l === 'lang' ? 'en' : l;
}

/** Give an extension page its `lang` and its localized title. */
export function localizePage(title: MessageKey): void {
  document.documentElement.lang = uiLang();
  document.title = t(title);
}

/** A host for display: "example.com:8443" from a URL or an origin ("http://example.com:8443"), else the text. */
export function displayHost(urlOrOrigin: string | undefined): string {
  if (urlOrOrigin === undefined || urlOrOrigin === '') return '—';
  try {
    return new URL(urlOrOrigin).host || urlOrOrigin;
  } catch {
    return urlOrOrigin;
  }
}
