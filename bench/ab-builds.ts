/**
 * A/B of two builds of the extension (issue 10): `AB_A=<dist dir> AB_B=<dist dir> npx tsx bench/ab-builds.ts`
 * (ROUNDS, RUNS). Each build runs in its own browser, alternated in rounds; each round measures the
 * 40-subresource page with a session against the same page served plain (as bench/browser.ts), then the CPU
 * time per load of each process kind of that browser (/proc: browser, renderer, extension, network…), with and
 * without the session. On a shared machine the CPU added per load is steadier than the load times.
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { galleryComplete, launch, logIn, PASSWORD, startServer } from '../e2e/support/harness.ts';
import { median, plainServer, recordBodies, type RecordedBodies } from './recorded-page.ts';

/** CPU jiffies (utime+stime) of every process under `root`, by kind (browser, renderer, extension, network, gpu…). */
function cpuByKind(rootMatch: string): Record<string, number> {
  const procs: Array<{ pid: number; ppid: number; cpu: number; cmd: string }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]), cmd });
    } catch { /* gone */ }
  }
  const root = procs.find((p) => p.cmd.includes(rootMatch) && !p.cmd.includes('--type='));
  const out: Record<string, number> = {};
  if (!root) return out;
  const mine = new Set([root.pid]);
  for (let changed = true; changed;) {
    changed = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); changed = true; }
  }
  for (const p of procs) {
    if (!mine.has(p.pid)) continue;
    const kind = p.cmd.includes('--extension-process') ? 'extension' : /--type=renderer/.test(p.cmd) ? 'renderer'
      : /network\.mojom/.test(p.cmd) ? 'network' : /--type=gpu/.test(p.cmd) ? 'gpu' : /--type=/.test(p.cmd) ? 'other' : 'browser';
    out[kind] = (out[kind] ?? 0) + p.cpu;
  }
  return out;
}
const diff = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k]! - (a[k] ?? 0)) * 10]));

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const RUNS = Number(process.env.RUNS ?? 8);
const builds = [process.env.AB_A ?? 'dist-a', process.env.AB_B ?? 'dist-b'];

const server = await startServer(['--demo-password', PASSWORD, '--quiet']);
const bodies: RecordedBodies = new Map();
let plainOrigin = '';
let plain: http.Server | undefined;
const ratios: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const dist of builds) {
      const b = await launch([], dist);
      try {
        const page = await b.context.newPage();
        await page.goto(`${server.url}/p256/`);
        await logIn(b, page);
        if (!plain) {
          recordBodies(page, server.url, bodies);
        }
        await page.goto(`${server.url}/p256/gallery.html`);
        await galleryComplete(page);
        if (!plain) {
          await new Promise((r) => setTimeout(r, 300));
          const served = await plainServer(bodies);
          plain = served.server;
          plainOrigin = served.origin;
        }
        const pWithout = await b.context.newPage();
        await pWithout.goto(`${plainOrigin}/p256/gallery.html`);
        await galleryComplete(pWithout);
        const t = async (p: typeof page) => {
          await p.reload({ waitUntil: 'load' });
          await galleryComplete(p);
          return p.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming; return n.loadEventEnd - n.startTime; });
        };
        const w: number[] = [];
        const wo: number[] = [];
        for (let i = 0; i < RUNS; i++) { w.push(await t(page)); wo.push(await t(pWithout)); }
        // CPU per load (ms), by process kind: the same page with and without the session, not interleaved.
        const rootMatch = b.profile;
        const c0 = cpuByKind(rootMatch);
        for (let i = 0; i < RUNS; i++) await t(page);
        const c1 = cpuByKind(rootMatch);
        for (let i = 0; i < RUNS; i++) await t(pWithout);
        const c2 = cpuByKind(rootMatch);
        const dw = diff(c0, c1);
        const dwo = diff(c1, c2);
        const per = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${k} ${(v / RUNS).toFixed(0)}`).join(', ');
        console.log(`  cpu ms/load with: ${per(dw)} | without: ${per(dwo)}`);
        (cpu[dist] ??= []).push(Object.values(dw).reduce((a, b2) => a + b2, 0) / RUNS - Object.values(dwo).reduce((a, b2) => a + b2, 0) / RUNS);
        const r = median(w) / median(wo);
        (ratios[dist] ??= []).push(r);
        console.log(`round ${round} ${dist}: with ${median(w).toFixed(0)} ms, without ${median(wo).toFixed(0)} ms, ratio ${r.toFixed(2)}×`);
      } finally {
        await b.close();
      }
    }
  }
  for (const d of builds) console.log(`${d}: ratios ${ratios[d]!.map((x) => x.toFixed(2)).join(' ')}  median ${median(ratios[d]!).toFixed(2)}×; added CPU ms/load ${cpu[d]!.map((x) => x.toFixed(0)).join(' ')} median ${median(cpu[d]!).toFixed(0)}`);
} finally {
  if (plain) { plain.closeAllConnections(); plain.close(); }
  await server.stop();
}
