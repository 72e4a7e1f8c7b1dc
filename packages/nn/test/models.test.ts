// Layers, models, save/load and bad input: output shapes, a GRU (resetAfter true) against a host
// reference, summary(), functional graphs, exact predictions after loading, and clear errors.

import * as core from '@loom/core';
import { memory, SeededRandom, type Tensor } from '@loom/core';
import { describe, expect, it } from 'vitest';
import {
  input, layers, loadModel, model, modelFromJSON, modelToJSON, optimizers, savedModelFromJSON, savedModelToJSON, sequential, setSeed,
  type Model,
} from '../src/index.js';

const rand = (shape: number[], seed: number): Tensor => {
  const r = new SeededRandom(seed);
  return core.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r.uniform() - 1), shape);
};
const arr = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

describe('layers', () => {
  it('output shapes of every layer', () => {
    setSeed(1);
    const m = sequential([
      layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [6] }),
      layers.conv1d({ filters: 5, kernelSize: 3, padding: 'causal', dilationRate: 2 }),
      layers.averagePooling1d({ poolSize: 2, padding: 'same' }),
      layers.bidirectional({ layer: layers.simpleRNN({ units: 3, returnSequences: true }) }),
      layers.timeDistributed({ layer: layers.dense({ units: 2 }) }),
      layers.layerNormalization(),
      layers.gru({ units: 4, returnSequences: true }),
      layers.globalMaxPooling1d(),
      layers.reshape({ targetShape: [2, 2] }),
      layers.flatten(),
      layers.activation({ activation: 'softsign' }),
    ]);
    expect(m.outputShapes).toEqual([[null, 4]]);
    const x = core.tensor([[1, 2, 3, 4, 5, 6], [0, 9, 8, 7, 6, 5]], [2, 6], 'int32');
    const y = m.predict(x) as Tensor;
    expect(y.shape).toEqual([2, 4]);
    const text = m.summary(null);
    expect(text).toContain('bidirectional');
    expect(text).toMatch(/Total params: \d+/);
    expect(text).toContain(`Total params: ${m.countParams()}`);
    core.dispose([x, y]);
    m.dispose();
  });

  it('lstm/gru returnState and goBackwards', () => {
    const l = layers.lstm({ units: 3, returnSequences: true, returnState: true });
    const x = rand([2, 5, 4], 1);
    const [seq, h, c] = l.apply(x) as Tensor[];
    expect([seq.shape, h.shape, c.shape]).toEqual([[2, 5, 3], [2, 3], [2, 3]]);
    expect(arr(core.slice(seq, [0, 4, 0], [-1, 1, -1]))).toEqual(arr(h));
    const g = layers.gru({ units: 2, goBackwards: true, resetAfter: false });
    expect((g.apply(x) as Tensor).shape).toEqual([2, 2]);
    expect(g.weights.map((w) => w.shape)).toEqual([[4, 6], [2, 6], [6]]);
    const g2 = layers.gru({ units: 2 });
    g2.apply(x);
    expect(g2.weights.map((w) => w.shape)).toEqual([[4, 6], [2, 6], [2, 6]]);
    core.dispose([x, seq, h, c]);
  });

  it('gru with resetAfter true matches a host reference (Keras equations)', () => {
    setSeed(4);
    const u = 3;
    const f = 2;
    const T = 4;
    const g = layers.gru({ units: u, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' });
    const x = rand([1, T, f], 2);
    const out = arr(g.apply(x) as Tensor);
    const [W, U, B] = g.weights.map((v) => arr(v.value));
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    let h = new Array(u).fill(0);
    const xv = arr(x);
    for (let t = 0; t < T; t++) {
      const xz = (j: number) => { let s = B[j]; for (let i = 0; i < f; i++) s += xv[t * f + i] * W[i * 3 * u + j]; return s; };
      const hz = (j: number) => { let s = B[3 * u + j]; for (let i = 0; i < u; i++) s += h[i] * U[i * 3 * u + j]; return s; };
      const next = h.map((hp, k) => {
        const z = sig(xz(k) + hz(k));
        const r = sig(xz(u + k) + hz(u + k));
        const hh = Math.tanh(xz(2 * u + k) + r * hz(2 * u + k));
        return z * hp + (1 - z) * hh;
      });
      h = next;
    }
    out.forEach((v, i) => expect(v).toBeCloseTo(h[i], 5));
    x.dispose();
  });

  it('batchNormalization uses batch statistics in training and moving ones at inference', () => {
    const bn = layers.batchNormalization({ momentum: 0.5 });
    const x = core.tensor([[1, 10], [3, 30]]);
    const yt = bn.apply(x, { training: true }) as Tensor;
    const v = arr(yt);
    expect(v[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-3), 4);
    expect(arr(bn.weights[2].value)).toEqual([1, 10]); // moving mean 0.5·0 + 0.5·[2, 20]
    const yi = bn.apply(x) as Tensor;
    expect(arr(yi)[0]).toBeCloseTo((1 - 1) / Math.sqrt(0.5 * 1 + 0.5 * 1 + 1e-3), 4);
    bn.trainable = false;
    const yf = bn.apply(x, { training: true }) as Tensor;
    expect(arr(yf)).toEqual(arr(yi));
    expect(arr(bn.weights[2].value)).toEqual([1, 10]);
    core.dispose([x, yt, yi, yf]);
  });
});

describe('functional models', () => {
  it('two inputs, a branch and a merge train and round-trip through save/load', async () => {
    setSeed(7);
    const a = input({ shape: [5, 2] });
    const b = input({ shape: [3] });
    const seqOut = layers.lstm({ units: 4 }).apply(a);
    const dense = layers.dense({ units: 4, activation: 'relu' }).apply(b);
    const merged = layers.concatenate().apply([seqOut, dense] as never);
    const sum = layers.add().apply([seqOut, dense] as never);
    const out = layers.dense({ units: 1 }).apply(layers.concatenate().apply([merged, sum] as never));
    const m = model({ inputs: [a, b], outputs: out as never });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    const xa = rand([8, 5, 2], 1);
    const xb = rand([8, 3], 2);
    const y = rand([8, 1], 3);
    const h = await m.fit([xa, xb], y, { epochs: 3, batchSize: 4 });
    expect(h.history.loss.length).toBe(3);
    const p1 = m.predict([xa, xb]) as Tensor;
    const { json, weightData } = await modelToJSON(m);
    const m2 = modelFromJSON(json, weightData);
    const p2 = m2.predict([xa, xb]) as Tensor;
    expect(arr(p2)).toEqual(arr(p1));
    core.dispose([xa, xb, y, p1, p2]);
    m.dispose();
    m2.dispose();
  });
});

function richModel(): Model {
  return sequential([
    layers.conv1d({ filters: 4, kernelSize: 2, activation: 'gelu', inputShape: [8, 3] }),
    layers.batchNormalization(),
    layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }), mergeMode: 'ave' }),
    layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'selu' }) }),
    layers.lstm({ units: 3, returnSequences: true, goBackwards: true }),
    layers.maxPooling1d({ poolSize: 2 }),
    layers.globalAveragePooling1d(),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 2, activation: 'softmax' }),
  ]);
}

describe('save / load', () => {
  it('a loaded model predicts exactly what the saved one did', async () => {
    setSeed(9);
    const m = richModel();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = rand([6, 8, 3], 4);
    const y = core.tensor([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]]);
    await m.fit(x, y, { epochs: 2, batchSize: 3 });
    const p1 = m.predict(x) as Tensor;
    const saved = await m.save();
    const m2 = loadModel(saved);
    const p2 = m2.predict(x) as Tensor;
    expect(arr(p2)).toEqual(arr(p1));
    expect(m2.summary(null).split('\n').slice(1)).toEqual(m.summary(null).split('\n').slice(1));
    core.dispose([x, y, p1, p2]);
    m.dispose();
    m2.dispose();
  });

  it('getWeights / setWeights round trip; wrong lists are rejected without changes', () => {
    setSeed(2);
    const m = sequential([layers.dense({ units: 3, inputShape: [2] }), layers.dense({ units: 1 })]);
    const w = m.getWeights();
    expect(w.map((t) => t.shape)).toEqual([[2, 3], [3], [3, 1], [1]]);
    const before = w.map(arr);
    expect(() => m.setWeights(w.slice(0, 3))).toThrow(/has 4 weights/);
    const bad = [w[0], w[1], core.zeros([1, 3]), w[3]];
    expect(() => m.setWeights(bad)).toThrow(/weight 2 .* must be a float32 tensor of shape \[3,1\]/);
    expect(m.getWeights().map(arr)).toEqual(before);
    const z = w.map((t) => core.zerosLike(t));
    m.setWeights(z);
    expect(m.getWeights().map(arr).flat().every((v) => v === 0)).toBe(true);
    core.dispose([w, bad[2], z]);
    m.dispose();
  });

  it('corrupt or truncated saves give clear errors and create nothing', async () => {
    setSeed(3);
    const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const saved = await m.save();
    const before = memory().numTensors;
    expect(() => loadModel({ ...saved, weightData: saved.weightData.slice(0, 10) })).toThrow(/truncated/);
    expect(() => savedModelFromJSON(savedModelToJSON(saved).slice(0, 40), saved.weightData)).toThrow(/does not parse/);
    expect(() => loadModel({ ...saved, format: 'x' as never })).toThrow(/not a saved Loom model/);
    const wrongShape = { ...saved, weightSpecs: [{ ...saved.weightSpecs[0], shape: [2, 3] }, saved.weightSpecs[1]] };
    expect(() => loadModel(wrongShape)).toThrow(/shape \[2,3\] but the layer needs \[3,2\]/);
    const unknown = { ...saved, topology: { className: 'Sequential', config: { layers: [{ className: 'Nope', config: {} }] } } };
    expect(() => loadModel(unknown)).toThrow(/unknown layer class 'Nope'/);
    expect(memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe('bad input', () => {
  const make = () => {
    setSeed(4);
    const m = sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2 })]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    return m;
  };

  it('wrong input shape names what the model expects', () => {
    const m = make();
    const x = rand([4, 5], 1);
    expect(() => m.predict(x)).toThrow(/input 0 has shape \[4,5\] but the model expects \[null,3\]/);
    core.dispose(x);
    m.dispose();
  });

  it('labels that do not match the loss leave the model unchanged', async () => {
    const m = make();
    const before = m.getWeights().map(arr);
    const x = rand([4, 3], 1);
    const y = rand([4, 3], 2);
    await expect(m.fit(x, y)).rejects.toThrow(/meanSquaredError: labels \[4,3\] and predictions \[4,2\]/);
    const sparse = sequential([layers.dense({ units: 3, inputShape: [3] })]);
    sparse.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(sparse.trainOnBatch(x, core.tensor([[0, 1], [1, 0], [2, 2], [0, 0]]))).rejects.toThrow(/class indices of shape \[4\]/);
    await expect(m.trainOnBatch(x, rand([3, 2], 3))).rejects.toThrow(/target 0 has shape \[3,2\], but the inputs have 4 samples/);
    expect(m.getWeights().map(arr)).toEqual(before);
    core.dispose([x, y]);
    m.dispose();
    sparse.dispose();
  });

  it('NaN in the data is reported before training', async () => {
    const m = make();
    const x = core.tensor([[1, 2, 3], [NaN, 0, 0]]);
    const y = core.zeros([2, 2]);
    await expect(m.fit(x, y)).rejects.toThrow(/x contains 1 NaN or infinite value/);
    core.dispose([x, y]);
    m.dispose();
  });

  it('a loss that becomes non-finite stops training and keeps the weights', async () => {
    const m = make();
    const before = m.getWeights().map(arr);
    const x = core.tensor([[1e30, 1e30, 1e30]]);
    const y = core.zeros([1, 2]);
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(/loss became (Infinity|NaN); the weights were left unchanged/);
    expect(m.getWeights().map(arr)).toEqual(before);
    core.dispose([x, y]);
    m.dispose();
  });

  it('training without compile and unknown names give clear errors', async () => {
    const m = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    const x = core.zeros([1, 1]);
    await expect(m.trainOnBatch(x, x)).rejects.toThrow(/not compiled/);
    expect(() => m.compile({ optimizer: 'adamx', loss: 'mse' })).toThrow(/unknown optimizer 'adamx'/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'msee' })).toThrow(/unknown loss 'msee'/);
    expect(() => layers.dense({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => layers.dense({ units: 2, activation: 'relu7' })).toThrow(/unknown activation 'relu7'/);
    core.dispose(x);
    m.dispose();
  });
});

describe('gradients through layers', () => {
  it('gru (resetAfter true), bidirectional lstm, causal conv1d, batchNormalization (training) and layerNormalization', async () => {
    const { checkGrad } = await import('./grad-check.js');
    setSeed(12);
    const cases: [string, { apply: (x: Tensor, o?: { training?: boolean }) => unknown }, number[]][] = [
      ['gru', layers.gru({ units: 3, returnSequences: true }), [2, 3, 2]],
      ['bidirectional', layers.bidirectional({ layer: layers.lstm({ units: 2 }) }), [2, 3, 2]],
      ['conv1d causal', layers.conv1d({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2 }), [1, 5, 2]],
      ['batchNormalization', layers.batchNormalization(), [4, 3]],
      ['layerNormalization', layers.layerNormalization(), [2, 4]],
    ];
    for (const [name, layer, shape] of cases) {
      const training = name === 'batchNormalization';
      const r = checkGrad((x) => layer.apply(x, { training }) as Tensor, [{ shape, lo: -1, hi: 1 }]);
      expect(r.maxAbsErr, name).toBeLessThan(2e-3);
    }
  });

  it('errors during training leak nothing', async () => {
    setSeed(13);
    const m = sequential([layers.lstm({ units: 2, inputShape: [3, 1] }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = rand([4, 3, 1], 1);
    const good = rand([4, 1], 2);
    await m.trainOnBatch(x, good);
    const before = memory().numTensors;
    const bad = rand([4, 2], 3);
    await expect(m.trainOnBatch(x, bad)).rejects.toThrow(/labels \[4,2\] and predictions \[4,1\]/);
    await expect(m.fit(x, bad)).rejects.toThrow(/labels/);
    expect(memory().numTensors).toBe(before + 1);
    core.dispose([x, good, bad]);
    m.dispose();
  });
});

describe('dropout in recurrent layers', () => {
  it('dropout / recurrentDropout act only in training, are seeded, and train', async () => {
    setSeed(14);
    const mk = () => layers.lstm({ units: 4, dropout: 0.3, recurrentDropout: 0.3, seed: 5 });
    const l1 = mk();
    const x = rand([3, 5, 2], 1);
    const inf1 = arr(l1.apply(x) as Tensor);
    const inf2 = arr(l1.apply(x) as Tensor);
    expect(inf2).toEqual(inf1);
    const tr1 = arr(l1.apply(x, { training: true }) as Tensor);
    expect(tr1).not.toEqual(inf1);
    setSeed(14);
    const l2 = mk();
    expect(arr(l2.apply(x) as Tensor)).toEqual(inf1);
    expect(arr(l2.apply(x, { training: true }) as Tensor)).toEqual(tr1);
    const m = sequential([layers.gru({ units: 3, dropout: 0.2, recurrentDropout: 0.2, inputShape: [5, 2] }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'mse' });
    const y = rand([3, 1], 2);
    const first = await m.trainOnBatch(x, y);
    let last = first;
    for (let i = 0; i < 30; i++) last = await m.trainOnBatch(x, y);
    expect(last).toBeLessThan(first);
    core.dispose([x, y]);
    m.dispose();
  });
});

describe('encoder–decoder with initial states', () => {
  it('an lstm decoder starts from the encoder state; gradients reach the encoder; save/load keeps it', async () => {
    setSeed(15);
    const src = input({ shape: [5, 2] });
    const tgt = input({ shape: [3, 1] });
    const encoder = layers.lstm({ units: 4, returnState: true });
    const decoder = layers.lstm({ units: 4, returnSequences: true });
    const [, h, c] = encoder.apply(src) as never as SymbolicTensorList;
    const dec = decoder.apply([tgt, h, c] as never);
    const out = layers.timeDistributed({ layer: layers.dense({ units: 1 }) }).apply(dec as never);
    const m = model({ inputs: [src, tgt], outputs: out as never });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
    const xs = rand([4, 5, 2], 1);
    const xt = rand([4, 3, 1], 2);
    const y = rand([4, 3, 1], 3);
    const encKernel = () => arr(encoder.weights[0].value);
    const before = encKernel();
    const first = await m.trainOnBatch([xs, xt], y);
    expect(encKernel()).not.toEqual(before);
    let last = first;
    for (let i = 0; i < 20; i++) last = await m.trainOnBatch([xs, xt], y);
    expect(last).toBeLessThan(first);
    // The decoder output depends on the source sequence only through the states.
    const p1 = arr(m.predict([xs, xt]) as Tensor);
    const xs2 = core.mul(xs, -1);
    expect(arr(m.predict([xs2, xt]) as Tensor)).not.toEqual(p1);
    const m2 = loadModel(await m.save());
    expect(arr(m2.predict([xs, xt]) as Tensor)).toEqual(p1);
    const bad = rand([4, 4], 9);
    expect(() => decoder.apply([xt, bad])).toThrow(/expects x or \[x, h, c\]/);
    bad.dispose();
    core.dispose([xs, xt, y, xs2]);
    m.dispose();
    m2.dispose();
  });
});

type SymbolicTensorList = ReturnType<typeof input>[];

describe('names and seeds are per model', () => {
  const mlp = (seed?: number) => sequential([
    layers.dense({ units: 3, activation: 'relu', inputShape: [2] }), layers.dropout({ rate: 0.5 }), layers.dense({ units: 1 }),
  ], { seed });
  const names = (m: Model) => m.weights.map((v) => v.name);
  const values = (m: Model) => m.weights.map((v) => arr(v.value));

  it('a model built after others gets the same weight names and values as an identical one built first', () => {
    setSeed(21);
    const a = mlp();
    const b = sequential([layers.lstm({ units: 2, inputShape: [3, 2] }), layers.dense({ units: 4 }), layers.dense({ units: 2 })]);
    const standalone = layers.dense({ units: 5 });
    const x = rand([2, 3], 1);
    (standalone.apply(x) as Tensor).dispose();
    const again = mlp();
    expect(names(a)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    expect(names(b)).toEqual(['lstm/kernel', 'lstm/recurrentKernel', 'lstm/bias', ...names(a)]);
    expect(standalone.weights.map((v) => v.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(names(again)).toEqual(names(a));
    expect(values(again)).toEqual(values(a));
    // An explicit seed overrides setSeed's, and the same seed gives the same weights in any order.
    const s1 = mlp(5);
    setSeed(99);
    const s2 = mlp(5);
    expect(values(s2)).toEqual(values(s1));
    expect(values(s1)).not.toEqual(values(a));
    x.dispose();
    for (const m of [a, b, again, s1, s2]) m.dispose();
    standalone.dispose();
  });

  it('given names are kept and auto names avoid them; functional graphs are named in graph order', async () => {
    setSeed(22);
    const m = sequential([
      layers.dense({ units: 2, inputShape: [3] }), layers.dense({ units: 2, name: 'dense' }), layers.dense({ units: 1 }),
    ]);
    expect(m.layers.map((l) => l.name)).toEqual(['dense_1', 'dense', 'dense_2']);
    const build = () => {
      const a = input({ shape: [4] });
      const b = input({ shape: [4] });
      const h = layers.dense({ units: 4 }).apply(a);
      const out = layers.dense({ units: 1 }).apply(layers.add().apply([h, b] as never) as never);
      return model({ inputs: [a, b], outputs: out as never });
    };
    const f1 = build();
    const f2 = build();
    expect(f1.layers.map((l) => l.name)).toEqual(['input', 'dense', 'input_1', 'add', 'dense_1']);
    expect(names(f2)).toEqual(names(f1));
    expect(values(f2)).toEqual(values(f1));
    // Loading keeps the saved names, so a save round-trips to the same weight names.
    const saved = await f1.save();
    const loaded = loadModel(saved);
    expect(names(loaded)).toEqual(saved.weightSpecs.map((s) => s.name));
    expect(names(loaded)).toEqual(names(f1));
    for (const x of [m, f1, f2, loaded]) x.dispose();
  });
});

describe('files (Node)', () => {
  it('saveModelToFiles / loadModelFromFiles', async () => {
    const { mkdtemp, rm, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { saveModelToFiles, loadModelFromFiles } = await import('../src/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'loom-nn-'));
    try {
      setSeed(16);
      const m = sequential([layers.simpleRNN({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 2, activation: 'sigmoid' })]);
      const base = join(dir, 'rnn');
      await saveModelToFiles(m, base);
      expect((await stat(`${base}.weights.bin`)).size).toBe(m.countParams() * 4);
      const m2 = await loadModelFromFiles(base);
      const x = rand([2, 4, 2], 1);
      expect(arr(m2.predict(x) as Tensor)).toEqual(arr(m.predict(x) as Tensor));
      core.dispose(x);
      m.dispose();
      m2.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
