/** `npm run demo:cli` (scripts/demo.ts) in its --once form: the demo site comes up and all four areas verify. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npm run demo:cli (scripts/demo.ts --once) logs in to all four algorithm areas', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--once'], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  expect(r.status).toBe(0);
  const verified = r.stdout.split('\n').filter((l) => l.startsWith('verified'));
  expect(verified).toHaveLength(4);
  for (const slug of ['p256', 'p521', 'dl2048', 'dl4096']) expect(r.stdout).toContain(`/${slug}/`);
});
