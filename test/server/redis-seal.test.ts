/**
 * The sealing of session secrets for Redis (src/server/redis-seal.ts): round trip, fresh IV per seal, a value
 * opens only under its own key, in its own session's hash and beside the clear fields it was sealed with;
 * every altered byte is refused; the key parser's formats and messages (which never echo the key).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRedisKey, SessionSealer, type SealContext } from '../../src/server/redis-seal.ts';

const keys = { K_c1: new Uint8Array(33).fill(1), K_s1: new Uint8Array(33).fill(2), z: new Uint8Array(33).fill(7) };
const ctx: SealContext = { redisKey: 'mutual:s:00112233445566778899aabbccddeeff', space: '["a","b","c"]', user: Buffer.from('alice'), fake: false };
const sealer = SessionSealer.fromKey(new Uint8Array(32).fill(3));

describe('SessionSealer', () => {
  it('opens what it sealed; the sealed value holds none of the key octets; two seals differ', () => {
    const a = sealer.seal(keys, ctx);
    const b = sealer.seal(keys, ctx);
    expect(a.equals(b)).toBe(false);
    const opened = sealer.open(a, ctx);
    expect(opened).toEqual(keys);
    for (const part of [keys.K_c1, keys.K_s1, keys.z]) expect(a.includes(Buffer.from(part.subarray(0, 8)))).toBe(false);
    // Different lengths (the four algorithms' element sizes) round-trip too.
    const big = { K_c1: randomBytes(512), K_s1: randomBytes(512), z: randomBytes(512) };
    expect(sealer.open(sealer.seal(big, ctx), ctx)).toEqual({ K_c1: new Uint8Array(big.K_c1), K_s1: new Uint8Array(big.K_s1), z: new Uint8Array(big.z) });
  });

  it('another key: "other-key" (a random per-process key is another key to every other process)', () => {
    const sealed = sealer.seal(keys, ctx);
    expect(SessionSealer.fromKey(new Uint8Array(32).fill(4)).open(sealed, ctx)).toBe('other-key');
    const e1 = SessionSealer.ephemeral();
    const e2 = SessionSealer.ephemeral();
    expect(e1.ephemeral).toBe(true);
    expect(e2.open(e1.seal(keys, ctx), ctx)).toBe('other-key');
    expect(e1.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(e1.keyId).not.toBe(e2.keyId);
  });

  it('bound to its session and to the clear fields beside it: moved or edited → "altered"', () => {
    const sealed = sealer.seal(keys, ctx);
    expect(sealer.open(sealed, { ...ctx, redisKey: 'mutual:s:ffeeddccbbaa99887766554433221100' })).toBe('altered');
    expect(sealer.open(sealed, { ...ctx, user: Buffer.from('admin') })).toBe('altered');
    expect(sealer.open(sealed, { ...ctx, space: '["a","b","d"]' })).toBe('altered');
    expect(sealer.open(sealer.seal(keys, { ...ctx, fake: true }), ctx)).toBe('altered');
  });

  it('every flipped bit, a truncation or an extension is refused', () => {
    const sealed = sealer.seal(keys, ctx);
    for (let i = 0; i < sealed.length; i++) {
      const t = Buffer.from(sealed);
      t[i]! ^= 0x01;
      // Bytes 1–4 are the key id: flipping one reads as another key; every other byte as an alteration.
      expect(sealer.open(t, ctx), `byte ${i}`).toBe(i >= 1 && i <= 4 ? 'other-key' : 'altered');
    }
    expect(sealer.open(sealed.subarray(0, sealed.length - 1), ctx)).toBe('altered');
    expect(sealer.open(Buffer.concat([sealed, Buffer.of(0)]), ctx)).toBe('altered');
    expect(sealer.open(new Uint8Array(0), ctx)).toBe('altered');
    // A clear-text value of an older version is not taken for sealed secrets.
    expect(sealer.open(new Uint8Array(99).fill(7), ctx)).toBe('altered');
  });

  it('each session\'s AES key is HKDF-SHA256 of the key and the session\'s Redis key (RFC 5869, one HMAC per session)', async () => {
    const { hkdfSync } = await import('node:crypto');
    const k = new Uint8Array(32).fill(3);
    const want = Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), Buffer.from(`mutual redis session secrets v1\0${ctx.redisKey}`), 32));
    expect(sealer.sessionKey(ctx.redisKey).equals(want)).toBe(true);
    expect(sealer.sessionKey(`${ctx.redisKey}0`).equals(want)).toBe(false);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => SessionSealer.fromKey(new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe('parseRedisKey', () => {
  const raw = randomBytes(32);
  it('takes 64 hex digits, base64 (padded or not) and base64url, with white space around', () => {
    for (const text of [raw.toString('hex'), raw.toString('hex').toUpperCase(), raw.toString('base64'), `${raw.toString('base64')}\n`,
      raw.toString('base64').replace(/=$/, ''), `  ${raw.toString('base64url')}\r\n`]) {
      const k = parseRedisKey(text, 'K');
      expect(k, text).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(k as Uint8Array).equals(raw)).toBe(true);
    }
  });

  it('refuses anything else with a message that names the source, says how to make a key and never echoes it', () => {
    const secretish = raw.toString('hex').slice(0, 62);
    for (const text of ['', '\n', secretish, raw.toString('base64').slice(0, 40), randomBytes(16).toString('base64'), randomBytes(48).toString('base64'),
      `${raw.toString('hex')}00`, 'correct horse battery staple correct horse b']) {
      const m = parseRedisKey(text, 'MUTUAL_REDIS_KEY');
      expect(typeof m, JSON.stringify(text)).toBe('string');
      expect(m as string).toMatch(/^MUTUAL_REDIS_KEY must hold a 32-byte key/);
      expect(m as string).toMatch(/openssl rand -base64 32/);
      if (text.trim() !== '') expect(m as string).not.toContain(text.trim().slice(0, 12));
    }
  });
});
