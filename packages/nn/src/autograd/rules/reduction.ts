// Gradient rules for reductions (sum, prod, max, min), arg-reductions, softmax, logSoftmax,
// cumsum and topk.

import {
  arange, broadcastTo, cumsum, div, equal, exp, mul, prod, reshape, sub, sum, transpose, where, zeros, type Tensor,
} from '@loom/core';
import { keepDimsShape, scatterAdd } from '../grad-helpers.js';
import { nonDiff, NONE, X, XY, Y, type GradientFamily } from './types.js';

/** Broadcasts a reduced gradient back over the reduced axes. */
function expandReduced(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(dy, keepDimsShape(x.shape, axes)), [...x.shape]);
}

/** Gradient of max/min: split equally among the elements equal to the extreme. */
function extremeGrad(dy: Tensor, x: Tensor, y: Tensor, axes: readonly number[]): Tensor {
  const keep = keepDimsShape(x.shape, axes);
  const mask = equal(x, reshape(y, keep)).cast('float32');
  const count = sum(mask, axes, true);
  return mul(mask, div(reshape(dy, keep), count));
}

/** Gradient of prod: the product of all other elements, exact even with zeros (via an n×n mask). */
function prodGrad(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  if (x.size === 0) return zeros([...x.shape]);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const n = axes.reduce((a, i) => a * x.shape[i], 1);
  const outer = x.size / n;
  const xt = reshape(transpose(x, perm), [outer, 1, n]);
  const ids = arange(0, n, 1, 'int32');
  const diag = equal(reshape(ids, [n, 1]), reshape(ids, [1, n]));
  const others = prod(where(diag, 1, broadcastTo(xt, [outer, n, n])), 2); // [outer, n]
  const g = mul(others, reshape(dy, [outer, 1]));
  const inv = perm.map((_, i) => perm.indexOf(i));
  return transpose(reshape(g, perm.map((a) => x.shape[a])), inv);
}

/** Rules for the reduction family. */
export const REDUCTION_GRADIENTS = {
  // d Σx = dy broadcast over the reduced axes
  sum: { save: NONE, vjp: (dy, { inputs: [x], attrs }) => [expandReduced(dy, x, attrs.axes)] },
  // d Πx / dxᵢ = Π_{j≠i} xⱼ
  prod: { save: X, vjp: (dy, { inputs: [x], attrs }) => [prodGrad(dy, x, attrs.axes)] },
  // d max x = dy shared equally among the maximal elements
  max: { save: XY, vjp: (dy, { inputs: [x], outputs: [y], attrs }) => [extremeGrad(dy, x, y, attrs.axes)] },
  // d min x = dy shared equally among the minimal elements
  min: { save: XY, vjp: (dy, { inputs: [x], outputs: [y], attrs }) => [extremeGrad(dy, x, y, attrs.axes)] },
  argMax: nonDiff('argMax: int32 index output'),
  argMin: nonDiff('argMin: int32 index output'),
  // d softmax: dx = y ⊙ (dy − Σ(dy ⊙ y)) along the axis
  softmax: { save: Y, vjp: (dy, { outputs: [y], attrs }) => [mul(y, sub(dy, sum(mul(dy, y), attrs.axis, true)))] },
  // d logSoftmax: dx = dy − softmax(x) Σ dy along the axis, softmax(x) = e^y
  logSoftmax: { save: Y, vjp: (dy, { outputs: [y], attrs }) => [sub(dy, mul(exp(y), sum(dy, attrs.axis, true)))] },
  // d cumsum = cumsum of dy in the opposite direction (same exclusivity)
  cumsum: { save: NONE, vjp: (dy, { attrs }) => [cumsum(dy, attrs.axis, attrs.exclusive, !attrs.reverse)] },
  // d topk values: dy scattered to the selected positions of the last axis; the indices are int32
  topk: {
    save: { outputs: [1] },
    vjp: (dy, { inputs: [x], outputs: [, idx] }) => [scatterAdd(dy, idx, x.shape, x.rank - 1, x.rank - 1)],
  },
} satisfies GradientFamily;
