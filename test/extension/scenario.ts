/** Scenarios for the core on fakes: scripted servers on several origins, login, one request round trip (reuses support.ts). */
import { expect } from 'vitest';
import { webRandom } from '../../src/bytes.ts';
import { MutualBackground, type FetchedResponse } from '../../src/extension/background/core.ts';
import { EngineHost } from '../../src/extension/background/engine.ts';
import { localStore, memoryArea, sessionStore } from '../../src/extension/background/storage.ts';
import type { InterceptedRequest, InterceptedResponse } from '../../src/extension/background/interceptors/interceptor.ts';
import { ScriptedServer } from '../support/scripted-server.ts';
import { entries, FakeInterceptor, FakePort } from './support.ts';

export const ORIGIN = 'http://127.0.0.1:8080';
export const PASSWORD = 'pass w0rd';

/** A port whose fetch() goes to the scripted server of the URL's origin (several servers). */
export class MultiPort extends FakePort {
  constructor(private readonly servers: Record<string, ScriptedServer>) {
    super(Object.values(servers)[0]!);
  }
  override async fetch(url: string, init: { authorization?: string }): Promise<FetchedResponse> {
    const res = this.servers[new URL(url).origin]!.handle(init.authorization);
    return { status: res.status, headers: entries(res), body: new TextEncoder().encode('body') };
  }
}

export async function setup(opts: { origins?: string[]; realm?: string } = {}) {
  const origins = opts.origins ?? [ORIGIN];
  const servers: Record<string, ScriptedServer> = {};
  for (const o of origins) {
    servers[o] = await ScriptedServer.create({ algorithm: 'iso-kam3-ec-p256-sha256', origin: o, realm: opts.realm ?? 'test', users: { alice: PASSWORD }, path: '/' });
  }
  const server = servers[origins[0]!]!;
  const sessionArea = memoryArea();
  const localArea = memoryArea();
  const store = sessionStore(() => sessionArea);
  const local = localStore(() => localArea);
  await local.phrase.set('cobalt meadow raven 42');
  const interceptor = new FakeInterceptor();
  const port = new MultiPort(servers);
  const host = await EngineHost.load(store, { random: webRandom, now: Date.now }, { pendingBeforeSend: false });
  const core = new MutualBackground(host, store, local, interceptor, port);
  await core.restore();
  return { servers, server, sessionArea, localArea, store, local, interceptor, port, core, host };
}
export type Setup = Awaited<ReturnType<typeof setup>>;

let ids = 0;
/**
 * A request of the tab; by default made by a document of the URL's own origin in a top-level document of that
 * origin (the site's own page). `requester: null` leaves it out (an adapter that could not tell).
 */
export function request(tabId: number, url: string, mainFrame = false, method = 'GET', requester?: { origin: string; topOrigin: string } | null): InterceptedRequest {
  const own = new URL(url).origin;
  const r: InterceptedRequest = { id: `q${++ids}`, tabId, url, method, headers: [{ name: 'Accept', value: '*/*' }], mainFrame, document: mainFrame };
  if (requester !== null) r.requester = requester ?? { origin: own, topOrigin: own };
  return r;
}

/** The browser reports that the tab's top-level document committed (webNavigation.onCommitted). */
export function commit(s: { core: { onCommitted(tabId: number, url: string): void } }, tabId: number, url: string): void {
  s.core.onCommitted(tabId, url);
}

/** The page's 401-INIT seen by the observer, then the user logs in from the login UI. */
export async function logIn(s: Setup, tabId = 1, origin = ORIGIN) {
  const first = s.servers[origin]!.handle(undefined);
  await s.core.onObservedResponse({ tabId, url: `${origin}/`, statusCode: first.status, type: 'main_frame', headers: entries(first) });
  expect((await s.core.login(tabId, 'alice', PASSWORD, s.core.offeredLogin(tabId)!)).result).toBe('verified');
}

/** One request through the core against the server of its origin; the core's response verdict. */
export async function roundTrip(s: Setup, r: InterceptedRequest, answer?: (auth: string | undefined) => { status: number; headers: Record<string, string | string[]> }) {
  const v = await s.core.onRequest(r);
  const auth = v.kind === 'continue' ? v.authorization : undefined;
  const res = answer ? answer(auth) : s.servers[new URL(r.url).origin]!.handle(auth);
  const out = await s.core.onResponse({ ...r, status: res.status, responseHeaders: entries(res as never) } as InterceptedResponse);
  return { request: v, response: out, auth };
}
