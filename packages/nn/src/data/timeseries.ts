// Sliding windows over a time series, as Keras' timeseries_dataset_from_array: the everyday first
// step of forecasting or classifying process data.

import { SeededRandom, tensor, type Tensor } from '@loom/core';
import { toHostSeries, toHostSeriesAsync, type HostSeries, type SeriesLike } from './host-array.js';

/** Options of `timeseriesDataset` (Keras names and defaults). */
export interface TimeseriesOptions {
  /** Steps per window. */
  sequenceLength: number;
  /** Steps between the starts of consecutive windows (default 1). */
  sequenceStride?: number;
  /** Steps between samples inside a window (default 1). */
  samplingRate?: number;
  /** Windows per batch (default 128). */
  batchSize?: number;
  /** Shuffle window order (default false); the order is reproducible with `seed`. */
  shuffle?: boolean;
  seed?: number;
  /** Only use steps in [startIndex, endIndex) (defaults: the whole series). */
  startIndex?: number;
  endIndex?: number;
}

/** One batch: windows `x` [batch, sequenceLength, ...features] and their targets `y`. */
export interface WindowBatch {
  x: Tensor;
  y?: Tensor;
}

/** Windows of a series, batched. Tensors it yields belong to the caller (dispose them). */
export interface TimeseriesDataset extends Iterable<WindowBatch> {
  /** Number of windows. */
  readonly size: number;
  /** Number of batches. */
  readonly numBatches: number;
  /** Start index (into the series) of each window, in dataset order. */
  readonly windowStarts: readonly number[];
  /** Batches in order; with `shuffle`, `epoch` picks a new reproducible order. */
  batches(epoch?: number): IterableIterator<WindowBatch>;
  /** All windows as one tensor pair, e.g. for `model.fit(x, y)`. */
  toTensors(): WindowBatch;
}

function checkInt(op: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Windows over `data` (first axis = time). `targets[i]` is the target of the window starting at
 * step i (so for one-step-ahead forecasting pass the series shifted by `sequenceLength`), or null
 * for windows alone.
 */
export function timeseriesDataset(data: SeriesLike, targets: SeriesLike | null, options: TimeseriesOptions): TimeseriesDataset {
  const op = 'timeseriesDataset';
  const target = targets === null || targets === undefined ? undefined : toHostSeries(op, 'targets', targets);
  return windowsOf(op, toHostSeries(op, 'data', data), target, options);
}

/** As `timeseriesDataset`, reading tensors with `await t.data()`: works on every backend (webgpu included). */
export async function timeseriesDatasetAsync(data: SeriesLike, targets: SeriesLike | null, options: TimeseriesOptions): Promise<TimeseriesDataset> {
  const op = 'timeseriesDatasetAsync';
  const series = await toHostSeriesAsync(op, 'data', data);
  const target = targets === null || targets === undefined ? undefined : await toHostSeriesAsync(op, 'targets', targets);
  return windowsOf(op, series, target, options);
}

function windowsOf(op: string, series: HostSeries, target: HostSeries | undefined, options: TimeseriesOptions): TimeseriesDataset {
  const {
    sequenceLength, sequenceStride = 1, samplingRate = 1, batchSize = 128, shuffle = false, seed = 0,
    startIndex = 0, endIndex = series.steps,
  } = options;
  checkInt(op, 'sequenceLength', sequenceLength, 1);
  checkInt(op, 'sequenceStride', sequenceStride, 1);
  checkInt(op, 'samplingRate', samplingRate, 1);
  checkInt(op, 'batchSize', batchSize, 1);
  checkInt(op, 'startIndex', startIndex, 0);
  checkInt(op, 'endIndex', endIndex, startIndex);
  if (endIndex > series.steps) throw new Error(`${op}: endIndex ${endIndex} is past the end of the series (${series.steps} steps)`);
  for (let i = 0; i < series.values.length; i++) {
    if (!Number.isFinite(series.values[i])) {
      throw new Error(`${op}: data holds a non-finite value (${series.values[i]}) at step ${Math.floor(i / Math.max(series.rowSize, 1))}; clean or impute it first`);
    }
  }
  const span = (sequenceLength - 1) * samplingRate + 1;
  const starts: number[] = [];
  for (let s = startIndex; s + span <= endIndex; s += sequenceStride) starts.push(s);
  if (target && target.steps < (starts.length ? starts[starts.length - 1] + 1 : 0)) {
    throw new Error(`${op}: targets has ${target.steps} steps but windows start up to step ${starts[starts.length - 1]}; targets[i] is the target of the window starting at i`);
  }
  return makeDataset(series, target, starts, { sequenceLength, samplingRate, batchSize, shuffle, seed });
}

function makeDataset(
  series: HostSeries, target: HostSeries | undefined, starts: number[],
  o: { sequenceLength: number; samplingRate: number; batchSize: number; shuffle: boolean; seed: number },
): TimeseriesDataset {
  const order = (epoch: number): number[] => {
    const idx = starts.map((_, i) => i);
    if (!o.shuffle) return idx;
    const rng = new SeededRandom(o.seed * 1_000_003 + epoch);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx;
  };
  const build = (windowIdx: number[]): WindowBatch => {
    const n = windowIdx.length;
    const xs = new Float32Array(n * o.sequenceLength * series.rowSize);
    let k = 0;
    for (const w of windowIdx) {
      for (let j = 0; j < o.sequenceLength; j++) {
        const step = starts[w] + j * o.samplingRate;
        xs.set(series.values.subarray(step * series.rowSize, (step + 1) * series.rowSize), k);
        k += series.rowSize;
      }
    }
    const x = tensor(xs, [n, o.sequenceLength, ...series.rowShape]);
    if (!target) return { x };
    const ys = new Float32Array(n * target.rowSize);
    windowIdx.forEach((w, i) => ys.set(target.values.subarray(starts[w] * target.rowSize, (starts[w] + 1) * target.rowSize), i * target.rowSize));
    return { x, y: tensor(ys, [n, ...target.rowShape]) };
  };
  const numBatches = Math.ceil(starts.length / o.batchSize);
  function* batches(epoch = 0): IterableIterator<WindowBatch> {
    const idx = order(epoch);
    for (let b = 0; b < numBatches; b++) yield build(idx.slice(b * o.batchSize, (b + 1) * o.batchSize));
  }
  const firstOrder = order(0);
  return {
    size: starts.length,
    numBatches,
    windowStarts: firstOrder.map((i) => starts[i]),
    batches,
    [Symbol.iterator]: () => batches(0),
    toTensors: () => build(firstOrder),
  };
}
