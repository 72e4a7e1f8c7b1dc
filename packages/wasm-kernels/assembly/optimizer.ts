// One Adam step in a single pass over memory (core's adamUpdate): four floats per vector, a
// scalar tail. Plain multiply and add (no fused madd), so both builds round alike.

import { off4 } from './common';

/**
 * m1 = β₁m + c₁g, v1 = β₂v + c₂g², w1 = w − step·m1/(√v1 + ε) over n floats, c₁ = 1 − β₁ and
 * c₂ = 1 − β₂ (passed in, computed in float64 by the caller). Outputs do not alias inputs.
 */
export function adamUpdate(
  w: usize, g: usize, m: usize, v: usize, w1: usize, m1: usize, v1: usize, n: i32,
  beta1: f32, c1: f32, beta2: f32, c2: f32, epsilon: f32, step: f32,
): void {
  const b1x = f32x4.splat(beta1);
  const c1x = f32x4.splat(c1);
  const b2x = f32x4.splat(beta2);
  const c2x = f32x4.splat(c2);
  const ex = f32x4.splat(epsilon);
  const sx = f32x4.splat(step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = off4(i);
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(b1x, v128.load(m + o)), f32x4.mul(c1x, gi));
    const vi = f32x4.add(f32x4.mul(b2x, v128.load(v + o)), f32x4.mul(c2x, f32x4.mul(gi, gi)));
    v128.store(m1 + o, mi);
    v128.store(v1 + o, vi);
    v128.store(w1 + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(sx, mi), f32x4.add(f32x4.sqrt(vi), ex))));
  }
  for (; i < n; i++) {
    const o = off4(i);
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + c1 * gi;
    const vi = beta2 * load<f32>(v + o) + c2 * (gi * gi);
    store<f32>(m1 + o, mi);
    store<f32>(v1 + o, vi);
    store<f32>(w1 + o, load<f32>(w + o) - (step * mi) / (Mathf.sqrt(vi) + epsilon));
  }
}
