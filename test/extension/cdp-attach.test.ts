/**
 * Attaching a tab: Fetch interception, prerendering turned off (a prerendered page's frame tree is not the
 * tab's, so this session would not intercept it), then Network enabled on every tab (not only HTTPS) so that the page's
 * own service worker is bypassed and the HTTP cache disabled — both could otherwise answer the page with
 * responses the interceptor never checks (measured: the two commands act only while Network is enabled).
 */
import { describe, expect, it } from 'vitest';
import type { ChromeApi, Debuggee } from '../../src/extension/background/chrome.ts';
import { CdpFetchInterceptor } from '../../src/extension/background/interceptors/cdp-fetch.ts';

function fakeChrome() {
  const commands: string[] = [];
  const api = {
    debugger: {
      attach: async () => void commands.push('attach'),
      detach: async () => undefined,
      sendCommand: async (_t: Debuggee, method: string, params?: object) => {
        commands.push(params && 'bypass' in params ? `${method}(${String((params as { bypass: boolean }).bypass)})`
          : params && 'cacheDisabled' in params ? `${method}(${String((params as { cacheDisabled: boolean }).cacheDisabled)})`
          : params && 'isAllowed' in params ? `${method}(${String((params as { isAllowed: boolean }).isAllowed)})` : method);
        if (method === 'Page.getFrameTree') return { frameTree: { frame: { id: 'main' } } };
        return {};
      },
      getTargets: async () => [],
      onEvent: { addListener: () => undefined, removeListener: () => undefined },
      onDetach: { addListener: () => undefined, removeListener: () => undefined },
    },
  } as unknown as ChromeApi;
  return { api, commands };
}

describe('CDP attach', () => {
  it('an HTTP tab too: prerendering off, Network enabled, service worker bypassed, cache disabled — before attach resolves', async () => {
    const chrome = fakeChrome();
    const interceptor = new CdpFetchInterceptor(() => chrome.api);
    expect(await interceptor.attach(3, { network: false })).toBe(true);
    expect(chrome.commands).toEqual([
      'attach', 'Fetch.enable', 'Page.enable', 'Page.setPrerenderingAllowed(false)', 'Page.getFrameTree', 'Network.enable',
      'Network.setBypassServiceWorker(true)', 'Network.setCacheDisabled(true)',
    ]);
    expect(interceptor.networkEnabled(3)).toBe(true);
  });
});

describe('CDP resume after a worker restart (recovery lives in the adapter)', () => {
  const tabs = (loading: boolean) => {
    const calls: string[] = [];
    return {
      calls,
      control: {
        navigate: async (tabId: number, url: string) => void calls.push(`navigate ${tabId} ${url}`),
        tabLoading: async () => loading,
        openBlankBeside: async (tabId: number) => {
          calls.push(`open beside ${tabId}`);
          return 42;
        },
        closeTab: async (tabId: number) => void calls.push(`close ${tabId}`),
      },
    };
  };

  it('an idle tab is attached again, nothing else', async () => {
    const chrome = fakeChrome();
    const t = tabs(false);
    const out = await new CdpFetchInterceptor(() => chrome.api).resume({ tabId: 3, url: 'http://127.0.0.1:8080/', inFlight: false }, t.control);
    expect(out).toEqual({ attached: true });
    expect(t.calls).toEqual([]);
  });

  it('a tab stuck in a load is unloaded, replaced by a tab attached before it navigates, and closed', async () => {
    const chrome = fakeChrome();
    const t = tabs(true);
    const interceptor = new CdpFetchInterceptor(() => chrome.api);
    const out = await interceptor.resume({ tabId: 3, url: 'http://127.0.0.1:8080/', inFlight: false }, t.control);
    expect(out).toEqual({ attached: true, replacedBy: 42 });
    expect(t.calls).toEqual(['navigate 3 about:blank', 'open beside 3', 'close 3', 'navigate 42 http://127.0.0.1:8080/']);
    expect(interceptor.isAttached(42)).toBe(true);
    expect(chrome.commands.indexOf('Fetch.enable')).toBeGreaterThan(-1); // attached (Fetch enabled) before the navigation
  });
});
