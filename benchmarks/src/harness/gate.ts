// The correctness gate: an engine's result must match the reference within tolerance before its
// time counts, so a fast wrong kernel never wins.

import type { Tolerance } from './types.js';

/** Outcome of comparing one result against the reference. */
export interface Comparison {
  ok: boolean;
  /** Largest |got - ref| (Infinity on a NaN mismatch or length mismatch). */
  maxError: number;
  /** Why it failed, naming the first bad index and values. */
  message?: string;
}

/** Compares `got` against `ref`: |got - ref| <= abs + rel·|ref| everywhere; NaN must match NaN. */
export function compareResults(ref: Float32Array, got: Float32Array, tol: Tolerance): Comparison {
  if (ref.length !== got.length) {
    return { ok: false, maxError: Infinity, message: `result has ${got.length} values, the reference has ${ref.length}` };
  }
  let maxError = 0;
  let bad = -1;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const g = got[i];
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (Number.isNaN(r) && Number.isNaN(g)) continue;
      maxError = Infinity;
      if (bad < 0) bad = i;
      continue;
    }
    if (r === g) continue; // also equal infinities
    const err = Math.abs(g - r);
    if (err > maxError) maxError = err;
    if (!(err <= tol.abs + tol.rel * Math.abs(r)) && bad < 0) bad = i;
  }
  if (bad >= 0) {
    return {
      ok: false,
      maxError,
      message: `value ${bad} is ${f32(got[bad])}, the reference has ${f32(ref[bad])} (max |error| ${fmtErr(maxError)}, tolerance ${tol.abs} + ${tol.rel}·|ref|)`,
    };
  }
  return { ok: true, maxError };
}

/** A float32 value with the digits float32 has (2.1, not 2.0999999046325684). */
function f32(x: number): number {
  return Number(x.toPrecision(7));
}

function fmtErr(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}
