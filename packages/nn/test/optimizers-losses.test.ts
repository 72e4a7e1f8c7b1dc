// Adamax and Nadam against independent oracles (TF.js's adamax; a scalar loop of Keras 3's Nadam
// formula), and the KL-divergence, Poisson and log-cosh losses against their formulas.

import * as core from '@loom/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { getOptimizer, losses, optimizers, variable, variableGrads } from '../src/index.js';
import { getLoss } from '../src/losses.js';

/** Minimizes Σ (w − target)² for a few steps; returns w after each step. */
async function run(opt: ReturnType<typeof getOptimizer>, steps: number): Promise<number[][]> {
  const w = variable(core.tensor([0.5, -1.5, 2]), { name: 'w' });
  const target = core.tensor([1, 0, -1]);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = variableGrads(() => core.sum(core.square(core.sub(w.value, target))), [w]);
    const u = opt.prepareUpdate(grads);
    u.apply();
    u.discard();
    core.dispose([value, ...grads.values()]);
    out.push(Array.from((await w.value.data()) as Float32Array));
  }
  core.dispose(target);
  opt.dispose();
  return out;
}

describe('Adamax and Nadam', () => {
  it('adamax follows tf.train.adamax step for step', async () => {
    const ours = await run(optimizers.adamax({ learningRate: 0.1 }), 5);
    const tw = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
    const target = tf.tensor1d([1, 0, -1]);
    const theirs = tf.train.adamax(0.1, 0.9, 0.999, 1e-7);
    for (let s = 0; s < 5; s++) {
      // d/dw Σ (w − target)² = 2(w − target), applied by TF.js's own Adamax.
      theirs.applyGradients([{ name: tw.name, tensor: tf.mul(2, tf.sub(tw, target)) }]);
      const want = Array.from(tw.dataSync());
      ours[s].forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    }
  });

  it('nadam follows Keras 3 formula (a scalar loop) step for step, and resolves by name', async () => {
    const ours = await run(getOptimizer('nadam'), 6);
    const b1 = 0.9, b2 = 0.999, eps = 1e-7, lr = 0.001;
    const w = [0.5, -1.5, 2], target = [1, 0, -1];
    const m = [0, 0, 0], v = [0, 0, 0];
    let uProduct = 1;
    for (let t = 1; t <= 6; t++) {
      const uT = b1 * (1 - 0.5 * 0.96 ** t);
      const uNext = b1 * (1 - 0.5 * 0.96 ** (t + 1));
      uProduct *= uT;
      for (let i = 0; i < 3; i++) {
        const g = 2 * (w[i] - target[i]);
        m[i] += (g - m[i]) * (1 - b1);
        v[i] += (g * g - v[i]) * (1 - b2);
        const mHat = (uNext * m[i]) / (1 - uProduct * uNext) + ((1 - uT) * g) / (1 - uProduct);
        const vHat = v[i] / (1 - b2 ** t);
        w[i] -= (mHat * lr) / (Math.sqrt(vHat) + eps);
      }
      ours[t - 1].forEach((x, i) => expect(x).toBeCloseTo(w[i], 6));
    }
    expect(getOptimizer('adamax').className).toBe('Adamax');
  });
});

describe('KL divergence, Poisson, log-cosh', () => {
  const yTrue = [[0.2, 0.8], [0.5, 0.5]];
  const yPred = [[0.3, 0.7], [0.9, 0.1]];
  const value = async (t: core.Tensor) => Array.from((await t.data()) as Float32Array);

  it('match their formulas per sample and through the Keras names', async () => {
    const kl = yTrue.map((r, i) => r.reduce((a, y, j) => a + y * Math.log(y / yPred[i][j]), 0));
    const po = yTrue.map((r, i) => r.reduce((a, y, j) => a + yPred[i][j] - y * Math.log(yPred[i][j] + 1e-7), 0) / 2);
    const lc = yTrue.map((r, i) => r.reduce((a, y, j) => a + Math.log(Math.cosh(yPred[i][j] - y)), 0) / 2);
    const y = core.tensor(yTrue);
    const p = core.tensor(yPred);
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 6));
    close(await value(losses.kullbackLeiblerDivergence(y, p, { reduction: 'none' })), kl);
    close(await value(losses.poisson(y, p, { reduction: 'none' })), po);
    close(await value(losses.logCosh(y, p, { reduction: 'none' })), lc);
    expect((await value(getLoss('kld')(y, p)))[0]).toBeCloseTo((kl[0] + kl[1]) / 2, 6);
    expect((await value(getLoss('log_cosh')(y, p)))[0]).toBeCloseTo((lc[0] + lc[1]) / 2, 6);
    // log-cosh of a huge error is |e| − log 2, not Infinity.
    expect((await value(losses.logCosh(core.tensor([0]), core.tensor([1000]))))[0]).toBeCloseTo(1000 - Math.LN2, 3);
    core.dispose([y, p]);
  });

  it('agree with tfjs-layers (its internal losses module: KLD, Poisson, log-cosh)', async () => {
    const tfl = { losses: await import('@tensorflow/tfjs-layers/dist/losses.js') };
    const ty = tf.tensor2d(yTrue);
    const tp = tf.tensor2d(yPred);
    const y = core.tensor(yTrue);
    const p = core.tensor(yPred);
    const pairs: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['kullbackLeiblerDivergence', tfl.losses.kullbackLeiblerDivergence], ['poisson', tfl.losses.poisson], ['logCosh', tfl.losses.logcosh],
    ];
    const present = pairs.filter(([, f]) => typeof f === 'function');
    expect(present.length).toBe(3);
    for (const [name, theirs] of present) {
      const want = Array.from(theirs(ty, tp).dataSync());
      const got = await value((losses as unknown as Record<string, (a: core.Tensor, b: core.Tensor, o: object) => core.Tensor>)[name](y, p, { reduction: 'none' }));
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
    }
    core.dispose([y, p]);
  });
});
