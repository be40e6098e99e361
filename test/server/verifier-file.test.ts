/** The verifier file format (src/server/verifier-file.ts): round trips, errors naming the line, vectors. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm, type AlgorithmName } from '../../src/crypto/algorithms.ts';
import { bytesToHex } from '../../src/bytes.ts';
import {
  appendVerifier, appendVerifierEntry, formatVerifierLine, loadVerifierFile, makeVerifier, parseVerifierFile,
  VERIFIER_FILE_HEADER, VerifierStore, type VerifierEntry,
} from '../../src/server/verifier-file.ts';
import { vectors } from '../fixtures/vectors.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutual-verifiers-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('verifier file', () => {
  it('J from makeVerifier equals the vectors (every algorithm, incl. non-ASCII users and realms)', async () => {
    const seen = new Set<string>();
    for (const v of vectors.kam3) {
      const e = must(
        await makeVerifier({
          algorithm: v.algorithm as AlgorithmName, authScope: v.auth_scope, realm: v.realm, username: v.username_input, password: v.password_input,
        }),
      );
      expect(e.user).toBe(v.username);
      expect(bytesToHex(e.J), v.id).toBe(v.J);
      seen.add(v.algorithm);
    }
    expect(seen.size).toBe(4);
  });

  it('round trip with non-ASCII user and realm, and a realm needing escapes', async () => {
    const entries: VerifierEntry[] = [];
    for (const [algorithm, user, realm] of [
      ['iso-kam3-ec-p256-sha256', 'alice', 'plain realm'],
      ['iso-kam3-ec-p521-sha512', 'renée', 'Zoë’s réalm'],
      ['iso-kam3-dl-2048-sha256', 'ユーザー', '領域\t100%\nnew line'],
      ['iso-kam3-dl-4096-sha512', 'bob', '#not a comment'],
    ] as const) {
      entries.push(must(await makeVerifier({ algorithm, authScope: 'https://www.example.com', realm, username: user, password: 'pw' })));
    }
    const text = VERIFIER_FILE_HEADER + entries.map((e) => `${must(formatVerifierLine(e))}\n`).join('');
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toHaveLength(4);
    expect(text).toContain('renée\t');
    expect(text).toContain('領域%09100%25%0Anew line');
    expect(text).not.toContain('pw');
    const back = must(parseVerifierFile(text));
    expect(back).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      expect(back[i]!.algorithm).toBe(entries[i]!.algorithm);
      expect(back[i]!.authScope).toBe(entries[i]!.authScope);
      expect(back[i]!.realm).toBe(entries[i]!.realm);
      expect(back[i]!.user).toBe(entries[i]!.user);
      expect(bytesToHex(back[i]!.J)).toBe(bytesToHex(entries[i]!.J));
    }
    const store = new VerifierStore(back);
    expect(store.lookup({ algorithm: 'iso-kam3-ec-p521-sha512', authScope: 'https://www.example.com', realm: 'Zoë’s réalm' }, 'renée')).toBeDefined();
    expect(store.lookup({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'https://www.example.com', realm: 'Zoë’s réalm' }, 'renée')).toBeUndefined();
    // CRLF files read the same.
    expect(must(parseVerifierFile(text.replace(/\n/g, '\r\n')))).toHaveLength(4);
  });

  it('appending: the file is created with a header, a later line replaces an earlier one', async () => {
    const file = join(dir, 'users.verifiers');
    const a1 = must(await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:8080', realm: 'r', username: 'alice', password: 'one' }));
    const a2 = must(await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:8080', realm: 'r', username: 'alice', password: 'two' }));
    must(await appendVerifier(file, a1));
    // The CLI's record shape (src/cli/verifier.ts prints it; main.ts passes appendVerifierEntry as `append`).
    await appendVerifierEntry(file, { algorithm: a2.algorithm, auth_scope: a2.authScope, realm: a2.realm, user: a2.user, J: bytesToHex(a2.J) });
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(VERIFIER_FILE_HEADER)).toBe(true);
    const store = must(await loadVerifierFile(file));
    expect(store.size).toBe(1);
    expect(bytesToHex(store.lookup(a1, 'alice')!.J)).toBe(bytesToHex(a2.J));
    await expect(appendVerifierEntry(file, { algorithm: 'nope', auth_scope: 'x', realm: 'r', user: 'u', J: '00' })).rejects.toThrow(/unknown algorithm/);
  });

  it('errors name the file and line', async () => {
    const good = must(formatVerifierLine(must(await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://a.example', realm: 'r', username: 'u', password: 'p' }))));
    const p256 = getAlgorithm('iso-kam3-ec-p256-sha256')!;
    const cases: Array<[string, RegExp]> = [
      ['iso-kam3-ec-p256-sha256\thttp://a.example\tr\tu', /f:3: expected 5 tab-separated fields/],
      [good.replace('iso-kam3-ec-p256-sha256', 'iso-kam3-ec-p384-sha384'), /f:3: unknown algorithm/],
      [good.replace('http://a.example', 'http://A.example'), /f:3: auth-scope/],
      [good.replace(/\t[0-9a-f]+$/, '\t0203'), new RegExp(`f:3: J has 2 octets, expected ${p256.elementLength}`)],
      [good.replace(/\t[0-9a-f]+$/, `\t${'xy'.repeat(33)}`), /f:3: J is not an even number of hex digits/],
      [good.replace(/\t[0-9a-f]+$/, `\t04${'ff'.repeat(32)}`), /f:3: .*J/],
      [good.replace('\tu\t', '\tu%zz\t'), /f:3: a %XX escape is malformed/],
      [good.replace('\tu\t', '\tU\u0301\t'), /f:3: user .* is not prepared/],
      [good.replace('\tu\t', '\tan dy\t'), /f:3: user/],
    ];
    for (const [line, re] of cases) {
      const r = parseVerifierFile(`# comment\n\n${line}\n`, 'f');
      expect(r.ok, line).toBe(false);
      if (!r.ok) expect(r.error.message, line).toMatch(re);
    }
    const missing = await loadVerifierFile(join(dir, 'does-not-exist'));
    expect(missing.ok).toBe(false);
    const file = join(dir, 'bad.verifiers');
    await writeFile(file, `${good}\nnonsense\n`);
    const bad = await loadVerifierFile(file);
    expect(!bad.ok && bad.error.message).toMatch(/bad\.verifiers:2: /);
  });

  it('refuses to write what it could not read back', () => {
    const J = new Uint8Array(33);
    const r = formatVerifierLine({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://a.example', realm: 'r\ud800', user: 'u', J });
    expect(r.ok).toBe(false);
  });
});
