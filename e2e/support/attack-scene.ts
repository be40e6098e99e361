/**
 * The common scene of the attack tests (issue 7), in either browser (issue 8): the Mutual site M
 * (trust-site.ts), the attacker's origin E (attacker.ts), the browser with the extension, and — unless asked
 * otherwise — a tab of M logged in as alice. Call inside `describe.each(e2eBrowsers())`; registers its own
 * beforeAll/afterAll; the fields are set once beforeAll has run.
 */
import { afterAll, beforeAll } from 'vitest';
import { startAttacker, type Attacker } from './attacker.ts';
import { launchBrowser, type BrowserName, type E2EBrowser, type LaunchOptions, type WebPage } from './browsers.ts';
import { logIn } from './both.ts';
import { startTrustSite, type TrustSite, type TrustSiteOptions } from './trust-site.ts';

export interface AttackScene {
  m: TrustSite;
  e: Attacker;
  b: E2EBrowser;
  /** M's tab, logged in and verified (undefined with `logIn: false`). */
  mTab: WebPage;
}

export function attackScene(browser: BrowserName, opts: { logIn?: boolean; site?: TrustSiteOptions; launch?: LaunchOptions } = {}): AttackScene {
  const scene = {} as AttackScene;
  beforeAll(async () => {
    scene.m = await startTrustSite(opts.site);
    scene.e = await startAttacker();
    scene.b = await launchBrowser(browser, opts.launch);
    if (opts.logIn === false) return;
    scene.mTab = await scene.b.newPage();
    await scene.mTab.goto(`${scene.m.url}/p256/`);
    await logIn(scene.b, scene.mTab);
  });
  afterAll(async () => {
    await scene.b?.close();
    await Promise.all([scene.m?.stop(), scene.e?.stop()]);
  });
  return scene;
}
