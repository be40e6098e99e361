/**
 * A 5xx without Authentication-Info to a request that carried a session is tolerated by the engine as
 * "unauthenticated, serverError" (RFC 8120 §10.1) — it proves nothing. Anyone on the path (Mutual over plain
 * HTTP with validation=host is exactly that threat) can answer with a 5xx carrying any HTML: a document answered
 * so ends "verified" and its body is replaced by a neutral page of the extension (issue 7, rule R4: a forged 5xx
 * body is not shown); a subresource answered so is blocked (fail closed).
 */
import { describe, expect, it } from 'vitest';
import { commit, logIn, ORIGIN, request, roundTrip, setup } from './scenario.ts';

describe('5xx without Authentication-Info on a verified tab', () => {
  it('an unverified 5xx document does not keep the tab "verified"', async () => {
    const s = await setup();
    await logIn(s);
    expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).response.kind).toBe('continue');
    commit(s, 1, `${ORIGIN}/`);
    expect(s.core.tabStatus(1).state).toBe('verified');
    const forged = await roundTrip(s, request(1, `${ORIGIN}/account`, true), () => ({ status: 502, headers: { 'content-type': 'text/html' } }));
    expect(forged.auth).toContain('vkc='); // the request carried the session …
    // … and the unverified body never reaches the page: the extension's neutral page instead.
    expect(forged.response.kind).toBe('fulfill');
    if (forged.response.kind === 'fulfill') {
      expect(forged.response.status).toBe(502);
      expect(new TextDecoder().decode(forged.response.body)).toContain('The server answered with an error and did not prove itself');
    }
    expect(s.core.tabStatus(1).state).not.toBe('verified');
    commit(s, 1, `${ORIGIN}/account`);
    expect(s.core.tabStatus(1).state).not.toBe('verified');
    // The session is not suspended: a 5xx proves nothing either way.
    expect(s.core.sessions()[0]?.active).toBe(true);
  });

  it('an unverified 5xx subresource is blocked; the tab stays verified and the session usable', async () => {
    const s = await setup();
    await logIn(s);
    expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).response.kind).toBe('continue');
    commit(s, 1, `${ORIGIN}/`);
    const forged = await roundTrip(s, request(1, `${ORIGIN}/app.js`), () => ({ status: 500, headers: { 'content-type': 'text/javascript' } }));
    expect(forged.auth).toContain('vkc=');
    expect(forged.response.kind).toBe('block');
    expect(s.core.tabStatus(1).state).toBe('verified');
    const next = await roundTrip(s, request(1, `${ORIGIN}/img`));
    expect(next.auth).toContain('vkc=');
    expect(next.response.kind).toBe('continue');
  });
});
