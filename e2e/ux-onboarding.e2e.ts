/**
 * Issue 9, first run: installing the extension opens the onboarding page — what Mutual does, the personal
 * phrase (the real one) and where to change it, how to pin the toolbar icon with a picture. The host-permission
 * step shows only when the browser has not granted the host permissions (Chromium grants them at install).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, message, until, type Browser } from './support/harness.ts';

let b: Browser;
beforeAll(async () => {
  b = await launch();
});
afterAll(async () => {
  await b?.close();
});

test('the onboarding page opens on install, with the phrase and how to pin the icon', async () => {
  const page = await until(async () => b.context.pages().find((p) => p.url() === `chrome-extension://${b.extensionId}/pages/onboarding.html`), 10_000, 'the onboarding tab');
  await page.getByTestId('onboarding').waitFor();
  const phrase = (await message<{ phrase: string }>(b, { type: 'get-phrase' })).value!.phrase;
  expect(phrase.length).toBeGreaterThan(0);
  await page.getByTestId('onboarding-phrase').filter({ hasText: phrase }).waitFor();
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/Welcome/);
  expect(await page.getByRole('link', { name: 'Mutual authentication options' }).getAttribute('href')).toBe('./options.html');
  expect(await page.getByRole('heading', { name: /Pin the Mutual icon/ }).count()).toBe(1);
  const picture = page.getByRole('img', { name: /Extensions menu/ });
  expect(await picture.count()).toBe(1);
  expect(await picture.isVisible()).toBe(true);
  // Only one onboarding tab, and Chromium granted the host permissions: no permission step.
  expect(b.context.pages().filter((p) => p.url().endsWith('/pages/onboarding.html')).length).toBe(1);
  expect(await page.getByTestId('host-permission').count()).toBe(0);
});

test('a worker restart (not an install) opens no second onboarding tab', async () => {
  // Mark the running worker: a restarted one starts without the mark.
  await (await b.worker()).evaluate(() => {
    (globalThis as { uxMark?: number }).uxMark = 1;
  });
  const cdp = await b.context.newCDPSession(await b.probe());
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await message(b, { type: 'sessions' });
  await until(async () => (await (await b.worker()).evaluate(() => (globalThis as { uxMark?: number }).uxMark)) === undefined, 10_000, 'a restarted worker');
  await new Promise((r) => setTimeout(r, 1000));
  expect(b.context.pages().filter((p) => p.url().endsWith('/pages/onboarding.html')).length).toBe(1);
});

test('the phrase is changed where the welcome page says, and an empty one is refused', async () => {
  const onboarding = b.context.pages().find((p) => p.url().endsWith('/pages/onboarding.html'))!;
  await onboarding.getByRole('link', { name: 'Mutual authentication options' }).click();
  await onboarding.waitForURL(/\/pages\/options\.html$/);
  const field = onboarding.getByLabel('Personal phrase');
  await field.fill('   ');
  await onboarding.getByRole('button', { name: 'Save' }).click();
  expect(await onboarding.getByRole('alert').textContent()).toMatch(/must not be empty/);
  await field.fill('kingfisher over the river');
  await onboarding.getByRole('button', { name: 'Save' }).click();
  await onboarding.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  expect((await message<{ phrase: string }>(b, { type: 'get-phrase' })).value?.phrase).toBe('kingfisher over the river');
  await onboarding.goBack();
  await onboarding.getByTestId('onboarding-phrase').filter({ hasText: 'kingfisher over the river' }).waitFor();
});
