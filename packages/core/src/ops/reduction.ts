// Reductions (sum, mean, max, min, prod, argMax, argMin, logSumExp, variance) with `axis` and
// `keepDims`, and the fused softmax / logSoftmax.

import type { ReduceOp } from '../backend/op-attrs.js';
import type { DType } from '../dtype.js';
import { runOp, runView } from '../engine/index.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { convert, describe, scoped, type TensorLike } from './convert.js';
import { add, cast, div, exp, isFinite, log, square, sub, where } from './elementwise.js';

type Axis = number | readonly number[] | undefined | null;

/** Output shape of reducing `axes`, with or without the kept size-1 dims. */
function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

function reduce(op: ReduceOp, x: TensorLike, axis: Axis, keepDims: boolean, outDtype: (d: DType) => DType, allowBool: boolean): Tensor {
  return scoped(() => {
    let t = convert(op, 'x', x);
    if (t.dtype === 'bool') {
      if (!allowBool) throw new Error(`${op}: input ${describe(t)} is bool; valid: float32, int32`);
      t = cast(t, 'int32');
    }
    if (typeof keepDims !== 'boolean') throw new Error(`${op}: keepDims must be a boolean, got ${JSON.stringify(keepDims)}`);
    const axes = normalizeAxes(op, axis as number | number[] | undefined, t.rank);
    const dtype = outDtype(t.dtype);
    const out = runOp(op, [t], { axes }, [{ shape: reducedShape(t.shape, axes, false), dtype }])[0];
    return keepDims ? runView(out, reducedShape(t.shape, axes, true)) : out;
  });
}

const same = (d: DType): DType => d;

/** Sum over `axis` (all axes by default). bool counts as int32. */
export function sum(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduce('sum', x, axis, keepDims, same, true);
}

/** Product over `axis`. */
export function prod(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduce('prod', x, axis, keepDims, same, true);
}

/** Maximum over `axis` (−Infinity for an empty float32 reduction). NaN propagates. */
export function max(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduce('max', x, axis, keepDims, same, false);
}

/** Minimum over `axis`. NaN propagates. */
export function min(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduce('min', x, axis, keepDims, same, false);
}

/** Arithmetic mean over `axis`, as float32 (NaN for an empty reduction). */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return scoped(() => {
    const t = convert('mean', 'x', x);
    const axes = normalizeAxes('mean', axis as number | number[] | undefined, t.rank);
    const count = axes.reduce((n, a) => n * t.shape[a], 1);
    const s = sum(t.dtype === 'float32' ? t : cast(t, 'float32'), axes, keepDims);
    return div(s, count);
  });
}

/** Population variance over `axis` (divides by N, as tf.moments). */
export function variance(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return scoped(() => {
    const t = convert('variance', 'x', x);
    const f = t.dtype === 'float32' ? t : cast(t, 'float32');
    const axes = normalizeAxes('variance', axis as number | number[] | undefined, f.rank);
    const m = mean(f, axes, true);
    return mean(square(sub(f, m)), axes, keepDims);
  });
}

/** log(Σ exp(x)) over `axis`, computed stably by shifting by the maximum. */
export function logSumExp(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return scoped(() => {
    const t = convert('logSumExp', 'x', x);
    if (t.dtype === 'bool') throw new Error(`logSumExp: input ${describe(t)} is bool; valid: float32, int32`);
    const f = t.dtype === 'float32' ? t : cast(t, 'float32');
    const axes = normalizeAxes('logSumExp', axis as number | number[] | undefined, f.rank);
    const m = max(f, axes, true);
    // NOTE: an infinite max would make x - m NaN; shifting by 0 there gives the right ±Infinity.
    const shift = where(isFinite(m), m, 0);
    const s = log(sum(exp(sub(f, shift)), axes, true));
    const r = add(s, shift);
    return keepDims ? r : runView(r, reducedShape(f.shape, axes, false));
  });
}

function argReduce(op: 'argMax' | 'argMin', x: TensorLike, axis: number): Tensor {
  return scoped(() => {
    const t = convert(op, 'x', x);
    if (t.dtype === 'bool') throw new Error(`${op}: input ${describe(t)} is bool; valid: float32, int32`);
    if (t.rank === 0) throw new Error(`${op}: input is a scalar; it needs rank >= 1`);
    const ax = normalizeAxis(op, axis, t.rank);
    if (t.shape[ax] === 0) {
      throw new Error(`${op}: axis ${axis} of ${describe(t)} is empty; there is no ${op === 'argMax' ? 'maximum' : 'minimum'}`);
    }
    return runOp(op, [t], { axis: ax }, [{ shape: reducedShape(t.shape, [ax], false), dtype: 'int32' }])[0];
  });
}

/** Index of the maximum along `axis` (default 0, as TensorFlow.js); first index on ties. */
export function argMax(x: TensorLike, axis = 0): Tensor {
  return argReduce('argMax', x, axis);
}

/** Index of the minimum along `axis` (default 0); first index on ties. */
export function argMin(x: TensorLike, axis = 0): Tensor {
  return argReduce('argMin', x, axis);
}

function softmaxLike(op: 'softmax' | 'logSoftmax', x: TensorLike, axis: number): Tensor {
  return scoped(() => {
    const t = convert(op, 'x', x);
    if (t.dtype === 'bool') throw new Error(`${op}: input ${describe(t)} is bool; valid: float32`);
    if (t.rank === 0) throw new Error(`${op}: input is a scalar; it needs rank >= 1`);
    const f = t.dtype === 'float32' ? t : cast(t, 'float32');
    const ax = normalizeAxis(op, axis, f.rank);
    return runOp(op, [f], { axis: ax }, [{ shape: f.shape, dtype: 'float32' }])[0];
  });
}

/** exp(x) / Σ exp(x) along `axis` (default last), numerically stable. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return softmaxLike('softmax', x, axis);
}

/** x − logSumExp(x) along `axis` (default last), numerically stable. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return softmaxLike('logSoftmax', x, axis);
}

