// Vite build for the browser pages of Digital Union (multi-page).
// Run from the repo root: `vite build --config frontend/vite.config.ts` → dist/web.
// Express serves dist/web at /static and renders each <page>.html itself (POST /placements/:name,
// POST /install), replacing the `<!--DU_BOOT-->` marker in <head> with the boot script.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import b24UiPlugin from '@bitrix24/b24ui-nuxt/vite';

const frontendRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(frontendRoot, '..');

/** One entry per HTML page; add placement pages here. */
export const pages = ['settings', 'apply', 'upload', 'admission', 'member'] as const;

export default defineConfig({
  root: frontendRoot,
  base: '/static/',
  publicDir: false,
  plugins: [
    vue(),
    b24UiPlugin({
      router: false, // vue-router is not installed; links render as plain <a>
      colorMode: false, // portal frames are light; don't follow the OS dark mode
      dts: false, // no generated components.d.ts / auto-imports.d.ts in the tree
      prose: false, // markdown prose components are not used; keeps ~100 kB out of the bundle
      mdc: false,
      b24ui: {},
    }),
  ],
  build: {
    outDir: resolve(repoRoot, 'dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: Object.fromEntries(pages.map((p) => [p, resolve(frontendRoot, `${p}.html`)])),
    },
  },
  server: { fs: { allow: [repoRoot] } },
});
