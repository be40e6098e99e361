/**
 * Measurement (Firefox): what happens to a response held in a blocking `onHeadersReceived` listener when the
 * background event page goes away before that listener answers. The listener here is the test's own and never
 * answers, so the extension's runtime.onSuspend drain (which answers or cancels the extension's own held calls)
 * cannot help it: it stands for what a crash does to the extension's listeners. The answer decides whether the
 * Firefox adapter's "checked before the page sees a byte" survives a background crash (docs/threat-model.md,
 * docs/browser-notes.md, "event page stopped mid-request").
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, startServer, type MutualServer } from './support/harness.ts';
import { launchBrowser, type E2EBrowser } from './support/browsers.ts';

describe('firefox: a response held at the response stage when the background is force-stopped', () => {
  let server: MutualServer;
  let b: E2EBrowser;
  beforeAll(async () => {
    server = await startServer(['--demo-password', PASSWORD]);
    b = await launchBrowser('firefox');
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  test('is released to the page unchecked (measured), and the tab is never shown verified', async () => {
    await b.holdResponses!('*://127.0.0.1/*held-probe*');
    const page = await b.newPage();
    const url = `${server.url}/?held-probe=1`;
    let loaded = false;
    const nav = page.goto(url).then(() => void (loaded = true), (e: unknown) => `navigation error: ${String(e)}`);
    // Held: the navigation does not finish while the listener has not answered.
    await new Promise((r) => setTimeout(r, 1500));
    expect(loaded).toBe(false);
    const before = await page.evaluate(() => document.body?.textContent?.length ?? 0, null).catch(() => -1);
    await b.stopBackground();
    const outcome = await Promise.race([nav.then(() => 'loaded'), new Promise((r) => setTimeout(() => r('still held after 10 s'), 10_000))]);
    const after = await page.evaluate(() => ({ url: location.href, text: document.body?.textContent ?? '' }), null).catch((e: unknown) => ({ url: '?', text: String(e) }));
    console.log(`held-response measurement: body length while held ${before}; after terminateBackground: ${String(outcome)}; page ${after.url}, ${after.text.length} characters of body`);
    // The measured fact the threat model relies on (if Firefox starts failing such responses, this fails and the
    // notes must change): the held response is delivered, unchecked.
    expect(outcome).toBe('loaded');
    expect(after.url).toBe(url);
    expect(after.text.length).toBeGreaterThan(0);
    // Whatever Firefox did with the held response, the extension never calls the page verified without its background.
    const tabId = await b.tabIdOf(page);
    expect(await b.badge(tabId)).not.toBe('\u2713');
    expect(await b.indicatorText(page)).toBe('');
    await page.close();
  });
});
