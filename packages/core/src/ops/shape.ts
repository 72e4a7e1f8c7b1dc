// Shape and indexing ops: reshape, transpose, slicing, joining, padding, gathering, scans, top-k.

import { assertAllocatable, runOp, runView } from '../engine/index.js';
import { broadcastShapes, fmt, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { assertBool, assertFitsDType, assertInt, assertNumber, convert, convertIndices, describe, scoped, type TensorLike } from './convert.js';
import { cast, equal, where } from './elementwise.js';

function asInts(op: string, name: string, value: unknown): number[] {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => !Number.isInteger(v))) {
    throw new Error(`${op}: ${name} must be an integer or a list of integers, got ${JSON.stringify(value)}`);
  }
  return list as number[];
}

/** The same values with a new shape (one dim may be −1 to infer). Shares the buffer. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return scoped(() => {
    const t = convert('reshape', 'x', x);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new Error(`reshape: invalid shape ${JSON.stringify(shape)}; use non-negative integers and at most one -1`);
    }
    const unknown = shape.filter((d) => d === -1).length;
    if (unknown > 1) throw new Error(`reshape: shape ${fmt(shape)} has more than one -1`);
    let out = [...shape];
    if (unknown === 1) {
      const known = sizeOf(shape.filter((d) => d !== -1));
      if (known === 0 || t.size % known !== 0) {
        throw new Error(`reshape: cannot infer the -1 in ${fmt(shape)} for ${t.size} elements (${describe(t)})`);
      }
      out = shape.map((d) => (d === -1 ? t.size / known : d));
    }
    if (sizeOf(out) !== t.size) {
      throw new Error(`reshape: cannot reshape ${describe(t)} (${t.size} elements) into ${fmt(out)} (${sizeOf(out)} elements)`);
    }
    return runView(t, out);
  });
}

/** A 1-D view of all elements. */
export function flatten(x: TensorLike): Tensor {
  return reshape(x, [-1]);
}

/** Inserts a size-1 dim at `axis` (default 0; −1 appends). */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  return scoped(() => {
    const t = convert('expandDims', 'x', x);
    const ax = normalizeAxis('expandDims', axis, t.rank + 1);
    const shape = [...t.shape];
    shape.splice(ax, 0, 1);
    return runView(t, shape);
  });
}

/** Removes size-1 dims (all, or those in `axis`, which must have size 1). */
export function squeeze(x: TensorLike, axis?: number | number[]): Tensor {
  return scoped(() => {
    const t = convert('squeeze', 'x', x);
    const axes = axis === undefined
      ? t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
      : normalizeAxes('squeeze', axis, t.rank);
    for (const a of axes) {
      if (t.shape[a] !== 1) {
        throw new Error(`squeeze: axis ${a} of ${describe(t)} has size ${t.shape[a]}; only size-1 dims can be squeezed`);
      }
    }
    return runView(t, t.shape.filter((_, i) => !axes.includes(i)));
  });
}

/** Permutes dims: output dim i is input dim perm[i] (default: reversed). */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  return scoped(() => {
    const t = convert('transpose', 'x', x);
    const p = perm === undefined ? t.shape.map((_, i) => t.rank - 1 - i) : asInts('transpose', 'perm', perm);
    const inRange = p.every((a) => a >= -t.rank && a < t.rank);
    if (p.length !== t.rank || !inRange || new Set(p.map((a) => (a < 0 ? a + t.rank : a))).size !== t.rank) {
      throw new Error(`transpose: perm ${JSON.stringify(perm)} is not a permutation of the ${t.rank} axes of ${describe(t)}`);
    }
    const norm = p.map((a) => (a < 0 ? a + t.rank : a));
    if (norm.every((a, i) => a === i)) return runView(t, t.shape);
    return runOp('transpose', [t], { perm: norm }, [{ shape: norm.map((a) => t.shape[a]), dtype: t.dtype }])[0];
  });
}

/** Broadcasts `x` to `shape` (NumPy rules; the result has exactly `shape`). */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return scoped(() => {
    const t = convert('broadcastTo', 'x', x);
    const target = asInts('broadcastTo', 'shape', shape);
    if (target.some((d) => d < 0)) throw new Error(`broadcastTo: invalid shape ${fmt(target)}`);
    let ok = target.length >= t.rank;
    if (ok) {
      try {
        ok = shapesEqual(broadcastShapes('broadcastTo', t.shape, target), target);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new Error(`broadcastTo: cannot broadcast ${describe(t)} to ${fmt(target)}; each dim must equal the target's or be 1`);
    if (shapesEqual(t.shape, target)) return runView(t, target);
    return runOp('broadcastTo', [t], {}, [{ shape: target, dtype: t.dtype }])[0];
  });
}

/** Repeats `x` reps[i] times along each axis (reps.length == rank). */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  return scoped(() => {
    const t = convert('tile', 'x', x);
    const r = asInts('tile', 'reps', reps);
    if (r.length !== t.rank || r.some((v) => v < 0)) {
      throw new Error(`tile: reps ${JSON.stringify(reps)} must list ${t.rank} non-negative integers for ${describe(t)}`);
    }
    assertAllocatable('tile', t.shape.map((d, i) => d * r[i]), t.dtype);
    // [d0, d1] -> [1, d0, 1, d1] -> broadcast to [r0, d0, r1, d1] -> [r0*d0, r1*d1]
    const interleaved = t.shape.flatMap((d) => [1, d]);
    const target = t.shape.flatMap((d, i) => [r[i], d]);
    const b = broadcastTo(runView(t, interleaved), target);
    return runView(b, t.shape.map((d, i) => d * r[i]));
  });
}

/**
 * A window of `x`: `begin` per axis and `size` per axis (−1 = to the end), as TensorFlow.js.
 * A number applies to the first axis only.
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return scoped(() => {
    const t = convert('slice', 'x', x);
    if (t.rank === 0) throw new Error('slice: cannot slice a scalar');
    const b = asInts('slice', 'begin', begin);
    const s = size === undefined ? b.map(() => -1) : asInts('slice', 'size', size);
    if (b.length > t.rank || s.length !== b.length) {
      throw new Error(`slice: begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} must have the same length, at most rank ` +
        `${t.rank} of ${describe(t)}`);
    }
    const fullBegin = t.shape.map((_, i) => (i < b.length ? b[i] : 0));
    const fullSize = t.shape.map((d, i) => (i < s.length ? (s[i] === -1 ? d - fullBegin[i] : s[i]) : d));
    for (let i = 0; i < t.rank; i++) {
      if (fullBegin[i] < 0 || fullSize[i] < 0 || fullBegin[i] + fullSize[i] > t.shape[i]) {
        throw new Error(`slice: begin ${fmt(fullBegin)} size ${fmt(fullSize)} is out of bounds for ${describe(t)} on axis ${i}`);
      }
    }
    return runOp('slice', [t], { begin: fullBegin, strides: fullBegin.map(() => 1) }, [{ shape: fullSize, dtype: t.dtype }])[0];
  });
}

/** Options of `stridedSlice` (bit i of a mask refers to axis i), as TensorFlow. */
export interface StridedSliceOptions {
  beginMask?: number;
  endMask?: number;
  shrinkAxisMask?: number;
}

/** Python-style slicing per axis: begin, end (exclusive) and strides, negatives counting from the end. */
export function stridedSlice(
  x: TensorLike, begin: readonly number[], end: readonly number[], strides?: readonly number[], options: StridedSliceOptions = {},
): Tensor {
  return scoped(() => {
    const t = convert('stridedSlice', 'x', x);
    const b = asInts('stridedSlice', 'begin', begin);
    const e = asInts('stridedSlice', 'end', end);
    const st = strides === undefined ? b.map(() => 1) : asInts('stridedSlice', 'strides', strides);
    if (b.length !== e.length || b.length !== st.length || b.length > t.rank) {
      throw new Error(`stridedSlice: begin, end and strides must have equal lengths at most rank ${t.rank}, got ${b.length}, ` +
        `${e.length}, ${st.length}`);
    }
    const { beginMask = 0, endMask = 0, shrinkAxisMask = 0 } = options;
    const outBegin: number[] = [];
    const outStrides: number[] = [];
    const outShape: number[] = [];
    const finalShape: number[] = [];
    for (let i = 0; i < t.rank; i++) {
      const d = t.shape[i];
      if (i >= b.length) {
        outBegin.push(0); outStrides.push(1); outShape.push(d); finalShape.push(d);
        continue;
      }
      const s = st[i];
      if (s === 0) throw new Error(`stridedSlice: stride on axis ${i} is 0; strides must be nonzero`);
      if (shrinkAxisMask & (1 << i)) {
        const idx = b[i] < 0 ? b[i] + d : b[i];
        if (idx < 0 || idx >= d) throw new Error(`stridedSlice: index ${b[i]} on shrunk axis ${i} is out of range for size ${d}`);
        outBegin.push(idx); outStrides.push(1); outShape.push(1);
        continue;
      }
      // Python slice semantics: clamp into range, defaults depend on the stride's sign.
      const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
      let start: number;
      let stop: number;
      if (beginMask & (1 << i)) start = s > 0 ? 0 : d - 1;
      else start = s > 0 ? clamp(b[i] < 0 ? b[i] + d : b[i], 0, d) : clamp(b[i] < 0 ? b[i] + d : b[i], -1, d - 1);
      if (endMask & (1 << i)) stop = s > 0 ? d : -1;
      else stop = s > 0 ? clamp(e[i] < 0 ? e[i] + d : e[i], 0, d) : clamp(e[i] < 0 ? e[i] + d : e[i], -1, d - 1);
      const n = s > 0 ? Math.max(0, Math.ceil((stop - start) / s)) : Math.max(0, Math.ceil((start - stop) / -s));
      outBegin.push(n === 0 ? 0 : start); outStrides.push(s); outShape.push(n); finalShape.push(n);
    }
    const out = runOp('slice', [t], { begin: outBegin, strides: outStrides }, [{ shape: outShape, dtype: t.dtype }])[0];
    return shapesEqual(outShape, finalShape) ? out : runView(out, finalShape);
  });
}

/** Reverses `x` along `axis` (all axes by default). */
export function reverse(x: TensorLike, axis?: number | number[]): Tensor {
  return scoped(() => {
    const t = convert('reverse', 'x', x);
    const axes = normalizeAxes('reverse', axis, t.rank);
    if (axes.length === 0) return runView(t, t.shape);
    const begin = t.shape.map((d, i) => (axes.includes(i) && d > 0 ? d - 1 : 0));
    const strides = t.shape.map((_, i) => (axes.includes(i) ? -1 : 1));
    return runOp('slice', [t], { begin, strides }, [{ shape: t.shape, dtype: t.dtype }])[0];
  });
}

/** Joins tensors of one dtype along `axis`; other dims must match. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  return scoped(() => {
    if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: expected a non-empty list of tensors');
    const ts = tensors.map((x, i) => convert('concat', `tensors[${i}]`, x));
    const first = ts[0];
    if (first.rank === 0) throw new Error('concat: cannot concatenate scalars; use stack()');
    const ax = normalizeAxis('concat', axis, first.rank);
    let total = 0;
    ts.forEach((t, i) => {
      if (t.dtype !== first.dtype) {
        throw new Error(`concat: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}; cast them to one dtype`);
      }
      if (t.rank !== first.rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
        throw new Error(`concat: tensors[${i}] ${fmt(t.shape)} does not match tensors[0] ${fmt(first.shape)} except on axis ${ax}`);
      }
      total += t.shape[ax];
    });
    if (ts.length === 1) return runView(first, first.shape);
    const shape = [...first.shape];
    shape[ax] = total;
    return runOp('concat', ts, { axis: ax }, [{ shape, dtype: first.dtype }])[0];
  });
}

/** Stacks same-shape tensors along a new `axis`. */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return scoped(() => {
    if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
    const ts = tensors.map((x, i) => convert('stack', `tensors[${i}]`, x));
    ts.forEach((t, i) => {
      if (!shapesEqual(t.shape, ts[0].shape)) {
        throw new Error(`stack: tensors[${i}] ${fmt(t.shape)} differs from tensors[0] ${fmt(ts[0].shape)}; all shapes must be equal`);
      }
      if (t.dtype !== ts[0].dtype) throw new Error(`stack: tensors[${i}] is ${t.dtype} but tensors[0] is ${ts[0].dtype}`);
    });
    const ax = normalizeAxis('stack', axis, ts[0].rank + 1);
    const expanded = ts.map((t) => expandDims(t, ax));
    return concat(expanded, ax);
  });
}

/** Splits along `axis` into tensors with that axis removed. */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  return scoped(() => {
    const t = convert('unstack', 'x', x);
    if (t.rank === 0) throw new Error('unstack: cannot unstack a scalar');
    const ax = normalizeAxis('unstack', axis, t.rank);
    const outShape = t.shape.filter((_, i) => i !== ax);
    return Array.from({ length: t.shape[ax] }, (_, k) => {
      const begin = t.shape.map((_, i) => (i === ax ? k : 0));
      const size = t.shape.map((d, i) => (i === ax ? 1 : d));
      return runView(slice(t, begin, size), outShape);
    });
  });
}

/** Splits along `axis` into `n` equal parts or parts of the given sizes (one may be −1). */
export function split(x: TensorLike, numOrSizes: number | readonly number[], axis = 0): Tensor[] {
  return scoped(() => {
    const t = convert('split', 'x', x);
    if (t.rank === 0) throw new Error('split: cannot split a scalar');
    const ax = normalizeAxis('split', axis, t.rank);
    const d = t.shape[ax];
    let sizes: number[];
    if (typeof numOrSizes === 'number') {
      assertInt('split', 'numOrSizes', numOrSizes, 1);
      if (d % numOrSizes !== 0) throw new Error(`split: axis ${ax} of size ${d} does not divide into ${numOrSizes} equal parts`);
      sizes = Array(numOrSizes).fill(d / numOrSizes);
    } else {
      sizes = asInts('split', 'sizes', numOrSizes);
      const unknown = sizes.filter((s) => s === -1).length;
      if (unknown > 1 || sizes.some((s) => s < -1)) {
        throw new Error(`split: sizes ${JSON.stringify(numOrSizes)} may hold non-negative sizes and at most one -1`);
      }
      const known = sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
      if (unknown === 1) sizes = sizes.map((s) => (s === -1 ? d - known : s));
      if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== d) {
        throw new Error(`split: sizes ${JSON.stringify(numOrSizes)} do not add up to ${d}, the size of axis ${ax} of ${describe(t)}`);
      }
    }
    let offset = 0;
    return sizes.map((s) => {
      const begin = t.shape.map((_, i) => (i === ax ? offset : 0));
      const size = t.shape.map((dim, i) => (i === ax ? s : dim));
      offset += s;
      return slice(t, begin, size);
    });
  });
}

/** Pads each axis with paddings[i] = [before, after] copies of `value`. */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  return scoped(() => {
    const t = convert('pad', 'x', x);
    assertNumber('pad', 'value', value);
    if (!Array.isArray(paddings) || paddings.length !== t.rank ||
        paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
      throw new Error(`pad: paddings ${JSON.stringify(paddings)} must list ${t.rank} pairs [before, after] of non-negative integers ` +
        `for ${describe(t)}`);
    }
    if (t.dtype !== 'bool') assertFitsDType('pad', 'value', value, t.dtype);
    const shape = t.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    return runOp('pad', [t], { paddings: paddings.map((p) => [p[0], p[1]] as [number, number]), value }, [{ shape, dtype: t.dtype }])[0];
  });
}

/**
 * Gathers slices of `x` along `axis` at int32 `indices`. With `batchDims` b, the first b dims of
 * `x` and `indices` are batch dims that must match.
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  return scoped(() => {
    const t = convert('gather', 'x', x);
    const idx = convertIndices('gather', 'indices', indices);
    if (t.rank === 0) throw new Error('gather: x is a scalar; it needs rank >= 1');
    const ax = normalizeAxis('gather', axis, t.rank);
    assertInt('gather', 'batchDims', batchDims, 0);
    if (batchDims > ax || batchDims > idx.rank) {
      throw new Error(`gather: batchDims ${batchDims} must be <= axis ${ax} and <= the indices' rank ${idx.rank}`);
    }
    for (let i = 0; i < batchDims; i++) {
      if (t.shape[i] !== idx.shape[i]) throw new Error(`gather: batch dim ${i} differs: x ${fmt(t.shape)} vs indices ${fmt(idx.shape)}`);
    }
    const shape = [...t.shape.slice(0, ax), ...idx.shape.slice(batchDims), ...t.shape.slice(ax + 1)];
    return runOp('gather', [t, idx], { axis: ax, batchDims }, [{ shape, dtype: t.dtype }])[0];
  });
}

/** One-hot encoding along a new last axis; out-of-range indices give a row of `offValue`. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: 'int32' | 'float32' = 'int32'): Tensor {
  return scoped(() => {
    const idx = convertIndices('oneHot', 'indices', indices);
    assertInt('oneHot', 'depth', depth, 1);
    assertNumber('oneHot', 'onValue', onValue);
    assertNumber('oneHot', 'offValue', offValue);
    if (dtype !== 'int32' && dtype !== 'float32') throw new Error(`oneHot: dtype must be int32 or float32, got ${String(dtype)}`);
    const hit = equal(expandDims(idx, -1), arange(0, depth, 1, 'int32'));
    return cast(where(hit, onValue, offValue), dtype);
  });
}

/** Running sum along `axis` (default 0); `exclusive` starts at 0, `reverse` runs backwards. */
export function cumsum(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  return scoped(() => {
    let t = convert('cumsum', 'x', x);
    if (t.rank === 0) throw new Error('cumsum: x is a scalar; it needs rank >= 1');
    if (t.dtype === 'bool') t = cast(t, 'int32');
    const ax = normalizeAxis('cumsum', axis, t.rank);
    assertBool('cumsum', 'exclusive', exclusive);
    assertBool('cumsum', 'reverse', reverse);
    return runOp('cumsum', [t], { axis: ax, exclusive, reverse }, [{ shape: t.shape, dtype: t.dtype }])[0];
  });
}

/** The k largest entries of the last axis and their int32 indices (ties: lower index first). */
export function topk(x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  return scoped(() => {
    const t = convert('topk', 'x', x);
    if (t.rank === 0) throw new Error('topk: x is a scalar; it needs rank >= 1');
    if (t.dtype === 'bool') throw new Error(`topk: input ${describe(t)} is bool; valid: float32, int32`);
    const last = t.shape[t.rank - 1];
    assertInt('topk', 'k', k, 0);
    assertBool('topk', 'sorted', sorted);
    if (k > last) throw new Error(`topk: k (${k}) is larger than the last dim (${last}) of ${describe(t)}`);
    const shape = [...t.shape.slice(0, -1), k];
    const [values, indices] = runOp('topk', [t], { k, sorted }, [{ shape, dtype: t.dtype }, { shape, dtype: 'int32' }]);
    return { values, indices };
  });
}

