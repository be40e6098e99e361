/**
 * After the server FAILED to prove itself (wrong vks), the session keys and the realm's active pi are dropped,
 * so no later request of the tab silently starts a new key exchange with the same server — each would be a full
 * req-KEX-C1 / req-VFY-C transcript (one online password guess for a rogue server) without asking the user.
 * docs/protocol-decisions.md §4: "no automatic retry loops".
 */
import { describe, expect, it } from 'vitest';
import { logIn, ORIGIN, PASSWORD, request, roundTrip, setup } from './scenario.ts';

describe('no silent re-keying with a server that just failed', () => {
  it('after a wrong vks, further requests send no req-KEX-C1 until the user logs in again', async () => {
    const s = await setup();
    await logIn(s);
    s.server.misbehave = 'wrong-vks';
    expect((await roundTrip(s, request(1, `${ORIGIN}/img`))).response.kind).toBe('block');
    expect(s.core.tabStatus(1).state).toBe('failed');
    const before = s.server.log.length;
    for (let i = 0; i < 5; i++) await roundTrip(s, request(1, `${ORIGIN}/img${i}`));
    const kex = s.server.log.slice(before).filter((l) => l.kind === 'req-KEX-C1');
    expect(kex).toEqual([]);
  });

  it('the suspension is on storage (a restarted worker does not re-key either), and a new login works', async () => {
    const s = await setup();
    await logIn(s);
    s.server.misbehave = 'wrong-vks';
    await roundTrip(s, request(1, `${ORIGIN}/img`));
    const saved = await s.store.clientState.get();
    expect(saved?.credentials).toEqual({});
    s.server.misbehave = 'none';
    // The next document goes out bare, gets a 401-INIT, and the user is asked; logging in again works.
    const doc = await roundTrip(s, request(1, `${ORIGIN}/`, true));
    expect(doc.auth).toBeUndefined();
    expect(s.core.tabStatus(1).login?.reason).toBe('initial');
    expect((await s.core.login(1, 'alice', PASSWORD, s.core.offeredLogin(1)!)).result).toBe('verified');
    expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).auth).toContain('vkc=');
  });
});
