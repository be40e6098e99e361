/**
 * The extension build with @crxjs/vite-plugin, one config for both browsers. The Vite root is src/extension,
 * so the manifest's paths (manifest.json at the repository root) are relative to src/extension and the built
 * pages have short, stable URLs: <extension origin>/pages/login.html?tab=<tabId>, pages/warning.html,
 * pages/options.html, pages/onboarding.html, popup/index.html.
 *
 * - `vite build` (npm run build): Chromium, MV3 service worker, output dist/ (load with --load-extension=dist).
 * - `vite build --mode firefox` (npm run build:firefox): Firefox, the manifest derived from manifest.json by
 *   src/extension/tools/firefox-manifest.ts (event page, gecko id, blocking webRequest), output dist-firefox/.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest from './manifest.json' with { type: 'json' };
import { firefoxManifest } from './src/extension/tools/firefox-manifest.ts';

const here = import.meta.dirname;

export default defineConfig(({ mode }) => {
  const firefox = mode === 'firefox';
  return {
    root: resolve(here, 'src/extension'),
    publicDir: resolve(here, 'public'),
    plugins: [
      preact(),
      firefox
        ? crx({ manifest: firefoxManifest(manifest) as unknown as ManifestV3Export, browser: 'firefox' })
        : crx({ manifest: manifest as ManifestV3Export }),
    ],
    // Test-only hooks (the worker's decision trace on globalThis, for e2e failure messages): MUTUAL_TEST_HOOKS=1.
    define: { __MUTUAL_TEST_HOOKS__: JSON.stringify(process.env.MUTUAL_TEST_HOOKS === '1') },
    build: {
      outDir: resolve(here, firefox ? 'dist-firefox' : 'dist'),
      emptyOutDir: true,
      target: firefox ? 'firefox140' : 'chrome120',
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
  };
});
