/** The `--config` file of `mutual serve` (src/server/config.ts): total parsing, errors naming the field. */
import { describe, expect, it } from 'vitest';
import { demoAreas, demoPassword, parseServerConfig } from '../../src/server/config.ts';

const area = { path: '/p/', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256' };

describe('parseServerConfig', () => {
  it('reads a full configuration', () => {
    const r = parseServerConfig(
      JSON.stringify({
        origin: 'https://www.example.com',
        verifiers: 'users.verifiers',
        areas: [{ ...area, authScope: 'www.example.com', optional: true, logoutPaths: ['/p/out'], control: { logoutTimeout: 0, noAuth: true, authStyle: 'modal' } }],
        sessions: { maxSessions: 10, maxPending: 5, lifetimeSeconds: 60, ncMax: 100, ncWindow: 128 },
        unknownUsers: 'user-unknown',
        demoUsers: [{ user: 'alice', password: 'pw' }],
      }),
    );
    expect(r.ok && r.value).toMatchObject({
      origin: 'https://www.example.com',
      areas: [{ path: '/p/', optional: true, logoutPaths: ['/p/out'], control: { logoutTimeout: 0, noAuth: true, authStyle: 'modal' } }],
      sessions: { maxSessions: 10, ncWindow: 128 },
      unknownUsers: 'user-unknown',
    });
  });

  it('errors name the file and the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{', /^c\.json: not JSON/],
      [[], /must be a JSON object/],
      [{}, /config\.areas must be a non-empty list/],
      [{ areas: [{ ...area, algorithm: 'rsa' }] }, /config\.areas\[0\]\.algorithm must be one of/],
      [{ areas: [{ ...area, path: 'p/' }] }, /config\.areas\[0\]\.path must be an absolute path/],
      [{ areas: [{ ...area, realm: 'a\u0007' }] }, /config\.areas\[0\]\.realm must not contain control characters/],
      [{ areas: [{ ...area, logoutPaths: ['/elsewhere'] }] }, /logoutPaths must be a list of paths inside \/p\//],
      [{ areas: [{ ...area, control: { logoutTimeout: -1 } }] }, /control\.logoutTimeout must be an integer/],
      [{ areas: [area], sessions: { ncWindow: 0 } }, /config\.sessions\.ncWindow must be an integer from 1/],
      [{ areas: [area], unknownUsers: 'reveal' }, /unknownUsers must be "fake" or "user-unknown"/],
      [{ areas: [area], extra: 1 }, /config: unknown field "extra"/],
      [{ areas: [area], demoUsers: [{ user: 'a' }] }, /config\.demoUsers\[0\]\.password is required/],
    ];
    for (const [json, re] of cases) {
      const r = parseServerConfig(typeof json === 'string' ? json : JSON.stringify(json), 'c.json');
      expect(r.ok, String(re)).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(re);
    }
  });

  it('demo defaults: one realm per algorithm plus an optional page; readable random passwords', () => {
    const areas = demoAreas();
    expect(areas.map((a) => a.path)).toEqual(['/p256/', '/p521/', '/dl2048/', '/dl4096/', '/optional/']);
    expect(new Set(areas.map((a) => a.realm)).size).toBe(4);
    let i = 0;
    const fixed = (n: number) => new Uint8Array(n).map(() => i++);
    expect(demoPassword(fixed)).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });
});
