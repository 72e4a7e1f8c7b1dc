// The forward recurrent kernel: simpleRNN, LSTM and GRU (both reset modes) over all T steps in one
// call. U is packed once; each step is one GEMM of all batch rows, hIn·U on the packed micro-kernel,
// then SIMD passes over its output, in L1, that apply the cell and write h, c and the gate values
// (`work`, laid out as in core's backend/recurrent.ts). The math is the reference's
// (core reference/kernels-recurrent.ts) in float32.

import { RecurrentCellCode } from '../src/abi/codes';
import { off4 } from './common';
import { gemmPackedB, packASize, packedBSize, packWholeB } from './gemm';
import {
  actCode, activateSpan, addInto, cell, gateCode, hasMask, ld, mulInto, nB, nG, nT, nU, readRecurrentParams, resetAfter, rowAt, st,
  take, takeFrom, taken,
} from './recurrent-math';

// Scratch pieces of the running call (carveForward).
let pa: usize = 0;
let packedU: usize = 0;
let packedUh: usize = 0;
let rec: usize = 0;
let hIn: usize = 0;
let rh: usize = 0;
let cand: usize = 0;

/** gru without resetAfter multiplies U_h by r⊙hIn in a second GEMM: U splits into U_zr and U_h. */
// @ts-ignore: decorator
@inline function resetBefore(): bool {
  return cell == RecurrentCellCode.gru && !resetAfter;
}

/** Columns of the first GEMM: all of U, or U_zr when the reset gate comes before U_h. */
// @ts-ignore: decorator
@inline function recWidth(): i32 {
  return resetBefore() ? 2 * nU : nG;
}

/** Lays the scratch out from `base` (0 to measure it); returns its size in floats. */
function carveForward(base: usize): i32 {
  takeFrom(base);
  pa = take(packASize());
  packedU = take(packedBSize(nU, recWidth()));
  packedUh = take(resetBefore() ? packedBSize(nU, nU) : 0);
  rec = take(nB * recWidth());
  hIn = take(hasMask ? nB * nU : 0);
  rh = take(resetBefore() ? nB * nU : 0);
  cand = take(resetBefore() ? nB * nU : 0);
  return taken();
}

/** Floats of scratch `recurrent` needs for the RecurrentParam block at p. */
export function recurrentScratchSize(p: usize): i32 {
  readRecurrentParams(p);
  return carveForward(0);
}

/** dst [B, u] = rows of src (row stride ld) times mask [B, u]. */
function maskRows(src: usize, ld: i32, mask: usize, dst: usize): void {
  for (let b = 0; b < nB; b++) {
    const s = rowAt(src, b, ld);
    const m = rowAt(mask, b, nU);
    const d = rowAt(dst, b, nU);
    for (let j = 0; j < nU; j++) store<f32>(d + off4(j), load<f32>(s + off4(j)) * load<f32>(m + off4(j)));
  }
}

// ---- the cells' elementwise math at units j..j+3 (or j alone when !full), between the gate
// activations (activateSpan, in place in work); pointers are already offset to unit j ----

// @ts-ignore: decorator
@inline function lstmStateAt(w: usize, cPrev: usize, c: usize, full: bool): void {
  const q = off4(nU);
  st(c, f32x4.add(f32x4.mul(ld(w + q, full), ld(cPrev, full)), f32x4.mul(ld(w, full), ld(w + 2 * q, full))), full);
}

/** gru with resetAfter: z and r pre-activations, and the inner part h·U_h + b_rh work keeps. */
// @ts-ignore: decorator
@inline function gruAfterPreAt(z: usize, r: usize, rb: usize, w: usize, full: bool): void {
  const q = off4(nU);
  st(w, f32x4.add(ld(z, full), f32x4.add(ld(r, full), ld(rb, full))), full);
  st(w + q, f32x4.add(ld(z + q, full), f32x4.add(ld(r + q, full), ld(rb + q, full))), full);
  st(w + 3 * q, f32x4.add(ld(r + 2 * q, full), ld(rb + 2 * q, full)), full);
}

/** gru with resetAfter: the candidate's pre-activation reads r⊙(h·U_h + b_rh). */
// @ts-ignore: decorator
@inline function gruAfterCandAt(z: usize, w: usize, full: bool): void {
  const q = off4(nU);
  st(w + 2 * q, f32x4.add(ld(z + 2 * q, full), f32x4.mul(ld(w + q, full), ld(w + 3 * q, full))), full);
}

/** gru: h = z·hPrev + (1 − z)·h̃ from the activated z and h̃ in work. */
// @ts-ignore: decorator
@inline function gruOutAt(w: usize, hPrev: usize, h: usize, full: bool): void {
  const hh = ld(w + 2 * off4(nU), full);
  st(h, f32x4.add(hh, f32x4.mul(ld(w, full), f32x4.sub(ld(hPrev, full), hh))), full);
}

// ---- one step over every batch row ----

/**
 * Step t of every batch row: zx, h, c, work rows are (b, t); hPrev / cPrev rows are (b, t−1) of
 * h / c, or of h0 / c0 at t = 0; a (row stride lda) is the GEMM's A operand hIn.
 */
function step(t: i32, zx: usize, h0: usize, c0: usize, rb: usize, a: usize, lda: i32, h: usize, c: usize, work: usize): void {
  const W = resetAfter || cell == RecurrentCellCode.lstm ? 4 * nU : 3 * nU;
  const rw = recWidth();
  for (let b = 0; b < nB; b++) {
    const row = b * nT + t;
    const z = rowAt(zx, row, nG);
    const r = rowAt(rec, b, rw);
    const hOut = rowAt(h, row, nU);
    const w = rowAt(work, row, W);
    const hPrev = t == 0 ? rowAt(h0, b, nU) : rowAt(h, row - 1, nU);
    let j = 0;
    if (cell == RecurrentCellCode.simpleRNN) {
      addInto(z, r, hOut, nU);
      activateSpan(actCode, hOut, hOut, nU);
    } else if (cell == RecurrentCellCode.lstm) {
      // work = i, f, g, o; c = f·cPrev + i·g; h = o·act(c).
      addInto(z, r, w, nG);
      activateSpan(gateCode, w, w, 2 * nU);
      activateSpan(actCode, w + off4(2 * nU), w + off4(2 * nU), nU);
      activateSpan(gateCode, w + off4(3 * nU), w + off4(3 * nU), nU);
      const cPrev = t == 0 ? rowAt(c0, b, nU) : rowAt(c, row - 1, nU);
      const cOut = rowAt(c, row, nU);
      for (; j + 4 <= nU; j += 4) lstmStateAt(w + off4(j), cPrev + off4(j), cOut + off4(j), true);
      for (; j < nU; j++) lstmStateAt(w + off4(j), cPrev + off4(j), cOut + off4(j), false);
      activateSpan(actCode, cOut, hOut, nU);
      mulInto(hOut, w + off4(3 * nU), hOut, nU);
    } else if (resetAfter) {
      for (; j + 4 <= nU; j += 4) gruAfterPreAt(z + off4(j), r + off4(j), rb + off4(j), w + off4(j), true);
      for (; j < nU; j++) gruAfterPreAt(z + off4(j), r + off4(j), rb + off4(j), w + off4(j), false);
      activateSpan(gateCode, w, w, 2 * nU);
      for (j = 0; j + 4 <= nU; j += 4) gruAfterCandAt(z + off4(j), w + off4(j), true);
      for (; j < nU; j++) gruAfterCandAt(z + off4(j), w + off4(j), false);
      activateSpan(actCode, w + off4(2 * nU), w + off4(2 * nU), nU);
      for (j = 0; j + 4 <= nU; j += 4) gruOutAt(w + off4(j), hPrev + off4(j), hOut + off4(j), true);
      for (; j < nU; j++) gruOutAt(w + off4(j), hPrev + off4(j), hOut + off4(j), false);
    } else {
      // z and r now; the candidate after the second GEMM, (r⊙hIn)·U_h.
      addInto(z, r, w, 2 * nU);
      activateSpan(gateCode, w, w, 2 * nU);
      mulInto(w + off4(nU), rowAt(a, b, lda), rowAt(rh, b, nU), nU);
    }
  }
  if (!resetBefore()) return;
  gemmPackedB(rh, nU, packedUh, cand, nU, nB, nU, nU, pa);
  for (let b = 0; b < nB; b++) {
    const row = b * nT + t;
    const w = rowAt(work, row, W);
    const hh = w + off4(2 * nU);
    addInto(rowAt(zx, row, nG) + off4(2 * nU), rowAt(cand, b, nU), hh, nU);
    activateSpan(actCode, hh, hh, nU);
    const hPrev = t == 0 ? rowAt(h0, b, nU) : rowAt(h, row - 1, nU);
    const hOut = rowAt(h, row, nU);
    let j = 0;
    for (; j + 4 <= nU; j += 4) gruOutAt(w + off4(j), hPrev + off4(j), hOut + off4(j), true);
    for (; j < nU; j++) gruOutAt(w + off4(j), hPrev + off4(j), hOut + off4(j), false);
  }
}

/**
 * The whole forward sequence (core's `recurrent` op): zx [B,T,G·u], U [u,G·u], h0 [B,u], then c0
 * (lstm), rb [G·u] (gru resetAfter) and mask [B,u] (hasMask), 0 where absent; outputs h and c
 * [B,T,u] and work [B,T,W]. Sizes and options in the RecurrentParam block at p; scratch holds
 * recurrentScratchSize(p) floats.
 */
export function recurrent(
  p: usize, zx: usize, U: usize, h0: usize, c0: usize, rb: usize, mask: usize, h: usize, c: usize, work: usize, scratch: usize,
): void {
  readRecurrentParams(p);
  if (nB == 0) return;
  carveForward(scratch);
  const rw = recWidth();
  packWholeB(U, nG, false, nU, rw, packedU);
  if (resetBefore()) packWholeB(U + off4(2 * nU), nG, false, nU, nU, packedUh);
  for (let t = 0; t < nT; t++) {
    let a = t == 0 ? h0 : h + off4((t - 1) * nU);
    let lda = t == 0 ? nU : nT * nU;
    if (hasMask) {
      maskRows(a, lda, mask, hIn);
      a = hIn;
      lda = nU;
    }
    gemmPackedB(a, lda, packedU, rec, rw, nB, rw, nU, pa);
    step(t, zx, h0, c0, rb, a, lda, h, c, work);
  }
}
