/**
 * The few extension APIs the pages use beyond the background's typed subset (background/chrome.ts), through the one typed
 * surface (shared/webext.ts): the current tab (the popup opened as a tab must not report on itself), tab navigation for
 * the warning page's buttons, and the host-permission check of the first-run page. Lazy, like chromeApi().
 */
import { webext, type Browser } from '../shared/webext.ts';

/** The extension API as the pages use it: the one typed surface (shared/webext.ts). */
export type PageApi = Pick<Browser, 'tabs' | 'permissions' | 'runtime'>;

export function pageApi(): PageApi {
  return webext();
}

/** A `?tab=<id>` query parameter, if it is a tab id. */
export function tabParam(search = location.search): number | undefined {
  const raw = new URLSearchParams(search).get('tab');
  return raw !== null && /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
}
