// Elementwise unary kernels: float math (SIMD where it matters, float64 libm for trig), int32 ops,
// predicates, cast, clip, leakyRelu and fill. Op codes match src/op-codes.ts.

import { off4 } from './common';
import { vexp, vexpm1, vexpm1Neg, vgelu, vlog, vlog1p, vsigmoid, vsoftplus, vtanh } from './simd-math';

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;

// @ts-ignore: decorator
@inline function sp(x: f32): v128 {
  return f32x4.splat(x);
}

/** Applies a float64 scalar function to each lane (ops whose reference is libm math). */
// @ts-ignore: decorator
@inline function lanes(x: v128, op: i32): v128 {
  let r = x;
  r = f32x4.replace_lane(r, 0, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 2)));
  r = f32x4.replace_lane(r, 3, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 3)));
  return r;
}

function scalarF64(op: i32, x: f64): f64 {
  switch (op) {
    case 16: return Math.sin(x);
    case 17: return Math.cos(x);
    case 18: return Math.tan(x);
    case 19: return Math.atan(x);
    default: return NaN;
  }
}

// @ts-ignore: decorator
@inline function unaryVec(op: i32, x: v128, a: f32, b: f32): v128 {
  switch (op) {
    case 0: return f32x4.neg(x);
    case 1: return f32x4.abs(x);
    case 2: {
      // sign: ±1, zero stays zero (as +0), NaN stays NaN.
      const one = v128.or(v128.and(x, i32x4.splat(0x80000000)), sp(1));
      const r = v128.bitselect(one, sp(0), f32x4.ne(x, sp(0)));
      return v128.bitselect(x, r, f32x4.ne(x, x));
    }
    case 3: return f32x4.mul(x, x);
    case 4: return v128.bitselect(sp(0), x, f32x4.lt(x, sp(0)));
    case 5: return v128.bitselect(sp(6), v128.bitselect(sp(0), x, f32x4.lt(x, sp(0))), f32x4.gt(x, sp(6)));
    case 6: return f32x4.floor(x);
    case 7: return f32x4.ceil(x);
    case 8: return f32x4.nearest(x);
    case 9: return vexp(x);
    case 10: return vexpm1(x);
    case 11: return vlog(x);
    case 12: return vlog1p(x);
    case 13: return f32x4.sqrt(x);
    case 14: return f32x4.div(sp(1), f32x4.sqrt(x));
    case 15: return f32x4.div(sp(1), x);
    case 20: return vtanh(x);
    case 21: return vsigmoid(x);
    case 22: return v128.bitselect(x, vexpm1Neg(x), f32x4.gt(x, sp(0)));
    case 23: return v128.bitselect(f32x4.mul(x, sp(SELU_SCALE)), f32x4.mul(vexpm1Neg(x), sp(SELU_SCALE * SELU_ALPHA)), f32x4.gt(x, sp(0)));
    case 24: return vgelu(x);
    case 25: return vsoftplus(x);
    case 26: return f32x4.mul(x, vsigmoid(x));
    case 27: return v128.bitselect(f32x4.mul(x, sp(a)), x, f32x4.lt(x, sp(0)));
    case 28: return v128.bitselect(sp(a), v128.bitselect(sp(b), x, f32x4.gt(x, sp(b))), f32x4.lt(x, sp(a)));
    default: return lanes(x, op);
  }
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, y: usize, n: i32, a: f32, b: f32): void {
  let i = 0;
  // Two independent vectors per iteration: the polynomial chains of both overlap.
  for (; i + 8 <= n; i += 8) {
    const r0 = unaryVec(op, v128.load(x + off4(i)), a, b);
    const r1 = unaryVec(op, v128.load(x + off4(i + 4)), a, b);
    v128.store(y + off4(i), r0);
    v128.store(y + off4(i + 4), r1);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + off4(i), unaryVec(op, v128.load(x + off4(i)), a, b));
  if (i < n) {
    // Tail through one partly filled vector so every element takes the same code path.
    const rem = n - i;
    let v = f32x4.splat(0);
    v = f32x4.replace_lane(v, 0, load<f32>(x + off4(i)));
    if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(x + off4(i + 1)));
    if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(x + off4(i + 2)));
    const r = unaryVec(op, v, a, b);
    store<f32>(y + off4(i), f32x4.extract_lane(r, 0));
    if (rem > 1) store<f32>(y + off4(i + 1), f32x4.extract_lane(r, 1));
    if (rem > 2) store<f32>(y + off4(i + 2), f32x4.extract_lane(r, 2));
  }
}

/** y = op(x) on n float32 values; a and b carry leakyRelu's alpha and clip's bounds. */
export function unaryF32(op: i32, x: usize, y: usize, n: i32, a: f32, b: f32): void {
  switch (op) {
    case 0: unaryLoop(0, x, y, n, a, b); break;
    case 1: unaryLoop(1, x, y, n, a, b); break;
    case 2: unaryLoop(2, x, y, n, a, b); break;
    case 3: unaryLoop(3, x, y, n, a, b); break;
    case 4: unaryLoop(4, x, y, n, a, b); break;
    case 5: unaryLoop(5, x, y, n, a, b); break;
    case 6: unaryLoop(6, x, y, n, a, b); break;
    case 7: unaryLoop(7, x, y, n, a, b); break;
    case 8: unaryLoop(8, x, y, n, a, b); break;
    case 9: unaryLoop(9, x, y, n, a, b); break;
    case 10: unaryLoop(10, x, y, n, a, b); break;
    case 11: unaryLoop(11, x, y, n, a, b); break;
    case 12: unaryLoop(12, x, y, n, a, b); break;
    case 13: unaryLoop(13, x, y, n, a, b); break;
    case 14: unaryLoop(14, x, y, n, a, b); break;
    case 15: unaryLoop(15, x, y, n, a, b); break;
    case 16: unaryLoop(16, x, y, n, a, b); break;
    case 17: unaryLoop(17, x, y, n, a, b); break;
    case 18: unaryLoop(18, x, y, n, a, b); break;
    case 19: unaryLoop(19, x, y, n, a, b); break;
    case 20: unaryLoop(20, x, y, n, a, b); break;
    case 21: unaryLoop(21, x, y, n, a, b); break;
    case 22: unaryLoop(22, x, y, n, a, b); break;
    case 23: unaryLoop(23, x, y, n, a, b); break;
    case 24: unaryLoop(24, x, y, n, a, b); break;
    case 25: unaryLoop(25, x, y, n, a, b); break;
    case 26: unaryLoop(26, x, y, n, a, b); break;
    case 27: unaryLoop(27, x, y, n, a, b); break;
    case 28: unaryLoop(28, x, y, n, a, b); break;
    default: unreachable();
  }
}

/** int32 ops that keep the dtype: neg, abs, sign, square, relu, relu6, floor/ceil/round (identity). */
export function unaryI32(op: i32, x: usize, y: usize, n: i32, lo: i32, hi: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + off4(i));
    let r: v128;
    switch (op) {
      case 0: r = i32x4.neg(v); break;
      case 1: r = i32x4.abs(v); break;
      case 2: r = v128.or(i32x4.shr_s(v, 31), v128.and(i32x4.gt_s(v, i32x4.splat(0)), i32x4.splat(1))); break;
      case 3: r = i32x4.mul(v, v); break;
      case 4: r = i32x4.max_s(v, i32x4.splat(0)); break;
      case 5: r = i32x4.min_s(i32x4.max_s(v, i32x4.splat(0)), i32x4.splat(6)); break;
      case 28: r = i32x4.min_s(i32x4.max_s(v, i32x4.splat(lo)), i32x4.splat(hi)); break;
      default: r = v;
    }
    v128.store(y + off4(i), r);
  }
  for (; i < n; i++) {
    const v = load<i32>(x + off4(i));
    let r: i32;
    switch (op) {
      case 0: r = -v; break;
      case 1: r = v < 0 ? -v : v; break;
      case 2: r = v > 0 ? 1 : v < 0 ? -1 : 0; break;
      case 3: r = v * v; break;
      case 4: r = v < 0 ? 0 : v; break;
      case 5: r = v < 0 ? 0 : v > 6 ? 6 : v; break;
      case 28: r = v < lo ? lo : v > hi ? hi : v; break;
      default: r = v;
    }
    store<i32>(y + off4(i), r);
  }
}

/** isNaN (op 0) / isFinite (op 1) of float32 into bool bytes. */
export function predicateF32(op: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + off4(i));
    store<u8>(y + i, op == 0 ? <u8>(v != v) : <u8>(v - v == 0));
  }
}

/** logicalNot on bool bytes. */
export function logicalNot(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) v128.store(y + i, v128.and(i8x16.eq(v128.load(x + i), i8x16.splat(0)), i8x16.splat(1)));
  for (; i < n; i++) store<u8>(y + i, load<u8>(x + i) == 0 ? 1 : 0);
}

/**
 * Cast between dtypes (0 float32, 1 int32, 2 bool). float→int32 truncates toward zero and
 * saturates at the int32 range (NaN → 0); anything nonzero (NaN too) → true.
 */
export function cast(from: i32, to: i32, x: usize, y: usize, n: i32): void {
  if (to == 2) {
    if (from == 2) { memory.copy(y, x, n); return; }
    for (let i = 0; i < n; i++) {
      const nz = from == 0 ? load<f32>(x + off4(i)) != 0 : load<i32>(x + off4(i)) != 0;
      store<u8>(y + i, <u8>nz);
    }
    return;
  }
  if (from == 2) {
    for (let i = 0; i < n; i++) {
      const v = <i32>load<u8>(x + i);
      if (to == 0) store<f32>(y + off4(i), <f32>v);
      else store<i32>(y + off4(i), v);
    }
    return;
  }
  if (from == to) { memory.copy(y, x, <usize>n << 2); return; }
  let i = 0;
  if (from == 1) {
    for (; i + 4 <= n; i += 4) v128.store(y + off4(i), f32x4.convert_i32x4_s(v128.load(x + off4(i))));
    for (; i < n; i++) store<f32>(y + off4(i), <f32>load<i32>(x + off4(i)));
    return;
  }
  for (; i + 4 <= n; i += 4) v128.store(y + off4(i), i32x4.trunc_sat_f32x4_s(v128.load(x + off4(i))));
  for (; i < n; i++) {
    const v = load<f32>(x + off4(i));
    store<i32>(y + off4(i), v != v ? 0 : v >= 2147483647.0 ? i32.MAX_VALUE : v <= -2147483648.0 ? i32.MIN_VALUE : <i32>v);
  }
}

/** Fills n elements of `size` bytes (1 or 4) with a bit pattern. */
export function fill(y: usize, n: i32, size: i32, bits: i32): void {
  if (size == 1) { memory.fill(y, <u8>bits, n); return; }
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + off4(i), v);
  for (; i < n; i++) store<i32>(y + off4(i), bits);
}
