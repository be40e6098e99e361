/**
 * Issue 4, "must show" 3: servers that do not prove they know the verifier — a rogue server without the
 * verifier, one that omits Authentication-Info, one that answers for another sid, one with a wrong vks —
 * end on the warning page; the protected content is never shown; the toolbar says "failed".
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { badge, launch, PASSWORD, startServer, submitLogin, tabIdOf, tabStatus, until, type Browser, type MutualServer } from './support/harness.ts';

let server: MutualServer | undefined;
let b: Browser;
beforeEach(async () => {
  b = await launch();
});
afterEach(async () => {
  await b?.close();
  await server?.stop();
  server = undefined;
});

for (const misbehave of ['no-verifier', 'wrong-vks', 'omit-authentication-info', 'other-sid']) {
  test(`3: --misbehave ${misbehave} → warning page, content never shown, icon failed`, async () => {
    server = await startServer(['--demo-password', PASSWORD, '--misbehave', misbehave]);
    const page = await b.context.newPage();
    const seen: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) seen.push(f.url());
    });
    page.on('load', () => {
      void page.content().then((c) => seen.push(c)).catch(() => undefined);
    });
    await page.goto(`${server.url}/p256/`);
    const tabId = await tabIdOf(b, page);
    await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
    const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
    await ui.getByRole('alert').waitFor({ timeout: 20_000 });
    await page.waitForURL(/\/pages\/warning\.html\?tab=/, { timeout: 10_000 });
    await page.getByTestId('warning').waitFor();
    expect(await page.textContent('h1')).toMatch(/failed to prove its identity/i);
    expect(await page.getByTestId('warning-detail').textContent()).toMatch(/vks|Authentication-Info|another session|prove/i);
    const st = await tabStatus(b, tabId);
    expect(st.state).toBe('failed');
    expect(st.lastFailure?.code).toBe('ERR_MUTUAL_SERVER_AUTH');
    expect(st.session).toBeUndefined();
    expect(await badge(b, tabId)).toBe('!');
    expect(seen.join('\n')).not.toContain('Authenticated as');
    await ui.close();
    await page.close();
  });
}
