// Training batches from data that is not one in-memory tensor pair: arrays/tensors batched and
// shuffled per epoch, and CSV logs streamed in chunks and windowed without holding the whole file.

import { gather, SeededRandom, Tensor, tensor } from '@loom/core';
import { checkOptions, given, nonNegativeInt, positiveInt } from '../validate.js';
import { toHostSeries, type SeriesLike } from './host-array.js';
import { Normalizer } from './normalizer.js';
import {
  columnNames, csvRecords, DEFAULT_NA, missingPolicy, numberCell, resolveColumns, type CsvSource, type MissingPolicy,
} from './csv.js';

// Structurally the `Batch`/`BatchSource` that fit consumes (packages/nn/src/models/fit.ts).
/** One training batch; its tensors belong to the consumer (fit/evaluate dispose them). */
export interface Batch {
  x: Tensor | Tensor[];
  y: Tensor | Tensor[];
  sampleWeight?: Tensor;
}

/** A re-iterable source of batches: `batches(epoch)` is called once per epoch. */
export interface BatchSource<B = Batch> {
  batches(epoch: number): Iterable<B> | AsyncIterable<B>;
}

/** Options of `batchDataset`. */
export interface BatchDatasetOptions {
  /** Samples per batch (default 32); the last batch may be smaller. */
  batchSize?: number;
  /** A new sample order every epoch (default false), reproducible with `seed`. */
  shuffle?: boolean;
  seed?: number;
}

/** In-memory samples as batches; `dispose()` frees the tensors it made from arrays. */
export interface BatchDataset extends BatchSource {
  readonly size: number;
  readonly numBatches: number;
  /** Sample indices of `epoch`, in the order they are batched. */
  order(epoch: number): number[];
  batches(epoch?: number): IterableIterator<Batch>;
  dispose(): void;
}

type Samples = SeriesLike | Tensor[];

/** A seeded Fisher–Yates order; each (seed, epoch) pair gives its own permutation. */
export function shuffledOrder(n: number, seed: number, epoch: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRandom(seed * 1_000_003 + epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/**
 * Batches of samples (first axis) of `x` and `y` — tensors, lists of tensors (multi-input/output) or
 * arrays. Batches are gathered on the backend, so webgpu tensors stay on the GPU.
 */
export function batchDataset(x: Samples, y: Samples, options: BatchDatasetOptions = {}): BatchDataset {
  const op = 'batchDataset';
  checkOptions(op, options, ['batchSize', 'shuffle', 'seed']);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize, 32);
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') throw new Error(`${op}: shuffle must be true or false, got ${given(shuffle)}`);
  const seed = nonNegativeInt(op, 'seed', options.seed, 0);
  const owned: Tensor[] = [];
  const asTensors = (what: string, v: Samples): Tensor[] => {
    const list = Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof Tensor) ? (v as Tensor[]) : [v as SeriesLike];
    return list.map((t) => {
      if (t instanceof Tensor) {
        if (t.isDisposed) throw new Error(`${op}: ${what} is a disposed tensor`);
        if (t.rank === 0) throw new Error(`${op}: ${what} is a scalar; samples need a first axis`);
        return t;
      }
      const h = toHostSeries(op, what, t);
      const made = tensor(h.values, [h.steps, ...h.rowShape]);
      owned.push(made);
      return made;
    });
  };
  const xs = asTensors('x', x);
  const ys = asTensors('y', y);
  const n = xs[0].shape[0];
  for (const [what, list] of [['x', xs], ['y', ys]] as const) {
    list.forEach((t, i) => {
      if (t.shape[0] !== n) {
        owned.forEach((o) => o.dispose());
        throw new Error(`${op}: ${what}${list.length > 1 ? `[${i}]` : ''} has ${t.shape[0]} samples but x has ${n}; every input and target needs one row per sample`);
      }
    });
  }
  const numBatches = Math.ceil(n / batchSize);
  const order = (epoch: number): number[] => (shuffle ? shuffledOrder(n, seed, epoch) : Array.from({ length: n }, (_, i) => i));
  const pick = (list: Tensor[], idx: Tensor): Tensor | Tensor[] => {
    const out = list.map((t) => gather(t, idx));
    return out.length === 1 ? out[0] : out;
  };
  function* batches(epoch = 0): IterableIterator<Batch> {
    if (owned.some((t) => t.isDisposed)) throw new Error(`${op}: the dataset was disposed`);
    const ord = order(epoch);
    for (let b = 0; b < numBatches; b++) {
      const idx = tensor(Int32Array.from(ord.slice(b * batchSize, (b + 1) * batchSize)), undefined, 'int32');
      try {
        yield { x: pick(xs, idx), y: pick(ys, idx) };
      } finally {
        idx.dispose();
      }
    }
  }
  return { size: n, numBatches, order, batches, dispose: () => owned.forEach((t) => t.dispose()) };
}

/** Options of `csvBatches`. */
export interface CsvBatchOptions {
  /** Input columns, by name or index. */
  features: readonly (string | number)[];
  /** Target columns; omit for inputs alone (e.g. to predict). */
  targets?: readonly (string | number)[];
  /** Steps per window; omit for one sample per row ([batch, features]). */
  sequenceLength?: number;
  /** Steps between window starts (default 1). */
  sequenceStride?: number;
  /** Steps between samples inside a window (default 1). */
  samplingRate?: number;
  /**
   * Steps from a window's start to the row its target is read from; default `sequenceLength`, the step
   * right after the window (one-step-ahead forecasting), or 0 without windows (the row itself).
   */
  targetOffset?: number;
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Only use data rows in [startIndex, endIndex) — e.g. the training part of a log (by time). */
  startIndex?: number;
  endIndex?: number;
  header?: boolean;
  names?: string[];
  delimiter?: string;
  /** 'error' (default), 'drop' (skip the row) or { fill }; counted per column in `missing` after a pass. */
  missing?: MissingPolicy;
  naValues?: string[];
  /** Characters read per chunk (default 1 MiB). */
  chunkSize?: number;
  /** Standardizes the features with these fitted statistics (e.g. fit on the loaded training part). */
  normalizer?: Normalizer;
  /** Standardizes the targets likewise. */
  targetNormalizer?: Normalizer;
  /**
   * Shuffles within a buffer of this many samples (as tf.data's shuffle; default 0, in order): memory
   * stays bounded, and a buffer at least the sample count shuffles fully. Reproducible per seed and epoch.
   */
  shuffleBuffer?: number;
  seed?: number;
}

interface Sample { x: Float32Array; y: Float32Array | undefined }

/** Batches streamed from a CSV; each epoch reads the source again. With `targets` its batches are `Batch`es for fit. */
export interface CsvBatchSource<B extends { x: Tensor; y?: Tensor } = { x: Tensor; y?: Tensor }> extends BatchSource<B> {
  batches(epoch?: number): AsyncIterableIterator<B>;
  /** Missing values per loaded column found by the last complete pass. */
  readonly missing: Record<string, number>;
  /** Samples the last complete pass produced. */
  readonly size: number | undefined;
}

const BATCH_OPTIONS = [
  'features', 'targets', 'sequenceLength', 'sequenceStride', 'samplingRate', 'targetOffset', 'batchSize', 'startIndex',
  'endIndex', 'header', 'names', 'delimiter', 'missing', 'naValues', 'chunkSize', 'normalizer', 'targetNormalizer',
  'shuffleBuffer', 'seed',
];

// Per-column mean and std of a fitted normalizer, checked against the column count.
function scaling(op: string, name: string, n: Normalizer | undefined, count: number): { mean: number[]; std: number[] } | undefined {
  if (n === undefined) return undefined;
  if (!(n instanceof Normalizer)) throw new Error(`${op}: ${name} must be a fitted Normalizer, got ${given(n)}`);
  const { mean, std } = n.stats;
  if (mean.length !== 1 && mean.length !== count) {
    throw new Error(`${op}: ${name} was fit on ${mean.length} features but ${count} columns are ${name === 'normalizer' ? 'features' : 'targets'}`);
  }
  return mean.length === count ? { mean, std } : { mean: Array(count).fill(mean[0]), std: Array(count).fill(std[0]) };
}

/**
 * Streams training batches from a CSV log: reads it chunk by chunk, keeps only the rows the windows
 * still need, and yields the same windows `timeseriesDataset` makes from the loaded series.
 */
export function csvBatches(source: CsvSource, options: CsvBatchOptions & { targets: readonly (string | number)[] }): CsvBatchSource<{ x: Tensor; y: Tensor }>;
export function csvBatches(source: CsvSource, options: CsvBatchOptions): CsvBatchSource;
export function csvBatches(source: CsvSource, options: CsvBatchOptions): CsvBatchSource {
  const op = 'csvBatches';
  if (!options) throw new Error(`${op}: options with features are required`);
  checkOptions(op, options, BATCH_OPTIONS);
  if (!Array.isArray(options.features)) throw new Error(`${op}: features must be a list of column names or indices, got ${given(options.features)}`);
  const featureScale = scaling(op, 'normalizer', options.normalizer, options.features.length);
  const targetScale = options.targets === undefined ? undefined : scaling(op, 'targetNormalizer', options.targetNormalizer, options.targets.length);
  const windowed = options.sequenceLength !== undefined;
  const L = windowed ? positiveInt(op, 'sequenceLength', options.sequenceLength) : 1;
  const stride = positiveInt(op, 'sequenceStride', options.sequenceStride, 1);
  const rate = positiveInt(op, 'samplingRate', options.samplingRate, 1);
  const offset = nonNegativeInt(op, 'targetOffset', options.targetOffset, windowed ? L : 0);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize, 32);
  const startIndex = nonNegativeInt(op, 'startIndex', options.startIndex, 0);
  const endIndex = options.endIndex === undefined ? Infinity : nonNegativeInt(op, 'endIndex', options.endIndex);
  if (endIndex < startIndex) throw new Error(`${op}: endIndex (${endIndex}) is before startIndex (${startIndex})`);
  const header = options.header ?? true;
  if (typeof header !== 'boolean') throw new Error(`${op}: header must be true or false, got ${given(header)}`);
  const policy = missingPolicy(op, options.missing, ['error', 'drop']);
  const na = new Set(options.naValues ?? DEFAULT_NA);
  const chunkSize = positiveInt(op, 'chunkSize', options.chunkSize, 1 << 20);
  const span = (L - 1) * rate + 1;
  const hasY = options.targets !== undefined;
  // Rows a window needs from its start: its own span and its target row.
  const need = Math.max(span, hasY ? offset + 1 : 0);
  const shuffleBuffer = nonNegativeInt(op, 'shuffleBuffer', options.shuffleBuffer, 0);
  const seed = nonNegativeInt(op, 'seed', options.seed, 0);
  let lastMissing: Record<string, number> = {};
  let lastSize: number | undefined;

  async function* batches(epoch = 0): AsyncIterableIterator<{ x: Tensor; y?: Tensor }> {
    const rng = new SeededRandom(seed * 1_000_003 + epoch);
    const pool: Sample[] = [];
    let fIdx: number[] = [];
    let tIdx: number[] = [];
    let names: string[] | undefined;
    const cols: number[] = [];
    const missing: Record<string, number> = {};
    const F = options.features?.length ?? 0;
    const T = options.targets?.length ?? 0;
    // Rows kept for windows still to come: `buf` holds rows [bufStart, bufStart + bufLen) of the kept series.
    let buf = new Float32Array(Math.max(need, 1) * (F + T) * 2);
    let bufStart = 0;
    let bufLen = 0;
    let nextStart = 0;
    let step = 0; // kept-series index of the next row
    let produced = 0;
    let bx: number[] = [];
    let by: number[] = [];
    let count = 0;
    const width = (): number => F + T;
    const add = (smp: Sample): number => {
      for (let i = 0; i < smp.x.length; i++) bx.push(smp.x[i]);
      if (smp.y) for (let i = 0; i < smp.y.length; i++) by.push(smp.y[i]);
      return ++count;
    };
    const flush = (): { x: Tensor; y?: Tensor } => {
      const x = tensor(Float32Array.from(bx), windowed ? [count, L, F] : [count, F]);
      const out = hasY ? { x, y: tensor(Float32Array.from(by), [count, T]) } : { x };
      produced += count;
      bx = [];
      by = [];
      count = 0;
      return out;
    };
    const row = new Float32Array(F + T);
    let dataRow = 0;
    for await (const records of csvRecords(op, source, options.delimiter, chunkSize)) {
      let r0 = 0;
      if (!names) {
        names = columnNames(op, records[0], header, options.names);
        fIdx = resolveColumns(op, 'features', names, options.features);
        tIdx = hasY ? resolveColumns(op, 'targets', names, options.targets!) : [];
        cols.push(...fIdx, ...tIdx);
        for (const c of cols) missing[names[c]] = 0;
        if (header) r0 = 1;
      }
      for (let r = r0; r < records.length; r++, dataRow++) {
        if (dataRow < startIndex || dataRow >= endIndex) continue;
        const rec = records[r];
        if (rec.length > names.length) throw new Error(`${op}: row ${dataRow} has ${rec.length} fields but there are ${names.length} columns`);
        let skip = false;
        for (let c = 0; c < cols.length; c++) {
          const name = names[cols[c]];
          let v = numberCell(op, rec[cols[c]], na, name, dataRow);
          if (Number.isNaN(v)) {
            missing[name]++;
            if (policy === 'error') throw new Error(`${op}: column '${name}' has a missing value at row ${dataRow}; set missing to 'drop' or { fill: number }`);
            if (policy === 'drop') skip = true;
            else v = (policy as { fill: number }).fill;
          }
          // Columns are the features, then the targets.
          const scale = c < F ? featureScale : targetScale;
          const k = c < F ? c : c - F;
          row[c] = scale ? (v - scale.mean[k]) / scale.std[k] : v;
        }
        if (skip) continue;
        // Append the row; compact or grow the buffer when full.
        if ((bufLen + 1) * width() > buf.length) {
          const drop = Math.min(nextStart - bufStart, bufLen);
          if (drop > 0) {
            buf.copyWithin(0, drop * width(), bufLen * width());
            bufStart += drop;
            bufLen -= drop;
          }
          if ((bufLen + 1) * width() > buf.length) {
            const bigger = new Float32Array(buf.length * 2);
            bigger.set(buf);
            buf = bigger;
          }
        }
        buf.set(row, bufLen * width());
        bufLen++;
        step++;
        // Every window whose rows (and target row) have arrived.
        while (nextStart + need <= step) {
          const sx = new Float32Array(L * F);
          for (let j = 0; j < L; j++) {
            const at = (nextStart + j * rate - bufStart) * width();
            sx.set(buf.subarray(at, at + F), j * F);
          }
          const at = (nextStart + offset - bufStart) * width() + F;
          const sample: Sample = { x: sx, y: hasY ? buf.slice(at, at + T) : undefined };
          nextStart += stride;
          // With a shuffle buffer, a sample waits there and a random one of the buffer goes out instead.
          let out: Sample | undefined = sample;
          if (shuffleBuffer > 1) {
            if (pool.length < shuffleBuffer) {
              pool.push(sample);
              out = undefined;
            } else {
              const j = Math.floor(rng.uniform() * shuffleBuffer);
              out = pool[j];
              pool[j] = sample;
            }
          }
          if (out && add(out) === batchSize) yield flush();
        }
      }
    }
    if (!names) throw new Error(`${op}: the source holds no records`);
    for (const i of shuffledOrder(pool.length, seed, epoch)) if (add(pool[i]) === batchSize) yield flush();
    if (count > 0) yield flush();
    if (produced === 0) {
      throw new Error(`${op}: no samples: ${step} usable rows but a sample needs ${need} (sequenceLength ${L}, samplingRate ${rate}${hasY ? `, targetOffset ${offset}` : ''})`);
    }
    lastMissing = missing;
    lastSize = produced;
  }
  return {
    batches,
    get missing() { return { ...lastMissing }; },
    get size() { return lastSize; },
  };
}
