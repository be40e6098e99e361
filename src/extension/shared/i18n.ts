/**
 * UI strings from public/_locales (en, ja) via chrome.i18n, which follows the browser's UI language
 * (Chromium: `--lang=ja`, or LANGUAGE=ja on Linux) and falls back to English (the manifest's default_locale).
 * Keys are typed from the English catalogue, so a page cannot use a key English lacks; test/extension/i18n.test.ts
 * fails when the Japanese catalogue lacks one (or has one too many, or other placeholders).
 */
import { chromeApi } from '../background/chrome.ts';
import type en from '../../../public/_locales/en/messages.json';

export type MessageKey = keyof typeof en;

export function t(key: MessageKey, ...subs: string[]): string {
  try {
    const s = chromeApi().i18n.getMessage(key, subs);
    return s === '' ? key : s;
  } catch {
    return key;
  }
}

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
