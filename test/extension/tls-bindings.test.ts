/**
 * tls-server-end-point bindings (the certificate a tab saw, per origin) live as long as Chromium's own record:
 * until the tab's main frame navigates to another origin — then they are forgotten, for that tab only.
 */
import { describe, expect, it } from 'vitest';
import { request, setup } from './scenario.ts';

describe('TLS bindings per tab', () => {
  it('are kept on same-origin navigations and cleared when the main frame goes to another origin', async () => {
    const s = await setup();
    const bindings = (s.core.tls as unknown as { bindings: Map<string, Uint8Array> }).bindings;
    const b = (x: number) => new Uint8Array([x]);
    await s.core.onRequest(request(1, 'https://bank.example/', true));
    await s.core.onRequest(request(2, 'https://bank.example/', true));
    bindings.set('1 https://bank.example:443', b(0xaa));
    bindings.set('1 https://cdn.example:443', b(0xbb));
    bindings.set('2 https://bank.example:443', b(0xcc));
    await s.core.onRequest(request(1, 'https://bank.example/account', true));
    await s.core.onRequest(request(1, 'https://cdn.example/img.png')); // a subresource: no navigation
    expect([...bindings.keys()].filter((k) => k.startsWith('1 '))).toHaveLength(2);
    await s.core.onRequest(request(1, 'https://other.example/', true));
    expect([...bindings.keys()].filter((k) => k.startsWith('1 '))).toEqual([]);
    expect(bindings.get('2 https://bank.example:443')).toEqual(b(0xcc));
  });
});
