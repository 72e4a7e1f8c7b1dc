// What the worker trains with: the windows of a dataset (normalized with training statistics,
// windowed on the host by timeseriesDataset), the naive forecast, and one training step that
// also reports the gradient norm of every layer — backpropagation made visible.
import * as loom from '@loom/core';
import {
  chronologicalSplit, losses, Normalizer, optimizers, timeseriesDataset, variableGrads, type LossFn, type Optimizer, type Sequential,
  type TimeseriesDataset,
} from '@loom/nn';
import type { LoadedSeries } from './datasets.js';
import type { LossChoice, OptimizerChoice, TrainSettings } from './train-settings.js';

export interface PreparedData {
  features: number;
  featureNames: string[];
  targetIndex: number;
  /** Target statistics, to show forecasts in the data's units. */
  targetMean: number;
  targetStd: number;
  train: TimeseriesDataset;
  /** Validation windows as tensors (on the active backend) and their normalized targets on the host. */
  valX: loom.Tensor;
  valTruth: Float32Array;
  valNaive: Float32Array;
  /** MSE of the naive forecast (the last observed value) on validation, normalized units. */
  naiveMse: number;
  trainWindows: number;
  /** Time labels of the validation targets. */
  valTime: string[];
}

/** Series → normalized windows. The split comes first, so validation statistics never leak into training. */
export function prepareData(series: LoadedSeries, s: TrainSettings): PreparedData {
  const names = series.info.columns;
  const F = names.length;
  const n = Math.min(s.rows, series.time.length);
  const rows = Array.from({ length: n }, (_, t) => names.map((c) => series.columns[c][t]));
  const split = chronologicalSplit(rows, { train: 0.8, validation: 0.2 });
  const norm = new Normalizer().fit(split.train);
  const { mean, std } = norm.stats;
  const z = (part: number[][]) => part.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  const ti = names.indexOf(s.target);
  const windows = (part: number[][], shuffle: boolean) => {
    const zp = z(part);
    const need = s.window + s.horizon;
    if (zp.length < need + 1) throw new Error(`Train: ${zp.length} steps are too few for a window of ${s.window} and a horizon of ${s.horizon}; use more rows`);
    // Window k covers steps k..k+L-1; its target is the target column at step k+L-1+h.
    const targets = zp.slice(s.window - 1 + s.horizon).map((r) => [r[ti]]);
    const data = zp.slice(0, zp.length - s.horizon);
    const ds = timeseriesDataset(data, targets, { sequenceLength: s.window, batchSize: s.batchSize, shuffle, seed: s.seed });
    return { ds, zp };
  };
  const tr = windows(split.train, true);
  const va = windows(split.validation, false);
  const starts = va.ds.windowStarts;
  const valTruth = Float32Array.from(starts, (k) => va.zp[k + s.window - 1 + s.horizon][ti]);
  const valNaive = Float32Array.from(starts, (k) => va.zp[k + s.window - 1][ti]);
  const offset = split.bounds.validation[0];
  return {
    features: F, featureNames: names, targetIndex: ti, targetMean: mean[ti], targetStd: std[ti],
    train: tr.ds, valX: va.ds.toTensors().x, valTruth, valNaive, naiveMse: mse(valNaive, valTruth),
    trainWindows: tr.ds.size, valTime: starts.map((k) => series.time[offset + k + s.window - 1 + s.horizon]),
  };
}

export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

export function lossFunction(l: LossChoice): LossFn {
  return { mse: losses.meanSquaredError, halfMse: losses.halfMeanSquaredError, mae: losses.meanAbsoluteError, huber: losses.huber }[l];
}

export function makeOptimizer(o: OptimizerChoice, learningRate: number): Optimizer {
  return optimizers[o]({ learningRate });
}

export interface StepResult {
  loss: number;
  /** ‖∂loss/∂w‖ over each layer's weights, by layer name (layers without weights left out). */
  gradNorms: Record<string, number>;
}

/** One optimizer step on a batch; one read brings back the loss and every layer's gradient norm. */
export async function trainStep(model: Sequential, optimizer: Optimizer, loss: LossFn, x: loom.Tensor, y: loom.Tensor): Promise<StepResult> {
  const { value, grads } = variableGrads(() => loss(y, model.call(x, true) as loom.Tensor), model.trainableWeights);
  const withWeights = model.layers.filter((l) => l.trainableWeights.length > 0);
  const packed = loom.tidy(() => {
    const norms = withWeights.map((l) => loom.sqrt(l.trainableWeights.map((w) => loom.sum(loom.square(grads.get(w)!))).reduce((a, b) => loom.add(a, b))));
    return loom.concat([loom.reshape(value, [1]), ...norms.map((t) => loom.reshape(t, [1]))]);
  });
  optimizer.applyGradients(grads);
  const values = (await packed.data()) as Float32Array;
  loom.dispose([value, packed, ...grads.values()]);
  const gradNorms: Record<string, number> = {};
  withWeights.forEach((l, i) => { gradNorms[l.name] = values[i + 1]; });
  return { loss: values[0], gradNorms };
}
