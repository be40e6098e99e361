/** UI strings from public/_locales (en, ja) via chrome.i18n; the key itself if a string is missing. */
import { chromeApi } from '../background/chrome.ts';

export function t(key: string, ...subs: string[]): string {
  try {
    const s = chromeApi().i18n.getMessage(key, subs);
    return s === '' ? key : s;
  } catch {
    return key;
  }
}
