/**
 * Issue 4, "must show" 3, in both browsers (issue 8): servers that do not prove they know the verifier — a
 * rogue server without the verifier, one that omits Authentication-Info, one that answers for another sid,
 * one with a wrong vks — end on the warning page; the protected content is never shown (every document the
 * tab loaded is recorded); the toolbar says "failed".
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PASSWORD, startServer, type MutualServer } from './support/harness.ts';
import { e2eBrowsers, launchBrowser, type E2EBrowser } from './support/browsers.ts';
import { submitLogin, tabStatus, until } from './support/both.ts';

describe.each(e2eBrowsers())('%s', (browserName) => {
  let server: MutualServer | undefined;
  let b: E2EBrowser;
  beforeEach(async () => {
    b = await launchBrowser(browserName);
  });
  afterEach(async () => {
    await b?.close();
    await server?.stop();
    server = undefined;
  });

  for (const misbehave of ['no-verifier', 'wrong-vks', 'omit-authentication-info', 'other-sid']) {
    test(`3: --misbehave ${misbehave} → warning page, content never shown, icon failed`, async () => {
      server = await startServer(['--demo-password', PASSWORD, '--misbehave', misbehave]);
      const srv = server;
      const page = await b.newPage();
      const seen = page.recordShown();
      await page.goto(`${srv.url}/p256/`);
      const tabId = await b.tabIdOf(page);
      await until(b, async () => (await tabStatus(b, tabId)).login, 'the login prompt', 10_000);
      const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
      const msg = async (what: string) => `scenario 3 (--misbehave ${misbehave}): ${what}\n--- server log:\n${srv.log.join('\n')}\n--- trace:\n${await b.trace().catch(() => '?')}`;
      await ui.waitFor('[role="alert"]', 20_000);
      await until(b, async () => /\/pages\/warning\.html\?tab=/.test(await b.tabUrl(tabId)), 'the warning page in the tab', 10_000);
      // The technical detail renders once the page has the failure from the background.
      await until(b, async () => (await b.extensionTabText(tabId, '[data-testid="warning-detail"]')) !== null, 'the warning page with the failure detail', 10_000);
      expect(await b.extensionTabText(tabId, 'h1'), await msg('the warning page does not say the server failed')).toMatch(/failed to prove its identity/i);
      expect(await b.extensionTabText(tabId, '[data-testid="warning-detail"]')).toMatch(/vks|Authentication-Info|another session|prove/i);
      const st = await tabStatus(b, tabId);
      expect(st.state).toBe('failed');
      expect(st.lastFailure?.code).toBe('ERR_MUTUAL_SERVER_AUTH');
      expect(st.session).toBeUndefined();
      expect(await b.badge(tabId)).toBe('!');
      expect(seen.join('\n'), await msg('the protected content was shown')).not.toContain('Authenticated as');
      await ui.close();
      await page.close();
    });
  }
});
