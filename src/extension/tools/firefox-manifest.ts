/**
 * The Firefox manifest, derived from the Chromium one (manifest.json) so the two builds cannot drift: same
 * name, version, pages, icons, content script and host permissions; what differs is only what Firefox needs.
 *
 * - `background.scripts` (an event page; Firefox MV3 has no service worker background), as an ES module.
 * - A stable `browser_specific_settings.gecko.id`: the add-on id survives updates, storage is keyed by it, and
 *   tests map it to a fixed internal UUID (pref `extensions.webextensions.uuids`).
 * - `strict_min_version` 140.0: the ESR Debian ships (blocking webRequest in MV3, `getSecurityInfo`,
 *   `filterResponseData`, background modules are all older than that).
 * - Permissions: blocking `webRequest` (+ `webRequestFilterResponse` for replacing a body) instead of
 *   `debugger`, which Firefox does not have.
 * - No `minimum_chrome_version`; `data_collection_permissions: none` (Firefox 140+ asks new add-ons to declare it).
 */

/** The add-on id in Firefox (stable across versions; never change it: users' data is keyed by it). */
export const GECKO_ID = 'mutual@mutual-auth.example';
/** The oldest Firefox the build claims to support: Debian's firefox-esr. */
export const FIREFOX_MIN_VERSION = '140.0';
/** The Firefox background entry (relative to src/extension, like every manifest path). */
export const FIREFOX_BACKGROUND = 'background/index-firefox.ts';

export interface ChromeManifest {
  manifest_version: number;
  permissions?: string[];
  background?: { service_worker?: string; type?: string };
  minimum_chrome_version?: string;
  [key: string]: unknown;
}

export interface FirefoxManifest {
  manifest_version: number;
  permissions: string[];
  background: { scripts: string[]; type: 'module' };
  browser_specific_settings: { gecko: { id: string; strict_min_version: string; data_collection_permissions: { required: string[] } } };
  [key: string]: unknown;
}

/** Permissions that exist only for the Chromium adapter (CDP). */
const CHROMIUM_ONLY_PERMISSIONS = new Set(['debugger']);
/** What the Firefox adapter needs on top of `webRequest`. */
const FIREFOX_PERMISSIONS = ['webRequest', 'webRequestBlocking', 'webRequestFilterResponse'];

export function firefoxManifest(chrome: ChromeManifest): FirefoxManifest {
  const { minimum_chrome_version: _chromeOnly, background: _bg, permissions = [], ...rest } = chrome;
  const perms = permissions.filter((p) => !CHROMIUM_ONLY_PERMISSIONS.has(p));
  for (const p of FIREFOX_PERMISSIONS) if (!perms.includes(p)) perms.push(p);
  return {
    ...rest,
    manifest_version: chrome.manifest_version,
    permissions: perms,
    background: { scripts: [FIREFOX_BACKGROUND], type: 'module' },
    browser_specific_settings: {
      gecko: { id: GECKO_ID, strict_min_version: FIREFOX_MIN_VERSION, data_collection_permissions: { required: ['none'] } },
    },
  };
}
