/**
 * The login UI opens by itself at most once per minute per realm — and, because the realm is a name the server
 * chooses, also at most once per minute per tab and per server: a page that answers with a new realm name on
 * every load does not get a window each time.
 */
import { describe, expect, it } from 'vitest';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { formatInit } from '../../src/protocol/messages.ts';
import { request, roundTrip, setup } from './scenario.ts';

const init = (origin: string, realm: string) => () => ({
  status: 401,
  headers: { 'www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: origin, realm, reason: 'initial' }) },
});

async function clocked() {
  const s = await setup();
  let clock = 1_000_000;
  const core = new MutualBackground(s.host, s.store, s.local, s.interceptor, s.port, () => clock);
  await core.restore();
  return { s: { ...s, core }, tick: (ms: number) => void (clock += ms) };
}

describe('automatic login windows', () => {
  it('one per tab per minute, whatever realm names the page invents', async () => {
    const { s, tick } = await clocked();
    for (let i = 0; i < 5; i++) {
      // The same tab, a new realm each time, on servers of its choosing.
      const origin = `http://127.0.0.${i + 1}:8080`;
      await roundTrip(s, request(1, `${origin}/`, true), init(origin, `realm-${i}`));
      expect(s.core.tabStatus(1).login?.realm).toBe(`realm-${i}`); // still offered (toolbar: login available)
    }
    expect(s.port.prompts).toEqual([1]);
    tick(61_000);
    await roundTrip(s, request(1, 'http://127.0.0.9:8080/', true), init('http://127.0.0.9:8080', 'later'));
    expect(s.port.prompts).toEqual([1, 1]);
  });

  it('one per server per minute, across tabs and realm names', async () => {
    const { s } = await clocked();
    const origin = 'http://127.0.0.1:8080';
    for (let tab = 1; tab <= 4; tab++) await roundTrip(s, request(tab, `${origin}/t${tab}`, true), init(origin, `realm-${tab}`));
    expect(s.port.prompts).toEqual([1]);
    // Another server in another tab is not held back by this one.
    await roundTrip(s, request(9, 'http://127.0.0.2:8080/', true), init('http://127.0.0.2:8080', 'x'));
    expect(s.port.prompts).toEqual([1, 9]);
  });
});
