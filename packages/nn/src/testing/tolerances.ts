// The gradient suite's tolerances, in one table: how far the tape's gradient on `js` may be from
// central finite differences, and how far another backend's gradient may be from `js`'s.

import type { PublicOp, Tolerance } from '@loom/core/testing';

/** The tolerances of one op's gradient checks. */
export interface GradientTolerance {
  /** js tape gradient vs central differences: |analytic − numeric| ≤ atol + rtol·|numeric|. */
  readonly finiteDifference: Tolerance;
  /** A backend's tape gradient vs js's. */
  readonly backend: Tolerance;
  /** The central-difference step h: small enough to stay clear of kinks, large enough for float32 forward passes. */
  readonly step: number;
}

const DEFAULT: GradientTolerance = {
  finiteDifference: { rtol: 1e-2, atol: 2e-3 },
  // NOTE: a backward pass chains several ops, each within its forward tolerance of js.
  backend: { rtol: 1e-4, atol: 1e-5 },
  step: 1e-3,
};

/** Long accumulations (matmul, conv, pooling windows): summation order differs between backends. */
const ACCUMULATE: Partial<GradientTolerance> = { backend: { rtol: 5e-4, atol: 5e-5 } };

/** Per-op differences from the default. */
export const GRADIENT_TOLERANCES: { readonly [K in PublicOp]?: Partial<GradientTolerance> } = {
  matmul: ACCUMULATE, fusedMatmul: ACCUMULATE, dot: ACCUMULATE, conv1d: ACCUMULATE, conv2d: ACCUMULATE,
  avgPool1d: ACCUMULATE, avgPool2d: ACCUMULATE, logSumExp: ACCUMULATE, variance: ACCUMULATE, softmax: ACCUMULATE,
  logSoftmax: ACCUMULATE, prod: ACCUMULATE, cumsum: ACCUMULATE,
};

/** The tolerances of `op`'s gradient checks. */
export function gradientToleranceFor(op: PublicOp): GradientTolerance {
  return { ...DEFAULT, ...GRADIENT_TOLERANCES[op] };
}
