// Metrics as exact streaming statistics: each batch adds host-side sums, and the epoch value is
// computed from the totals (so rmse and r2 are exact over the epoch, not means of batch values).

import * as core from '@loom/core';
import { formatShape, shapesEqual, type Tensor } from '@loom/core';
import { checkOptions, finite, lookup, nonNegativeInt, oneOf, positiveInt } from './validate.js';

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


/** Options of precision and recall. */
export interface ThresholdMetricOptions {
  /** Predictions above it count as positive (default 0.5). */
  threshold?: number;
  /** Only this column of the last axis (multi-label); all columns micro-averaged when omitted. */
  classId?: number;
}

/** Labels and predictions as float32, the `classId` column only when given. */
function classColumn(name: string, yTrue: Tensor, yPred: Tensor, classId: number | undefined): [Tensor, Tensor] {
  const y = floatLabels(name, yTrue, yPred);
  if (classId === undefined) return [y, yPred];
  const k = yPred.shape[yPred.shape.length - 1];
  if (classId >= k) throw new Error(`${name}: classId ${classId} is out of range for predictions ${formatShape(yPred.shape)} (last axis ${k})`);
  const idx = core.tensor([classId], [1], 'int32');
  const out: [Tensor, Tensor] = [core.gather(y, idx, -1), core.gather(yPred, idx, -1)];
  idx.dispose();
  return out;
}

function thresholdMetric(name: 'precision' | 'recall', o: ThresholdMetricOptions): Metric {
  checkOptions(name, o, ['threshold', 'classId']);
  const threshold = finite(name, 'threshold', o.threshold, 0.5);
  const classId = o.classId === undefined ? undefined : nonNegativeInt(name, 'classId', o.classId);
  return {
    name,
    stats: (yTrue, yPred) => core.tidy(() => {
      const [y, p] = classColumn(name, yTrue, yPred, classId);
      const pos = core.cast(core.greater(p, threshold), 'float32');
      const truth = core.cast(core.greater(y, 0.5), 'float32');
      const tp = core.sum(core.mul(pos, truth));
      // precision: tp / predicted positives; recall: tp / actual positives.
      return core.stack([tp, core.sum(name === 'precision' ? pos : truth)]);
    }),
    // Keras reports 0 (not NaN) when nothing was predicted / present.
    result: ([tp, den]) => (den > 0 ? tp / den : 0),
  };
}

/** tp / (tp + fp) over the epoch, predictions above `threshold` being positive (Keras's Precision). */
export const precision = (o: ThresholdMetricOptions = {}): Metric => thresholdMetric('precision', o);
/** tp / (tp + fn) over the epoch (Keras's Recall). */
export const recall = (o: ThresholdMetricOptions = {}): Metric => thresholdMetric('recall', o);

/** Options of auc. */
export interface AUCOptions {
  /** Thresholds of the confusion counts (default 200; at least 3), spread evenly over [0, 1] as Keras's. */
  numThresholds?: number;
  curve?: 'ROC' | 'PR';
}

/**
 * Area under the ROC or precision-recall curve from confusion counts at `numThresholds` thresholds
 * accumulated over the epoch (Keras's AUC with summation 'interpolation': trapezoids for ROC,
 * Davis & Goadrich interpolation for PR). Multi-label outputs are micro-averaged. It equals the exact
 * AUC when no threshold bin holds both a positive and a negative; otherwise it is within about one bin.
 */
export function auc(o: AUCOptions = {}): Metric {
  const op = 'auc';
  checkOptions(op, o, ['numThresholds', 'curve']);
  const n = positiveInt(op, 'numThresholds', o.numThresholds, 200);
  if (n < 3) throw new Error(`${op}: numThresholds must be at least 3, got ${n}`);
  const curve = oneOf(op, 'curve', o.curve, ['ROC', 'PR'] as const, 'ROC');
  const eps = 1e-7;
  const thresholds = [-eps, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + eps];
  return {
    name: 'auc',
    stats: (yTrue, yPred) => core.tidy(() => {
      const y = floatLabels(op, yTrue, yPred);
      const p = core.reshape(yPred, [yPred.size, 1]);
      const truth = core.reshape(core.cast(core.greater(y, 0.5), 'float32'), [y.size, 1]);
      const above = core.cast(core.greater(p, core.tensor(thresholds, [1, n])), 'float32');
      const tp = core.sum(core.mul(above, truth), 0);
      const predPos = core.sum(above, 0);
      const pos = core.sum(truth);
      // [tp…, fp…, fn…, tn…] per threshold.
      const fp = core.sub(predPos, tp);
      const fn = core.sub(pos, tp);
      const tn = core.sub(core.sub(core.scalar(y.size), pos), fp);
      return core.concat([tp, fp, fn, core.reshape(tn, [n])], 0);
    }),
    result: (s) => {
      const tp = s.slice(0, n), fp = s.slice(n, 2 * n), fn = s.slice(2 * n, 3 * n), tn = s.slice(3 * n, 4 * n);
      const div = (a: number, b: number): number => (b > 0 ? a / b : 0);
      let area = 0;
      if (curve === 'ROC') {
        for (let i = 0; i < n - 1; i++) {
          const x0 = div(fp[i], fp[i] + tn[i]), x1 = div(fp[i + 1], fp[i + 1] + tn[i + 1]);
          const y0 = div(tp[i], tp[i] + fn[i]), y1 = div(tp[i + 1], tp[i + 1] + fn[i + 1]);
          area += (x0 - x1) * (y0 + y1) / 2;
        }
        return area;
      }
      for (let i = 0; i < n - 1; i++) {
        const dtp = tp[i] - tp[i + 1];
        const p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1];
        const slope = div(dtp, Math.max(p0 - p1, 0));
        const intercept = tp[i + 1] - slope * p1;
        const ratio = p0 > 0 && p1 > 0 ? p0 / p1 : 1;
        area += div(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
      }
      return area;
    },
  };
}

const METRICS: Record<string, () => Metric> = {
  binaryAccuracy: () => binaryAccuracy(), categoricalAccuracy, sparseCategoricalAccuracy, mae, mse, rmse, mape, r2,
  accuracy: () => binaryAccuracy(), acc: () => binaryAccuracy(),
  binary_accuracy: () => binaryAccuracy(), categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy, meanAbsoluteError: mae, meanSquaredError: mse,
  precision: () => precision(), recall: () => recall(), auc: () => auc(), AUC: () => auc(),
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
