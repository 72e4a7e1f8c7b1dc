// One vitest run for the whole monorepo: a `node` project and a Chromium `browser` project.
// Tests import packages by name; the aliases point them at the TypeScript sources.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

const alias = [
  { find: /^@loom\/core\/backend$/, replacement: here('./packages/core/src/backend/index.ts') },
  { find: /^@loom\/nn\/testing$/, replacement: here('./packages/nn/src/testing/index.ts') },
  { find: /^@loom\/core\/testing$/, replacement: here('./packages/core/src/testing/index.ts') },
  { find: /^@loom\/core$/, replacement: here('./packages/core/src/index.ts') },
  { find: /^@loom\/nn$/, replacement: here('./packages/nn/src/index.ts') },
  { find: /^@loom\/wasm-kernels$/, replacement: here('./packages/wasm-kernels/src/index.ts') },
  { find: /^@loom\/webgpu-kernels$/, replacement: here('./packages/webgpu-kernels/src/index.ts') },
];

const chromiumArgs = [
  '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu',
];

const testGlobs = ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: testGlobs,
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          execArgv: ['--experimental-wasm-relaxed-simd', '--expose-gc'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // fit's default verbosity in Node is 1 (as Keras); the suite stays quiet.
          env: { LOOM_VERBOSE: '0' },
        },
      },
      {
        resolve: { alias },
        server: {
          headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
        },
        // Pre-bundled up front: discovered mid-run, they would make Vite reload the page once and fail that test.
        optimizeDeps: { include: ['onnxruntime-web/wasm', 'protobufjs', 'fflate', 'h5wasm'] },
        test: {
          name: 'browser',
          include: testGlobs.map((g) => g.replace('*.test.ts', '*.browser.test.ts')),
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
            }),
          },
        },
      },
    ],
  },
});
