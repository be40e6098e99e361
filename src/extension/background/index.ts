/**
 * The Chromium service worker: the shared wiring (startup.ts) with the CDP adapter, the one place that uses
 * `chrome.debugger`. Its webRequest observer starts intercepting a tab when a Mutual challenge shows up.
 */
import { CdpFetchInterceptor, chromeDebuggerApi } from './interceptors/cdp-fetch.ts';
import { startBackground } from './startup.ts';

startBackground({ kind: 'service worker', interceptor: new CdpFetchInterceptor(chromeDebuggerApi), observe: true });
