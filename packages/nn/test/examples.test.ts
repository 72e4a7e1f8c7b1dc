// The runnable examples in examples/ run on tiny settings and show what they claim: the forecaster
// beats the naive forecast, the fault classifier catches faults, a saved model predicts the same after
// loading, and streaming one sample at a time equals the whole-sequence run.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exec = promisify(execFile);

async function result(script: string): Promise<Record<string, number>> {
  if (!existsSync(join(root, 'packages', 'nn', 'dist', 'index.js'))) {
    throw new Error('the built packages are missing: run `npm run build` (npm test does) first');
  }
  let out: string;
  try {
    ({ stdout: out } = await exec(process.execPath, [join(root, 'examples', script)], {
      cwd: root, env: { ...process.env, LOOM_EXAMPLE_TINY: '1', LOOM_VERBOSE: '0' }, maxBuffer: 16 << 20,
    }));
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`examples/${script} failed:\n${err.stderr || err.message}\n${err.stdout ?? ''}`);
  }
  expect(out).toMatch(/^backend: wasm$/m);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`examples/${script} printed no RESULT line:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, number>;
}

describe('examples/', () => {
  it('forecasting.mjs: the LSTM beats the last-value forecast on validation data', async () => {
    const r = await result('forecasting.mjs');
    expect(r.valMse).toBeLessThan(r.naive);
  }, 120_000);

  it('classification.mjs: with class weights most faults are caught, and accuracy beats chance', async () => {
    const r = await result('classification.mjs');
    expect(r.recall).toBeGreaterThan(0.5);
    expect(r.accuracy).toBeGreaterThan(0.6);
  }, 120_000);

  it('save-load.mjs: the loaded model predicts exactly what the saved one did', async () => {
    const r = await result('save-load.mjs');
    expect(r.n).toBe(64);
    expect(r.maxDiff).toBeLessThan(1e-6);
  }, 120_000);

  it('model-interop.mjs: ONNX Runtime, and the .keras, model.json and .onnx files read back, predict what the model does', async () => {
    const r = await result('model-interop.mjs');
    expect(r.onnxRuntime).toBeLessThan(1e-5);
    for (const f of ['keras', 'tfjs', 'onnx']) expect(r[f]).toBeLessThan(1e-6);
  }, 120_000);

  it('streaming-inference.mjs: one sample per call equals the whole sequence', async () => {
    const r = await result('streaming-inference.mjs');
    expect(r.steps).toBe(20);
    expect(r.maxDiff).toBeLessThan(1e-5);
  }, 120_000);
});
