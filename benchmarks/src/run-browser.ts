// `npm run bench:browser`: builds the benchmark page with Vite, serves it with COOP/COEP headers,
// runs it in headless Chromium (WebGPU enabled) and writes the report like `npm run bench`.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { parseArgs } from './harness/suite.js';
import { mergeRuns } from './harness/report.js';
import type { BenchReport } from './harness/types.js';
import { reportBaseName, updateReadme, writeReport } from './output.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = join(here, '..');
const require = createRequire(import.meta.url);

const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run',
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv); // validate here, before the slow build
  const configFile = join(benchRoot, 'vite.config.ts');
  await build({ configFile });
  const outDir = join(benchRoot, 'dist', 'browser');
  const wasmSrc = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(outDir, 'browser', 'tfjs-wasm'), { recursive: true });
  for (const f of readdirSync(wasmSrc).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmSrc, f), join(outDir, 'browser', 'tfjs-wasm', f));
  const server = await preview({ configFile, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    /** One page of the run: its report. */
    const threads = Math.min(os.availableParallelism?.() ?? os.cpus().length, 8);
    const runPage = async (pageArgv: string[], tfjsThreads: number): Promise<BenchReport> => {
      const page = await browser.newPage();
      if (tfjsThreads > 1) {
        // TF.js's threaded wasm pre-starts min(4, hardwareConcurrency / 2) workers and runs on no more
        // threads than that (on 2 cores: 1, whatever setThreadsCount asks). Reporting twice the cores on
        // this page lets it start the tfjsThreads it is given; Loom's thread count comes from the query.
        await page.addInitScript({ content: `Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: function () { return ${2 * tfjsThreads}; } });` });
      }
      let finish: (r: BenchReport | { error: string }) => void = () => {};
      const done = new Promise<BenchReport | { error: string }>((resolve) => { finish = resolve; });
      await page.exposeFunction('benchDone', (r: BenchReport | { error: string }) => finish(r));
      await page.exposeFunction('benchLog', (line: string) => console.log(line));
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      const query = new URLSearchParams({ args: JSON.stringify(pageArgv), host: os.hostname(), tfjsThreads: String(tfjsThreads), threads: String(threads) });
      await page.goto(`${url}browser/index.html?${query}`);
      const r = await done;
      await page.close();
      if ('error' in r) throw new Error(`the benchmark page failed: ${r.error}`);
      return r;
    };
    let result = await runPage(argv, 1);
    // TF.js fixes its wasm thread count when its backend starts: a second page runs it on N threads
    // next to Loom's threaded engine.
    const mtIds = ['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm-mt'];
    const wanted = args.engines ? mtIds.filter((id) => args.engines!.includes(id)) : mtIds;
    if (threads > 1 && wanted.includes('tfjs-wasm-mt')) {
      const rest = argv.filter((a, i) => a !== '--engines' && argv[i - 1] !== '--engines');
      try {
        const second = await runPage([...rest, '--engines', wanted.join(',')], threads);
        result = mergeRuns(result, second, ['tfjs-wasm-mt'], { many: 'tfjs-wasm-mt', one: 'tfjs-wasm' });
      } catch (e) {
        result.unavailable.push({ id: 'tfjs-wasm-mt', label: `TF.js wasm (${threads} threads)`, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) });
      }
    }
    const cpus = os.cpus();
    result.machine.cpu = cpus[0]?.model.trim() ?? 'unknown CPU';
    result.machine.platform = `${os.platform()} ${os.release()} ${os.arch()} (${result.machine.platform})`;
    const base = reportBaseName(result, 'browser');
    const paths = writeReport(result, join(benchRoot, 'results'), base);
    console.log(`wrote ${paths.md}, ${paths.json}, ${paths.svg}`);
    if (!args.filter && !args.engines && updateReadme(join(benchRoot, 'README.md'), result, base, 'browser-summary')) console.log('updated README.md browser summary');
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
