/**
 * Issue 10, the login's password-free half done ahead: when a login is asked for (or offered), the background
 * prepares S_c1/K_c1 in the engine off the current turn, and the key exchange the user's "Log in" starts uses
 * exactly that pair — once. A wrong password leaves the next attempt a fresh pair; Cancel (and no login left
 * waiting) drops the prepared secret.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PreparedKex } from '../../src/crypto/precompute.ts';
import { wireFormOf } from '../../src/protocol/messages.ts';
import { entries } from './support.ts';
import { ORIGIN, PASSWORD, setup, type Setup } from './scenario.ts';

const made = vi.hoisted(() => [] as Array<{ algorithm: string; K_c1: Uint8Array }>);
vi.mock('../../src/crypto/precompute.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/crypto/precompute.ts')>();
  return {
    ...m,
    // Record a copy of every prepared K_c1 (the engine zeroes a discarded one).
    prepareKex: (...args: Parameters<typeof m.prepareKex>): PreparedKex => {
      const p = m.prepareKex(...args);
      made.push({ algorithm: p.algorithm, K_c1: Uint8Array.from(p.K_c1) });
      return p;
    },
  };
});

const ALG = 'iso-kam3-ec-p256-sha256';

afterEach(() => {
  made.length = 0;
});

/** The kc1 of every req-KEX-C1 the worker sends, as octets. */
function recordKexes(s: Setup): Uint8Array[] {
  const kc1s: Uint8Array[] = [];
  const fetch = s.port.fetch.bind(s.port);
  s.port.fetch = async (url, init) => {
    const m = init.authorization?.match(/\bkc1="?([A-Za-z0-9+/=]+)"?/);
    if (m) kc1s.push(Uint8Array.from(Buffer.from(m[1]!, wireFormOf(ALG)!.wire)));
    return fetch(url, init);
  };
  return kc1s;
}

/** The site's page asks for a login (the observer sees its 401-INIT); the login UI opens. */
async function challenge(s: Setup, tabId = 1): Promise<void> {
  const first = s.server.handle(undefined);
  await s.core.onObservedResponse({ tabId, url: `${ORIGIN}/`, statusCode: first.status, type: 'main_frame', headers: entries(first) });
  expect(s.core.offeredLogin(tabId)?.algorithm).toBe(ALG);
}

const prepared = (s: Setup) => vi.waitFor(() => expect(s.host.client.hasPreparedKex(ALG)).toBe(true));

describe('login precomputation', () => {
  it('prepares S_c1/K_c1 off the turn that asked for the login, and the login uses that pair once', async () => {
    const s = await setup();
    const kc1s = recordKexes(s);
    await challenge(s);
    // Not in the turn that handled the challenge: that response is answered first.
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
    await prepared(s);
    expect(made.map((p) => p.algorithm)).toEqual([ALG]);

    const out = await s.core.login(1, 'alice', PASSWORD, s.core.offeredLogin(1)!);
    expect(out.result).toBe('verified');
    expect(kc1s).toHaveLength(1);
    expect(kc1s[0]).toEqual(made[0]!.K_c1);
    // Used once: nothing prepared is left, and none was made during the login.
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
    expect(made).toHaveLength(1);
  });

  it('after a wrong password, the next attempt gets a fresh prepared pair (never the used one)', async () => {
    const s = await setup();
    const kc1s = recordKexes(s);
    await challenge(s);
    await prepared(s);
    expect((await s.core.login(1, 'alice', 'not the password', s.core.offeredLogin(1)!)).result).toBe('wrong-credentials');
    expect(kc1s[0]).toEqual(made[0]!.K_c1);
    await prepared(s);
    expect(made).toHaveLength(2);
    expect(made[1]!.K_c1).not.toEqual(made[0]!.K_c1);
    expect((await s.core.login(1, 'alice', PASSWORD, s.core.offeredLogin(1)!)).result).toBe('verified');
    expect(kc1s).toHaveLength(2);
    expect(kc1s[1]).toEqual(made[1]!.K_c1);
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
  });

  it('Cancel drops the prepared secret; so does the last waiting login going away', async () => {
    const s = await setup();
    await challenge(s);
    await prepared(s);
    await s.core.cancelLogin(1);
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
    s.core.onTabRemoved(1);

    await challenge(s, 2);
    await challenge(s, 3);
    await prepared(s);
    // Tab 3 still waits for its login: the prepared pair stays for it.
    s.core.onTabRemoved(2);
    expect(s.host.client.hasPreparedKex(ALG)).toBe(true);
    s.core.onTabRemoved(3);
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
  });

  it('prepares nothing when the login is gone before its turn comes', async () => {
    const s = await setup();
    await challenge(s);
    s.core.onTabRemoved(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(made).toEqual([]);
    expect(s.host.client.hasPreparedKex(ALG)).toBe(false);
  });
});
