// `npm run fuzz -- --runs N [--seed S]`: the differential fuzzer (random op programs with special
// values) on wasm (both builds) and webgpu against js, for as long a run as asked. A failure prints
// the shrunk program, the step that disagrees and the command that reruns it.
import { build, ensureChromium, ensureDependencies, run } from './setup.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`npm run fuzz: --${name} must be a positive integer, got ${args[i + 1]}`);
  return v;
};
const runs = option('runs', 2000);
const seed = option('seed', Math.floor(Math.random() * 2 ** 30) + 1);
ensureDependencies();
const chromium = ensureChromium();
build();
console.log(`fuzzing ${runs} programs per backend, seed ${seed}`);
run('npx', ['vitest', 'run', '--project', 'node', 'packages/wasm-kernels/test/fuzz.test.ts', 'packages/webgpu-kernels/test/fuzz.test.ts'], {
  env: { CHROMIUM_PATH: chromium, LOOM_FUZZ_RUNS: String(runs), LOOM_FUZZ_SEED: String(seed) },
});
