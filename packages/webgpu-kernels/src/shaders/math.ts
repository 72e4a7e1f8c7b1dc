// Float32 math in WGSL with stated accuracy, independent of the driver's built-ins (whose WGSL
// error bounds are loose: e.g. sin has 2^-11 absolute error, log 2^-21 near 1).

/**
 * exp/log/expm1/log1p/sin/cos/tan/atan/tanh/sigmoid/erfc/pow/floor-mod and the float→int32 cast,
 * each within a few float32 ulps of the float64 reference for arguments the conformance suite uses
 * (sin/cos/tan range reduction is Cody–Waite, accurate for |x| up to about 1e4).
 */
export const MATH_HELPERS = /* wgsl */ `
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2E: f32 = 1.4426950408889634;

// e^x: x = n·ln2 + r with |r| ≤ ln2/2, Taylor polynomial of degree 7 for e^r, scaled by 2^n.
fn exp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 88.72284) { return inf_(); }
  if (x < -103.97208) { return 0.0; }
  let n = round(x * LOG2E);
  let r = (x - n * LN2_HI) - n * LN2_LO;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666667 + r * (0.041666668 + r * (0.008333334 +
          r * (0.0013888889 + r * 0.0001984127))))));
  // Split the scaling so 2^n never overflows on its own (n reaches 128; results may be subnormal).
  let ni = i32(n);
  let h = ni / 2;
  return ldexp(ldexp(p, h), ni - h);
}

// e^x − 1: Taylor series near 0 keeps relative accuracy for tiny x.
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.008333334 + x * (0.0013888889 +
           x * (0.0001984127 + x * (2.4801588e-5 + x * 2.7557319e-6))))))));
  }
  return exp_(x) - 1.0;
}

// ln x: x = m·2^e with m in [√½, √2); ln m = 2·atanh(s), s = (m−1)/(m+1), odd series in s.
fn log_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (isinf_(x)) { return x; }
  var fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let poly = s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285715 + s2 * (0.11111111 + s2 * 0.09090909))));
  let lnm = 2.0 * s + 2.0 * s * poly;
  return (e * LN2_HI + lnm) + e * LN2_LO;
}

// ln(1 + x) with Kahan's correction u = 1 + x: ln(u)·x/(u − 1) cancels the rounding of u.
fn log1p_(x: f32) -> f32 {
  if (isinf_(x) && x > 0.0) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log_(u) * x / (u - 1.0);
}

// (sin x, cos x): Cody–Waite reduction by π/2 in three parts, Taylor polynomials on [−π/4, π/4].
fn sincos_(x: f32) -> vec2<f32> {
  if (!isfinite_(x)) { return vec2<f32>(nan_(), nan_()); }
  let q = round(x * 0.63661977);
  var r = x - q * 1.5703125;
  r = r - q * 4.837512969970703125e-4;
  r = r - q * 7.549789954891862e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-0.16666667 + r2 * (0.008333334 + r2 * (-0.0001984127 + r2 * 2.7557319e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (0.041666668 + r2 * (-0.0013888889 + r2 * (2.4801588e-5 - r2 * 2.7557319e-7))));
  let k = i32(q) & 3;
  if (k == 0) { return vec2<f32>(s, c); }
  if (k == 1) { return vec2<f32>(c, -s); }
  if (k == 2) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}

// atan: fold |x| > 1 via π/2 − atan(1/x), then |t| > tan(π/8) via π/4 + atan((t−1)/(t+1)).
fn atan_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  var t = abs(x);
  var base = 0.0;
  var flip = false;
  if (t > 1.0) { t = 1.0 / t; flip = true; }
  if (t > 0.41421356) { t = (t - 1.0) / (t + 1.0); base = 0.78539816; }
  let t2 = t * t;
  let p = t - t * t2 * (0.33333333 - t2 * (0.2 - t2 * (0.14285715 - t2 * (0.11111111 - t2 * (0.09090909 -
          t2 * (0.07692308 - t2 * (0.06666667 - t2 * 0.05882353)))))));
  var y = base + p;
  if (flip) { y = 1.5707964 - y; }
  return select(y, -y, x < 0.0);
}

fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) > 9.0) { return sign(x); }
  let e = expm1_(2.0 * x);
  return e / (e + 2.0);
}

fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp_(-x)); }
  let e = exp_(x);
  return e / (1.0 + e);
}

// erfc in the Chebyshev-fitted exponential form the reference defines gelu with.
fn erfc_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp_(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, x >= 0.0);
}

// Math.pow semantics: pow(x, 0) = 1, NaN otherwise propagates, negative bases need integer exponents,
// pow(±1, ±Inf) = NaN as in JavaScript.
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let aa = abs(a);
  if (isinf_(b)) {
    if (aa == 1.0) { return nan_(); }
    return select(0.0, inf_(), (aa > 1.0) == (b > 0.0));
  }
  let isInt = floor(b) == b;
  let odd = isInt && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  let neg = a < 0.0 || (a == 0.0 && (bitcast<u32>(a) & 0x80000000u) != 0u);
  // (−∞)^y is ±∞ or ±0 for any y, as in JavaScript; other negative bases need an integer exponent.
  if (a < 0.0 && !isInt && !isinf_(a)) { return nan_(); }
  var m: f32;
  if (aa == 0.0) { m = select(inf_(), 0.0, b > 0.0); }
  else if (isinf_(aa)) { m = select(0.0, inf_(), b > 0.0); }
  else { m = exp_(b * log_(aa)); }
  return select(m, -m, neg && odd);
}

// Floor modulo (sign of the divisor) from the exact remainder, as JavaScript's % gives it: |b|·2^k is
// subtracted from |a| for k from the exponent gap down to 0, each subtraction exact (Sterbenz), so
// large quotients (mod(3e9, 0.85)) stay right without float64. At most ~280 steps, ~log2(|a/b|) typically.
fn fmod_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b) || isinf_(a) || b == 0.0) { return nan_(); }
  var r = abs(a);
  let m = abs(b);
  if (!isinf_(b) && r >= m) {
    for (var k = frexp(r).exp - frexp(m).exp; k >= 0; k = k - 1) {
      let s = ldexp(m, k);
      if (r >= s) { r = r - s; }
    }
  }
  r = select(r, -r, a < 0.0);
  if (r != 0.0 && (r < 0.0) != (b < 0.0)) { r = r + b; }
  return r;
}

// float32 → int32: truncates toward zero, saturates at the int32 range, NaN gives 0.
fn f2i_(x: f32) -> i32 {
  if (isnan_(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); }
  return i32(trunc(x));
}
`;
