// Parity suite with TensorFlow.js (tfjs-layers on the cpu backend): with identical weights, forward
// outputs and the losses of 20 SGD steps agree to relative 1e-4 for MLP, Conv1D, LSTM and GRU models.
// NOTE: TF.js's orthogonal initializer fails in this setup (rMat.flatten), and its initial weights are
// overwritten anyway, so the TF.js recurrent layers use glorotUniform to construct.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as core from '@loom/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, optimizers, sequential, setSeed, type Model } from '../src/index.js';


function rand(n: number, seed: number, scale = 1): Float32Array {
  const r = new core.SeededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * r.uniform() - 1) * scale);
}

/** The worst relative difference |a − b| / max(|b|, 1e-3). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return worst;
}

interface ParityCase {
  name: string;
  loom: () => Model;
  tfjs: () => tfl.Sequential;
  xShape: number[];
  yShape: number[];
  lr: number;
}

const cases: ParityCase[] = [
  {
    name: 'MLP 4-16-8-3 (relu, tanh)',
    loom: () => sequential([
      layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), layers.dense({ units: 8, activation: 'tanh' }),
      layers.dense({ units: 3 })]),
    tfjs: () => tfl.sequential({ layers: [
      tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 8, activation: 'tanh' }),
      tfl.layers.dense({ units: 3 })] }),
    xShape: [16, 4], yShape: [16, 3], lr: 0.05,
  },
  {
    name: 'Conv1D(6, k3, same) → MaxPool1D → Conv1D(4, k2, stride 2) → Flatten → Dense',
    loom: () => sequential([
      layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 2] }),
      layers.maxPooling1d({ poolSize: 2 }), layers.conv1d({ filters: 4, kernelSize: 2, strides: 2 }), layers.flatten(),
      layers.dense({ units: 1 })]),
    tfjs: () => tfl.sequential({ layers: [
      tfl.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 2] }),
      tfl.layers.maxPooling1d({ poolSize: 2 }), tfl.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2 }), tfl.layers.flatten(),
      tfl.layers.dense({ units: 1 })] }),
    xShape: [8, 12, 2], yShape: [8, 1], lr: 0.05,
  },
  {
    name: 'LSTM(6) → Dense(1)',
    loom: () => sequential([layers.lstm({ units: 6, recurrentActivation: 'sigmoid', inputShape: [7, 3] }), layers.dense({ units: 1 })]),
    tfjs: () => tfl.sequential({ layers: [
      tfl.layers.lstm({ units: 6, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', inputShape: [7, 3] }),
      tfl.layers.dense({ units: 1 })] }),
    xShape: [8, 7, 3], yShape: [8, 1], lr: 0.1,
  },
  {
    name: 'GRU(5, resetAfter false, returnSequences) → GRU(3) → Dense(2)',
    loom: () => sequential([
      layers.gru({ units: 5, recurrentActivation: 'sigmoid', resetAfter: false, returnSequences: true, inputShape: [6, 2] }),
      layers.gru({ units: 3, recurrentActivation: 'sigmoid', resetAfter: false }), layers.dense({ units: 2 })]),
    tfjs: () => tfl.sequential({ layers: [
      tfl.layers.gru({
        units: 5, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', returnSequences: true, inputShape: [6, 2],
      }),
      tfl.layers.gru({ units: 3, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: 2 })] }),
    xShape: [8, 6, 2], yShape: [8, 2], lr: 0.1,
  },
];

/** Registers the parity tests; `setup` selects the Loom backend under test. */
export function defineParitySuite(backend: string, setup: () => Promise<void>, only?: (name: string) => boolean): void {
describe(`parity with TensorFlow.js (cpu backend), Loom on ${backend}`, () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await setup();
  });
  for (const c of cases.filter((k) => !only || only(k.name))) {
    it(c.name, async () => {
      setSeed(42);
      const m = c.loom();
      const t = c.tfjs();
      const weights = m.getWeights();
      const weightValues = await Promise.all(weights.map((w) => w.data() as Promise<Float32Array>));
      expect(weights.map((w) => w.shape)).toEqual(t.getWeights().map((w) => w.shape));
      t.setWeights(weights.map((w, i) => tf.tensor(weightValues[i], [...w.shape])));
      const xs = rand(c.xShape.reduce((a, b) => a * b), 7);
      const ys = rand(c.yShape.reduce((a, b) => a * b), 8);
      const x = core.tensor(xs, c.xShape);
      const y = core.tensor(ys, c.yShape);
      const tx = tf.tensor(xs, c.xShape);
      const ty = tf.tensor(ys, c.yShape);
      const out = m.predict(x) as core.Tensor;
      const tout = t.predict(tx) as tf.Tensor;
      const fwdErr = relErr((await out.data()) as Float32Array, tout.dataSync() as Float32Array);
      expect(fwdErr).toBeLessThan(1e-4);
      m.compile({ optimizer: optimizers.sgd({ learningRate: c.lr }), loss: 'meanSquaredError' });
      t.compile({ optimizer: tf.train.sgd(c.lr), loss: 'meanSquaredError' });
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < 20; i++) {
        ours.push(await m.trainOnBatch(x, y));
        theirs.push((await t.trainOnBatch(tx, ty)) as number);
      }
      const err = relErr(ours, theirs);
      const lossPath = `loss ${theirs[0].toFixed(4)} -> ${theirs[19].toFixed(4)}`;
      console.log(`[${backend}] ${c.name}: forward ${fwdErr.toExponential(2)}, 20 SGD step losses ${err.toExponential(2)} (${lossPath})`);
      expect(err).toBeLessThan(1e-4);
      expect(theirs[19]).toBeLessThan(theirs[0]);
      core.dispose([weights, x, y, out]);
      tf.dispose([tx, ty, tout]);
      m.dispose();
      t.dispose();
    });
  }
});
}
