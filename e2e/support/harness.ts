/**
 * e2e harness: the real `mutual serve` (bin/mutual.js) as a child process, Debian's Chromium with the built
 * extension from dist/ through playwright-core (launch line from ../shared/docs/browser-notes.md), and
 * helpers to drive the login UI at its stable path pages/login.html?tab=<tabId>.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import type { ChromeApi } from '../../src/extension/background/chrome.ts';

/** Only inside worker.evaluate() callbacks, which run in the extension's service worker. */
declare const chrome: ChromeApi;

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'dist');
export const PASSWORD = 'correct horse 42';

export interface MutualServer {
  url: string;
  port: number;
  log: string[];
  stop(): Promise<void>;
}

/** Start `mutual serve` with these arguments; resolves once it prints `listening on URL`. */
export async function startServer(args: string[], port = 0): Promise<MutualServer> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/mutual.js'), 'serve', '--port', String(port), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const url = await new Promise<string>((ok, ko) => {
    const timer = setTimeout(() => ko(new Error(`mutual serve did not start:\n${log.join('\n')}`)), 60_000);
    const onLine = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (line === '') continue;
        log.push(line);
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
      ko(new Error(`mutual serve exited (${code}):\n${log.join('\n')}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    log,
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
  const r = await fetch(`${server.url}/.well-known/mutual-status`);
  return (await r.json()) as Status;
}

export interface Browser {
  context: BrowserContext;
  extensionId: string;
  worker(): Promise<Worker>;
  close(): Promise<void>;
}

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error('dist/ is missing: run `npm run build` first');
  const profile = mkdtempSync(join(tmpdir(), 'mutual-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`,
      ...extraArgs,
    ],
  });
  let sw = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  sw ??= await context.waitForEvent('serviceworker', { timeout: 30_000 });
  const extensionId = new URL(sw.url()).host;
  return {
    context,
    extensionId,
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
}

/** The extension's id for a page's tab (looked up by URL in the service worker). */
export async function tabIdOf(b: Browser, page: Page): Promise<number> {
  const w = await b.worker();
  const url = page.url();
  const id = await w.evaluate(async (u: string) => {
    const tabs = await chrome.tabs.query({});
    const hit = tabs.filter((t) => t.url === u || t.pendingUrl === u);
    return hit.length === 1 ? hit[0]!.id ?? -1 : -1;
  }, url);
  if (id < 0) throw new Error(`no unique tab for ${url}`);
  return id;
}

export async function badge(b: Browser, tabId: number): Promise<string> {
  const w = await b.worker();
  return w.evaluate((id: number) => chrome.action.getBadgeText({ tabId: id }), tabId);
}

/** The toolbar state of a tab, as the popup sees it (none / available / verified / failed). */
export async function tabState(b: Browser, tabId: number): Promise<string> {
  const w = await b.worker();
  return w.evaluate(async (id: number) => {
    const r = (await chrome.runtime.sendMessage({ type: 'tab-status', tabId: id }).catch(() => undefined)) as { ok?: boolean; value?: { state?: string } } | undefined;
    return r?.value?.state ?? '?';
  }, tabId);
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
export async function until<T>(f: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
