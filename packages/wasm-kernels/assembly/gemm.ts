// Matrix multiply: packed panels, a register-blocked MR×8 micro-kernel (6×8 with relaxed-SIMD
// fused multiply-add, 5×8 otherwise so accumulators, operands and the product temporary fit in
// V8's 15 usable xmm registers) and KC/MC/NC cache blocking. Batched, both transposes.

import { TILE, madd, off4 } from './common';

const NR: i32 = 8;
/** Rows of the micro-kernel's register tile (4, 5 or 6; settable for tuning). */
let MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;

/** Selects the micro-kernel height (4, 5 or 6); returns the one in use. For tuning scripts. */
export function setGemmRows(mr: i32): i32 {
  if (mr >= 4 && mr <= 6) MR = mr;
  return MR;
}
/** Depth of one packed block: an A panel and a B panel of KC fit in L1 together. */
let KC: i32 = 256;
/** Rows of A packed at once (a multiple of 4, 5 and 6; MC·KC floats stay in L2). */
export const MC: i32 = 120;
/** Columns of B packed at once (KC·NC floats stay in L2). */
let NC: i32 = 512;
/** KC·NC may not exceed this (the size of the B packing scratch). */
const KC_NC_MAX: i32 = 512 * 512;
const KC_MAX: i32 = 512;

/** Sets the KC×NC blocking (tuning scripts); returns KC·65536 + NC in use. */
export function setGemmBlocking(kc: i32, nc: i32): i32 {
  if (kc >= 16 && kc <= KC_MAX && nc >= 8 && (nc & 7) == 0 && kc * nc <= KC_NC_MAX) {
    KC = kc;
    NC = nc;
  }
  return KC * 65536 + NC;
}

/** Scratch floats a packed A block and a packed B block need. */
export function packASize(): i32 { return (MC + 8) * KC_MAX; }
export function packBSize(): i32 { return KC_NC_MAX; }

/** Packs rows [ic, ic+mc) × depth [pc, pc+kc) of A into MR-row panels, zero-padded. */
function packA(a: usize, lda: i32, tA: bool, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const panel = dst + off4(i0 * kc);
    const rows = min(MR, mc - i0);
    if (!tA) {
      for (let ii = 0; ii < MR; ii++) {
        if (ii < rows) {
          const src = a + off4((ic + i0 + ii) * lda + pc);
          for (let p = 0; p < kc; p++) store<f32>(panel + off4(p * MR + ii), load<f32>(src + off4(p)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(panel + off4(p * MR + ii), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = a + off4((pc + p) * lda + ic + i0);
        const d = panel + off4(p * MR);
        for (let ii = 0; ii < MR; ii++) store<f32>(d + off4(ii), ii < rows ? load<f32>(src + off4(ii)) : 0);
      }
    }
  }
}

/** Packs depth [pc, pc+kc) × columns [jc, jc+nc) of B into 8-column panels, zero-padded. */
function packB(b: usize, ldb: i32, tB: bool, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const panel = dst + off4(j0 * kc);
    const cols = min(NR, nc - j0);
    if (!tB) {
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          const src = b + off4((pc + p) * ldb + jc + j0);
          v128.store(panel + off4(p * NR), v128.load(src));
          v128.store(panel + off4(p * NR + 4), v128.load(src + 16));
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const src = b + off4((pc + p) * ldb + jc + j0);
          for (let jj = 0; jj < NR; jj++) store<f32>(panel + off4(p * NR + jj), jj < cols ? load<f32>(src + off4(jj)) : 0);
        }
      }
    } else {
      for (let jj = 0; jj < NR; jj++) {
        if (jj < cols) {
          const src = b + off4((jc + j0 + jj) * ldb + pc);
          for (let p = 0; p < kc; p++) store<f32>(panel + off4(p * NR + jj), load<f32>(src + off4(p)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(panel + off4(p * NR + jj), 0);
        }
      }
    }
  }
}

// Geometry of the convolution whose patch matrix packAConv reads (set by conv2d in conv.ts).
let cvX: usize = 0;
let cvH = 0; let cvW = 0; let cvC = 0; let cvKW = 0; let cvSH = 0; let cvSW = 0;
let cvDH = 0; let cvDW = 0; let cvPT = 0; let cvPL = 0; let cvOH = 0; let cvOW = 0;
/** The patch-matrix row that GEMM row 0 stands for (a thread computes a band of rows). */
let cvRow0 = 0;

/** Sets the NHWC input and window geometry for implicit-im2col GEMM, from patch row `row0` on. */
export function setConvGeometry(
  x: usize, h: i32, w: i32, c: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32, row0: i32,
): void {
  cvX = x; cvH = h; cvW = w; cvC = c; cvKW = kw; cvSH = sh; cvSW = sw;
  cvDH = dh; cvDW = dw; cvPT = pt; cvPL = pl; cvOH = oh; cvOW = ow; cvRow0 = row0;
}

/**
 * packA for a convolution without materializing im2col: row g = (n, oy, ox) of the patch matrix,
 * column p = (ky, kx, c), read straight from the input (zeros outside the image).
 */
function packAConv(ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const c = cvC;
  const rowLen = cvKW * c;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const panel = dst + off4(i0 * kc);
    const rows = min(MR, mc - i0);
    for (let ii = 0; ii < MR; ii++) {
      if (ii >= rows) {
        for (let p = 0; p < kc; p++) store<f32>(panel + off4(p * MR + ii), 0);
        continue;
      }
      const g = cvRow0 + ic + i0 + ii;
      const ox = g % cvOW;
      const t = g / cvOW;
      const oy = t % cvOH;
      const nb = t / cvOH;
      let ky = pc / rowLen;
      const rem = pc % rowLen;
      let kx = rem / c;
      let ch = rem % c;
      let q = 0;
      while (q < kc) {
        const seg = min(c - ch, kc - q);
        const iy = oy * cvSH + ky * cvDH - cvPT;
        const ix = ox * cvSW + kx * cvDW - cvPL;
        let d = panel + off4(q * MR + ii);
        if (iy >= 0 && iy < cvH && ix >= 0 && ix < cvW) {
          const src = cvX + off4(((nb * cvH + iy) * cvW + ix) * c + ch);
          for (let e = 0; e < seg; e++) {
            store<f32>(d, load<f32>(src + off4(e)));
            d += <usize>(MR << 2);
          }
        } else {
          for (let e = 0; e < seg; e++) {
            store<f32>(d, 0);
            d += <usize>(MR << 2);
          }
        }
        q += seg;
        ch = 0;
        if (++kx == cvKW) { kx = 0; ky++; }
      }
    }
  }
}


// @ts-ignore: decorator
@inline function storeRow(c: usize, v0: v128, v1: v128, accumulate: bool): void {
  if (accumulate) {
    v0 = f32x4.add(v0, v128.load(c));
    v1 = f32x4.add(v1, v128.load(c + 16));
  }
  v128.store(c, v0);
  v128.store(c + 16, v1);
}

/** Copies the valid mr×nr part of TILE into C (adding when accumulating). */
function flushTile(c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool): void {
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const p = c + off4(r * ldc + j);
      const v = load<f32>(TILE + off4(r * 8 + j));
      store<f32>(p, accumulate ? load<f32>(p) + v : v);
    }
  }
}

/** C[6×8] (+)= Apanel · Bpanel over kc. */
function kernel6x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00; let c10 = c00; let c11 = c00; let c20 = c00; let c21 = c00; let c30 = c00;
  let c31 = c00; let c40 = c00; let c41 = c00; let c50 = c00; let c51 = c00;
  let p = 0;
  for (; p < kc; p++) {
    const b00 = v128.load(bp, 0);
    const b10 = v128.load(bp, 16);
    const a00 = v128.load32_splat(ap, 0);
    c00 = madd(a00, b00, c00); c01 = madd(a00, b10, c01);
    const a10 = v128.load32_splat(ap, 4);
    c10 = madd(a10, b00, c10); c11 = madd(a10, b10, c11);
    const a20 = v128.load32_splat(ap, 8);
    c20 = madd(a20, b00, c20); c21 = madd(a20, b10, c21);
    const a30 = v128.load32_splat(ap, 12);
    c30 = madd(a30, b00, c30); c31 = madd(a30, b10, c31);
    const a40 = v128.load32_splat(ap, 16);
    c40 = madd(a40, b00, c40); c41 = madd(a40, b10, c41);
    const a50 = v128.load32_splat(ap, 20);
    c50 = madd(a50, b00, c50); c51 = madd(a50, b10, c51);
    ap += 24;
    bp += 32;
  }
  const ldb = off4(ldc);
  if (mr == 6 && nr == 8) {
    storeRow(c, c00, c01, accumulate);
    storeRow(c + ldb, c10, c11, accumulate);
    storeRow(c + 2 * ldb, c20, c21, accumulate);
    storeRow(c + 3 * ldb, c30, c31, accumulate);
    storeRow(c + 4 * ldb, c40, c41, accumulate);
    storeRow(c + 5 * ldb, c50, c51, accumulate);
    return;
  }
  v128.store(TILE, c00, 0); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  v128.store(TILE, c40, 128); v128.store(TILE, c41, 144);
  v128.store(TILE, c50, 160); v128.store(TILE, c51, 176);
  flushTile(c, ldc, mr, nr, accumulate);
}


/** C[5×8] (+)= Apanel · Bpanel over kc. */
function kernel5x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00; let c10 = c00; let c11 = c00; let c20 = c00; let c21 = c00; let c30 = c00; let c31 = c00; let c40 = c00; let c41 = c00;
  let p = 0;
  for (; p < kc; p++) {
    const b00 = v128.load(bp, 0);
    const b10 = v128.load(bp, 16);
    const a00 = v128.load32_splat(ap, 0);
    c00 = madd(a00, b00, c00); c01 = madd(a00, b10, c01);
    const a10 = v128.load32_splat(ap, 4);
    c10 = madd(a10, b00, c10); c11 = madd(a10, b10, c11);
    const a20 = v128.load32_splat(ap, 8);
    c20 = madd(a20, b00, c20); c21 = madd(a20, b10, c21);
    const a30 = v128.load32_splat(ap, 12);
    c30 = madd(a30, b00, c30); c31 = madd(a30, b10, c31);
    const a40 = v128.load32_splat(ap, 16);
    c40 = madd(a40, b00, c40); c41 = madd(a40, b10, c41);
    ap += 20;
    bp += 32;
  }
  const ldb = off4(ldc);
  if (mr == 5 && nr == 8) {
    storeRow(c, c00, c01, accumulate);
    storeRow(c + ldb, c10, c11, accumulate);
    storeRow(c + 2 * ldb, c20, c21, accumulate);
    storeRow(c + 3 * ldb, c30, c31, accumulate);
    storeRow(c + 4 * ldb, c40, c41, accumulate);
    return;
  }
  v128.store(TILE, c00, 0); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  v128.store(TILE, c40, 128); v128.store(TILE, c41, 144);
  flushTile(c, ldc, mr, nr, accumulate);
}


/** C[4×8] (+)= Apanel · Bpanel over kc. */
function kernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00; let c10 = c00; let c11 = c00; let c20 = c00; let c21 = c00; let c30 = c00; let c31 = c00;
  let p = 0;
  for (; p < kc; p++) {
    const b00 = v128.load(bp, 0);
    const b10 = v128.load(bp, 16);
    const a00 = v128.load32_splat(ap, 0);
    c00 = madd(a00, b00, c00); c01 = madd(a00, b10, c01);
    const a10 = v128.load32_splat(ap, 4);
    c10 = madd(a10, b00, c10); c11 = madd(a10, b10, c11);
    const a20 = v128.load32_splat(ap, 8);
    c20 = madd(a20, b00, c20); c21 = madd(a20, b10, c21);
    const a30 = v128.load32_splat(ap, 12);
    c30 = madd(a30, b00, c30); c31 = madd(a30, b10, c31);
    ap += 16;
    bp += 32;
  }
  const ldb = off4(ldc);
  if (mr == 4 && nr == 8) {
    storeRow(c, c00, c01, accumulate);
    storeRow(c + ldb, c10, c11, accumulate);
    storeRow(c + 2 * ldb, c20, c21, accumulate);
    storeRow(c + 3 * ldb, c30, c31, accumulate);
    return;
  }
  v128.store(TILE, c00, 0); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  flushTile(c, ldc, mr, nr, accumulate);
}


/** One MR×8 tile on the micro-kernel of the selected height. */
// @ts-ignore: decorator
@inline function tile(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool, mr: i32, nr: i32): void {
  if (MR == 6) kernel6x8(kc, ap, bp, c, ldc, accumulate, mr, nr);
  else if (MR == 5) kernel5x8(kc, ap, bp, c, ldc, accumulate, mr, nr);
  else kernel4x8(kc, ap, bp, c, ldc, accumulate, mr, nr);
}

/**
 * C[M×N] = op(A)·op(B) for one matrix: A is [M,K] ([K,M] when tA), B is [K,N] ([N,K] when tB).
 * ldc is C's row stride; pa/pb are packing scratch of packASize()/packBSize() floats.
 */
export function gemm(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, tA: bool, tB: bool, ldc: i32, pa: usize, pb: usize): void {
  gemmImpl(a, tA ? m : k, b, tB ? k : n, c, m, n, k, tA, tB, ldc, pa, pb, false);
}

/**
 * gemm with explicit row strides of A, B and C: a block of a larger product (the threads' panels).
 * pa/pb as for gemm.
 */
export function gemmStrided(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, tA: bool, tB: bool, pa: usize, pb: usize,
): void {
  gemmImpl(a, lda, b, ldb, c, m, n, k, tA, tB, ldc, pa, pb, false);
}

/**
 * gemm with explicit row strides of A and B (column blocks of a wider matrix), and A taken from
 * the convolution set by setConvGeometry when `conv`.
 */
export function gemmImpl(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, m: i32, n: i32, k: i32, tA: bool, tB: bool, ldc: i32,
  pa: usize, pb: usize, conv: bool,
): void {
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(c + off4(i * ldc), 0, <usize>n << 2);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, ldb, tB, pc, kc, jc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (conv) packAConv(ic, mc, pc, kc, pa);
        else packA(a, lda, tA, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = pb + off4(jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            tile(kc, pa + off4(ir * kc), bp, c + off4((ic + ir) * ldc + jc + jr), ldc, pc > 0, min(MR, mc - ir), nr);
          }
        }
      }
    }
  }
}

// A B operand packed once and multiplied many times (the recurrent kernels' U at every step): all
// N columns as 8-column panels, one block of them per KC rows of depth.

/** Floats a whole packed B of depth k and n columns takes. */
export function packedBSize(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) & ~(NR - 1));
}

/** Packs all of op(B) (B [K,N], or [N,K] when tB, row stride ldb) for gemmPackedB. */
export function packWholeB(b: usize, ldb: i32, tB: bool, k: i32, n: i32, dst: usize): void {
  packBColumns(b, ldb, tB, k, n, 0, n, dst);
}

/**
 * Packs columns [j0, j0 + count) of op(B) (j0 a multiple of 8) into their place in the layout
 * packWholeB writes for all n columns: the threads pack one shared B by column ranges.
 */
export function packBColumns(b: usize, ldb: i32, tB: bool, k: i32, n: i32, j0: i32, count: i32, dst: usize): void {
  const width = (n + NR - 1) & ~(NR - 1);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(b, ldb, tB, pc, kc, j0, count, dst + off4(pc * width + j0 * kc));
  }
}

/** C[M×N] = A·B with A [M,K] of row stride lda and B packed by packWholeB; pa as for gemm. */
export function gemmPackedB(a: usize, lda: i32, pbw: usize, c: usize, ldc: i32, m: i32, n: i32, k: i32, pa: usize): void {
  gemmPackedBImpl(a, lda, false, pbw, c, ldc, m, n, k, pa);
}

/**
 * gemmPackedB for op(A): A [M,K], or [K,M] when tA (row stride lda) — a band of rows of a larger
 * product against the B the threads packed together.
 */
export function gemmPackedBRows(a: usize, lda: i32, tA: bool, pbw: usize, c: usize, ldc: i32, m: i32, n: i32, k: i32, pa: usize): void {
  gemmPackedBImpl(a, lda, tA, pbw, c, ldc, m, n, k, pa);
}

// @ts-ignore: decorator
@inline function gemmPackedBImpl(a: usize, lda: i32, tA: bool, pbw: usize, c: usize, ldc: i32, m: i32, n: i32, k: i32, pa: usize): void {
  const width = (n + NR - 1) & ~(NR - 1);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const block = pbw + off4(pc * width);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(a, lda, tA, ic, mc, pc, kc, pa);
      for (let jr = 0; jr < n; jr += NR) {
        const nr = min(NR, n - jr);
        const bp = block + off4(jr * kc);
        for (let ir = 0; ir < mc; ir += MR) {
          tile(kc, pa + off4(ir * kc), bp, c + off4((ic + ir) * ldc + jr), ldc, pc > 0, min(MR, mc - ir), nr);
        }
      }
    }
  }
}

/**
 * Batched matmul: batch matrices, A and B advancing by strideA/strideB floats per batch (0 when a
 * batch of 1 broadcasts). C is dense [batch, M, N].
 */
export function matmul(
  a: usize, b: usize, c: usize, batch: i32, m: i32, n: i32, k: i32, tA: bool, tB: bool, strideA: i32, strideB: i32, pa: usize, pb: usize,
): void {
  for (let i = 0; i < batch; i++) {
    gemm(a + off4(i * strideA), b + off4(i * strideB), c + off4(i * m * n), m, n, k, tA, tB, n, pa, pb);
  }
}
