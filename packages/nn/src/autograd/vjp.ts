// One vector-Jacobian rule per core op, checked by the compiler against core's OpName list.
// Each rule maps the upstream gradient dy to one gradient per input (null: none flows there).

import {
  add, arange, broadcastTo, conv2d, cos, cumsum, div, equal, exp, floor, fusedMatmul, greater, greaterEqual, lessEqual,
  log, logicalAnd, logicalNot, logicalOr, matmul, mul, neg, pad, pow, prod, reshape, reverse, sigmoid, sign, sin,
  slice, split, square, stridedSlice, sub, sum, transpose, where, zeros, ones,
  type OpAttrs, type OpName, type Tensor,
} from '@loom/core';
import { dilate, keepDimsShape, normalCdf, normalPdf, padOrCrop, scatterAdd, unbroadcast } from './grad-helpers.js';

/** What a rule sees of the recorded op: its inputs, outputs and attributes. */
export interface VjpContext<K extends OpName> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: OpAttrs[K];
}

/** Maps dy (the gradient of the first output; zeros when only others have one) to input gradients. */
export type VjpFn<K extends OpName> = (dy: Tensor, ctx: VjpContext<K>) => readonly (Tensor | null)[];

/** Marks an op through which no gradient flows (its output is discrete). */
export interface NonDifferentiable {
  readonly nonDifferentiable: string;
}

/** A gradient rule, or an explicit statement that the op has none. */
export type VjpRule<K extends OpName> = VjpFn<K> | NonDifferentiable;

const nonDiff = (reason: string): NonDifferentiable => ({ nonDifferentiable: reason });

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

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

/** Sums a batched matmul gradient over the batch when that input had a batch of 1. */
function batchSum(g: Tensor, input: Tensor): Tensor {
  return input.shape[0] === 1 && g.shape[0] !== 1 ? sum(g, 0, true) : g;
}

/** conv2d input gradient: a stride-1 correlation of the zero-dilated, padded dy with the flipped filter. */
/** dA, dB of C = op(A) op(B), the transposes folded in; batch-1 inputs sum over the batch. */
function matmulGrads(dy: Tensor, a: Tensor, b: Tensor, ta: boolean, tb: boolean): [Tensor, Tensor] {
  let da: Tensor;
  let db: Tensor;
  if (!ta && !tb) { da = matmul(dy, b, { transposeB: true }); db = matmul(a, dy, { transposeA: true }); }
  else if (ta && !tb) { da = matmul(b, dy, { transposeB: true }); db = matmul(a, dy); }
  else if (!ta && tb) { da = matmul(dy, b); db = matmul(dy, a, { transposeA: true }); }
  else { da = matmul(b, dy, { transposeA: true, transposeB: true }); db = matmul(dy, a, { transposeA: true, transposeB: true }); }
  return [batchSum(da, a), batchSum(db, b)];
}

/** act'(z) ⊙ dy for the fused epilogue; from the output where it suffices, else from z recomputed. */
function fusedActivationGrad(dy: Tensor, y: Tensor, a: Tensor, b: Tensor, bias: Tensor | undefined, attrs: OpAttrs['fusedMatmul']): Tensor {
  const z = (): Tensor => fusedMatmul(a, b, { transposeA: attrs.transposeA, transposeB: attrs.transposeB, bias, activation: 'linear' });
  switch (attrs.activation) {
    case 'linear': return dy;
    case 'relu': return where(greater(y, 0), dy, 0);
    case 'relu6': { const zz = z(); return where(logicalAnd(greater(zz, 0), lessEqual(zz, 6)), dy, 0); }
    case 'sigmoid': return mul(dy, mul(y, sub(1, y)));
    case 'tanh': return mul(dy, sub(1, square(y)));
    case 'gelu': { const zz = z(); return mul(dy, add(normalCdf(zz), mul(zz, normalPdf(zz)))); }
  }
}

function conv2dInputGrad(dy: Tensor, x: Tensor, f: Tensor, attrs: OpAttrs['conv2d']): Tensor {
  if (dy.size === 0) return zeros([...x.shape]);
  let g = dy;
  for (const i of [0, 1]) {
    const axis = i + 1;
    const s = attrs.strides[i];
    const d = attrs.dilations[i];
    const k = f.shape[i];
    g = dilate(g, axis, s);
    const before = (k - 1) * d - attrs.pads[2 * i];
    const after = x.shape[axis] + (k - 1) * d - g.shape[axis] - before;
    g = padOrCrop(g, axis, before, after);
  }
  const flipped = transpose(reverse(f, [0, 1]), [0, 1, 3, 2]);
  return conv2d(g, flipped, { dilations: attrs.dilations, padding: 'valid' });
}

/** conv2d filter gradient: correlate the padded input with dy, batch and channels swapped. */
function conv2dFilterGrad(dy: Tensor, x: Tensor, f: Tensor, attrs: OpAttrs['conv2d']): Tensor {
  if (dy.size === 0 || x.size === 0) return zeros([...f.shape]);
  const [pt, pb, pl, pr] = attrs.pads;
  let xp = pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  // Crop to the extent the windows actually read, so the result has exactly the filter's size.
  const need = [0, 1].map((i) => (dy.shape[i + 1] - 1) * attrs.strides[i] + (f.shape[i] - 1) * attrs.dilations[i] + 1);
  xp = slice(xp, [0, 0, 0, 0], [xp.shape[0], need[0], need[1], xp.shape[3]]);
  const xT = transpose(xp, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, F]
  const g = conv2d(xT, dyT, { strides: attrs.dilations, dilations: attrs.strides, padding: 'valid' }); // [C, kh, kw, F]
  return transpose(g, [1, 2, 0, 3]);
}

type PoolAttrs = OpAttrs['maxPool2d'];

/** Reads the window element at offset (ky, kx) of every output position from the padded input. */
function windowTap(xp: Tensor, ky: number, kx: number, outShape: readonly number[], strides: readonly number[]): Tensor {
  const [n, oh, ow, c] = outShape;
  return stridedSlice(xp, [0, ky, kx, 0], [n, ky + (oh - 1) * strides[0] + 1, kx + (ow - 1) * strides[1] + 1, c], [1, strides[0], strides[1], 1]);
}

/** Places per-output values back at input offset (ky, kx) in a padded-input-shaped tensor. */
function placeTap(v: Tensor, ky: number, kx: number, paddedShape: readonly number[], strides: readonly number[]): Tensor {
  let g = dilate(dilate(v, 1, strides[0]), 2, strides[1]);
  g = padOrCrop(g, 1, ky, paddedShape[1] - ky - g.shape[1]);
  return padOrCrop(g, 2, kx, paddedShape[2] - kx - g.shape[2]);
}

function poolGrad(kind: 'max' | 'avg', dy: Tensor, x: Tensor, y: Tensor, attrs: PoolAttrs): Tensor {
  if (dy.size === 0 || x.size === 0) return zeros([...x.shape]);
  const [pt, pb, pl, pr] = attrs.pads;
  const paddings: [number, number][] = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
  const paddedShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  // NOTE: avg pooling does not save x (only its shape), so only max pooling pads its values.
  const xp = kind === 'max' ? pad(x, paddings, -Infinity) : undefined;
  const inside = pad(ones([...x.shape]), paddings, 0);
  let dxp: Tensor | undefined;
  let taken: Tensor | undefined;
  let count: Tensor | undefined;
  const taps: [number, number][] = [];
  for (let ky = 0; ky < attrs.windowSize[0]; ky++) for (let kx = 0; kx < attrs.windowSize[1]; kx++) taps.push([ky, kx]);
  if (kind === 'avg') {
    for (const [ky, kx] of taps) {
      const c = windowTap(inside, ky, kx, dy.shape, attrs.strides);
      count = count ? add(count, c) : c;
    }
  }
  for (const [ky, kx] of taps) {
    let v: Tensor;
    if (kind === 'max') {
      // The first maximum in window order takes the gradient, as the reference kernel picks it.
      const hit = equal(windowTap(xp!, ky, kx, dy.shape, attrs.strides), y);
      const first = taken ? logicalAnd(hit, logicalNot(taken)) : hit;
      taken = taken ? logicalOr(taken, first) : first;
      v = where(first, dy, 0);
    } else {
      v = div(mul(dy, windowTap(inside, ky, kx, dy.shape, attrs.strides)), count!);
    }
    const placed = placeTap(v, ky, kx, paddedShape, attrs.strides);
    dxp = dxp ? add(dxp, placed) : placed;
  }
  return slice(dxp!, [0, pt, pl, 0], [...x.shape]);
}

/** Slice gradient: undo each axis's stride (reverse, zero-dilate) and pad back to the input. */
export function sliceGrad(dy: Tensor, x: Tensor, attrs: OpAttrs['slice']): Tensor {
  if (dy.size === 0) return zeros([...x.shape]);
  let g = dy;
  for (let a = 0; a < x.rank; a++) {
    let s = attrs.strides[a];
    const n = dy.shape[a];
    let lo = attrs.begin[a];
    if (s < 0) {
      g = reverse(g, a);
      lo = lo + (n - 1) * s;
      s = -s;
    }
    g = dilate(g, a, s);
    g = padOrCrop(g, a, lo, x.shape[a] - lo - g.shape[a]);
  }
  return g;
}

/** Every core op's vector-Jacobian product. */
export const VJP = {
  // d(eˣ) = eˣ dx; the saved output is eˣ.
  exp: (dy, { outputs: [y] }) => [mul(dy, y)],
  // d(eˣ − 1) = eˣ dx = (y + 1) dx.
  expm1: (dy, { outputs: [y] }) => [mul(dy, add(y, 1))],
  // d(ln x) = dx / x.
  log: (dy, { inputs: [x] }) => [div(dy, x)],
  // d(ln(1 + x)) = dx / (1 + x).
  log1p: (dy, { inputs: [x] }) => [div(dy, add(x, 1))],
  // d(√x) = dx / (2√x).
  sqrt: (dy, { outputs: [y] }) => [div(dy, mul(y, 2))],
  // d(x^−½) = −½ x^−3/2 dx = −½ y³ dx.
  rsqrt: (dy, { outputs: [y] }) => [mul(dy, mul(mul(y, square(y)), -0.5))],
  // d(1/x) = −dx / x² = −y² dx.
  reciprocal: (dy, { outputs: [y] }) => [neg(mul(dy, square(y)))],
  // d(sin x) = cos x dx.
  sin: (dy, { inputs: [x] }) => [mul(dy, cos(x))],
  // d(cos x) = −sin x dx.
  cos: (dy, { inputs: [x] }) => [neg(mul(dy, sin(x)))],
  // d(tan x) = (1 + tan²x) dx.
  tan: (dy, { outputs: [y] }) => [mul(dy, add(square(y), 1))],
  // d(atan x) = dx / (1 + x²).
  atan: (dy, { inputs: [x] }) => [div(dy, add(square(x), 1))],
  // d(tanh x) = (1 − tanh²x) dx.
  tanh: (dy, { outputs: [y] }) => [mul(dy, sub(1, square(y)))],
  // d(σ(x)) = σ(x)(1 − σ(x)) dx.
  sigmoid: (dy, { outputs: [y] }) => [mul(dy, mul(y, sub(1, y)))],
  // d(elu x) = dx for x > 0, eˣ dx = (y + 1) dx otherwise.
  elu: (dy, { inputs: [x], outputs: [y] }) => [where(greater(x, 0), dy, mul(dy, add(y, 1)))],
  // d(selu x) = λ dx for x > 0, λα eˣ dx = (y + λα) dx otherwise.
  selu: (dy, { inputs: [x], outputs: [y] }) =>
    [where(greater(x, 0), mul(dy, SELU_SCALE), mul(dy, add(y, SELU_SCALE * SELU_ALPHA)))],
  // d(x Φ(x)) = (Φ(x) + x φ(x)) dx.
  gelu: (dy, { inputs: [x] }) => [mul(dy, add(normalCdf(x), mul(x, normalPdf(x))))],
  // d(ln(1 + eˣ)) = σ(x) dx.
  softplus: (dy, { inputs: [x] }) => [mul(dy, sigmoid(x))],
  // d(x σ(x)) = σ(x)(1 + x(1 − σ(x))) dx.
  silu: (dy, { inputs: [x] }) => {
    const s = sigmoid(x);
    return [mul(dy, mul(s, add(mul(x, sub(1, s)), 1)))];
  },
  // d(−x) = −dx.
  neg: (dy) => [neg(dy)],
  // d|x| = sign(x) dx (0 at 0).
  abs: (dy, { inputs: [x] }) => [mul(dy, sign(x))],
  // d(sign x) = 0 almost everywhere: piecewise constant, no gradient flows.
  sign: () => [null],
  // d(x²) = 2x dx.
  square: (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))],
  // d(relu x) = [x > 0] dx.
  relu: (dy, { inputs: [x] }) => [where(greater(x, 0), dy, 0)],
  // d(relu6 x) = [0 < x ≤ 6] dx (as TensorFlow).
  relu6: (dy, { inputs: [x] }) => [where(logicalAnd(greater(x, 0), lessEqual(x, 6)), dy, 0)],
  // d(floor x) = 0 almost everywhere: piecewise constant, no gradient flows.
  floor: () => [null],
  // d(ceil x) = 0 almost everywhere: piecewise constant, no gradient flows.
  ceil: () => [null],
  // d(round x) = 0 almost everywhere: piecewise constant, no gradient flows.
  round: () => [null],
  isNaN: nonDiff('isNaN: bool output'),
  isFinite: nonDiff('isFinite: bool output'),
  logicalNot: nonDiff('logicalNot: bool input and output'),
  // d(a + b) = da + db; sum over broadcast axes to get back to each input's shape.
  add: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(dy, b.shape)],
  // d(a − b) = da − db.
  sub: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(neg(dy), b.shape)],
  // d(a·b) = b da + a db.
  mul: (dy, { inputs: [a, b] }) => [unbroadcast(mul(dy, b), a.shape), unbroadcast(mul(dy, a), b.shape)],
  // d(a/b) = da / b − a db / b².
  div: (dy, { inputs: [a, b] }) =>
    [unbroadcast(div(dy, b), a.shape), unbroadcast(neg(div(mul(dy, a), square(b))), b.shape)],
  // d(aᵇ) = b a^(b−1) da + aᵇ ln(a) db (the b-term is 0 where a ≤ 0, as TensorFlow).
  pow: (dy, { inputs: [a, b], outputs: [y] }) => [
    unbroadcast(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
    unbroadcast(mul(dy, where(greater(a, 0), mul(y, log(where(greater(a, 0), a, 1))), 0)), b.shape),
  ],
  // d max(a, b) = [a ≥ b] da + [a < b] db.
  maximum: (dy, { inputs: [a, b] }) => {
    const m = greaterEqual(a, b);
    return [unbroadcast(where(m, dy, 0), a.shape), unbroadcast(where(m, 0, dy), b.shape)];
  },
  // d min(a, b) = [a ≤ b] da + [a > b] db.
  minimum: (dy, { inputs: [a, b] }) => {
    const m = lessEqual(a, b);
    return [unbroadcast(where(m, dy, 0), a.shape), unbroadcast(where(m, 0, dy), b.shape)];
  },
  // a mod b = a − ⌊a/b⌋ b: d = da − ⌊a/b⌋ db.
  mod: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(neg(mul(dy, floor(div(a, b)))), b.shape)],
  // d⌊a/b⌋ = 0 almost everywhere: piecewise constant, no gradient flows.
  floorDiv: () => [null, null],
  equal: nonDiff('equal: bool output'),
  notEqual: nonDiff('notEqual: bool output'),
  less: nonDiff('less: bool output'),
  lessEqual: nonDiff('lessEqual: bool output'),
  greater: nonDiff('greater: bool output'),
  greaterEqual: nonDiff('greaterEqual: bool output'),
  logicalAnd: nonDiff('logicalAnd: bool inputs and output'),
  logicalOr: nonDiff('logicalOr: bool inputs and output'),
  // d Σx = dy broadcast over the reduced axes.
  sum: (dy, { inputs: [x], attrs }) => [expandReduced(dy, x, attrs.axes)],
  // d Πx / dxᵢ = Π_{j≠i} xⱼ.
  prod: (dy, { inputs: [x], attrs }) => [prodGrad(dy, x, attrs.axes)],
  // d max x = dy shared equally among the maximal elements.
  max: (dy, { inputs: [x], outputs: [y], attrs }) => [extremeGrad(dy, x, y, attrs.axes)],
  // d min x = dy shared equally among the minimal elements.
  min: (dy, { inputs: [x], outputs: [y], attrs }) => [extremeGrad(dy, x, y, attrs.axes)],
  // d leakyRelu(x) = dx for x > 0, α dx otherwise.
  leakyRelu: (dy, { inputs: [x], attrs }) => [where(greater(x, 0), dy, mul(dy, attrs.alpha))],
  // d clip(x) = [min ≤ x ≤ max] dx.
  clip: (dy, { inputs: [x], attrs }) =>
    [where(logicalAnd(greaterEqual(x, attrs.min), lessEqual(x, attrs.max)), dy, 0)],
  // d cast(x) = dx between float types; a cast to int32/bool (or from them) is non-differentiable.
  cast: (dy, { inputs: [x], attrs }) => [x.dtype === 'float32' && attrs.dtype === 'float32' ? dy : null],
  // d where(c, a, b) = [c] da + [¬c] db; the condition gets none.
  where: (dy, { inputs: [c, a, b] }) =>
    [null, unbroadcast(where(c, dy, 0), a.shape), unbroadcast(where(c, 0, dy), b.shape)],
  argMax: nonDiff('argMax: int32 index output'),
  argMin: nonDiff('argMin: int32 index output'),
  // d softmax: dx = y ⊙ (dy − Σ(dy ⊙ y)) along the axis.
  softmax: (dy, { outputs: [y], attrs }) => [mul(y, sub(dy, sum(mul(dy, y), attrs.axis, true)))],
  // d logSoftmax: dx = dy − softmax(x) Σ dy along the axis, softmax(x) = e^y.
  logSoftmax: (dy, { outputs: [y], attrs }) => [sub(dy, mul(exp(y), sum(dy, attrs.axis, true)))],
  // C = op(A) op(B): dA = dC Bᵀ, dB = Aᵀ dC, with the transposes folded in; batch-1 inputs sum over the batch.
  matmul: (dy, { inputs: [a, b], attrs: { transposeA: ta, transposeB: tb } }) => matmulGrads(dy, a, b, ta, tb),
  // y = act(op(A) op(B) + bias): dz = act'(z) dy, then dA, dB as matmul and dbias = Σ dz over rows and batch.
  fusedMatmul: (dy, { inputs: [a, b, bias], outputs: [y], attrs }) => {
    const dz = fusedActivationGrad(dy, y, a, b, bias, attrs);
    const [da, db] = matmulGrads(dz, a, b, attrs.transposeA, attrs.transposeB);
    return bias ? [da, db, sum(reshape(dz, [-1, bias.size]), 0)] : [da, db];
  },
  // d transpose(x, p) = transpose(dy, p⁻¹).
  transpose: (dy, { attrs: { perm } }) => [transpose(dy, perm.map((_, i) => perm.indexOf(i)))],
  // d slice: dy scattered back to the read positions (zeros elsewhere).
  slice: (dy, { inputs: [x], attrs }) => [sliceGrad(dy, x, attrs)],
  // d concat: dy split into the inputs' extents along the axis.
  concat: (dy, { inputs, attrs: { axis } }) => split(dy, inputs.map((t) => t.shape[axis]), axis),
  // d pad: the interior of dy.
  pad: (dy, { inputs: [x], attrs }) => [slice(dy, attrs.paddings.map((p) => p[0]), [...x.shape])],
  // d gather: scatter-add dy to the gathered rows; indices get none.
  gather: (dy, { inputs: [x, idx], attrs }) => [scatterAdd(dy, idx, x.shape, attrs.axis, attrs.batchDims), null],
  // d broadcastTo: sum over the broadcast axes.
  broadcastTo: (dy, { inputs: [x] }) => [unbroadcast(dy, x.shape)],
  // d cumsum = cumsum of dy in the opposite direction (same exclusivity).
  cumsum: (dy, { attrs }) => [cumsum(dy, attrs.axis, attrs.exclusive, !attrs.reverse)],
  // d topk values: dy scattered to the selected positions of the last axis; indices are int32.
  topk: (dy, { inputs: [x], outputs: [, idx] }) => [scatterAdd(dy, idx, x.shape, x.rank - 1, x.rank - 1)],
  // y = x ⋆ f: dx = dilate(dy) ⋆ flip(f)ᵀ (full correlation), df = pad(x)ᵀ ⋆ dyᵀ.
  conv2d: (dy, { inputs: [x, f], attrs }) => [conv2dInputGrad(dy, x, f, attrs), conv2dFilterGrad(dy, x, f, attrs)],
  // d maxPool: dy routed to the (first) maximal element of each window.
  maxPool2d: (dy, { inputs: [x], outputs: [y], attrs }) => [poolGrad('max', dy, x, y, attrs)],
  // d avgPool: dy / count spread over each window's in-bounds elements.
  avgPool2d: (dy, { inputs: [x], outputs: [y], attrs }) => [poolGrad('avg', dy, x, y, attrs)],
  // fill has no inputs.
  fill: () => [],
  // d reshape = dy reshaped back.
  reshape: (dy, { inputs: [x] }) => [reshape(dy, [...x.shape])],
} satisfies { [K in OpName]: VjpRule<K> };

/** Which input and output values (by index) a rule reads; the others it uses for shape and dtype only. */
export interface Saved {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
}

const X: Saved = { inputs: [0] };
const Y: Saved = { outputs: [0] };
const XY: Saved = { inputs: [0], outputs: [0] };
const AB: Saved = { inputs: [0, 1] };
const NONE: Saved = {};

/**
 * What the tape keeps alive for each op's rule. Values not listed are released as soon as the
 * forward pass is done with them (the rule may still read their shape and dtype).
 */
export const SAVED = {
  exp: Y, expm1: Y, log: X, log1p: X, sqrt: Y, rsqrt: Y, reciprocal: Y, sin: X, cos: X, tan: Y, atan: X,
  tanh: Y, sigmoid: Y, elu: XY, selu: XY, gelu: X, softplus: X, silu: X, neg: NONE, abs: X, sign: NONE,
  square: X, relu: X, relu6: X, floor: NONE, ceil: NONE, round: NONE, isNaN: NONE, isFinite: NONE,
  logicalNot: NONE, add: NONE, sub: NONE, mul: AB, div: AB, pow: { inputs: [0, 1], outputs: [0] }, maximum: AB,
  minimum: AB, mod: AB, floorDiv: NONE, equal: NONE, notEqual: NONE, less: NONE, lessEqual: NONE, greater: NONE,
  greaterEqual: NONE, logicalAnd: NONE, logicalOr: NONE, sum: NONE, prod: X, max: XY, min: XY, leakyRelu: X,
  clip: X, cast: NONE, where: X, argMax: NONE, argMin: NONE, softmax: Y, logSoftmax: Y, matmul: AB,
  fusedMatmul: { inputs: [0, 1, 2], outputs: [0] },
  transpose: NONE, slice: NONE, concat: NONE, pad: NONE, gather: { inputs: [1] }, broadcastTo: NONE, cumsum: NONE,
  topk: { outputs: [1] }, conv2d: AB, maxPool2d: XY, avgPool2d: NONE, fill: NONE, reshape: NONE,
} satisfies { [K in OpName]: Saved };

/** True when `rule` is a non-differentiable marker rather than a function. */
export function isNonDifferentiable(rule: VjpRule<OpName>): rule is NonDifferentiable {
  return typeof rule !== 'function';
}

