/**
 * Issue 7, attack 4 — the genuine personal phrase in a foreign frame, in both browsers (issue 8). The user is
 * logged in to M and M's tab shows the verified indicator with the phrase. Trust rule: the phrase never leaves
 * extension-only surfaces — it is shown only in the top frame of the verified document (the indicator frame
 * proves, through the background, that it is that frame), and the content-script world cannot read it.
 *
 * - a page script of the verified document inserts its own frame of the web-accessible pages/indicator.html
 *   (next to a password form of its own) → that frame shows no phrase;
 * - a frame of another origin E inside the verified document (an ad) frames pages/indicator.html → no phrase;
 * - Chromium only: in the extension's content-script world of the verified page (found over CDP by its
 *   execution context: origin chrome-extension://<id>, not the page's main world), `chrome.storage.local.get()`
 *   and `chrome.storage.session.get()` do not give the phrase. CDP's isolated worlds have no WebDriver BiDi
 *   counterpart in firefox-esr (BiDi sandboxes are the driver's own, not the extension's content-script
 *   sandbox), so Firefox has no such check here; Firefox content scripts have no storage.session at all.
 */
import { describe, expect, test } from 'vitest';
import { attackPage } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers, type E2EBrowser, type WebPage } from '../support/browsers.ts';
import { until } from '../support/both.ts';

const RULE = 'trust rule "the phrase is shown only in the top frame of the verified document, never to a foreign frame or a content script"';

/** Wait for the named frame to have a document and time to ask the background; its text. */
async function frameText(b: E2EBrowser, page: WebPage, name: string): Promise<string> {
  await until(b, async () => (await b.frameText(page, name)) !== null, `frame ${name}`, 10_000);
  await new Promise((r) => setTimeout(r, 2500));
  return (await b.frameText(page, name)) ?? '';
}

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName);
  let phrase = '';
  const genuinePhrase = async (): Promise<string> => {
    if (phrase) return phrase;
    const { b, mTab } = scene;
    phrase = (await b.message<{ phrase: string }>({ type: 'get-phrase' })).value?.phrase ?? '';
    expect(phrase).toMatch(/\S/);
    // The genuine indicator shows the phrase in M's verified tab (so the rendering works at all).
    await until(b, async () => (await b.indicatorText(mTab)).includes(phrase), 'the genuine indicator with the phrase', 15_000);
    return phrase;
  };

  test('4: a page script of the verified document frames pages/indicator.html next to its own form → no phrase', async () => {
    const { b, mTab } = scene;
    const p = await genuinePhrase();
    await mTab.evaluate((s) => {
      const form = document.createElement('form');
      form.innerHTML = '<p>Confirm your password, your phrase is shown below:</p><input type="password">';
      const f = document.createElement('iframe');
      f.name = 'attacker-indicator';
      f.src = s;
      f.style.cssText = 'width:340px;height:92px';
      form.append(f);
      document.body.append(form);
    }, `${b.extensionOrigin}pages/indicator.html`);
    const text = await frameText(b, mTab, 'attacker-indicator');
    expect(text.includes(p), `${RULE} broke (${b.name}) — a frame the page inserted shows the phrase: ${JSON.stringify(text.trim())}\n${await b.trace().catch(() => '?')}`).toBe(false);
  });

  test('4: a frame of another origin inside the verified document frames pages/indicator.html → no phrase', async () => {
    const { b, e, mTab } = scene;
    const p = await genuinePhrase();
    const ad = e.page('/ad.html', attackPage('Ad', `<iframe name="ad-indicator" src="${b.extensionOrigin}pages/indicator.html" style="width:340px;height:92px"></iframe>`));
    await mTab.evaluate((u) => {
      const f = document.createElement('iframe');
      f.name = 'ad';
      f.src = u;
      f.style.cssText = 'width:400px;height:300px';
      document.body.append(f);
    }, ad);
    const text = await frameText(b, mTab, 'ad-indicator');
    expect(text.includes(p), `${RULE} broke (${b.name}) — a frame of ${e.url} inside the verified page shows the phrase: ${JSON.stringify(text.trim())}`).toBe(false);
  });

  // Chromium only (see the header): the content script's isolated world is reached through CDP.
  test.skipIf(browserName !== 'chromium')('4 (Chromium: CDP isolated world): the content-script world of the verified page cannot read the phrase (chrome.storage)', async () => {
    const { b, mTab } = scene;
    const p = await genuinePhrase();
    const c = b.chromium!;
    const extensionId = c.browser.extensionId;
    const cdp = await c.browser.context.newCDPSession(c.pageOf(mTab));
    const contexts: Array<{ id: number; origin: string; name: string; auxData?: { isDefault?: boolean; type?: string; frameId?: string } }> = [];
    cdp.on('Runtime.executionContextCreated', (ev: { context: (typeof contexts)[number] }) => contexts.push(ev.context));
    await cdp.send('Runtime.enable');
    const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
    const mainFrame = frameTree.frame.id;
    const world = await until(b, async () => contexts.find((x) => x.origin === `chrome-extension://${extensionId}` && x.auxData?.frameId === mainFrame && x.auxData?.isDefault === false),
      'the extension\'s content-script world in the page', 10_000);
    const run = async (expression: string): Promise<string> => {
      const r = (await cdp.send('Runtime.evaluate', { expression, contextId: world.id, awaitPromise: true, returnByValue: true })) as { result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } };
      return r.exceptionDetails ? `exception: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text ?? '?'}` : String(r.result.value);
    };
    // Really the content script's world: it has the extension's chrome.runtime.
    expect(await run('chrome.runtime.id')).toBe(extensionId);
    const local = await run('chrome.storage.local.get(null).then((v) => JSON.stringify(v), (e) => "refused: " + e.message)');
    const session = await run('chrome.storage.session.get(null).then((v) => JSON.stringify(v), (e) => "refused: " + e.message)');
    await cdp.detach().catch(() => undefined);
    expect(local.includes(p), `${RULE} broke — chrome.storage.local in the content-script world gives the phrase: ${local}`).toBe(false);
    expect(session.includes(p), `${RULE} broke — chrome.storage.session in the content-script world gives the phrase: ${session.slice(0, 300)}`).toBe(false);
  });
});
