/**
 * Issue 4, "must show" 1, in both browsers (issue 8: one scenario file, two harnesses): log in to each
 * algorithm area through the login UI; the 40-subresource page loads completely with every request
 * authenticated and distinct nonce numbers; toolbar "verified"; the in-page indicator with the personal phrase,
 * which never appears in the page's own DOM.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { duplicateNonces, PASSWORD, requestLog, serverStatus, startServer, type MutualServer } from './support/harness.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from './support/browsers.ts';
import { galleryComplete, submitLogin, tabStatus, until } from './support/both.ts';

const AREAS = [
  { slug: 'p256', algorithm: 'iso-kam3-ec-p256-sha256' },
  { slug: 'p521', algorithm: 'iso-kam3-ec-p521-sha512' },
  { slug: 'dl2048', algorithm: 'iso-kam3-dl-2048-sha256' },
  { slug: 'dl4096', algorithm: 'iso-kam3-dl-4096-sha512' },
];

describe.each(e2eBrowsers())('%s', (browserName) => {
  let server: MutualServer;
  let b: E2EBrowser;
  beforeAll(async () => {
    server = await startServer(['--demo-password', PASSWORD]);
    b = await launchBrowser(browserName);
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  for (const area of AREAS) {
    test(`1: log in to /${area.slug}/ (${area.algorithm}) and load 40 protected subresources`, async () => {
      const page = await b.newPage();
      await page.goto(`${server.url}/${area.slug}/`);
      const tabId = await b.tabIdOf(page);
      const prompt = await until(b, async () => (await tabStatus(b, tabId)).login, 'the login prompt', 10_000);
      expect(prompt.reason).toBe('initial');
      expect(await b.badge(tabId)).toBe('?');

      const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
      await until(b, async () => (await tabStatus(b, tabId)).state === 'verified', 'verified', 30_000);
      // The background reloads the tab once the session exists.
      await page.waitFor(() => document.body?.textContent?.includes('Authenticated as') ?? false, undefined, 20_000);
      await ui.close();

      await page.goto(`${server.url}/${area.slug}/gallery.html`);
      expect(await galleryComplete(page)).toBe('38 of 38 images loaded');
      const st = await tabStatus(b, tabId);
      if (st.state !== 'verified') console.log(await b.trace());
      expect(st.state).toBe('verified');
      expect(st.session?.username).toBe('alice');
      expect(st.session?.algorithm).toBe(area.algorithm);
      expect(await b.badge(tabId)).toBe('\u2713');

      // Every request of this area after the login carried a session and was answered with a valid vks.
      const lines = requestLog(server).filter((l) => l.path.startsWith(`/${area.slug}/`));
      const afterLogin = lines.slice(lines.findIndex((l) => l.outcome === 'kex-s1') + 1);
      const galleryLines = afterLogin.filter((l) => l.path.startsWith(`/${area.slug}/gallery.html`) || l.path.startsWith(`/${area.slug}/res/`));
      expect(galleryLines.length).toBeGreaterThanOrEqual(41);
      expect(afterLogin.filter((l) => l.outcome !== 'authenticated')).toEqual([]);
      expect(duplicateNonces(afterLogin)).toEqual([]);
      const status = await serverStatus(server);
      expect(status.duplicateNonces).toBe(0);
      expect(status.staleRejections).toBe(0);
      expect(status.failedVerifications).toBe(0);
      const s = status.sessions.find((x) => x.realm === `mutual-demo-${area.slug}`);
      expect(s).toBeDefined();
      expect(s!.distinctNc).toBe(s!.requests);
      expect(s!.requests).toBeGreaterThanOrEqual(42);

      // The in-page indicator shows the user's personal phrase — only in its extension frame, never in the
      // page's own DOM (closed shadow root or not: window.find would find it there).
      const phrase = await b.message<{ phrase: string }>({ type: 'get-phrase' });
      expect(phrase.value?.phrase).toMatch(/\S/);
      await until(b, async () => (await b.indicatorText(page)).includes(phrase.value!.phrase), 'the indicator with the phrase', 10_000);
      expect(await page.evaluate((p) => document.documentElement.outerHTML.includes(p) || (window as unknown as { find(s: string): boolean }).find(p), phrase.value!.phrase)).toBe(false);

      if (area.slug === 'p256') {
        // The toolbar keeps "verified" across reloads: each commit clears the tab's toolbar values, and the
        // background applies the state again at the commit and when the load completes.
        for (let i = 0; i < 3; i++) {
          await page.reload();
          expect(await galleryComplete(page)).toBe('38 of 38 images loaded');
          await until(b, async () => (await b.badge(tabId)) === '\u2713', `"verified" in the toolbar after load ${i + 1}`, 10_000);
          expect((await tabStatus(b, tabId)).state).toBe('verified');
        }
      }
      await page.close();
    });
  }
});
