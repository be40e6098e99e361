/** The worker's own fetch(): opaque redirects, a timeout, and a cap on the bodies it replays into a tab. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { extensionPort, FETCH_TIMEOUT_MS, MAX_REPLAY_BYTES, readCapped } from '../../src/extension/background/browser-port.ts';
import type { Browser } from 'webextension-polyfill';

const port = extensionPort(() => ({}) as Browser);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('browser port fetch', () => {
  it('an opaque redirect is status 0 with no headers ("cannot be checked here")', async () => {
    vi.stubGlobal('fetch', async () => ({ type: 'opaqueredirect', status: 0, headers: new Headers() }) as unknown as Response);
    expect(await port.fetch('http://127.0.0.1:8080/', { method: 'GET', headers: [] })).toEqual({ status: 0, headers: [], body: new Uint8Array() });
  });

  it('gives up after a timeout', async () => {
    let signal: AbortSignal | undefined;
    vi.stubGlobal('fetch', async (_u: string, init: RequestInit) => {
      signal = init.signal ?? undefined;
      return new Response('ok');
    });
    await port.fetch('http://127.0.0.1:8080/', { method: 'GET', headers: [] });
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(FETCH_TIMEOUT_MS).toBe(30_000);
  });

  it('refuses bodies over the cap, declared or streamed', async () => {
    const small = await readCapped(new Response(new Uint8Array(10)), 16);
    expect(small.length).toBe(10);
    await expect(readCapped(new Response(new Uint8Array(17)), 16)).rejects.toThrow(/larger than/);
    const big = new Response(new Uint8Array(8), { headers: { 'content-length': String(MAX_REPLAY_BYTES + 1) } });
    await expect(readCapped(big, MAX_REPLAY_BYTES)).rejects.toThrow(/larger than 16 MiB/);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    await expect(readCapped(new Response(endless), MAX_REPLAY_BYTES)).rejects.toThrow(/larger than 16 MiB/);
    expect(pulled).toBeLessThan(40);
  });
});
