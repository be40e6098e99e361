// Review probe (not a Vitest test; run: node test/extension-review/closed-shadow-find.probe.mjs).
// Builds the indicator exactly as content/indicator.ts does (closed shadow root on a host appended to
// <html>), then, as a page script holding no reference to the shadow root, recovers the personal phrase with
// window.find() over the 32-word list of background/phrase.ts. Measured with Debian's Chromium: a few ms.
import { chromium } from 'playwright-core';

const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage();
await p.setContent('<p>any page</p>');
const out = await p.evaluate(() => {
  (() => { // what the content script does (isolated world: separate JS objects, the same DOM)
    const host = document.createElement('div');
    host.setAttribute('data-mutual-indicator', '');
    const root = host.attachShadow({ mode: 'closed' });
    const d = document.createElement('div');
    d.textContent = 'cobalt meadow cobalt 42';
    root.append(d);
    document.documentElement.append(host);
  })();
  // The page: no reference to `root`.
  const WORDS = ['amber', 'birch', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'iris', 'juniper', 'kestrel', 'lagoon',
    'maple', 'nimbus', 'orchid', 'pebble', 'quartz', 'raven', 'saffron', 'thistle', 'umber', 'violet', 'willow',
    'yarrow', 'zephyr', 'lantern', 'meadow', 'copper', 'falcon', 'glacier', 'heron', 'indigo'];
  const f = (s) => { getSelection().removeAllRanges(); return window.find(s, true, false, true); };
  const t0 = performance.now();
  let phrase;
  outer: for (const a of WORDS) { if (!f(`${a} `)) continue;
    for (const b2 of WORDS) { if (!f(`${a} ${b2} `)) continue;
      for (const c of WORDS) { if (!f(`${a} ${b2} ${c} `)) continue;
        for (let n = 10; n < 100; n++) if (f(`${a} ${b2} ${c} ${n}`)) { phrase = `${a} ${b2} ${c} ${n}`; break outer; } } } }
  return { detected: document.querySelector('[data-mutual-indicator]') !== null, phrase, ms: Math.round(performance.now() - t0) };
});
console.log(JSON.stringify(out));
await b.close();
