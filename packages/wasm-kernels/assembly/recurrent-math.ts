// What the forward and backward recurrent kernels share: the sizes of the sequence, the activations
// and their slopes (as functions of the activation's output), and loads/stores of 4 lanes or of one,
// so each cell's math is written once on f32x4 and also serves a row's tail of units % 4 elements.

import { RecurrentActivationCode, RecurrentCellCode } from '../src/abi/codes';
import { RecurrentParam } from '../src/abi/params';
import { madd, off4, param } from './common';
import { vsigmoid, vtanh } from './simd-math';

// The sizes and options of the running op (set by readRecurrentParams).
export let cell: i32 = 0;
export let actCode: i32 = 0;
export let gateCode: i32 = 0;
export let resetAfter: bool = false;
export let hasMask: bool = false;
/** Batch, steps, units, and the G·units columns of zx / U. */
export let nB: i32 = 0;
export let nT: i32 = 0;
export let nU: i32 = 0;
export let nG: i32 = 0;

/** Reads the RecurrentParam block at p into the globals above. */
export function readRecurrentParams(p: usize): void {
  cell = param(p, RecurrentParam.cell);
  actCode = param(p, RecurrentParam.activation);
  gateCode = param(p, RecurrentParam.recurrentActivation);
  resetAfter = cell == RecurrentCellCode.gru && param(p, RecurrentParam.resetAfter) != 0;
  hasMask = param(p, RecurrentParam.hasMask) != 0;
  nB = param(p, RecurrentParam.batch);
  nT = param(p, RecurrentParam.steps);
  nU = param(p, RecurrentParam.units);
  nG = nU * (cell == RecurrentCellCode.lstm ? 4 : cell == RecurrentCellCode.gru ? 3 : 1);
}

// Carving one scratch block into pieces: takeFrom(base), then take(floats) per piece; take(0) at the
// end, taken() gives the floats used (with base 0, a dry run measures the block).
let scratchBase: usize = 0;
let scratchAt: i32 = 0;

export function takeFrom(base: usize): void {
  scratchBase = base;
  scratchAt = 0;
}

/** The next piece of `floats` floats (as an address), rounded up to keep pieces 16-byte aligned. */
export function take(floats: i32): usize {
  const p = scratchBase + off4(scratchAt);
  scratchAt += (floats + 3) & ~3;
  return p;
}

/** Floats taken since takeFrom. */
export function taken(): i32 {
  return scratchAt;
}

/** Address of row `row` of a matrix with `width` floats per row. */
// @ts-ignore: decorator
@inline export function rowAt(base: usize, row: i32, width: i32): usize {
  return base + off4(row * width);
}

/** Lanes at p: all four, or only lane 0 (the rest zero) for a row's tail. */
// @ts-ignore: decorator
@inline export function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load32_zero(p);
}

/** Stores four lanes, or only lane 0. */
// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

// @ts-ignore: decorator
@inline export function sp(x: f32): v128 {
  return f32x4.splat(x);
}

/** A RecurrentActivationCode applied to four lanes (the unary kernels' SIMD tanh and sigmoid). */
// @ts-ignore: decorator
@inline function activate(code: i32, x: v128): v128 {
  switch (code) {
    case RecurrentActivationCode.tanh: return vtanh(x);
    case RecurrentActivationCode.sigmoid: return vsigmoid(x);
    case RecurrentActivationCode.hardSigmoid: return f32x4.pmin(f32x4.pmax(madd(x, sp(0.2), sp(0.5)), sp(0)), sp(1));
    case RecurrentActivationCode.relu: return v128.and(x, f32x4.gt(x, sp(0)));
    default: return x;
  }
}

/** activateSpan's loop for one constant code: four vectors per iteration so their chains overlap (as unary.ts). */
// @ts-ignore: decorator
@inline function activateLoop(code: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const a = activate(code, v128.load(x + off4(i)));
    const b = activate(code, v128.load(x + off4(i + 4)));
    const c = activate(code, v128.load(x + off4(i + 8)));
    const d = activate(code, v128.load(x + off4(i + 12)));
    v128.store(y + off4(i), a);
    v128.store(y + off4(i + 4), b);
    v128.store(y + off4(i + 8), c);
    v128.store(y + off4(i + 12), d);
  }
  for (; i + 4 <= n; i += 4) v128.store(y + off4(i), activate(code, v128.load(x + off4(i))));
  for (; i < n; i++) v128.store32_lane(y + off4(i), activate(code, v128.load32_zero(x + off4(i))), 0);
}

/**
 * y[0, n) = activation(x[0, n)), in place when y == x. Gates are activated as whole spans, with the
 * choice of activation outside the loop, rather than element by element inside the cell's math.
 */
export function activateSpan(code: i32, x: usize, y: usize, n: i32): void {
  if (code == RecurrentActivationCode.tanh) activateLoop(RecurrentActivationCode.tanh, x, y, n);
  else if (code == RecurrentActivationCode.sigmoid) activateLoop(RecurrentActivationCode.sigmoid, x, y, n);
  else if (code == RecurrentActivationCode.hardSigmoid) activateLoop(RecurrentActivationCode.hardSigmoid, x, y, n);
  else if (code == RecurrentActivationCode.relu) activateLoop(RecurrentActivationCode.relu, x, y, n);
  else if (x != y) memory.copy(y, x, off4(n));
}

/** dst[0, n) = a + b (dst may be a or b). */
export function addInto(a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + off4(i), f32x4.add(v128.load(a + off4(i)), v128.load(b + off4(i))));
  for (; i < n; i++) store<f32>(dst + off4(i), load<f32>(a + off4(i)) + load<f32>(b + off4(i)));
}

/** dst[0, n) = a · b (dst may be a or b). */
export function mulInto(a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + off4(i), f32x4.mul(v128.load(a + off4(i)), v128.load(b + off4(i))));
  for (; i < n; i++) store<f32>(dst + off4(i), load<f32>(a + off4(i)) * load<f32>(b + off4(i)));
}

/** The activation's derivative, from its output y (every activation here allows it). */
// @ts-ignore: decorator
@inline export function slope(code: i32, y: v128): v128 {
  switch (code) {
    case RecurrentActivationCode.tanh: return f32x4.sub(sp(1), f32x4.mul(y, y));
    case RecurrentActivationCode.sigmoid: return f32x4.mul(y, f32x4.sub(sp(1), y));
    case RecurrentActivationCode.hardSigmoid: return v128.and(sp(0.2), v128.and(f32x4.gt(y, sp(0)), f32x4.lt(y, sp(1))));
    case RecurrentActivationCode.relu: return v128.and(sp(1), f32x4.gt(y, sp(0)));
    default: return sp(1);
  }
}
