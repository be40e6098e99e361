/**
 * decision.ts decideNow: a req-VFY-C against sessions in memory is answered in the same turn (no promise), and
 * the same decision comes back through promises when the store answers with them (Redis); a store that
 * fails — by throwing at once or by rejecting — fails closed with 503, any other error is a 500.
 */
import { describe, expect, it } from 'vitest';
import { createMutualDecider, isThenable, type Decision, type MutualDecider } from '../../src/server/decision.ts';
import { MemorySessionStore } from '../../src/server/memory-store.ts';
import { StoreUnavailableError, type SessionStore } from '../../src/server/session-store.ts';
import { algorithm, answering, origin, realm, session as decideSession, verifiers } from './decider-session.ts';

async function deciderWith(store: SessionStore): Promise<MutualDecider> {
  return createMutualDecider({ origin, areas: [{ path: '/p/', realm, algorithm }], verifiers: await verifiers(), sessions: store });
}

/** A logged-in session's next req-VFY-C Authorization values. */
const session = (decider: MutualDecider) => decideSession((authorization) => decider.decide({ method: 'GET', url: '/p/', headers: { authorization } }));

/** The in-memory store answering every step through a promise, as a remote store does. */
const promising = (inner: MemorySessionStore): SessionStore => answering(inner, (v) => Promise.resolve(v));

const req = (authorization: string) => ({ method: 'GET', url: '/p/page', headers: { authorization } });

describe('decideNow', () => {
  it('answers a req-VFY-C against sessions in memory in the same turn', async () => {
    const d = await deciderWith(new MemorySessionStore());
    const vfy = await session(d);
    const now = d.decideNow(req(vfy(1)));
    expect(isThenable(now)).toBe(false);
    expect((now as Decision).outcome).toBe('authenticated');
    // The same nonce number again: stale, also at once.
    const again = d.decideNow(req(vfy(1)));
    expect(isThenable(again)).toBe(false);
    expect((again as Decision).outcome).toBe('stale(duplicate)');
    // decide() is the same decision as a promise.
    expect((await d.decide(req(vfy(2)))).outcome).toMatch(/^stale\(/);
  });

  it('gives the same decisions through promises when the store answers with promises', async () => {
    const d = await deciderWith(promising(new MemorySessionStore()));
    const vfy = await session(d);
    const now = d.decideNow(req(vfy(1)));
    expect(isThenable(now)).toBe(true);
    const decided = await now;
    expect(decided.outcome).toBe('authenticated');
    expect(decided.headers.map(([n]) => n)).toEqual(['Authentication-Info', 'Cache-Control']);
    expect((await d.decideNow(req(vfy(1)))).outcome).toBe('stale(duplicate)');
  });

  it('fails closed with 503 when the store throws at once or rejects, and 500 for any other error', async () => {
    for (const how of ['throws', 'rejects'] as const) {
      const inner = new MemorySessionStore();
      const d = await deciderWith(inner);
      const vfy = await session(d);
      inner.lookup = () => {
        if (how === 'throws') throw new StoreUnavailableError('down');
        return Promise.reject(new StoreUnavailableError('down')) as never;
      };
      const r = await d.decideNow(req(vfy(1)));
      expect(r.action === 'respond' && r.status, how).toBe(503);
      expect(r.outcome).toContain('store-unavailable');
      inner.lookup = () => {
        throw new Error('bug');
      };
      const e = await d.decideNow(req(vfy(2)));
      expect(e.action === 'respond' && e.status, how).toBe(500);
      expect(d.counters.successes).toBe(0);
    }
  });
});
