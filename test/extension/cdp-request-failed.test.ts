/**
 * CdpFetchInterceptor tells the core about a response-stage pause that carries `responseErrorReason`
 * (connection reset, DNS, aborted …), so the pending sequence of a request that carried a session (with K_c1,
 * K_s1 and z) is untracked: it does not stay in memory and in storage.session, and a worker restart later does
 * not take the tab for "stranded" (restore() would close the user's tab and open a replacement).
 */
import { describe, expect, it } from 'vitest';
import type { ChromeApi, Debuggee } from '../../src/extension/background/chrome.ts';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { CdpFetchInterceptor } from '../../src/extension/background/interceptors/cdp-fetch.ts';
import { entries } from './support.ts';
import { ORIGIN, PASSWORD, setup } from './scenario.ts';

function fakeChrome() {
  const commands: Array<{ method: string; params?: object }> = [];
  let onEvent: ((s: Debuggee, m: string, p?: unknown) => void) | undefined;
  const api = {
    debugger: {
      attach: async () => undefined,
      detach: async () => undefined,
      sendCommand: async (_t: Debuggee, method: string, params?: object) => {
        commands.push({ method, ...(params ? { params } : {}) });
        if (method === 'Page.getFrameTree') return { frameTree: { frame: { id: 'main', url: `${ORIGIN}/`, securityOrigin: ORIGIN } } };
        return {};
      },
      getTargets: async () => [],
      onEvent: { addListener: (f: typeof onEvent) => void (onEvent = f), removeListener: () => undefined },
      onDetach: { addListener: () => undefined, removeListener: () => undefined },
    },
  } as unknown as ChromeApi;
  const emit = (tabId: number, params: unknown) => onEvent!({ tabId }, 'Fetch.requestPaused', params);
  return { api, commands, emit };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('CDP response errors', () => {
  it('a request that carried a session and then failed at the network level leaves nothing pending', async () => {
    const s = await setup();
    const chrome = fakeChrome();
    const interceptor = new CdpFetchInterceptor(() => chrome.api);
    const core = new MutualBackground(s.host, s.store, s.local, interceptor, s.port);
    interceptor.start({ onRequest: (r) => core.onRequest(r), onResponse: (r) => core.onResponse(r), onRequestFailed: (r, why) => core.onRequestFailed(r, why), onDetached: () => undefined });
    const first = s.server.handle(undefined);
    await core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    expect((await core.login(1, 'alice', PASSWORD, core.offeredLogin(1)!)).result).toBe('verified');

    const request = { url: `${ORIGIN}/img`, method: 'GET', headers: { Accept: '*/*' } };
    chrome.emit(1, { requestId: 'R1', networkId: 'N1', frameId: 'main', resourceType: 'Image', request });
    await settle();
    const cont = chrome.commands.find((c) => c.method === 'Fetch.continueRequest' && (c.params as { requestId: string }).requestId === 'R1');
    expect(JSON.stringify(cont)).toContain('vkc=');
    expect(s.host.pending.size).toBe(1);
    // The connection drops before a response: CDP pauses at the response stage with an error reason.
    chrome.emit(1, { requestId: 'R1', networkId: 'N1', frameId: 'main', resourceType: 'Image', request, responseErrorReason: 'ConnectionReset' });
    await settle();
    expect(s.host.pending.size).toBe(0);
  });

  it('…and so a worker restart minutes later does not close the (idle, fully loaded) tab', async () => {
    const s = await setup();
    const chrome = fakeChrome();
    const interceptor = new CdpFetchInterceptor(() => chrome.api);
    const core = new MutualBackground(s.host, s.store, s.local, interceptor, s.port);
    interceptor.start({ onRequest: (r) => core.onRequest(r), onResponse: (r) => core.onResponse(r), onRequestFailed: (r, why) => core.onRequestFailed(r, why), onDetached: () => undefined });
    const first = s.server.handle(undefined);
    await core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: 401, type: 'main_frame', headers: entries(first) });
    expect((await core.login(1, 'alice', PASSWORD, core.offeredLogin(1)!)).result).toBe('verified');
    const request = { url: `${ORIGIN}/img`, method: 'GET', headers: { Accept: '*/*' } };
    chrome.emit(1, { requestId: 'R1', networkId: 'N1', frameId: 'main', resourceType: 'Image', request });
    await settle();
    chrome.emit(1, { requestId: 'R1', networkId: 'N1', frameId: 'main', resourceType: 'Image', request, responseErrorReason: 'ConnectionReset' });
    const { PERSIST_SOON_MS } = await import('../../src/extension/background/engine.ts');
    await new Promise((r) => setTimeout(r, PERSIST_SOON_MS + 150)); // persistSoon() writes pending too
    // The worker restarts (the tab is not loading: FakePort.tabLoading() is false).
    const { EngineHost } = await import('../../src/extension/background/engine.ts');
    const { webRandom } = await import('../../src/bytes.ts');
    const host2 = await EngineHost.load(s.store, { random: webRandom, now: Date.now }, { pendingBeforeSend: false });
    s.interceptor.restartStrandsRequests = true;
    const core2 = new MutualBackground(host2, s.store, s.local, s.interceptor, s.port);
    await core2.restore();
    expect(s.port.closed).toEqual([]);
  });
});
