/**
 * `npm start`: build (done by the npm script), start the demo `mutual serve`, and launch
 * Debian's Chromium with the extension from dist/ at the demo's home page. Headful where there is a display
 * ($DISPLAY or $WAYLAND_DISPLAY); without one it says what to do and keeps the demo server running.
 * Ctrl+C (or closing the browser) stops everything it started.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../../..');
const DIST = join(ROOT, 'dist');
const PORT = process.env.PORT ?? '8080';

async function main(): Promise<number> {
  if (!existsSync(join(DIST, 'manifest.json'))) {
    console.error('dist/ is missing: run `npm run build` first (npm start does).');
    return 1;
  }
  const server = spawn(process.execPath, [join(ROOT, 'bin/mutual.js'), 'serve', '--port', PORT], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((ok, ko) => {
    server.stdout.on('data', (b: Buffer) => {
      process.stdout.write(b);
      const m = /listening on (\S+)/.exec(b.toString('utf8'));
      if (m) ok(m[1]!);
    });
    server.once('exit', (code) => ko(new Error(`mutual serve exited (${code})`)));
  });
  const stop = () => {
    if (server.exitCode === null) server.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const display = process.env.DISPLAY ?? process.env.WAYLAND_DISPLAY;
  if (!display) {
    console.log(`
No display here, so no browser window can be shown. The demo server runs at ${url} (Ctrl+C stops it).
To try the extension:
  * on a machine with a desktop: run \`npm start\` there; or
  * here, with a virtual display: \`xvfb-run -a npm start\` (apt-get install xvfb); or
  * in any Chromium: chrome://extensions → Developer mode → "Load unpacked" → ${DIST}, then open ${url}/
The automated checks run headless: \`npm run e2e\`.`);
    await new Promise<void>((done) => server.once('exit', () => done()));
    return 0;
  }
  const profile = join(ROOT, '.tmp', 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    viewport: null,
    args: ['--no-first-run', '--disable-quic', `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}/`);
  console.log(`Chromium is open at ${url}/ with the extension. The "started debugging this browser" bar is the extension's`);
  console.log('CDP interception (docs: docs/browser-notes.md); Cancel there detaches it. Close the browser or press Ctrl+C to stop.');
  await new Promise<void>((done) => {
    context.once('close', () => done());
    server.once('exit', () => done());
  });
  await context.close().catch(() => undefined);
  stop();
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
