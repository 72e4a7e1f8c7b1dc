// Vite build of the browser benchmark page: Loom packages from their TypeScript sources (as the
// root vitest config does), TF.js from node_modules; COOP/COEP so SharedArrayBuffer exists.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./'),
  base: './',
  resolve: {
    alias: [
      { find: /^@loom\/core\/backend$/, replacement: here('../packages/core/src/backend/index.ts') },
      { find: /^@loom\/core$/, replacement: here('../packages/core/src/index.ts') },
      { find: /^@loom\/nn$/, replacement: here('../packages/nn/src/index.ts') },
      { find: /^@loom\/wasm-kernels$/, replacement: here('../packages/wasm-kernels/src/index.ts') },
      { find: /^@loom\/webgpu-kernels$/, replacement: here('../packages/webgpu-kernels/src/index.ts') },
    ],
  },
  build: {
    outDir: here('./dist/browser'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    // TF.js's threaded wasm starts its workers from the *source text* of its module factory
    // (Function.prototype.toString); minified, that text names variables of the enclosing bundle
    // ("e is not defined" in every worker) and tf.setBackend('wasm') never settles.
    minify: false,
    rollupOptions: { input: here('./browser/index.html') },
  },
  preview: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  logLevel: 'warn',
});
