/**
 * `npm run package` (after both builds, which the npm script runs): the Chromium build (dist/) as a zip for
 * the Chrome Web Store or "Load unpacked" after unzipping, and the Firefox build (dist-firefox/) as an unsigned
 * .xpi (Firefox installs it as a temporary add-on in about:debugging, or permanently once signed by AMO), both
 * named with the version from package.json: artifacts/mutual-<version>-chrome.zip, -firefox.xpi.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { filesOf, zip } from './zip.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'artifacts');

function main(): number {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  mkdirSync(OUT, { recursive: true });
  for (const [dir, file] of [['dist', `mutual-${version}-chrome.zip`], ['dist-firefox', `mutual-${version}-firefox.xpi`]] as const) {
    const src = join(ROOT, dir);
    const manifestPath = join(src, 'manifest.json');
    if (!existsSync(manifestPath)) {
      console.error(`${dir}/ is missing: run \`npm run build\` and \`npm run build:firefox\` first (npm run package does)`);
      return 1;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string };
    if (manifest.version !== version) {
      console.error(`${dir}/manifest.json has version ${manifest.version ?? '?'}, package.json ${version}: keep them equal`);
      return 1;
    }
    const files = filesOf(src);
    const bytes = zip(files);
    writeFileSync(join(OUT, file), bytes);
    console.log(`artifacts/${file}: ${files.length} files, ${(bytes.length / 1024).toFixed(0)} KiB`);
  }
  return 0;
}

process.exit(main());
