// Reading series data given as a Tensor, nested arrays or a typed array into a host matrix
// [steps, features] — the form windowing and normalization work on.

import { Tensor } from '@loom/core';

/** Series data as users have it: a tensor (host-visible backend), nested arrays, or a flat typed array. */
export type SeriesLike = Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;

/** A row-major host matrix: `steps` rows of `rowShape` values each. */
export interface HostSeries {
  values: Float32Array;
  steps: number;
  /** The shape of one time step (e.g. [features], or [] for a univariate series). */
  rowShape: number[];
  rowSize: number;
}

function shapeOfNested(op: string, what: string, x: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (cur !== null && typeof cur === 'object' && 'length' in (cur as object)) {
    const arr = cur as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    cur = arr[0];
  }
  if (shape.length === 0) throw new Error(`${op}: ${what} must be a tensor or an array with at least one dimension`);
  return shape;
}

function flattenInto(op: string, what: string, x: unknown, shape: number[], dim: number, out: Float32Array, offset: { i: number }): void {
  const arr = x as ArrayLike<unknown>;
  if (arr === null || typeof arr !== 'object' || arr.length !== shape[dim]) {
    throw new Error(`${op}: ${what} is ragged: expected ${shape[dim]} entries at depth ${dim} (shape [${shape.join(',')}])`);
  }
  if (dim === shape.length - 1) {
    for (let k = 0; k < arr.length; k++) {
      const v = arr[k];
      if (typeof v !== 'number') throw new Error(`${op}: ${what} holds a non-number (${typeof v}) at depth ${dim}`);
      out[offset.i++] = v;
    }
    return;
  }
  for (let k = 0; k < arr.length; k++) flattenInto(op, what, arr[k], shape, dim + 1, out, offset);
}

/**
 * Copies series data into a host matrix on any backend: tensors are read with `await t.data()`, so a
 * webgpu tensor works too. The sync `toHostSeries` stays for host arrays and js/wasm tensors.
 */
export async function toHostSeriesAsync(op: string, what: string, x: SeriesLike): Promise<HostSeries> {
  if (!(x instanceof Tensor)) return toHostSeries(op, what, x);
  if (x.isDisposed) throw new Error(`${op}: ${what} is a disposed tensor`);
  if (x.rank === 0) throw new Error(`${op}: ${what} is a scalar; a series needs a time axis`);
  const raw = await x.data();
  const values = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
  const rowShape = x.shape.slice(1);
  return { values, steps: x.shape[0], rowShape, rowSize: rowShape.reduce((a, b) => a * b, 1) };
}

/** Copies series data into a host matrix; the first axis is time. */
export function toHostSeries(op: string, what: string, x: SeriesLike): HostSeries {
  let values: Float32Array;
  let shape: number[];
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error(`${op}: ${what} is a disposed tensor`);
    if (x.rank === 0) throw new Error(`${op}: ${what} is a scalar; a series needs a time axis`);
    let raw;
    try {
      raw = x.dataSync();
    } catch (e) {
      throw new Error(`${op}: ${what} must be readable synchronously; use the async variant (Normalizer.fitAsync, timeseriesDatasetAsync) or a js/wasm tensor (${(e as Error).message})`);
    }
    values = raw instanceof Float32Array ? raw : Float32Array.from(raw);
    shape = [...x.shape];
  } else {
    shape = shapeOfNested(op, what, x);
    values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    flattenInto(op, what, x, shape, 0, values, { i: 0 });
  }
  const rowShape = shape.slice(1);
  return { values, steps: shape[0], rowShape, rowSize: rowShape.reduce((a, b) => a * b, 1) };
}
