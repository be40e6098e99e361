/**
 * The packages: the ZIP writer read back by an independent reader (central directory → local headers →
 * inflate, CRC-32 checked), deterministic bytes; and the Firefox manifest derived from manifest.json.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { zip } from '../../src/extension/tools/zip.ts';
import { firefoxManifest, GECKO_ID, FIREFOX_BACKGROUND, type ChromeManifest } from '../../src/extension/tools/firefox-manifest.ts';

/** A minimal ZIP reader, written from the format (APPNOTE 4.3): enough to check what zip() wrote. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBe(buf.length - 22);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length).toBe(size);
    expect(crc32(data)).toBe(crc);
    out.set(name, data);
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

describe('zip()', () => {
  const files = [
    { name: 'manifest.json', data: new TextEncoder().encode('{"manifest_version":3}') },
    { name: 'icons/a.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
    { name: 'pages/日本語.html', data: new TextEncoder().encode('<p>'.repeat(1000)) },
    { name: 'empty.txt', data: new Uint8Array() },
  ];

  it('writes an archive that a reader from the format reads back byte for byte', () => {
    const got = unzip(zip(files));
    expect([...got.keys()]).toEqual(['empty.txt', 'icons/a.png', 'manifest.json', 'pages/日本語.html']);
    for (const f of files) expect(new Uint8Array(got.get(f.name)!)).toEqual(f.data);
  });

  it('is deterministic (same files, same bytes, whatever their order) and compresses what compresses', () => {
    const a = zip(files);
    const b = zip([...files].reverse());
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBeLessThan(3000);
  });
});

describe('the Firefox manifest', () => {
  const chrome = JSON.parse(readFileSync(join(import.meta.dirname, '../../manifest.json'), 'utf8')) as ChromeManifest;
  const ff = firefoxManifest(chrome);

  it('is an event page with a stable gecko id, no newer than the ESR Debian ships', () => {
    expect(ff.background).toEqual({ scripts: [FIREFOX_BACKGROUND], type: 'module' });
    expect(ff.browser_specific_settings.gecko.id).toBe(GECKO_ID);
    expect(Number.parseFloat(ff.browser_specific_settings.gecko.strict_min_version)).toBeLessThanOrEqual(140);
    expect('minimum_chrome_version' in ff).toBe(false);
  });

  it('has blocking webRequest and no debugger; everything else as in the Chromium manifest', () => {
    expect(ff.permissions).toEqual(expect.arrayContaining(['webRequest', 'webRequestBlocking', 'webRequestFilterResponse', 'tabs', 'storage']));
    expect(ff.permissions).not.toContain('debugger');
    for (const k of ['name', 'version', 'host_permissions', 'action', 'icons', 'options_page', 'content_scripts', 'web_accessible_resources', 'default_locale']) {
      expect(ff[k]).toEqual(chrome[k]);
    }
  });
});
