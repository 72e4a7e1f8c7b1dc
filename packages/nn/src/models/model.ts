// The base Model: compile, predict, evaluate, trainOnBatch, weights and summary, shared by the two
// ways to define one (models/sequential.ts, models/functional.ts). `fit` runs models/fit.ts; the save
// format lives with loading in models/io.ts.

import * as core from '@loom/core';
import { clone, keep, type Tensor } from '@loom/core';
import { variableGrads } from '../autograd/tape.js';
import type { Variable } from '../autograd/variable.js';
import type { History, Logs, TrainableModel } from '../callbacks.js';
import { defaultSeed } from '../initializers.js';
import { InputLayer } from '../layers/core-layers.js';
import { isShapeList, LayerScope, type Layer, type LayerShape } from '../layers/layer.js';
import { Bidirectional, Recurrent } from '../layers/recurrent.js';
import { getLoss, lossName, LOSSES, type LossFn } from '../losses.js';
import { getMetric, type Metric } from '../metrics.js';
import { getOptimizer, Optimizer } from '../optimizers.js';
import { checkIndices, shapeText } from '../util.js';
import { batchSizeOption, checkOptions, finite, given } from '../validate.js';
import { resolvedAccuracy, isAccuracyAlias } from './accuracy.js';
import {
  addStats, checkSampleWeight, toList, fitBatchesLoop, fitLoop, isDataInput, readBatches, toTensorList, type DataInput, type DataLike,
  type FitArgs, type FitTarget, type StepResult, type TensorOrList,
} from './fit.js';
import type { SavedModel } from './io.js';

/** Arguments of `compile`. */
export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn;
  metrics?: (string | Metric)[];
}

/** Arguments of `predict` and `evaluate`. */
export interface BatchOptions {
  batchSize?: number;
}

/** Arguments every model accepts. */
export interface ModelArgs {
  name?: string;
  /** Seed of the model's seed stream (initial weights, dropout masks, fit's shuffling); default: `setSeed`'s. */
  seed?: number;
}

async function hostValues(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

/** An input the model feeds straight into an embedding: its values must be ids in [0, limit). */
export interface IndexInput {
  input: number;
  limit: number;
  layer: string;
}

/** Shared model behaviour. Subclasses say how inputs flow through layers. */
export abstract class Model implements TrainableModel {
  abstract readonly className: string;
  readonly name: string;
  stopTraining = false;
  optimizer?: Optimizer;
  protected lossFn?: LossFn;
  protected lossSpec?: string | LossFn;
  protected metricList: Metric[] = [];
  /** True when the loss takes class indices (their values are checked before training). */
  private sparseLabels = false;
  /** Set while fit runs: a second fit (or a trainOnBatch) would interleave its updates with it. */
  private fitting = false;
  /** Names and seeds for this model's layers; nothing is shared with other models. */
  protected readonly scope: LayerScope;

  constructor(defaultName: string, args: ModelArgs = {}, extraOptions: readonly string[] = []) {
    const op = defaultName;
    checkOptions(op, args, ['name', 'seed', ...extraOptions]);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new Error(`${op}: name must be a non-empty string, got ${given(args.name)}`);
    }
    this.name = args.name ?? defaultName;
    this.scope = new LayerScope(args.seed === undefined ? defaultSeed() : finite(op, 'seed', args.seed));
  }

  /** The model's layers in order. */
  abstract get layers(): Layer[];
  /** Input shapes (batch dim null), once known. */
  abstract get inputShapes(): LayerShape[] | undefined;
  /** Output shapes (batch dim null), once known. */
  abstract get outputShapes(): LayerShape[] | undefined;
  /** Builds layers from the first inputs when shapes were not declared. */
  protected abstract buildFrom(xs: Tensor[]): void;
  /** Forward pass on validated inputs. */
  protected abstract run(xs: Tensor[], training: boolean): Tensor[];
  /** Inputs that go straight into an embedding layer, so fit and evaluate can check their ids on any backend. */
  protected abstract indexInputs(): IndexInput[];
  /** @internal The JSON-able topology that `save()` writes. */
  abstract topology(): Record<string, unknown>;
  /** Serializes topology and weights: JSON-able `topology` and `weightSpecs`, binary `weightData`. */
  abstract save(): Promise<SavedModel>;

  /** @internal The loss when it was given by name (saved with the model). */
  get lossName(): string | undefined {
    return typeof this.lossSpec === 'string' ? this.lossSpec : undefined;
  }

  /** Every weight, in layer order (Keras order within a layer). */
  get weights(): Variable[] {
    const seen = new Set<Variable>();
    for (const l of this.layers) for (const v of l.weights) seen.add(v);
    return [...seen];
  }

  /** Weights the optimizer updates. */
  get trainableWeights(): Variable[] {
    const seen = new Set<Variable>();
    for (const l of this.layers) for (const v of l.trainableWeights) seen.add(v);
    return [...seen];
  }

  /** Number of scalars in all weights. */
  /** Starts every stateful recurrent layer over from zero states (Keras `model.reset_states()`). */
  resetStates(): void {
    const cells = this.layers.flatMap((l) => (l instanceof Bidirectional ? [l.forward, l.backward] : [l]));
    for (const l of cells) if (l instanceof Recurrent && l.stateful) l.resetStates();
  }

  countParams(): number {
    return this.weights.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Checks count, rank and known dims of inputs; builds on first use. */
  protected checkInputs(op: string, xs: Tensor[]): void {
    for (const [i, x] of xs.entries()) {
      if (!(x instanceof core.Tensor)) throw new Error(`${op}: input ${i} must be a Tensor, got ${typeof x}`);
      x.assertAlive(op);
      if (x.dtype === 'bool') throw new Error(`${op}: input ${i} is bool; cast it to float32 or int32`);
      if (x.rank === 0) throw new Error(`${op}: input ${i} is a scalar; inputs need a batch dimension`);
    }
    if (!this.inputShapes) this.buildFrom(xs);
    const shapes = this.inputShapes!;
    if (xs.length !== shapes.length) throw new Error(`${op}: the model takes ${shapes.length} input(s), got ${xs.length}`);
    xs.forEach((x, i) => {
      const want = shapes[i];
      const ok = want.length === x.rank && want.every((d, j) => j === 0 || d === null || d === x.shape[j]);
      if (!ok) {
        const got = shapeText([...x.shape]);
        throw new Error(`${op}: input ${i} has shape ${got} but the model expects ${shapeText(want)} (null = any size)`);
      }
    });
    const n = xs[0].shape[0];
    xs.forEach((x, i) => {
      if (x.shape[0] !== n) throw new Error(`${op}: input ${i} has ${x.shape[0]} samples but input 0 has ${n}`);
    });
  }

  /** Runs the model on a batch (inference mode by default). */
  call(x: TensorOrList, training = false): TensorOrList {
    const xs = toList(x);
    this.checkInputs('call', xs);
    const out = this.run(xs, training);
    return out.length === 1 ? out[0] : out;
  }

  /** Prepares for training: optimizer, loss and metrics. */
  compile(args: CompileArgs): void {
    if (this.fitting) throw new Error('compile: the model is training; await the running fit() first');
    checkOptions('compile', args, ['optimizer', 'loss', 'metrics'], 'arguments');
    if (!args || args.optimizer === undefined || args.loss === undefined) throw new Error('compile: needs { optimizer, loss, metrics? }');
    if (typeof args.optimizer !== 'string' && !(args.optimizer instanceof Optimizer)) {
      throw new Error(`compile: optimizer must be a name or an Optimizer (e.g. optimizers.adam()), got ${given(args.optimizer)}`);
    }
    if (typeof args.loss !== 'string' && typeof args.loss !== 'function') {
      throw new Error(`compile: loss must be a name or a function (yTrue, yPred) => Tensor, got ${given(args.loss)}`);
    }
    if (args.metrics !== undefined && !Array.isArray(args.metrics)) {
      throw new Error(`compile: metrics must be a list of names or Metric objects, got ${given(args.metrics)}`);
    }
    const opt = getOptimizer(args.optimizer);
    const loss = getLoss(args.loss);
    const metrics = (args.metrics ?? []).map((m) => (isAccuracyAlias(m) ? resolvedAccuracy(m, args.loss) : getMetric(m)));
    const names = metrics.map((m) => m.name);
    const clash = names.find((n, i) => n === 'loss' || names.indexOf(n) !== i);
    // Metric names key the logs and the history, so two with one name would overwrite each other.
    if (clash !== undefined) throw new Error(`compile: metric name '${clash}' is used twice (or is 'loss'); names key the logs`);
    if (this.optimizer && this.optimizer !== opt) this.optimizer.dispose();
    this.optimizer = opt;
    this.lossFn = loss;
    this.lossSpec = args.loss;
    this.sparseLabels = typeof args.loss === 'string'
      ? lossName(args.loss) === 'sparseCategoricalCrossentropy'
      : args.loss === LOSSES.sparseCategoricalCrossentropy;
    this.metricList = metrics;
  }

  private requireCompiled(op: string): { optimizer: Optimizer; loss: LossFn } {
    if (!this.optimizer || !this.lossFn) {
      throw new Error(`${op}: the model is not compiled; call model.compile({ optimizer, loss }) first`);
    }
    return { optimizer: this.optimizer, loss: this.lossFn };
  }

  private checkTargets(op: string, xs: Tensor[], ys: Tensor[]): void {
    const outs = this.outputShapes;
    if (outs && ys.length !== outs.length) {
      throw new Error(`${op}: the model has ${outs.length} output(s) but ${ys.length} target tensor(s) were given`);
    }
    ys.forEach((y, i) => {
      if (!(y instanceof core.Tensor)) throw new Error(`${op}: target ${i} must be a Tensor`);
      y.assertAlive(op);
      if (y.rank === 0 || y.shape[0] !== xs[0].shape[0]) {
        throw new Error(`${op}: target ${i} has shape ${shapeText([...y.shape])}, but the inputs have ${xs[0].shape[0]} samples`);
      }
    });
  }

  /** Σ over outputs of the (sample-weighted) loss, plus every layer's weight penalties. */
  private totalLoss(loss: LossFn, ys: Tensor[], preds: Tensor[], weights?: Tensor): Tensor {
    const parts = preds.map((p, i) => (weights ? weightedLoss(loss, ys[i], p, weights) : loss(ys[i], p)));
    for (const l of this.layers) {
      const penalty = l.regularizationLoss();
      if (penalty) parts.push(penalty);
    }
    return parts.length === 1 ? parts[0] : parts.reduce((a, b) => core.add(a, b));
  }

  /** @internal Per-sample loss weights of a batch: classWeight (by label class) × sampleWeight; undefined for neither. */
  sampleWeights(ys: Tensor[], classWeight: Record<number, number> | undefined, sampleWeight: Tensor | undefined): Tensor | undefined {
    if (!classWeight && !sampleWeight) return undefined;
    if (sampleWeight) checkSampleWeight('fit', sampleWeight, ys[0].shape[0]);
    return core.tidy(() => {
      let w = sampleWeight ? core.reshape(core.cast(sampleWeight, 'float32'), [sampleWeight.shape[0]]) : undefined;
      if (classWeight) {
        if (ys.length !== 1) throw new Error(`fit: classWeight applies to single-output models; this one has ${ys.length} outputs (use sampleWeight)`);
        const cw = classWeightByLabel(ys[0], classWeight, this.outputShapes?.[0]);
        w = w ? core.mul(cw, core.reshape(w, [w.shape[0], ...cw.shape.slice(1).map(() => 1)])) : cw;
      }
      return w!;
    });
  }

  /** Values the shape checks cannot see: class-index labels, embedding ids (one small read per tensor). */
  private async checkValues(op: string, xs: Tensor[], ys: Tensor[]): Promise<void> {
    for (const { input, limit, layer } of this.indexInputs()) {
      await checkIndices(op, `input ${input} (ids for ${layer})`, xs[input], limit);
    }
    if (!this.sparseLabels) return;
    const outs = this.outputShapes;
    for (const [i, y] of ys.entries()) {
      const classes = outs?.[i]?.[outs[i].length - 1];
      if (typeof classes === 'number') await checkIndices(op, `target ${i} (class indices)`, y, classes);
    }
  }

  /**
   * One optimizer step; returns the loss and the batch's metric sums. The update is computed, then
   * checked together with the loss in one read: a non-finite loss or update leaves the weights unchanged.
   */
  private async step(op: string, xs: Tensor[], ys: Tensor[], weights?: Tensor): Promise<StepResult> {
    const { optimizer, loss } = this.requireCompiled(op);
    const stats: Tensor[] = [];
    let result;
    try {
      result = variableGrads(() => {
        const preds = this.run(xs, true);
        for (const m of this.metricList) stats.push(keep(m.stats(ys[0], preds[0])));
        return this.totalLoss(loss, ys, preds, weights);
      }, this.trainableWeights);
    } catch (e) {
      core.dispose(stats);
      throw e;
    }
    const { value, grads } = result;
    let update: ReturnType<Optimizer['prepareUpdate']> | undefined;
    try {
      update = optimizer.prepareUpdate(grads);
      const u = update;
      const both = core.tidy(() => core.concat([core.cast(core.reshape(value, [-1]), 'float32'), u.magnitudes]));
      const checked = await hostValues(both).finally(() => both.dispose());
      const lossVal = checked[0];
      if (value.size === 0 || !Number.isFinite(lossVal)) {
        throw new Error(`${op}: the loss became ${lossVal}; the weights were left unchanged ` +
          '(check the data for NaN/Infinity, or lower the learning rate)');
      }
      const bad = u.variables.findIndex((_, i) => !Number.isFinite(checked[value.size + i]));
      if (bad >= 0) {
        throw new Error(`${op}: the update of weight '${u.variables[bad].name}' became ${checked[value.size + bad]} ` +
          `at step ${optimizer.iterations}; the weights were left unchanged (lower the learning rate, or clip the ` +
          'gradients with clipNorm or clipValue)');
      }
      u.apply();
      for (const l of this.layers) l.applyConstraints();
      const s = await Promise.all(stats.map(hostValues));
      return { loss: lossVal, stats: s };
    } finally {
      update?.discard();
      value.dispose();
      core.dispose([...grads.values()]);
      core.dispose(stats);
    }
  }

  /** Trains on one batch; resolves to the loss. */
  async trainOnBatch(x: TensorOrList, y: TensorOrList): Promise<number> {
    if (this.fitting) throw new Error('trainOnBatch: the model is training; await the running fit() first');
    const xs = toList(x);
    const ys = toList(y);
    this.checkInputs('trainOnBatch', xs);
    this.checkTargets('trainOnBatch', xs, ys);
    return (await this.step('trainOnBatch', xs, ys)).loss;
  }

  /** Predictions, computed in batches of `batchSize` (default 32); `x` may be plain number arrays. */
  predict(x: DataLike, options: BatchOptions = {}): TensorOrList {
    checkOptions('predict', options, ['batchSize']);
    const bs = batchSizeOption('predict', options.batchSize);
    const owned: Tensor[] = [];
    try {
      const xs = toTensorList('predict', 'x', x, owned);
      this.checkInputs('predict', xs);
      const n = xs[0].shape[0];
      const out = core.tidy(() => {
        if (n <= bs) return this.run(xs, false);
        const parts: Tensor[][] = [];
        for (let s = 0; s < n; s += bs) {
          const size = Math.min(bs, n - s);
          parts.push(this.run(xs.map((t) => core.slice(t, s, size)), false));
        }
        return parts[0].map((_, i) => core.concat(parts.map((p) => p[i]), 0));
      });
      return out.length === 1 ? out[0] : out;
    } finally {
      core.dispose(owned);
    }
  }

  /**
   * Loss and metrics over a dataset, in batches: `evaluate(x, y, options)` with tensors or arrays, or
   * `evaluate(batches)` over a DataInput (as `evaluateDataset`).
   */
  async evaluate(x: DataLike | DataInput, y?: DataLike, options: BatchOptions & { sampleWeight?: Tensor } = {}): Promise<Logs> {
    this.requireCompiled('evaluate');
    if (isDataInput(x)) {
      if (y !== undefined) throw new Error('evaluate: with batches (a DataInput) give no y; the batches hold { x, y }');
      return this.evaluateDataset(x);
    }
    checkOptions('evaluate', options, ['batchSize', 'sampleWeight']);
    const bs = batchSizeOption('evaluate', options.batchSize);
    const owned: Tensor[] = [];
    try {
      const xs = toTensorList('evaluate', 'x', x, owned);
      const ys = toTensorList('evaluate', 'y', y, owned);
      this.checkInputs('evaluate', xs);
      this.checkTargets('evaluate', xs, ys);
      if (xs[0].shape[0] === 0) throw new Error('evaluate: x has 0 samples; evaluate needs at least one');
      await this.checkValues('evaluate', xs, ys);
      const w = options.sampleWeight;
      if (w !== undefined) checkSampleWeight('evaluate', w, xs[0].shape[0]);
      return await this.evaluateLists(xs, ys, bs, '', w);
    } finally {
      core.dispose(owned);
    }
  }

  /** Loss and metrics over every batch of a DataInput (TF.js `evaluateDataset`). */
  async evaluateDataset(data: DataInput): Promise<Logs> {
    this.requireCompiled('evaluateDataset');
    if (!isDataInput(data)) throw new Error(`evaluateDataset: data must be a batch source or an (async) iterable of { x, y } batches, got ${given(data)}`);
    return this.evaluateBatches(data, '', 'evaluateDataset');
  }

  private async evaluateBatches(data: DataInput, prefix: string, op = 'evaluate'): Promise<Logs> {
    let lossSum = 0;
    let n = 0;
    const sums = this.metricList.map(() => [] as number[]);
    for await (const b of readBatches(this.fitTarget(), data, op)) {
      const size = b.xs[0].shape[0];
      const [l, stats] = this.evaluateBatch(b.xs, b.ys, b.weights);
      lossSum += (await hostValues(l))[0] * size;
      n += size;
      for (const [i, t] of stats.entries()) addStats(sums[i], await hostValues(t));
      core.dispose([l, stats]);
    }
    if (n === 0) throw new Error(`${op}: the batches were empty; there is nothing to evaluate`);
    const logs: Logs = { [`${prefix}loss`]: lossSum / n };
    this.metricList.forEach((m, i) => { logs[`${prefix}${m.name}`] = m.result(sums[i]); });
    return logs;
  }

  /** Loss and metric statistics of one batch in inference mode. */
  private evaluateBatch(bx: Tensor[], by: Tensor[], bw?: Tensor): [Tensor, Tensor[]] {
    const { loss } = this.requireCompiled('evaluate');
    return core.tidy(() => {
      const preds = this.run(bx, false);
      return [this.totalLoss(loss, by, preds, bw), this.metricList.map((m) => m.stats(by[0], preds[0]))] as [Tensor, Tensor[]];
    });
  }

  private async evaluateLists(xs: Tensor[], ys: Tensor[], bs: number, prefix: string, weights?: Tensor): Promise<Logs> {
    const n = xs[0].shape[0];
    let lossSum = 0;
    const sums = this.metricList.map(() => [] as number[]);
    for (let s = 0; s < n; s += bs) {
      const size = Math.min(bs, n - s);
      const [l, stats] = core.tidy(() => {
        const bx = xs.map((t) => core.slice(t, s, size));
        const by = ys.map((t) => core.slice(t, s, size));
        const bw = weights ? core.slice(weights, s, size) : undefined;
        return this.evaluateBatch(bx, by, bw);
      });
      lossSum += (await hostValues(l))[0] * size;
      for (const [i, t] of stats.entries()) addStats(sums[i], await hostValues(t));
      core.dispose([l, stats]);
    }
    const logs: Logs = { [`${prefix}loss`]: lossSum / n };
    this.metricList.forEach((m, i) => { logs[`${prefix}${m.name}`] = m.result(sums[i]); });
    return logs;
  }

  /** What the training loop needs from this model. */
  private fitTarget(): FitTarget {
    return {
      model: this,
      metrics: this.metricList,
      check: (op, xs, ys) => {
        this.checkInputs(op, xs);
        this.checkTargets(op, xs, ys);
      },
      checkValues: (op, xs, ys) => this.checkValues(op, xs, ys),
      step: (xs, ys, w) => this.step('fit', xs, ys, w),
      evaluate: (xs, ys, batchSize, prefix, w) => this.evaluateLists(xs, ys, batchSize, prefix, w),
      evaluateBatches: (data, prefix) => this.evaluateBatches(data, prefix),
      sampleWeights: (ys, cw, sw) => this.sampleWeights(ys, cw, sw),
      nextSeed: () => this.scope.nextSeed(),
    };
  }

  /**
   * Trains for `epochs`; resolves to the history of every logged value. Either `fit(x, y, args)` with
   * tensors or plain arrays, or `fit(batches, args)` over a DataInput (as `fitDataset`).
   */
  fit(x: DataLike, y: DataLike, args?: FitArgs): Promise<History>;
  fit(data: DataInput, args?: FitArgs): Promise<History>;
  async fit(x: DataLike | DataInput, y?: DataLike | FitArgs, args: FitArgs = {}): Promise<History> {
    if (isDataInput(x)) return this.fitDataset(x, (y as FitArgs | undefined) ?? {});
    this.requireCompiled('fit');
    return this.whileFitting(async () => {
      const owned: Tensor[] = [];
      try {
        const xs = toTensorList('fit', 'x', x, owned);
        const ys = toTensorList('fit', 'y', y, owned);
        return await fitLoop(this.fitTarget(), xs, ys, args);
      } finally {
        core.dispose(owned);
      }
    });
  }

  /** Trains over batches from a DataInput (a source re-read every epoch, or an (async) iterable of `{ x, y }`). */
  async fitDataset(data: DataInput, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fitDataset');
    return this.whileFitting(() => fitBatchesLoop(this.fitTarget(), data, args));
  }

  private async whileFitting<T>(run: () => Promise<T>): Promise<T> {
    if (this.fitting) {
      throw new Error('fit: the model is already training; await the running fit() before starting another');
    }
    this.fitting = true;
    try {
      return await run();
    } finally {
      this.fitting = false;
    }
  }

  /** Copies of the weights' current values (the caller owns them). */
  getWeights(): Tensor[] {
    return this.weights.map((v) => keep(clone(v.value)));
  }

  /** Replaces every weight; the list must match `weights` in length and shapes (nothing changes otherwise). */
  setWeights(weights: Tensor[]): void {
    const vars = this.weights;
    if (!Array.isArray(weights) || weights.length !== vars.length) {
      const got = Array.isArray(weights) ? weights.length : typeof weights;
      throw new Error(`setWeights: the model has ${vars.length} weights (${vars.map((v) => v.name).join(', ')}), got ${got}`);
    }
    weights.forEach((w, i) => {
      const v = vars[i];
      const fits = w instanceof core.Tensor && !w.isDisposed && w.dtype === 'float32' && w.rank === v.shape.length &&
        w.shape.every((d, j) => d === v.shape[j]);
      if (!fits) {
        const got = w instanceof core.Tensor ? `${shapeText([...w.shape])} ${w.dtype}` : typeof w;
        throw new Error(`setWeights: weight ${i} ('${v.name}') must be a float32 tensor of shape ${shapeText([...v.shape])}, got ${got}`);
      }
    });
    weights.forEach((w, i) => vars[i].assign(w));
  }

  /** A table of layers, output shapes and parameter counts; also printed with `print`. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const rows: [string, string, string][] = [['Layer (type)', 'Output shape', 'Param #']];
    const outShapes = this.layerOutputShapes();
    for (const l of this.layers) {
      if (l instanceof InputLayer) continue;
      const s = outShapes.get(l);
      const shape = s ? (isShapeList(s) ? s.map(shapeText).join(', ') : shapeText(s)) : '?';
      rows.push([`${l.name} (${l.className})`, shape, String(l.countParams())]);
    }
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)) + 2);
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('').trimEnd();
    const total = this.countParams();
    const trainable = this.trainableWeights.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0);
    const rule = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const text = [
      `Model: "${this.name}"`, rule, line(rows[0]), '='.repeat(rule.length),
      ...rows.slice(1).map(line), '='.repeat(rule.length),
      `Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`, rule,
    ].join('\n');
    print?.(text);
    return text;
  }

  /** Output shape per layer (for summary). */
  protected abstract layerOutputShapes(): Map<Layer, LayerShape | LayerShape[]>;

  /** Frees every weight and the optimizer's state. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.optimizer?.dispose();
  }
}

/** The loss of one output with per-sample weights: mean over every per-sample value of loss · weight (Keras 3, TF.js). */
function weightedLoss(loss: LossFn, y: Tensor, pred: Tensor, weights: Tensor): Tensor {
  const perSample = (loss as (yTrue: Tensor, yPred: Tensor, options: { reduction: 'none' }) => Tensor)(y, pred, { reduction: 'none' });
  if (perSample.rank === 0 || perSample.shape[0] !== pred.shape[0] || perSample.rank < weights.rank) {
    throw new Error('fit: classWeight/sampleWeight need per-sample losses, and this loss returned a scalar; use a built-in loss, ' +
      "or a loss function that honours a third argument { reduction: 'none' }");
  }
  const w = core.reshape(weights, [...weights.shape, ...perSample.shape.slice(weights.rank).map(() => 1)]);
  return core.mean(core.mul(perSample, w));
}

/** Each label's class weight: one-hot or probability labels by argmax, class indices and binary 0/1 labels by value. */
function classWeightByLabel(y: Tensor, classWeight: Record<number, number>, outShape: LayerShape | undefined): Tensor {
  const outLast = outShape?.[outShape.length - 1];
  const yLast = y.shape[y.rank - 1];
  const oneHot = y.rank >= 2 && yLast > 1;
  const keys = Object.keys(classWeight).map(Number);
  const size = Math.max(Math.max(...keys) + 1, oneHot ? yLast : 0, typeof outLast === 'number' ? outLast : 0, 2);
  const table = new Float32Array(size).fill(1);
  for (const k of keys) table[k] = classWeight[k];
  const lead = y.rank >= 2 && (oneHot || yLast === 1) ? y.shape.slice(0, -1) : y.shape;
  let idx: Tensor;
  if (oneHot) idx = core.argMax(y, -1);
  else if (outLast === 1) idx = core.cast(core.greater(core.reshape(y, lead), 0.5), 'int32');
  else idx = core.cast(core.reshape(y, lead), 'int32');
  const flat = core.gather(core.tensor(table, [size]), core.reshape(idx, [-1]));
  return core.reshape(flat, lead);
}
