// Models that learn (an LSTM forecaster beating the last-value baseline, an MLP classifier above
// 95%), reproducibility with seeds, and flat memory over 1,000 training steps.

import * as core from '@loom/core';
import { memory, SeededRandom } from '@loom/core';
import { describe, expect, it } from 'vitest';
import { chronologicalSplit, layers, Normalizer, optimizers, sequential, setSeed, timeseriesDataset } from '../src/index.js';

function noisySeries(n: number, seed: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: n }, (_, t) =>
    Math.sin(0.21 * t) + 0.5 * Math.sin(0.053 * t + 1) + 0.3 * Math.sin(0.9 * t) + 0.08 * r.normal());
}

describe('learning', () => {
  it('an LSTM forecasts a noisy multi-sine one step ahead better than the last value', async () => {
    setSeed(11);
    const raw = core.tensor(noisySeries(900, 3), [900, 1]);
    const split = chronologicalSplit(raw, { train: 0.75, validation: 0.25 });
    const norm = new Normalizer().fit(split.train);
    const train = norm.transform(split.train);
    const val = norm.transform(split.validation);
    const L = 16;
    // Window k covers steps k..k+L-1; its target is step k+L (the next value).
    const windows = (s: core.Tensor) =>
      timeseriesDataset(core.slice(s, 0, s.shape[0] - L), core.slice(s, L, s.shape[0] - L), { sequenceLength: L }).toTensors();
    const tr = windows(train);
    const va = windows(val);
    const m = sequential([layers.lstm({ units: 16, inputShape: [L, 1] }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
    const h = await m.fit(tr.x, tr.y!, { epochs: 12, batchSize: 32, validationData: [va.x, va.y!], seed: 1 });
    const valMse = h.history.val_loss[h.history.val_loss.length - 1];
    // Naive forecast: the last value of each window.
    const last = core.reshape(core.slice(va.x, [0, L - 1, 0], [-1, 1, -1]), [-1, 1]);
    const baseline = (core.mean(core.square(core.sub(last, va.y!))).dataSync() as Float32Array)[0];
    const ratio = (valMse / baseline).toFixed(2);
    const vs = `validation MSE ${valMse.toFixed(4)} vs last-value baseline ${baseline.toFixed(4)}`;
    console.log(`LSTM one-step forecast: ${vs} (ratio ${ratio})`);
    expect(valMse).toBeLessThan(0.6 * baseline);
    expect(h.history.loss[h.history.loss.length - 1]).toBeLessThan(h.history.loss[0]);
    core.dispose([raw, split.train, split.validation, split.test, train, val, tr, va, last]);
    m.dispose();
  }, 120_000);

  it('an MLP classifies three Gaussian blobs above 95%', async () => {
    setSeed(5);
    const r = new SeededRandom(9);
    const n = 360;
    const centers = [[0, 2], [-2, -1], [2, -1]];
    const xs = new Float32Array(n * 2);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      ys[i] = c;
      xs[2 * i] = centers[c][0] + 0.6 * r.normal();
      xs[2 * i + 1] = centers[c][1] + 0.6 * r.normal();
    }
    const x = core.tensor(xs, [n, 2]);
    const y = core.tensor(ys, [n], 'int32');
    const m = sequential([
      layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['sparseCategoricalAccuracy'] });
    m.optimizer!.learningRate = 0.03;
    const h = await m.fit(x, y, { epochs: 25, batchSize: 32, validationSplit: 0.2, seed: 2 });
    const acc = h.history.val_sparseCategoricalAccuracy.at(-1)!;
    const ev = await m.evaluate(x, y);
    console.log(`MLP 3-class: validation accuracy ${acc.toFixed(3)}, all-data accuracy ${ev.sparseCategoricalAccuracy.toFixed(3)}`);
    expect(acc).toBeGreaterThan(0.95);
    expect(ev.sparseCategoricalAccuracy).toBeGreaterThan(0.95);
    core.dispose([x, y]);
    m.dispose();
  });

  it('the same seeds give the same numbers', async () => {
    const run = async () => {
      setSeed(21);
      const r = new SeededRandom(4);
      const x = core.tensor(Float32Array.from({ length: 64 * 3 }, () => r.normal()), [64, 3]);
      const y = core.tensor(Float32Array.from({ length: 64 }, () => r.normal()), [64, 1]);
      const m = sequential([
        layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 1 }),
      ]);
      m.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.01 }), loss: 'mse' });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 16, seed: 8 });
      core.dispose([x, y]);
      m.dispose();
      return h.history.loss;
    };
    expect(await run()).toEqual(await run());
  });
});

describe('memory', () => {
  it('1,000 training steps leave memory() flat', async () => {
    setSeed(3);
    const r = new SeededRandom(1);
    const x = core.tensor(Float32Array.from({ length: 16 * 4 }, () => r.normal()), [16, 4]);
    const y = core.tensor(Float32Array.from({ length: 16 * 2 }, () => r.normal()), [16, 2]);
    const m = sequential([
      layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), layers.batchNormalization(), layers.dropout({ rate: 0.1 }),
      layers.dense({ units: 2 }),
    ]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01, clipNorm: 1 }), loss: 'huber', metrics: ['mae'] });
    for (let i = 0; i < 10; i++) await m.trainOnBatch(x, y);
    const before = memory();
    let last = 0;
    for (let i = 0; i < 990; i++) last = await m.trainOnBatch(x, y);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.backends.js.buffers).toBe(before.backends.js.buffers);
    expect(Number.isFinite(last)).toBe(true);
    await m.fit(x, y, { epochs: 2, batchSize: 4, validationSplit: 0.25 });
    expect(memory().numTensors).toBe(before.numTensors);
    core.dispose([x, y]);
    m.dispose();
  });
});
