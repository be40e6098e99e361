import { defineConfig } from 'vitest/config';

/** e2e tests: real Chromium + extension from dist/ + real `mutual serve`; one file at a time (one browser each). */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
