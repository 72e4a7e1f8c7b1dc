// The training loop behind `model.fit`, in small steps: check the arguments, reject non-finite data
// and bad label or id values, split off the validation data, then run epochs of shuffled batches with
// callbacks, history and logging.

import * as core from '@loom/core';
import { SeededRandom, type Tensor } from '@loom/core';
import { progressCallback, type Callback, type History, type Logs, type Progress, type TrainableModel } from '../callbacks.js';
import type { Metric } from '../metrics.js';
import { batchSizeOption, bool, checkOptions, finite, given, inRange, nonNegativeInt } from '../validate.js';

/** One tensor, or one per model input/output. */
export type TensorOrList = Tensor | Tensor[];

/** Arguments of `fit`. */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of samples (taken from the end, before shuffling, as Keras) held out for validation. */
  validationSplit?: number;
  validationData?: [TensorOrList, TensorOrList];
  shuffle?: boolean;
  callbacks?: Callback[];
  /** 0: silent, 1: one line per epoch on the console. */
  verbose?: 0 | 1;
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
  /** One optimizer step on a batch. */
  step(xs: Tensor[], ys: Tensor[]): Promise<StepResult>;
  /** Loss and metrics over a dataset in batches, with `prefix` on every key. */
  evaluate(xs: Tensor[], ys: Tensor[], batchSize: number, prefix: string): Promise<Logs>;
  /** The next seed of the model's seed stream. */
  nextSeed(): number;
}

/** The data of one fit: what trains, what validates, and the slices the loop made (freed at the end). */
interface FitData {
  trainX: Tensor[];
  trainY: Tensor[];
  valX?: Tensor[];
  valY?: Tensor[];
  owned: Tensor[];
}

/** A single tensor as a list. */
export const toList = (x: TensorOrList): Tensor[] => (Array.isArray(x) ? x : [x]);

/** Adds one batch's metric statistics into running sums. */
export function addStats(acc: number[], s: readonly number[]): void {
  s.forEach((v, i) => { acc[i] = (acc[i] ?? 0) + v; });
}

const FIT_OPTIONS = [
  'epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'callbacks', 'verbose', 'seed', 'onProgress',
] as const satisfies readonly (keyof FitArgs)[];

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
    return await trainEpochs(target, data, epochs, batchSize, args);
  } finally {
    core.dispose(data.owned);
  }
}

/** Every option of `fit`, checked before any work (unknown keys are refused, not ignored). */
function checkFitArgs(args: FitArgs): { epochs: number; batchSize: number } {
  checkOptions('fit', args, FIT_OPTIONS);
  const epochs = nonNegativeInt('fit', 'epochs', args.epochs, 1);
  const batchSize = batchSizeOption('fit', args.batchSize);
  inRange('fit', 'validationSplit', args.validationSplit, 0, 1, true, 0);
  const vd = args.validationData;
  if (vd !== undefined && !(Array.isArray(vd) && vd.length === 2)) {
    throw new Error(`fit: validationData must be [x, y] (tensors or lists of tensors), got ${given(vd)}`);
  }
  bool('fit', 'shuffle', args.shuffle, true);
  const cbs = args.callbacks;
  if (cbs !== undefined && !(Array.isArray(cbs) && cbs.every((c) => typeof c === 'object' && c !== null))) {
    throw new Error(`fit: callbacks must be a list of callback objects, got ${given(cbs)}`);
  }
  if (args.verbose !== undefined && args.verbose !== 0 && args.verbose !== 1) {
    throw new Error(`fit: verbose must be 0 or 1, got ${given(args.verbose)}`);
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
  if (args.validationData) {
    const valX = toList(args.validationData[0]);
    const valY = toList(args.validationData[1]);
    target.check('fit (validationData)', valX, valY);
    if (valX[0].shape[0] === 0) throw new Error('fit (validationData): x has 0 samples');
    return { trainX: xs, trainY: ys, valX, valY, owned: [] };
  }
  if (!args.validationSplit) return { trainX: xs, trainY: ys, owned: [] };
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
  return { trainX: cut(xs, 0, nTrain), trainY: cut(ys, 0, nTrain), valX: cut(xs, nTrain, nVal), valY: cut(ys, nTrain, nVal), owned };
}

async function trainEpochs(target: FitTarget, data: FitData, epochs: number, batchSize: number, args: FitArgs): Promise<History> {
  const n = data.trainX[0].shape[0];
  const rng = new SeededRandom(args.seed ?? target.nextSeed());
  const callbacks = [...(args.callbacks ?? [])];
  if (args.onProgress) callbacks.push(progressCallback(args.onProgress, epochs, Math.ceil(n / batchSize)));
  for (const c of callbacks) c.setModel?.(target.model);
  const history: History = { epoch: [], history: {} };
  target.model.stopTraining = false;
  for (const c of callbacks) await c.onTrainBegin?.({});
  for (let epoch = 0; epoch < epochs && !target.model.stopTraining; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch, {});
    const order = sampleOrder(n, rng, args.shuffle ?? true);
    const logs = await runEpoch(target, data, order, batchSize, epoch, callbacks);
    if (data.valX && data.valY) Object.assign(logs, await target.evaluate(data.valX, data.valY, batchSize, 'val_'));
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!Object.hasOwn(history.history, k)) history.history[k] = [];
      history.history[k].push(v);
    }
    if (args.verbose) console.log(epochLine(epoch, epochs, logs));
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs);
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

/** One pass over the batches of `order`; resolves to the epoch's loss and metrics (sample-weighted). */
async function runEpoch(
  target: FitTarget, data: FitData, order: Int32Array, batchSize: number, epoch: number, callbacks: Callback[],
): Promise<Logs> {
  const n = order.length;
  const batches = Math.ceil(n / batchSize);
  let lossSum = 0;
  const sums = target.metrics.map(() => [] as number[]);
  for (let b = 0; b < batches; b++) {
    const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
    for (const c of callbacks) await c.onBatchBegin?.(b, { batch: b, size: idx.length });
    const r = await trainBatch(target, data, idx, epoch, b);
    lossSum += r.loss * idx.length;
    r.stats.forEach((s, i) => addStats(sums[i], s));
    const batchLogs: Logs = { batch: b, size: idx.length, loss: r.loss };
    target.metrics.forEach((m, i) => { batchLogs[m.name] = m.result(r.stats[i]); });
    for (const c of callbacks) await c.onBatchEnd?.(b, batchLogs);
    if (target.model.stopTraining) break;
  }
  const logs: Logs = { loss: lossSum / n };
  target.metrics.forEach((m, i) => { logs[m.name] = m.result(sums[i]); });
  return logs;
}

/** Gathers the samples `idx` and takes one step; errors name the epoch and batch. */
async function trainBatch(target: FitTarget, data: FitData, idx: Int32Array, epoch: number, batch: number): Promise<StepResult> {
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
    const bx = data.trainX.map(pick);
    const by = data.trainY.map(pick);
    return await target.step(bx, by);
  } catch (e) {
    throw new Error(`${(e as Error).message} (epoch ${epoch + 1}, batch ${batch + 1})`, { cause: e });
  } finally {
    core.dispose(made);
  }
}

function epochLine(epoch: number, epochs: number, logs: Logs): string {
  return `Epoch ${epoch + 1}/${epochs} ${Object.entries(logs).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(' ')}`;
}

function lastLogs(h: History): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(h.history)) out[k] = v[v.length - 1];
  return out;
}
