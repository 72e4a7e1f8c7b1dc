// fit's inputs and weighting, as a Keras user expects them: 'accuracy' resolved from the loss and
// shapes, plain arrays, batch sources and (async) iterators of batches, classWeight and sampleWeight
// by the formula mean(loss_i · w_i), and fit's default verbosity.

import * as core from '@loom/core';
import { memory } from '@loom/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { metrics as tfMetrics } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { batchDataset, constraints, layers, losses, regularizers, sequential, timeseriesDataset, type Batch } from '../src/index.js';
import { resolveVerbose } from '../src/models/fit.js';

const host = async (t: core.Tensor): Promise<number[]> => Array.from((await t.data()) as Float32Array);

/** A seeded 3-class problem: 4 features, labels from the sign pattern of two of them. */
function classes(n: number): { x: number[][]; labels: number[] } {
  const r = new core.SeededRandom(5);
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => r.normal()));
  const labels = x.map((v) => (v[0] > 0.3 ? 2 : v[1] > 0 ? 1 : 0));
  return { x, labels };
}

const classifier = (seed = 3) => sequential([
  layers.dense({ units: 8, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' }),
], { seed });

describe("metrics: ['accuracy'] resolves as Keras", () => {
  it('sparse labels with sparse categorical crossentropy: argmax accuracy, logged as accuracy / val_accuracy', async () => {
    const { x, labels } = classes(64);
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, labels.map((l) => [l]), { epochs: 1, batchSize: 64, shuffle: false, validationData: [x, labels.map((l) => [l])] });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    // Oracle: argmax of the model's predictions after training (the validation pass runs on the trained weights).
    const p = await host(m.predict(x));
    const hits = labels.filter((l, i) => { const row = p.slice(3 * i, 3 * i + 3); return row.indexOf(Math.max(...row)) === l; }).length;
    expect(h.history.val_accuracy[0]).toBeCloseTo(hits / 64, 6);
    m.dispose();
  });

  it('one-hot labels with categorical crossentropy: categorical accuracy, and matches tfjs categoricalAccuracy', async () => {
    const { x, labels } = classes(40);
    const oneHot = labels.map((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)));
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const logs = await m.evaluate(x, oneHot);
    const pred = await host(m.predict(x));
    const tfAcc = tf.mean(tfMetrics.categoricalAccuracy(tf.tensor2d(oneHot), tf.tensor2d(pred, [40, 3]))).dataSync()[0];
    expect(Object.keys(logs).sort()).toEqual(['acc', 'loss']);
    expect(logs.acc).toBeCloseTo(tfAcc, 6);
    m.dispose();
  });

  it('one sigmoid output: binary accuracy at 0.5', async () => {
    const x = [[0.1], [0.9], [-2], [3]];
    const y = [[0], [1], [1], [1]];
    const m = sequential([layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'ones' })]);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    // sigmoid(x) > 0.5 exactly when x > 0 (the bias starts at zero): predictions 1, 1, 0, 1 against 0, 1, 1, 1.
    expect((await m.evaluate(x, y)).accuracy).toBe(0.5);
    m.dispose();
  });
});

describe('fit inputs', () => {
  const { x, labels } = classes(48);
  const y = labels.map((l) => [l]);
  const losses_ = async (fitWith: (m: ReturnType<typeof classifier>) => Promise<{ history: Record<string, number[]> }>) => {
    const m = classifier(7);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const h = await fitWith(m);
    m.dispose();
    return h.history.loss;
  };

  it('plain arrays, a batch source, an iterable and an async generator of batches train exactly like tensors', async () => {
    const xt = core.tensor(x);
    const yt = core.tensor(y);
    const before = memory().numTensors;
    const fromTensors = await losses_((m) => m.fit(xt, yt, { epochs: 2, batchSize: 16, shuffle: false }));
    const fromArrays = await losses_((m) => m.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false }));
    const batchesOf = (): Batch[] => [0, 16, 32].map((s) => ({ x: core.slice(xt, s, 16), y: core.slice(yt, s, 16) }));
    const fromSource = await losses_((m) => m.fit({ batches: () => batchesOf() }, { epochs: 2 }));
    async function* stream(): AsyncGenerator<Batch> {
      for (let e = 0; e < 2; e++) for (const b of batchesOf()) yield b;
    }
    const fromGenerator = await losses_((m) => m.fitDataset(stream(), { epochs: 2, batchesPerEpoch: 3 }));
    const ds = batchDataset(xt, yt, { batchSize: 16 });
    const fromBatchDataset = await losses_((m) => m.fit(ds, { epochs: 2 }));
    expect(fromArrays).toEqual(fromTensors);
    expect(fromSource).toEqual(fromTensors);
    expect(fromGenerator).toEqual(fromTensors);
    expect(fromBatchDataset).toEqual(fromTensors);
    ds.dispose();
    // Models are disposed in losses_; the batches the loop consumed were freed by it.
    expect(memory().numTensors).toBe(before);
    core.dispose([xt, yt]);
  });

  it('a timeseriesDataset trains directly, and validationData may be batches', async () => {
    const series = Float32Array.from({ length: 80 }, (_, t) => Math.sin(0.3 * t));
    const ds = timeseriesDataset(series.subarray(0, 72), series.subarray(8), { sequenceLength: 8, batchSize: 16 });
    const m = sequential([layers.simpleRNN({ units: 4, inputShape: [8, 1] }), layers.dense({ units: 1 })], { seed: 2 });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const all = ds.toTensors();
    const x3 = core.reshape(all.x, [-1, 8, 1]);
    const reshaped = { batches: () => [...ds.batches()].map((b) => ({ x: core.reshape(b.x, [-1, 8, 1]), y: core.reshape(b.y!, [-1, 1]) })) };
    const h = await m.fit(reshaped, { epochs: 2, validationData: reshaped });
    expect(h.history.loss).toHaveLength(2);
    // The validation loss over batches equals evaluate on the whole set (batch-size-weighted mean).
    const y2 = core.reshape(all.y!, [-1, 1]);
    const whole = await m.evaluate(x3, y2);
    expect(h.history.val_loss[1]).toBeCloseTo(whole.loss, 5);
    core.dispose([all.x, all.y!, x3, y2]);
    m.dispose();
  });

  it('a one-shot iterator that runs out stops training with a warning, not an error', async () => {
    const xt = core.tensor(x);
    const yt = core.tensor(y);
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const once = [{ x: core.slice(xt, 0, 16), y: core.slice(yt, 0, 16) }][Symbol.iterator]();
    const h = await m.fitDataset(once, { epochs: 3 });
    expect(h.epoch).toEqual([0]);
    core.dispose([xt, yt]);
    m.dispose();
  });

  it('bad batches and options are clear errors', async () => {
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit([{ x: core.zeros([2, 5]), y: core.zeros([2, 1]) }], { epochs: 1 }))
      .rejects.toThrow(/fitDataset \(batch 1\): input 0 has shape \[2,5\] but the model expects \[null,4\]/);
    await expect(m.fit([{ x: core.zeros([2, 4]) } as unknown as Batch])).rejects.toThrow(/batch 1 must be an object \{ x, y, sampleWeight\? \}/);
    await expect(m.fit([{ x: core.zeros([2, 4]), y: core.tensor([[0], [7]]) }])).rejects.toThrow(/class indices/);
    await expect(m.fit(x, y, { classWeight: { a: 1 } as never })).rejects.toThrow(/classWeight key 'a' is not a class index/);
    await expect(m.fit(x, y, { classWeight: { 1: -2 } })).rejects.toThrow(/classWeight\[1\] must be a finite number >= 0/);
    await expect(m.fit(x, y, { sampleWeight: core.ones([3]) })).rejects.toThrow(/sampleWeight must have shape \[48\]/);
    await expect(m.fit(x, y, { verbose: 3 as never })).rejects.toThrow(/verbose must be 0, 1, 2 or 'auto'/);
    await expect(m.fit([[1, 2], [3]], y)).rejects.toThrow(/fit: x as a plain array could not become a tensor/);
    m.dispose();
  });
});

describe('classWeight and sampleWeight', () => {
  it('weight each sample\'s loss and average over the batch: mean(loss_i · w_i)', async () => {
    const x = [[0.5, -1, 2, 0], [1, 1, 1, 1], [-1, 0, 0.5, 2], [0, 0, 0, 1]];
    const labels = [0, 2, 1, 2];
    const m = classifier();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const pred = m.predict(x);
    const perSample = await host(losses.sparseCategoricalCrossentropy(core.tensor(labels.map((l) => [l])), pred, { reduction: 'none' }));
    const cw: Record<number, number> = { 0: 1, 1: 4, 2: 0.5 };
    const sw = [1, 2, 3, 0.25];
    const expected = perSample.reduce((a, l, i) => a + l * cw[labels[i]] * sw[i], 0) / 4;
    // fit reports the loss of the batch before the update; one batch, so the epoch loss is that value.
    const h = await m.fit(x, labels.map((l) => [l]), { epochs: 1, batchSize: 4, classWeight: cw, sampleWeight: core.tensor(sw) });
    expect(h.history.loss[0]).toBeCloseTo(expected, 5);
    m.dispose();
  });

  it('one-hot and binary labels pick their class weight; evaluate takes sampleWeight', async () => {
    const m = sequential([layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1] })], { seed: 4 });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const x = [[0.3], [-1], [2]];
    const y = [[1], [0], [1]];
    const per = await host(losses.binaryCrossentropy(core.tensor(y), m.predict(x) , { reduction: 'none' }));
    const h = await m.fit(x, y, { epochs: 1, batchSize: 3, classWeight: { 1: 3 } });
    expect(h.history.loss[0]).toBeCloseTo((3 * per[0] + per[1] + 3 * per[2]) / 3, 5);
    const after = await host(losses.binaryCrossentropy(core.tensor(y), m.predict(x), { reduction: 'none' }));
    const ev = await m.evaluate(x, y, { sampleWeight: core.tensor([0, 1, 2]) });
    expect(ev.loss).toBeCloseTo((after[1] + 2 * after[2]) / 3, 5);
    m.dispose();

    const c = classifier();
    c.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const oneHot = [[0, 0, 1], [1, 0, 0]];
    const xs = [[1, 2, 3, 4], [0, 1, 0, 1]];
    const perC = await host(losses.categoricalCrossentropy(core.tensor(oneHot), c.predict(xs), { reduction: 'none' }));
    const hc = await c.fit(xs, oneHot, { epochs: 1, batchSize: 2, classWeight: { 2: 5 } });
    expect(hc.history.loss[0]).toBeCloseTo((5 * perC[0] + perC[1]) / 2, 5);
    c.dispose();
  });
});

describe('verbose', () => {
  it("'auto' is LOOM_VERBOSE in Node, else 1; explicit levels win", () => {
    const saved = process.env.LOOM_VERBOSE;
    try {
      delete process.env.LOOM_VERBOSE;
      expect(resolveVerbose(undefined)).toBe(1);
      process.env.LOOM_VERBOSE = '2';
      expect(resolveVerbose('auto')).toBe(2);
      expect(resolveVerbose(0)).toBe(0);
    } finally {
      process.env.LOOM_VERBOSE = saved;
    }
  });
});

describe('regularizers and constraints in training', () => {
  it('the reported loss is the data loss plus the penalty, and constraints hold after every step', async () => {
    const m = sequential([layers.dense({
      units: 2, inputShape: [3], kernelRegularizer: regularizers.l2(0.1), kernelConstraint: constraints.nonNeg(),
    })], { seed: 9 });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = [[1, -2, 0.5], [0, 1, 1]];
    const y = [[1, 0], [0, 1]];
    const kernel = await host(m.layers[0].weights[0].value);
    const data = await host(losses.meanSquaredError(core.tensor(y), m.predict(x)));
    const penalty = 0.1 * kernel.reduce((a, w) => a + w * w, 0);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 2 });
    expect(h.history.loss[0]).toBeCloseTo(data[0] + penalty, 5);
    expect(Math.min(...(await host(m.layers[0].weights[0].value)))).toBeGreaterThanOrEqual(0);
    m.dispose();
  });
});
