/**
 * e2e harness: the real `mutual serve` (bin/mutual.js) as a child process, Debian's Chromium with the built
 * extension from dist/ through playwright-core (launch line from docs/browser-notes.md), and
 * helpers to drive the login UI at its stable path pages/login.html?tab=<tabId>.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import type { Browser as ExtensionApi } from 'webextension-polyfill';

/** Only inside worker.evaluate() callbacks, which run in the extension's service worker. */
declare const chrome: ExtensionApi;

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'dist');
export const PASSWORD = 'correct horse 42';

export interface MutualServer {
  url: string;
  port: number;
  log: string[];
  /** Date.now() % 100000 when each log line arrived (to line it up with the extension's trace). */
  times: number[];
  stop(): Promise<void>;
}

/** Start `mutual serve` with these arguments; resolves once it prints `listening on URL`. */
export async function startServer(args: string[], port = 0): Promise<MutualServer> {
  return startMutual('serve', ['--port', String(port), ...args]);
}

/** Start a `mutual` server command (`serve`, `proxy`) as a child process; resolves once it prints `listening on URL`. */
export async function startMutual(command: string, args: string[]): Promise<MutualServer> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/mutual.js'), command, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const times: number[] = [];
  const url = await new Promise<string>((ok, ko) => {
    const timer = setTimeout(() => ko(new Error(`mutual ${command} did not start:\n${log.join('\n')}`)), 60_000);
    const onLine = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (line === '') continue;
        log.push(line);
        times.push(Date.now() % 100000);
        const m = /listening on (\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          ok(m[1]!);
        }
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ko(new Error(`mutual ${command} exited (${code}):\n${log.join('\n')}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    log,
    times,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export interface Status {
  requests: number;
  exchanges: number;
  successes: number;
  staleRejections: number;
  failedVerifications: number;
  duplicateNonces: number;
  authenticatedRequests: number;
  sessions: Array<{ sidPrefix: string; realm: string; algorithm: string; requests: number; distinctNc: number; largestNc: number }>;
}

export async function serverStatus(server: MutualServer): Promise<Status> {
  const url = `${server.url}/.well-known/mutual-status`;
  if (url.startsWith('http:')) return (await (await fetch(url)).json()) as Status;
  // The test server's certificate is self-signed.
  return new Promise<Status>((ok, ko) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          ok(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status);
        } catch (e) {
          ko(e);
        }
      });
    }).on('error', ko);
  });
}

export interface Browser {
  context: BrowserContext;
  extensionId: string;
  /** The browser's profile directory (benchmarks find the browser's processes by it). */
  profile: string;
  worker(): Promise<Worker>;
  /** An extension page (the options page) to call the extension API and message the background from. */
  probe(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * `dist`: another build of the extension (benchmarks comparing two builds in one run); `alsoLoad`: more unpacked
 * extensions loaded beside it (bench/browser.ts's CDP floor probe).
 */
export async function launch(extraArgs: string[] = [], dist = DIST, alsoLoad: string[] = []): Promise<Browser> {
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`${dist} is missing: run \`npm run build\` first`);
  const profile = mkdtempSync(join(tmpdir(), 'mutual-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--disable-extensions-except=${[dist, ...alsoLoad].join(',')}`, `--load-extension=${[dist, ...alsoLoad].join(',')}`,
      ...extraArgs,
    ],
  });
  // The extension's worker (with `alsoLoad`, other extensions' workers start too: theirs is not the build's loader).
  const ours = (w: Worker) => w.url().startsWith('chrome-extension://') && (alsoLoad.length === 0 || w.url().endsWith('/service-worker-loader.js'));
  let sw = context.serviceWorkers().find(ours);
  sw ??= await context.waitForEvent('serviceworker', { predicate: ours, timeout: 30_000 });
  const extensionId = new URL(sw.url()).host;
  let probe: Page | undefined;
  const browser: Browser = {
    async probe() {
      if (!probe || probe.isClosed()) {
        probe = await context.newPage();
        await probe.goto(`chrome-extension://${extensionId}/pages/options.html`);
      }
      return probe;
    },
    context,
    extensionId,
    profile,
    async worker() {
      // After a stop the worker comes back as a new object: always look it up again.
      const w = context.serviceWorkers().find((x) => x.url().startsWith(`chrome-extension://${extensionId}/`));
      return w ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  // Right after install, Chromium drops webRequest events for ~0.5 s (the listener registration has not
  // reached the network stack yet; measured: 3 of 4 first navigations missed without this wait).
  await message(browser, { type: 'sessions' });
  await new Promise((r) => setTimeout(r, 1000));
  return browser;
}

/** The extension's id for a page's tab (looked up by URL from an extension page). */
export async function tabIdOf(b: Browser, page: Page): Promise<number> {
  const probe = await b.probe();
  const url = page.url();
  const id = await probe.evaluate(async (u: string) => {
    const tabs = await chrome.tabs.query({});
    const hit = tabs.filter((t) => t.url === u || t.pendingUrl === u);
    return hit.length === 1 ? (hit[0]!.id ?? -1) : -1;
  }, url);
  if (id < 0) throw new Error(`no unique tab for ${url}`);
  return id;
}

/** Send one message to the background as an extension page would; returns the Reply. */
export async function message<T>(b: Browser, msg: Record<string, unknown>): Promise<{ ok: boolean; value?: T; code?: string; message?: string }> {
  const probe = await b.probe();
  return probe.evaluate((m) => chrome.runtime.sendMessage(m), msg) as Promise<{ ok: boolean; value?: T; code?: string; message?: string }>;
}

export async function badge(b: Browser, tabId: number): Promise<string> {
  const probe = await b.probe();
  return probe.evaluate((id: number) => chrome.action.getBadgeText({ tabId: id }), tabId);
}

export interface TabStatus {
  state: string;
  url?: string;
  host?: string;
  requestsVerified: number;
  session?: { key: string; username: string; active: boolean; algorithm: string; validation: string };
  login?: { reason: string; optional: boolean; realm: string };
  lastFailure?: { code: string; message: string; kind: string };
}

export async function tabStatus(b: Browser, tabId: number): Promise<TabStatus> {
  const r = await message<TabStatus>(b, { type: 'tab-status', tabId });
  if (!r.ok || !r.value) throw new Error(`tab-status failed: ${r.message ?? '?'}`);
  return r.value;
}

/** The toolbar state of a tab, as the popup sees it (none / available / verified / failed). */
export async function tabState(b: Browser, tabId: number): Promise<string> {
  return (await tabStatus(b, tabId)).state;
}

export function loginUrl(b: Browser, tabId: number): string {
  return `chrome-extension://${b.extensionId}/pages/login.html?tab=${tabId}`;
}

/** Open the login UI for a tab, wait for the form, type, press Enter; resolves with the login page. */
export async function submitLogin(b: Browser, tabId: number, user: string, password: string, opts: { enter?: boolean } = {}): Promise<Page> {
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByLabel('Username').fill(user);
  await ui.getByLabel('Password').fill(password);
  if (opts.enter === false) await ui.getByRole('button', { name: 'Log in' }).click();
  else await ui.getByLabel('Password').press('Enter');
  return ui;
}

/** Poll until `f` returns a truthy value (or throw after timeoutMs). */
export async function until<T>(f: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition', b?: Browser): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}${b ? `\n--- trace:\n${await traceOf(b).catch(() => '?')}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One parsed per-request log line of `mutual serve`: `GET /path 200 sid=abcd1234 nc=3 authenticated`. */
export interface LogLine {
  method: string;
  path: string;
  status: number;
  sid: string;
  nc: number | undefined;
  outcome: string;
}

export function requestLog(server: MutualServer): LogLine[] {
  const out: LogLine[] = [];
  for (const l of server.log) {
    const m = /^(\w+) (\S+) (\d{3}) sid=(\S+) nc=(\S+) (\S+)/.exec(l);
    if (m) out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]), sid: m[4]!, nc: m[5] === '-' ? undefined : Number(m[5]), outcome: m[6]! });
  }
  return out;
}

/** (sid, nc) pairs used more than once in the server's log. */
export function duplicateNonces(lines: LogLine[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const l of lines) {
    if (l.nc === undefined) continue;
    const k = `${l.sid}/${l.nc}`;
    if (seen.has(k)) dup.push(k);
    seen.add(k);
  }
  return dup;
}

/** Every text node in the page, closed shadow roots included (CDP DOM with pierce). */
export async function allText(b: Browser, page: Page): Promise<string> {
  const cdp = await b.context.newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const parts: string[] = [];
    const walk = (n: DomNode) => {
      if (n.nodeType === 3) parts.push(n.nodeValue ?? '');
      for (const c of n.children ?? []) walk(c);
      for (const c of n.shadowRoots ?? []) walk(c);
      if (n.contentDocument) walk(n.contentDocument);
    };
    walk(root);
    return parts.join(' ');
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

interface DomNode {
  nodeType: number;
  nodeValue?: string;
  children?: DomNode[];
  shadowRoots?: DomNode[];
  contentDocument?: DomNode;
}

/** Wait until the demo gallery page says all its images loaded and its (protected) script ran. */
export async function galleryComplete(page: Page): Promise<string> {
  await page.waitForFunction(() => /(\d+) of \1 images loaded/.test(document.getElementById('image-count')?.textContent ?? ''), undefined, { timeout: 30_000 });
  const scriptRan = await page.evaluate(() => document.getElementById('script-status')?.className === 'loaded');
  if (!scriptRan) throw new Error('the protected script did not run');
  return (await page.textContent('#image-count')) ?? '';
}

/** The background's decision trace (URLs and outcomes only), for failure messages (test builds: MUTUAL_TEST_HOOKS=1). */
export async function traceOf(b: Browser): Promise<string> {
  const w = await b.worker();
  return w.evaluate(() => ((globalThis as { mutualTrace?: string[] }).mutualTrace ?? []).join('\n'));
}

/** Log in through the login UI and wait until the tab was reloaded authenticated (demo pages say so). */
export async function logIn(b: Browser, page: Page, user = 'alice', password = PASSWORD): Promise<number> {
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const ui = await submitLogin(b, tabId, user, password);
  await until(async () => (await tabStatus(b, tabId)).state === 'verified', 30_000, 'verified', b);
  await page.waitForFunction(() => document.body?.textContent?.includes('Authenticated as'), undefined, { timeout: 20_000 });
  await ui.close();
  return tabId;
}

/**
 * Every login UI the extension opens from now on (its action popup or a pages/login.html window), whoever
 * opens it — pages the test opens itself with submitLogin are listed too, so count around them.
 */
export function watchLoginUis(b: Browser): { urls(): string[]; count(): number } {
  const pages: Page[] = [];
  const onPage = (p: Page) => pages.push(p);
  b.context.on('page', onPage);
  const isLoginUi = (u: string) => u.startsWith(`chrome-extension://${b.extensionId}/`) && /\/(pages\/login\.html|popup\/)/.test(u);
  const urls = () => pages.map((p) => p.url()).filter(isLoginUi);
  return { urls, count: () => urls().length };
}

/** Stop the extension's service worker (CDP ServiceWorker.stopAllWorkers, from the probe page). */
export async function stopServiceWorker(b: Browser): Promise<void> {
  const cdp = await b.context.newCDPSession(await b.probe());
  try {
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * A verifier file in `dir` holding alice's P-256 verifier (password {@link PASSWORD}) for realm "shop" at
 * `origin`: what the proxy e2e tests put behind `mutual proxy`. Returns the file's path.
 */
export async function shopVerifiers(dir: string, origin: string): Promise<string> {
  const { appendVerifier, makeVerifier } = await import('../../src/server/verifier-file.ts');
  const file = join(dir, 'users.verifiers');
  const v = await makeVerifier({ algorithm: 'iso-kam3-ec-p256-sha256', authScope: origin, realm: 'shop', username: 'alice', password: PASSWORD });
  if (!v.ok) throw v.error;
  const w = await appendVerifier(file, v.value);
  if (!w.ok) throw w.error;
  return file;
}
