// Comparing results: shapes and dtypes exactly, values within the op's tolerance.

import type { ResultData } from './types.js';
import type { PublicOp } from './public-ops.js';
import type { Tolerance } from './tolerances.js';

/** Ops whose sign of zero is part of the answer (−0 must stay −0). */
const SIGNED_ZERO_OPS: ReadonlySet<string> = new Set<PublicOp>(['neg', 'abs', 'floor', 'ceil', 'round', 'sign', 'cast']);

/**
 * Returns undefined when `actual` matches `expected`, else a message describing the first mismatch.
 * For the ops in SIGNED_ZERO_OPS (pass `op`), 0 and −0 are told apart.
 */
export function compareResults(actual: ResultData[], expected: ResultData[], tol: Tolerance, op?: string): string | undefined {
  const signedZero = op !== undefined && SIGNED_ZERO_OPS.has(op);
  if (actual.length !== expected.length) return `expected ${expected.length} outputs, got ${actual.length}`;
  for (let o = 0; o < actual.length; o++) {
    const a = actual[o];
    const e = expected[o];
    const tag = actual.length > 1 ? `output ${o}: ` : '';
    if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
      return `${tag}shape [${a.shape}] != expected [${e.shape}]`;
    }
    if (a.dtype !== e.dtype) return `${tag}dtype ${a.dtype} != expected ${e.dtype}`;
    if (a.values.length !== e.values.length) return `${tag}${a.values.length} values != expected ${e.values.length}`;
    const exact = a.dtype !== 'float32';
    for (let i = 0; i < a.values.length; i++) {
      const x = Number(a.values[i]);
      const y = Number(e.values[i]);
      if (Number.isNaN(y) || Number.isNaN(x)) {
        if (Number.isNaN(x) !== Number.isNaN(y)) return `${tag}value ${i}: ${x} != expected ${y}`;
        continue;
      }
      if (!Number.isFinite(y) || !Number.isFinite(x)) {
        if (x !== y) return `${tag}value ${i}: ${x} != expected ${y}`;
        continue;
      }
      if (signedZero && y === 0 && !Object.is(x, y)) return `${tag}value ${i}: ${Object.is(x, -0) ? '-0' : x} != expected ${Object.is(y, -0) ? '-0' : y} (sign of zero)`;
      const ok = exact ? x === y : Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y);
      if (!ok) return `${tag}value ${i}: ${x} != expected ${y} (|diff| ${Math.abs(x - y)}, rtol ${tol.rtol}, atol ${tol.atol})`;
    }
  }
  return undefined;
}
