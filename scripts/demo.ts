/**
 * `npm run demo:cli`: the main job without a browser — start the demo Mutual site, then log in to each
 * of its four algorithm areas with the project's own client — verifying the server's vks on every response —
 * and keep the site running for you to try with `mutual fetch` (or the extension). Ctrl-C stops it.
 *
 *   npm run demo:cli           port 8080 (MUTUAL_DEMO_PORT to change), random demo password printed
 *   npm run demo:cli -- --once  log in, print the results and exit (used by the tests)
 */
import { webRandom } from '../src/bytes.ts';
import { serveCommand } from '../src/cli/serve.ts';
import { DEMO_AREAS, demoPassword } from '../src/server/config.ts';
import { MutualClient, type ClientAction } from '../src/protocol/client.ts';
import { prepareCredential } from '../src/protocol/credentials.ts';

const once = process.argv.includes('--once');
const port = process.env.MUTUAL_DEMO_PORT ?? (once ? '0' : '8080');
const password = demoPassword(webRandom);
const stop = new AbortController();
process.on('SIGINT', () => stop.abort());
process.on('SIGTERM', () => stop.abort());

let base = '';
const listening = new Promise<void>((resolve) => {
  void serveCommand(['--port', port, '--demo-password', password, '--quiet'], {
    signal: stop.signal,
    onListening: (url) => {
      base = url.replace(/\/$/, '');
      resolve();
    },
  }).then((code) => {
    if (code !== 0) {
      console.error(`the demo server could not start (exit ${code}); is port ${port} free? Set MUTUAL_DEMO_PORT to use another.`);
      process.exit(code);
    }
  });
});
await listening;

console.log(`\nMutual demo site: ${base}/   users alice, bob, renée — password: ${password}\n`);

/** One request through the client engine, answering a login prompt with the demo credentials. */
async function get(client: MutualClient, url: string): Promise<ClientAction> {
  let { seq, action } = client.beginRequest(url);
  let asked = false;
  for (let hop = 0; hop < 6; hop++) {
    if (action.type === 'send') {
      const res = await fetch(url, { headers: action.authorization ? { authorization: action.authorization } : {} });
      await res.arrayBuffer();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      action = client.handleResponse(seq, { status: res.status, headers });
    } else if (action.type === 'login-required' && !asked) {
      asked = true;
      const cred = await prepareCredential(action.login.realm, 'alice', password);
      if (!cred.ok) throw cred.error;
      client.addCredential(cred.value);
      action = client.resume(seq, action.login);
    } else {
      return action;
    }
  }
  return action;
}

let failures = 0;
for (const area of DEMO_AREAS) {
  const client = new MutualClient({ random: webRandom, now: Date.now });
  const started = performance.now();
  const results: ClientAction[] = [];
  for (const path of ['', 'gallery.html', 'res/style.css']) results.push(await get(client, `${base}/${area.slug}/${path}`));
  const ms = (performance.now() - started).toFixed(0);
  const ok = results.every((r) => r.type === 'verified');
  if (!ok) failures++;
  const ncs = results.map((r) => (r.type === 'verified' ? r.nc : r.type)).join(', ');
  console.log(`${ok ? 'verified' : 'FAILED  '}  /${area.slug}/  ${area.algorithm.padEnd(24)} nonce numbers ${ncs}  (${ms} ms incl. key derivation)`);
}

if (once) {
  stop.abort();
  process.exitCode = failures === 0 ? 0 : 1;
} else {
  console.log(`\nThe site keeps running. Try:\n  printf %s '${password}' | npx mutual fetch ${base}/p256/ --user alice --requests 3\nCtrl-C to stop.`);
}
