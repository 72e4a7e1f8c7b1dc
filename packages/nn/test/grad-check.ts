// Gradient-check helper for tests: analytic gradients from the tape against central finite
// differences of L = Σ w·f(x), with L accumulated in float64 on the host from f's float32 values.

import { SeededRandom, tensor, type Tensor } from '@loom/core';
import { grads } from '../src/index.js';
import { tidyValue } from '../src/util.js';

export interface GradInput {
  shape: number[];
  /** Values; default uniform in [lo, hi). */
  values?: number[];
  lo?: number;
  hi?: number;
}

export interface GradCheckResult {
  maxAbsErr: number;
  maxRelErr: number;
}

/**
 * Compares tape gradients with central differences (step h) for each input element.
 * Passes when |analytic − numeric| ≤ atol + rtol·|numeric| everywhere; returns the worst errors.
 */
export function checkGrad(
  f: (...xs: Tensor[]) => Tensor, inputs: GradInput[], { h = 1e-2, atol = 2e-3, rtol = 1e-2, seed = 1 } = {},
): GradCheckResult {
  const rng = new SeededRandom(seed);
  const vals = inputs.map((inp) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    if (inp.values) return Float64Array.from(inp.values);
    const lo = inp.lo ?? -1;
    const hi = inp.hi ?? 1;
    return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
  });
  const evalL = (vs: Float64Array[], w: Float32Array): number => tidyValue(() => {
    const y = f(...vs.map((v, i) => tensor(Float32Array.from(v), inputs[i].shape)));
    const yv = y.dataSync() as Float32Array;
    let s = 0;
    for (let i = 0; i < yv.length; i++) s += w[i] * yv[i];
    return s;
  });
  // The weights w (random, fixed) make the check sensitive to every output element.
  const outShape = tidyValue(() => [...f(...vals.map((v, i) => tensor(Float32Array.from(v), inputs[i].shape))).shape]);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const w = Float32Array.from({ length: outSize }, () => 0.5 + rng.uniform());
  const analytic = tidyValue(() => {
    const xs = vals.map((v, i) => tensor(Float32Array.from(v), inputs[i].shape));
    const gs = grads(f)(xs, tensor(w, outShape));
    return gs.map((g) => Float64Array.from(g.dataSync() as Float32Array));
  });
  let maxAbsErr = 0;
  let maxRelErr = 0;
  vals.forEach((v, k) => {
    for (let i = 0; i < v.length; i++) {
      const orig = v[i];
      v[i] = orig + h;
      const lp = evalL(vals, w);
      v[i] = orig - h;
      const lm = evalL(vals, w);
      v[i] = orig;
      const numeric = (lp - lm) / (2 * h);
      const a = analytic[k][i];
      const err = Math.abs(a - numeric);
      maxAbsErr = Math.max(maxAbsErr, err);
      maxRelErr = Math.max(maxRelErr, err / Math.max(Math.abs(numeric), 1e-3));
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradient mismatch for input ${k} element ${i}: analytic ${a}, numeric ${numeric} (err ${err})`);
      }
    }
  });
  return { maxAbsErr, maxRelErr };
}
