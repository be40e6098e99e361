import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, PASSWORD, startServer, submitLogin, tabIdOf, tabState, until, serverStatus, type Browser, type MutualServer } from './support/harness.ts';

let server: MutualServer;
let b: Browser;
beforeAll(async () => {
  server = await startServer(['--demo-password', PASSWORD]);
  b = await launch();
});
afterAll(async () => {
  await b?.close();
  await server?.stop();
});

test('smoke: p256 login', async () => {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  const tabId = await tabIdOf(b, page);
  await until(async () => (await tabState(b, tabId)) === 'available', 10_000, 'available');
  const ui = await submitLogin(b, tabId, 'alice', PASSWORD);
  await until(async () => (await tabState(b, tabId)) === 'verified', 20_000, 'verified');
  await page.waitForLoadState('load');
  console.log(await page.content().then((c) => c.slice(0, 400)));
  console.log(await serverStatus(server));
  console.log(server.log.join('\n'));
  await ui.close();
});
