// `npm run bench`: every Loom backend that loads here and the TF.js cpu and wasm peers, in one
// process and interleaved rounds. Start Node with --experimental-wasm-relaxed-simd (the script does).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gpuOpCases, opCases } from './cases/op-cases.js';
import { gpuTrainCases, trainCases } from './cases/train-cases.js';
import { createLoomEngines, type ModuleLoader } from './engines/loom.js';
import { createTfjsEngines } from './engines/tfjs.js';
import { parseArgs, runSuite } from './harness/suite.js';
import type { Engine, MachineInfo, UnavailableEngine } from './harness/types.js';
import { reportBaseName, updateReadme, writeReport } from './output.js';
import { knownGpuPeak, peakShares } from './gpu-peak.js';
import { measurePeak, PEAK_PER_CASE } from './peak/peak-wasm.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = join(here, '..');
const repoRoot = join(benchRoot, '..');
const require = createRequire(import.meta.url);

const SOURCE_DIRS: Record<string, string> = {
  '@loom/nn': 'packages/nn/src/index.ts',
  '@loom/wasm-kernels': 'packages/wasm-kernels/src/index.ts',
  '@loom/webgpu-kernels': 'packages/webgpu-kernels/src/index.ts',
};

/** The built package, else (under tsx) its TypeScript sources, else the reason neither loads. */
const loadModule: ModuleLoader = async (name) => {
  let packageError: string;
  try {
    return { module: await import(name as string), from: 'package' };
  } catch (e) {
    packageError = (e as Error).message.split('\n')[0];
  }
  const src = join(repoRoot, SOURCE_DIRS[name]);
  if (!existsSync(src)) throw new Error(`${name} is not built (${packageError}) and has no sources`);
  try {
    return { module: await import(pathToFileURL(src).href), from: 'sources' };
  } catch (e) {
    throw new Error(`${name}: the package does not load (${packageError}) and its sources fail: ${(e as Error).message.split('\n')[0]}`);
  }
};

/** A dependency's version from its package.json (found next to the workspace's node_modules). */
function version(pkg: string): string {
  for (const dir of [join(benchRoot, 'node_modules'), join(repoRoot, 'node_modules')]) {
    const file = join(dir, pkg, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version as string;
  }
  return 'unknown';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  const relaxedFlag = process.execArgv.includes('--experimental-wasm-relaxed-simd');
  // The threaded engines run on every core (at most 8, as Loom's threads: 'auto').
  const threads = Math.min(os.availableParallelism?.() ?? os.cpus().length, 8);
  const loom = await createLoomEngines({ load: loadModule, allowSoftwareGpu: args.softwareGpu, coreVersion: version('@loom/core'), threads });
  const tfWasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
  const peers = await createTfjsEngines({ wasmPath: tfWasmDir, webgpu: false, allowSoftwareGpu: args.softwareGpu });
  let engines: Engine[] = [...loom.engines, ...peers.engines];
  const unavailable: UnavailableEngine[] = [...loom.unavailable, ...peers.unavailable,
    { id: 'tfjs-wasm-mt', label: `TF.js wasm (${threads} threads)`, reason: "TF.js's threaded wasm build starts its workers from blob: URLs, which Node's worker_threads refuse (ERR_WORKER_PATH): see npm run bench:browser" },
    { id: 'tfjs-webgpu', label: 'TF.js webgpu', reason: 'browser only: run npm run bench:browser' }];
  // --gpu: the WebGPU engine, checked against (and next to) the threaded wasm engine.
  if (args.gpu && !args.engines) args.engines = ['loom-webgpu', 'loom-wasm-mt'];
  if (args.engines) {
    const known = new Set(engines.map((e) => e.id));
    for (const id of args.engines) if (!known.has(id)) throw new Error(`--engines: '${id}' is not available here; available: ${[...known].join(', ')}`);
    engines = engines.filter((e) => args.engines!.includes(e.id));
  }
  for (const e of engines) log(`engine ${e.id}: ${e.label} — ${e.version}${e.train ? '' : ` (models: ${e.trainUnavailable})`}`);
  for (const u of unavailable) log(`engine ${u.id}: unavailable: ${u.reason}`);


  const cpus = os.cpus();
  const machine: MachineInfo = {
    host: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    runtime: `Node ${process.version}${relaxedFlag ? ' --experimental-wasm-relaxed-simd' : ''}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    notes: [
      `Engines run on one thread except those labelled "${threads} threads". Figures from a shared machine are noisy: compare the ratios within one run, not absolute numbers across runs.`,
      `Versions: @loom/core ${version('@loom/core')}, @tensorflow/tfjs-core ${version('@tensorflow/tfjs-core')}, tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')}, tfjs-layers ${version('@tensorflow/tfjs-layers')}.`,
      ...(relaxedFlag ? [] : ['Node ran without --experimental-wasm-relaxed-simd: Loom wasm used its plain SIMD build.']),
    ],
  };
  const cases = [...opCases(), ...(args.gpu ? gpuOpCases() : []), ...trainCases(), ...(args.gpu ? gpuTrainCases() : [])];
  const gpuEngine = engines.find((e) => e.id === 'loom-webgpu');
  const gpuPeak = gpuEngine ? knownGpuPeak(gpuEngine.version) : null;
  if (args.gpu) {
    machine.notes.push(gpuEngine ? `GPU: ${gpuEngine.version}; fp32 peak ${gpuPeak ? `${gpuPeak.tflops} TFLOP/s (${gpuPeak.name}, data sheet)` : 'unknown for this adapter'}.`
      : 'GPU run without a WebGPU engine: see the unavailable engines.');
  }
  const report = await runSuite({ cases, engines, unavailable, machine, options: args, measurePeak: args.peak ? () => measurePeak(PEAK_PER_CASE) : null, log });
  if (gpuPeak) for (const line of peakShares(report.cases, 'loom-webgpu', gpuPeak)) report.machine.notes.push(line);
  const base = reportBaseName(report, args.gpu ? 'gpu' : 'node');
  const paths = writeReport(report, args.out ?? join(benchRoot, 'results'), base);
  log(`wrote ${paths.md}, ${paths.json}, ${paths.svg}`);
  if (!args.filter && !args.engines && !args.out && updateReadme(join(benchRoot, 'README.md'), report, base, 'summary')) log('updated README.md summary');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
