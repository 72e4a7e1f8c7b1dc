// In Chromium: models exported with exportOnnx run in onnxruntime-web (its wasm build, served by the
// test server) and agree with Loom; importOnnx of the same bytes predicts what the original did.

import * as core from '@loom/core';
import { SeededRandom } from '@loom/core';
import * as ort from 'onnxruntime-web/wasm';
import { describe, expect, it } from 'vitest';
import { layers, sequential, type Sequential } from '../src/index.js';
import { exportOnnx, importOnnx } from '../src/io/onnx.js';

// NOTE: the test server serves the repository root, so onnxruntime-web's wasm files load from node_modules.
ort.env.wasm.wasmPaths = {
  mjs: new URL('../../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', import.meta.url).href,
  wasm: new URL('../../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', import.meta.url).href,
};
ort.env.wasm.numThreads = 1;

const rng = new SeededRandom(4);

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return w;
}

async function check(m: Sequential): Promise<void> {
  const bytes = await exportOnnx(m);
  const session = await ort.InferenceSession.create(bytes);
  const back = await importOnnx(bytes);
  for (const batch of [1, 7]) {
    const shape = [batch, ...(m.inputShapes![0].slice(1) as number[])];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const x = core.tensor(data, shape);
    const want = m.predict(x);
    const got = back.predict(x) as core.Tensor;
    const out = await session.run({ input: new ort.Tensor('float32', data, shape) });
    expect(worst(want.dataSync(), out.output.data as Float32Array)).toBeLessThan(1e-5);
    expect(worst(want.dataSync(), got.dataSync())).toBeLessThan(1e-6);
    core.dispose([x, want, got]);
  }
  await session.release();
  m.dispose();
  back.dispose();
}

describe('ONNX in the browser', () => {
  it('conv1d + bidirectional lstm, and gru + dense softmax, agree with onnxruntime-web', async () => {
    await check(sequential([layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', inputShape: [8, 2] }),
      layers.bidirectional({ layer: layers.lstm({ units: 4, returnSequences: true }) }), layers.globalAveragePooling1d()], { seed: 1 }));
    await check(sequential([layers.gru({ units: 5, inputShape: [6, 3] }), layers.dense({ units: 3, activation: 'softmax' })], { seed: 2 }));
  });
});
