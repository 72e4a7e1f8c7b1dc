// Maximum error of the SIMD transcendentals against float64 over dense sweeps, checked against the
// documented bounds in src/accuracy.ts (relative error where |f(x)| ≥ 1e-30, absolute below).

import * as loom from '@loom/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRANSCENDENTAL_MAX_ERROR, wasm } from '@loom/wasm-kernels';

/** erfc in float64: series for erf below 2.5, Lentz continued fraction above. */
function erfc64(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))
    let f = z;
    for (let n = 120; n >= 1; n--) f = z + n / 2 / f;
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? r : 2 - r;
}

const sigmoid64 = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const CASES: { op: keyof typeof TRANSCENDENTAL_MAX_ERROR; lo: number; hi: number; f: (x: number) => number }[] = [
  { op: 'exp', lo: -87, hi: 88.7, f: Math.exp },
  { op: 'expm1', lo: -20, hi: 20, f: Math.expm1 },
  { op: 'log', lo: 1e-6, hi: 1e6, f: Math.log },
  { op: 'log1p', lo: -0.999, hi: 100, f: Math.log1p },
  { op: 'tanh', lo: -12, hi: 12, f: Math.tanh },
  { op: 'sigmoid', lo: -80, hi: 30, f: sigmoid64 },
  { op: 'softplus', lo: -80, hi: 80, f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) },
  { op: 'gelu', lo: -5, hi: 9, f: (x) => 0.5 * x * erfc64(-x / Math.SQRT2) },
  { op: 'geluTail', lo: -9, hi: -5, f: (x) => 0.5 * x * erfc64(-x / Math.SQRT2) },
];

/** Dense sweep: a uniform grid plus a geometric grid near 0 (both signs) within [lo, hi]. */
function sweep(lo: number, hi: number): Float32Array {
  const xs: number[] = [];
  const n = 200_000;
  for (let i = 0; i <= n; i++) xs.push(lo + ((hi - lo) * i) / n);
  for (let e = -30; e <= 2; e += 0.01) {
    const v = 10 ** e;
    if (v >= lo && v <= hi) xs.push(v);
    if (-v >= lo && -v <= hi) xs.push(-v);
  }
  return Float32Array.from(xs);
}

describe.each([true, false])('SIMD transcendentals vs float64 (relaxed %s)', (relaxed) => {
  const name = `wasm-accuracy-${relaxed}`;
  beforeAll(async () => {
    loom.registerBackend(await wasm({ relaxedSimd: relaxed, name }), -1);
  });

  it.each(CASES)('$op stays within its documented error', async ({ op, lo, hi, f }) => {
    await loom.setBackend(name);
    const xs = sweep(lo, hi);
    const x = loom.tensor(xs, [xs.length]);
    const y = loom[op === 'geluTail' ? 'gelu' : op](x);
    const ys = (await y.data()) as Float32Array;
    loom.dispose([x, y]);
    let worst = 0;
    let worstAt = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = f(xs[i]);
      const err = Math.abs(want) >= 1e-30 ? Math.abs(ys[i] - want) / Math.abs(want) : Math.abs(ys[i] - want);
      if (!(err <= worst)) {
        worst = err;
        worstAt = xs[i];
      }
    }
    expect(worst, `${op}: max error ${worst.toExponential(2)} at x = ${worstAt}`).toBeLessThanOrEqual(TRANSCENDENTAL_MAX_ERROR[op]);
    console.log(`${op} (relaxed ${relaxed}): max error ${worst.toExponential(2)} at x = ${worstAt}`);
  });
});
