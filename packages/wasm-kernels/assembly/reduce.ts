// Reductions over (outer, n, inner) views: sum/prod/max/min, argMax/argMin, fused softmax and
// logSoftmax, cumsum and topk. JS reshapes any axis set into this form (transposing when needed).
// Op and dtype codes come from src/abi/codes.ts.

import { DTypeCode, ReduceCode } from '../src/abi/codes';
import { off4 } from './common';
import { vexpNeg, vlog } from './simd-math';

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  const m = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2)), 0);
}

/** Sum of n contiguous float32 values with 16 partial sums. */
function sumRow(x: usize, n: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = f32x4.add(a0, v128.load(x + off4(i)));
    a1 = f32x4.add(a1, v128.load(x + off4(i + 4)));
    a2 = f32x4.add(a2, v128.load(x + off4(i + 8)));
    a3 = f32x4.add(a3, v128.load(x + off4(i + 12)));
  }
  for (; i + 4 <= n; i += 4) a0 = f32x4.add(a0, v128.load(x + off4(i)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; i < n; i++) s += load<f32>(x + off4(i));
  return s;
}

// The vector step of extremeRow, a type argument so each direction gets its own inlined loop (as
// unary.ts's op classes). pmax/pmin are one instruction each (f32x4.max/min lower to several on x64).
class PMax { @inline v(a: v128, b: v128): v128 { return f32x4.pmax(a, b); } }
class PMin { @inline v(a: v128, b: v128): v128 { return f32x4.pmin(a, b); } }

/** Max (PMax) or min (PMin) of n contiguous float32 values; NaN propagates, tracked by its own mask. */
// @ts-ignore: decorator
@inline function extremeLoop<Op>(x: usize, n: i32, isMax: bool): f32 {
  const op = changetype<Op>(0);
  let a0 = f32x4.splat(isMax ? -Infinity : Infinity);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let nan = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v0 = v128.load(x + off4(i)); const v1 = v128.load(x + off4(i + 4));
    const v2 = v128.load(x + off4(i + 8)); const v3 = v128.load(x + off4(i + 12));
    a0 = op.v(a0, v0); a1 = op.v(a1, v1); a2 = op.v(a2, v2); a3 = op.v(a3, v3);
    nan = v128.or(nan, v128.or(v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)), v128.or(f32x4.ne(v2, v2), f32x4.ne(v3, v3))));
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + off4(i));
    a0 = op.v(a0, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  if (v128.any_true(nan)) return NaN;
  const v = op.v(op.v(a0, a1), op.v(a2, a3));
  let m: f32 = isMax ? hmax(v) : -hmax(f32x4.neg(v));
  for (; i < n; i++) {
    const e = load<f32>(x + off4(i));
    if (e != e) return e;
    m = isMax ? (e > m ? e : m) : (e < m ? e : m);
  }
  return m;
}

/** Max (isMax) or min of n contiguous float32 values; NaN propagates. */
function extremeRow(x: usize, n: i32, isMax: bool): f32 {
  return isMax ? extremeLoop<PMax>(x, n, true) : extremeLoop<PMin>(x, n, false);
}

/**
 * Reduces the middle axis of an (outer, n, inner) view of float32 or int32 values. Float products
 * accumulate in float64 as the reference does.
 */
export function reduce(op: ReduceCode, dt: DTypeCode, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  if (dt == DTypeCode.int32) { reduceInt(op, x, y, outer, n, inner); return; }
  if (op == ReduceCode.prod) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc: f64 = 1;
        const base = x + off4(o * n * inner + i);
        for (let a = 0; a < n; a++) acc *= <f64>load<f32>(base + off4(a * inner));
        store<f32>(y + off4(o * inner + i), <f32>acc);
      }
    }
    return;
  }
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = x + off4(o * n);
      store<f32>(y + off4(o), op == ReduceCode.sum ? sumRow(row, n) : extremeRow(row, n, op == ReduceCode.max));
    }
    return;
  }
  // inner > 1: accumulate whole rows of `inner` values into y.
  const init: f32 = op == ReduceCode.sum ? 0 : op == ReduceCode.max ? -Infinity : Infinity;
  for (let o = 0; o < outer; o++) {
    const dst = y + off4(o * inner);
    const iv = f32x4.splat(init);
    let i = 0;
    for (; i + 4 <= inner; i += 4) v128.store(dst + off4(i), iv);
    for (; i < inner; i++) store<f32>(dst + off4(i), init);
    for (let a = 0; a < n; a++) {
      const src = x + off4((o * n + a) * inner);
      i = 0;
      if (op == ReduceCode.sum) {
        for (; i + 4 <= inner; i += 4) v128.store(dst + off4(i), f32x4.add(v128.load(dst + off4(i)), v128.load(src + off4(i))));
      } else if (op == ReduceCode.max) {
        for (; i + 4 <= inner; i += 4) v128.store(dst + off4(i), f32x4.max(v128.load(dst + off4(i)), v128.load(src + off4(i))));
      } else {
        for (; i + 4 <= inner; i += 4) v128.store(dst + off4(i), f32x4.min(v128.load(dst + off4(i)), v128.load(src + off4(i))));
      }
      for (; i < inner; i++) {
        const acc = load<f32>(dst + off4(i));
        const v = load<f32>(src + off4(i));
        let r: f32;
        if (op == ReduceCode.sum) r = acc + v;
        else if (acc != acc || v != v) r = NaN;
        else r = op == ReduceCode.max ? (v > acc ? v : acc) : (v < acc ? v : acc);
        store<f32>(dst + off4(i), r);
      }
    }
  }
}

function reduceInt(op: ReduceCode, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  const init: i32 = op == ReduceCode.sum ? 0 : op == ReduceCode.prod ? 1 : op == ReduceCode.max ? i32.MIN_VALUE : i32.MAX_VALUE;
  for (let o = 0; o < outer; o++) {
    const dst = y + off4(o * inner);
    for (let i = 0; i < inner; i++) store<i32>(dst + off4(i), init);
    for (let a = 0; a < n; a++) {
      const src = x + off4((o * n + a) * inner);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const d = v128.load(dst + off4(i));
        const s = v128.load(src + off4(i));
        const r = op == ReduceCode.sum ? i32x4.add(d, s) : op == ReduceCode.prod ? i32x4.mul(d, s)
          : op == ReduceCode.max ? i32x4.max_s(d, s) : i32x4.min_s(d, s);
        v128.store(dst + off4(i), r);
      }
      for (; i < inner; i++) {
        const d = load<i32>(dst + off4(i));
        const s = load<i32>(src + off4(i));
        const r = op == ReduceCode.sum ? d + s : op == ReduceCode.prod ? d * s : op == ReduceCode.max ? (s > d ? s : d) : (s < d ? s : d);
        store<i32>(dst + off4(i), r);
      }
    }
  }
}

/** argMax (isMax) / argMin along the middle axis; the first NaN wins, then the first extreme. */
export function argReduce(isMax: bool, dt: DTypeCode, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = x + off4(o * n * inner + i);
      let bestIdx = 0;
      if (dt == DTypeCode.float32) {
        let best = load<f32>(base);
        for (let a = 1; a < n && best == best; a++) {
          const v = load<f32>(base + off4(a * inner));
          if (v != v || (isMax ? v > best : v < best)) { best = v; bestIdx = a; }
        }
      } else {
        let best = load<i32>(base);
        for (let a = 1; a < n; a++) {
          const v = load<i32>(base + off4(a * inner));
          if (isMax ? v > best : v < best) { best = v; bestIdx = a; }
        }
      }
      store<i32>(y + off4(o * inner + i), bestIdx);
    }
  }
}

/**
 * Max of n contiguous values ignoring NaN (pmax is one instruction; a NaN in the row still turns
 * the whole softmax row into NaN through the sum of exponentials, as the reference does).
 */
function rowMaxFast(x: usize, n: i32): f32 {
  let a0 = f32x4.splat(-Infinity);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = f32x4.pmax(a0, v128.load(x + off4(i)));
    a1 = f32x4.pmax(a1, v128.load(x + off4(i + 4)));
    a2 = f32x4.pmax(a2, v128.load(x + off4(i + 8)));
    a3 = f32x4.pmax(a3, v128.load(x + off4(i + 12)));
  }
  for (; i + 4 <= n; i += 4) a0 = f32x4.pmax(a0, v128.load(x + off4(i)));
  let m = hmax(f32x4.pmax(f32x4.pmax(a0, a1), f32x4.pmax(a2, a3)));
  for (; i < n; i++) {
    const e = load<f32>(x + off4(i));
    if (e > m) m = e;
  }
  return m;
}

/**
 * e^(x − m) of n contiguous values into y, four vectors per iteration; returns the max of the n
 * values at `next` (the next row, read in the same loop). Streaming the next row in while this
 * one's exponentials are computed hides its memory reads behind the arithmetic, where a separate
 * pass over it waited on them (softmax [4096,1000]: a sixth of the time). The sum of y is a second
 * pass (sumRow, from L1): accumulating here as well kept too many vectors live for x64's 16
 * registers and measured 15–20% slower.
 */
function expShiftedRow(x: usize, y: usize, n: i32, m: f32, next: usize): f32 {
  const vm = f32x4.splat(m);
  let nm = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const e0 = vexpNeg(f32x4.sub(v128.load(x + off4(i)), vm));
    const e1 = vexpNeg(f32x4.sub(v128.load(x + off4(i + 4)), vm));
    const e2 = vexpNeg(f32x4.sub(v128.load(x + off4(i + 8)), vm));
    const e3 = vexpNeg(f32x4.sub(v128.load(x + off4(i + 12)), vm));
    const n01 = f32x4.pmax(v128.load(next + off4(i)), v128.load(next + off4(i + 4)));
    const n23 = f32x4.pmax(v128.load(next + off4(i + 8)), v128.load(next + off4(i + 12)));
    nm = f32x4.pmax(nm, f32x4.pmax(n01, n23));
    v128.store(y + off4(i), e0);
    v128.store(y + off4(i + 4), e1);
    v128.store(y + off4(i + 8), e2);
    v128.store(y + off4(i + 12), e3);
  }
  for (; i + 4 <= n; i += 4) {
    v128.store(y + off4(i), vexpNeg(f32x4.sub(v128.load(x + off4(i)), vm)));
    nm = f32x4.pmax(nm, v128.load(next + off4(i)));
  }
  let nextMax = hmax(nm);
  for (; i < n; i++) {
    store<f32>(y + off4(i), f32x4.extract_lane(vexpNeg(f32x4.splat(load<f32>(x + off4(i)) - m)), 0));
    const v = load<f32>(next + off4(i));
    if (v > nextMax) nextMax = v;
  }
  return nextMax;
}

/** Numerically stable softmax (isLog false) or logSoftmax along the middle axis. */
export function softmax(isLog: bool, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  if (inner == 1) {
    let rowMax = outer > 0 ? rowMaxFast(x, n) : 0;
    for (let o = 0; o < outer; o++) {
      const src = x + off4(o * n);
      const dst = y + off4(o * n);
      // logSoftmax too keeps the exponentials in y until their sum is known. The last row reads
      // itself as its "next" (from L1, result unused).
      const m = rowMax;
      rowMax = expShiftedRow(src, dst, n, m, o + 1 < outer ? src + off4(n) : src);
      const s = sumRow(dst, n);
      let i = 0;
      if (isLog) {
        // (x − m) − log s, in the reference's order.
        const vm = f32x4.splat(m);
        const ls = f32x4.splat(f32x4.extract_lane(vlog(f32x4.splat(s)), 0));
        for (; i + 4 <= n; i += 4) v128.store(dst + off4(i), f32x4.sub(f32x4.sub(v128.load(src + off4(i)), vm), ls));
        for (; i < n; i++) store<f32>(dst + off4(i), load<f32>(src + off4(i)) - m - f32x4.extract_lane(ls, 0));
      } else {
        const r = f32x4.splat(1 / s);
        for (; i + 4 <= n; i += 4) v128.store(dst + off4(i), f32x4.mul(v128.load(dst + off4(i)), r));
        for (; i < n; i++) store<f32>(dst + off4(i), load<f32>(dst + off4(i)) / s);
      }
    }
    return;
  }
  // inner > 1: columns four at a time, each pass striding over the axis.
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i += 4) {
      const lanes = min(4, inner - i);
      let vm = f32x4.splat(-Infinity);
      for (let a = 0; a < n; a++) vm = f32x4.max(vm, loadCols(x + off4(base + a * inner + i), lanes));
      let vs = f32x4.splat(0);
      for (let a = 0; a < n; a++) {
        const p = off4(base + a * inner + i);
        const e = vexpNeg(f32x4.sub(loadCols(x + p, lanes), vm));
        vs = f32x4.add(vs, e);
        if (!isLog) storeCols(y + p, e, lanes);
      }
      if (isLog) {
        const ls = vlog(vs);
        for (let a = 0; a < n; a++) {
          const p = off4(base + a * inner + i);
          storeCols(y + p, f32x4.sub(f32x4.sub(loadCols(x + p, lanes), vm), ls), lanes);
        }
      } else {
        for (let a = 0; a < n; a++) {
          const p = off4(base + a * inner + i);
          storeCols(y + p, f32x4.div(loadCols(y + p, lanes), vs), lanes);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function loadCols(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 8));
  return v;
}

// @ts-ignore: decorator
@inline function storeCols(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (lanes > 2) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

/**
 * Running sum along the middle axis. Float sums accumulate in float64 (as the reference) in `acc`,
 * scratch space for `inner` doubles; int32 sums wrap.
 */
export function cumsum(
  dt: DTypeCode, exclusive: bool, reverse: bool, x: usize, y: usize, outer: i32, n: i32, inner: i32, acc: usize,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) store<f64>(acc + (<usize>i << 3), 0);
    for (let step = 0; step < n; step++) {
      const a = reverse ? n - 1 - step : step;
      const row = off4((o * n + a) * inner);
      for (let i = 0; i < inner; i++) {
        const pa = acc + (<usize>i << 3);
        if (dt == DTypeCode.float32) {
          const s = load<f64>(pa);
          const v = <f64>load<f32>(x + row + off4(i));
          if (exclusive) { store<f32>(y + row + off4(i), <f32>s); store<f64>(pa, s + v); }
          else { store<f64>(pa, s + v); store<f32>(y + row + off4(i), <f32>(s + v)); }
        } else {
          const s = <i32>load<f64>(pa);
          const v = load<i32>(x + row + off4(i));
          if (exclusive) { store<i32>(y + row + off4(i), s); store<f64>(pa, <f64>(s + v)); }
          else { store<f64>(pa, <f64>(s + v)); store<i32>(y + row + off4(i), s + v); }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function keyOf(dt: DTypeCode, row: usize, i: i32): f64 {
  if (dt == DTypeCode.int32) return <f64>load<i32>(row + off4(i));
  const v = load<f32>(row + off4(i));
  return v != v ? Infinity : <f64>v;
}

/**
 * The k largest entries of each row of n (NaN counts as largest, ties keep the lower index first):
 * a stable bottom-up merge sort of indices. `tmp` is scratch for 2·n int32.
 */
export function topk(dt: DTypeCode, x: usize, values: usize, indices: usize, rows: i32, n: i32, k: i32, tmp: usize): void {
  const bufB = tmp + off4(n);
  for (let r = 0; r < rows; r++) {
    const row = x + off4(r * n);
    let src = tmp;
    let dst = bufB;
    for (let i = 0; i < n; i++) store<i32>(src + off4(i), i);
    for (let width = 1; width < n; width <<= 1) {
      for (let lo = 0; lo < n; lo += 2 * width) {
        const mid = min(lo + width, n);
        const hi = min(lo + 2 * width, n);
        let p = lo;
        let q = mid;
        let w = lo;
        while (p < mid && q < hi) {
          const ip = load<i32>(src + off4(p));
          const iq = load<i32>(src + off4(q));
          // Take from the right run only when strictly larger: keeps the sort stable.
          if (keyOf(dt, row, iq) > keyOf(dt, row, ip)) { store<i32>(dst + off4(w++), iq); q++; }
          else { store<i32>(dst + off4(w++), ip); p++; }
        }
        while (p < mid) store<i32>(dst + off4(w++), load<i32>(src + off4(p++)));
        while (q < hi) store<i32>(dst + off4(w++), load<i32>(src + off4(q++)));
      }
      const t = src;
      src = dst;
      dst = t;
    }
    for (let j = 0; j < k; j++) {
      const id = load<i32>(src + off4(j));
      store<i32>(indices + off4(r * k + j), id);
      store<i32>(values + off4(r * k + j), load<i32>(row + off4(id)));
    }
  }
}
