/**
 * The subset of the Chromium extension API the background uses, typed by hand (no @types/chrome in the
 * project): only what is called, so a reader sees the whole browser surface of the service worker here.
 * Access is lazy, so Node unit tests can import modules that reference it without a `chrome` global.
 */

export interface ChromeEvent<F> {
  addListener(f: F): void;
  removeListener(f: F): void;
}

export interface Debuggee {
  tabId?: number;
}

export interface HttpHeader {
  name: string;
  value?: string;
}

export interface WebResponseDetails {
  tabId: number;
  frameId: number;
  type: string;
  url: string;
  method: string;
  statusCode: number;
  responseHeaders?: HttpHeader[];
}

export interface Tab {
  id?: number;
  windowId: number;
  url?: string;
  pendingUrl?: string;
  active: boolean;
  status?: string;
  index?: number;
}

export interface MessageSender {
  id?: string;
  url?: string;
  origin?: string;
  tab?: Tab;
  frameId?: number;
  /** Chromium 106+: 'active', 'prerender', 'cached' or 'pending_deletion'. */
  documentLifecycle?: string;
  /** Chromium 106+: the sender document's id (the same id webNavigation.onCommitted reports). */
  documentId?: string;
}

export interface StorageArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  setAccessLevel?(o: { accessLevel: 'TRUSTED_CONTEXTS' | 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }): Promise<void>;
}

export interface ChromeApi {
  runtime: {
    id: string;
    getURL(path: string): string;
    lastError?: { message?: string };
    onMessage: ChromeEvent<(msg: unknown, sender: MessageSender, sendResponse: (r: unknown) => void) => boolean | undefined>;
    onInstalled: ChromeEvent<(d: { reason: string }) => void>;
    onStartup: ChromeEvent<() => void>;
    sendMessage(msg: unknown): Promise<unknown>;
  };
  debugger: {
    attach(target: Debuggee, version: string): Promise<void>;
    detach(target: Debuggee): Promise<void>;
    sendCommand(target: Debuggee, method: string, params?: object): Promise<unknown>;
    getTargets(): Promise<Array<{ tabId?: number; attached: boolean; type: string; extensionId?: string }>>;
    onEvent: ChromeEvent<(source: Debuggee, method: string, params?: unknown) => void>;
    onDetach: ChromeEvent<(source: Debuggee, reason: string) => void>;
  };
  webRequest: {
    onHeadersReceived: {
      addListener(f: (d: WebResponseDetails) => void, filter: { urls: string[]; types?: string[] }, extra?: string[]): void;
    };
  };
  tabs: {
    get(tabId: number): Promise<Tab>;
    query(q: { active?: boolean; currentWindow?: boolean; lastFocusedWindow?: boolean }): Promise<Tab[]>;
    reload(tabId: number, o?: { bypassCache?: boolean }): Promise<void>;
    remove(tabId: number): Promise<void>;
    update(tabId: number, o: { url?: string; active?: boolean }): Promise<Tab>;
    create(o: { url: string; active?: boolean; windowId?: number; index?: number }): Promise<Tab>;
    onRemoved: ChromeEvent<(tabId: number) => void>;
    onUpdated: ChromeEvent<(tabId: number, change: { status?: string; url?: string }, tab: Tab) => void>;
  };
  webNavigation: {
    onCommitted: ChromeEvent<(d: { tabId: number; frameId: number; url: string; documentLifecycle?: string; documentId?: string }) => void>;
  };
  windows: {
    create(o: { url: string; type: 'popup' | 'normal'; width?: number; height?: number; focused?: boolean }): Promise<{ id?: number }>;
  };
  action: {
    setIcon(o: { tabId?: number; path: Record<string, string> }): Promise<void>;
    setBadgeText(o: { tabId?: number; text: string }): Promise<void>;
    setBadgeBackgroundColor(o: { tabId?: number; color: string }): Promise<void>;
    setTitle(o: { tabId?: number; title: string }): Promise<void>;
    getBadgeText(o: { tabId?: number }): Promise<string>;
    openPopup(o?: { windowId?: number }): Promise<void>;
  };
  storage: {
    session: StorageArea;
    local: StorageArea;
  };
  i18n: {
    getMessage(name: string, subs?: string | string[]): string;
    getUILanguage(): string;
  };
}

declare const chrome: ChromeApi;

/** The browser's `chrome` namespace (call only inside the extension). */
export function chromeApi(): ChromeApi {
  return chrome;
}

