// Elementwise unary kernels: float math (SIMD where it matters, float64 libm for trig), int32 ops,
// predicates, cast, clip, leakyRelu and fill. Op and dtype codes come from src/abi/codes.ts.

import { DTypeCode, PredicateCode, UnaryCode } from '../src/abi/codes';
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
@inline function lanes(x: v128, op: UnaryCode): v128 {
  let r = x;
  r = f32x4.replace_lane(r, 0, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 2)));
  r = f32x4.replace_lane(r, 3, <f32>scalarF64(op, <f64>f32x4.extract_lane(x, 3)));
  return r;
}

function scalarF64(op: UnaryCode, x: f64): f64 {
  switch (op) {
    case UnaryCode.sin: return Math.sin(x);
    case UnaryCode.cos: return Math.cos(x);
    case UnaryCode.tan: return Math.tan(x);
    case UnaryCode.atan: return Math.atan(x);
    default: return NaN;
  }
}

// Op classes: `v` maps one vector (a, b: leakyRelu's alpha, clip's bounds). They are type
// arguments of unaryLoop, so each op gets its own loop with its body inlined.
// NOTE: a loop taking the op code as a value kept a br_table on the code inside every iteration
// (binaryen did not fold the constant): 3–4× slower for relu/neg, whose bodies are one or two
// instructions.

class UNeg { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.neg(x); } }
class UAbs { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.abs(x); } }
class USign {
  @inline v(x: v128, a: f32, b: f32): v128 {
    // sign: ±1, zero stays zero (as +0), NaN stays NaN.
    const one = v128.or(v128.and(x, i32x4.splat(0x80000000)), sp(1));
    const r = v128.bitselect(one, sp(0), f32x4.ne(x, sp(0)));
    return v128.bitselect(x, r, f32x4.ne(x, x));
  }
}
class USquare { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.mul(x, x); } }
// relu as pseudo-max with zero: x < 0 ? 0 : x — one maxps on x86; NaN and −0 pass through unchanged.
class URelu { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.pmax(x, sp(0)); } }
class URelu6 { @inline v(x: v128, a: f32, b: f32): v128 { return v128.bitselect(sp(6), v128.bitselect(sp(0), x, f32x4.lt(x, sp(0))), f32x4.gt(x, sp(6))); } }
class UFloor { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.floor(x); } }
class UCeil { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.ceil(x); } }
class URound { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.nearest(x); } }
class UExp { @inline v(x: v128, a: f32, b: f32): v128 { return vexp(x); } }
class UExpm1 { @inline v(x: v128, a: f32, b: f32): v128 { return vexpm1(x); } }
class ULog { @inline v(x: v128, a: f32, b: f32): v128 { return vlog(x); } }
class ULog1p { @inline v(x: v128, a: f32, b: f32): v128 { return vlog1p(x); } }
class USqrt { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.sqrt(x); } }
class URsqrt { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.div(sp(1), f32x4.sqrt(x)); } }
class UReciprocal { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.div(sp(1), x); } }
class UTanh { @inline v(x: v128, a: f32, b: f32): v128 { return vtanh(x); } }
class USigmoid { @inline v(x: v128, a: f32, b: f32): v128 { return vsigmoid(x); } }
class UElu { @inline v(x: v128, a: f32, b: f32): v128 { return v128.bitselect(x, vexpm1Neg(x), f32x4.gt(x, sp(0))); } }
class USelu {
  @inline v(x: v128, a: f32, b: f32): v128 {
    const neg = f32x4.mul(vexpm1Neg(x), sp(SELU_SCALE * SELU_ALPHA));
    return v128.bitselect(f32x4.mul(x, sp(SELU_SCALE)), neg, f32x4.gt(x, sp(0)));
  }
}
class UGelu { @inline v(x: v128, a: f32, b: f32): v128 { return vgelu(x); } }
class USoftplus { @inline v(x: v128, a: f32, b: f32): v128 { return vsoftplus(x); } }
class USilu { @inline v(x: v128, a: f32, b: f32): v128 { return f32x4.mul(x, vsigmoid(x)); } }
class ULeakyRelu { @inline v(x: v128, a: f32, b: f32): v128 { return v128.bitselect(f32x4.mul(x, sp(a)), x, f32x4.lt(x, sp(0))); } }
class UClip { @inline v(x: v128, a: f32, b: f32): v128 { return v128.bitselect(sp(a), v128.bitselect(sp(b), x, f32x4.gt(x, sp(b))), f32x4.lt(x, sp(a))); } }
class USin { @inline v(x: v128, a: f32, b: f32): v128 { return lanes(x, UnaryCode.sin); } }
class UCos { @inline v(x: v128, a: f32, b: f32): v128 { return lanes(x, UnaryCode.cos); } }
class UTan { @inline v(x: v128, a: f32, b: f32): v128 { return lanes(x, UnaryCode.tan); } }
class UAtan { @inline v(x: v128, a: f32, b: f32): v128 { return lanes(x, UnaryCode.atan); } }

/**
 * y = op(x) over n floats, four independent vectors per iteration: loads and stores stream for the
 * one-instruction ops, and the polynomial chains of the transcendentals overlap (two vectors per
 * iteration measured 15–20% slower for sigmoid and exp in V8).
 */
// @ts-ignore: decorator
@inline function unaryLoop<Op>(x: usize, y: usize, n: i32, a: f32, b: f32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const r0 = op.v(v128.load(x + off4(i)), a, b);
    const r1 = op.v(v128.load(x + off4(i + 4)), a, b);
    const r2 = op.v(v128.load(x + off4(i + 8)), a, b);
    const r3 = op.v(v128.load(x + off4(i + 12)), a, b);
    v128.store(y + off4(i), r0);
    v128.store(y + off4(i + 4), r1);
    v128.store(y + off4(i + 8), r2);
    v128.store(y + off4(i + 12), r3);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + off4(i), op.v(v128.load(x + off4(i)), a, b));
  if (i < n) {
    // Tail through one partly filled vector so every element takes the same code path.
    const rem = n - i;
    let v = f32x4.splat(0);
    v = f32x4.replace_lane(v, 0, load<f32>(x + off4(i)));
    if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(x + off4(i + 1)));
    if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(x + off4(i + 2)));
    const r = op.v(v, a, b);
    store<f32>(y + off4(i), f32x4.extract_lane(r, 0));
    if (rem > 1) store<f32>(y + off4(i + 1), f32x4.extract_lane(r, 1));
    if (rem > 2) store<f32>(y + off4(i + 2), f32x4.extract_lane(r, 2));
  }
}

/**
 * y = op(x) on n float32 values; a and b carry leakyRelu's alpha and clip's bounds. Each case
 * runs the loop of its op class.
 */
export function unaryF32(op: UnaryCode, x: usize, y: usize, n: i32, a: f32, b: f32): void {
  switch (op) {
    case UnaryCode.neg: unaryLoop<UNeg>(x, y, n, a, b); break;
    case UnaryCode.abs: unaryLoop<UAbs>(x, y, n, a, b); break;
    case UnaryCode.sign: unaryLoop<USign>(x, y, n, a, b); break;
    case UnaryCode.square: unaryLoop<USquare>(x, y, n, a, b); break;
    case UnaryCode.relu: unaryLoop<URelu>(x, y, n, a, b); break;
    case UnaryCode.relu6: unaryLoop<URelu6>(x, y, n, a, b); break;
    case UnaryCode.floor: unaryLoop<UFloor>(x, y, n, a, b); break;
    case UnaryCode.ceil: unaryLoop<UCeil>(x, y, n, a, b); break;
    case UnaryCode.round: unaryLoop<URound>(x, y, n, a, b); break;
    case UnaryCode.exp: unaryLoop<UExp>(x, y, n, a, b); break;
    case UnaryCode.expm1: unaryLoop<UExpm1>(x, y, n, a, b); break;
    case UnaryCode.log: unaryLoop<ULog>(x, y, n, a, b); break;
    case UnaryCode.log1p: unaryLoop<ULog1p>(x, y, n, a, b); break;
    case UnaryCode.sqrt: unaryLoop<USqrt>(x, y, n, a, b); break;
    case UnaryCode.rsqrt: unaryLoop<URsqrt>(x, y, n, a, b); break;
    case UnaryCode.reciprocal: unaryLoop<UReciprocal>(x, y, n, a, b); break;
    case UnaryCode.sin: unaryLoop<USin>(x, y, n, a, b); break;
    case UnaryCode.cos: unaryLoop<UCos>(x, y, n, a, b); break;
    case UnaryCode.tan: unaryLoop<UTan>(x, y, n, a, b); break;
    case UnaryCode.atan: unaryLoop<UAtan>(x, y, n, a, b); break;
    case UnaryCode.tanh: unaryLoop<UTanh>(x, y, n, a, b); break;
    case UnaryCode.sigmoid: unaryLoop<USigmoid>(x, y, n, a, b); break;
    case UnaryCode.elu: unaryLoop<UElu>(x, y, n, a, b); break;
    case UnaryCode.selu: unaryLoop<USelu>(x, y, n, a, b); break;
    case UnaryCode.gelu: unaryLoop<UGelu>(x, y, n, a, b); break;
    case UnaryCode.softplus: unaryLoop<USoftplus>(x, y, n, a, b); break;
    case UnaryCode.silu: unaryLoop<USilu>(x, y, n, a, b); break;
    case UnaryCode.leakyRelu: unaryLoop<ULeakyRelu>(x, y, n, a, b); break;
    case UnaryCode.clip: unaryLoop<UClip>(x, y, n, a, b); break;
    default: unreachable();
  }
}

/** int32 ops that keep the dtype: neg, abs, sign, square, relu, relu6, floor/ceil/round (identity). */
export function unaryI32(op: UnaryCode, x: usize, y: usize, n: i32, lo: i32, hi: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + off4(i));
    let r: v128;
    switch (op) {
      case UnaryCode.neg: r = i32x4.neg(v); break;
      case UnaryCode.abs: r = i32x4.abs(v); break;
      case UnaryCode.sign: r = v128.or(i32x4.shr_s(v, 31), v128.and(i32x4.gt_s(v, i32x4.splat(0)), i32x4.splat(1))); break;
      case UnaryCode.square: r = i32x4.mul(v, v); break;
      case UnaryCode.relu: r = i32x4.max_s(v, i32x4.splat(0)); break;
      case UnaryCode.relu6: r = i32x4.min_s(i32x4.max_s(v, i32x4.splat(0)), i32x4.splat(6)); break;
      case UnaryCode.clip: r = i32x4.min_s(i32x4.max_s(v, i32x4.splat(lo)), i32x4.splat(hi)); break;
      default: r = v;
    }
    v128.store(y + off4(i), r);
  }
  for (; i < n; i++) {
    const v = load<i32>(x + off4(i));
    let r: i32;
    switch (op) {
      case UnaryCode.neg: r = -v; break;
      case UnaryCode.abs: r = v < 0 ? -v : v; break;
      case UnaryCode.sign: r = v > 0 ? 1 : v < 0 ? -1 : 0; break;
      case UnaryCode.square: r = v * v; break;
      case UnaryCode.relu: r = v < 0 ? 0 : v; break;
      case UnaryCode.relu6: r = v < 0 ? 0 : v > 6 ? 6 : v; break;
      case UnaryCode.clip: r = v < lo ? lo : v > hi ? hi : v; break;
      default: r = v;
    }
    store<i32>(y + off4(i), r);
  }
}

/** isNaN / isFinite of float32 into bool bytes. */
export function predicateF32(op: PredicateCode, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + off4(i));
    store<u8>(y + i, op == PredicateCode.isNaN ? <u8>(v != v) : <u8>(v - v == 0));
  }
}

/** logicalNot on bool bytes. */
export function logicalNot(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) v128.store(y + i, v128.and(i8x16.eq(v128.load(x + i), i8x16.splat(0)), i8x16.splat(1)));
  for (; i < n; i++) store<u8>(y + i, load<u8>(x + i) == 0 ? 1 : 0);
}

/**
 * Cast between dtypes. float→int32 truncates toward zero and saturates at the int32 range
 * (NaN → 0); anything nonzero (NaN too) → true.
 */
export function cast(from: DTypeCode, to: DTypeCode, x: usize, y: usize, n: i32): void {
  if (to == DTypeCode.bool) {
    if (from == DTypeCode.bool) { memory.copy(y, x, n); return; }
    for (let i = 0; i < n; i++) {
      const nz = from == DTypeCode.float32 ? load<f32>(x + off4(i)) != 0 : load<i32>(x + off4(i)) != 0;
      store<u8>(y + i, <u8>nz);
    }
    return;
  }
  if (from == DTypeCode.bool) {
    for (let i = 0; i < n; i++) {
      const v = <i32>load<u8>(x + i);
      if (to == DTypeCode.float32) store<f32>(y + off4(i), <f32>v);
      else store<i32>(y + off4(i), v);
    }
    return;
  }
  if (from == to) { memory.copy(y, x, <usize>n << 2); return; }
  let i = 0;
  if (from == DTypeCode.int32) {
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
