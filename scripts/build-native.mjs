#!/usr/bin/env node
/**
 * Builds the server's optional native addon (native/ec-mul: OpenSSL's whole-point P-256 multiplication, used by
 * the key exchange — src/server/ec-addon.ts) with the node-gyp that npm carries and the headers of the Node
 * that runs this script. Runs as `postinstall` (npm install / npm ci) and from `npm test`.
 *
 *   node scripts/build-native.mjs [--required]
 *
 * Skips the build when the addon is newer than its sources. Without a C compiler, make, python3 or Node's
 * headers it says what is missing and exits 0 (the server then uses node:crypto's ECDH for P-256, slower but
 * the same results); with --required (npm test, whose tests exercise the addon) it exits 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'ec-mul');
const addon = join(dir, 'build', 'Release', 'ec_mul.node');
const sources = ['ec_mul.c', 'binding.gyp'].map((f) => join(dir, f));
const required = process.argv.includes('--required');

const mtime = (f) => statSync(f).mtimeMs;
if (existsSync(addon) && sources.every((s) => mtime(s) <= mtime(addon))) process.exit(0);

/** npm sets npm_config_node_gyp for its scripts; otherwise the copy inside the npm next to this Node. */
const nodeGyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && existsSync(p));
/** The headers of this Node (Debian/NodeSource packages and the official tarballs put them in <prefix>/include/node). */
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);

const give = (why) => {
  console.error(`native addon not built (${why}).`);
  console.error('The server still works: P-256 key exchanges then use node:crypto ECDH (about 2x the CPU). To build it:');
  console.error('install a C compiler, make and python3 (Debian: apt-get install build-essential python3), then `npm run build:native`.');
  process.exit(required ? 1 : 0);
};
if (!nodeGyp) give('npm\'s node-gyp was not found');
const args = [nodeGyp, 'rebuild', '--silent', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
// Bounded: node-gyp downloads headers when it finds none, and a network that drops packets must not hang npm ci.
const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
if (r.status !== 0 || !existsSync(addon)) give(r.error ? String(r.error) : `node-gyp exited with ${r.status}`);
console.log('native addon built: native/ec-mul/build/Release/ec_mul.node');
