/**
 * What the background needs from the browser besides interception, as one small port (docs/architecture.md:
 * the decisions are browser-free; browser-port.ts implements this on the extension API).
 */
import type { HeaderEntry } from './interceptors/interceptor.ts';
import type { TabState } from '../shared/messages.ts';
import type { Translate } from '../shared/translate.ts';

export interface FetchedResponse {
  /**
   * 0: an opaque redirect — fetch(redirect:'manual') hides a 3xx's status and headers (Authentication-Info
   * included), so the answer cannot be checked here; it is not a server failure either.
   */
  status: number;
  headers: HeaderEntry[];
  body: Uint8Array;
}

export interface BrowserPort {
  /** Show a tab's state in the toolbar (icon, badge, title). */
  showState(tabId: number, state: TabState, title: string): Promise<void>;
  /** Open the login UI in browser chrome (action popup, else a small popup window) for this tab. */
  openLoginUi(tabId: number): Promise<void>;
  reload(tabId: number): Promise<void>;
  navigate(tabId: number, url: string): Promise<void>;
  /** Absolute URL of an extension page (e.g. `pages/warning.html`). */
  pageUrl(path: string): string;
  /** The service worker's own request (key exchange, transparent retry). */
  fetch(url: string, init: { method: string; headers: HeaderEntry[]; authorization?: string }): Promise<FetchedResponse>;
  /** Resolves when the tab finished loading (or after timeoutMs). */
  waitForLoad(tabId: number, timeoutMs: number): Promise<void>;
  tabExists(tabId: number): Promise<boolean>;
  /** Whether the tab is still loading its page. */
  tabLoading(tabId: number): Promise<boolean>;
  /** Open an about:blank tab next to this one (to replace a tab that cannot be recovered); its id. */
  openBlankBeside(tabId: number): Promise<number | undefined>;
  closeTab(tabId: number): Promise<void>;
  /**
   * A message of the extension's catalogue in the browser's UI language (i18n.getMessage): the toolbar titles
   * and the pages the background serves in a tab speak the language of the extension's own pages.
   */
  text: Translate;
}
