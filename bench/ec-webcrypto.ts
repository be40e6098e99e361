/**
 * Would WebCrypto ECDH speed up the client's z (issue 10)? The multiplication [k]P done by @noble/curves
 * against two WebCrypto ways of getting the whole point (bench/ec-webcrypto-mul.ts), in Node (CPU time of
 * the process, all threads) and in a page of Debian's Chromium and firefox-esr (wall time: a page has no
 * CPU clock; 5 multiplications per sample there, Firefox's page clock has whole milliseconds). Medians of
 * interleaved rounds; ratios against noble in the same run.
 *
 *   npx tsx bench/ec-webcrypto.ts [--no-browsers]     (about a minute)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { build } from 'vite';
import { measure, VARIANTS, type CurveName, type Variant } from './ec-webcrypto-mul.ts';

const RUNS: Record<CurveName, number> = { 'P-256': 41, 'P-521': 21 };
const CURVE_NAMES: CurveName[] = ['P-256', 'P-521'];
type Result = Record<Variant, number>;

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function row(where: string, curve: CurveName, r: Result): string {
  const cells = VARIANTS.map((v) => `${r[v].toFixed(2)} ms${v === 'noble' ? '' : ` (${(r[v] / r.noble).toFixed(2)}x)`}`);
  return `| ${where} | ${curve} | ${cells.join(' | ')} |`;
}

/** The measuring module as one classic script that sets globalThis.measureMul. */
async function pageScript(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: fileURLToPath(new URL('./ec-webcrypto-mul.ts', import.meta.url)), formats: ['iife'], name: 'measureMulModule' },
    },
  });
  const first = Array.isArray(out) ? out[0] : out;
  if (!first || !('output' in first)) throw new Error('vite build gave no output');
  return `${first.output[0].code}\nglobalThis.measureMul = measureMulModule.measure;`;
}

async function main(): Promise<void> {
  console.log('| where | curve | noble | WebCrypto, JWK + noble [k]G | WebCrypto, PKCS #8 k and k+1 |');
  console.log('|---|---|--:|--:|--:|');
  for (const curve of CURVE_NAMES) console.log(row(`node ${process.version} (CPU)`, curve, await measure(curve, RUNS[curve], 1, cpu)));
  if (process.argv.includes('--no-browsers')) return;

  const script = await pageScript();
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', req.url === '/m.js' ? 'text/javascript' : 'text/html');
    res.end(req.url === '/m.js' ? script : '<!doctype html><script src="/m.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`; // 127.0.0.1 is a secure context
  type Measure = (curve: CurveName, runs: number, reps: number, clock: () => number) => Promise<Result>;
  // Serialised into the page: self-contained.
  const inPage = ([curve, runs]: readonly [CurveName, number]): Promise<Result> =>
    (globalThis as unknown as { measureMul: Measure }).measureMul(curve, runs, 5, () => performance.now());
  try {
    const c = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await c.newPage();
      await page.goto(url);
      const version = c.version();
      for (const curve of CURVE_NAMES) console.log(row(`Chromium ${version} (wall)`, curve, await page.evaluate(inPage, [curve, RUNS[curve]] as const)));
    } finally {
      await c.close();
    }
    const f = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
    try {
      const page = await f.newPage();
      await page.goto(url);
      const version = await f.version();
      for (const curve of CURVE_NAMES) console.log(row(`${version} (wall)`, curve, await page.evaluate(inPage, [curve, RUNS[curve]] as const)));
    } finally {
      await f.close();
    }
  } finally {
    server.close();
  }
}

await main();
