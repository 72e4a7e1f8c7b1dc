// Per-feature standardization: fit mean and standard deviation on the training data only, then
// apply the same transform to validation, test and live data.

import { Tensor, div, mul, add, sub, tensor, tidy } from '@loom/core';
import { toHostSeries, toHostSeriesAsync, type HostSeries, type SeriesLike } from './host-array.js';

/** The fitted statistics, for saving next to a model. */
export interface NormalizerState {
  mean: number[];
  std: number[];
}

/** Standardizes each feature (the last axis) to mean 0 and standard deviation 1. */
export class Normalizer {
  private state: NormalizerState | undefined;

  /** Learns mean and std per feature from `data` ([steps, ...features]); constant features get std 1. */
  fit(data: SeriesLike): this {
    return this.fitHost('Normalizer.fit', toHostSeries('Normalizer.fit', 'data', data));
  }

  /** As `fit`, reading a tensor with `await t.data()`: works on every backend (webgpu included). */
  async fitAsync(data: SeriesLike): Promise<this> {
    return this.fitHost('Normalizer.fitAsync', await toHostSeriesAsync('Normalizer.fitAsync', 'data', data));
  }

  private fitHost(op: string, s: HostSeries): this {
    const features = s.rowShape.length ? s.rowShape[s.rowShape.length - 1] : 1;
    const count = s.values.length / features;
    if (count === 0) throw new Error(`${op}: data is empty`);
    const mean = new Float64Array(features);
    const sq = new Float64Array(features);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) throw new Error(`${op}: data holds a non-finite value (${v}) at index ${i}`);
      mean[i % features] += v;
    }
    for (let f = 0; f < features; f++) mean[f] /= count;
    for (let i = 0; i < s.values.length; i++) sq[i % features] += (s.values[i] - mean[i % features]) ** 2;
    // NOTE: a constant feature would divide by 0; std 1 leaves it centred instead of NaN.
    const std = Array.from(sq, (v) => Math.sqrt(v / count) || 1);
    this.state = { mean: Array.from(mean), std };
    return this;
  }

  /** The fitted statistics (throws before fit). */
  get stats(): NormalizerState {
    if (!this.state) throw new Error('Normalizer: call fit(trainingData) first');
    return { mean: [...this.state.mean], std: [...this.state.std] };
  }

  /** (x − mean) / std, broadcasting over the last axis. */
  transform(x: Tensor): Tensor {
    const { mean, std } = this.checked(x, 'transform');
    return tidy(() => div(sub(x, tensor(mean)), tensor(std)));
  }

  /** x · std + mean: back to the original units (e.g. for forecasts). */
  inverseTransform(x: Tensor): Tensor {
    const { mean, std } = this.checked(x, 'inverseTransform');
    return tidy(() => add(mul(x, tensor(std)), tensor(mean)));
  }

  toJSON(): NormalizerState {
    return this.stats;
  }

  /** Restores a normalizer saved with `toJSON()`. */
  static fromJSON(state: NormalizerState): Normalizer {
    if (!state || !Array.isArray(state.mean) || !Array.isArray(state.std) || state.mean.length !== state.std.length ||
        state.std.some((v) => !(v > 0))) {
      throw new Error('Normalizer.fromJSON: expected { mean: number[], std: number[] } of equal length with positive std');
    }
    const n = new Normalizer();
    n.state = { mean: [...state.mean], std: [...state.std] };
    return n;
  }

  private checked(x: Tensor, op: string): NormalizerState {
    const s = this.stats;
    const last = x.rank === 0 ? 1 : x.shape[x.rank - 1];
    if (s.mean.length !== 1 && last !== s.mean.length) {
      throw new Error(`Normalizer.${op}: the last dim of [${x.shape.join(',')}] is ${last}, but the normalizer was fit on ${s.mean.length} features`);
    }
    return s;
  }
}

/** A new, unfitted normalizer. */
export function normalizer(): Normalizer {
  return new Normalizer();
}
