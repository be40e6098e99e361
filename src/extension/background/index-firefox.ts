/**
 * The Firefox background (an MV3 event page, `background.scripts` in the Firefox manifest): the shared wiring
 * (startup.ts) with Firefox's adapter — blocking webRequest on every tab ({@link WebRequestBlockingInterceptor}).
 * No observer: every request of every tab already passes through the adapter.
 */
import { webext } from '../shared/webext.ts';
import { WebRequestBlockingInterceptor, type FirefoxWebRequestApi } from './interceptors/webrequest-blocking.ts';
import { startBackground } from './startup.ts';

// Firefox's own `browser.webRequest` (filterResponseData, getSecurityInfo, blocking listeners): the polyfill
// is the native namespace there; the adapter types the subset it uses.
const firefoxApi = (): FirefoxWebRequestApi => webext() as unknown as FirefoxWebRequestApi;

startBackground({ kind: 'event page', interceptor: new WebRequestBlockingInterceptor(firefoxApi), observe: false });
