// Activations, losses (values, stability, reductions), initializers (seeded statistics), metrics,
// optimizers (one step against the update formulas), schedules, clipping and callbacks
// (time-series utilities are tested in timeseries-data.test.ts).

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS, cosineDecay, earlyStopping, exponentialDecay, getActivation, initializers, layers,
  losses, metrics, optimizers, type Optimizer, reduceLROnPlateau, sequential, setSeed, stepDecay, variable,
} from '../src/index.js';

const arr = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);
const val = (t: Tensor): number => { const v = arr(t)[0]; t.dispose(); return v; };

describe('activations', () => {
  it('by name and as functions', () => {
    const x = core.tensor([-2, -0.5, 0, 0.5, 3]);
    const expectFn: Record<string, (v: number) => number> = {
      linear: (v) => v, relu: (v) => Math.max(v, 0), relu6: (v) => Math.min(Math.max(v, 0), 6), leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
      elu: (v) => (v > 0 ? v : Math.expm1(v)), tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      hardSigmoid: (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)), softplus: (v) => Math.log1p(Math.exp(v)),
      softsign: (v) => v / (1 + Math.abs(v)), silu: (v) => v / (1 + Math.exp(-v)), swish: (v) => v / (1 + Math.exp(-v)),
      selu: (v) => (v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(v)),
      gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    };
    for (const [name, f] of Object.entries(expectFn)) {
      const y = getActivation(name)(x);
      arr(y).forEach((v, i) => expect(v, name).toBeCloseTo(f([-2, -0.5, 0, 0.5, 3][i]), 5));
      y.dispose();
    }
    const sm = ACTIVATIONS.softmax(x);
    expect(arr(sm).reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    const lsm = getActivation('log_softmax')(x);
    arr(lsm).forEach((v, i) => expect(Math.exp(v)).toBeCloseTo(arr(sm)[i], 6));
    core.dispose([x, sm, lsm]);
  });
});

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for 5 digits; integrate instead (Simpson, 2000 steps).
  const n = 2000;
  const h = x / n;
  let s = 0;
  for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return (2 / Math.sqrt(Math.PI)) * (h / 3) * s;
}

describe('losses', () => {
  const yT = core.tensor([[0, 1], [1, 0]]);
  const yP = core.tensor([[0.2, 0.7], [0.6, 0.1]]);
  it('regression losses and reductions', () => {
    expect(val(losses.meanSquaredError(yT, yP))).toBeCloseTo(((0.04 + 0.09) / 2 + (0.16 + 0.01) / 2) / 2, 6);
    expect(val(losses.halfMeanSquaredError(yT, yP))).toBeCloseTo(0.075 / 2, 6);
    expect(arr(losses.meanAbsoluteError(yT, yP, { reduction: 'none' }))).toEqual([expect.closeTo(0.25, 6), expect.closeTo(0.25, 6)]);
    expect(val(losses.meanAbsoluteError(yT, yP, { reduction: 'sum' }))).toBeCloseTo(0.5, 6);
    const big = core.tensor([[3]]);
    expect(val(losses.huber(core.tensor([[0]]), big, { delta: 1 }))).toBeCloseTo(2.5, 6);
    big.dispose();
  });
  it('cross-entropies from probabilities and logits agree and stay finite', () => {
    const logits = core.tensor([[2, -1, 0.5], [-30, 40, 1]]);
    const probs = core.softmax(logits);
    const onehot = core.tensor([[1, 0, 0], [0, 0, 1]]);
    const a = val(losses.categoricalCrossentropy(onehot, logits, { fromLogits: true }));
    const manual = (-Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(-1) + Math.exp(0.5))) + (40 - 1 + Math.log1p(Math.exp(-70) + Math.exp(-39)))) / 2;
    expect(a).toBeCloseTo(manual, 4);
    const sparse = val(losses.sparseCategoricalCrossentropy(core.tensor([0, 2], undefined, 'int32'), logits, { fromLogits: true }));
    expect(sparse).toBeCloseTo(a, 5);
    // From probabilities the tiny class probability is clipped at 1e-7, as Keras does.
    const row1 = -Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(-1) + Math.exp(0.5)));
    expect(val(losses.categoricalCrossentropy(onehot, probs))).toBeCloseTo((row1 - Math.log(1e-7)) / 2, 4);
    const bl = core.tensor([[100], [-100], [0.3]]);
    const by = core.tensor([[0], [1], [1]]);
    const b = val(losses.binaryCrossentropy(by, bl, { fromLogits: true }));
    expect(b).toBeCloseTo((100 + 100 + Math.log1p(Math.exp(-0.3))) / 3, 3);
    const bp = val(losses.binaryCrossentropy(core.tensor([[1], [0]]), core.tensor([[0.9], [0.2]])));
    expect(bp).toBeCloseTo((-Math.log(0.9) - Math.log(0.8)) / 2, 5);
    core.dispose([logits, probs, onehot, bl, by]);
  });
});

describe('initializers', () => {
  it('are seeded and have the Keras scales', () => {
    const a = initializers.glorotUniform({ seed: 3 }).create([200, 100]);
    const b = initializers.glorotUniform({ seed: 3 }).create([200, 100]);
    expect(arr(a)).toEqual(arr(b));
    const limit = Math.sqrt(6 / 300);
    expect(Math.max(...arr(a).map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.sqrt(arr(a).reduce((s, v) => s + v * v, 0) / a.size)).toBeCloseTo(limit / Math.sqrt(3), 2);
    const he = initializers.heNormal({ seed: 1 }).create([400, 50]);
    expect(Math.sqrt(arr(he).reduce((s, v) => s + v * v, 0) / he.size)).toBeCloseTo(Math.sqrt(2 / 400), 2);
    const o = initializers.orthogonal({ seed: 2 }).create([6, 4]);
    const oo = core.matmul(o, o, { transposeA: true });
    arr(oo).forEach((v, i) => expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 5));
    expect(arr(initializers.constant({ value: 2.5 }).create([2]))).toEqual([2.5, 2.5]);
    core.dispose([a, b, he, o, oo]);
  });
});

describe('metrics', () => {
  it('streaming metrics give exact epoch values', () => {
    const yT = core.tensor([[1], [2], [3], [4]]);
    const yP = core.tensor([[1.5], [2], [2], [4]]);
    const s = (m: metrics.Metric) => m.result(arr(m.stats(yT, yP)));
    expect(s(metrics.mae())).toBeCloseTo(0.375, 6);
    expect(s(metrics.mse())).toBeCloseTo(0.3125, 6);
    expect(s(metrics.rmse())).toBeCloseTo(Math.sqrt(0.3125), 6);
    expect(s(metrics.mape())).toBeCloseTo((50 + 0 + 100 / 3 + 0) / 4, 4);
    expect(s(metrics.r2())).toBeCloseTo(1 - 1.25 / 5, 6);
    const acc = metrics.categoricalAccuracy();
    expect(acc.result(arr(acc.stats(core.tensor([[0, 1], [1, 0]]), core.tensor([[0.2, 0.8], [0.1, 0.9]]))))).toBe(0.5);
    const bin = metrics.binaryAccuracy();
    expect(bin.result(arr(bin.stats(core.tensor([[1], [0], [1]]), core.tensor([[0.7], [0.6], [0.2]]))))).toBeCloseTo(1 / 3, 6);
    const sp = metrics.sparseCategoricalAccuracy();
    expect(sp.result(arr(sp.stats(core.tensor([1, 0]), core.tensor([[0.2, 0.8], [0.1, 0.9]]))))).toBe(0.5);
  });
});

describe('optimizers', () => {
  const oneStep = (opt: Optimizer, w0: number[], g: number[], steps = 1): number[] => {
    const v = variable(core.tensor(w0));
    const gt = core.tensor(g);
    for (let i = 0; i < steps; i++) opt.applyGradients(new Map([[v, gt]]));
    const out = arr(v.value);
    v.dispose(); gt.dispose(); opt.dispose();
    return out;
  };
  it('sgd, momentum, nesterov, adam, adamW, rmsprop, adagrad follow the Keras formulas', () => {
    expect(oneStep(optimizers.sgd({ learningRate: 0.1 }), [1, 2], [1, -2])).toEqual([expect.closeTo(0.9, 6), expect.closeTo(2.2, 6)]);
    // momentum 0.9, two steps: v1 = −0.1g, v2 = 0.9·v1 − 0.1g → w = w0 − 0.1g − 0.19g.
    expect(oneStep(optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), [1], [1], 2)[0]).toBeCloseTo(1 - 0.29, 6);
    // nesterov: w1 = w0 + 0.9·(−0.1) − 0.1 = w0 − 0.19.
    expect(oneStep(optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [1], [1])[0]).toBeCloseTo(0.81, 6);
    // adam first step: m̂/√v̂ = sign(g) → w −= lr (up to ε).
    expect(oneStep(optimizers.adam({ learningRate: 0.01 }), [1, 1], [3, -0.5])).toEqual([expect.closeTo(0.99, 5), expect.closeTo(1.01, 5)]);
    expect(oneStep(optimizers.adamW({ learningRate: 0.01, weightDecay: 0.1 }), [1], [3])[0]).toBeCloseTo(1 - 0.001 - 0.01, 5);
    // rmsprop: v = 0.1·g², w −= lr·g/√v = lr·√10·sign(g).
    expect(oneStep(optimizers.rmsprop({ learningRate: 0.01 }), [1], [2])[0]).toBeCloseTo(1 - 0.01 * Math.sqrt(10), 5);
    // adagrad: a = 0.1 + g², w −= lr·g/√a.
    expect(oneStep(optimizers.adagrad({ learningRate: 0.1 }), [1], [2])[0]).toBeCloseTo(1 - 0.2 / Math.sqrt(4.1), 5);
  });
  it('clipping by value, by norm and by global norm', () => {
    expect(oneStep(optimizers.sgd({ learningRate: 1, clipValue: 0.5 }), [0, 0], [2, -0.1])).toEqual([-0.5, expect.closeTo(0.1, 6)]);
    expect(oneStep(optimizers.sgd({ learningRate: 1, clipNorm: 1 }), [0, 0], [3, 4])).toEqual([expect.closeTo(-0.6, 6), expect.closeTo(-0.8, 6)]);
    const opt = optimizers.sgd({ learningRate: 1, globalClipNorm: 5 });
    const a = variable(core.tensor([0])); const b = variable(core.tensor([0]));
    const ga = core.tensor([6]); const gb = core.tensor([8]);
    opt.applyGradients(new Map([[a, ga], [b, gb]]));
    expect(arr(a.value)[0]).toBeCloseTo(-3, 5);
    expect(arr(b.value)[0]).toBeCloseTo(-4, 5);
    core.dispose([ga, gb]); a.dispose(); b.dispose();
  });
  it('learning-rate schedules', () => {
    const e = exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 });
    expect(e(10)).toBeCloseTo(0.5);
    expect(exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true })(15)).toBe(0.5);
    expect(stepDecay({ initialLearningRate: 1, stepSize: 5, gamma: 0.1 })(12)).toBeCloseTo(0.01);
    const c = cosineDecay({ initialLearningRate: 0, warmupTarget: 1, warmupSteps: 10, decaySteps: 100, alpha: 0.1 });
    expect(c(5)).toBeCloseTo(0.5);
    expect(c(10)).toBeCloseTo(1);
    expect(c(60)).toBeCloseTo(0.55);
    expect(c(1000)).toBeCloseTo(0.1);
    const opt = optimizers.sgd({ learningRate: e });
    expect(opt.currentLearningRate()).toBe(1);
  });
});

describe('callbacks', () => {
  it('earlyStopping stops and restores the best weights; reduceLROnPlateau lowers the rate', async () => {
    setSeed(6);
    const m = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const x = core.tensor([[1], [2], [3], [4]]);
    const y = core.tensor([[2], [4], [6], [8]]);
    // A validation set the model cannot fit: its loss rises as the training loss falls.
    const vx = core.tensor([[1], [2]]);
    const vy = core.tensor([[-50], [-60]]);
    const es = earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const lr = reduceLROnPlateau({ monitor: 'val_loss', patience: 1, factor: 0.5 });
    const seen: number[] = [];
    const h = await m.fit(x, y, { epochs: 20, batchSize: 4, validationData: [vx, vy], callbacks: [es, lr], onProgress: (p) => seen.push(p.fraction) });
    expect(h.epoch.length).toBeLessThan(20);
    expect(es.stoppedEpoch).toBe(h.epoch.length - 1);
    const ev = await m.evaluate(vx, vy);
    expect(ev.loss).toBeCloseTo(h.history.val_loss[es.bestEpoch], 4);
    expect(m.optimizer!.learningRate).toBeLessThan(0.1);
    expect(seen.at(-1)).toBeCloseTo(h.epoch.length / 20);
    core.dispose([x, y, vx, vy]);
    m.dispose();
  });
});
