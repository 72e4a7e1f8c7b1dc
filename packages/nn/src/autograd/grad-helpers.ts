// Small compositions of core ops that gradient rules share: unbroadcasting, zero-dilation,
// pad-or-crop, scatter-by-one-hot and the Gaussian CDF (for gelu).

import {
  abs, add, arange, broadcastedAxes, cast, equal, exp, matmul, mul, pad, reshape, shapesEqual, slice,
  sub, sum, where, type Shape, type Tensor,
} from '@loom/core';

/** Sums `dy` over the axes along which an input of `shape` was broadcast, then reshapes to `shape`. */
export function unbroadcast(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastedAxes(shape, dy.shape);
  const s = axes.length > 0 ? sum(dy, axes) : dy;
  return reshape(s, [...shape]);
}

/** Inserts `stride − 1` zeros between consecutive entries along `axis` (length n → (n−1)·stride + 1). */
export function dilate(x: Tensor, axis: number, stride: number): Tensor {
  const n = x.shape[axis];
  if (stride === 1 || n <= 1) return x;
  const before = x.shape.slice(0, axis);
  const after = x.shape.slice(axis + 1);
  const r = reshape(x, [...before, n, 1, ...after]);
  const paddings = r.shape.map((_, i) => (i === axis + 1 ? [0, stride - 1] : [0, 0]) as [number, number]);
  const p = reshape(pad(r, paddings), [...before, n * stride, ...after]);
  const size = p.shape.map((d, i) => (i === axis ? (n - 1) * stride + 1 : d));
  return slice(p, p.shape.map(() => 0), size);
}

/** Pads (positive) or crops (negative) `before`/`after` entries along `axis`. */
export function padOrCrop(x: Tensor, axis: number, before: number, after: number): Tensor {
  let t = x;
  if (before < 0 || after < 0) {
    const b = Math.max(0, -before);
    const len = t.shape[axis] - b - Math.max(0, -after);
    t = slice(t, t.shape.map((_, i) => (i === axis ? b : 0)), t.shape.map((d, i) => (i === axis ? Math.max(0, len) : d)));
  }
  if (before > 0 || after > 0) {
    t = pad(t, t.shape.map((_, i) => (i === axis ? [Math.max(0, before), Math.max(0, after)] : [0, 0]) as [number, number]));
  }
  return t;
}

/**
 * Scatter-add along `axis` of an `xShape` input, as the adjoint of gather: x is viewed as
 * [B, pre, N, post] and indices as [B, M] (B = batch dims); dy as [B, pre, M, post].
 * dx[b, p, n, q] = Σ_m [idx[b, m] = n] · dy[b, p, m, q], computed as a one-hot matmul.
 */
export function scatterAdd(dy: Tensor, indices: Tensor, xShape: Shape, axis: number, batchDims: number): Tensor {
  const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const bt = prod(xShape.slice(0, batchDims));
  const pre = prod(xShape.slice(batchDims, axis));
  const n = xShape[axis];
  const post = prod(xShape.slice(axis + 1));
  const m = indices.size / bt;
  const idx = reshape(indices, [bt, 1, m, 1]);
  const oneHot = cast(equal(idx, reshape(arange(0, n, 1, 'int32'), [1, 1, 1, n])), 'float32'); // [bt,1,m,n]
  const dy4 = reshape(dy, [bt, pre, m, post]);
  const dx = matmul(oneHot, dy4, { transposeA: true }); // [bt, pre, n, post]
  return reshape(dx, [...xShape]);
}

/** Φ(x), the standard normal CDF, from the same erfc approximation the reference gelu uses. */
export function normalCdf(x: Tensor): Tensor {
  // erfc(z) for z = |x|/√2 (Numerical Recipes 6.2), then Φ(x) = ½·erfc(−x/√2).
  const z = mul(abs(x), Math.SQRT1_2);
  const t = add(mul(z, 0.5), 1).reciprocal();
  const coeffs = [-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368];
  let poly: Tensor = mul(t, 0.17087277);
  for (const c of coeffs) poly = mul(t, add(poly, c));
  const r = mul(t, exp(sub(add(poly, -1.26551223), mul(z, z))));
  // x ≥ 0: Φ = 1 − ½·erfc(|x|/√2); x < 0: Φ = ½·erfc(|x|/√2).
  const half = mul(r, 0.5);
  return where(x.greaterEqual(0), sub(1, half), half);
}

/** Standard normal density φ(x). */
export function normalPdf(x: Tensor): Tensor {
  return mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
}

/** Adds a kept size-1 axis for each reduced axis, so `dy` broadcasts against the input. */
export function keepDimsShape(xShape: Shape, axes: readonly number[]): number[] {
  return xShape.map((d, i) => (axes.includes(i) ? 1 : d));
}
