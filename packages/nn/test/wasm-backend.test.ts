// The same parity checks, a gradient comparison with the js reference, and flat memory over
// training steps, with @loom/wasm-kernels as the active backend.

import * as core from '@loom/core';
import { memory, SeededRandom } from '@loom/core';
import { wasm } from '@loom/wasm-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grads, layers, optimizers, sequential, setSeed } from '../src/index.js';
import { defineParitySuite } from './parity-suite.js';

const useWasm = async (): Promise<void> => {
  if (!core.findBackend('wasm')) core.registerBackend(await wasm(), 5);
  await core.setBackend('wasm');
};

defineParitySuite('wasm', useWasm);

describe('wasm backend: gradients and memory', () => {
  beforeAll(useWasm);
  afterAll(() => core.setBackend('js'));

  it('conv, pooling, matmul, softmax and gather gradients match the js reference', async () => {
    const r = new SeededRandom(3);
    const mk = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r.uniform() - 1);
    const x = mk([2, 9, 3]);
    const f = mk([3, 3, 4]);
    const w = mk([4, 5]);
    const fn = (a: core.Tensor, b: core.Tensor, c: core.Tensor) => {
      const h = core.maxPool1d(core.conv1d(a, b, { stride: 2, padding: 'same', dilation: 1 }), { poolSize: 2, strides: 1 });
      const s = core.softmax(core.matmul(core.tanh(h), c), -1);
      return core.gather(s, [1, 0, 1], 1);
    };
    const run = async (name: string) => {
      await (name === 'wasm' ? useWasm() : core.setBackend('js'));
      const ins = [core.tensor(x, [2, 9, 3]), core.tensor(f, [3, 3, 4]), core.tensor(w, [4, 5])];
      const gs = grads(fn)(ins);
      const out = gs.map((g) => Array.from(g.dataSync() as Float32Array));
      core.dispose([ins, gs]);
      return out;
    };
    const ref = await run('js');
    const got = await run('wasm');
    let worst = 0;
    ref.forEach((g, i) => g.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - got[i][j]) / Math.max(Math.abs(v), 1e-3)); }));
    console.log(`[wasm] gradient agreement with js: worst relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  });

  it('500 LSTM training steps leave memory() flat', async () => {
    await useWasm();
    setSeed(3);
    const r = new SeededRandom(1);
    const x = core.tensor(Float32Array.from({ length: 8 * 5 * 2 }, () => r.normal()), [8, 5, 2]);
    const y = core.tensor(Float32Array.from({ length: 8 }, () => r.normal()), [8, 1]);
    const m = sequential([layers.lstm({ units: 4, inputShape: [5, 2] }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    for (let i = 0; i < 5; i++) await m.trainOnBatch(x, y);
    const before = memory();
    for (let i = 0; i < 495; i++) await m.trainOnBatch(x, y);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.backends.wasm.buffers).toBe(before.backends.wasm.buffers);
    core.dispose([x, y]);
    m.dispose();
  });
});
