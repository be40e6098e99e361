/**
 * Firefox MV3 lets the user withhold the host permissions (issue 8): the popup and the first-run page then show
 * the one "Allow on all websites" step, and it goes away by itself once the permissions are granted (here
 * through about:addons' mechanism, ExtensionPermissions). With the permissions granted it is not shown at all.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type E2EBrowser } from './support/browsers.ts';

const STEP = 'Allow on all websites';

describe('firefox: host permissions step', () => {
  let b: E2EBrowser;
  beforeAll(async () => {
    b = await launchBrowser('firefox');
  });
  afterAll(async () => {
    await b?.close();
  });

  async function eventually(f: () => Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (!(await f())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test('shown in the popup and on the first-run page only while host permissions are missing', async () => {
    const popup = await b.openExtensionPage('popup/index.html', 'Options');
    expect(await popup.text()).not.toContain(STEP);
    await b.setHostPermissions!(false);
    await eventually(async () => (await popup.text()).includes(STEP), 'the step in the open popup after the permissions were revoked');
    const onboarding = await b.openExtensionPage('pages/onboarding.html', 'phrase');
    await eventually(async () => (await onboarding.text()).includes(STEP), 'the step on the first-run page');
    await b.setHostPermissions!(true);
    await eventually(async () => !(await popup.text()).includes(STEP), 'the step gone from the popup after the grant');
    await eventually(async () => !(await onboarding.text()).includes(STEP), 'the step gone from the first-run page after the grant');
    await popup.close();
    await onboarding.close();
  });
});
