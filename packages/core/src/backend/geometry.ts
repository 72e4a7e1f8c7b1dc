// Index arithmetic shared by every backend: strides, broadcast strides, merging of dims that can be
// walked as one, the (outer, n, inner) split around an axis, and the gather and matmul dims.

import type { DType } from '../dtype.js';
import { sizeOf, stridesOf, broadcastStrides, type Shape } from '../shape.js';

export { broadcastStrides, sizeOf, stridesOf };

/** Dims and strides after `collapseDims`. */
export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 dims and merges neighbours that every stride list walks contiguously, so a strided
 * loop runs over as few dims as possible. With `minRank: 1` a fully collapsed walk is `[1]`
 * with stride 0 rather than rank 0.
 */
export function collapseDims(shape: Shape, strides: readonly (readonly number[])[], minRank: 0 | 1 = 0): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0 && minRank === 1) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/** Product of `shape[from..to)`. */
export function dimProduct(shape: Shape, from = 0, to = shape.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}

/** (outer, axis size, inner): element (o, a, i) sits at o·n·inner + a·inner + i. */
export function aroundAxis(shape: Shape, axis: number): [outer: number, n: number, inner: number] {
  return [dimProduct(shape, 0, axis), shape[axis], dimProduct(shape, axis + 1)];
}

/** Flat offset of the element at `index` in a contiguous tensor of `shape`. */
export function offsetOf(shape: Shape, index: readonly number[]): number {
  const strides = stridesOf(shape);
  return index.reduce((s, i, d) => s + i * strides[d], 0);
}

/**
 * The loop bounds of `gather(x, indices, axis, batchDims)`: for each batch b, outer o and index j
 * (of perBatch), copy `inner` elements from x[b, o, indices[b, j], :].
 */
export interface GatherDims {
  batch: number;
  outer: number;
  axisSize: number;
  inner: number;
  perBatch: number;
}

export function gatherDims(xShape: Shape, indicesShape: Shape, axis: number, batchDims: number): GatherDims {
  return {
    batch: dimProduct(xShape, 0, batchDims),
    outer: dimProduct(xShape, batchDims, axis),
    axisSize: xShape[axis],
    inner: dimProduct(xShape, axis + 1),
    perBatch: dimProduct(indicesShape, batchDims),
  };
}

/** The error every backend throws for an out-of-range gather index. */
export function gatherIndexError(index: number, axis: number, xShape: Shape): Error {
  return new Error(`gather: index ${index} is out of range [0, ${xShape[axis]}) for axis ${axis} of [${xShape.join(',')}]`);
}

/**
 * The dims of the rank-3 matmul primitive: a [batchA, m, k] (or [batchA, k, m] with transposeA),
 * b [batchB, k, n] (or [batchB, n, k]); `batch` is the output's, batchA/batchB are 1 or batch.
 */
export interface MatmulDims {
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
}

export function matmulDims(aShape: Shape, bShape: Shape, transposeA: boolean, transposeB: boolean): MatmulDims {
  const [batchA, ar, ac] = aShape;
  const [batchB, br, bc] = bShape;
  return {
    batch: Math.max(batchA, batchB),
    batchA,
    batchB,
    m: transposeA ? ac : ar,
    k: transposeA ? ar : ac,
    n: transposeB ? br : bc,
  };
}

/**
 * The 32-bit word `value` is stored as in a buffer of `dtype` (unsigned), as a typed-array store
 * converts it: float32 bits, int32 two's complement (wrapped), bool 0/1.
 */
export function storedWord(value: number, dtype: DType): number {
  if (dtype === 'float32') return new Uint32Array(new Float32Array([value]).buffer)[0];
  if (dtype === 'int32') return new Uint32Array(new Int32Array([value]).buffer)[0];
  return value ? 1 : 0;
}
