/**
 * Writes the toolbar icons, one per tab state (none / available / verified / failed) at 16–128 px, to
 * public/icons/ as PNG: a coloured shield-like disc with a white mark, drawn with signed distances and
 * encoded by src/png.ts (no image library). Run: `npx tsx src/extension/tools/gen-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../png.ts';

type State = 'none' | 'available' | 'verified' | 'failed';
const COLORS: Record<State, [number, number, number]> = {
  none: [120, 120, 120],
  available: [21, 101, 192],
  verified: [46, 125, 50],
  failed: [198, 40, 40],
};

/** Distance from p to segment ab. */
function seg(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Coverage of the white mark at unit coordinates (0..1). */
function mark(state: State, x: number, y: number): number {
  const w = 0.09;
  switch (state) {
    case 'verified':
      return Math.min(seg(x, y, 0.28, 0.52, 0.44, 0.68), seg(x, y, 0.44, 0.68, 0.74, 0.34)) < w ? 1 : 0;
    case 'failed':
      return Math.min(seg(x, y, 0.32, 0.32, 0.68, 0.68), seg(x, y, 0.68, 0.32, 0.32, 0.68)) < w ? 1 : 0;
    case 'available': // a key: ring + shaft
      return Math.abs(Math.hypot(x - 0.36, y - 0.5) - 0.13) < w * 0.8 || seg(x, y, 0.49, 0.5, 0.76, 0.5) < w * 0.8 || seg(x, y, 0.68, 0.5, 0.68, 0.62) < w * 0.7 ? 1 : 0;
    case 'none': // "M"
      return Math.min(seg(x, y, 0.3, 0.7, 0.3, 0.32), seg(x, y, 0.3, 0.32, 0.5, 0.55), seg(x, y, 0.5, 0.55, 0.7, 0.32), seg(x, y, 0.7, 0.32, 0.7, 0.7)) < w * 0.8 ? 1 : 0;
  }
}

function draw(state: State, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const [r, g, b] = COLORS[state];
  const ss = 4; // supersampling
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let disc = 0, white = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size, y = (py + (sy + 0.5) / ss) / size;
          if (Math.hypot(x - 0.5, y - 0.5) <= 0.48) {
            disc++;
            white += mark(state, x, y);
          }
        }
      }
      const n = ss * ss;
      const a = disc / n, wf = disc === 0 ? 0 : white / disc;
      const i = (py * size + px) * 4;
      out[i] = Math.round(r + (255 - r) * wf);
      out[i + 1] = Math.round(g + (255 - g) * wf);
      out[i + 2] = Math.round(b + (255 - b) * wf);
      out[i + 3] = Math.round(255 * a);
    }
  }
  return out;
}

const dir = join(import.meta.dirname, '../../../public/icons');
mkdirSync(dir, { recursive: true });
for (const state of Object.keys(COLORS) as State[]) {
  for (const size of [16, 32, 48, 128]) writeFileSync(join(dir, `${state}-${size}.png`), encodePng(size, size, 4, draw(state, size)));
}
console.log(`icons written to ${dir}`);
