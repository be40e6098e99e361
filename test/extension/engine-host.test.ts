/**
 * Nonce numbers across service-worker restarts (RFC 8120 §6, issue 4): reserved in blocks, written before
 * use, never reused after a restart — with far fewer storage writes than requests.
 */
import { describe, expect, it } from 'vitest';
import { webRandom } from '../../src/bytes.ts';
import { EngineHost, NC_RESERVE } from '../../src/extension/background/engine.ts';
import { memoryArea, sessionStore } from '../../src/extension/background/storage.ts';
import { prepareCredential } from '../../src/protocol/credentials.ts';
import { ScriptedServer } from '../support/scripted-server.ts';

const ORIGIN = 'http://127.0.0.1:8080';

async function established(ncWindow = 2 * NC_RESERVE) {
  const server = await ScriptedServer.create({ algorithm: 'iso-kam3-ec-p256-sha256', origin: ORIGIN, realm: 'r', users: { u: 'p' }, path: '/', ncWindow });
  const area = memoryArea();
  const store = sessionStore(() => area);
  const load = () => EngineHost.load(store, { random: webRandom, now: Date.now }, { pendingBeforeSend: false });
  const host = await load();
  // Log in through the engine, as the background does.
  const first = host.client.beginRequest(`${ORIGIN}/`);
  let action = host.client.handleResponse(first.seq, server.handle(undefined));
  if (action.type !== 'login-required') throw new Error(action.type);
  const cred = await prepareCredential(action.login.realm, 'u', 'p');
  if (!cred.ok) throw cred.error;
  host.client.addCredential(cred.value);
  action = host.client.resume(first.seq, action.login);
  while (action.type === 'send') {
    await host.persist();
    action = host.client.handleResponse(first.seq, server.handle(action.authorization));
  }
  expect(action.type).toBe('verified');
  return { server, host, load };
}

/** One request the way the interceptor does it: allocate, persist, send, check. */
async function request(host: EngineHost, server: ScriptedServer): Promise<number> {
  const { seq, action } = host.client.beginRequest(`${ORIGIN}/x`, { subRequest: true });
  if (action.type !== 'send' || action.nc === undefined) throw new Error('no session');
  await host.persist();
  expect(host.client.handleResponse(seq, server.handle(action.authorization)).type).toBe('verified');
  return action.nc;
}

describe('EngineHost: nonce numbers', () => {
  it('writes once per half reserved block (the next mark, ahead of need), not once per request', async () => {
    const { server, host } = await established();
    const before = host.writes;
    for (let i = 0; i < 3 * NC_RESERVE; i++) await request(host, server);
    expect(host.writes - before).toBeLessThanOrEqual(3 * 2 + 1);
  });

  it('no request waits for the write of the next mark while the written mark still covers it', async () => {
    const { server, host } = await established();
    // From here on, every storage write hangs until released.
    const held: Array<() => void> = [];
    const area = (host as unknown as { store: { clientState: { set(v: unknown): Promise<void> } } }).store.clientState;
    const set = area.set.bind(area);
    area.set = (v) => new Promise<void>((ok) => held.push(() => void set(v).then(ok)));
    const ncs: number[] = [];
    // Well inside the block written at login: each request resolves although the mark write (started at half
    // the block) is still held.
    for (let i = 0; i < NC_RESERVE - 2; i++) ncs.push(await request(host, server));
    expect(held.length).toBeGreaterThan(0);
    // Past the written mark a request must wait for the write.
    let done = false;
    const late = Promise.all([request(host, server), request(host, server), request(host, server)]).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    while (held.length > 0) held.shift()!();
    await late;
    expect(new Set(ncs).size).toBe(ncs.length);
  });

  it('a restart jumps at most half the server\'s nc-window, so a request sent before it stays inside the window', async () => {
    const { server, host, load } = await established(16);
    const before = await request(host, server);
    const after = await request(await load(), server); // the worker died: the new one resumes at the mark
    expect(after).toBeGreaterThan(before);
    expect(after - before).toBeLessThanOrEqual(8);
  });

  it('parallel requests all wait for the write that covers their number', async () => {
    const { server, host } = await established();
    const ncs = await Promise.all(Array.from({ length: 100 }, () => request(host, server)));
    expect(new Set(ncs).size).toBe(100);
  });

  it('a restarted worker resumes above every number that may have been sent', async () => {
    const { server, host, load } = await established();
    const used: number[] = [];
    for (let round = 0; round < 5; round++) {
      const current = round === 0 ? host : await load(); // the worker dies after every burst
      for (let i = 0; i < 37; i++) used.push(await request(current, server));
    }
    expect(new Set(used).size).toBe(used.length);
    for (let i = 1; i < used.length; i++) expect(used[i]!).toBeGreaterThan(used[i - 1]!);
    expect(server.log.filter((l) => l.outcome !== 'ok' && l.kind === 'req-VFY-C')).toEqual([]);
  });
});
