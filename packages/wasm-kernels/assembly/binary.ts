// Broadcasting binary kernels (arithmetic, comparison, logic) and where. JS collapses the shapes to
// a few dims; the innermost dim runs as a SIMD loop with each input either contiguous or a scalar.
// Op and dtype codes come from src/abi/codes.ts, the parameter block layout from src/abi/params.ts.

import { BinaryCode, DTypeCode } from '../src/abi/codes';
import { StridedParam } from '../src/abi/params';
import { ODOMETER, off4, param, walkDim, walkStride } from './common';

// ---------------------------------------------------------------------------------------------
// Scalar definitions (float64 where the reference computes in doubles)

function floorModF64(a: f64, b: f64): f64 {
  const r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

function intPow(a: i32, b: i32): i32 {
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) != 0 ? -1 : 1) : 0;
  let result = 1;
  let base = a;
  let e = <u32>b;
  while (e > 0) {
    if (e & 1) result *= base;
    base *= base;
    e >>= 1;
  }
  return result;
}

function intFloorDiv(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  if (a == i32.MIN_VALUE && b == -1) return i32.MIN_VALUE;
  const q = a / b;
  return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
}

function intMod(a: i32, b: i32): i32 {
  if (b == 0 || b == -1) return 0;
  const r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

// ---------------------------------------------------------------------------------------------
// Op classes: `v` on vectors, `s` on scalars; used as type arguments and inlined.

// @ts-ignore: decorator
@inline function lanesF(a: v128, b: v128, op: BinaryCode): v128 {
  let r = a;
  r = f32x4.replace_lane(r, 0, scalarF(op, f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
  r = f32x4.replace_lane(r, 1, scalarF(op, f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
  r = f32x4.replace_lane(r, 2, scalarF(op, f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
  r = f32x4.replace_lane(r, 3, scalarF(op, f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
  return r;
}

function scalarF(op: BinaryCode, a: f32, b: f32): f32 {
  if (op == BinaryCode.pow) return <f32>Math.pow(<f64>a, <f64>b);
  if (op == BinaryCode.mod) return <f32>floorModF64(<f64>a, <f64>b);
  return <f32>Math.floor(<f64>a / <f64>b);
}

// @ts-ignore: decorator
@inline function lanesI(a: v128, b: v128, op: BinaryCode): v128 {
  let r = a;
  r = i32x4.replace_lane(r, 0, scalarI(op, i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
  r = i32x4.replace_lane(r, 1, scalarI(op, i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
  r = i32x4.replace_lane(r, 2, scalarI(op, i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
  r = i32x4.replace_lane(r, 3, scalarI(op, i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
  return r;
}

function scalarI(op: BinaryCode, a: i32, b: i32): i32 {
  if (op == BinaryCode.pow) return intPow(a, b);
  if (op == BinaryCode.mod) return intMod(a, b);
  return intFloorDiv(a, b);
}

class AddF { @inline v(a: v128, b: v128): v128 { return f32x4.add(a, b); } @inline s(a: f32, b: f32): f32 { return a + b; } }
class SubF { @inline v(a: v128, b: v128): v128 { return f32x4.sub(a, b); } @inline s(a: f32, b: f32): f32 { return a - b; } }
class MulF { @inline v(a: v128, b: v128): v128 { return f32x4.mul(a, b); } @inline s(a: f32, b: f32): f32 { return a * b; } }
class DivF { @inline v(a: v128, b: v128): v128 { return f32x4.div(a, b); } @inline s(a: f32, b: f32): f32 { return a / b; } }
class PowF {
  @inline v(a: v128, b: v128): v128 { return lanesF(a, b, BinaryCode.pow); }
  @inline s(a: f32, b: f32): f32 { return scalarF(BinaryCode.pow, a, b); }
}
class MaxF {
  @inline v(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline s(a: f32, b: f32): f32 { return a != a || b != b ? NaN : a > b ? a : b; }
}
class MinF {
  @inline v(a: v128, b: v128): v128 { return f32x4.min(a, b); }
  @inline s(a: f32, b: f32): f32 { return a != a || b != b ? NaN : a < b ? a : b; }
}
class ModF {
  @inline v(a: v128, b: v128): v128 { return lanesF(a, b, BinaryCode.mod); }
  @inline s(a: f32, b: f32): f32 { return scalarF(BinaryCode.mod, a, b); }
}
class FloorDivF {
  @inline v(a: v128, b: v128): v128 { return lanesF(a, b, BinaryCode.floorDiv); }
  @inline s(a: f32, b: f32): f32 { return scalarF(BinaryCode.floorDiv, a, b); }
}

class AddI { @inline v(a: v128, b: v128): v128 { return i32x4.add(a, b); } @inline s(a: i32, b: i32): i32 { return a + b; } }
class SubI { @inline v(a: v128, b: v128): v128 { return i32x4.sub(a, b); } @inline s(a: i32, b: i32): i32 { return a - b; } }
class MulI { @inline v(a: v128, b: v128): v128 { return i32x4.mul(a, b); } @inline s(a: i32, b: i32): i32 { return a * b; } }
class PowI {
  @inline v(a: v128, b: v128): v128 { return lanesI(a, b, BinaryCode.pow); }
  @inline s(a: i32, b: i32): i32 { return scalarI(BinaryCode.pow, a, b); }
}
class MaxI { @inline v(a: v128, b: v128): v128 { return i32x4.max_s(a, b); } @inline s(a: i32, b: i32): i32 { return a > b ? a : b; } }
class MinI { @inline v(a: v128, b: v128): v128 { return i32x4.min_s(a, b); } @inline s(a: i32, b: i32): i32 { return a < b ? a : b; } }
class ModI {
  @inline v(a: v128, b: v128): v128 { return lanesI(a, b, BinaryCode.mod); }
  @inline s(a: i32, b: i32): i32 { return scalarI(BinaryCode.mod, a, b); }
}
class FloorDivI {
  @inline v(a: v128, b: v128): v128 { return lanesI(a, b, BinaryCode.floorDiv); }
  @inline s(a: i32, b: i32): i32 { return scalarI(BinaryCode.floorDiv, a, b); }
}

// Comparisons: `v` gives an all-ones lane mask, `s` a bool.
class EqF { @inline v(a: v128, b: v128): v128 { return f32x4.eq(a, b); } @inline s(a: f32, b: f32): bool { return a == b; } }
class NeF { @inline v(a: v128, b: v128): v128 { return f32x4.ne(a, b); } @inline s(a: f32, b: f32): bool { return a != b; } }
class LtF { @inline v(a: v128, b: v128): v128 { return f32x4.lt(a, b); } @inline s(a: f32, b: f32): bool { return a < b; } }
class LeF { @inline v(a: v128, b: v128): v128 { return f32x4.le(a, b); } @inline s(a: f32, b: f32): bool { return a <= b; } }
class GtF { @inline v(a: v128, b: v128): v128 { return f32x4.gt(a, b); } @inline s(a: f32, b: f32): bool { return a > b; } }
class GeF { @inline v(a: v128, b: v128): v128 { return f32x4.ge(a, b); } @inline s(a: f32, b: f32): bool { return a >= b; } }
class EqI { @inline v(a: v128, b: v128): v128 { return i32x4.eq(a, b); } @inline s(a: i32, b: i32): bool { return a == b; } }
class NeI { @inline v(a: v128, b: v128): v128 { return i32x4.ne(a, b); } @inline s(a: i32, b: i32): bool { return a != b; } }
class LtI { @inline v(a: v128, b: v128): v128 { return i32x4.lt_s(a, b); } @inline s(a: i32, b: i32): bool { return a < b; } }
class LeI { @inline v(a: v128, b: v128): v128 { return i32x4.le_s(a, b); } @inline s(a: i32, b: i32): bool { return a <= b; } }
class GtI { @inline v(a: v128, b: v128): v128 { return i32x4.gt_s(a, b); } @inline s(a: i32, b: i32): bool { return a > b; } }
class GeI { @inline v(a: v128, b: v128): v128 { return i32x4.ge_s(a, b); } @inline s(a: i32, b: i32): bool { return a >= b; } }

// ---------------------------------------------------------------------------------------------
// Inner loops over n elements; sa/sb are the inputs' element strides (1, or 0 for a scalar).

// @ts-ignore: decorator
@inline function arith<Op, T>(pa: usize, sa: i32, pb: usize, sb: i32, py: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (sa != 0 && sb != 0) {
    // Four vectors per iteration: the loads of both inputs stream ahead of the stores.
    for (; i + 16 <= n; i += 16) {
      const a0 = v128.load(pa + off4(i)); const b0 = v128.load(pb + off4(i));
      const a1 = v128.load(pa + off4(i + 4)); const b1 = v128.load(pb + off4(i + 4));
      const a2 = v128.load(pa + off4(i + 8)); const b2 = v128.load(pb + off4(i + 8));
      const a3 = v128.load(pa + off4(i + 12)); const b3 = v128.load(pb + off4(i + 12));
      v128.store(py + off4(i), op.v(a0, b0));
      v128.store(py + off4(i + 4), op.v(a1, b1));
      v128.store(py + off4(i + 8), op.v(a2, b2));
      v128.store(py + off4(i + 12), op.v(a3, b3));
    }
    for (; i + 4 <= n; i += 4) v128.store(py + off4(i), op.v(v128.load(pa + off4(i)), v128.load(pb + off4(i))));
  } else if (sa != 0) {
    const vb = v128.load32_splat(pb);
    for (; i + 16 <= n; i += 16) {
      const a0 = v128.load(pa + off4(i)); const a1 = v128.load(pa + off4(i + 4));
      const a2 = v128.load(pa + off4(i + 8)); const a3 = v128.load(pa + off4(i + 12));
      v128.store(py + off4(i), op.v(a0, vb));
      v128.store(py + off4(i + 4), op.v(a1, vb));
      v128.store(py + off4(i + 8), op.v(a2, vb));
      v128.store(py + off4(i + 12), op.v(a3, vb));
    }
    for (; i + 4 <= n; i += 4) v128.store(py + off4(i), op.v(v128.load(pa + off4(i)), vb));
  } else if (sb != 0) {
    const va = v128.load32_splat(pa);
    for (; i + 4 <= n; i += 4) v128.store(py + off4(i), op.v(va, v128.load(pb + off4(i))));
  }
  for (; i < n; i++) store<T>(py + off4(i), op.s(load<T>(pa + off4(i * sa)), load<T>(pb + off4(i * sb))));
}

// @ts-ignore: decorator
@inline function narrowStore(py: usize, mask: v128): void {
  const m16 = i16x8.narrow_i32x4_s(mask, mask);
  const m8 = i8x16.narrow_i16x8_s(m16, m16);
  store<i32>(py, i32x4.extract_lane(v128.and(m8, i8x16.splat(1)), 0));
}

// @ts-ignore: decorator
@inline function compare<Op, T>(pa: usize, sa: i32, pb: usize, sb: i32, py: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (sa != 0 && sb != 0) {
    for (; i + 4 <= n; i += 4) narrowStore(py + i, op.v(v128.load(pa + off4(i)), v128.load(pb + off4(i))));
  } else if (sa != 0) {
    const vb = v128.load32_splat(pb);
    for (; i + 4 <= n; i += 4) narrowStore(py + i, op.v(v128.load(pa + off4(i)), vb));
  } else if (sb != 0) {
    const va = v128.load32_splat(pa);
    for (; i + 4 <= n; i += 4) narrowStore(py + i, op.v(va, v128.load(pb + off4(i))));
  }
  for (; i < n; i++) store<u8>(py + i, <u8>op.s(load<T>(pa + off4(i * sa)), load<T>(pb + off4(i * sb))));
}

function compareBytes(op: BinaryCode, pa: usize, sa: i32, pb: usize, sb: i32, py: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const a = <i32>load<u8>(pa + i * sa);
    const b = <i32>load<u8>(pb + i * sb);
    let r: bool;
    switch (op) {
      case BinaryCode.equal: r = a == b; break;
      case BinaryCode.notEqual: r = a != b; break;
      case BinaryCode.less: r = a < b; break;
      case BinaryCode.lessEqual: r = a <= b; break;
      case BinaryCode.greater: r = a > b; break;
      case BinaryCode.greaterEqual: r = a >= b; break;
      case BinaryCode.logicalAnd: r = a != 0 && b != 0; break;
      default: r = a != 0 || b != 0;
    }
    store<u8>(py + i, <u8>r);
  }
}

function inner(op: BinaryCode, dt: DTypeCode, pa: usize, sa: i32, pb: usize, sb: i32, py: usize, n: i32): void {
  if (dt == DTypeCode.bool || op >= BinaryCode.logicalAnd) { compareBytes(op, pa, sa, pb, sb, py, n); return; }
  if (dt == DTypeCode.float32) {
    switch (op) {
      case BinaryCode.add: arith<AddF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.sub: arith<SubF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.mul: arith<MulF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.div: arith<DivF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.pow: arith<PowF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.maximum: arith<MaxF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.minimum: arith<MinF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.mod: arith<ModF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.floorDiv: arith<FloorDivF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.equal: compare<EqF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.notEqual: compare<NeF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.less: compare<LtF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.lessEqual: compare<LeF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.greater: compare<GtF, f32>(pa, sa, pb, sb, py, n); return;
      case BinaryCode.greaterEqual: compare<GeF, f32>(pa, sa, pb, sb, py, n); return;
      default: unreachable();
    }
  }
  // int32 has no div: core divides int32 operands as float32 (src/kernels.ts declares div float32-only).
  switch (op) {
    case BinaryCode.add: arith<AddI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.sub: arith<SubI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.mul: arith<MulI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.pow: arith<PowI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.maximum: arith<MaxI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.minimum: arith<MinI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.mod: arith<ModI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.floorDiv: arith<FloorDivI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.equal: compare<EqI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.notEqual: compare<NeI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.less: compare<LtI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.lessEqual: compare<LeI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.greater: compare<GtI, i32>(pa, sa, pb, sb, py, n); return;
    case BinaryCode.greaterEqual: compare<GeI, i32>(pa, sa, pb, sb, py, n); return;
    default: unreachable();
  }
}

/**
 * y = op(a, b) with broadcasting over a strided walk (src/abi/params.ts StridedParam) with operand
 * 0 = a, 1 = b (strides in elements; 0 on broadcast dims). Output bytes per element: 1 for
 * comparisons and logic (from BinaryCode.equal), else 4.
 */
export function binary(op: BinaryCode, dt: DTypeCode, a: usize, b: usize, y: usize, p: usize): void {
  const rank = param(p, StridedParam.rank);
  const n = walkDim(p, rank - 1);
  const sa = walkStride(p, rank, 0, rank - 1);
  const sb = walkStride(p, rank, 1, rank - 1);
  const inSize: i32 = dt == DTypeCode.bool ? 1 : 4;
  const outSize: i32 = op >= BinaryCode.equal ? 1 : 4;
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) outer *= walkDim(p, d);
  // Odometer over the outer dims, tracking each input's offset incrementally.
  const idx = ODOMETER;
  for (let d = 0; d < StridedParam.maxRank; d++) store<i32>(idx + off4(d), 0);
  let oa = 0;
  let ob = 0;
  for (let o = 0; o < outer; o++) {
    inner(op, dt, a + <usize>(oa * inSize), sa, b + <usize>(ob * inSize), sb, y + <usize>(o * n * outSize), n);
    for (let d = rank - 2; d >= 0; d--) {
      const dim = walkDim(p, d);
      const i = load<i32>(idx + off4(d)) + 1;
      oa += walkStride(p, rank, 0, d);
      ob += walkStride(p, rank, 1, d);
      if (i < dim) { store<i32>(idx + off4(d), i); break; }
      store<i32>(idx + off4(d), 0);
      oa -= walkStride(p, rank, 0, d) * dim;
      ob -= walkStride(p, rank, 1, d) * dim;
    }
  }
}

/**
 * where(c, a, b) with broadcasting; `size` is the element size of a, b, y (1 or 4). Params at p:
 * a strided walk (StridedParam) with operand 0 = c, 1 = a, 2 = b.
 */
export function where(size: i32, c: usize, a: usize, b: usize, y: usize, p: usize): void {
  const rank = param(p, StridedParam.rank);
  const n = walkDim(p, rank - 1);
  const sc = walkStride(p, rank, 0, rank - 1);
  const sa = walkStride(p, rank, 1, rank - 1);
  const sb = walkStride(p, rank, 2, rank - 1);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) outer *= walkDim(p, d);
  const idx = ODOMETER;
  for (let d = 0; d < StridedParam.maxRank; d++) store<i32>(idx + off4(d), 0);
  let oc = 0;
  let oa = 0;
  let ob = 0;
  for (let o = 0; o < outer; o++) {
    const pc = c + <usize>oc;
    const pa = a + <usize>(oa * size);
    const pb = b + <usize>(ob * size);
    const py = y + <usize>(o * n * size);
    let i = 0;
    if (size == 4 && sc == 1 && sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(pc + i))), i32x4.splat(0));
        v128.store(py + off4(i), v128.bitselect(v128.load(pa + off4(i)), v128.load(pb + off4(i)), m));
      }
    }
    if (size == 4) {
      for (; i < n; i++) store<i32>(py + off4(i), load<u8>(pc + i * sc) != 0 ? load<i32>(pa + off4(i * sa)) : load<i32>(pb + off4(i * sb)));
    } else {
      for (; i < n; i++) store<u8>(py + i, load<u8>(pc + i * sc) != 0 ? load<u8>(pa + i * sa) : load<u8>(pb + i * sb));
    }
    for (let d = rank - 2; d >= 0; d--) {
      const dim = walkDim(p, d);
      const i2 = load<i32>(idx + off4(d)) + 1;
      oc += walkStride(p, rank, 0, d);
      oa += walkStride(p, rank, 1, d);
      ob += walkStride(p, rank, 2, d);
      if (i2 < dim) { store<i32>(idx + off4(d), i2); break; }
      store<i32>(idx + off4(d), 0);
      oc -= walkStride(p, rank, 0, d) * dim;
      oa -= walkStride(p, rank, 1, d) * dim;
      ob -= walkStride(p, rank, 2, d) * dim;
    }
  }
}
