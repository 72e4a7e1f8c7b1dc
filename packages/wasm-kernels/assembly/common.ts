// Shared helpers for the kernels: fused multiply-add picked per build, addressing, parameters.
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps only its own branch.

import { StridedParam } from '../src/abi/params';

/** a·b + c: fused (relaxed_madd) in the relaxed-SIMD build, mul then add otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Lanes of a where the comparison mask m is set, else b: relaxed_laneselect (one blend on x86)
 * in the relaxed-SIMD build, bitselect otherwise. m must be all ones or all zeros per lane.
 */
// @ts-ignore: decorator
@inline export function select(a: v128, b: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, m);
  return v128.bitselect(a, b, m);
}

/** Byte offset of element i of 4-byte elements. */
// @ts-ignore: decorator
@inline export function off4(i: i32): usize {
  return <usize>i << 2;
}

/** Reads i32 parameter `i` from a parameter block. */
// @ts-ignore: decorator
@inline export function param(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Dim d of a strided walk's parameter block (src/abi/params.ts StridedParam). */
// @ts-ignore: decorator
@inline export function walkDim(p: usize, d: i32): i32 {
  return param(p, StridedParam.shape + d);
}

/** Stride (in elements) of operand k along dim d of a strided walk of `rank` dims. */
// @ts-ignore: decorator
@inline export function walkStride(p: usize, rank: i32, k: i32, d: i32): i32 {
  return param(p, StridedParam.shape + (k + 1) * rank + d);
}

// Scratch that used to be static data: with shared memory every thread's instance needs its own,
// so these are per-instance pointers (wasm globals are never shared); a worker's instance points
// them at a region the main thread allocated for it (setThreadScratch).

/** The strided walks' odometer (StridedParam.odometerBytes). */
export let ODOMETER: usize = memory.data(StridedParam.odometerBytes, 16);
/** The GEMM edge tile: 6×8 floats. */
export let TILE: usize = memory.data(6 * 8 * 4, 16);

/** Bytes of one thread's scratch region for setThreadScratch (16-byte aligned). */
export function threadScratchSize(): i32 {
  return StridedParam.odometerBytes + 6 * 8 * 4;
}

/** Points this instance's scratch at `p` (threadScratchSize() bytes, 16-byte aligned). */
export function setThreadScratch(p: usize): void {
  ODOMETER = p;
  TILE = p + StridedParam.odometerBytes;
}
