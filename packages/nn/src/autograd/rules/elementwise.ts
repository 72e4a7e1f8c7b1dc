// Gradient rules for elementwise ops: unary math, binary arithmetic with broadcasting, comparisons
// and logic (non-differentiable), where, cast, clip and leakyRelu.

import {
  add, cos, div, floor, greater, greaterEqual, lessEqual, log, logicalAnd, mul, neg, pow, sigmoid, sign, sin, square,
  sub, where,
} from '@loom/core';
import { normalCdf, normalPdf, unbroadcast } from '../grad-helpers.js';
import { AB, nonDiff, NONE, X, XY, Y, type GradientFamily } from './types.js';

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Rules for the unary ops. */
export const UNARY_GRADIENTS = {
  // d(eˣ) = eˣ dx = y dx
  exp: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, y)] },
  // d(eˣ − 1) = eˣ dx = (y + 1) dx
  expm1: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, add(y, 1))] },
  // d(ln x) = dx / x
  log: { save: X, vjp: (dy, { inputs: [x] }) => [div(dy, x)] },
  // d(ln(1 + x)) = dx / (1 + x)
  log1p: { save: X, vjp: (dy, { inputs: [x] }) => [div(dy, add(x, 1))] },
  // d(√x) = dx / (2√x) = dx / 2y
  sqrt: { save: Y, vjp: (dy, { outputs: [y] }) => [div(dy, mul(y, 2))] },
  // d(x^−½) = −½ x^−3/2 dx = −½ y³ dx
  rsqrt: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, mul(mul(y, square(y)), -0.5))] },
  // d(1/x) = −dx / x² = −y² dx
  reciprocal: { save: Y, vjp: (dy, { outputs: [y] }) => [neg(mul(dy, square(y)))] },
  // d(sin x) = cos x dx
  sin: { save: X, vjp: (dy, { inputs: [x] }) => [mul(dy, cos(x))] },
  // d(cos x) = −sin x dx
  cos: { save: X, vjp: (dy, { inputs: [x] }) => [neg(mul(dy, sin(x)))] },
  // d(tan x) = (1 + tan²x) dx
  tan: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, add(square(y), 1))] },
  // d(atan x) = dx / (1 + x²)
  atan: { save: X, vjp: (dy, { inputs: [x] }) => [div(dy, add(square(x), 1))] },
  // d(tanh x) = (1 − tanh²x) dx
  tanh: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, sub(1, square(y)))] },
  // d(σ(x)) = σ(x)(1 − σ(x)) dx
  sigmoid: { save: Y, vjp: (dy, { outputs: [y] }) => [mul(dy, mul(y, sub(1, y)))] },
  // d(elu x) = dx for x > 0, eˣ dx = (y + 1) dx otherwise
  elu: { save: XY, vjp: (dy, { inputs: [x], outputs: [y] }) => [where(greater(x, 0), dy, mul(dy, add(y, 1)))] },
  // d(selu x) = λ dx for x > 0, λα eˣ dx = (y + λα) dx otherwise
  selu: {
    save: XY,
    vjp: (dy, { inputs: [x], outputs: [y] }) => [where(greater(x, 0), mul(dy, SELU_SCALE), mul(dy, add(y, SELU_SCALE * SELU_ALPHA)))],
  },
  // d(x Φ(x)) = (Φ(x) + x φ(x)) dx
  gelu: { save: X, vjp: (dy, { inputs: [x] }) => [mul(dy, add(normalCdf(x), mul(x, normalPdf(x))))] },
  // d(ln(1 + eˣ)) = σ(x) dx
  softplus: { save: X, vjp: (dy, { inputs: [x] }) => [mul(dy, sigmoid(x))] },
  // d(x σ(x)) = σ(x)(1 + x(1 − σ(x))) dx
  silu: { save: X, vjp: (dy, { inputs: [x] }) => { const s = sigmoid(x); return [mul(dy, mul(s, add(mul(x, sub(1, s)), 1)))]; } },
  // d(−x) = −dx
  neg: { save: NONE, vjp: (dy) => [neg(dy)] },
  // d|x| = sign(x) dx (0 at 0)
  abs: { save: X, vjp: (dy, { inputs: [x] }) => [mul(dy, sign(x))] },
  // d(sign x) = 0 almost everywhere: piecewise constant, no gradient flows
  sign: { save: NONE, vjp: () => [null] },
  // d(x²) = 2x dx
  square: { save: X, vjp: (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))] },
  // d(relu x) = [x > 0] dx
  relu: { save: X, vjp: (dy, { inputs: [x] }) => [where(greater(x, 0), dy, 0)] },
  // d(relu6 x) = [0 < x ≤ 6] dx (as TensorFlow)
  relu6: { save: X, vjp: (dy, { inputs: [x] }) => [where(logicalAnd(greater(x, 0), lessEqual(x, 6)), dy, 0)] },
  // d(floor x) = 0 almost everywhere: piecewise constant
  floor: { save: NONE, vjp: () => [null] },
  // d(ceil x) = 0 almost everywhere: piecewise constant
  ceil: { save: NONE, vjp: () => [null] },
  // d(round x) = 0 almost everywhere: piecewise constant
  round: { save: NONE, vjp: () => [null] },
  isNaN: nonDiff('isNaN: bool output'),
  isFinite: nonDiff('isFinite: bool output'),
  logicalNot: nonDiff('logicalNot: bool input and output'),
} satisfies GradientFamily;

/** Rules for binary ops, where, cast, clip and leakyRelu. */
export const BINARY_GRADIENTS = {
  // d(a + b) = da + db, each summed over the axes it was broadcast along
  add: { save: NONE, vjp: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(dy, b.shape)] },
  // d(a − b) = da − db
  sub: { save: NONE, vjp: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(neg(dy), b.shape)] },
  // d(a·b) = b da + a db
  mul: { save: AB, vjp: (dy, { inputs: [a, b] }) => [unbroadcast(mul(dy, b), a.shape), unbroadcast(mul(dy, a), b.shape)] },
  // d(a/b) = da / b − a db / b²
  div: {
    save: AB,
    vjp: (dy, { inputs: [a, b] }) => [unbroadcast(div(dy, b), a.shape), unbroadcast(neg(div(mul(dy, a), square(b))), b.shape)],
  },
  // d(aᵇ) = b a^(b−1) da + aᵇ ln(a) db (the db term is 0 where a ≤ 0, as TensorFlow)
  pow: {
    save: { inputs: [0, 1], outputs: [0] },
    vjp: (dy, { inputs: [a, b], outputs: [y] }) => [
      unbroadcast(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
      unbroadcast(mul(dy, where(greater(a, 0), mul(y, log(where(greater(a, 0), a, 1))), 0)), b.shape),
    ],
  },
  // d max(a, b) = [a ≥ b] da + [a < b] db
  maximum: {
    save: AB,
    vjp: (dy, { inputs: [a, b] }) => {
      const m = greaterEqual(a, b);
      return [unbroadcast(where(m, dy, 0), a.shape), unbroadcast(where(m, 0, dy), b.shape)];
    },
  },
  // d min(a, b) = [a ≤ b] da + [a > b] db
  minimum: {
    save: AB,
    vjp: (dy, { inputs: [a, b] }) => {
      const m = lessEqual(a, b);
      return [unbroadcast(where(m, dy, 0), a.shape), unbroadcast(where(m, 0, dy), b.shape)];
    },
  },
  // a mod b = a − ⌊a/b⌋ b, so d = da − ⌊a/b⌋ db
  mod: { save: AB, vjp: (dy, { inputs: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(neg(mul(dy, floor(div(a, b)))), b.shape)] },
  // d⌊a/b⌋ = 0 almost everywhere: piecewise constant
  floorDiv: { save: NONE, vjp: () => [null, null] },
  equal: nonDiff('equal: bool output'),
  notEqual: nonDiff('notEqual: bool output'),
  less: nonDiff('less: bool output'),
  lessEqual: nonDiff('lessEqual: bool output'),
  greater: nonDiff('greater: bool output'),
  greaterEqual: nonDiff('greaterEqual: bool output'),
  logicalAnd: nonDiff('logicalAnd: bool inputs and output'),
  logicalOr: nonDiff('logicalOr: bool inputs and output'),
  // d where(c, a, b) = [c] da + [¬c] db; the condition gets none
  where: {
    save: X,
    vjp: (dy, { inputs: [c, a, b] }) => [null, unbroadcast(where(c, dy, 0), a.shape), unbroadcast(where(c, 0, dy), b.shape)],
  },
  // d cast(x) = dx from float32 to float32; a cast to or from int32/bool passes none
  cast: { save: NONE, vjp: (dy, { inputs: [x], attrs }) => [x.dtype === 'float32' && attrs.dtype === 'float32' ? dy : null] },
  // d clip(x) = [min ≤ x ≤ max] dx
  clip: { save: X, vjp: (dy, { inputs: [x], attrs }) => [where(logicalAnd(greaterEqual(x, attrs.min), lessEqual(x, attrs.max)), dy, 0)] },
  // d leakyRelu(x) = dx for x > 0, α dx otherwise
  leakyRelu: { save: X, vjp: (dy, { inputs: [x], attrs }) => [where(greater(x, 0), dy, mul(dy, attrs.alpha))] },
  adamUpdate: nonDiff('adamUpdate: an optimizer step, applied outside the tape'),
} satisfies GradientFamily;
