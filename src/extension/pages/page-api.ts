/**
 * The few extension APIs the pages use beyond the background's typed subset (background/chrome.ts), typed by
 * hand the same way: the current tab (the popup opened as a tab must not report on itself), tab navigation for
 * the warning page's buttons, and the host-permission check of the first-run page. Lazy, like chromeApi().
 */
import { chromeApi, type ChromeApi, type Tab } from '../background/chrome.ts';

export interface PermissionSet {
  origins?: string[];
  permissions?: string[];
}

export interface PageApi {
  tabs: ChromeApi['tabs'] & {
    /** The tab this page runs in; undefined in the toolbar popup. */
    getCurrent(): Promise<Tab | undefined>;
  };
  permissions?: {
    contains(p: PermissionSet): Promise<boolean>;
    request(p: PermissionSet): Promise<boolean>;
  };
}

export function pageApi(): PageApi {
  return chromeApi() as unknown as PageApi;
}

/** The host permissions the extension needs (manifest `host_permissions`). */
export const HOST_ORIGINS = ['http://*/*', 'https://*/*'];

/** A `?tab=<id>` query parameter, if it is a tab id. */
export function tabParam(search = location.search): number | undefined {
  const raw = new URLSearchParams(search).get('tab');
  return raw !== null && /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
}
