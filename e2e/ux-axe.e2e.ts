/**
 * Issue 9: axe-core (through @axe-core/playwright) finds 0 violations on every extension page — the login UI
 * (asking, and after a wrong password), the popup (empty, verified, failed), options, warning, onboarding and
 * the in-page indicator frame — in English and in Japanese (Chromium `--lang=ja`: chrome.i18n serves the ja
 * catalogue, and every page says `lang="ja"`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import type { Frame, Page } from 'playwright-core';
import {
  launch, loginUrl, PASSWORD, startServer, tabIdOf, tabStatus, until, type Browser, type MutualServer,
} from './support/harness.ts';

interface Violation { id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> }

function report(where: string, violations: Violation[]): string {
  return violations.map((v) => `${where}: ${v.id} (${v.impact ?? '?'}) ${v.help}\n${v.nodes.map((n) => `  ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
}

async function expectNoViolations(page: Page, where: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  expect(report(where, r.violations as Violation[])).toBe('');
}

// The indicator frame sits in a closed shadow root, out of AxeBuilder's reach: run axe-core inside the frame.
const axeSource = readFileSync(createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright')).resolve('axe-core/axe.min.js'), 'utf8');
async function expectNoViolationsInFrame(frame: Frame, where: string): Promise<void> {
  await frame.evaluate(axeSource);
  const violations = await frame.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  expect(report(where, violations as Violation[])).toBe('');
}

/** Log in as alice in a login UI page, by field name (the labels are in the UI language). */
async function typeLogin(ui: Page, password: string): Promise<void> {
  await ui.locator('input[name="username"]').fill('alice');
  await ui.locator('input[name="password"]').fill(password);
  await ui.locator('input[name="password"]').press('Enter');
}

for (const lang of ['en', 'ja'] as const) {
  describe(`axe, ${lang}`, () => {
    let server: MutualServer;
    let rogue: MutualServer;
    let b: Browser;
    beforeAll(async () => {
      server = await startServer(['--demo-password', PASSWORD]);
      rogue = await startServer(['--demo-password', PASSWORD, '--misbehave', 'wrong-vks']);
      b = await launch(lang === 'ja' ? ['--lang=ja'] : []);
    });
    afterAll(async () => {
      await b?.close();
      await server?.stop();
      await rogue?.stop();
    });

    const ext = (path: string) => `chrome-extension://${b.extensionId}/${path}`;
    async function open(path: string, ready: string): Promise<Page> {
      const p = await b.context.newPage();
      await p.goto(ext(path));
      await p.locator(ready).first().waitFor();
      expect(await p.evaluate(() => document.documentElement.lang)).toBe(lang);
      if (lang === 'ja') expect(await p.locator('main').innerText()).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      return p;
    }

    test('onboarding, options, empty popup', async () => {
      const onboarding = await open('pages/onboarding.html', '[data-testid="onboarding"]');
      await onboarding.getByTestId('onboarding-phrase').filter({ hasNotText: '…' }).waitFor();
      await expectNoViolations(onboarding, 'onboarding');
      const options = await open('pages/options.html', 'input[name="phrase"]');
      await expectNoViolations(options, 'options');
      const popup = await open('popup/index.html', '[data-testid="empty-state"]');
      await expectNoViolations(popup, 'popup (empty)');
      for (const p of [onboarding, options, popup]) await p.close();
    });

    test('login UI (asking, then after a wrong password), verified popup and indicator frame', async () => {
      const page = await b.context.newPage();
      await page.goto(`${server.url}/p256/`);
      const tabId = await tabIdOf(b, page);
      await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
      const ui = await open(`pages/login.html?tab=${tabId}`, 'input[name="username"]');
      await expectNoViolations(ui, 'login UI');
      await typeLogin(ui, 'wrong');
      await ui.getByRole('alert').waitFor({ timeout: 20_000 });
      await expectNoViolations(ui, 'login UI (wrong password)');
      await ui.close();

      const form = await b.context.newPage();
      await form.goto(loginUrl(b, tabId));
      await typeLogin(form, PASSWORD);
      await until(async () => (await tabStatus(b, tabId)).state === 'verified', 30_000, 'verified', b);
      await form.close();
      const frame = await until(async () => page.frames().find((f) => f.url().includes('/pages/indicator.html')), 20_000, 'the indicator frame');
      await frame.locator('.box:not([hidden])').waitFor();
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe(lang);
      await expectNoViolationsInFrame(frame, 'indicator frame');

      const popup = await open(`popup/index.html?tab=${tabId}`, '[data-testid="site-status"][data-state="verified"]');
      await expectNoViolations(popup, 'popup (verified)');
      await popup.close();
      await page.close();
    });

    test('warning page and failed popup', async () => {
      const page = await b.context.newPage();
      await page.goto(`${rogue.url}/p256/`);
      const tabId = await tabIdOf(b, page);
      await until(async () => (await tabStatus(b, tabId)).login, 10_000, 'the login prompt', b);
      const form = await b.context.newPage();
      await form.goto(loginUrl(b, tabId));
      await typeLogin(form, PASSWORD);
      await until(async () => (await tabStatus(b, tabId)).state === 'failed', 20_000, 'failed', b);
      await form.close();
      await page.waitForURL(/\/pages\/warning\.html/, { timeout: 20_000 });
      await page.getByTestId('warning-url').filter({ hasText: rogue.url }).waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      await expectNoViolations(page, 'warning');
      const popup = await open(`popup/index.html?tab=${tabId}`, '[data-testid="site-status"][data-state="failed"]');
      await expectNoViolations(popup, 'popup (failed)');
      await popup.close();
      await page.close();
    });
  });
}
