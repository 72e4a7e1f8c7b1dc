// Metrics as exact streaming statistics: each batch adds host-side sums, and the epoch value is
// computed from the totals (so rmse and r2 are exact over the epoch, not means of batch values).

import * as core from '@loom/core';
import { formatShape, shapesEqual, type Tensor } from '@loom/core';
import { finite, lookup } from './validate.js';

/** A metric: per-batch sufficient statistics (as a tensor of sums) and the final formula. */
export interface Metric {
  readonly name: string;
  /** A small float32 tensor of sums for this batch (added across batches). */
  stats(yTrue: Tensor, yPred: Tensor): Tensor;
  /** The metric from accumulated sums. */
  result(sums: readonly number[]): number;
}

function floatLabels(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(`${name}: labels ${formatShape(yTrue.shape)} and predictions ${formatShape(yPred.shape)} must have the same shape`);
  }
  return yTrue.dtype === 'float32' ? yTrue : core.cast(yTrue, 'float32');
}

function ratio(sums: readonly number[]): number {
  return sums[1] > 0 ? sums[0] / sums[1] : NaN;
}

const count = (t: Tensor): Tensor => core.scalar(t.size);

/** Fraction of predictions on the right side of `threshold` (default 0.5). */
export function binaryAccuracy(threshold = 0.5): Metric {
  finite('binaryAccuracy', 'threshold', threshold);
  return {
    name: 'binaryAccuracy',
    stats: (yTrue, yPred) => core.tidy(() => {
      const y = floatLabels('binaryAccuracy', yTrue, yPred);
      const hit = core.equal(core.greater(yPred, threshold), core.greater(y, 0.5));
      return core.stack([core.sum(core.cast(hit, 'float32')), count(y)]);
    }),
    result: ratio,
  };
}

/** Fraction of rows whose argmax matches the one-hot label's. */
export function categoricalAccuracy(): Metric {
  return {
    name: 'categoricalAccuracy',
    stats: (yTrue, yPred) => core.tidy(() => {
      floatLabels('categoricalAccuracy', yTrue, yPred);
      const hit = core.equal(core.argMax(yTrue, -1), core.argMax(yPred, -1));
      return core.stack([core.sum(core.cast(hit, 'float32')), core.scalar(hit.size)]);
    }),
    result: ratio,
  };
}

/** Fraction of rows whose argmax equals the integer label. */
export function sparseCategoricalAccuracy(): Metric {
  return {
    name: 'sparseCategoricalAccuracy',
    stats: (yTrue, yPred) => core.tidy(() => {
      const lead = yPred.shape.slice(0, -1);
      const labels = core.reshape(yTrue, lead);
      const idx = labels.dtype === 'int32' ? labels : core.cast(labels, 'int32');
      const hit = core.equal(idx, core.argMax(yPred, -1));
      return core.stack([core.sum(core.cast(hit, 'float32')), core.scalar(hit.size)]);
    }),
    result: ratio,
  };
}

function elementwise(name: string, f: (e: Tensor, y: Tensor) => Tensor, finish: (mean: number) => number = (m) => m): Metric {
  return {
    name,
    stats: (yTrue, yPred) => core.tidy(() => {
      const y = floatLabels(name, yTrue, yPred);
      return core.stack([core.sum(f(core.sub(yPred, y), y)), count(y)]);
    }),
    result: (s) => finish(ratio(s)),
  };
}

/** Mean absolute error. */
export const mae = (): Metric => elementwise('mae', (e) => core.abs(e));
/** Mean squared error. */
export const mse = (): Metric => elementwise('mse', (e) => core.square(e));
/** Root of the mean squared error over the whole epoch. */
export const rmse = (): Metric => elementwise('rmse', (e) => core.square(e), Math.sqrt);
/** Mean absolute percentage error: 100·|e| / max(|y|, ε). */
export const mape = (): Metric => elementwise('mape', (e, y) => core.div(core.mul(core.abs(e), 100), core.maximum(core.abs(y), 1e-7)));

/** Coefficient of determination 1 − SS_res / SS_tot over all elements. */
export function r2(): Metric {
  return {
    name: 'r2',
    stats: (yTrue, yPred) => core.tidy(() => {
      const y = floatLabels('r2', yTrue, yPred);
      return core.stack([core.sum(core.square(core.sub(yPred, y))), core.sum(y), core.sum(core.square(y)), count(y)]);
    }),
    result: ([ssRes, sy, syy, n]) => {
      const ssTot = syy - (sy * sy) / n;
      return ssTot > 0 ? 1 - ssRes / ssTot : NaN;
    },
  };
}

const METRICS: Record<string, () => Metric> = {
  binaryAccuracy: () => binaryAccuracy(), categoricalAccuracy, sparseCategoricalAccuracy, mae, mse, rmse, mape, r2,
  accuracy: () => binaryAccuracy(), acc: () => binaryAccuracy(),
  binary_accuracy: () => binaryAccuracy(), categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy, meanAbsoluteError: mae, meanSquaredError: mse,
};

/** Resolves a metric name or object. */
export function getMetric(m: string | Metric): Metric {
  if (typeof m === 'object' && m !== null) {
    const ok = typeof m.name === 'string' && m.name !== '' && typeof m.stats === 'function' && typeof m.result === 'function';
    if (!ok) throw new Error('metric: a metric object needs a non-empty name and stats(yTrue, yPred) and result(sums) methods');
    return m;
  }
  return lookup('metric', 'metric', METRICS, m, ', or a Metric object')();
}

/** Evaluates a metric on one batch (host value; async so it works on every backend). */
export async function computeMetric(metric: Metric, yTrue: Tensor, yPred: Tensor): Promise<number> {
  const s = metric.stats(yTrue, yPred);
  const v = Array.from((await s.data()) as Float32Array);
  s.dispose();
  return metric.result(v);
}
