/**
 * decideNow (the req-VFY-C decided in the same turn) from an attacker's side: the node:http handler
 * when the application throws inside next() (now called within the request event), the §11 store step under
 * concurrent replays (in memory and through promises), and stores answering with thenables that are not
 * native promises; and two errors that the first version of decideNow let escape (a store error whose message
 * is not a string crashed the process; an unserialisable status page was not a counted 500), each the
 * behaviour the all-async decision had.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMutualDecider, type Decision, type MutualDecider } from '../../src/server/decision.ts';
import { createMutualHandler } from '../../src/server/handler.ts';
import { MemorySessionStore } from '../../src/server/memory-store.ts';
import { algorithm, answering, head, origin, realm, session, verifiers, type Wrap } from './decider-session.ts';
import { request } from './test-client.ts';

const areas = [{ path: '/p/', realm, algorithm, logoutPaths: ['/p/logout'] }, { path: '/o/', realm, algorithm, optional: true }];
const wraps: Record<string, Wrap> = {
  direct: (v) => v,
  promise: (v) => Promise.resolve(v),
  // A thenable of another library that settles later, and one that calls back at once and twice.
  'late thenable': (v) => ({ then: (ok: (x: unknown) => void) => setTimeout(() => ok(v), 1) }),
  'eager thenable': (v) => ({ then: (ok: (x: unknown) => void) => { ok(v); ok('again'); } }),
};

describe('decideNow under attack', () => {
  for (const [name, wrap] of Object.entries(wraps)) {
    it(`a req-VFY-C replayed concurrently is accepted once (${name} store)`, async () => {
      const d = createMutualDecider({ origin, areas, verifiers: await verifiers(), sessions: answering(new MemorySessionStore(), wrap) });
      const open = () => session((authorization) => d.decide({ method: 'GET', url: '/p/', headers: { authorization } }));
      const vfy = await open();
      const req = (v: (nc: number) => string, nc: number, url = '/p/a') => ({ method: 'GET', url, headers: { authorization: v(nc) } });
      const answers = await Promise.all([d.decideNow(req(vfy, 1)), d.decideNow(req(vfy, 1)), d.decide(req(vfy, 1)), d.decideNow(req(vfy, 1))]);
      const outcomes = answers.map((a) => a.outcome);
      expect(outcomes.filter((o) => o === 'authenticated')).toHaveLength(1);
      expect(outcomes.filter((o) => /^stale\((duplicate|unknown sid)\)$/.test(o))).toHaveLength(3);
      // A logout racing requests of the same session: nothing the store steps after it passes.
      const v2 = await open();
      const [logout, next, after] = await Promise.all([d.decideNow(req(v2, 1, '/p/logout')), d.decideNow(req(v2, 2)), d.decideNow(req(v2, 3))]);
      expect(logout.outcome).toBe('logout');
      expect(next.outcome).toMatch(/^stale\(/);
      expect(after.outcome).toMatch(/^stale\(/);
      expect(d.counters.successes).toBe(2);
    });
  }

  it('node:http: an application throwing inside next() gets a 500 without Mutual fields; next() runs once; the server lives', async () => {
    const logs: string[] = [];
    const mutual = createMutualHandler({ origin, areas, verifiers: await verifiers(), log: (l) => logs.push(l) });
    let calls = 0;
    const server = http.createServer((req, res) => mutual(req, res, () => {
      calls++;
      if (req.url === '/odd') throw Object.defineProperty(new Error('x'), 'message', { value: 5 });
      if (req.url !== '/ok') throw new Error('app bug');
      res.end('fine');
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const vfy = await session(async (authorization) => {
        const r = await request(`${base}/p/`, { authorization });
        const h = r.headers['www-authenticate'];
        return { action: 'respond', status: r.status, body: new Uint8Array(), outcome: '', headers: [['WWW-Authenticate', String(h)]] };
      });
      const authed = await request(`${base}/p/a`, { authorization: vfy(1) });
      expect(authed.status).toBe(500);
      expect(authed.headers['authentication-info']).toBeUndefined();
      expect(authed.body.toString()).toBe('Internal Server Error\n');
      const optional = await request(`${base}/o/a`);
      expect(optional.status).toBe(500);
      expect(optional.headers['optional-www-authenticate']).toBeUndefined();
      expect((await request(`${base}/public`)).status).toBe(500);
      expect(calls).toBe(3);
      expect((await request(`${base}/ok`)).body.toString()).toBe('fine');
      // An error whose message is not a string is logged and answered like any other.
      const odd = await request(`${base}/odd`);
      expect(odd.status).toBe(500);
      expect(odd.body.toString()).toBe('Internal Server Error\n');
      await new Promise((r) => setTimeout(r, 10));
      expect(logs.filter((l) => /application-error\(app bug\)/.test(l))).toHaveLength(3);
      expect(logs.filter((l) => /application-error\(5\)/.test(l))).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  // Finding 1: the previous decision rejected (→ 500 in every adapter); decideNow throws synchronously, which
  // the node:http handler and the proxy do not catch — the 'request' listener throws and the process exits.
  it('a store throwing an Error whose message is not a string: decideNow does not throw', async () => {
    const inner = new MemorySessionStore();
    const d: MutualDecider = createMutualDecider({ origin, areas, verifiers: await verifiers(), sessions: inner });
    inner.lookup = () => {
      throw Object.defineProperty(new Error('x'), 'message', { value: 5 });
    };
    const req = { method: 'GET', url: '/p/', headers: { authorization: `${head}, sid=${'ab'.repeat(16)}, nc=1, vkc=${'00'.repeat(32)}` } };
    let d1: Decision | Promise<Decision> | undefined;
    expect(() => (d1 = d.decideNow(req))).not.toThrow();
    expect(() => void d.decide(req).catch(() => {})).not.toThrow();
    expect(((await d1!) as Extract<Decision, { action: 'respond' }>).status).toBe(500);
  });

  // Finding 2: the status page's JSON failing (a store's stats with a BigInt) was a 500 counted as an internal
  // error; now statusAnswer's exception rejects decide() ("never throws") and the counter stays 0.
  it('a status page that cannot be serialized: 500 and counted', async () => {
    const inner = new MemorySessionStore();
    const d = createMutualDecider({ origin, areas, verifiers: await verifiers(), sessions: inner });
    inner.stats = () => ({ ...inner.table.stats(), size: 1n as unknown as number });
    const r = await d.decide({ method: 'GET', url: '/.well-known/mutual-status', headers: {} });
    expect(r.action === 'respond' && r.status).toBe(500);
    expect(d.counters.internalErrors).toBe(1);
  });
});
