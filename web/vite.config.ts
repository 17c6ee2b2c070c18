/**
 * The console's build: one entry (src/main.tsx), the 3D viewer (three.js) split into a chunk
 * loaded on first use, no module-preload polyfill (it would be inline script, which the CSP
 * refuses), hashed asset names (served immutable), and two module workers (SHA-256 of a scan,
 * mesh parsing), each its own file loaded when first used. `npm run build:web` (scripts/build-web.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // three.js alone is ~580 KB: it is the lazily loaded viewer chunk, never part of the first load.
    chunkSizeWarningLimit: 700,
  },
  // Module workers (hashing a scan, parsing a mesh): files of their own, from the app's origin, so
  // the CSP's worker-src 'self' admits them (no blob: or data: URL). Their sources are named
  // x-worker.ts, not x.worker.ts: the local stack serves asset names with one dot only.
  worker: { format: 'es' },
});
