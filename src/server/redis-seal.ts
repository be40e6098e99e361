/**
 * The session secrets at rest in Redis: OCTETS(K_c1), OCTETS(K_s1) and OCTETS(z) of a session are sealed
 * with AES-256-GCM (node:crypto) before they leave the process, so a Redis dump, an RDB/AOF file or a backup
 * holds no key material. The Lua scripts never need them (they decide on state, nonce numbers and the
 * vkc outcome computed here); only Node opens them, after its read.
 *
 * - One key, the same for every server process that shares the Redis (`--redis-key-file`, `MUTUAL_REDIS_KEY`):
 *   32 bytes, written as 64 hex digits or base64.
 * - Each session gets its own AES key, HKDF-SHA256(key, info = label ‖ the session's Redis key): one
 *   encryption per derived key, so random 96-bit IVs never meet the 2^32-messages bound of a long-lived key,
 *   and a sealed value moved to another session's hash derives another key and does not open.
 * - The additional data binds the fields Redis keeps in the clear beside it (protection space, username as
 *   stored, fake flag): a value edited there no longer opens the secrets, so a session cannot be renamed.
 * - Format: version 1 (1 byte) ‖ key id (4 bytes, from HKDF, tells "another key" from "altered") ‖ IV (12)
 *   ‖ ciphertext ‖ tag (16). Plaintext: three 2-byte big-endian lengths, each followed by its octets.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { SessionKeys } from './kex.ts';

const VERSION = 1;
const KEY_LENGTH = 32;
const ID_LENGTH = 4;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER = 1 + ID_LENGTH + IV_LENGTH;
const SESSION_INFO = 'mutual redis session secrets v1\0';
const ID_INFO = 'mutual redis key id v1';

/** Why sealed secrets did not open: sealed under another key, or changed (or not a sealed value at all). */
export type OpenFailure = 'other-key' | 'altered';

/** The fields kept in the clear beside the sealed value, bound to it as additional data. */
export interface SealContext {
  /** The session's Redis key (prefix + `s:` + sid). */
  readonly redisKey: string;
  /** The protection space as stored (`sp`). */
  readonly space: string;
  /** The username's octets as stored (`user`). */
  readonly user: Uint8Array;
  readonly fake: boolean;
}

export class SessionSealer {
  /** 8 hex digits that name the key (HKDF output, tells nothing of the key); for messages. */
  readonly keyId: string;
  readonly ephemeral: boolean;
  /** HKDF-Extract(salt = none, key), computed once: each session's key is then one HMAC (HKDF-Expand, L = 32). */
  private readonly prk: Buffer;
  private readonly id: Buffer;

  private constructor(key: Uint8Array, ephemeral: boolean) {
    if (key.length !== KEY_LENGTH) throw new RangeError(`the Redis encryption key must be ${KEY_LENGTH} bytes, got ${key.length}`);
    this.prk = createHmac('sha256', Buffer.alloc(32)).update(key).digest();
    this.id = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), ID_INFO, ID_LENGTH));
    this.keyId = this.id.toString('hex');
    this.ephemeral = ephemeral;
  }

  /** A sealer under a key shared by every process of the Redis (32 bytes). */
  static fromKey(key: Uint8Array): SessionSealer {
    return new SessionSealer(key, false);
  }

  /**
   * A random key of this process only: another process cannot open its sessions (they get 401-STALE and
   * re-key there), and a restart loses them all. For a single server process only.
   */
  static ephemeral(): SessionSealer {
    return new SessionSealer(randomBytes(KEY_LENGTH), true);
  }

  /** HKDF-SHA256(key, salt = none, info = label ‖ redisKey, 32 bytes) = HMAC(PRK, info ‖ 0x01) (RFC 5869). */
  sessionKey(redisKey: string): Buffer {
    return createHmac('sha256', this.prk).update(SESSION_INFO).update(redisKey, 'utf8').update(Buffer.of(1)).digest();
  }

  seal(keys: SessionKeys, ctx: SealContext): Buffer {
    const parts = [keys.K_c1, keys.K_s1, keys.z];
    const plain = Buffer.alloc(parts.reduce((n, p) => n + 2 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      if (p.length > 0xffff) throw new RangeError('a session key is too long to seal');
      plain.writeUInt16BE(p.length, at);
      plain.set(p, at + 2);
      at += 2 + p.length;
    }
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.sessionKey(ctx.redisKey), iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(additionalData(ctx));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    plain.fill(0);
    return Buffer.concat([Buffer.of(VERSION), this.id, iv, body, cipher.getAuthTag()]);
  }

  /** The keys, or why they did not open (never throws). */
  open(sealed: Uint8Array, ctx: SealContext): SessionKeys | OpenFailure {
    if (sealed.length < HEADER + 6 + TAG_LENGTH || sealed[0] !== VERSION) return 'altered';
    const s = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
    if (!s.subarray(1, 1 + ID_LENGTH).equals(this.id)) return 'other-key';
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sessionKey(ctx.redisKey), s.subarray(1 + ID_LENGTH, HEADER), { authTagLength: TAG_LENGTH });
      decipher.setAAD(additionalData(ctx));
      decipher.setAuthTag(s.subarray(s.length - TAG_LENGTH));
      plain = Buffer.concat([decipher.update(s.subarray(HEADER, s.length - TAG_LENGTH)), decipher.final()]);
    } catch {
      return 'altered';
    }
    const parts: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; i < 3; i++) {
      if (at + 2 > plain.length) return 'altered';
      const n = plain.readUInt16BE(at);
      if (at + 2 + n > plain.length) return 'altered';
      parts.push(new Uint8Array(plain.subarray(at + 2, at + 2 + n)));
      at += 2 + n;
    }
    plain.fill(0);
    if (at !== plain.length) return 'altered';
    return { K_c1: parts[0]!, K_s1: parts[1]!, z: parts[2]! };
  }
}

/** Length-prefixed, so no two contexts give the same octets. */
function additionalData(ctx: SealContext): Buffer {
  const fields = [Buffer.from(ctx.redisKey, 'utf8'), Buffer.from(ctx.space, 'utf8'), Buffer.from(ctx.user), Buffer.of(ctx.fake ? 1 : 0)];
  const out: Buffer[] = [];
  for (const f of fields) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(f.length);
    out.push(len, f);
  }
  return Buffer.concat(out);
}

/** How to make a key, for error messages and the docs. */
export const KEY_HOWTO = 'create one with `openssl rand -base64 32 > redis.key` (then chmod 600 redis.key) and give the same file to every instance';

/**
 * A key as written in a key file or MUTUAL_REDIS_KEY: 64 hex digits, or the base64 (or base64url) of 32
 * bytes; surrounding white space is ignored. An error message names `where` and never echoes the text.
 */
export function parseRedisKey(text: string, where: string): Uint8Array | string {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return new Uint8Array(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}$/.test(t)) {
    const b = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
    if (b.length === KEY_LENGTH) return new Uint8Array(b);
  }
  return `${where} must hold a 32-byte key as 64 hex digits or base64 (${t.length === 0 ? 'it is empty' : `got ${t.length} characters that are neither`}); ${KEY_HOWTO}`;
}
