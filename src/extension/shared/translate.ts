/**
 * The message catalogue's keys (typed from the English catalogue, public/_locales/en) and the lookup with its
 * fallback, without any extension API: pages get `t` from shared/i18n.ts (the browser's i18n through
 * shared/webext.ts); the background gets the same lookup through its BrowserPort (`text`), so its parts stay
 * testable in Node.
 */
import type en from '../../../public/_locales/en/messages.json';

export type MessageKey = keyof typeof en;

/** A localized message by key, with `$1`… substitutions. */
export type Translate = (key: MessageKey, ...subs: string[]) => string;

/**
 * A {@link Translate} over a browser's `i18n.getMessage`: a missing message (empty or undefined) or an API that
 * throws gives the key itself, so a gap shows up as a visible key, never as an empty line.
 */
export function translator(getMessage: (name: string, subs: string[]) => string | undefined): Translate {
  return (key, ...subs) => {
    try {
      const s = getMessage(key, subs);
      return s === undefined || s === '' ? key : s;
    } catch {
      return key;
    }
  };
}
