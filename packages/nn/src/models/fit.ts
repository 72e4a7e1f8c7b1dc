// The training loop behind `model.fit`, in small steps: check the arguments, reject non-finite data
// and bad label or id values, split off the validation data, then run epochs of shuffled batches with
// callbacks, history and logging.

import * as core from '@loom/core';
import { SeededRandom, type Tensor } from '@loom/core';
import { progressCallback, verboseLogger, type Callback, type History, type Logs, type Progress, type TrainableModel } from '../callbacks.js';
import type { Batch, BatchSource } from '../data/batches.js';
import type { Metric } from '../metrics.js';
import { batchSizeOption, bool, checkOptions, finite, given, inRange, nonNegativeInt } from '../validate.js';

/** One tensor, or one per model input/output. */
export type TensorOrList = Tensor | Tensor[];

/** Nested plain number arrays (`[[1, 2], [3, 4]]`), converted to float32 tensors by fit/evaluate/predict. */
export type NestedArray = number | NestedArray[];

/** Tensors, or plain arrays turned into float32 tensors. */
export type DataLike = TensorOrList | NestedArray[];

/**
 * Batches for `fit`/`fitDataset`/`evaluate`: a source re-read every epoch (`timeseriesDataset`,
 * `batchDataset`, `csvBatches`), a re-iterable collection of batches, or a one-shot (async) iterator.
 * The tensors of every batch belong to the consumer, which frees them after use.
 */
export type DataInput = BatchSource | Iterable<Batch> | AsyncIterable<Batch>;

/** Verbosity of `fit`: 0 silent, 1 a progress bar (a line per epoch when not in a terminal), 2 a line per epoch. */
export type Verbosity = 0 | 1 | 2 | 'auto';

/** Arguments of `fit`. */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of samples (taken from the end, before shuffling, as Keras) held out for validation. */
  validationSplit?: number;
  /** `[x, y]` (tensors or arrays), `[x, y, sampleWeight]`, or batches (a DataInput). */
  validationData?: [DataLike, DataLike] | [DataLike, DataLike, Tensor] | DataInput;
  shuffle?: boolean;
  callbacks?: Callback[];
  /**
   * 0 silent; 1 a progress bar with ETA and rate (one line per epoch when stdout is not a terminal);
   * 2 one line per epoch. 'auto' (default): in Node `LOOM_VERBOSE` if set, else 1 (as Keras); 0 in browsers.
   */
  verbose?: Verbosity;
  /** Weight of each class in the loss (class index → weight; missing classes weigh 1), as Keras. Single-output models. */
  classWeight?: Record<number, number>;
  /** Weight of each sample in the loss: a float32 tensor [n] (fit with tensors only; batches carry their own). */
  sampleWeight?: Tensor;
  /** Batches per epoch when training from a one-shot iterator (a source or collection is read whole each epoch). */
  batchesPerEpoch?: number;
  /** Seed of the shuffling order (default: the next seed of the model's seed stream). */
  seed?: number;
  /** Called after every batch with the overall progress. */
  onProgress?: (p: Progress) => void;
}

/** What one optimizer step reports: the loss and each metric's statistics for the batch. */
export interface StepResult {
  loss: number;
  stats: number[][];
}

/** What the loop needs from the model it trains (the model keeps these methods private). */
export interface FitTarget {
  /** Handed to callbacks; `stopTraining` on it ends the loop. */
  readonly model: TrainableModel;
  readonly metrics: readonly Metric[];
  /** Checks inputs against the model and targets against the inputs; `op` names the caller in errors. */
  check(op: string, xs: Tensor[], ys: Tensor[]): void;
  /** Checks values the shapes cannot: class-index labels and embedding indices (async, so on every backend). */
  checkValues(op: string, xs: Tensor[], ys: Tensor[]): Promise<void>;
  /** One optimizer step on a batch; `weights` [batch] scale each sample's loss. */
  step(xs: Tensor[], ys: Tensor[], weights?: Tensor): Promise<StepResult>;
  /** Loss and metrics over a dataset in batches, with `prefix` on every key. */
  evaluate(xs: Tensor[], ys: Tensor[], batchSize: number, prefix: string, weights?: Tensor): Promise<Logs>;
  /** Loss and metrics over batches from a DataInput, with `prefix` on every key. */
  evaluateBatches(data: DataInput, prefix: string): Promise<Logs>;
  /** Per-sample loss weights of a batch (classWeight × sampleWeight), or undefined when neither is given. */
  sampleWeights(ys: Tensor[], classWeight: Record<number, number> | undefined, sampleWeight: Tensor | undefined): Tensor | undefined;
  /** The next seed of the model's seed stream. */
  nextSeed(): number;
}

/** The data of one fit: what trains, what validates, and the slices the loop made (freed at the end). */
interface FitData {
  trainX: Tensor[];
  trainY: Tensor[];
  trainW?: Tensor;
  valX?: Tensor[];
  valY?: Tensor[];
  valW?: Tensor;
  valBatches?: DataInput;
  owned: Tensor[];
}

/** One batch as the loop uses it: lists of tensors and optional per-sample weights. */
interface LoopBatch {
  xs: Tensor[];
  ys: Tensor[];
  weights?: Tensor;
}

/** A single tensor as a list. */
export const toList = (x: TensorOrList): Tensor[] => (Array.isArray(x) ? x : [x]);

/** Adds one batch's metric statistics into running sums. */
export function addStats(acc: number[], s: readonly number[]): void {
  s.forEach((v, i) => { acc[i] = (acc[i] ?? 0) + v; });
}

const FIT_OPTIONS = [
  'epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'callbacks', 'verbose', 'seed', 'onProgress',
  'classWeight', 'sampleWeight', 'batchesPerEpoch',
] as const satisfies readonly (keyof FitArgs)[];

/** True for a DataInput (a batch source or an iterable of batches), false for tensors and plain arrays. */
export function isDataInput(x: unknown): x is DataInput {
  if (Array.isArray(x)) {
    // A list of { x, y } batches (not a list of tensors, nor nested numbers).
    return x.length > 0 && x.every((b) => typeof b === 'object' && b !== null && !Array.isArray(b) && !(b instanceof core.Tensor));
  }
  if (typeof x !== 'object' || x === null || x instanceof core.Tensor) return false;
  const o = x as Record<PropertyKey, unknown>;
  return typeof o.batches === 'function' || typeof o[Symbol.iterator] === 'function' || typeof o[Symbol.asyncIterator] === 'function';
}

/** Tensors as a list; plain (nested) number arrays become float32 tensors recorded in `owned`. */
export function toTensorList(op: string, what: string, x: unknown, owned: Tensor[]): Tensor[] {
  if (x instanceof core.Tensor) return [x];
  if (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof core.Tensor)) return x as Tensor[];
  if (Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === 'number' || Array.isArray(v))) {
    let t: Tensor;
    try {
      t = core.tensor(x as number[]);
    } catch (e) {
      throw new Error(`${op}: ${what} as a plain array could not become a tensor: ${(e as Error).message}`, { cause: e });
    }
    owned.push(t);
    return [t];
  }
  throw new Error(`${op}: ${what} must be a Tensor, a list of Tensors or a (nested) array of numbers, got ${given(x)}`);
}

/** Trains `target` for `args.epochs` over (xs, ys); resolves to the history of every logged value. */
export async function fitLoop(target: FitTarget, xs: Tensor[], ys: Tensor[], args: FitArgs): Promise<History> {
  const { epochs, batchSize } = checkFitArgs(args);
  target.check('fit', xs, ys);
  if (xs[0].shape[0] === 0) throw new Error('fit: x has 0 samples; fit needs at least one');
  await rejectNonFinite('fit', xs, ys);
  await target.checkValues('fit', xs, ys);
  const data = splitValidation(target, xs, ys, args);
  try {
    if (data.valX && data.valY && args.validationData) {
      await rejectNonFinite('fit (validationData)', data.valX, data.valY);
      await target.checkValues('fit (validationData)', data.valX, data.valY);
    }
    const steps = Math.ceil(data.trainX[0].shape[0] / batchSize);
    return await trainEpochs(target, epochs, steps, args, data, (epoch, rng) => {
      const order = sampleOrder(data.trainX[0].shape[0], rng, args.shuffle ?? true);
      return tensorBatches(target, data, order, batchSize, args.classWeight);
    });
  } finally {
    core.dispose(data.owned);
  }
}

/** Trains `target` over batches from `source` (fitDataset); each epoch reads the source again. */
export async function fitBatchesLoop(target: FitTarget, source: DataInput, args: FitArgs): Promise<History> {
  if (!isDataInput(source)) {
    throw new Error(`fitDataset: data must be a batch source (timeseriesDataset, batchDataset, csvBatches) or an (async) iterable of { x, y } batches, got ${given(source)}`);
  }
  const { epochs } = checkFitArgs(args);
  for (const k of ['validationSplit', 'sampleWeight', 'batchSize'] as const) {
    if (args[k] !== undefined) throw new Error(`fitDataset: ${k} does not apply to batches (the batches carry their own size, split and sampleWeight)`);
  }
  const perEpoch = args.batchesPerEpoch === undefined ? undefined : nonNegativeInt('fitDataset', 'batchesPerEpoch', args.batchesPerEpoch, 1);
  if (perEpoch === 0) throw new Error('fitDataset: batchesPerEpoch must be at least 1');
  const data: FitData = { trainX: [], trainY: [], owned: [] };
  try {
    setValidation(target, data, args);
    // A one-shot iterator (a generator) continues across epochs; anything else is read again per epoch.
    const oneShot = isIteratorOnly(source) ? openIterator(source as Iterable<Batch>) : undefined;
    let exhausted = false;
    return await trainEpochs(target, epochs, perEpoch, args, data, (epoch) => {
      const it = oneShot ?? openIterator(typeof (source as BatchSource).batches === 'function' ? (source as BatchSource).batches(epoch) : source as Iterable<Batch>);
      return sourceBatches(target, it, perEpoch, args.classWeight, oneShot !== undefined, () => { exhausted = true; });
    }, () => exhausted);
  } finally {
    core.dispose(data.owned);
  }
}

type AnyIterator = Iterator<Batch> | AsyncIterator<Batch>;

/** The checked batches of one pass over `data` (epoch 0 of a source), for evaluation. */
export function readBatches(target: FitTarget, data: DataInput, op: string): AsyncGenerator<LoopBatch> {
  const it = openIterator(typeof (data as BatchSource).batches === 'function' ? (data as BatchSource).batches(0) : data as Iterable<Batch>);
  return sourceBatches(target, it, undefined, undefined, false, () => {}, op);
}

function isIteratorOnly(x: DataInput): boolean {
  return typeof (x as BatchSource).batches !== 'function' && typeof (x as { next?: unknown }).next === 'function';
}

function openIterator(x: Iterable<Batch> | AsyncIterable<Batch>): AnyIterator {
  const o = x as AsyncIterable<Batch> & Iterable<Batch>;
  if (typeof o[Symbol.asyncIterator] === 'function') return o[Symbol.asyncIterator]();
  if (typeof o[Symbol.iterator] === 'function') return o[Symbol.iterator]();
  throw new Error(`fitDataset: batches(epoch) must return an (async) iterable of { x, y } batches, got ${given(x)}`);
}

/** Loop batches from an iterator of user batches, checked and converted; `done` marks a one-shot iterator's end. */
async function* sourceBatches(
  target: FitTarget, it: AnyIterator, limit: number | undefined, classWeight: Record<number, number> | undefined,
  oneShot: boolean, done: () => void, op = 'fitDataset',
): AsyncGenerator<LoopBatch> {
  for (let b = 0; limit === undefined || b < limit; b++) {
    const r = await it.next();
    if (r.done) {
      if (oneShot) done();
      return;
    }
    const made: Tensor[] = [];
    const given_ = r.value as Batch | undefined;
    try {
      if (typeof given_ !== 'object' || given_ === null || given_.x === undefined || given_.y === undefined) {
        throw new Error(`${op}: batch ${b + 1} must be an object { x, y, sampleWeight? }, got ${given(given_)}`);
      }
      const xs = toTensorList(op, `batch ${b + 1} x`, given_.x, made);
      const ys = toTensorList(op, `batch ${b + 1} y`, given_.y, made);
      // The caller owns what a source yields: freed with what this loop made.
      for (const t of [...xs, ...ys, given_.sampleWeight]) if (t instanceof core.Tensor && !made.includes(t)) made.push(t);
      target.check(`${op} (batch ${b + 1})`, xs, ys);
      await target.checkValues(`${op} (batch ${b + 1})`, xs, ys);
      const weights = target.sampleWeights(ys, classWeight, given_.sampleWeight);
      if (weights) made.push(weights);
      yield { xs, ys, weights };
    } finally {
      core.dispose(made);
    }
  }
}

/** Loop batches gathered from in-memory tensors in `order`. */
function* tensorBatches(
  target: FitTarget, data: FitData, order: Int32Array, batchSize: number, classWeight: Record<number, number> | undefined,
): Generator<LoopBatch> {
  const n = order.length;
  for (let b = 0; b * batchSize < n; b++) {
    const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
    // Everything made here is listed as it is made, so a gather that throws leaks nothing.
    const made: Tensor[] = [];
    try {
      const it = core.tensor(idx, [idx.length], 'int32');
      made.push(it);
      const pick = (t: Tensor): Tensor => {
        const g = core.gather(t, it);
        made.push(g);
        return g;
      };
      const xs = data.trainX.map(pick);
      const ys = data.trainY.map(pick);
      const sw = data.trainW ? pick(data.trainW) : undefined;
      const weights = target.sampleWeights(ys, classWeight, sw);
      if (weights && weights !== sw) made.push(weights);
      yield { xs, ys, weights };
    } finally {
      core.dispose(made);
    }
  }
}

/** `validationData` given as batches or as [x, y(, w)] arrays/tensors (converted and owned by `data`). */
function setValidation(target: FitTarget, data: FitData, args: FitArgs): void {
  const vd = args.validationData;
  if (vd === undefined) return;
  if (isDataInput(vd)) {
    data.valBatches = vd;
    return;
  }
  data.valX = toTensorList('fit (validationData)', 'x', vd[0], data.owned);
  data.valY = toTensorList('fit (validationData)', 'y', vd[1], data.owned);
  data.valW = vd[2];
  target.check('fit (validationData)', data.valX, data.valY);
  if (data.valX[0].shape[0] === 0) throw new Error('fit (validationData): x has 0 samples');
}

/** Every option of `fit`, checked before any work (unknown keys are refused, not ignored). */
function checkFitArgs(args: FitArgs): { epochs: number; batchSize: number } {
  checkOptions('fit', args, FIT_OPTIONS);
  const epochs = nonNegativeInt('fit', 'epochs', args.epochs, 1);
  const batchSize = batchSizeOption('fit', args.batchSize);
  inRange('fit', 'validationSplit', args.validationSplit, 0, 1, true, 0);
  const vd = args.validationData;
  if (vd !== undefined && !isDataInput(vd) && !(Array.isArray(vd) && (vd.length === 2 || vd.length === 3))) {
    throw new Error(`fit: validationData must be [x, y], [x, y, sampleWeight] (tensors or arrays) or batches, got ${given(vd)}`);
  }
  if (Array.isArray(vd) && vd.length === 3 && !(vd[2] instanceof core.Tensor)) {
    throw new Error(`fit: the sampleWeight in validationData [x, y, sampleWeight] must be a Tensor, got ${given(vd[2])}`);
  }
  bool('fit', 'shuffle', args.shuffle, true);
  checkClassWeight(args.classWeight);
  if (args.sampleWeight !== undefined && !(args.sampleWeight instanceof core.Tensor)) {
    throw new Error(`fit: sampleWeight must be a float32 Tensor [samples], got ${given(args.sampleWeight)}`);
  }
  const cbs = args.callbacks;
  if (cbs !== undefined && !(Array.isArray(cbs) && cbs.every((c) => typeof c === 'object' && c !== null))) {
    throw new Error(`fit: callbacks must be a list of callback objects, got ${given(cbs)}`);
  }
  if (args.verbose !== undefined && ![0, 1, 2, 'auto'].includes(args.verbose)) {
    throw new Error(`fit: verbose must be 0, 1, 2 or 'auto', got ${given(args.verbose)}`);
  }
  finite('fit', 'seed', args.seed, 0);
  if (args.onProgress !== undefined && typeof args.onProgress !== 'function') {
    throw new Error(`fit: onProgress must be a function, got ${given(args.onProgress)}`);
  }
  return { epochs, batchSize };
}

/** Fails before any step when float inputs or targets hold NaN or ±Infinity. */
async function rejectNonFinite(op: string, xs: Tensor[], ys: Tensor[]): Promise<void> {
  for (const [what, list] of [['x', xs], ['y', ys]] as const) {
    for (const [i, t] of list.entries()) {
      if (t.dtype !== 'float32') continue;
      const bad = core.tidy(() => core.sum(core.cast(core.logicalNot(core.isFinite(t)), 'int32')));
      const count = (await bad.data())[0];
      bad.dispose();
      if (count > 0) {
        const name = `${what}${list.length > 1 ? `[${i}]` : ''}`;
        throw new Error(`${op}: ${name} contains ${count} NaN or infinite value(s); clean or impute the data first`);
      }
    }
  }
}

/** `validationData` as given, or the last `validationSplit` of the samples cut off (before shuffling). */
function splitValidation(target: FitTarget, xs: Tensor[], ys: Tensor[], args: FitArgs): FitData {
  const sw = args.sampleWeight;
  if (sw) checkSampleWeight('fit', sw, xs[0].shape[0]);
  if (args.validationData) {
    const data: FitData = { trainX: xs, trainY: ys, trainW: sw, owned: [] };
    try {
      setValidation(target, data, args);
    } catch (e) {
      core.dispose(data.owned);
      throw e;
    }
    return data;
  }
  if (!args.validationSplit) return { trainX: xs, trainY: ys, trainW: sw, owned: [] };
  const f = args.validationSplit;
  const n = xs[0].shape[0];
  const nVal = Math.floor(n * f);
  if (nVal < 1 || nVal >= n) throw new Error(`fit: validationSplit ${f} of ${n} samples leaves an empty training or validation set`);
  const owned: Tensor[] = [];
  const cut = (ts: Tensor[], start: number, size: number) => ts.map((t) => {
    const part = core.slice(t, start, size);
    owned.push(part);
    return part;
  });
  const nTrain = n - nVal;
  return {
    trainX: cut(xs, 0, nTrain), trainY: cut(ys, 0, nTrain), trainW: sw ? cut([sw], 0, nTrain)[0] : undefined,
    valX: cut(xs, nTrain, nVal), valY: cut(ys, nTrain, nVal), valW: sw ? cut([sw], nTrain, nVal)[0] : undefined, owned,
  };
}

/** A `classWeight` must map class indices (integers ≥ 0) to finite weights ≥ 0. */
function checkClassWeight(cw: unknown): void {
  if (cw === undefined) return;
  if (typeof cw !== 'object' || cw === null || Array.isArray(cw)) {
    throw new Error(`fit: classWeight must be an object { classIndex: weight }, got ${given(cw)}`);
  }
  const entries = Object.entries(cw as Record<string, unknown>);
  if (entries.length === 0) throw new Error('fit: classWeight is empty; give a weight per class, e.g. { 0: 1, 1: 5 }');
  for (const [k, v] of entries) {
    if (!/^(0|[1-9][0-9]*)$/.test(k)) throw new Error(`fit: classWeight key '${k}' is not a class index (an integer >= 0)`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`fit: classWeight[${k}] must be a finite number >= 0, got ${given(v)}`);
  }
}

/** A sample-weight tensor: float32, [n] (or [n, 1]), finite and ≥ 0 is checked by the loss read. */
export function checkSampleWeight(op: string, w: Tensor, n: number): void {
  w.assertAlive(op);
  const ok = (w.rank === 1 || (w.rank === 2 && w.shape[1] === 1)) && w.shape[0] === n && w.dtype !== 'bool';
  if (!ok) throw new Error(`${op}: sampleWeight must have shape [${n}] (one weight per sample), got [${w.shape.join(', ')}] ${w.dtype}`);
}

/** The `verbose` level for this run: 'auto' is LOOM_VERBOSE or 1 in Node, 0 in browsers. */
export function resolveVerbose(v: Verbosity | undefined): 0 | 1 | 2 {
  if (v === 0 || v === 1 || v === 2) return v;
  const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;
  if (!proc?.versions?.node) return 0;
  const env = proc.env?.LOOM_VERBOSE;
  if (env === '0' || env === '1' || env === '2') return Number(env) as 0 | 1 | 2;
  return 1;
}

async function trainEpochs(
  target: FitTarget, epochs: number, steps: number | undefined, args: FitArgs, data: FitData,
  epochBatches: (epoch: number, rng: SeededRandom) => Iterable<LoopBatch> | AsyncIterable<LoopBatch>,
  exhausted: () => boolean = () => false,
): Promise<History> {
  const rng = new SeededRandom(args.seed ?? target.nextSeed());
  const callbacks = [...(args.callbacks ?? [])];
  if (args.onProgress) callbacks.push(progressCallback(args.onProgress, epochs, steps ?? Number.NaN));
  const verbose = resolveVerbose(args.verbose);
  if (verbose) callbacks.push(verboseLogger(verbose, { epochs, steps }));
  for (const c of callbacks) c.setModel?.(target.model);
  const history: History = { epoch: [], history: {} };
  target.model.stopTraining = false;
  for (const c of callbacks) await c.onTrainBegin?.({});
  for (let epoch = 0; epoch < epochs && !target.model.stopTraining; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch, {});
    const logs = await runEpoch(target, epochBatches(epoch, rng), epoch, callbacks);
    if (logs === undefined) {
      console.warn(`fit: the batches ran out at epoch ${epoch + 1} of ${epochs}; training stopped ` +
        '(pass a source with batches(epoch), a re-iterable collection, or batchesPerEpoch for a one-shot iterator)');
      break;
    }
    if (data.valX && data.valY) Object.assign(logs, await target.evaluate(data.valX, data.valY, args.batchSize ?? 32, 'val_', data.valW));
    else if (data.valBatches) Object.assign(logs, await target.evaluateBatches(data.valBatches, 'val_'));
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!Object.hasOwn(history.history, k)) history.history[k] = [];
      history.history[k].push(v);
    }
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs);
    if (exhausted()) break;
  }
  for (const c of callbacks) await c.onTrainEnd?.(history.epoch.length ? lastLogs(history) : {});
  return history;
}

/** 0..n-1, Fisher–Yates shuffled when `shuffle`. */
function sampleOrder(n: number, rng: SeededRandom, shuffle: boolean): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (!shuffle) return order;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** One pass over an epoch's batches; resolves to its loss and metrics (sample-weighted), or undefined for no batches. */
async function runEpoch(
  target: FitTarget, batches: Iterable<LoopBatch> | AsyncIterable<LoopBatch>, epoch: number, callbacks: Callback[],
): Promise<Logs | undefined> {
  let lossSum = 0;
  let n = 0;
  let b = 0;
  const sums = target.metrics.map(() => [] as number[]);
  const it: AsyncIterator<LoopBatch> | Iterator<LoopBatch> = Symbol.asyncIterator in batches
    ? batches[Symbol.asyncIterator]() : (batches as Iterable<LoopBatch>)[Symbol.iterator]();
  const where = (e: unknown) => new Error(`${(e as Error).message} (epoch ${epoch + 1}, batch ${b + 1})`, { cause: e });
  // The batch is read before onBatchBegin (so its size is known), and errors reading it name the batch.
  try {
    for (;;) {
      let next: IteratorResult<LoopBatch>;
      try {
        next = await it.next();
      } catch (e) {
        throw where(e);
      }
      if (next.done) break;
      const batch = next.value;
      const size = batch.xs[0].shape[0];
      for (const c of callbacks) await c.onBatchBegin?.(b, { batch: b, size });
      let r: StepResult;
      try {
        r = await target.step(batch.xs, batch.ys, batch.weights);
      } catch (e) {
        throw where(e);
      }
      lossSum += r.loss * size;
      n += size;
      r.stats.forEach((s, i) => addStats(sums[i], s));
      const batchLogs: Logs = { batch: b, size, loss: r.loss };
      target.metrics.forEach((m, i) => { batchLogs[m.name] = m.result(r.stats[i]); });
      for (const c of callbacks) await c.onBatchEnd?.(b, batchLogs);
      b++;
      if (target.model.stopTraining) break;
    }
  } finally {
    // Frees the batch in flight when a step or a callback throws, or training stops early.
    await it.return?.();
  }
  if (n === 0) return undefined;
  const logs: Logs = { loss: lossSum / n };
  target.metrics.forEach((m, i) => { logs[m.name] = m.result(sums[i]); });
  return logs;
}

function lastLogs(h: History): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(h.history)) out[k] = v[v.length - 1];
  return out;
}
