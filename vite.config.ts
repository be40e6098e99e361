/**
 * The extension build (Chromium, MV3) with @crxjs/vite-plugin. The Vite root is src/extension, so the
 * manifest's paths (manifest.json at the repository root) are relative to src/extension and the built pages
 * have short, stable URLs: chrome-extension://<id>/pages/login.html?tab=<tabId>, pages/warning.html,
 * pages/options.html, pages/onboarding.html, popup/index.html. Output: dist/ (load with --load-extension=dist).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest from './manifest.json' with { type: 'json' };

const here = import.meta.dirname;

export default defineConfig({
  root: resolve(here, 'src/extension'),
  publicDir: resolve(here, 'public'),
  plugins: [preact(), crx({ manifest: manifest as ManifestV3Export })],
  // Test-only hooks (the worker's decision trace on globalThis, for e2e failure messages): MUTUAL_TEST_HOOKS=1.
  define: { __MUTUAL_TEST_HOOKS__: JSON.stringify(process.env.MUTUAL_TEST_HOOKS === '1') },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'chrome120',
    minify: false,
    sourcemap: false,
    rollupOptions: {
      input: {
        login: resolve(here, 'src/extension/pages/login.html'),
        warning: resolve(here, 'src/extension/pages/warning.html'),
        indicator: resolve(here, 'src/extension/pages/indicator.html'),
        onboarding: resolve(here, 'src/extension/pages/onboarding.html'),
      },
    },
  },
  logLevel: 'warn',
});
