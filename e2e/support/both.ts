/**
 * Scenario helpers over {@link E2EBrowser}: the same steps in Chromium and Firefox (see browsers.ts).
 */
import type { E2EBrowser, ExtensionPage, WebPage } from './browsers.ts';
import { PASSWORD, type TabStatus } from './harness.ts';

export async function tabStatus(b: E2EBrowser, tabId: number): Promise<TabStatus> {
  const r = await b.message<TabStatus>({ type: 'tab-status', tabId });
  if (!r.ok || !r.value) throw new Error(`tab-status failed: ${r.message ?? '?'}`);
  return r.value;
}

/** Poll until `f` returns a truthy value; on timeout the error carries the background's trace. */
export async function until<T>(b: E2EBrowser, f: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const trace = await b.trace().catch((e: unknown) => `(no trace: ${String(e)})`);
      throw new Error(`${b.name}: timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n--- trace:\n${trace}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Open the login UI at its stable path for a tab, fill the labelled fields and press "Log in". */
export async function submitLogin(b: E2EBrowser, tabId: number, user: string, password: string): Promise<ExtensionPage> {
  const ui = await b.openExtensionPage(`pages/login.html?tab=${tabId}`, 'Log in');
  await ui.fill('Username', user);
  await ui.fill('Password', password);
  await ui.click('Log in');
  return ui;
}

/** Wait until the demo gallery page says all its images loaded and its (protected) script ran. */
export async function galleryComplete(page: WebPage): Promise<string> {
  await page.waitFor(() => /(\d+) of \1 images loaded/.test(document.getElementById('image-count')?.textContent ?? ''), undefined, 30_000);
  const scriptRan = await page.evaluate(() => document.getElementById('script-status')?.className === 'loaded', undefined);
  if (!scriptRan) throw new Error('the protected script did not run');
  return (await page.textContent('#image-count')) ?? '';
}

/** Log in through the login UI and wait until the tab was reloaded authenticated (demo pages say so). */
export async function logIn(b: E2EBrowser, page: WebPage, user = 'alice', password = PASSWORD): Promise<number> {
  const tabId = await b.tabIdOf(page);
  await until(b, async () => (await tabStatus(b, tabId)).login, 'the login prompt', 10_000);
  const ui = await submitLogin(b, tabId, user, password);
  await until(b, async () => (await tabStatus(b, tabId)).state === 'verified', 'verified', 30_000);
  await page.waitFor(() => document.body?.textContent?.includes('Authenticated as') ?? false, undefined, 20_000);
  await ui.close();
  return tabId;
}
