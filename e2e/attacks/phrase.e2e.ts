/**
 * Issue 7, attack 4 — the genuine personal phrase in a foreign frame. The user is logged in to M and M's tab
 * shows the verified indicator with the phrase. Trust rule: the phrase never leaves extension-only surfaces —
 * it is shown only in the top frame of the verified document (the indicator frame proves, through the
 * background, that it is that frame), and the content-script world cannot read it.
 *
 * - a page script of the verified document inserts its own frame of the web-accessible pages/indicator.html
 *   (next to a password form of its own) → that frame shows no phrase;
 * - a frame of another origin E inside the verified document (an ad) frames pages/indicator.html → no phrase;
 * - in the extension's content-script world of the verified page (found over CDP by its execution context:
 *   origin chrome-extension://<id>, not the page's main world), `chrome.storage.local.get()` and
 *   `chrome.storage.session.get()` do not give the phrase.
 */
import { beforeAll, expect, test } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { attackPage, type Attacker } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { message, traceOf, until, type Browser } from '../support/harness.ts';

const scene = attackScene();
let e: Attacker;
let b: Browser;
let mTab: Page;
let phrase: string;
beforeAll(async () => {
  ({ e, b, mTab } = scene);
  phrase = (await message<{ phrase: string }>(b, { type: 'get-phrase' })).value?.phrase ?? '';
  expect(phrase).toMatch(/\S/);
  // The genuine indicator shows the phrase in M's verified tab (so the rendering works at all).
  const genuine = () => mTab.frames().find((f) => /\/pages\/indicator\.html/.test(f.url()) && f.name() === '');
  await until(async () => ((await genuine()?.textContent('body').catch(() => '')) ?? '').includes(phrase), 15_000, 'the genuine indicator with the phrase', b);
});

const RULE = 'trust rule "the phrase is shown only in the top frame of the verified document, never to a foreign frame or a content script"';

/** Wait for the named frame to load and have had time to ask the background; its text. */
async function frameText(page: Page, name: string): Promise<string> {
  const f = await until(async () => page.frames().find((x) => x.name() === name), 10_000, `frame ${name}`);
  await f.waitForLoadState('load').catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2500));
  return (await (f as Frame).textContent('body').catch(() => '')) ?? '';
}

test('4: a page script of the verified document frames pages/indicator.html next to its own form → no phrase', async () => {
  const src = `chrome-extension://${b.extensionId}/pages/indicator.html`;
  await mTab.evaluate((s) => {
    const form = document.createElement('form');
    form.innerHTML = '<p>Confirm your password, your phrase is shown below:</p><input type="password">';
    const f = document.createElement('iframe');
    f.name = 'attacker-indicator';
    f.src = s;
    f.style.cssText = 'width:340px;height:92px';
    form.append(f);
    document.body.append(form);
  }, src);
  const text = await frameText(mTab, 'attacker-indicator');
  expect(text.includes(phrase), `${RULE} broke — a frame the page inserted shows the phrase: ${JSON.stringify(text.trim())}\n${await traceOf(b).catch(() => '?')}`).toBe(false);
});

test('4: a frame of another origin inside the verified document frames pages/indicator.html → no phrase', async () => {
  const ad = e.page('/ad.html', attackPage('Ad', `<iframe name="ad-indicator" src="chrome-extension://${b.extensionId}/pages/indicator.html" style="width:340px;height:92px"></iframe>`));
  await mTab.evaluate((u) => {
    const f = document.createElement('iframe');
    f.name = 'ad';
    f.src = u;
    f.style.cssText = 'width:400px;height:300px';
    document.body.append(f);
  }, ad);
  const text = await frameText(mTab, 'ad-indicator');
  expect(text.includes(phrase), `${RULE} broke — a frame of ${e.url} inside the verified page shows the phrase: ${JSON.stringify(text.trim())}`).toBe(false);
});

test('4: the content-script world of the verified page cannot read the phrase (chrome.storage via CDP in the isolated world)', async () => {
  const cdp = await b.context.newCDPSession(mTab);
  const contexts: Array<{ id: number; origin: string; name: string; auxData?: { isDefault?: boolean; type?: string; frameId?: string } }> = [];
  cdp.on('Runtime.executionContextCreated', (ev: { context: (typeof contexts)[number] }) => contexts.push(ev.context));
  await cdp.send('Runtime.enable');
  const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
  const mainFrame = frameTree.frame.id;
  const world = await until(async () => contexts.find((c) => c.origin === `chrome-extension://${b.extensionId}` && c.auxData?.frameId === mainFrame && c.auxData?.isDefault === false),
    10_000, 'the extension\'s content-script world in the page');
  const run = async (expression: string): Promise<string> => {
    const r = (await cdp.send('Runtime.evaluate', { expression, contextId: world.id, awaitPromise: true, returnByValue: true })) as { result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } };
    return r.exceptionDetails ? `exception: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text ?? '?'}` : String(r.result.value);
  };
  // Really the content script's world: it has the extension's chrome.runtime.
  expect(await run('chrome.runtime.id')).toBe(b.extensionId);
  const local = await run('chrome.storage.local.get(null).then((v) => JSON.stringify(v), (e) => "refused: " + e.message)');
  const session = await run('chrome.storage.session.get(null).then((v) => JSON.stringify(v), (e) => "refused: " + e.message)');
  await cdp.detach().catch(() => undefined);
  expect(local.includes(phrase), `${RULE} broke — chrome.storage.local in the content-script world gives the phrase: ${local}`).toBe(false);
  expect(session.includes(phrase), `${RULE} broke — chrome.storage.session in the content-script world gives the phrase: ${session.slice(0, 300)}`).toBe(false);
});
