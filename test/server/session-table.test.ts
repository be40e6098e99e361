/** RFC 8120 §6 nonce-number rules and §11 session states, on the session table alone. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SessionTable, type RealmTriple, type ServerSession } from '../../src/server/session-table.ts';

const SPACE: RealmTriple = { algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:8080', realm: 'r' };
const OTHER: RealmTriple = { ...SPACE, realm: 'other' };

function session(t: SessionTable, space = SPACE): ServerSession {
  return t.create({ space, user: 'alice', fake: false, K_c1: new Uint8Array(33), K_s1: new Uint8Array(33), z: new Uint8Array(33).fill(7) });
}

/** Feed numbers as a server would: check, then accept the fresh ones. */
function use(t: SessionTable, s: ServerSession, ncs: Iterable<number>): void {
  for (const nc of ncs) {
    expect(t.checkNonce(s, nc), `nc=${nc}`).toBe('fresh');
    t.accept(s, nc);
  }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('RFC 8120 §6: nonce numbers', () => {
  it('the example of §6: nc-window 128, nc-max 400', () => {
    const t = new SessionTable({ ncWindow: 128, ncMax: 400 });
    const s = session(t);
    use(t, s, [...range(1, 120), 122, 124, ...range(130, 238), ...range(255, 360), ...range(363, 372)]);
    expect(s.largestNc).toBe(372);
    // "The nonce number that can then be used for the next request is a number from the following set"
    for (const nc of [...range(245, 254), 361, 362, ...range(373, 400)]) expect(t.checkNonce(s, nc), `nc=${nc}`).toBe('fresh');
    // "The values {0, 121, 123, 125-129, 239-244} MAY be rejected … not above the current window limit (244)"
    for (const nc of [0, 121, 123, ...range(125, 129), ...range(239, 244)]) expect(t.checkNonce(s, nc), `nc=${nc}`).toBe('below-window');
    // Used numbers inside the window are duplicates; above nc-max is refused.
    for (const nc of [255, 300, 360, 363, 372]) expect(t.checkNonce(s, nc), `nc=${nc}`).toBe('duplicate');
    expect(t.checkNonce(s, 401)).toBe('above-max');
    expect(t.checkNonce(s, Number.MAX_SAFE_INTEGER)).toBe('above-max');
  });

  it('the first req-VFY-C may use any number up to nc-max (key exchanging: no window yet)', () => {
    const t = new SessionTable({ ncWindow: 4, ncMax: 100 });
    const s = session(t);
    expect(t.checkNonce(s, 0)).toBe('fresh');
    expect(t.checkNonce(s, 100)).toBe('fresh');
    t.accept(s, 100);
    expect(s.state).toBe('authenticated');
    expect(t.checkNonce(s, 96)).toBe('below-window');
    expect(t.checkNonce(s, 97)).toBe('fresh');
  });

  it('property: a number is accepted at most once, and everything accepted was within the rules', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }), (w, ncs) => {
        const t = new SessionTable({ ncWindow: w, ncMax: 250 });
        const s = session(t);
        const accepted = new Set<number>();
        let largest = 0;
        for (const nc of ncs) {
          const r = t.checkNonce(s, nc);
          if (r !== 'fresh') continue;
          expect(accepted.has(nc)).toBe(false);
          expect(nc).toBeLessThanOrEqual(250);
          if (accepted.size > 0) expect(nc).toBeGreaterThan(largest - w);
          t.accept(s, nc);
          accepted.add(nc);
          largest = Math.max(largest, nc);
        }
        // Nothing new inside the window is refused as a duplicate.
        for (let nc = Math.max(0, largest - w + 1); nc <= Math.min(250, largest + 3); nc++) {
          expect(t.checkNonce(s, nc)).toBe(accepted.has(nc) ? 'duplicate' : 'fresh');
        }
      }),
    );
  });
});

describe('RFC 8120 §11: states, expiry, caps', () => {
  it('sessions are local to their protection space; sids are 128-bit lower-case hex', () => {
    const t = new SessionTable();
    const s = session(t);
    expect(s.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(t.get(s.sid, SPACE)).toBe(s);
    expect(t.get(s.sid.toUpperCase(), SPACE)).toBe(s);
    expect(t.get(s.sid, OTHER)).toBeUndefined();
  });

  it('key exchanging → rejected on a wrong vkc; authenticated stays authenticated; deactivate removes and wipes', () => {
    const t = new SessionTable();
    const a = session(t);
    t.reject(a);
    expect(a.state).toBe('rejected');
    const b = session(t);
    t.accept(b, 1);
    t.reject(b);
    expect(b.state).toBe('authenticated');
    t.deactivate(b);
    expect(b.state).toBe('inactive');
    expect(t.get(b.sid, SPACE)).toBeUndefined();
    expect(b.z.every((x) => x === 0)).toBe(true);
  });

  it('expiry follows the injected clock', () => {
    let now = 5_000;
    const t = new SessionTable({ now: () => now, lifetimeSeconds: 60 });
    const s = session(t);
    expect(s.expiresAt).toBe(65_000);
    now = 64_999;
    expect(t.get(s.sid, SPACE)).toBe(s);
    now = 65_000;
    expect(t.get(s.sid, SPACE)).toBeUndefined();
    expect(t.stats().expired).toBe(1);
  });

  it('inserts drop expired sessions from the front; sweep() drops all of them', () => {
    let now = 0;
    const t = new SessionTable({ now: () => now, lifetimeSeconds: 10 });
    for (let i = 0; i < 20; i++) session(t);
    now = 20_000;
    session(t);
    expect(t.size).toBeLessThan(21);
    t.sweep();
    expect(t.size).toBe(1);
  });

  it('a flood of half-open exchanges stays within maxPending and does not touch authenticated sessions', () => {
    const t = new SessionTable({ maxSessions: 1000, maxPending: 50 });
    const good = Array.from({ length: 10 }, () => {
      const s = session(t);
      t.accept(s, 1);
      return s;
    });
    for (let i = 0; i < 1000; i++) {
      session(t);
      expect(t.stats().pending).toBeLessThanOrEqual(50);
    }
    expect(t.size).toBe(60);
    expect(t.stats().evicted).toBe(950);
    for (const s of good) expect(t.get(s.sid, SPACE)).toBe(s);
  });

  it('at maxSessions the oldest pending goes first, then the oldest authenticated', () => {
    const t = new SessionTable({ maxSessions: 3, maxPending: 3 });
    const a = session(t);
    t.accept(a, 1);
    const b = session(t);
    t.accept(b, 1);
    const p = session(t);
    const q = session(t); // evicts p (pending) rather than a or b
    expect(t.get(p.sid, SPACE)).toBeUndefined();
    expect(t.get(a.sid, SPACE)).toBe(a);
    t.accept(q, 1);
    session(t); // no pending left: evicts the oldest authenticated, a
    expect(t.get(a.sid, SPACE)).toBeUndefined();
    expect(t.get(b.sid, SPACE)).toBe(b);
    expect(t.size).toBe(3);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new SessionTable({ ncWindow: 0 })).toThrow(RangeError);
    expect(() => new SessionTable({ maxSessions: 1.5 })).toThrow(RangeError);
  });
});

describe('RFC 8120 §11: which entries go first under pressure', () => {
  it('rejected sessions are evicted before key-exchanging ones, key-exchanging before authenticated', () => {
    const t = new SessionTable({ maxSessions: 4, maxPending: 3 });
    const a = session(t); // key exchanging, the oldest
    const r1 = session(t);
    const r2 = session(t);
    t.reject(r1);
    t.reject(r2);
    expect(r1.state).toBe('rejected');
    const d = session(t); // over maxPending: a rejected one must go, not `a`
    expect(t.get(a.sid, SPACE)).toBe(a);
    expect(t.get(r1.sid, SPACE)).toBeUndefined();
    expect(t.get(r2.sid, SPACE)).toBe(r2);
    expect(t.get(d.sid, SPACE)).toBe(d);
    // Authenticate two; at the total cap the pending/rejected ones go before the authenticated.
    use(t, a, [1]);
    use(t, d, [1]);
    session(t);
    session(t);
    expect(t.get(a.sid, SPACE)?.state).toBe('authenticated');
    expect(t.get(d.sid, SPACE)?.state).toBe('authenticated');
    expect(t.get(r2.sid, SPACE)).toBeUndefined();
    expect(t.size).toBeLessThanOrEqual(4);
  });
});
