// The threaded scheduler: cuts one kernel call into slices over disjoint parts of the output for the
// worker pool — GEMM by row bands over one B the threads pack together (column panels when the
// output is short), batched matmul by batches, convolution by bands of output pixels, elementwise
// and strided walks by ranges of their outermost dim, reductions and softmax by rows — when the op
// is large enough to gain from it. Each slice gets its own scratch and parameter block.

import { type Collapsed } from '@loom/core/backend';
import { StridedParam } from './abi/params.js';
import type { WasmBackend } from './backend.js';
import { call, type KernelCall } from './threads.js';

/**
 * The least work one thread must get before an op is split, per family (see README "Threads": a
 * job costs handing the slices over, a few microseconds, so small ops stay on one thread).
 * Measured with scripts/bench-threads.ts on 2 cores: at half these sizes the split was no faster
 * (relu/add 16K even, 32K 1.3×; sum over rows of [32,1024] even, [64,1024] 1.2×; softmax [16,1000]
 * 1.1×, [32,1000] 1.6×). GEMM: bench-threads put the break-even near matmul 96, but in the
 * benchmark suite (workers idle between calls, A repacked per column panel) a split matmul 128 was
 * 0.76–0.98× of one thread at 2²⁰ per thread and 1.00–1.02× at 2²² (matmul 256 1.3–1.5× either way).
 */
export const MIN_WORK_PER_THREAD = {
  /** Floating-point operations (2·m·n·k) of a GEMM or convolution. */
  gemmFlops: 2 ** 22,
  /** Elements of an elementwise op or a strided copy. */
  elements: 2 ** 14,
  /** Input elements of a reduction. */
  reduced: 2 ** 15,
  /** Input elements of softmax / logSoftmax (an exp and a division per element). */
  softmax: 2 ** 13,
} as const;

/**
 * How many slices `work` is cut into: up to `perThread` per thread (a multiple of the threads when
 * above them), at most `most`, each at least `least`. More slices than threads let a thread that
 * runs ahead take over the slices of one the OS has preempted (slices are claimed, not assigned).
 */
export function sliceCount(ctx: WasmBackend, work: number, least: number, most: number, perThread = 1): number {
  const threads = ctx.threads;
  if (threads <= 1 || most <= 1) return 1;
  const byWork = ctx.splitSmallOps ? threads : Math.floor(work / least);
  const n = Math.max(1, Math.min(threads * perThread, most, byWork));
  return n > threads ? n - (n % threads) : n;
}

/** GEMM slices per thread: two, so a thread that runs ahead can take over half of a preempted one's work (more would repack more of A). */
const GEMM_SLICES_PER_THREAD = 2;

/** [start, count] ranges covering [0, n) in `parts` pieces whose starts are multiples of `align`. */
export function ranges(n: number, parts: number, align: number): [number, number][] {
  const step = Math.max(align, Math.ceil(n / parts / align) * align);
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += step) out.push([s, Math.min(step, n - s)]);
  return out;
}

/** Packing scratch for one GEMM slice: [packed A, packed B]. */
function packScratch(ctx: WasmBackend): [number, number] {
  return [ctx.temp(ctx.kernels.packASize() * 4), ctx.temp(ctx.kernels.packBSize() * 4)];
}

/** Rows a band of a split GEMM gets at least (two micro-kernel tiles of 6): fewer, and it splits by columns. */
const MIN_BAND_ROWS = 12;
/**
 * Row bands per GEMM slice the work allows: bands share one packed B, so more of them cost no
 * repacking and let the thread that finishes first take the tail (paired 2-thread runs of the MLP's
 * GEMMs: 1.45× → 1.64× of one thread on average with twice the bands, at 12 rows least instead of 24).
 */
const BANDS_PER_SLICE = 2;

/**
 * C[m×n] = op(A)·op(B) (A [m,k] or [k,m] when tA; B [k,n] or [n,k] when tB; C dense). Split in
 * two jobs when it pays: the threads pack B once into shared scratch (by column ranges), then each
 * slice multiplies a band of rows against it — so no packing is done twice. An output too short
 * for bands is split into column panels, each packing its own B columns and (small) A again.
 */
export function gemm2d(ctx: WasmBackend, op: string, a: number, b: number, c: number, m: number, n: number, k: number,
  tA: boolean, tB: boolean): void {
  const parts = k === 0 ? 1 : sliceCount(ctx, 2 * m * n * k, MIN_WORK_PER_THREAD.gemmFlops, Math.ceil(Math.max(m, n) / 8), GEMM_SLICES_PER_THREAD);
  if (parts === 1) {
    const [pa, pb] = packScratch(ctx);
    ctx.kernels.gemm(a, b, c, m, n, k, tA, tB, n, pa, pb);
    return;
  }
  const lda = tA ? m : k;
  const ldb = tB ? k : n;
  const bands = Math.min(parts * BANDS_PER_SLICE, Math.floor(m / MIN_BAND_ROWS));
  if (bands >= ctx.threads) {
    const packed = ctx.temp(ctx.kernels.packedBSize(k, n) * 4);
    const packParts = sliceCount(ctx, k * n, MIN_WORK_PER_THREAD.elements, Math.ceil(n / 8));
    ctx.parallel(op, ranges(n, packParts, 8).map(([s, count]) => call('packBColumns', b, ldb, tB, k, n, s, count, packed)));
    // Bands of whole micro-kernel tiles (setGemmRows(0) reads the height), so only the last has a partial one.
    const calls = ranges(m, bands - (bands % ctx.threads), ctx.kernels.setGemmRows(0)).map(([s, count]) => {
      const pa = ctx.temp(ctx.kernels.packASize() * 4);
      return call('gemmPackedBRows', a + 4 * (tA ? s : s * lda), lda, tA, packed, c + 4 * s * n, n, count, n, k, pa);
    });
    ctx.parallel(op, calls);
    return;
  }
  const calls = ranges(n, Math.min(parts, Math.ceil(n / 8)), 8).map(([s, count]) => {
    const [pa, pb] = packScratch(ctx);
    return call('gemmStrided', a, lda, b + 4 * (tB ? s * ldb : s), ldb, c + 4 * s, n, m, count, k, tA, tB, pa, pb);
  });
  ctx.parallel(op, calls);
}

/** Batched matmul of `batch` products (A, B advancing by strideA/strideB floats), split by batches. */
export function batchedGemm(ctx: WasmBackend, op: string, a: number, b: number, c: number, batch: number, m: number, n: number,
  k: number, tA: boolean, tB: boolean, strideA: number, strideB: number): void {
  const parts = sliceCount(ctx, 2 * batch * m * n * k, MIN_WORK_PER_THREAD.gemmFlops, batch, GEMM_SLICES_PER_THREAD);
  const calls = ranges(batch, parts, 1).map(([s, count]) => {
    const [pa, pb] = packScratch(ctx);
    return call('matmul', a + 4 * s * strideA, b + 4 * s * strideB, c + 4 * s * m * n, count, m, n, k, tA, tB, strideA, strideB, pa, pb);
  });
  ctx.parallel(op, calls);
}

/** conv2d over `rows` output pixels (n, oy, ox) with `flopsPerRow` each, split into bands of pixels. */
export function conv2dRows(ctx: WasmBackend, x: number, f: number, y: number, rows: number, flopsPerRow: number,
  writeParams: () => number): void {
  const parts = sliceCount(ctx, rows * flopsPerRow, MIN_WORK_PER_THREAD.gemmFlops, Math.ceil(rows / 8), GEMM_SLICES_PER_THREAD);
  const scratch = Array.from({ length: parts }, () => packScratch(ctx));
  // Written after every temp(): the parameter block's view is taken once memory stopped growing.
  const p = writeParams();
  const bands = ranges(rows, parts, 8);
  ctx.parallel('conv2d', bands.map(([s, count], i) => call('conv2d', x, f, y, p, scratch[i][0], scratch[i][1], s, count)));
}

/** Calls covering n elements in ranges aligned to 64 elements (so SIMD alignment of every dtype holds). */
export function elementwise(ctx: WasmBackend, op: string, n: number, make: (start: number, count: number) => KernelCall): void {
  const parts = sliceCount(ctx, n, MIN_WORK_PER_THREAD.elements, Math.ceil(n / 64));
  ctx.parallel(op, ranges(n, parts, 64).map(([s, count]) => make(s, count)));
}

/** Rows of a row-wise kernel (reductions, softmax): `outer` rows of `perRow` input elements, `least` per thread. */
export function rowwise(ctx: WasmBackend, op: string, outer: number, perRow: number, least: number,
  make: (start: number, count: number) => KernelCall): void {
  const parts = sliceCount(ctx, outer * perRow, least, outer);
  ctx.parallel(op, ranges(outer, parts, 1).map(([s, count]) => make(s, count)));
}

/** An operand of a strided walk: its first element's address and its element size in bytes. */
export interface WalkOperand {
  readonly ptr: number;
  readonly size: number;
}

/**
 * A strided walk (StridedParam) of `c`, split along its outermost dim: each slice gets its own
 * parameter block and operand addresses moved to its start. `dense` is an output written densely
 * in walk order (binary's y), not part of the walk's strides.
 */
export function walkSlices(ctx: WasmBackend, op: string, c: Collapsed, operands: readonly WalkOperand[],
  dense: WalkOperand | undefined, make: (ptrs: number[], densePtr: number, params: number) => KernelCall): void {
  const rank = c.shape.length;
  if (rank > StridedParam.maxRank) {
    throw new Error(`${op}: [${c.shape.join(',')}] still has ${rank} dims after merging contiguous ones; ` +
      `the wasm kernels walk at most ${StridedParam.maxRank}`);
  }
  const total = c.shape.reduce((s, d) => s * d, 1);
  const d0 = c.shape[0] ?? 1;
  const align = rank === 1 ? 64 : 1;
  const parts = rank === 0 ? 1 : sliceCount(ctx, total, MIN_WORK_PER_THREAD.elements, Math.ceil(d0 / align));
  const inner = total / Math.max(d0, 1);
  const slices = parts === 1 ? [[0, d0] as [number, number]] : ranges(d0, parts, align);
  const blockInts = 1 + rank * (operands.length + 1);
  const blocks = ctx.temp(slices.length * blockInts * 4);
  const p = ctx.int32View();
  const calls = slices.map(([s, count], i) => {
    const at = blocks + i * blockInts * 4;
    const q = at >>> 2;
    p[q + StridedParam.rank] = rank;
    p.set(c.shape, q + StridedParam.shape);
    if (rank > 0) p[q + StridedParam.shape] = count;
    c.strides.forEach((st, k) => p.set(st, q + StridedParam.shape + (k + 1) * rank));
    const ptrs = operands.map((o, k) => o.ptr + (rank > 0 ? s * c.strides[k][0] * o.size : 0));
    return make(ptrs, dense ? dense.ptr + s * inner * dense.size : 0, at);
  });
  ctx.parallel(op, calls);
}
