import * as core from '@loom/core';
import { constraints, layers, regularizers, variableGrads } from '@loom/nn';
import { describe, expect, it } from 'vitest';

describe('regularizers and constraints on dense', () => {
  it('regularizationLoss = l1·Σ|k| + l2·Σk² (no ½), with the penalty gradient 2·l2·k + l1·sign(k)', async () => {
    const d = layers.dense({ units: 2, kernelRegularizer: regularizers.l1l2({ l1: 0.1, l2: 0.3 }), biasRegularizer: 'l2' });
    core.tidy(() => d.apply(core.ones([1, 3])));
    const k = Array.from(await d.kernel.value.data());
    const b = Array.from(await d.bias!.value.data());
    const want = k.reduce((s, w) => s + 0.1 * Math.abs(w) + 0.3 * w * w, 0) + b.reduce((s, w) => s + 0.01 * w * w, 0);
    const before = core.memory().numTensors;
    const { value, grads } = variableGrads(() => d.regularizationLoss()!, [d.kernel]);
    expect((await value.data())[0]).toBeCloseTo(want, 5);
    const g = Array.from(await grads.get(d.kernel)!.data());
    g.forEach((x, i) => expect(x).toBeCloseTo(2 * 0.3 * k[i] + 0.1 * Math.sign(k[i]), 5));
    value.dispose();
    core.dispose([...grads.values()]);
    expect(core.memory().numTensors).toBe(before);
    expect(layers.dense({ units: 1 }).regularizationLoss()).toBeNull();
    d.dispose();
  });

  it('maxNorm and nonNeg hold after applyConstraints (Keras formulas), and configs round-trip', async () => {
    const d = layers.dense({ units: 2, kernelInitializer: 'ones', kernelConstraint: constraints.maxNorm({ maxValue: 1 }), biasConstraint: 'nonNeg' });
    core.tidy(() => d.apply(core.ones([1, 4])));
    const nb = core.tensor([-1, 2]);
    d.bias!.assign(nb);
    nb.dispose();
    d.applyConstraints();
    // Each column of ones has norm 2; rescaled to 1 / (2 + 1e-7) · 2 ≈ 1 → entries 0.5.
    for (const x of await d.kernel.value.data()) expect(x).toBeCloseTo(0.5, 5);
    expect(Array.from(await d.bias!.value.data())).toEqual([0, 2]);
    const cfg = d.getConfig();
    expect(cfg.kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 1, axis: 0 } });
    const again = layers.dense({ ...(cfg as { units: number }), kernelRegularizer: { className: 'L2', config: { l2: 0.5 } } } as never);
    expect(again.getConfig().kernelConstraint).toEqual(cfg.kernelConstraint);
    expect(again.getConfig().kernelRegularizer).toEqual({ className: 'L2', config: { l2: 0.5 } });
    d.dispose();
  });

  it('unitNorm and minMaxNorm follow the Keras formulas', async () => {
    const w = core.tensor([[3, 0], [4, 0.5]]);
    expect(Array.from(await constraints.unitNorm().apply(w).data()).map((x) => +x.toFixed(5))).toEqual([0.6, 0, 0.8, 1]);
    // norms [5, 0.5]; clip to [1, 2] → [2, 1]; rate 0.5 → [3.5, 0.75].
    const m = await constraints.minMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 }).apply(w).data();
    const want = [3 * 3.5 / 5, 0, 4 * 3.5 / 5, 0.5 * 0.75 / 0.5];
    Array.from(m).forEach((x, i) => expect(x).toBeCloseTo(want[i], 5));
    w.dispose();
  });

  it('embedding: embeddingsRegularizer and embeddingsConstraint', async () => {
    const e = layers.embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: 'ones', embeddingsRegularizer: regularizers.l1(0.5),
      embeddingsConstraint: 'unitNorm' });
    core.tidy(() => e.apply(core.tensor([[0, 1]], undefined, 'int32')));
    const p = e.regularizationLoss()!;
    expect((await p.data())[0]).toBeCloseTo(0.5 * 6, 5);
    p.dispose();
    e.applyConstraints();
    // Columns of three ones: norm √3.
    for (const x of await e.embeddings.value.data()) expect(x).toBeCloseTo(1 / Math.sqrt(3), 5);
    expect(layers.embedding(e.getConfig() as never).getConfig().embeddingsConstraint).toEqual({ className: 'UnitNorm', config: { axis: 0 } });
    e.dispose();
  });

  it('conv1d: kernel l2 penalty and maxNorm over all kernel axes', async () => {
    const c = layers.conv1d({ filters: 1, kernelSize: 2, kernelInitializer: 'ones', kernelRegularizer: regularizers.l2(0.25),
      kernelConstraint: constraints.maxNorm({ maxValue: 1, axis: [0, 1] }) });
    core.tidy(() => c.apply(core.ones([1, 3, 2])));
    const p = c.regularizationLoss()!;
    expect((await p.data())[0]).toBeCloseTo(0.25 * 4, 5);
    p.dispose();
    c.applyConstraints();
    // One filter of four ones: norm 2 → entries 0.5.
    for (const x of await c.kernel.value.data()) expect(x).toBeCloseTo(0.5, 5);
    expect(layers.conv1d(c.getConfig() as never).getConfig()).toEqual(c.getConfig());
    c.dispose();
  });

  it('lstm and bidirectional: kernel, recurrent and bias penalties and constraints', async () => {
    const opts = { units: 2, kernelInitializer: 'ones', recurrentInitializer: 'ones', biasInitializer: 'ones', unitForgetBias: false,
      kernelRegularizer: regularizers.l1(0.1), recurrentRegularizer: regularizers.l2(0.2), biasRegularizer: regularizers.l2(0.3),
      recurrentConstraint: constraints.nonNeg() };
    const l = layers.lstm(opts);
    core.tidy(() => l.apply(core.ones([1, 2, 3])));
    const sum = async (t: core.Tensor, f: (x: number) => number): Promise<number> => Array.from(await t.data()).reduce((a, x) => a + f(x), 0);
    const want = 0.1 * await sum(l.kernel.value, Math.abs) + 0.2 * await sum(l.recurrentKernel.value, (x) => x * x) +
      0.3 * await sum(l.bias!.value, (x) => x * x);
    const p = l.regularizationLoss()!;
    expect((await p.data())[0]).toBeCloseTo(want, 4);
    p.dispose();
    const b = layers.bidirectional({ layer: layers.lstm(opts) });
    core.tidy(() => b.apply(core.ones([1, 2, 3])));
    const q = b.regularizationLoss()!;
    const wantB = 0.1 * (await sum(b.forward.kernel.value, Math.abs) + await sum(b.backward.kernel.value, Math.abs)) +
      0.2 * (await sum(b.forward.recurrentKernel.value, (x) => x * x) + await sum(b.backward.recurrentKernel.value, (x) => x * x)) +
      0.3 * (await sum(b.forward.bias!.value, (x) => x * x) + await sum(b.backward.bias!.value, (x) => x * x));
    expect((await q.data())[0]).toBeCloseTo(wantB, 4);
    q.dispose();
    const neg = core.neg(l.recurrentKernel.value);
    l.recurrentKernel.assign(neg);
    neg.dispose();
    l.applyConstraints();
    for (const x of await l.recurrentKernel.value.data()) expect(x).toBe(0);
    expect(layers.lstm(l.getConfig() as never).getConfig()).toEqual(l.getConfig());
    l.dispose();
    b.dispose();
  });

  it('bad arguments name the option', () => {
    expect(() => layers.dense({ units: 1, kernelRegularizer: 'l3' as never })).toThrow(/kernelRegularizer.*unknown regularizer 'l3'/);
    expect(() => regularizers.l2(-1)).toThrow(/regularizers.l2: l2 must be a finite number >= 0, got -1/);
    expect(() => constraints.maxNorm({ maxvalue: 1 } as never)).toThrow(/unknown option 'maxvalue'/);
    expect(() => layers.dense({ units: 1, kernelConstraint: 5 as never })).toThrow(/kernelConstraint must be/);
    expect(() => layers.dense({ units: 1, activityRegularizer: 'l2' } as never)).toThrow(/unknown option 'activityRegularizer'/);
  });
});
