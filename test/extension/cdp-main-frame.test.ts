/** CdpFetchInterceptor: which paused document is the tab's main frame (the only one that may prompt). */
import { describe, expect, it } from 'vitest';
import type { ChromeApi, Debuggee } from '../../src/extension/background/chrome.ts';
import { CdpFetchInterceptor } from '../../src/extension/background/interceptors/cdp-fetch.ts';
import type { InterceptedRequest } from '../../src/extension/background/interceptors/interceptor.ts';

function fakeChrome(frameTree: boolean) {
  let onEvent: ((s: Debuggee, m: string, p?: unknown) => void) | undefined;
  const api = {
    debugger: {
      attach: async () => undefined,
      detach: async () => undefined,
      sendCommand: async (_t: Debuggee, method: string) => {
        if (method === 'Page.getFrameTree') {
          if (!frameTree) throw new Error('Page.getFrameTree failed');
          return { frameTree: { frame: { id: 'main' } } };
        }
        return {};
      },
      getTargets: async () => [],
      onEvent: { addListener: (f: typeof onEvent) => void (onEvent = f), removeListener: () => undefined },
      onDetach: { addListener: () => undefined, removeListener: () => undefined },
    },
  } as unknown as ChromeApi;
  const emit = (tabId: number, params: unknown) => onEvent!({ tabId }, 'Fetch.requestPaused', params);
  return { api, emit };
}

async function seen(frameTree: boolean, frameId: string): Promise<InterceptedRequest> {
  const chrome = fakeChrome(frameTree);
  const interceptor = new CdpFetchInterceptor(() => chrome.api);
  const got: InterceptedRequest[] = [];
  interceptor.start({
    onRequest: async (r) => {
      got.push(r);
      return { kind: 'continue' };
    },
    onResponse: async () => ({ kind: 'continue' }),
    onRequestFailed: () => undefined,
    onDetached: () => undefined,
  });
  expect(await interceptor.attach(1)).toBe(true);
  chrome.emit(1, { requestId: 'D1', frameId, resourceType: 'Document', request: { url: 'http://127.0.0.1:8080/', method: 'GET', headers: {} } });
  await new Promise((r) => setTimeout(r, 10));
  return got[0]!;
}

describe('CDP main frame', () => {
  it('the document of the frame tree root is the main frame; an iframe is not', async () => {
    expect((await seen(true, 'main')).mainFrame).toBe(true);
    expect((await seen(true, 'child')).mainFrame).toBe(false);
  });

  it('when the frame tree is unknown, an iframe document is not taken for the main frame', async () => {
    const r = await seen(false, 'child');
    expect(r.document).toBe(true);
    expect(r.mainFrame).toBe(false);
  });
});
