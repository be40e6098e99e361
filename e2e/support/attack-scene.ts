/**
 * The common scene of the attack tests (issue 7): the Mutual site M (trust-site.ts), the attacker's origin E
 * (attacker.ts), Chromium with the extension, and — unless asked otherwise — a tab of M logged in as alice.
 * Registers its own beforeAll/afterAll; the fields are set once beforeAll has run.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { startAttacker, type Attacker } from './attacker.ts';
import { launch, logIn, type Browser } from './harness.ts';
import { startTrustSite, type TrustSite, type TrustSiteOptions } from './trust-site.ts';

export interface AttackScene {
  m: TrustSite;
  e: Attacker;
  b: Browser;
  /** M's tab, logged in and verified (undefined with `logIn: false`). */
  mTab: Page;
}

export function attackScene(opts: { logIn?: boolean; site?: TrustSiteOptions } = {}): AttackScene {
  const scene = {} as AttackScene;
  beforeAll(async () => {
    scene.m = await startTrustSite(opts.site);
    scene.e = await startAttacker();
    scene.b = await launch();
    if (opts.logIn === false) return;
    scene.mTab = await scene.b.context.newPage();
    await scene.mTab.goto(`${scene.m.url}/p256/`);
    await logIn(scene.b, scene.mTab);
  });
  afterAll(async () => {
    await scene.b?.close();
    await Promise.all([scene.m?.stop(), scene.e?.stop()]);
  });
  return scene;
}
