// SIMD transcendentals on f32x4: exp, expm1, log, log1p, tanh, sigmoid, softplus, gelu.
// Cody–Waite range reduction plus polynomials fitted for relative error (or atanh series); the
// measured maximum errors against float64 are in src/accuracy.ts, checked by transcendentals.test.ts.

import { madd, select } from './common';

const LOG2E: f32 = 1.4426950408889634;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^9 (Cody–Waite reduction).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440054690583e-4;
const INF: f32 = Infinity;

// @ts-ignore: decorator
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** e^x. Overflow gives +Inf, underflow rounds through subnormals to 0, NaN stays NaN. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // pmax/pmin are single instructions and keep NaN (the comparison fails, x passes through).
  // Beyond the clamp the true result is already Inf (above) or rounds to 0 (below).
  const xc = f32x4.pmin(f32x4.pmax(x, splat(-104)), splat(88.75));
  // Round to nearest by adding 1.5·2^23: the low mantissa bits of t then hold n as an integer.
  const t = madd(xc, splat(LOG2E), splat(12582912.0));
  const n = f32x4.sub(t, splat(12582912.0));
  let r = madd(n, splat(-LN2_HI), xc);
  r = madd(n, splat(-LN2_LO), r);
  // e^r on |r| <= ln2/2: degree-6 polynomial fitted for relative error (2e-9 before rounding).
  let p = splat(0.0013843649);
  p = madd(p, r, splat(0.0083741564));
  p = madd(p, r, splat(0.041668002));
  p = madd(p, r, splat(0.16666432));
  p = madd(p, r, splat(0.49999994));
  p = madd(p, r, splat(1.0));
  p = madd(p, r, splat(1.0));
  // 2^n as two factors 2^n1·2^n2 so n in [-150, 128] never leaves the normal range.
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * e^x for x ≤ 0 (softmax, sigmoid, softplus): one scale factor and a degree-5 polynomial (model
 * error 9e-8), cheaper than vexp; x < −87.3 gives 0 (−Inf too: its NaN lanes are masked), NaN
 * stays NaN. Positive x is not supported. No clamp before the reduction: lanes below −87.3, whose
 * scale factor is garbage, are zeroed by one andnot at the end.
 */
// @ts-ignore: decorator
@inline export function vexpNeg(x: v128): v128 {
  const t = madd(x, splat(LOG2E), splat(12582912.0));
  const n = f32x4.sub(t, splat(12582912.0));
  let r = madd(n, splat(-LN2_HI), x);
  r = madd(n, splat(-LN2_LO), r);
  let p = splat(0.0082903067);
  p = madd(p, r, splat(0.041897934));
  p = madd(p, r, splat(0.16667636));
  p = madd(p, r, splat(0.4999915));
  p = madd(p, r, splat(0.9999997));
  p = madd(p, r, splat(1.0));
  const s = i32x4.shl(i32x4.add(t, i32x4.splat(127 - 0x4b400000)), 23);
  return v128.andnot(f32x4.mul(p, s), f32x4.lt(x, splat(-87.3)));
}

/**
 * e^z − 1 for z in [-30, 88]: 2^n·q(r) + (2^n − 1) with q(r) = e^r − 1 (no constant term), so
 * small z keeps full relative accuracy (n = 0 gives q(z) itself).
 */
// @ts-ignore: decorator
@inline function expm1Core(z: v128): v128 {
  const t = madd(z, splat(LOG2E), splat(12582912.0));
  const n = f32x4.sub(t, splat(12582912.0));
  let r = madd(n, splat(-LN2_HI), z);
  r = madd(n, splat(-LN2_LO), r);
  // (e^r − 1 − r)/r² by a degree-4 polynomial fitted for relative error.
  let p = splat(0.0013901269);
  p = madd(p, r, splat(0.008363141));
  p = madd(p, r, splat(0.041666854));
  p = madd(p, r, splat(0.16666578));
  p = madd(p, r, splat(0.5));
  const q = madd(p, f32x4.mul(r, r), r);
  const s = i32x4.shl(i32x4.add(i32x4.sub(t, i32x4.splat(0x4b400000)), i32x4.splat(127)), 23);
  return madd(q, s, f32x4.sub(s, splat(1)));
}

/** e^x − 1, accurate near 0; −1 below −30, e^x above 88 (where the −1 no longer shows). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  const y = expm1Core(f32x4.pmin(f32x4.pmax(x, splat(-30)), splat(88)));
  return v128.bitselect(vexp(x), y, f32x4.gt(x, splat(88)));
}

/** e^x − 1 for x ≤ 0 only (elu, selu): larger inputs are clamped to 0. */
// @ts-ignore: decorator
@inline export function vexpm1Neg(x: v128): v128 {
  return expm1Core(f32x4.pmin(f32x4.pmax(x, splat(-30)), splat(0)));
}

/** Natural log. 0 gives -Inf, negatives NaN, +Inf stays +Inf; subnormals handled. */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, tiny);
  const eadj = v128.and(tiny, i32x4.splat(23));
  // Shift the exponent so the mantissa lands in [sqrt(1/2), sqrt(2)).
  const ix = i32x4.add(xs, i32x4.splat(0x3f800000 - 0x3f3504f3));
  const k = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(127)), eadj);
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(m, splat(1));
  // log(1+f) = 2·atanh(s), s = f/(2+f), |s| < 0.172: series to s^9.
  const s = f32x4.div(f, f32x4.add(f, splat(2)));
  const z = f32x4.mul(s, s);
  let p = splat(2.0 / 9.0);
  p = madd(p, z, splat(2.0 / 7.0));
  p = madd(p, z, splat(2.0 / 5.0));
  p = madd(p, z, splat(2.0 / 3.0));
  const lm = madd(f32x4.mul(s, z), p, f32x4.add(s, s));
  const kf = f32x4.convert_i32x4_s(k);
  let y = madd(kf, splat(LN2_HI), madd(kf, splat(LN2_LO), lm));
  y = v128.bitselect(splat(-INF), y, f32x4.eq(x, splat(0)));
  y = v128.bitselect(splat(NaN), y, f32x4.lt(x, splat(0)));
  y = v128.bitselect(x, y, v128.or(f32x4.eq(x, splat(INF)), f32x4.ne(x, x)));
  return y;
}

/** ln(1 + x) accurate near 0: log(u)·x/(u − 1) with u = 1 + x. */
// @ts-ignore: decorator
@inline export function vlog1p(x: v128): v128 {
  const u = f32x4.add(x, splat(1));
  const d = f32x4.sub(u, splat(1));
  const lu = vlog(u);
  // x/d first: log(u)·x overflows for x near the float32 maximum (log1p(3e38) must be 88.6).
  const y = f32x4.mul(lu, f32x4.div(x, d));
  const exact = v128.or(f32x4.eq(d, splat(0)), f32x4.eq(x, splat(INF)));
  const r = v128.bitselect(x, y, exact);
  // u == 0 (x == -1): log gives -Inf and x/d = 1.
  return v128.bitselect(lu, r, f32x4.le(u, splat(0)));
}

/** tanh x = e/(e + 2) with e = expm1(2|x|), sign restored; ±1 beyond |x| > 9. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const e = expm1Core(f32x4.pmin(f32x4.add(a, a), splat(18)));
  let t = f32x4.div(e, f32x4.add(e, splat(2)));
  t = v128.bitselect(splat(1), t, f32x4.gt(a, splat(9)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

/**
 * 1 / (1 + e^−x) from e = e^−|x| ≤ 1 (no overflow): f = e/(1+e) is the value for x < 0 and 1 − f
 * the value for x ≥ 0 (f ≤ ½ there, so the subtraction loses nothing) — one division per vector.
 */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  // −|x| is x with the sign bit set: one or.
  const e = vexpNeg(v128.or(x, i32x4.splat(0x80000000)));
  const f = f32x4.div(e, f32x4.add(splat(1), e));
  return select(f, f32x4.sub(splat(1), f), f32x4.lt(x, splat(0)));
}

/**
 * ln(1 + u) for u in [0, 1] (softplus): 2·atanh(s) with s = u/(2+u) ≤ 1/3, series to s^17 — no
 * special cases, full relative accuracy near 0.
 */
// @ts-ignore: decorator
@inline function vlog1pUnit(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(u, splat(2)));
  const z = f32x4.mul(s, s);
  let p = splat(2.0 / 17.0);
  p = madd(p, z, splat(2.0 / 15.0));
  p = madd(p, z, splat(2.0 / 13.0));
  p = madd(p, z, splat(2.0 / 11.0));
  p = madd(p, z, splat(2.0 / 9.0));
  p = madd(p, z, splat(2.0 / 7.0));
  p = madd(p, z, splat(2.0 / 5.0));
  p = madd(p, z, splat(2.0 / 3.0));
  return madd(f32x4.mul(s, z), p, f32x4.add(s, s));
}

/** ln(1 + e^x) = max(x, 0) + log1p(e^−|x|), without overflow. */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  const l = vlog1pUnit(vexpNeg(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.pmax(x, splat(0)), l);
}

/**
 * gelu(x) = ½·x·erfc(−x/√2) with erfc from the Chebyshev-fitted exponential form (Numerical
 * Recipes §6.2, relative error < 1.2e-7), the same definition as the reference backend.
 */
// @ts-ignore: decorator
@inline export function vgelu(x: v128): v128 {
  const w = f32x4.mul(x, splat(-0.7071067811865476));
  const z = f32x4.abs(w);
  const t = f32x4.div(splat(1), madd(z, splat(0.5), splat(1)));
  let p = splat(0.17087277);
  p = madd(p, t, splat(-0.82215223));
  p = madd(p, t, splat(1.48851587));
  p = madd(p, t, splat(-1.13520398));
  p = madd(p, t, splat(0.27886807));
  p = madd(p, t, splat(-0.18628806));
  p = madd(p, t, splat(0.09678418));
  p = madd(p, t, splat(0.37409196));
  p = madd(p, t, splat(1.00002368));
  const arg = madd(t, p, f32x4.sub(f32x4.neg(f32x4.mul(z, z)), splat(1.26551223)));
  const r = f32x4.mul(t, vexp(arg));
  const erfc = v128.bitselect(r, f32x4.sub(splat(2), r), f32x4.ge(w, splat(0)));
  return f32x4.mul(f32x4.mul(splat(0.5), x), erfc);
}
