/**
 * `npm start`: build (done by the npm script), start the demo `mutual serve`, and launch
 * Debian's Chromium with the extension from dist/ at the demo's home page. Headful where there is a display
 * ($DISPLAY or $WAYLAND_DISPLAY); without one it says what to do and keeps the demo server running.
 * Ctrl+C (or closing the browser) stops everything it started.
 *
 * Environment (the same names as `npm run demo:cli`):
 *   MUTUAL_DEMO_PORT   port of the demo site (default 8080; 0 picks a free one). PORT is read too, for older notes.
 *   DISPLAY / WAYLAND_DISPLAY   where the browser window goes; without either, no browser is started.
 * Chromium runs with its sandbox, except as root (where Chromium refuses to start with it) or where this machine
 * cannot provide it (no user namespaces): then with --no-sandbox, and this script says so.
 *
 * `npm start -- --browser firefox`: the same with Debian's firefox-esr (installed with apt-get if missing) and
 * the Firefox build (dist-firefox/, built here), loaded as a temporary add-on by `web-ext run`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../../..');
const DIST = join(ROOT, 'dist');
const DIST_FIREFOX = join(ROOT, 'dist-firefox');
const PORT = process.env.MUTUAL_DEMO_PORT ?? process.env.PORT ?? '8080';

function browserArg(): 'chromium' | 'firefox' {
  const i = process.argv.indexOf('--browser');
  const v = i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith('--browser='))?.slice('--browser='.length);
  if (v === undefined || v === 'chromium' || v === 'chrome') return 'chromium';
  if (v === 'firefox') return 'firefox';
  throw new Error(`--browser: chromium or firefox, not ${v}`);
}

async function main(): Promise<number> {
  if (browserArg() === 'firefox') return startFirefox();
  if (!existsSync(join(DIST, 'manifest.json'))) {
    console.error('dist/ is missing: run `npm run build` first (npm start does).');
    return 1;
  }
  const { server, url, stop } = await startDemo();

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
  const launch = (sandbox: boolean) => chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    viewport: null,
    // Playwright adds --no-sandbox unless told otherwise: keep Chromium's sandbox (no warning bar) where it works.
    chromiumSandbox: sandbox,
    args: ['--no-first-run', '--disable-quic', `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
  });
  const root = process.getuid?.() === 0;
  let context;
  if (root) {
    console.log('Running as root: Chromium starts without its sandbox (--no-sandbox), as it must for root.');
    context = await launch(false);
  } else {
    try {
      context = await launch(true);
    } catch (e) {
      console.log(`Chromium could not start with its sandbox (${e instanceof Error ? e.message.split('\n')[0] : String(e)});`);
      console.log('starting it with --no-sandbox instead. Enable unprivileged user namespaces to keep the sandbox.');
      context = await launch(false);
    }
  }
  // On the first start the extension opens its welcome page in a tab of its own: the demo gets another tab.
  const blank = context.pages().find((p) => p.url() === 'about:blank');
  const page = blank ?? (await context.newPage());
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

async function startDemo() {
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
  return { server, url, stop };
}

/** Firefox: firefox-esr (apt-get if missing), the Firefox build, then `web-ext run` with it as a temporary add-on. */
async function startFirefox(): Promise<number> {
  const ensure = spawnSync('sh', [join(ROOT, 'scripts/ensure-firefox.sh')], { cwd: ROOT, stdio: 'inherit' });
  if (ensure.status !== 0) return 1;
  const build = spawnSync('npm', ['run', '--silent', 'build:firefox'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0 || !existsSync(join(DIST_FIREFOX, 'manifest.json'))) {
    console.error('the Firefox build failed (npm run build:firefox)');
    return 1;
  }
  const { server, url, stop } = await startDemo();
  const display = process.env.DISPLAY ?? process.env.WAYLAND_DISPLAY;
  if (!display) {
    console.log(`
No display here, so no browser window can be shown. The demo server runs at ${url} (Ctrl+C stops it).
To try the extension in Firefox:
  * on a machine with a desktop: run \`npm start -- --browser firefox\` there; or
  * here, with a virtual display: \`xvfb-run -a npm start -- --browser firefox\` (apt-get install xvfb); or
  * in any Firefox 140+: about:debugging → This Firefox → "Load Temporary Add-on…" → ${join(DIST_FIREFOX, 'manifest.json')}
    (or the .xpi from \`npm run package\`), then open ${url}/ — and allow it on all sites if Firefox asks.`);
    await new Promise<void>((done) => server.once('exit', () => done()));
    return 0;
  }
  const webExt = spawn(join(ROOT, 'node_modules/.bin/web-ext'), [
    'run', '--no-config-discovery', '--source-dir', DIST_FIREFOX, '--firefox', '/usr/bin/firefox-esr', '--start-url', `${url}/`, '--no-reload',
  ], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });
  console.log(`Firefox ESR opens at ${url}/ with the extension as a temporary add-on (web-ext run). Close it or press Ctrl+C to stop.`);
  await new Promise<void>((done) => {
    webExt.once('exit', () => done());
    server.once('exit', () => done());
  });
  if (webExt.exitCode === null) webExt.kill('SIGTERM');
  stop();
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
