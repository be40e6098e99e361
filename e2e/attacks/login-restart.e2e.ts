/**
 * Issue 7, attack 7 — a login pending across a service-worker restart. A protected page asks for a login; the
 * login UI is open with the pending login; the service worker is stopped (MV3 stops idle workers at any time);
 * then the user types and submits. Trust rule: every state of the background (pending logins included) lives
 * in one place that survives a worker restart — so the login completes: the tab ends "verified" and shows the
 * authenticated page.
 */
import { beforeAll, expect, test } from 'vitest';
import { attackScene } from '../support/attack-scene.ts';
import { loginUrl, PASSWORD, stopServiceWorker, tabIdOf, tabStatus, traceOf, until, type Browser } from '../support/harness.ts';
import { describeSeen, type TrustSite } from '../support/trust-site.ts';

const scene = attackScene({ logIn: false });
let m: TrustSite;
let b: Browser;
beforeAll(() => {
  ({ m, b } = scene);
});

test('7: a login pending across a service-worker restart completes → verified', async () => {
  const page = await b.context.newPage();
  await page.goto(`${m.url}/p256/`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
  const ui = await b.context.newPage();
  await ui.goto(loginUrl(b, tabId));
  await ui.getByLabel('Username').waitFor();

  await stopServiceWorker(b);
  await new Promise((r) => setTimeout(r, 1000));

  await ui.getByLabel('Username').fill('alice');
  await ui.getByLabel('Password').fill(PASSWORD);
  await ui.getByLabel('Password').press('Enter');
  // Verified, or the login UI reported an error (then there is no point waiting the full 30 s).
  await until(async () => (await tabStatus(b, tabId)).state === 'verified' || (await ui.getByRole('alert').count()) > 0, 30_000, 'verified').catch(() => undefined);
  const verified = await until(async () => (await tabStatus(b, tabId)).state === 'verified', 3000, 'verified').then(() => true, () => false);
  const alert = await ui.getByRole('alert').textContent({ timeout: 500 }).catch(() => '');
  const trace = await traceOf(b).catch(() => '?');
  const msg = (what: string) =>
    `trust rule "every background state (pending logins included) lives in one place that survives a service-worker restart" broke — ${what}\n` +
    `login UI says: ${alert || '(nothing)'}\nrequests at M:\n${describeSeen(m.seen)}\n--- extension trace:\n${trace}`;
  expect(verified, msg('the login did not complete (tab never "verified")')).toBe(true);
  await page.waitForFunction(() => document.body?.textContent?.includes('Authenticated as'), undefined, { timeout: 20_000 }).catch(() => undefined);
  expect(await page.textContent('body'), msg('the page was not reloaded authenticated')).toContain('Authenticated as alice');
});
