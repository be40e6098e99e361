/**
 * Profiler (issue 10): CPU profile of the extension's service worker while the 40-subresource page
 * reloads with a session. NODE_OPTIONS=--experimental-websocket npx tsx bench/profile-worker.ts
 */
import { writeFileSync } from 'node:fs';
import { galleryComplete, launch, logIn, PASSWORD, startServer } from '../e2e/support/harness.ts';

const PORT = 9300 + Math.floor(Math.random() * 500);

async function cdp(wsUrl: string) {
  const ws = new WebSocket(wsUrl);
  await new Promise((ok, ko) => { ws.onopen = ok; ws.onerror = ko; });
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (m) => {
    const d = JSON.parse(String(m.data)) as { id?: number; result?: unknown; error?: unknown };
    if (d.id !== undefined) waiting.get(d.id)?.(d.result ?? d.error);
  };
  return {
    send(method: string, params: object = {}): Promise<any> {
      const i = ++id;
      ws.send(JSON.stringify({ id: i, method, params }));
      return new Promise((ok) => waiting.set(i, ok));
    },
    close: () => ws.close(),
  };
}

const server = await startServer(['--demo-password', PASSWORD, '--quiet']);
const b = await launch([`--remote-debugging-port=${PORT}`]);
try {
  const page = await b.context.newPage();
  await page.goto(`${server.url}/p256/`);
  await logIn(b, page);
  await page.goto(`${server.url}/p256/gallery.html`);
  await galleryComplete(page);
  const targets = (await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json()) as Array<{ type: string; url: string; webSocketDebuggerUrl: string }>;
  const sw = targets.find((t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'));
  if (!sw) throw new Error(JSON.stringify(targets));
  const s = await cdp(sw.webSocketDebuggerUrl);
  await s.send('Profiler.enable');
  await s.send('Profiler.setSamplingInterval', { interval: 100 });
  await s.send('Profiler.start');
  const times: number[] = [];
  for (let i = 0; i < Number(process.env.RUNS ?? 10); i++) {
    await page.reload({ waitUntil: 'load' });
    await galleryComplete(page);
    times.push(await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming; return n.loadEventEnd - n.startTime; }));
  }
  const { profile } = await s.send('Profiler.stop');
  writeFileSync('/tmp/perfb-worker.cpuprofile', JSON.stringify(profile));
  console.log('loads', times.map((x) => x.toFixed(0)).join(' '));
  // self time by function
  type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
  const nodes = new Map<number, Node>((profile.nodes as Node[]).map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples as number[];
  const deltas = profile.timeDeltas as number[];
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const parent = new Map<number, number>();
  for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
  const byFn = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [id, us] of self) {
    all += us;
    const n = nodes.get(id)!;
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    byFn.set(k, (byFn.get(k) ?? 0) + us);
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const m = nodes.get(p)!;
      const kk = `${m.callFrame.functionName || '(anon)'} ${m.callFrame.url.split('/').pop()}:${m.callFrame.lineNumber}`;
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + us);
    }
  }
  console.log(`profile total ${(all / 1000).toFixed(0)} ms over ${times.length} loads`);
  console.log('--- self');
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 1000).toFixed(1).padStart(8), k);
  console.log('--- total');
  for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / 1000).toFixed(1).padStart(8), k);
  s.close();
} finally {
  await b.close();
  await server.stop();
}
