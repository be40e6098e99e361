/** The adapter helpers and the core's handling of hostile responses: never a throw, never "verified". */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { webRandom } from '../../src/bytes.ts';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { EngineHost } from '../../src/extension/background/engine.ts';
import { headerRecord, withAuthorization } from '../../src/extension/background/interceptors/interceptor.ts';
import { localStore, memoryArea, sessionStore } from '../../src/extension/background/storage.ts';
import { ScriptedServer } from '../support/scripted-server.ts';
import { entries, FakeInterceptor, FakePort } from './support.ts';

describe('interceptor helpers', () => {
  it('keeps the original request headers and replaces any Authorization (CDP replaces the whole list)', () => {
    const out = withAuthorization([{ name: 'Accept', value: 'text/html' }, { name: 'authorization', value: 'Basic x' }, { name: 'Cookie', value: 'a=b' }], 'Mutual sid=1');
    expect(out).toEqual([{ name: 'Accept', value: 'text/html' }, { name: 'Cookie', value: 'a=b' }, { name: 'Authorization', value: 'Mutual sid=1' }]);
  });

  it('splits repeated response fields that CDP joined with newlines, lower-casing names', () => {
    expect(headerRecord([{ name: 'WWW-Authenticate', value: 'Mutual a=1\nBasic realm="x"' }, { name: 'Authentication-Info', value: 'Mutual sid=2' }])).toEqual({
      'www-authenticate': ['Mutual a=1', 'Basic realm="x"'],
      'authentication-info': ['Mutual sid=2'],
    });
  });
});

describe('hostile responses', () => {
  it('any status and header values: the core answers with a verdict and never calls it verified', async () => {
    const server = await ScriptedServer.create({ algorithm: 'iso-kam3-ec-p256-sha256', origin: 'http://127.0.0.1:8080', realm: 'r', users: { u: 'p' }, path: '/' });
    const area = memoryArea();
    const store = sessionStore(() => area);
    const host = await EngineHost.load(store, { random: webRandom, now: Date.now });
    const interceptor = new FakeInterceptor();
    const core = new MutualBackground(host, store, localStore(() => memoryArea()), interceptor, new FakePort(server));
    // Log in, so requests carry a session and responses must prove the server.
    const first = server.handle(undefined);
    await core.onObservedResponse({ tabId: 1, url: 'http://127.0.0.1:8080/', statusCode: 401, type: 'main_frame', headers: entries(first) });
    expect((await core.login(1, 'u', 'p', core.offeredLogin(1)!)).result).toBe('verified');
    // (the login's own exchange counts as one verified request of the tab)
    let n = 0;
    const names = fc.constantFrom('www-authenticate', 'authentication-info', 'optional-www-authenticate', 'authentication-control', 'x-other');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 599 }), fc.array(fc.record({ name: names, value: fc.string({ maxLength: 300 }) }), { maxLength: 4 }), fc.boolean(), async (status, headers, mainFrame) => {
        const r = { id: `h${++n}`, tabId: 1, url: `http://127.0.0.1:8080/h${n}`, method: 'GET', headers: [], mainFrame, document: mainFrame, requester: { origin: 'http://127.0.0.1:8080', topOrigin: 'http://127.0.0.1:8080' } };
        const verifiedBefore = core.tabStatus(1).requestsVerified;
        const v = await core.onRequest(r);
        expect(v.kind).toBe('continue');
        const out = await core.onResponse({ ...r, status, responseHeaders: headers });
        expect(['continue', 'block', 'fulfill']).toContain(out.kind);
        // Random bytes never prove the server: nothing is counted as verified, the tab is never "verified".
        expect(core.tabStatus(1).requestsVerified).toBe(verifiedBefore);
        if (v.kind === 'continue' && v.authorization?.includes('vkc') && status < 500) expect(out.kind).not.toBe('continue');
      }),
      { numRuns: 150 },
    );
  });
});
