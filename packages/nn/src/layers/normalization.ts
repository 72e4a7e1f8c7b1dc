// The Normalization layer (Keras preprocessing): (x − mean) / sqrt(variance) per feature, with the
// statistics given or learned by `adapt()` and kept as non-trainable weights, so a saved model
// predicts from raw values.

import * as core from '@loom/core';
import { Tensor } from '@loom/core';
import type { Variable } from '../autograd/variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { shapeText } from '../util.js';
import { bool, given } from '../validate.js';
import { Layer, layerArgs, one, single, type LayerArgs, type LayerShape } from './layer.js';

/** Arguments of normalization (Keras names). */
export interface NormalizationArgs extends LayerArgs {
  /** The axis (or axes) holding separate features, each with its own mean and variance; null: one for everything. */
  axis?: number | number[] | null;
  /** Fixed statistics instead of `adapt()`: a number or one value per feature. */
  mean?: number | number[];
  variance?: number | number[];
  /** Undo the normalization: x·sqrt(variance) + mean (e.g. to map a model's output back to raw units). */
  invert?: boolean;
}

/** One batch `adapt` reads: a tensor, nested number lists, or a dataset batch ({ x, y? }) whose x is used. */
export type AdaptBatch = Tensor | number | unknown[] | { x: Tensor | unknown[]; y?: unknown };

/** What `adapt` takes: one batch of data, or an (async) iterable of batches, or a batch source. */
export type AdaptData =
  | Tensor | unknown[] | Iterable<AdaptBatch> | AsyncIterable<AdaptBatch>
  | { batches(epoch: number): Iterable<AdaptBatch> | AsyncIterable<AdaptBatch> };

// Keras's backend epsilon: the floor of the standard deviation, so a constant feature maps to 0, not NaN.
const EPSILON = 1e-7;

/** A fixed-values initializer for the given statistics. */
function valuesInit(op: string, name: string, v: number | number[], size: number): Initializer {
  return {
    name: 'constant', config: {},
    create(shape: readonly number[]): Tensor {
      const list = typeof v === 'number' ? [v] : v;
      if (list.length !== 1 && list.length !== size) {
        throw new Error(`${op}: ${name} has ${list.length} values but the layer has ${size} features (shape [${shape}]); ` +
          'give one value or one per feature');
      }
      return core.tensor(Float32Array.from({ length: size }, (_, i) => list.length === 1 ? list[0] : list[i]), shape);
    },
  };
}

function checkStat(op: string, name: string, v: unknown, nonNeg: boolean): number | number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && (!nonNeg || n >= 0);
  if (ok(v)) return v as number;
  if (Array.isArray(v) && v.length > 0 && v.every(ok)) return [...(v as number[])];
  throw new Error(`${op}: ${name} must be a finite number${nonNeg ? ' >= 0' : ''} or a non-empty list of them, got ${given(v)}`);
}

/** Flattens nested number lists into values and shape, refusing ragged or non-numeric data. */
function flattenNested(op: string, data: unknown): { values: Float64Array; shape: number[] } {
  const shape: number[] = [];
  for (let d: unknown = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const out: number[] = [];
  const walk = (d: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof d !== 'number') throw new Error(`${op}: data must hold numbers, got ${given(d)}`);
      out.push(d);
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[depth]) throw new Error(`${op}: data is ragged (not a rectangular array of numbers)`);
    for (const e of d) walk(e, depth + 1);
  };
  walk(data, 0);
  return { values: Float64Array.from(out), shape };
}

/** Normalizes features with a mean and variance per feature: (x − mean) / sqrt(variance). Weights mean, variance, count. */
export class Normalization extends Layer {
  readonly className = 'Normalization';
  protected override readonly supportsMasking = true;
  /** The axes given (as written; resolved against the input rank on build). */
  readonly axis: number[] | null;
  readonly invert: boolean;
  private readonly givenMean?: number | number[];
  private readonly givenVariance?: number | number[];
  private keep: number[] = [];
  private rank = 0;
  mean!: Variable;
  variance!: Variable;
  count!: Variable;

  constructor(args: NormalizationArgs = {}) {
    const op = 'normalization';
    const a = layerArgs(op, args, ['axis', 'mean', 'variance', 'invert']);
    super(a);
    const ax: unknown = a.axis === undefined ? -1 : a.axis;
    const ints = (v: unknown) => Number.isSafeInteger(v) && v !== 0;
    if (ax === null) this.axis = null;
    else if (ints(ax)) this.axis = [ax as number];
    else if (Array.isArray(ax) && ax.every(ints) && new Set(ax).size === ax.length) this.axis = [...ax];
    else throw new Error(`${op}: axis must be a non-zero integer (axis 0 is the batch), a list of distinct ones, or null, got ${given(ax)}`);
    this.givenMean = checkStat(op, 'mean', a.mean, false);
    this.givenVariance = checkStat(op, 'variance', a.variance, true);
    if ((this.givenMean === undefined) !== (this.givenVariance === undefined)) {
      throw new Error(`${op}: give both mean and variance, or neither (and call adapt()); got only ${this.givenMean === undefined ? 'variance' : 'mean'}`);
    }
    this.invert = bool(op, 'invert', a.invert, false);
  }

  /** The feature axes for an input of `shape` (sorted, non-negative), checked to be known. */
  private featureAxes(s: LayerShape): number[] {
    const r = s.length;
    if (this.axis === null) return [];
    const axes = this.axis.map((a) => (a < 0 ? a + r : a));
    for (const [i, a] of axes.entries()) {
      if (a < 1 || a >= r) throw new Error(`${this.name}: axis ${this.axis[i]} is out of range for input ${shapeText(s)} (rank ${r}, batch axis 0 excluded)`);
      if (s[a] === null) throw new Error(`${this.name}: the feature axis ${this.axis[i]} of input ${shapeText(s)} must have a known size`);
    }
    return [...axes].sort((x, y) => x - y);
  }

  build(s: LayerShape | LayerShape[]): void {
    const sh = single(this.name, s);
    this.keep = this.featureAxes(sh);
    this.rank = sh.length;
    const shape = this.keep.map((a) => sh[a] as number);
    const size = shape.reduce((x, y) => x * y, 1);
    const init = (name: string, v: number | number[] | undefined, dflt: string) =>
      v === undefined ? getInitializer(dflt, dflt) : valuesInit(this.name, name, v, size);
    this.mean = this.addWeight('mean', shape, init('mean', this.givenMean, 'zeros'), false);
    this.variance = this.addWeight('variance', shape, init('variance', this.givenVariance, 'ones'), false);
    this.count = this.addWeight('count', [], getInitializer('zeros', 'zeros'), false);
  }

  /**
   * Learns the mean and (population) variance of each feature from all samples of `data`, exactly
   * (float64 streaming sums on the host, read with `await t.data()`), replacing earlier statistics as
   * Keras does. Tensors yielded by an iterable belong to adapt and are disposed; a tensor passed
   * directly stays the caller's.
   */
  async adapt(data: AdaptData): Promise<void> {
    if (this.givenMean !== undefined) throw new Error(`${this.name}: adapt() cannot be used when mean and variance were given`);
    let n = 0;
    let mean: Float64Array | undefined;
    let m2: Float64Array | undefined;
    const add = async (batch: unknown, owned: boolean): Promise<void> => {
      const { values, shape } = await this.readBatch(batch, owned);
      if (!this.built) this.ensureBuilt([null, ...shape.slice(1)]);
      const want = this.mean.shape;
      if (shape.length !== this.rank || this.keep.some((a, i) => shape[a] !== want[i])) {
        throw new Error(`${this.name}: adapt data of shape ${shapeText(shape)} does not fit the layer, built for rank ${this.rank} ` +
          `with features [${want}] on axes [${this.keep}]`);
      }
      const f = want.reduce((x, y) => x * y, 1);
      if (values.length === 0) return;
      // Feature index of each element: its coordinates on the feature axes, row-major.
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((x, y) => x * y, 1));
      const featStrides = this.keep.map((_, i) => want.slice(i + 1).reduce((x, y) => x * y, 1));
      const bSum = new Float64Array(f);
      const idx = new Int32Array(values.length);
      for (let e = 0; e < values.length; e++) {
        let fi = 0;
        this.keep.forEach((a, i) => { fi += Math.floor(e / strides[a]) % shape[a] * featStrides[i]; });
        idx[e] = fi;
        bSum[fi] += values[e];
      }
      const nb = values.length / f;
      const bMean = bSum.map((s) => s / nb);
      const bM2 = new Float64Array(f);
      for (let e = 0; e < values.length; e++) bM2[idx[e]] += (values[e] - bMean[idx[e]]) ** 2;
      if (!mean || !m2) {
        mean = bMean;
        m2 = bM2;
      } else {
        // Chan et al.'s pairwise update: exact for any split of the samples into batches.
        for (let i = 0; i < f; i++) {
          const d = bMean[i] - mean[i];
          mean[i] += (d * nb) / (n + nb);
          m2[i] += bM2[i] + (d * d * n * nb) / (n + nb);
        }
      }
      n += nb;
    };
    if (data instanceof Tensor || Array.isArray(data)) await add(data, false);
    else {
      const source = typeof data === 'object' && data !== null && typeof (data as { batches?: unknown }).batches === 'function'
        ? (data as { batches(e: number): Iterable<AdaptBatch> | AsyncIterable<AdaptBatch> }).batches(0) : data;
      const iterable = source !== null && typeof source === 'object' &&
        (Symbol.asyncIterator in source || Symbol.iterator in source);
      if (!iterable) {
        throw new Error(`${this.name}: adapt takes a Tensor, a nested number array, or an (async) iterable of batches, got ${given(data)}`);
      }
      for await (const batch of source as AsyncIterable<AdaptBatch>) await add(batch, true);
    }
    if (!mean || !m2 || n === 0) throw new Error(`${this.name}: adapt got no samples`);
    const shape = this.mean.shape;
    const total = n;
    core.tidy(() => {
      this.mean.assign(core.tensor(Float32Array.from(mean!), shape));
      this.variance.assign(core.tensor(Float32Array.from(m2!, (v) => v / total), shape));
      this.count.assign(core.tensor(Float32Array.of(total), []));
    });
  }

  /** A batch's values (float64) and shape; tensors adapt owns are disposed after reading. */
  private async readBatch(batch: unknown, owned: boolean): Promise<{ values: Float64Array; shape: number[] }> {
    if (batch instanceof Tensor) {
      const shape = [...batch.shape];
      try {
        return { values: Float64Array.from(await batch.data() as ArrayLike<number>), shape };
      } finally {
        if (owned) batch.dispose();
      }
    }
    if (Array.isArray(batch)) {
      const r = flattenNested(this.name, batch);
      if (r.shape.length === 0) throw new Error(`${this.name}: adapt data must have a batch axis, got an empty list`);
      return r;
    }
    if (batch !== null && typeof batch === 'object' && 'x' in batch) {
      const { x, y } = batch as { x: unknown; y?: unknown };
      if (owned && y instanceof Tensor) y.dispose();
      return this.readBatch(x, owned);
    }
    throw new Error(`${this.name}: each adapt batch must be a Tensor, a nested number array or { x }, got ${given(batch)}`);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this.name, inputs);
    if (x.rank !== this.rank || this.keep.some((a, i) => x.shape[a] !== this.mean.shape[i])) {
      throw new Error(`${this.name}: expected input of rank ${this.rank} with features [${this.mean.shape}] on axes [${this.keep}], ` +
        `got ${shapeText([...x.shape])}`);
    }
    return core.tidy(() => {
      // The statistics broadcast over the non-feature axes.
      const bshape = x.shape.map((d, i) => (this.keep.includes(i) ? d : 1));
      const mean = core.reshape(this.mean.value, bshape);
      const std = core.maximum(core.sqrt(core.reshape(this.variance.value, bshape)), EPSILON);
      return this.invert ? core.add(core.mul(x, std), mean) : core.div(core.sub(x, mean), std);
    });
  }

  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const sh = single(this.name, s);
    this.featureAxes(sh);
    return sh;
  }

  getConfig(): Record<string, unknown> {
    return {
      axis: this.axis === null ? null : this.axis.length === 1 ? this.axis[0] : this.axis, invert: this.invert,
      ...(this.givenMean !== undefined ? { mean: this.givenMean, variance: this.givenVariance } : {}),
    };
  }
}
