/**
 * The one extension API surface for Chromium and Firefox (issue 8): webextension-polyfill's `browser`
 * (Firefox's own namespace there, a promise-based wrapper of `chrome` in Chromium), typed by
 * @types/webextension-polyfill. `chrome.*` appears only in the Chromium-only CDP adapter.
 * The polyfill refuses to load outside an extension, so only entry points (the worker's index.ts, the content
 * script, pages) import this module at run time; modules tested in Node take the API as a parameter.
 */
import browser from 'webextension-polyfill';
import type { Browser } from 'webextension-polyfill';

export type { Browser };

export function webext(): Browser {
  return browser;
}
