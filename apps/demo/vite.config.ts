// Vite config of Loom Lab, the multi-page demo. COOP/COEP make the page cross-origin isolated, so
// SharedArrayBuffer (the threaded wasm backend) works in dev and preview alike.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Every page of the demo: one HTML file each, sharing the top bar and the chart code. */
export const PAGES = ['index', 'device', 'tensors', 'neuron', 'loss', 'train', 'race', 'profiler', 'concepts', 'data'] as const;

// vega-datasets exports only its JS entry; its CSV files are reached through this alias.
const vegaData = fileURLToPath(new URL('../data/', import.meta.resolve('vega-datasets')));

export default defineConfig({
  server: { headers: isolation, host: 'localhost' },
  preview: { headers: isolation, host: 'localhost' },
  resolve: { alias: { 'vega-datasets-data': vegaData } },
  // The training worker code-splits (papaparse loads lazily inside @loom/nn), which needs ES workers.
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rolldownOptions: { input: Object.fromEntries(PAGES.map((p) => [p, here(`./${p}.html`)])) },
  },
});
