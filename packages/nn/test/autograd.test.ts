// Gradient checks: every differentiable core op's VJP against central finite differences on the
// js backend (float32 values, float64 accumulation, step 1e-2, |err| ≤ 2e-3 + 1e-2·|numeric|).

import * as core from '@loom/core';
import { memory, tensor, tidy, type Tensor } from '@loom/core';
import { OP_NAMES } from '@loom/core/backend';
import { describe, expect, it } from 'vitest';
import { grad, grads, valueAndGrad, variable, variableGrads } from '../src/index.js';
import { GRADIENTS as VJP, isNonDifferentiable } from '../src/autograd/rules/index.js';
import { checkGrad } from './grad-check.js';

/** n distinct values at least 0.1 apart, shuffled (safe for max/min ties), centred near 0. */
function grid(n: number, seed = 3, step = 0.1): number[] {
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * step + 0.037);
  const rng = new core.SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const g = (shape: number[], seed = 3, step = 0.1) => ({ shape, values: grid(size(shape), seed, step) });
const u = (shape: number[], lo = -1, hi = 1) => ({ shape, lo, hi });

describe('VJP table', () => {
  it('has a rule or an explicit non-differentiable marker for every core op', () => {
    for (const op of OP_NAMES) expect(VJP[op], op).toBeDefined();
    const nonDiff = OP_NAMES.filter((op) => isNonDifferentiable(VJP[op] as never));
    expect(nonDiff.sort()).toEqual(['adamUpdate', 'argMax', 'argMin', 'equal', 'fill', 'greater', 'greaterEqual', 'isFinite', 'isNaN', 'less',
      'lessEqual', 'logicalAnd', 'logicalNot', 'logicalOr', 'notEqual', 'recurrentGrad'].sort());
  });
});

describe('gradient checks: unary', () => {
  const smooth: [string, (x: Tensor) => Tensor, number, number][] = [
    ['exp', core.exp, -1, 1], ['expm1', core.expm1, -1, 1], ['log', core.log, 0.5, 2], ['log1p', core.log1p, -0.5, 1],
    ['sqrt', core.sqrt, 0.5, 2], ['rsqrt', core.rsqrt, 0.5, 2], ['reciprocal', core.reciprocal, 0.5, 2],
    ['sin', core.sin, -2, 2], ['cos', core.cos, -2, 2], ['tan', core.tan, -1, 1], ['atan', core.atan, -2, 2],
    ['tanh', core.tanh, -2, 2], ['sigmoid', core.sigmoid, -3, 3], ['gelu', core.gelu, -3, 3],
    ['softplus', core.softplus, -3, 3], ['silu', core.silu, -3, 3], ['neg', core.neg, -1, 1], ['square', core.square, -1, 1],
  ];
  for (const [name, f, lo, hi] of smooth) {
    it(name, () => { checkGrad(f, [u([2, 3], lo, hi)]); });
  }
  const kinked: [string, (x: Tensor) => Tensor][] = [
    ['abs', core.abs], ['relu', core.relu], ['elu', core.elu], ['selu', core.selu],
    ['leakyRelu', (x) => core.leakyRelu(x, 0.3)], ['clip', (x) => core.clip(x, -0.3, 0.4)],
  ];
  for (const [name, f] of kinked) it(name, () => { checkGrad(f, [g([3, 4])]); });
  it('relu6', () => { checkGrad(core.relu6, [{ shape: [6], values: [-1, 0.5, 3, 5.5, 6.5, 7] }]); });
  it('piecewise-constant ops (floor, ceil, round, sign) have zero gradient', () => {
    for (const f of [core.floor, core.ceil, core.round, core.sign]) {
      checkGrad((x) => f(x).add(x.mul(0)), [{ shape: [4], values: [-1.3, -0.2, 0.3, 1.7] }]);
    }
  });
  it('cast float32 → float32 passes through, to int32 blocks', () => {
    checkGrad((x) => core.cast(x, 'float32').mul(x), [u([3])]);
    const gx = tidy(() => grad((x) => core.cast(core.cast(x, 'int32'), 'float32').add(x))(tensor([1.5, 2.5])).arraySync());
    expect(gx).toEqual([1, 1]);
  });
});

describe('gradient checks: binary with broadcasting', () => {
  const shapes: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[3], []], [[2, 1, 3], [4, 1]]];
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, [number, number], [number, number]][] = [
    ['add', core.add, [-1, 1], [-1, 1]], ['sub', core.sub, [-1, 1], [-1, 1]], ['mul', core.mul, [-1, 1], [-1, 1]],
    ['div', core.div, [-1, 1], [0.5, 2]], ['pow', core.pow, [0.5, 1.5], [-1, 2]],
  ];
  for (const [name, f, ra, rb] of ops) {
    for (const [sa, sb] of shapes) {
      it(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => { checkGrad(f, [u(sa, ...ra), u(sb, ...rb)]); });
    }
  }
  it('maximum / minimum (ties routed to a)', () => {
    const shifted = (shape: number[], seed: number) => ({ shape, values: grid(size(shape), seed).map((v) => v + 0.05) });
    checkGrad(core.maximum, [g([2, 3], 1), shifted([3], 2)]);
    checkGrad(core.minimum, [g([2, 3], 4), shifted([2, 1], 5)]);
    const [ga, gb] = tidy(() => grads(core.maximum)([tensor([1, 2]), tensor([1, 3])]).map((t) => t.arraySync()));
    expect([ga, gb]).toEqual([[1, 0], [0, 1]]);
  });
  it('mod', () => {
    checkGrad(core.mod, [u([4], 2.2, 2.8), u([4], 1.5, 1.8)]);
    checkGrad(core.mod, [u([2, 2], 0.2, 1.2), u([2], 1.5, 2)]);
  });
  it('where', () => {
    const c = tensor([true, false, true]);
    checkGrad((a, b) => core.where(c, a, b), [u([2, 3]), u([3])]);
    c.dispose();
  });
});

describe('gradient checks: reductions', () => {
  for (const axis of [undefined, 0, 1, [0, 2], -1] as (number | number[] | undefined)[]) {
    for (const keep of [false, true]) {
      it(`sum/mean axis ${JSON.stringify(axis)} keepDims ${keep}`, () => {
        checkGrad((x) => core.sum(x, axis, keep), [u([2, 3, 2])]);
        checkGrad((x) => core.mean(x, axis, keep), [u([2, 3, 2])]);
      });
    }
    it(`max/min/prod/logSumExp/variance axis ${JSON.stringify(axis)}`, () => {
      checkGrad((x) => core.max(x, axis), [g([2, 3, 2])]);
      checkGrad((x) => core.min(x, axis, true), [g([2, 3, 2], 7)]);
      checkGrad((x) => core.prod(x, axis), [u([2, 3, 2], 0.5, 1.5)]);
      checkGrad((x) => core.logSumExp(x, axis), [u([2, 3, 2])]);
      checkGrad((x) => core.variance(x, axis), [u([2, 3, 2])]);
    });
  }
  it('prod with a zero element is exact', () => {
    const gx = tidy(() => grad((x) => core.prod(x))(tensor([2, 0, 3])).arraySync());
    expect(gx).toEqual([0, 6, 0]);
  });
  it('softmax / logSoftmax on each axis', () => {
    checkGrad((x) => core.softmax(x), [u([2, 4], -2, 2)]);
    checkGrad((x) => core.softmax(x, 0), [u([3, 2], -2, 2)]);
    checkGrad((x) => core.logSoftmax(x), [u([2, 4], -2, 2)]);
    checkGrad((x) => core.logSoftmax(x, 1), [u([2, 3, 2], -2, 2)]);
  });
  it('cumsum (exclusive, reverse)', () => {
    for (const [ex, rev] of [[false, false], [true, false], [false, true], [true, true]]) {
      checkGrad((x) => core.cumsum(x, 1, ex, rev), [u([2, 4])]);
    }
  });
});

describe('gradient checks: linear algebra and shapes', () => {
  it('matmul with transposes and batch broadcasting', () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = ta ? [2, 4, 3] : [2, 3, 4];
      const b = tb ? [2, 5, 4] : [2, 4, 5];
      checkGrad((x, y) => core.matmul(x, y, { transposeA: ta, transposeB: tb }), [u(a), u(b)]);
    }
    checkGrad((x, y) => core.matmul(x, y), [u([3, 4]), u([2, 4, 2])]);
    checkGrad((x, y) => core.matmul(x, y, { transposeB: true }), [u([2, 1, 3, 4]), u([3, 2, 4])]);
    checkGrad((x, y) => core.dot(x, y), [u([4]), u([4, 2])]);
  });
  it('fusedMatmul: every epilogue activation, with and without bias, transposes and batches', () => {
    const acts = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'gelu'] as const;
    for (const activation of acts) {
      checkGrad((x, y, c) => core.fusedMatmul(x, y, { bias: c, activation }), [u([3, 4]), u([4, 5]), u([5])]);
    }
    checkGrad((x, y) => core.fusedMatmul(x, y, { transposeA: true, transposeB: true, activation: 'tanh' }), [u([2, 4, 3]), u([2, 5, 4])]);
    checkGrad((x, y, c) => core.fusedMatmul(x, y, { bias: c, activation: 'sigmoid' }), [u([2, 3, 4]), u([4, 2]), u([2])]);
  });
  it('transpose, reshape, expandDims, squeeze, broadcastTo, tile', () => {
    checkGrad((x) => core.transpose(x, [2, 0, 1]), [u([2, 3, 4])]);
    checkGrad((x) => core.reshape(x, [3, 2]).mul(x.reshape([3, 2])), [u([6])]);
    checkGrad((x) => core.squeeze(core.expandDims(x, 1)).square(), [u([2, 3])]);
    checkGrad((x) => core.broadcastTo(x, [2, 3, 4]), [u([3, 1])]);
    checkGrad((x) => core.tile(x, [2, 3]), [u([2, 2])]);
  });
  it('slice, stridedSlice (negative strides), reverse', () => {
    checkGrad((x) => core.slice(x, [1, 0], [2, 2]), [u([4, 3])]);
    checkGrad((x) => core.stridedSlice(x, [0, 1], [5, 4], [2, 2]), [u([5, 4])]);
    checkGrad((x) => core.stridedSlice(x, [4, 3], [0, 0], [-2, -1]), [u([5, 4])]);
    checkGrad((x) => core.reverse(x, [0, 1]), [u([2, 3])]);
  });
  it('several slices of one tensor: disjoint with gaps, overlapping, on two axes', () => {
    checkGrad((x) => core.concat([core.slice(x, [0, 0], [1, -1]), core.slice(x, [2, 0], [1, -1]).mul(2)], 0), [u([4, 3])]);
    checkGrad((x) => core.mul(core.slice(x, [0], [3]), core.slice(x, [1], [3])), [u([5])]);
    checkGrad((x) => core.add(core.slice(x, [0, 1], [2, 2]), core.slice(x, [1, 0], [2, 2])), [u([3, 3])]);
    checkGrad((x) => core.stack(core.unstack(x, 1).map((t, i) => t.mul(i + 1)), 0), [u([2, 4, 2])]);
  });
  it('concat, stack, split, unstack, pad', () => {
    checkGrad((a, b) => core.concat([a, b, a], 1), [u([2, 1]), u([2, 3])]);
    checkGrad((a, b) => core.stack([a, b], 1), [u([2, 3]), u([2, 3])]);
    checkGrad((x) => { const [p, q] = core.split(x, [1, 2], 1); return core.mul(p, core.sum(q, 1, true)); }, [u([2, 3])]);
    checkGrad((x) => core.unstack(x, 1)[2], [u([2, 3])]);
    checkGrad((x) => core.pad(x, [[1, 0], [2, 1]], 3), [u([2, 2])]);
  });
  it('gather (axis, repeated indices, batchDims), oneHot-free embedding lookup', () => {
    checkGrad((x) => core.gather(x, [2, 0, 2, 1]), [u([3, 2])]);
    checkGrad((x) => core.gather(x, [[1, 1], [0, 2]], 1), [u([2, 3, 2])]);
    checkGrad((x) => core.gather(x, [[1, 0], [2, 2]], 1, 1), [u([2, 3])]);
  });
  it('topk values', () => {
    checkGrad((x) => core.topk(x, 2).values, [g([2, 4])]);
  });
});

describe('gradient checks: convolution and pooling', () => {
  const cases: [string, core.Conv2DOptions, number[], number[]][] = [
    ['valid', {}, [2, 4, 5, 2], [2, 3, 2, 3]],
    ['same stride 2', { strides: 2, padding: 'same' }, [1, 5, 5, 2], [3, 3, 2, 2]],
    ['dilation 2', { dilations: 2 }, [1, 5, 6, 1], [2, 2, 1, 2]],
    ['explicit pads, strides [2,1]', { strides: [2, 1], padding: [[2, 0], [1, 3]] }, [1, 4, 3, 2], [2, 2, 2, 1]],
    ['same, stride 2, dilation 2', { strides: [1, 2], dilations: [2, 1], padding: 'same' }, [1, 5, 6, 1], [3, 2, 1, 2]],
  ];
  for (const [name, opts, xs, fs] of cases) {
    it(`conv2d ${name}`, () => { checkGrad((x, f) => core.conv2d(x, f, opts), [u(xs), u(fs)]); });
  }
  it('conv1d stride / dilation / same', () => {
    checkGrad((x, f) => core.conv1d(x, f, { stride: 2, padding: 'same' }), [u([2, 7, 2]), u([3, 2, 3])]);
    checkGrad((x, f) => core.conv1d(x, f, { dilation: 2 }), [u([1, 8, 1]), u([3, 1, 2])]);
  });
  it('maxPool / avgPool (valid, same, overlapping strides)', () => {
    checkGrad((x) => core.maxPool2d(x, { poolSize: 2 }), [g([1, 4, 4, 2])]);
    checkGrad((x) => core.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [g([1, 5, 4, 1], 9)]);
    checkGrad((x) => core.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [u([1, 5, 4, 2])]);
    checkGrad((x) => core.avgPool2d(x, { poolSize: [2, 3], strides: 1 }), [u([2, 3, 4, 1])]);
    checkGrad((x) => core.maxPool1d(x, { poolSize: 2, strides: 1 }), [g([2, 5, 2], 11)]);
    checkGrad((x) => core.avgPool1d(x, { poolSize: 3, padding: 'same' }), [u([1, 7, 1])]);
  });
  it('maxPool routes a tie to the first maximum only', () => {
    const gx = tidy(() => grad((x) => core.maxPool1d(x, { poolSize: 2 }))(tensor([[[1], [1]]])).arraySync());
    expect(gx).toEqual([[[1], [0]]]);
  });
});

describe('tape API', () => {
  it('valueAndGrad, grads, variableGrads and no leaks', () => {
    const before = memory().numTensors;
    const x = tensor([1, 2, 3]);
    const { value, grad: gx } = valueAndGrad((t) => t.square().sum())(x);
    expect(value.arraySync()).toBeCloseTo(14);
    expect(gx.arraySync()).toEqual([2, 4, 6]);
    const other = tensor([4, 5, 6]);
    const [ga, gb] = grads((a, b) => a.mul(b).sum())([x, other]);
    expect(ga.arraySync()).toEqual([4, 5, 6]);
    expect(gb.arraySync()).toEqual([1, 2, 3]);
    const init = tensor([[1, 2], [3, 4]]);
    const v = variable(init);
    init.dispose();
    const r = variableGrads(() => v.value.mul(x.slice([0], [2])).sum(), [v]);
    expect(r.grads.get(v)!.arraySync()).toEqual([[1, 2], [1, 2]]);
    core.dispose([value, gx, ga, gb, r.value, [...r.grads.values()], x, other]);
    expect(memory().numTensors).toBe(before + 1); // the variable's value
    v.dispose();
    expect(memory().numTensors).toBe(before);
  });
  it('higher-order gradients: grad of grad', () => {
    const before = memory().numTensors;
    const x = tensor([0.5, -1, 2]);
    const d2cube = grad(grad((t) => t.mul(t).mul(t)))(x);
    expect(d2cube.arraySync()).toEqual([3, -6, 12]);
    const d2sin = grad(grad((t) => core.sin(t)))(x);
    (d2sin.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(-Math.sin([0.5, -1, 2][i]), 6));
    const d3tanh = grad(grad(grad((t) => core.tanh(t))))(x);
    const t0 = Math.tanh(0.5);
    expect((d3tanh.arraySync() as number[])[0]).toBeCloseTo(-2 * (1 - t0 * t0) * (1 - 3 * t0 * t0), 5);
    // Mixed partials of f(a, b) = a²·b: ∂/∂a (∂f/∂b) = 2a.
    const y = tensor([3, 4, 5]);
    const mixed = grad((a) => grads((p, q) => p.square().mul(q).sum())([a, y])[1].sum())(x);
    expect(mixed.arraySync()).toEqual([1, -2, 4]);
    core.dispose([x, y, d2cube, d2sin, d3tanh, mixed]);
    expect(memory().numTensors).toBe(before);
  });

  it('unused sources get zeros; tape tensors are all freed', () => {
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    const before = memory().numTensors;
    const [gx, gy] = grads((a) => a.exp().sum())([x, y]);
    expect(gy.arraySync()).toEqual([0, 0]);
    expect(memory().numTensors).toBe(before + 2);
    core.dispose([gx, gy, x, y]);
  });
  it('a function that throws leaves no tape and no tensors behind', () => {
    const x = tensor([1, 2]);
    const before = memory().numTensors;
    expect(() => grad((t) => { t.exp().mul(2); throw new Error('boom'); })(x)).toThrow('boom');
    expect(memory().numTensors).toBe(before);
    const g = grad((t) => t.square().sum())(x);
    expect(g.arraySync()).toEqual([2, 4]);
    core.dispose([x, g]);
  });
  it('clear errors for bad sources and non-tensor results', () => {
    const i = tensor([1, 2], undefined, 'int32');
    expect(() => grad((t) => t)(i)).toThrow(/gradients exist only for float32/);
    const x = tensor([1]);
    expect(() => grad(() => 3 as unknown as Tensor)(x)).toThrow(/must return a Tensor/);
    expect(() => grad((t) => t.sum())(x, tensor([1, 2]))).toThrow(/dy/);
    core.dispose([i, x]);
  });
});
