// The one table of tolerances: how far a float32 result may be from the reference, per op.
// A value passes when |actual − expected| ≤ atol + rtol·|expected|; NaN and ±Infinity must match
// exactly, and int32/bool results must be identical.

import type { PublicOp } from './public-ops.js';

/** How far a value may be from the expected one: |actual − expected| ≤ atol + rtol·|expected|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

const DEFAULT: Tolerance = { rtol: 1e-5, atol: 1e-6 };
// Polynomial approximations in SIMD/GPU kernels are allowed a few float32 ulps more.
const TRANSCENDENTAL: Tolerance = { rtol: 2e-5, atol: 2e-6 };
// Long accumulations: the summation order differs between backends.
const ACCUMULATE: Tolerance = { rtol: 1e-4, atol: 1e-4 };

/** The tolerance of each public op that differs from the default (1e-5 relative, 1e-6 absolute). */
export const TOLERANCES: { readonly [K in PublicOp]?: Tolerance } = {
  exp: TRANSCENDENTAL, expm1: TRANSCENDENTAL, log: TRANSCENDENTAL, log1p: TRANSCENDENTAL,
  sin: TRANSCENDENTAL, cos: TRANSCENDENTAL, tan: { rtol: 1e-4, atol: 1e-5 }, atan: TRANSCENDENTAL,
  tanh: TRANSCENDENTAL, sigmoid: TRANSCENDENTAL, elu: TRANSCENDENTAL, selu: TRANSCENDENTAL,
  gelu: TRANSCENDENTAL, softplus: TRANSCENDENTAL, silu: TRANSCENDENTAL, pow: TRANSCENDENTAL,
  rsqrt: TRANSCENDENTAL, sqrt: TRANSCENDENTAL,
  sum: ACCUMULATE, mean: ACCUMULATE, prod: ACCUMULATE, variance: ACCUMULATE, logSumExp: ACCUMULATE,
  softmax: TRANSCENDENTAL, logSoftmax: ACCUMULATE, cumsum: ACCUMULATE,
  matmul: ACCUMULATE, fusedMatmul: ACCUMULATE, dot: ACCUMULATE, conv1d: ACCUMULATE, conv2d: ACCUMULATE,
  adamUpdate: TRANSCENDENTAL,
  avgPool1d: ACCUMULATE, avgPool2d: ACCUMULATE, recurrentSequence: ACCUMULATE, recurrentSequenceGrad: ACCUMULATE,
};

/** The tolerance of a public op (a name that is not one gets the default, for callers holding a plain string). */
export function toleranceFor(op: PublicOp | (string & {})): Tolerance {
  return TOLERANCES[op as PublicOp] ?? DEFAULT;
}
