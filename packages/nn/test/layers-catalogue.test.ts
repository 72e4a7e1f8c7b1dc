// The catalogue layers: repeatVector, the elementwise merges, conv2d and the 2-D pooling layers,
// multiHeadAttention and normalization — each against a plain JS loop oracle, their shapes (null
// batch), gradients, save → load, bad arguments, and a run on the wasm backend.

import * as core from '@loom/core';
import { memory, SeededRandom, type Tensor } from '@loom/core';
import { wasm } from '@loom/wasm-kernels';
import { describe, expect, it } from 'vitest';
import { input, layers, loadModel, model, optimizers, sequential, setSeed, type Layer, type SymbolicTensor } from '../src/index.js';
import { checkGrad } from './grad-check.js';

const rand = (shape: number[], seed: number): Tensor => {
  const r = new SeededRandom(seed);
  return core.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r.uniform() - 1), shape);
};
const vals = async (t: Tensor): Promise<number[]> => Array.from(await t.data() as Float32Array);
const closeTo = (got: number[], want: number[], tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
};
/** Row-major index of coordinates in a shape. */
const at = (shape: number[], ...c: number[]): number => c.reduce((a, ci, i) => a * shape[i] + ci, 0);

describe('repeatVector and merges', () => {
  it('repeatVector repeats each sample n times; shapes keep a null batch', async () => {
    const x = rand([2, 3], 1);
    const rv = layers.repeatVector({ n: 4 });
    const y = rv.apply(x) as Tensor;
    expect(y.shape).toEqual([2, 4, 3]);
    const xv = await vals(x);
    const want = [];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) for (let d = 0; d < 3; d++) want.push(xv[b * 3 + d]);
    closeTo(await vals(y), want, 0);
    expect(rv.computeOutputShape([null, 3])).toEqual([null, 4, 3]);
    expect(() => layers.repeatVector({ n: 0 })).toThrow(/repeatVector: n must be a positive integer, got 0/);
    expect(() => rv.apply(rand([2, 3, 1], 2))).toThrow(/expected input \[batch, features\]/);
  });

  it('multiply, subtract, average, maximum, minimum against elementwise oracles', async () => {
    const xs = [rand([2, 3], 3), rand([2, 3], 4), rand([2, 3], 5)];
    const v = await Promise.all(xs.map(vals));
    const oracle: [Layer, (a: number[]) => number][] = [
      [layers.multiply(), (a) => a.reduce((p, q) => p * q)],
      [layers.average(), (a) => a.reduce((p, q) => p + q) / a.length],
      [layers.maximum(), (a) => Math.max(...a)],
      [layers.minimum(), (a) => Math.min(...a)],
    ];
    for (const [layer, f] of oracle) {
      const y = layer.apply(xs) as Tensor;
      closeTo(await vals(y), v[0].map((_, i) => f(v.map((r) => r[i]))));
      expect(layer.computeOutputShape([[null, 3], [2, 3], [null, 3]])).toEqual([2, 3]);
    }
    const sub = layers.subtract();
    closeTo(await vals(sub.apply(xs.slice(0, 2)) as Tensor), v[0].map((a, i) => a - v[1][i]));
    expect(() => layers.subtract().apply(xs)).toThrow(/subtract takes exactly 2 inputs, got 3/);
    expect(() => layers.multiply().apply([xs[0], rand([2, 4], 6)])).toThrow(/multiply: input shapes \[null,3\] and \[null,4\] \(input 1\) differ; multiply needs inputs of one shape/);
    expect(() => layers.maximum().apply([xs[0]])).toThrow(/at least 2 inputs/);
    expect(() => layers.average({ axis: 1 } as never)).toThrow(/average: unknown option 'axis'/);
  });
});

/** Channels-last conv2d with explicit top/left padding, a loop oracle. */
function conv2dOracle(x: number[], xs: number[], k: number[], ks: number[], bias: number[], stride: number[], dil: number[],
  pad: number[], out: number[]): number[] {
  const [b, h, w, c] = xs;
  const [kh, kw, , f] = ks;
  const y: number[] = [];
  for (let n = 0; n < b; n++) for (let i = 0; i < out[0]; i++) for (let j = 0; j < out[1]; j++) for (let o = 0; o < f; o++) {
    let s = bias[o];
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      const r = i * stride[0] + p * dil[0] - pad[0];
      const cc = j * stride[1] + q * dil[1] - pad[1];
      if (r < 0 || r >= h || cc < 0 || cc >= w) continue;
      for (let ch = 0; ch < c; ch++) s += x[at(xs, n, r, cc, ch)] * k[at(ks, p, q, ch, o)];
    }
    y.push(s);
  }
  return y;
}

function poolOracle(x: number[], xs: number[], pool: number[], stride: number[], pad: number[], out: number[], kind: 'max' | 'avg'): number[] {
  const [b, h, w, c] = xs;
  const y: number[] = [];
  for (let n = 0; n < b; n++) for (let i = 0; i < out[0]; i++) for (let j = 0; j < out[1]; j++) for (let ch = 0; ch < c; ch++) {
    const win: number[] = [];
    for (let p = 0; p < pool[0]; p++) for (let q = 0; q < pool[1]; q++) {
      const r = i * stride[0] + p - pad[0];
      const cc = j * stride[1] + q - pad[1];
      if (r >= 0 && r < h && cc >= 0 && cc < w) win.push(x[at(xs, n, r, cc, ch)]);
    }
    y.push(kind === 'max' ? Math.max(...win) : win.reduce((a, v) => a + v) / win.length);
  }
  return y;
}

describe('conv2d and 2-D pooling', () => {
  it('conv2d (valid, same, strided, dilated) matches a loop oracle; kernel [kh, kw, in, filters]', async () => {
    setSeed(7);
    const xs = [2, 5, 6, 2];
    const x = rand(xs, 8);
    const xv = await vals(x);
    const cases = [
      { args: { filters: 3, kernelSize: [2, 3] as [number, number] }, out: [4, 4], pad: [0, 0], stride: [1, 1], dil: [1, 1] },
      { args: { filters: 2, kernelSize: 3, padding: 'same' as const, biasInitializer: 'ones' }, out: [5, 6], pad: [1, 1], stride: [1, 1], dil: [1, 1] },
      { args: { filters: 2, kernelSize: 2, strides: [2, 3] as [number, number] }, out: [2, 2], pad: [0, 0], stride: [2, 3], dil: [1, 1] },
      { args: { filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same' as const }, out: [5, 6], pad: [1, 1], stride: [1, 1], dil: [2, 2] },
    ];
    for (const c of cases) {
      const layer = layers.conv2d(c.args);
      const y = layer.apply(x) as Tensor;
      expect(y.shape).toEqual([2, ...c.out, c.args.filters]);
      expect(layer.computeOutputShape([null, 5, 6, 2])).toEqual([null, ...c.out, c.args.filters]);
      const [k, bias] = layer.weights;
      expect(k.shape).toEqual([...(Array.isArray(c.args.kernelSize) ? c.args.kernelSize : [c.args.kernelSize, c.args.kernelSize]), 2, c.args.filters]);
      closeTo(await vals(y), conv2dOracle(xv, xs, await vals(k.value), [...k.shape], await vals(bias.value), c.stride, c.dil, c.pad, c.out), 1e-5);
    }
    const relu = layers.conv2d({ filters: 1, kernelSize: 1, activation: 'relu', useBias: false });
    expect(Math.min(...await vals(relu.apply(x) as Tensor))).toBeGreaterThanOrEqual(0);
    expect(relu.weights.length).toBe(1);
  });

  it('maxPooling2d, averagePooling2d and the global pools match loop oracles', async () => {
    const xs = [2, 5, 4, 3];
    const x = rand(xs, 9);
    const xv = await vals(x);
    for (const kind of ['max', 'avg'] as const) {
      const make = kind === 'max' ? layers.maxPooling2d : layers.averagePooling2d;
      const plain = make();
      expect((plain.apply(x) as Tensor).shape).toEqual([2, 2, 2, 3]);
      closeTo(await vals(plain.apply(x) as Tensor), poolOracle(xv, xs, [2, 2], [2, 2], [0, 0], [2, 2], kind));
      const same = make({ poolSize: [3, 2], strides: 2, padding: 'same' });
      expect(same.computeOutputShape([null, 5, 4, 3])).toEqual([null, 3, 2, 3]);
      // 'same' with a window of 3 over 5 rows at stride 2: 1 row of padding on each side.
      closeTo(await vals(same.apply(x) as Tensor), poolOracle(xv, xs, [3, 2], [2, 2], [1, 0], [3, 2], kind));
    }
    const gavg = layers.globalAveragePooling2d();
    const gmax = layers.globalMaxPooling2d({ keepdims: true });
    expect(gavg.computeOutputShape([null, null, null, 3])).toEqual([null, 3]);
    expect(gmax.computeOutputShape([null, 5, 4, 3])).toEqual([null, 1, 1, 3]);
    closeTo(await vals(gavg.apply(x) as Tensor), poolOracle(xv, xs, [5, 4], [5, 4], [0, 0], [1, 1], 'avg'));
    const gm = gmax.apply(x) as Tensor;
    expect(gm.shape).toEqual([2, 1, 1, 3]);
    closeTo(await vals(gm), poolOracle(xv, xs, [5, 4], [5, 4], [0, 0], [1, 1], 'max'));
  });

  it('conv2d gradients agree with finite differences; bad arguments are named', () => {
    setSeed(10);
    const conv = layers.conv2d({ filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'same', activation: 'tanh' });
    const r = checkGrad((x) => conv.apply(x) as Tensor, [{ shape: [1, 4, 5, 2] }]);
    expect(r.maxAbsErr).toBeLessThan(2e-3);
    const pool = layers.maxPooling2d({ poolSize: 2, strides: 1 });
    expect(checkGrad((x) => pool.apply(x) as Tensor, [{ shape: [1, 3, 3, 1], values: [1, 5, 2, 7, 3, 9, 4, 8, 6] }]).maxAbsErr).toBeLessThan(2e-3);
    expect(() => layers.conv2d({ filters: 2, kernelSize: [2, 0] as never })).toThrow(/conv2d: kernelSize must be a positive integer or a list of two, got \[2,0\]/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 2, padding: 'causal' as never })).toThrow(/conv2d: padding must be one of 'valid', 'same'/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 2, strides: 2, dilationRate: 2 })).toThrow(/cannot both be > 1/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 2 }).apply(rand([2, 3, 3], 1))).toThrow(/expected input \[batch, height, width, channels\]/);
    expect(() => layers.maxPooling2d({ poolSize: -1 as never })).toThrow(/maxPooling2d: poolSize must be a positive integer/);
    expect(() => layers.globalAveragePooling2d({ dataFormat: 'channelsFirst' } as never)).toThrow(/unknown option 'dataFormat'/);
  });
});

/** Multi-head attention by loops over the Keras 3 weights: [qk, qb, kk, kb, vk, vb, ok, ob]. */
async function mhaOracle(mha: Layer, q: Tensor, v: Tensor, k: Tensor, heads: number, keyDim: number, valueDim: number,
  mask?: (b: number, i: number, j: number) => boolean): Promise<number[]> {
  const w = await Promise.all(mha.weights.map((x) => vals(x.value)));
  const [qk, qb, kk, kb, vk, vb, ok, ob] = w;
  const [B, Tq, Dq] = q.shape;
  const [, Tv, Dv] = v.shape;
  const Dk = k.shape[2];
  const O = ob.length;
  const [qv, vv, kv] = await Promise.all([vals(q), vals(v), vals(k)]);
  const proj = (x: number[], b: number, t: number, d: number, kern: number[], bias: number[], h: number, size: number, e: number): number => {
    let s = bias[h * size + e];
    for (let i = 0; i < d; i++) s += x[(b * (x.length / B / d) + t) * d + i] * kern[(i * heads + h) * size + e];
    return s;
  };
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) {
    const y = Array.from({ length: O }, (_, o) => ob[o]);
    for (let h = 0; h < heads; h++) {
      const qh = Array.from({ length: keyDim }, (_, e) => proj(qv, b, i, Dq, qk, qb, h, keyDim, e));
      const scores = Array.from({ length: Tv }, (_, j) => {
        let s = 0;
        for (let e = 0; e < keyDim; e++) s += qh[e] * proj(kv, b, j, Dk, kk, kb, h, keyDim, e);
        return mask && !mask(b, i, j) ? -Infinity : s / Math.sqrt(keyDim);
      });
      const m = Math.max(...scores);
      const ex = scores.map((s) => Math.exp(s - m));
      const z = ex.reduce((a, c) => a + c);
      for (let e = 0; e < valueDim; e++) {
        let a = 0;
        for (let j = 0; j < Tv; j++) a += (ex[j] / z) * proj(vv, b, j, Dv, vk, vb, h, valueDim, e);
        for (let o = 0; o < O; o++) y[o] += a * ok[(h * valueDim + e) * O + o];
      }
    }
    out.push(...y);
  }
  return out;
}

describe('multiHeadAttention', () => {
  it('matches a loop oracle: self-attention, separate key, valueDim and outputShape, causal and explicit masks', async () => {
    setSeed(21);
    const q = rand([2, 3, 4], 22);
    const v = rand([2, 5, 3], 23);
    const k = rand([2, 5, 2], 24);
    const self = layers.multiHeadAttention({ numHeads: 2, keyDim: 3, biasInitializer: 'randomNormal' });
    const y = self.apply([q, q]) as Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    expect(self.weights.map((w) => w.shape)).toEqual([[4, 2, 3], [2, 3], [4, 2, 3], [2, 3], [4, 2, 3], [2, 3], [2, 3, 4], [4]]);
    closeTo(await vals(y), await mhaOracle(self, q, q, q, 2, 3, 3), 1e-4);

    const cross = layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 5, biasInitializer: 'randomNormal' });
    const yc = cross.apply([q, v, k]) as Tensor;
    expect(yc.shape).toEqual([2, 3, 5]);
    expect(cross.computeOutputShape([[null, null, 4], [null, 5, 3], [null, 5, 2]])).toEqual([null, null, 5]);
    expect(cross.weights.map((w) => w.shape)).toEqual([[4, 3, 2], [3, 2], [2, 3, 2], [3, 2], [3, 3, 4], [3, 4], [3, 4, 5], [5]]);
    closeTo(await vals(yc), await mhaOracle(cross, q, v, k, 3, 2, 4), 1e-4);

    const causal = cross.attend(q, v, { key: k, useCausalMask: true });
    closeTo(await vals(causal), await mhaOracle(cross, q, v, k, 3, 2, 4, (_b, i, j) => j <= i), 1e-4);
    const allow = (b: number, i: number, j: number) => (b + i + j) % 3 !== 0;
    const maskVals = Array.from({ length: 2 * 3 * 5 }, (_, n) => allow(Math.floor(n / 15), Math.floor(n / 5) % 3, n % 5));
    const m = core.tensor(maskVals.map(Number), [2, 3, 5]);
    closeTo(await vals(cross.attend(q, v, { key: k, attentionMask: m })), await mhaOracle(cross, q, v, k, 3, 2, 4, allow), 1e-4);

    const noBias = layers.multiHeadAttention({ numHeads: 1, keyDim: 2, useBias: false });
    noBias.apply([q, v]);
    expect(noBias.weights.map((w) => w.shape)).toEqual([[4, 1, 2], [3, 1, 2], [3, 1, 2], [1, 2, 4]]);
  });

  it('gradients flow to query, value and weights; a small model with attention trains', async () => {
    setSeed(30);
    const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 2, useCausalMask: true });
    const r = checkGrad((a, b) => mha.apply([a, b]) as Tensor, [{ shape: [1, 3, 3] }, { shape: [1, 3, 3] }]);
    expect(r.maxAbsErr).toBeLessThan(2e-3);

    const x = input({ shape: [4, 2] });
    const attLayer = layers.multiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.1, seed: 3 });
    const att = attLayer.apply([x, x]) as SymbolicTensor;
    const out = layers.dense({ units: 1 }).apply(layers.globalAveragePooling1d().apply(att) as SymbolicTensor) as SymbolicTensor;
    const m = model({ inputs: x, outputs: out });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
    const xs = rand([8, 4, 2], 31);
    const ys = core.mean(xs, [1, 2]).reshape([8, 1]);
    const start = await Promise.all(attLayer.weights.map((w) => vals(w.value)));
    const first = await m.trainOnBatch(xs, ys);
    let last = first;
    for (let i = 0; i < 40; i++) last = await m.trainOnBatch(xs, ys);
    expect(last).toBeLessThan(first * 0.5);
    // Every attention weight got a gradient and moved.
    const end = await Promise.all(attLayer.weights.map((w) => vals(w.value)));
    end.forEach((e, i) => expect(e, attLayer.weights[i].name).not.toEqual(start[i]));
  });

  it('refuses bad arguments with the option named', () => {
    expect(() => layers.multiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(/multiHeadAttention: numHeads must be a positive integer, got 0/);
    expect(() => layers.multiHeadAttention({ numHeads: 2 } as never)).toThrow(/keyDim must be a positive integer, got undefined/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1] } as never)).toThrow(/unknown option 'attentionAxes'/);
    const mha = layers.multiHeadAttention({ numHeads: 1, keyDim: 2 });
    const q = rand([2, 3, 4], 1);
    expect(() => mha.apply(q)).toThrow(/expects a list \[query, value\] or \[query, value, key\]/);
    expect(() => mha.apply([q, rand([2, 4, 3], 2), rand([2, 5, 3], 3)])).toThrow(/key and value need the same number of steps/);
    mha.apply([q, q]);
    expect(() => mha.attend(q, q, { attentionMask: core.ones([2, 3, 4]) })).toThrow(/attentionMask must be a Tensor \[2, 3, 3\]/);
    expect(() => mha.attend(q, rand([2, 3, 5], 4))).toThrow(/expected value \[2, 3, 4\], got \[2,3,5\]/);
  });
});

/** Per-column mean and population variance of rows, in float64. */
function columnStats(rows: number[][]): { mean: number[]; variance: number[] } {
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const variance = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length);
  return { mean, variance };
}

describe('normalization', () => {
  const rows = Array.from({ length: 10 }, (_, i) => [i * 3 + 100, Math.sin(i) * 0.01, (i % 4) - 7]);
  const { mean, variance } = columnStats(rows);

  it('adapt from a tensor, a plain array, and an async iterable of batches gives the exact statistics', async () => {
    const t = core.tensor(rows);
    async function* batches() {
      for (let i = 0; i < rows.length; i += 3) yield core.tensor(rows.slice(i, i + 3));
    }
    const sync = { batches: () => [{ x: rows.slice(0, 7) }, { x: rows.slice(7) }] };
    for (const data of [t, rows, batches(), sync]) {
      const norm = layers.normalization();
      const before = memory().numTensors;
      await norm.adapt(data as never);
      expect(memory().numTensors).toBe(before + (norm.weights.length));
      closeTo(await vals(norm.mean.value), mean, 1e-6);
      closeTo(await vals(norm.variance.value), variance, 1e-6);
      expect(await vals(norm.count.value)).toEqual([10]);
      expect(norm.trainableWeights).toEqual([]);
      const y = await vals(norm.apply(t) as Tensor);
      const want = rows.flatMap((r) => r.map((v, j) => (v - mean[j]) / Math.sqrt(variance[j])));
      closeTo(y, want, 1e-4);
    }
    t.dispose();
  });

  it('other axes, given statistics, invert, constant features, and errors', async () => {
    const x = core.tensor(Array.from({ length: 2 * 3 * 2 }, (_, i) => (i * 7) % 5), [2, 3, 2]);
    const xv = await vals(x);
    const norm = layers.normalization({ axis: 1 });
    await norm.adapt(x);
    expect(norm.mean.shape).toEqual([3]);
    const stats = columnStats([0, 1].flatMap((b) => [0, 1].map((c) => [0, 1, 2].map((s) => xv[at([2, 3, 2], b, s, c)]))));
    closeTo(await vals(norm.mean.value), stats.mean, 1e-6);
    closeTo(await vals(norm.variance.value), stats.variance, 1e-6);
    const all = layers.normalization({ axis: null });
    await all.adapt(x);
    expect(all.mean.shape).toEqual([]);
    closeTo(await vals(all.mean.value), [xv.reduce((a, b) => a + b) / xv.length], 1e-6);

    const fixed = layers.normalization({ mean: [1, 2], variance: [4, 0] });
    const y = await vals(fixed.apply(core.tensor([[3, 2], [5, 7]])) as Tensor);
    // variance 0: the std is floored at 1e-7 (Keras), so a value equal to the mean maps to 0.
    closeTo(y, [1, 0, 2, 5e7], 1e-5);
    const inv = layers.normalization({ mean: 10, variance: 9, invert: true });
    closeTo(await vals(inv.apply(core.tensor([[0, 1], [-1, 2]])) as Tensor), [10, 13, 7, 16]);
    await expect(fixed.adapt(x)).rejects.toThrow(/adapt\(\) cannot be used when mean and variance were given/);
    expect(() => layers.normalization({ mean: 1 })).toThrow(/give both mean and variance/);
    expect(() => layers.normalization({ axis: 0 })).toThrow(/normalization: axis must be a non-zero integer/);
    expect(() => layers.normalization({ mean: 0, variance: -1 })).toThrow(/variance must be a finite number >= 0/);
    await expect(layers.normalization().adapt([[1, 2], [3]])).rejects.toThrow(/ragged/);
    await expect(layers.normalization().adapt(5 as never)).rejects.toThrow(/adapt takes a Tensor, a nested number array/);
    const n2 = layers.normalization();
    await n2.adapt([[1, 2]]);
    await expect(n2.adapt([[1, 2, 3]])).rejects.toThrow(/adapt data of shape \[1,3\] does not fit the layer/);
    expect(() => layers.normalization({ mean: [1, 2, 3], variance: 1 }).apply(core.tensor([[1, 2]]))).toThrow(/mean has 3 values but the layer has 2 features/);
    x.dispose();
  });
});

/** One functional model holding every new layer. */
async function catalogueModel(): Promise<{ m: ReturnType<typeof model>; x: Tensor }> {
  setSeed(40);
  const inp = input({ shape: [6, 6, 2] });
  const norm = layers.normalization();
  const x = rand([3, 6, 6, 2], 41).mul(5).add(3);
  await norm.adapt(x);
  const n = norm.apply(inp) as SymbolicTensor;
  const c = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(n) as SymbolicTensor;
  const p = layers.averagePooling2d({ poolSize: 1 }).apply(layers.maxPooling2d().apply(c) as SymbolicTensor) as SymbolicTensor;
  const a = layers.globalAveragePooling2d().apply(p) as SymbolicTensor;
  const b = layers.globalMaxPooling2d().apply(p) as SymbolicTensor;
  const merged = [layers.multiply(), layers.subtract(), layers.average(), layers.maximum(), layers.minimum()]
    .map((l) => l.apply([a, b]) as SymbolicTensor);
  const sum = layers.add().apply(merged) as SymbolicTensor;
  const seq = layers.repeatVector({ n: 4 }).apply(sum) as SymbolicTensor;
  const att = layers.multiHeadAttention({ numHeads: 2, keyDim: 2, useCausalMask: true }).apply([seq, seq]) as SymbolicTensor;
  return { m: model({ inputs: inp, outputs: att }), x };
}

describe('save and load, memory, wasm', () => {
  it('a model with every new layer saves and loads with identical predictions; predicting leaks nothing', async () => {
    const { m, x } = await catalogueModel();
    const y = m.predict(x) as Tensor;
    expect(y.shape).toEqual([3, 4, 3]);
    const loaded = loadModel(await m.save());
    const y2 = loaded.predict(x) as Tensor;
    expect(await vals(y2)).toEqual(await vals(y));
    expect(loaded.layers.map((l) => l.className)).toEqual(m.layers.map((l) => l.className));
    const before = memory().numTensors;
    (m.predict(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
    // The normalization statistics travel with the model (non-trainable weights).
    const names = (await m.save()).weightSpecs.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['normalization/mean', 'normalization/variance', 'normalization/count',
      'multi_head_attention/query/kernel', 'multi_head_attention/attention_output/bias']));
    const s = sequential([layers.normalization({ inputShape: [2], mean: [1, 2], variance: [4, 9], invert: true }), layers.repeatVector({ n: 2 })]);
    const xs = core.tensor([[1, 1]]);
    expect(await vals(loadModel(await s.save()).predict(xs) as Tensor)).toEqual(await vals(s.predict(xs) as Tensor));
  });

  it('every new layer runs on the wasm backend and agrees with js', async () => {
    const results: Record<string, number[][]> = {};
    for (const name of ['js', 'wasm'] as const) {
      if (name === 'wasm' && !core.findBackend('wasm')) core.registerBackend(await wasm(), 5);
      await core.setBackend(name);
      try {
        const { m, x } = await catalogueModel();
        const q = rand([2, 3, 4], 50);
        const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 2 });
        results[name] = [await vals(m.predict(x) as Tensor), await vals(mha.attend(q, q, { useCausalMask: true }))];
        const conv = layers.conv2d({ filters: 1, kernelSize: 2 });
        const g = checkGrad((t) => conv.apply(t) as Tensor, [{ shape: [1, 3, 3, 1] }]);
        expect(g.maxAbsErr, name).toBeLessThan(2e-3);
      } finally {
        await core.setBackend('js');
      }
    }
    results.wasm.forEach((r, i) => closeTo(r, results.js[i], 1e-4));
  });
});
