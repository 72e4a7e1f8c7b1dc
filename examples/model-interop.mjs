// Models in and out: train a GRU forecaster in Loom, hand it to ONNX Runtime (as a server would run
// it), to Keras 3 (a .keras file) and to TensorFlow.js (model.json), read each back, and compare.
import * as loom from '@loom/core';
import { exportModel, exportModelToFiles, importModel, layers, sequential } from '@loom/nn';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tiny, useWasm } from './shared.mjs';

await useWasm();
const x = loom.randomNormal([64, 12, 3], { seed: 5 });
const y = loom.mean(x, [1]).sum(1, true);
// resetAfter: false is the GRU form every target has (TF.js lacks Keras's default, reset_after=True).
const model = sequential([layers.gru({ units: 8, resetAfter: false, inputShape: [12, 3] }), layers.dense({ units: 1 })], { seed: 3 });
model.compile({ optimizer: 'adam', loss: 'mse' });
await model.fit(x, y, { epochs: tiny ? 2 : 20, verbose: 0 });
const want = await model.predict(x).data();
const diff = (got) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);

// ONNX Runtime, with the batch dimension left open.
const session = await ort.InferenceSession.create(await exportModel(model, { format: 'onnx' }));
const { output } = await session.run({ input: new ort.Tensor('float32', await x.data(), x.shape) });
const onnxRuntime = diff(output.data);

// Files on disk, read back by Loom (Keras 3 would open forecaster.keras with keras.saving.load_model).
const dir = mkdtempSync(join(tmpdir(), 'loom-interop-'));
const results = { onnxRuntime };
for (const [format, file] of [['keras', 'forecaster.keras'], ['tfjs', 'model.json'], ['onnx', 'forecaster.onnx']]) {
  await exportModelToFiles(model, join(dir, file), { format });
  const back = await importModel(join(dir, file));
  results[format] = diff(await back.predict(x).data());
  back.dispose();
}
rmSync(dir, { recursive: true, force: true });
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(12)} largest prediction difference ${v.toExponential(2)}`);
console.log('RESULT ' + JSON.stringify({ ...results, compiled: model.lossName }));
