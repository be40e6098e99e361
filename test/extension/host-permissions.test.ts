/** Host permissions (user-grantable in Firefox MV3): detecting what is missing and asking for it in one step. */
import { describe, expect, it } from 'vitest';
import { HOST_ORIGINS, hostPermissions, type PermissionsApi } from '../../src/extension/shared/host-permissions.ts';

function fakePermissions(granted: Set<string>, answer: boolean | 'throw' = true) {
  const added = new Set<(p: { origins?: string[]; permissions?: string[] }) => void>();
  const removed = new Set<(p: { origins?: string[]; permissions?: string[] }) => void>();
  const requests: string[][] = [];
  let syncCalls = 0;
  const api: PermissionsApi = {
    contains: async (p) => (p.origins ?? []).every((o) => granted.has(o)),
    request: (p) => {
      syncCalls++;
      requests.push(p.origins ?? []);
      if (answer === 'throw') throw new Error('permissions.request may only be called from a user input handler');
      if (answer) for (const o of p.origins ?? []) granted.add(o);
      for (const f of answer ? added : []) f({ origins: p.origins ?? [] });
      return Promise.resolve(answer);
    },
    onAdded: { addListener: (f) => void added.add(f), removeListener: (f) => void added.delete(f) },
    onRemoved: { addListener: (f) => void removed.add(f), removeListener: (f) => void removed.delete(f) },
  };
  return { api, requests, removed, calls: () => syncCalls };
}

describe('host permissions', () => {
  it('lists what is missing, and nothing once granted', async () => {
    const g = new Set<string>(['https://*/*']);
    const f = fakePermissions(g);
    const hp = hostPermissions(() => f.api);
    expect(await hp.missing()).toEqual(['http://*/*']);
    g.add('http://*/*');
    expect(await hp.missing()).toEqual([]);
  });

  it('asks for all origins in one prompt, synchronously inside the caller\'s turn (user-gesture rule)', async () => {
    const g = new Set<string>();
    const f = fakePermissions(g);
    const hp = hostPermissions(() => f.api);
    const p = hp.request();
    expect(f.calls()).toBe(1); // called before any await
    expect(await p).toBe(true);
    expect(f.requests).toEqual([[...HOST_ORIGINS]]);
    expect(await hp.missing()).toEqual([]);
  });

  it('a declined prompt or a refused call is false, never a throw', async () => {
    expect(await hostPermissions(() => fakePermissions(new Set(), false).api).request()).toBe(false);
    expect(await hostPermissions(() => fakePermissions(new Set(), 'throw').api).request()).toBe(false);
  });

  it('tells the UI when host permissions change, until unsubscribed', async () => {
    const f = fakePermissions(new Set());
    const hp = hostPermissions(() => f.api);
    let n = 0;
    const off = hp.onChange(() => n++);
    await hp.request();
    expect(n).toBe(1);
    for (const l of f.removed) l({ origins: ['http://*/*'] });
    expect(n).toBe(2);
    for (const l of f.removed) l({ permissions: ['tabs'] });
    expect(n).toBe(2);
    off();
    expect(f.removed.size).toBe(0);
  });
});
