/**
 * A 5xx without Authentication-Info to a request that carried a session is tolerated by the engine as
 * "unauthenticated, serverError" (RFC 8120 §10.1) — it proves nothing. Anyone on the path (Mutual over plain
 * HTTP with validation=host is exactly that threat) can answer with a 5xx carrying any HTML: a document answered
 * so ends "verified"; a subresource answered so is blocked (fail closed).
 */
import { describe, expect, it } from 'vitest';
import { logIn, ORIGIN, request, roundTrip, setup } from './scenario.ts';

describe('5xx without Authentication-Info on a verified tab', () => {
  it('an unverified 5xx document does not keep the tab "verified"', async () => {
    const s = await setup();
    await logIn(s);
    expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).response.kind).toBe('continue');
    expect(s.core.tabStatus(1).state).toBe('verified');
    const forged = await roundTrip(s, request(1, `${ORIGIN}/account`, true), () => ({ status: 502, headers: { 'content-type': 'text/html' } }));
    expect(forged.auth).toContain('vkc='); // the request carried the session …
    expect(forged.response.kind).toBe('continue'); // … and the unverified body reaches the page
    expect(s.core.tabStatus(1).state).not.toBe('verified');
  });

  it('an unverified 5xx subresource is blocked; the tab stays verified and the session usable', async () => {
    const s = await setup();
    await logIn(s);
    expect((await roundTrip(s, request(1, `${ORIGIN}/`, true))).response.kind).toBe('continue');
    const forged = await roundTrip(s, request(1, `${ORIGIN}/app.js`), () => ({ status: 500, headers: { 'content-type': 'text/javascript' } }));
    expect(forged.auth).toContain('vkc=');
    expect(forged.response.kind).toBe('block');
    expect(s.core.tabStatus(1).state).toBe('verified');
    const next = await roundTrip(s, request(1, `${ORIGIN}/img`));
    expect(next.auth).toContain('vkc=');
    expect(next.response.kind).toBe('continue');
  });
});
