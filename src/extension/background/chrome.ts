/**
 * The Chromium-only part of the extension API, typed by hand: `chrome.debugger`, which only the CDP adapter
 * (interceptors/cdp-fetch.ts) uses. Everything else goes through the one cross-browser surface,
 * shared/webext.ts.
 * Access is lazy, so Node unit tests can import modules that reference it without a `chrome` global.
 */

export interface ChromeEvent<F> {
  addListener(f: F): void;
  removeListener(f: F): void;
}

export interface Debuggee {
  tabId?: number;
}

export interface ChromeApi {
  debugger: {
    attach(target: Debuggee, version: string): Promise<void>;
    detach(target: Debuggee): Promise<void>;
    sendCommand(target: Debuggee, method: string, params?: object): Promise<unknown>;
    getTargets(): Promise<Array<{ tabId?: number; attached: boolean; type: string; extensionId?: string }>>;
    onEvent: ChromeEvent<(source: Debuggee, method: string, params?: unknown) => void>;
    onDetach: ChromeEvent<(source: Debuggee, reason: string) => void>;
  };
}

declare const chrome: ChromeApi;

/** Chromium's `chrome` namespace (call only inside the extension, only from the CDP adapter). */
export function chromeApi(): ChromeApi {
  return chrome;
}
