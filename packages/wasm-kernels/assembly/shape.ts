// Data movement: an N-d strided copy (transpose, slice, broadcastTo, pad, concat) and gather.
// Strides are in elements and may be negative (reversed slices) or 0 (broadcast).

import { StridedParam } from '../src/abi/params';
import { ODOMETER, off4, param, walkDim, walkStride } from './common';

// @ts-ignore: decorator
@inline function copyRow(size: i32, dst: usize, src: usize, n: i32, ss: i32, ds: i32): void {
  if (ss == 1 && ds == 1) { memory.copy(dst, src, <usize>(n * size)); return; }
  if (size == 4) {
    if (ds == 1 && ss == 0) {
      const v = v128.load32_splat(src);
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(dst + off4(i), v);
      for (; i < n; i++) store<i32>(dst + off4(i), load<i32>(src));
      return;
    }
    for (let i = 0; i < n; i++) store<i32>(dst + <usize>(i * ds * 4), load<i32>(src + <usize>(i * ss * 4)));
  } else {
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>(i * ds), load<u8>(src + <usize>(i * ss)));
  }
}

/**
 * Copies a window of elements of `size` bytes (1 or 4). Params at p: a strided walk (src/abi/
 * params.ts StridedParam) with operand 0 = source, 1 = destination; src and dst point at the
 * first element.
 */
export function copyStrided(size: i32, dst: usize, src: usize, p: usize): void {
  const rank = param(p, StridedParam.rank);
  const n = walkDim(p, rank - 1);
  const ss = walkStride(p, rank, 0, rank - 1);
  const ds = walkStride(p, rank, 1, rank - 1);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) outer *= walkDim(p, d);
  const idx = ODOMETER;
  for (let d = 0; d < StridedParam.maxRank; d++) store<i32>(idx + off4(d), 0);
  let os = 0;
  let od = 0;
  for (let o = 0; o < outer; o++) {
    copyRow(size, dst + <usize>(od * size), src + <usize>(os * size), n, ss, ds);
    for (let d = rank - 2; d >= 0; d--) {
      const dim = walkDim(p, d);
      const i = load<i32>(idx + off4(d)) + 1;
      os += walkStride(p, rank, 0, d);
      od += walkStride(p, rank, 1, d);
      if (i < dim) { store<i32>(idx + off4(d), i); break; }
      store<i32>(idx + off4(d), 0);
      os -= walkStride(p, rank, 0, d) * dim;
      od -= walkStride(p, rank, 1, d) * dim;
    }
  }
}

/** Transposes a [rows, cols] matrix of 4-byte elements in cache-friendly 16×16 tiles. */
export function transpose2d(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(r0 + 16, rows);
    for (let c0 = 0; c0 < cols; c0 += 16) {
      const c1 = min(c0 + 16, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) store<i32>(dst + off4(c * rows + r), load<i32>(src + off4(r * cols + c)));
      }
    }
  }
}

/**
 * Checks gather indices: returns the position of the first index outside [0, axisSize), or -1.
 */
export function gatherCheck(idx: usize, count: i32, axisSize: i32): i32 {
  for (let i = 0; i < count; i++) {
    const v = load<i32>(idx + off4(i));
    if (<u32>v >= <u32>axisSize) return i;
  }
  return -1;
}

/** Gathers rows of `inner` elements of `size` bytes; indices already checked. */
export function gather(size: i32, x: usize, idx: usize, y: usize, batch: i32, outer: i32, axisSize: i32, inner: i32, perBatch: i32): void {
  const rowBytes = <usize>(inner * size);
  let out = y;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      const base = x + <usize>((b * outer + o) * axisSize) * rowBytes;
      for (let j = 0; j < perBatch; j++) {
        const index = load<i32>(idx + off4(b * perBatch + j));
        memory.copy(out, base + <usize>index * rowBytes, rowBytes);
        out += rowBytes;
      }
    }
  }
}
