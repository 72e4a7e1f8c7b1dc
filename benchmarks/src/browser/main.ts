// The browser benchmark page: Loom js/wasm/webgpu and TF.js cpu/wasm/webgpu, options from the
// query string; the report goes back to the Node runner through `window.benchDone`.

// What the @tensorflow/tfjs bundle adds to tfjs-core's ESM build and tfjs-layers needs: chained
// tensor methods (x.flatten()) and gradients. (Node's CommonJS bundles need neither import.)
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { opCases } from '../cases/op-cases.js';
import { trainCases } from '../cases/train-cases.js';
import { createLoomEngines, type ModuleLoader } from '../engines/loom.js';
import { createTfjsEngines } from '../engines/tfjs.js';
import { parseArgs, runSuite } from '../harness/suite.js';
import type { BenchReport, MachineInfo } from '../harness/types.js';
import { measurePeak, PEAK_PER_CASE } from '../peak/peak-wasm.js';

declare global {
  interface Window {
    benchLog?: (line: string) => void;
    benchDone?: (report: BenchReport | { error: string }) => void;
  }
}

// NOTE: `as string` keeps TypeScript from resolving built typings; Vite still sees the literal and
// maps it to the package sources (vite.config.ts). Each import fails on its own.
const loaders: Record<string, () => Promise<unknown>> = {
  '@loom/nn': () => import('@loom/nn' as string),
  '@loom/wasm-kernels': () => import('@loom/wasm-kernels' as string),
  '@loom/webgpu-kernels': () => import('@loom/webgpu-kernels' as string),
};
const load: ModuleLoader = async (name) => ({ module: await loaders[name](), from: 'sources' });

function log(line: string): void {
  const pre = document.getElementById('log');
  if (pre) pre.textContent += `${line}\n`;
  window.benchLog?.(line);
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const args = parseArgs(JSON.parse(query.get('args') ?? '[]') as string[]);
  // Loom's threaded engine and, on the second page of a run (TF.js fixes its threads per page), TF.js wasm on N threads.
  // The runner passes the machine's thread count: the second page reports more cores to TF.js (see run-browser.ts).
  const threads = Number(query.get('threads')) || Math.min(navigator.hardwareConcurrency || 1, 8);
  const tfjsThreads = Number(query.get('tfjsThreads') ?? '1');
  const loom = await createLoomEngines({ load, allowSoftwareGpu: args.softwareGpu, coreVersion: 'sources', threads });
  const peers = await createTfjsEngines({ wasmPath: new URL('./tfjs-wasm/', location.href).href, webgpu: tfjsThreads === 1,
    allowSoftwareGpu: args.softwareGpu, wasmThreads: tfjsThreads });
  let engines = [...loom.engines, ...peers.engines];
  if (args.engines) engines = engines.filter((e) => args.engines!.includes(e.id));
  // The second page exists for TF.js on N threads: without it there is nothing to add.
  if (tfjsThreads > 1 && !engines.some((e) => e.id === 'tfjs-wasm-mt')) engines = [];
  for (const e of engines) log(`engine ${e.id}: ${e.label} — ${e.version}${e.train ? '' : ` (models: ${e.trainUnavailable})`}`);
  const unavailable = [...loom.unavailable, ...peers.unavailable];
  for (const u of unavailable) log(`engine ${u.id}: unavailable: ${u.reason}`);
  const ua = navigator.userAgent;
  const machine: MachineInfo = {
    host: new URLSearchParams(location.search).get('host') ?? location.hostname,
    platform: navigator.platform,
    cpu: 'see host',
    cores: navigator.hardwareConcurrency,
    runtime: (ua.match(/(HeadlessChrome|Chrome)\/[\d.]+/)?.[0] ?? ua).replace('HeadlessChrome', 'Headless Chromium'),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    notes: [
      `CPU engines run on one thread except those labelled "${threads} threads"; TF.js wasm on ${threads} threads ran on a second page (TF.js fixes its thread count per page), so its scaling column comes from medians. Figures from a shared machine are noisy: compare the ratios within one run, not absolute numbers across runs.`,
      'Loom packages are built from their sources by Vite for this page.',
    ],
  };
  const report = await runSuite({ cases: [...opCases(), ...trainCases()], engines, unavailable, machine, options: args, measurePeak: args.peak ? () => measurePeak(PEAK_PER_CASE) : null, log });
  window.benchDone?.(report);
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  log(`failed: ${error}`);
  window.benchDone?.({ error });
});
