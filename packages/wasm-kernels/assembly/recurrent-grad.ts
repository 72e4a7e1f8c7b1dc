// Backpropagation through the whole sequence of `recurrent` in one call. From step T−1 down to 0:
// the gate derivatives from the saved outputs (work, h, c) in one SIMD pass, written straight into
// dzx, then dh_prev = dz·Uᵀ on the packed micro-kernel with Uᵀ packed once. dU is one GEMM at the
// end, hInᵀ·dz over all B·T rows stacked (hIn of every step is gathered up front), and gru's drb a
// column sum of the stacked recurrent pre-activation gradients. Math: core reference/kernels-recurrent.ts.

import { RecurrentCellCode } from '../src/abi/codes';
import { off4 } from './common';
import { gemmImpl, gemmPackedB, packASize, packBSize, packedBSize, packWholeB } from './gemm';
import {
  actCode, activateSpan, cell, gateCode, hasMask, ld, nB, nG, nT, nU, readRecurrentParams, resetAfter, rowAt, slope, sp, st,
  take, takeFrom, taken,
} from './recurrent-math';

// Scratch pieces of the running call (carveBackward).
let pa: usize = 0;
let pb: usize = 0;
let packedUT: usize = 0;
let packedUhT: usize = 0;
/** Every step's hIn (mask·h_{t−1}) stacked [B·T, u] in dzx's row order; rhs likewise r⊙hIn (gru reset-before). */
let hs: usize = 0;
let rhs: usize = 0;
/** gru resetAfter: gradients of h·U + b_r, stacked [B·T, G·u] (they differ from dzx in the candidate block). */
let dInner: usize = 0;
/** gru: the direct term dh_t·z of dh_{t−1}, [B, u]. */
let direct: usize = 0;
/** gru reset-before: dCand·U_hᵀ, then that times r, [B, u]. */
let dRh: usize = 0;
/** lstm: act(c) of one row, [u]. */
let acRow: usize = 0;

// @ts-ignore: decorator
@inline function resetBefore(): bool {
  return cell == RecurrentCellCode.gru && !resetAfter;
}

/**
 * Gradients below 2^-100 become 0. Backpropagated through hundreds of steps they shrink into float32
 * subnormals, on which x86 arithmetic is ~100× slower (a T = 500 LSTM step took 1.2 s instead of 0.07
 * s), and wasm has no flush-to-zero mode; what is dropped is below any gradient's float32 resolution.
 */
const TINY: f32 = 7.888609e-31;

// @ts-ignore: decorator
@inline function flush(v: v128): v128 {
  return v128.and(v, f32x4.ge(f32x4.abs(v), f32x4.splat(TINY)));
}

/** Flushes n floats at p (a carried gradient, [B, u]). */
function flushSpan(p: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + off4(i), flush(v128.load(p + off4(i))));
  for (; i < n; i++) v128.store32_lane(p + off4(i), flush(v128.load32_zero(p + off4(i))), 0);
}

/** Depth of dz·Uᵀ: all G·u columns, or those of U_zr when U_h takes r⊙hIn. */
// @ts-ignore: decorator
@inline function backWidth(): i32 {
  return resetBefore() ? 2 * nU : nG;
}

/** Lays the scratch out from `base` (0 to measure it); returns its size in floats. */
function carveBackward(base: usize): i32 {
  const gru = cell == RecurrentCellCode.gru;
  takeFrom(base);
  pa = take(packASize());
  pb = take(packBSize());
  packedUT = take(packedBSize(backWidth(), nU));
  packedUhT = take(resetBefore() ? packedBSize(nU, nU) : 0);
  hs = take(nB * nT * nU);
  rhs = take(resetBefore() ? nB * nT * nU : 0);
  dInner = take(resetAfter ? nB * nT * nG : 0);
  direct = take(gru ? nB * nU : 0);
  dRh = take(resetBefore() ? nB * nU : 0);
  acRow = take(cell == RecurrentCellCode.lstm ? nU : 0);
  return taken();
}

/** Floats of scratch `recurrentGrad` needs for the RecurrentParam block at p. */
export function recurrentGradScratchSize(p: usize): i32 {
  readRecurrentParams(p);
  return carveBackward(0);
}

/** hs row (b, t) = h_{t−1} (h0 at t = 0) times the mask. */
function stackInputs(h0: usize, h: usize, mask: usize): void {
  for (let b = 0; b < nB; b++) {
    for (let t = 0; t < nT; t++) {
      const src = t == 0 ? rowAt(h0, b, nU) : rowAt(h, b * nT + t - 1, nU);
      const dst = rowAt(hs, b * nT + t, nU);
      if (!hasMask) {
        memory.copy(dst, src, off4(nU));
        continue;
      }
      const m = rowAt(mask, b, nU);
      for (let j = 0; j < nU; j++) store<f32>(dst + off4(j), load<f32>(src + off4(j)) * load<f32>(m + off4(j)));
    }
  }
}

// ---- one cell at units j..j+3 (or j alone when !full); pointers are already offset to unit j ----

// @ts-ignore: decorator
@inline function rnnAt(dh: usize, dhNext: usize, h: usize, dz: usize, full: bool): void {
  const dht = f32x4.add(ld(dh, full), ld(dhNext, full));
  st(dz, flush(f32x4.mul(dht, slope(actCode, ld(h, full)))), full);
}

/** acAt holds act(c) of this step; dcNext carries dc·f to the step before (it ends as dc0). */
// @ts-ignore: decorator
@inline function lstmAt(
  dh: usize, dhNext: usize, dcIn: usize, dcNext: usize, acAt: usize, cPrev: usize, w: usize, dz: usize, full: bool,
): void {
  const q = off4(nU);
  const dht = f32x4.add(ld(dh, full), ld(dhNext, full));
  const i = ld(w, full); const f = ld(w + q, full); const g = ld(w + 2 * q, full); const o = ld(w + 3 * q, full);
  const ac = ld(acAt, full);
  const dc = f32x4.add(f32x4.mul(f32x4.mul(dht, o), slope(actCode, ac)), f32x4.add(ld(dcIn, full), ld(dcNext, full)));
  st(dz, flush(f32x4.mul(f32x4.mul(dc, g), slope(gateCode, i))), full);
  st(dz + q, flush(f32x4.mul(f32x4.mul(dc, ld(cPrev, full)), slope(gateCode, f))), full);
  st(dz + 2 * q, flush(f32x4.mul(f32x4.mul(dc, i), slope(actCode, g))), full);
  st(dz + 3 * q, flush(f32x4.mul(f32x4.mul(dht, ac), slope(gateCode, o))), full);
  st(dcNext, flush(f32x4.mul(dc, f)), full);
}

/**
 * gru, both modes: dz_z, the candidate's gradient dCand (dz_h) and the direct term dh·z; with
 * resetAfter also dz_r (from the saved inner part) and the stacked dInner row.
 */
// @ts-ignore: decorator
@inline function gruAt(dh: usize, dhNext: usize, hPrev: usize, w: usize, dz: usize, di: usize, dir: usize, full: bool): void {
  const q = off4(nU);
  const dht = f32x4.add(ld(dh, full), ld(dhNext, full));
  const z = ld(w, full);
  const hh = ld(w + 2 * q, full);
  const dzz = f32x4.mul(f32x4.mul(dht, f32x4.sub(ld(hPrev, full), hh)), slope(gateCode, z));
  const dCand = f32x4.mul(f32x4.mul(dht, f32x4.sub(sp(1), z)), slope(actCode, hh));
  st(dz, flush(dzz), full);
  st(dz + 2 * q, flush(dCand), full);
  st(dir, f32x4.mul(dht, z), full);
  if (!resetAfter) return;
  const r = ld(w + q, full);
  const dzr = f32x4.mul(f32x4.mul(dCand, ld(w + 3 * q, full)), slope(gateCode, r));
  st(dz + q, flush(dzr), full);
  st(di, dzz, full);
  st(di + q, dzr, full);
  st(di + 2 * q, f32x4.mul(dCand, r), full);
}

/** gru reset-before, after dRh = dCand·U_hᵀ: dz_r, r⊙hIn for dU_h, and dRh·r (its path to dh_{t−1}). */
// @ts-ignore: decorator
@inline function gruResetAt(dRhRow: usize, hIn: usize, rh: usize, w: usize, dz: usize, full: bool): void {
  const q = off4(nU);
  const r = ld(w + q, full);
  const d = ld(dRhRow, full);
  const x = ld(hIn, full);
  st(dz + q, flush(f32x4.mul(f32x4.mul(d, x), slope(gateCode, r))), full);
  st(rh, f32x4.mul(r, x), full);
  st(dRhRow, f32x4.mul(d, r), full);
}

/** dhNext = (dhNext + extra) · mask + direct at i..i+3 (or i alone); absent operands are 0. */
// @ts-ignore: decorator
@inline function finishAt(dhNext: usize, extra: usize, mask: usize, dir: usize, i: i32, full: bool): void {
  const o = off4(i);
  let v = ld(dhNext + o, full);
  if (extra != 0) v = f32x4.add(v, ld(extra + o, full));
  if (mask != 0) v = f32x4.mul(v, ld(mask + o, full));
  if (dir != 0) v = f32x4.add(v, ld(dir + o, full));
  st(dhNext + o, v, full);
}

/** dhNext = (dhNext + extra) · mask + direct, each [B, u] (extra, mask, direct: 0 where absent). */
function finishDh(dhNext: usize, extra: usize, mask: usize, dir: usize): void {
  const n = nB * nU;
  let i = 0;
  for (; i + 4 <= n; i += 4) finishAt(dhNext, extra, mask, dir, i, true);
  for (; i < n; i++) finishAt(dhNext, extra, mask, dir, i, false);
}

/** Step t of every batch row; dhNext / dcNext hold the gradients flowing in from step t+1. */
function step(
  t: i32, dh: usize, dcIn: usize, h0: usize, c0: usize, h: usize, c: usize, work: usize, mask: usize,
  dzx: usize, dhNext: usize, dcNext: usize,
): void {
  const W = resetAfter || cell == RecurrentCellCode.lstm ? 4 * nU : 3 * nU;
  for (let b = 0; b < nB; b++) {
    const row = b * nT + t;
    const dhRow = rowAt(dh, row, nU);
    const dnRow = rowAt(dhNext, b, nU);
    const dz = rowAt(dzx, row, nG);
    const w = rowAt(work, row, W);
    let j = 0;
    if (cell == RecurrentCellCode.simpleRNN) {
      const hRow = rowAt(h, row, nU);
      for (; j + 4 <= nU; j += 4) rnnAt(dhRow + off4(j), dnRow + off4(j), hRow + off4(j), dz + off4(j), true);
      for (; j < nU; j++) rnnAt(dhRow + off4(j), dnRow + off4(j), hRow + off4(j), dz + off4(j), false);
    } else if (cell == RecurrentCellCode.lstm) {
      const dcRow = rowAt(dcIn, row, nU);
      const dcn = rowAt(dcNext, b, nU);
      activateSpan(actCode, rowAt(c, row, nU), acRow, nU);
      const cPrev = t == 0 ? rowAt(c0, b, nU) : rowAt(c, row - 1, nU);
      for (; j + 4 <= nU; j += 4) {
        const o = off4(j);
        lstmAt(dhRow + o, dnRow + o, dcRow + o, dcn + o, acRow + o, cPrev + o, w + o, dz + o, true);
      }
      for (; j < nU; j++) {
        const o = off4(j);
        lstmAt(dhRow + o, dnRow + o, dcRow + o, dcn + o, acRow + o, cPrev + o, w + o, dz + o, false);
      }
    } else {
      const hPrev = t == 0 ? rowAt(h0, b, nU) : rowAt(h, row - 1, nU);
      const di = resetAfter ? rowAt(dInner, row, nG) : 0;
      const dir = rowAt(direct, b, nU);
      for (; j + 4 <= nU; j += 4) {
        const o = off4(j);
        gruAt(dhRow + o, dnRow + o, hPrev + o, w + o, dz + o, di + o, dir + o, true);
      }
      for (; j < nU; j++) {
        const o = off4(j);
        gruAt(dhRow + o, dnRow + o, hPrev + o, w + o, dz + o, di + o, dir + o, false);
      }
    }
  }
  const lda = nT * nG;
  const dzt = dzx + off4(t * nG);
  if (resetAfter) for (let b = 0; b < nB; b++) flushSpan(rowAt(dInner, b * nT + t, nG), nG);
  const m = hasMask ? mask : 0;
  if (cell != RecurrentCellCode.gru) {
    gemmPackedB(dzt, lda, packedUT, dhNext, nU, nB, nU, nG, pa);
    if (hasMask) finishDh(dhNext, 0, m, 0);
  } else if (resetAfter) {
    gemmPackedB(dInner + off4(t * nG), lda, packedUT, dhNext, nU, nB, nU, nG, pa);
    finishDh(dhNext, 0, m, direct);
  } else {
    // dz_r needs dCand·U_hᵀ first; dh_{t−1} then gathers dz_zr·U_zrᵀ and the path through r⊙hIn.
    gemmPackedB(dzt + off4(2 * nU), lda, packedUhT, dRh, nU, nB, nU, nU, pa);
    for (let b = 0; b < nB; b++) {
      const row = b * nT + t;
      const d = rowAt(dRh, b, nU);
      const x = rowAt(hs, row, nU);
      const rh = rowAt(rhs, row, nU);
      const w = rowAt(work, row, W);
      const dz = rowAt(dzx, row, nG);
      let j = 0;
      for (; j + 4 <= nU; j += 4) gruResetAt(d + off4(j), x + off4(j), rh + off4(j), w + off4(j), dz + off4(j), true);
      for (; j < nU; j++) gruResetAt(d + off4(j), x + off4(j), rh + off4(j), w + off4(j), dz + off4(j), false);
    }
    gemmPackedB(dzt, lda, packedUT, dhNext, nU, nB, nU, 2 * nU, pa);
    finishDh(dhNext, dRh, m, direct);
  }
  flushSpan(dhNext, nB * nU);
}

/** drb[j] = Σ over the stacked rows of dInner[·, j]. */
function columnSums(src: usize, rows: i32, dst: usize): void {
  memory.fill(dst, 0, off4(nG));
  for (let r = 0; r < rows; r++) {
    const s = rowAt(src, r, nG);
    let j = 0;
    for (; j + 4 <= nG; j += 4) v128.store(dst + off4(j), f32x4.add(v128.load(dst + off4(j)), v128.load(s + off4(j))));
    for (; j < nG; j++) store<f32>(dst + off4(j), load<f32>(dst + off4(j)) + load<f32>(s + off4(j)));
  }
}

/**
 * The whole backward sequence (core's `recurrentGrad` op). Inputs dh [B,T,u], dc [B,T,u] (lstm),
 * U, h0, c0 (lstm), h, c (lstm), work (lstm, gru), mask (hasMask); outputs dzx [B,T,G·u],
 * dU [u,G·u], dh0 [B,u], dc0 [B,u] (lstm), drb [G·u] (gru resetAfter); 0 where absent. Sizes and
 * options in the RecurrentParam block at p; scratch holds recurrentGradScratchSize(p) floats.
 */
export function recurrentGrad(
  p: usize, dh: usize, dc: usize, U: usize, h0: usize, c0: usize, h: usize, c: usize, work: usize, mask: usize,
  dzx: usize, dU: usize, dh0: usize, dc0: usize, drb: usize, scratch: usize,
): void {
  readRecurrentParams(p);
  carveBackward(scratch);
  const kT = backWidth();
  // Uᵀ as the B operand [G·u, u]: U's rows are its columns.
  packWholeB(U, nG, true, kT, nU, packedUT);
  if (resetBefore()) packWholeB(U + off4(2 * nU), nG, true, nU, nU, packedUhT);
  stackInputs(h0, h, mask);
  // dh0 and dc0 carry the gradients from step to step and end as the initial states'.
  memory.fill(dh0, 0, off4(nB * nU));
  if (cell == RecurrentCellCode.lstm) memory.fill(dc0, 0, off4(nB * nU));
  for (let t = nT - 1; t >= 0; t--) step(t, dh, dc, h0, c0, h, c, work, mask, dzx, dh0, dc0);
  const rows = nB * nT;
  if (resetBefore()) {
    gemmImpl(hs, nU, dzx, nG, dU, nU, 2 * nU, rows, true, false, nG, pa, pb, false);
    gemmImpl(rhs, nU, dzx + off4(2 * nU), nG, dU + off4(2 * nU), nU, nU, rows, true, false, nG, pa, pb, false);
    return;
  }
  gemmImpl(hs, nU, resetAfter ? dInner : dzx, nG, dU, nU, nG, rows, true, false, nG, pa, pb, false);
  if (resetAfter) columnSums(dInner, rows, drb);
}
