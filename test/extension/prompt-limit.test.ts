/**
 * Issue 7 (rule R6, docs/threat-model.md): the login UI opens by itself at most 3 times per minute across all
 * tabs, and at most once per minute per realm; a suppressed prompt leaves "login available" on the toolbar icon
 * (and the login offered in the popup). The limits live in storage.session: a worker restart does not reset them.
 */
import { describe, expect, it } from 'vitest';
import { MutualBackground } from '../../src/extension/background/core.ts';
import { EngineHost } from '../../src/extension/background/engine.ts';
import { PROMPTS_PER_MINUTE } from '../../src/extension/background/prompts.ts';
import { webRandom } from '../../src/bytes.ts';
import { formatInit } from '../../src/protocol/messages.ts';
import { request, roundTrip, setup } from './scenario.ts';

const init = (origin: string, realm: string) => () => ({
  status: 401,
  headers: { 'www-authenticate': formatInit({ algorithm: 'iso-kam3-ec-p256-sha256', validation: 'host', authScope: origin, realm, reason: 'initial' }) },
});

async function clocked() {
  const s = await setup();
  let clock = 1_000_000;
  const now = () => clock;
  const core = new MutualBackground(s.host, s.store, s.local, s.interceptor, s.port, now);
  await core.restore();
  const reboot = async () => {
    const host = await EngineHost.load(s.store, { random: webRandom, now: Date.now }, { pendingBeforeSend: false });
    const c = new MutualBackground(host, s.store, s.local, s.interceptor, s.port, now);
    await c.restore();
    return c;
  };
  return { s: { ...s, core }, tick: (ms: number) => void (clock += ms), reboot };
}

describe('automatic login windows', () => {
  it('10 challenges from one page, each with a new realm on a server of its choosing → at most 3 login UIs that minute', async () => {
    const { s, tick } = await clocked();
    for (let i = 0; i < 10; i++) {
      const origin = `http://127.0.0.${i + 1}:8080`;
      await roundTrip(s, request(1, `${origin}/`, true), init(origin, `realm-${i}`));
      expect(s.core.tabStatus(1).login?.realm).toBe(`realm-${i}`); // still offered in the popup
      expect(s.core.tabStatus(1).state).toBe('available'); // "login available" on the icon, not a dead 401
    }
    expect(PROMPTS_PER_MINUTE).toBe(3);
    expect(s.port.prompts).toEqual([1, 1, 1]);
    tick(61_000);
    await roundTrip(s, request(1, 'http://127.0.0.99:8080/', true), init('http://127.0.0.99:8080', 'later'));
    expect(s.port.prompts).toEqual([1, 1, 1, 1]);
  });

  it('across all tabs: the fourth tab asking within the minute gets "login available" only', async () => {
    const { s } = await clocked();
    for (let tab = 1; tab <= 6; tab++) {
      const origin = `http://127.0.1.${tab}:8080`;
      await roundTrip(s, request(tab, `${origin}/`, true), init(origin, 'r'));
    }
    expect(s.port.prompts).toEqual([1, 2, 3]);
    for (const tab of [4, 5, 6]) expect(s.core.tabStatus(tab).state).toBe('available');
  });

  it('one per realm per minute, across tabs', async () => {
    const { s, tick } = await clocked();
    const origin = 'http://127.0.0.1:8080';
    for (let tab = 1; tab <= 4; tab++) await roundTrip(s, request(tab, `${origin}/t${tab}`, true), init(origin, 'same'));
    expect(s.port.prompts).toEqual([1]);
    // Another realm is not held back by this one.
    await roundTrip(s, request(9, `${origin}/other`, true), init(origin, 'other'));
    expect(s.port.prompts).toEqual([1, 9]);
    tick(60_000);
    await roundTrip(s, request(5, `${origin}/t5`, true), init(origin, 'same'));
    expect(s.port.prompts).toEqual([1, 9, 5]);
  });

  it('a worker restart does not reset the limits', async () => {
    const { s, reboot } = await clocked();
    for (let i = 0; i < 3; i++) await roundTrip(s, request(1, `http://127.0.2.${i + 1}:8080/`, true), init(`http://127.0.2.${i + 1}:8080`, 'r'));
    expect(s.port.prompts).toHaveLength(3);
    const core2 = await reboot();
    await roundTrip({ ...s, core: core2 }, request(2, 'http://127.0.2.9:8080/', true), init('http://127.0.2.9:8080', 'r'));
    expect(s.port.prompts).toHaveLength(3);
    expect(core2.tabStatus(2).state).toBe('available');
  });
});
