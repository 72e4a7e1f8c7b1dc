// Scalar math shared by the reference kernels: the functions float32 ops are defined by.

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * erfc(x) for x ≥ 0 with relative error below 1.2e-7 (Chebyshev-fitted exponential form,
 * Numerical Recipes §6.2); extended to x < 0 by erfc(−x) = 2 − erfc(x).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

export function erf(x: number): number {
  return 1 - erfc(x);
}

export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Round half to even, as TensorFlow's round; negative values that round to 0 give −0. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f;
  const r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** Python/TensorFlow floor modulo: the result takes the sign of the divisor. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** The scalar definition of each unary op (float math; int inputs go through the same code). */
export const UNARY_FN = {
  neg: (x: number) => -x,
  abs: Math.abs,
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  square: (x: number) => x * x,
  relu: (x: number) => (x < 0 ? 0 : x),
  relu6: (x: number) => (x < 0 ? 0 : x > 6 ? 6 : x),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x: number) => 1 / Math.sqrt(x),
  reciprocal: (x: number) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  atan: Math.atan,
  tanh: Math.tanh,
  sigmoid,
  elu: (x: number) => (x > 0 ? x : Math.expm1(x)),
  selu: (x: number) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  // gelu(x) = x·Φ(x) = x·½·erfc(−x/√2); erfc keeps relative accuracy for negative x.
  gelu: (x: number) => 0.5 * x * erfc(-x / Math.SQRT2),
  softplus: (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  silu: (x: number) => x * sigmoid(x),
  isNaN: (x: number) => (Number.isNaN(x) ? 1 : 0),
  isFinite: (x: number) => (Number.isFinite(x) ? 1 : 0),
  logicalNot: (x: number) => (x ? 0 : 1),
} as const;

/** The scalar definition of each binary op. */
export const BINARY_FN = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  pow: (a: number, b: number) => Math.pow(a, b),
  maximum: (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b),
  mod: floorMod,
  floorDiv: (a: number, b: number) => Math.floor(a / b),
  equal: (a: number, b: number) => (a === b ? 1 : 0),
  notEqual: (a: number, b: number) => (a !== b ? 1 : 0),
  less: (a: number, b: number) => (a < b ? 1 : 0),
  lessEqual: (a: number, b: number) => (a <= b ? 1 : 0),
  greater: (a: number, b: number) => (a > b ? 1 : 0),
  greaterEqual: (a: number, b: number) => (a >= b ? 1 : 0),
  logicalAnd: (a: number, b: number) => (a && b ? 1 : 0),
  logicalOr: (a: number, b: number) => (a || b ? 1 : 0),
} as const;

/** int32 unary variants: exact wrap-around where float math would lose the low bits. */
export const INT_UNARY_FN: Partial<Record<keyof typeof UNARY_FN, (x: number) => number>> = {
  square: (x) => Math.imul(x, x),
};

/** int32 variants where float math would lose precision or differ. */
export const INT_BINARY_FN: Partial<Record<keyof typeof BINARY_FN, (a: number, b: number) => number>> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: (a, b) => Math.imul(a, b),
  // NOTE: integer division or modulo by zero gives 0 (as TensorFlow.js), not an exception.
  floorDiv: (a, b) => (b === 0 ? 0 : Math.floor(a / b) | 0),
  mod: (a, b) => (b === 0 ? 0 : floorMod(a, b)),
  pow: (a, b) => (b < 0 ? (a === 1 ? 1 : a === -1 ? (b % 2 ? -1 : 1) : 0) : intPow(a, b)),
};

function intPow(a: number, b: number): number {
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e >>>= 1;
  }
  return result;
}
