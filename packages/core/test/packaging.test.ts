// The published packages as a user gets them: `npm pack` each workspace package, install the
// tarballs into an empty project, and run a Node script that computes on js and wasm and trains
// a tiny model. Reads the built dist/ (npm test builds before vitest runs).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGES = ['core', 'nn', 'wasm-kernels', 'webgpu-kernels'] as const;

interface PackResult { name: string; filename: string; files: { path: string }[] }

let work = '';
let packed: PackResult[] = [];
let consumer = '';

/** Runs a command; on failure the error carries its output, so the test report shows why. */
async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}

beforeAll(async () => {
  const missing = PACKAGES.flatMap((p) => ['dist/index.js', 'dist/index.d.ts'].map((f) => `packages/${p}/${f}`))
    .filter((f) => !existsSync(join(root, f)));
  if (missing.length > 0) {
    throw new Error(`packaging: the built packages are missing (${missing.join(', ')}): run \`npm run build\` (npm test does) first`);
  }
  work = mkdtempSync(join(tmpdir(), 'loom-pack-'));
  const out = await run('npm', ['pack', '--json', '--pack-destination', work, ...PACKAGES.flatMap((p) => ['--workspace', `packages/${p}`])], root);
  packed = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1)) as PackResult[];
  consumer = join(work, 'consumer');
  await run('mkdir', ['-p', consumer], work);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'loom-consumer', private: true, type: 'module' }));
  const tarballs = packed.map((p) => join(work, p.filename));
  const install = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...tarballs];
  // The local npm cache has every third-party dependency; fall back to the registry where it lacks one.
  try {
    await run('npm', [...install, '--offline'], consumer);
  } catch {
    await run('npm', [...install, '--prefer-offline'], consumer);
  }
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack of each package', () => {
  it('packs dist, README.md and LICENSE, with the metadata a registry shows', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((p) => `@loom/${p}`).sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      for (const f of ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts']) {
        expect(files, `${p.name} lacks ${f}`).toContain(f);
      }
      expect(files.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f)), p.name).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', p.name, 'package.json'), 'utf8'));
      expect(manifest.license, p.name).toBe('MIT');
      expect(manifest.repository?.directory, p.name).toBe(`packages/${p.name.slice('@loom/'.length)}`);
      expect(manifest.engines?.node, p.name).toBe('>=20');
      expect(manifest.keywords?.length, p.name).toBeGreaterThan(2);
      expect(readFileSync(join(consumer, 'node_modules', p.name, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    }
  });
});

const RUN_MJS = `
import * as loom from '@loom/core';
import { layers, optimizers, sequential } from '@loom/nn';
import { wasmBackendFactory } from '@loom/wasm-kernels';
import { webgpuFactory } from '@loom/webgpu-kernels';

const result = {};
const x = loom.tensor([[1, 2], [3, 4]]);
result.js = { backend: x.backend, product: Array.from(loom.matmul(x, x).dataSync()), text: x.toString() };
loom.registerBackend(wasmBackendFactory, 2);
loom.registerBackend(webgpuFactory({ allowSoftwareAdapter: false }), 3);
result.chosen = await loom.init();
const y = loom.tensor([[1, 2], [3, 4]]);
result.wasm = { backend: y.backend, product: Array.from(loom.matmul(y, y).dataSync()), text: y.toString() };
// y = 2x - 1 from 8 points: a dense layer learns the line.
const xs = loom.tensor([-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5], [8, 1]);
const ys = loom.tensor([-5, -4, -3, -2, -1, 0, 1, 2], [8, 1]);
const model = sequential([layers.dense({ units: 1, inputShape: [1] })], { seed: 1 });
model.compile({ optimizer: optimizers.sgd({ learningRate: 0.2 }), loss: 'mse' });
const history = await model.fit(xs, ys, { epochs: 60, batchSize: 8, shuffle: false });
result.loss = history.history.loss;
result.prediction = Array.from(await model.predict(loom.tensor([[3]])).data());
console.log('RESULT ' + JSON.stringify(result));
`;

describe('the installed tarballs in plain Node', () => {
  it('compute on js and wasm, print, and train a tiny model', async () => {
    writeFileSync(join(consumer, 'run.mjs'), RUN_MJS);
    const out = await run(process.execPath, ['run.mjs'], consumer, { LOOM_VERBOSE: '0' });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`run.mjs printed no RESULT line:\n${out}`);
    const r = JSON.parse(line.slice('RESULT '.length));
    const text = 'Tensor\n  dtype: float32\n  rank: 2\n  shape: [2,2]\n  values:\n    [[1, 2],\n     [3, 4]]';
    // [[1,2],[3,4]]² by hand.
    expect(r.js).toEqual({ backend: 'js', product: [7, 10, 15, 22], text });
    // No webgpu package in the clean project: init() moves on to wasm.
    expect(r.chosen).toBe('wasm');
    expect(r.wasm).toEqual({ backend: 'wasm', product: [7, 10, 15, 22], text });
    expect(r.loss).toHaveLength(60);
    expect(r.loss.at(-1)).toBeLessThan(r.loss[0] / 100);
    expect(r.prediction[0]).toBeCloseTo(5, 1); // 2·3 − 1
  });
});

describe('a TypeScript consumer of the installed tarballs', () => {
  it('compiles with strict default settings and no skipLibCheck (no ESNext.Disposable, no @webgpu/types, no extra @types)', async () => {
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', noEmit: true, types: [] },
      include: ['main.ts'],
    }));
    writeFileSync(join(consumer, 'main.ts'), [
      "import * as core from '@loom/core';",
      "import { layers, losses, sequential, type History } from '@loom/nn';",
      "import { wasm } from '@loom/wasm-kernels';",
      "import { webgpu, type WebGPUOptions } from '@loom/webgpu-kernels';",
      "export const gpuOptions: WebGPUOptions = { powerPreference: 'high-performance' };",
      'export const backends = [wasm, webgpu];',
      'const t: core.Tensor = core.tensor([[1, 2], [3, 4]]);',
      'const m = sequential([layers.dense({ units: 1, inputShape: [2] })]);',
      "m.compile({ optimizer: 'adam', loss: losses.meanSquaredError });",
      'const p: core.Tensor = m.predict(t);',
      'export const h: Promise<History> = m.fit([[1, 2]], [[3]], { epochs: 1, verbose: 0 });',
      'export const text: string = p.toString() + String(typeof wasm);',
    ].join('\n'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // tsc prints its errors on stdout and exits non-zero; run() puts them into the failure message.
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
  }, 120_000);
});
