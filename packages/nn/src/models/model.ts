// Models: the shared training machinery (compile, fit, evaluate, predict, trainOnBatch, weights,
// summary) and the two ways to define one: `sequential([...])` and functional `model({inputs, outputs})`.

import * as core from '@loom/core';
import { clone, keep, SeededRandom, type Tensor } from '@loom/core';
import { variableGrads } from '../autograd/tape.js';
import type { Variable } from '../autograd/variable.js';
import type { Callback, History, Logs, TrainableModel } from '../callbacks.js';
import { progressCallback, type Progress } from '../callbacks.js';
import { nextSeed } from '../initializers.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type Metric } from '../metrics.js';
import { getOptimizer, type Optimizer } from '../optimizers.js';
import { shapeText } from '../util.js';
import { input as makeInput, InputLayer } from '../layers/core-layers.js';
import { isShapeList, Layer, Node, SymbolicTensor, type LayerShape } from '../layers/layer.js';

/** One tensor, or one per model input/output. */
export type TensorOrList = Tensor | Tensor[];

/** Arguments of `compile`. */
export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn;
  metrics?: (string | Metric)[];
}

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
  /** Seed of the shuffling order. */
  seed?: number;
  /** Called after every batch with the overall progress. */
  onProgress?: (p: Progress) => void;
}

const toList = (x: TensorOrList): Tensor[] => (Array.isArray(x) ? x : [x]);

async function hostValues(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
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

  constructor(name?: string) {
    this.name = name ?? 'model';
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
  /** Serializable topology. */
  protected abstract topology(): Record<string, unknown>;

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
      if (!ok) throw new Error(`${op}: input ${i} has shape ${shapeText([...x.shape])} but the model expects ${shapeText(want)} (null = any size)`);
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
    if (!args || !args.optimizer || !args.loss) throw new Error('compile: needs { optimizer, loss, metrics? }');
    const opt = getOptimizer(args.optimizer);
    const loss = getLoss(args.loss);
    const metrics = (args.metrics ?? []).map(getMetric);
    if (this.optimizer && this.optimizer !== opt) this.optimizer.dispose();
    this.optimizer = opt;
    this.lossFn = loss;
    this.lossSpec = args.loss;
    this.metricList = metrics;
  }

  private requireCompiled(op: string): { optimizer: Optimizer; loss: LossFn } {
    if (!this.optimizer || !this.lossFn) throw new Error(`${op}: the model is not compiled; call model.compile({ optimizer, loss }) first`);
    return { optimizer: this.optimizer, loss: this.lossFn };
  }

  private checkTargets(op: string, xs: Tensor[], ys: Tensor[]): void {
    const outs = this.outputShapes;
    if (outs && ys.length !== outs.length) throw new Error(`${op}: the model has ${outs.length} output(s) but ${ys.length} target tensor(s) were given`);
    ys.forEach((y, i) => {
      if (!(y instanceof core.Tensor)) throw new Error(`${op}: target ${i} must be a Tensor`);
      y.assertAlive(op);
      if (y.rank === 0 || y.shape[0] !== xs[0].shape[0]) {
        throw new Error(`${op}: target ${i} has shape ${shapeText([...y.shape])}, but the inputs have ${xs[0].shape[0]} samples`);
      }
    });
  }

  private totalLoss(loss: LossFn, ys: Tensor[], preds: Tensor[]): Tensor {
    const parts = preds.map((p, i) => loss(ys[i], p));
    return parts.length === 1 ? parts[0] : parts.reduce((a, b) => core.add(a, b));
  }

  /** One optimizer step; returns the loss and the batch's metric sums. Leaves weights unchanged on a non-finite loss. */
  private async step(op: string, xs: Tensor[], ys: Tensor[]): Promise<{ loss: number; stats: number[][] }> {
    const { optimizer, loss } = this.requireCompiled(op);
    const stats: Tensor[] = [];
    let result;
    try {
      result = variableGrads(() => {
        const preds = this.run(xs, true);
        for (const m of this.metricList) stats.push(keep(m.stats(ys[0], preds[0])));
        return this.totalLoss(loss, ys, preds);
      }, this.trainableWeights);
    } catch (e) {
      core.dispose(stats);
      throw e;
    }
    const { value, grads } = result;
    try {
      const lossVal = (await hostValues(value))[0];
      if (!Number.isFinite(lossVal)) {
        throw new Error(`${op}: the loss became ${lossVal}; the weights were left unchanged (check the data for NaN/Infinity, or lower the learning rate)`);
      }
      optimizer.applyGradients(grads);
      const s = await Promise.all(stats.map(hostValues));
      return { loss: lossVal, stats: s };
    } finally {
      value.dispose();
      core.dispose([...grads.values()]);
      core.dispose(stats);
    }
  }

  /** Trains on one batch; resolves to the loss. */
  async trainOnBatch(x: TensorOrList, y: TensorOrList): Promise<number> {
    const xs = toList(x);
    const ys = toList(y);
    this.checkInputs('trainOnBatch', xs);
    this.checkTargets('trainOnBatch', xs, ys);
    return (await this.step('trainOnBatch', xs, ys)).loss;
  }

  /** Predictions, computed in batches of `batchSize` (default 32). */
  predict(x: TensorOrList, options: { batchSize?: number } = {}): TensorOrList {
    const xs = toList(x);
    this.checkInputs('predict', xs);
    const bs = options.batchSize ?? 32;
    if (!Number.isInteger(bs) || bs < 1) throw new Error(`predict: batchSize must be a positive integer, got ${bs}`);
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
  }

  /** Loss and metrics over a dataset, in batches. */
  async evaluate(x: TensorOrList, y: TensorOrList, options: { batchSize?: number } = {}): Promise<Logs> {
    const xs = toList(x);
    const ys = toList(y);
    this.checkInputs('evaluate', xs);
    this.checkTargets('evaluate', xs, ys);
    return this.evaluateLists(xs, ys, options.batchSize ?? 32, '');
  }

  private async evaluateLists(xs: Tensor[], ys: Tensor[], bs: number, prefix: string): Promise<Logs> {
    const { loss } = this.requireCompiled('evaluate');
    const n = xs[0].shape[0];
    let lossSum = 0;
    const sums = this.metricList.map(() => [] as number[]);
    for (let s = 0; s < n; s += bs) {
      const size = Math.min(bs, n - s);
      const [l, stats] = core.tidy(() => {
        const bx = xs.map((t) => core.slice(t, s, size));
        const by = ys.map((t) => core.slice(t, s, size));
        const preds = this.run(bx, false);
        return [this.totalLoss(loss, by, preds), this.metricList.map((m) => m.stats(by[0], preds[0]))] as [Tensor, Tensor[]];
      });
      lossSum += (await hostValues(l))[0] * size;
      for (const [i, t] of stats.entries()) addInto(sums[i], await hostValues(t));
      core.dispose([l, stats]);
    }
    const logs: Logs = { [`${prefix}loss`]: lossSum / n };
    this.metricList.forEach((m, i) => { logs[`${prefix}${m.name}`] = m.result(sums[i]); });
    return logs;
  }

  /** Trains for `epochs` over (x, y); resolves to the history of every logged value. */
  async fit(x: TensorOrList, y: TensorOrList, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    const xs = toList(x);
    const ys = toList(y);
    this.checkInputs('fit', xs);
    this.checkTargets('fit', xs, ys);
    const epochs = args.epochs ?? 1;
    const bs = args.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(bs) || bs < 1) throw new Error(`fit: batchSize must be a positive integer, got ${bs}`);
    for (const [what, list] of [['x', xs], ['y', ys]] as const) {
      for (const [i, t] of list.entries()) {
        if (t.dtype !== 'float32') continue;
        const bad = core.tidy(() => core.sum(core.cast(core.logicalNot(core.isFinite(t)), 'int32')));
        const count = (await bad.data())[0];
        bad.dispose();
        if (count > 0) throw new Error(`fit: ${what}${list.length > 1 ? `[${i}]` : ''} contains ${count} NaN or infinite value(s); clean or impute the data first`);
      }
    }
    const owned: Tensor[] = [];
    let trainX = xs;
    let trainY = ys;
    let valX: Tensor[] | undefined;
    let valY: Tensor[] | undefined;
    if (args.validationData) {
      valX = toList(args.validationData[0]);
      valY = toList(args.validationData[1]);
      this.checkInputs('fit (validationData)', valX);
      this.checkTargets('fit (validationData)', valX, valY);
    } else if (args.validationSplit) {
      const f = args.validationSplit;
      if (!(f > 0 && f < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${f}`);
      const n = xs[0].shape[0];
      const nVal = Math.floor(n * f);
      if (nVal < 1 || nVal >= n) throw new Error(`fit: validationSplit ${f} of ${n} samples leaves an empty training or validation set`);
      const cut = (ts: Tensor[], s: number, size: number) => ts.map((t) => { const r = core.slice(t, s, size); owned.push(r); return r; });
      trainX = cut(xs, 0, n - nVal); trainY = cut(ys, 0, n - nVal);
      valX = cut(xs, n - nVal, nVal); valY = cut(ys, n - nVal, nVal);
    }
    const n = trainX[0].shape[0];
    const batches = Math.ceil(n / bs);
    const rng = new SeededRandom(args.seed ?? nextSeed());
    const callbacks = [...(args.callbacks ?? [])];
    if (args.onProgress) callbacks.push(progressCallback(args.onProgress, epochs, batches));
    for (const c of callbacks) c.setModel?.(this);
    const history: History = { epoch: [], history: {} };
    this.stopTraining = false;
    try {
      for (const c of callbacks) await c.onTrainBegin?.({});
      for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
        for (const c of callbacks) await c.onEpochBegin?.(epoch, {});
        const order = Int32Array.from({ length: n }, (_, i) => i);
        if (args.shuffle ?? true) {
          for (let i = n - 1; i > 0; i--) {
            const j = Math.floor(rng.uniform() * (i + 1));
            const t = order[i]; order[i] = order[j]; order[j] = t;
          }
        }
        let lossSum = 0;
        const sums = this.metricList.map(() => [] as number[]);
        for (let b = 0; b < batches; b++) {
          const idx = order.subarray(b * bs, Math.min(n, (b + 1) * bs));
          for (const c of callbacks) await c.onBatchBegin?.(b, { batch: b, size: idx.length });
          const it = core.tensor(idx, [idx.length], 'int32');
          const bx = trainX.map((t) => core.gather(t, it));
          const by = trainY.map((t) => core.gather(t, it));
          let r;
          try {
            r = await this.step('fit', bx, by);
          } catch (e) {
            throw new Error(`${(e as Error).message} (epoch ${epoch + 1}, batch ${b + 1})`, { cause: e });
          } finally {
            core.dispose([it, bx, by]);
          }
          lossSum += r.loss * idx.length;
          r.stats.forEach((s, i) => addInto(sums[i], s));
          const batchLogs: Logs = { batch: b, size: idx.length, loss: r.loss };
          this.metricList.forEach((m, i) => { batchLogs[m.name] = m.result(r.stats[i]); });
          for (const c of callbacks) await c.onBatchEnd?.(b, batchLogs);
          if (this.stopTraining) break;
        }
        const logs: Logs = { loss: lossSum / n };
        this.metricList.forEach((m, i) => { logs[m.name] = m.result(sums[i]); });
        if (valX && valY) Object.assign(logs, await this.evaluateLists(valX, valY, bs, 'val_'));
        history.epoch.push(epoch);
        for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
        if (args.verbose) console.log(`Epoch ${epoch + 1}/${epochs} ${Object.entries(logs).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(' ')}`);
        for (const c of callbacks) await c.onEpochEnd?.(epoch, logs);
      }
      for (const c of callbacks) await c.onTrainEnd?.(history.epoch.length ? lastLogs(history) : {});
    } finally {
      core.dispose(owned);
    }
    return history;
  }

  /** Copies of the weights' current values (the caller owns them). */
  getWeights(): Tensor[] {
    return this.weights.map((v) => keep(clone(v.value)));
  }

  /** Replaces every weight; the list must match `weights` in length and shapes (nothing changes otherwise). */
  setWeights(weights: Tensor[]): void {
    const vars = this.weights;
    if (!Array.isArray(weights) || weights.length !== vars.length) {
      throw new Error(`setWeights: the model has ${vars.length} weights (${vars.map((v) => v.name).join(', ')}), got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    weights.forEach((w, i) => {
      const v = vars[i];
      if (!(w instanceof core.Tensor) || w.isDisposed || w.dtype !== 'float32' || w.rank !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(`setWeights: weight ${i} ('${v.name}') must be a float32 tensor of shape ${shapeText([...v.shape])}, got ${w instanceof core.Tensor ? `${shapeText([...w.shape])} ${w.dtype}` : typeof w}`);
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
      rows.push([`${l.name} (${l.className})`, s ? (isShapeList(s) ? s.map(shapeText).join(', ') : shapeText(s)) : '?', String(l.countParams())]);
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

  /** Serializes topology and weights: JSON-able `topology` and `weightSpecs`, binary `weightData`. */
  async save(): Promise<SavedModel> {
    if (!this.inputShapes) throw new Error('save: the model is not built yet; call it on data or give the first layer an inputShape');
    const vars = this.weights;
    const specs = vars.map((v) => ({ name: v.name, shape: [...v.shape], dtype: 'float32' as const }));
    const total = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const data = new Float32Array(total);
    let off = 0;
    for (const v of vars) {
      const d = (await v.value.data()) as Float32Array;
      data.set(d, off);
      off += d.length;
    }
    return {
      format: 'loom-nn-model', version: 1, topology: this.topology(), weightSpecs: specs, weightData: data.buffer,
      ...(this.lossSpec && typeof this.lossSpec === 'string' ? { training: { loss: this.lossSpec } } : {}),
    };
  }

  /** Frees every weight and the optimizer's state. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.optimizer?.dispose();
  }
}

function addInto(acc: number[], s: readonly number[]): void {
  s.forEach((v, i) => { acc[i] = (acc[i] ?? 0) + v; });
}

function lastLogs(h: History): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(h.history)) out[k] = v[v.length - 1];
  return out;
}

/** What `save()` produces and `loadModel()` accepts. */
export interface SavedModel {
  format: 'loom-nn-model';
  version: 1;
  topology: Record<string, unknown>;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightData: ArrayBuffer;
  training?: { loss: string };
}

/** A plain stack of single-input, single-output layers. */
export class Sequential extends Model {
  readonly className = 'Sequential';
  private readonly list: Layer[] = [];
  private shapes?: LayerShape[];

  constructor(args: { layers?: Layer[]; name?: string } = {}) {
    super(args.name ?? 'sequential');
    for (const l of args.layers ?? []) this.add(l);
  }

  get layers(): Layer[] { return [...this.list]; }

  /** Appends a layer (built at once when the input shape is known). */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`sequential: expected a layer, got ${typeof layer}`);
    if (this.list.includes(layer)) throw new Error(`sequential: layer '${layer.name}' was added twice`);
    this.list.push(layer);
    if (this.list.length === 1 && layer.batchInputShape) this.buildShapes(layer.batchInputShape);
    else if (this.shapes) this.buildShapes(this.shapes[0]);
  }

  private buildShapes(inputShape: LayerShape): void {
    const shapes: LayerShape[] = [inputShape];
    let s = inputShape;
    for (const l of this.list) {
      l.ensureBuilt(s);
      const o = l.computeOutputShape(s);
      if (isShapeList(o)) throw new Error(`sequential: layer '${l.name}' has several outputs; use the functional model() API`);
      shapes.push(o);
      s = o;
    }
    this.shapes = shapes;
  }

  get inputShapes(): LayerShape[] | undefined { return this.shapes ? [this.shapes[0]] : undefined; }
  get outputShapes(): LayerShape[] | undefined { return this.shapes ? [this.shapes[this.shapes.length - 1]] : undefined; }

  protected buildFrom(xs: Tensor[]): void {
    if (this.list.length === 0) throw new Error('sequential: the model has no layers');
    if (xs.length !== 1) throw new Error(`sequential: takes one input, got ${xs.length}`);
    this.buildShapes([null, ...xs[0].shape.slice(1)]);
  }

  protected run(xs: Tensor[], training: boolean): Tensor[] {
    return core.tidy(() => {
      let h = xs[0];
      for (const l of this.list) {
        const out = l.call(h, training);
        if (Array.isArray(out)) throw new Error(`sequential: layer '${l.name}' returned several outputs`);
        h = out;
      }
      return [h === xs[0] ? core.clone(h) : h];
    });
  }

  protected layerOutputShapes(): Map<Layer, LayerShape | LayerShape[]> {
    const m = new Map<Layer, LayerShape>();
    this.list.forEach((l, i) => { if (this.shapes) m.set(l, this.shapes[i + 1]); });
    return m;
  }

  protected topology(): Record<string, unknown> {
    return { className: 'Sequential', config: { name: this.name, layers: this.list.map(serializeLayerSafe) } };
  }
}

/** A graph of layers from symbolic inputs to outputs (multi-input, branching, shared layers). */
export class Functional extends Model {
  readonly className = 'Model';
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  private readonly nodes: Node[];

  constructor(args: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string }) {
    super(args.name ?? 'model');
    this.inputs = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
    this.outputs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
    for (const s of [...this.inputs, ...this.outputs]) {
      if (!(s instanceof SymbolicTensor)) throw new Error('model: inputs and outputs must be symbolic tensors (from input() and layer.apply())');
    }
    for (const s of this.inputs) {
      if (!(s.node.layer instanceof InputLayer)) throw new Error('model: every input must come from input({ shape })');
    }
    const order: Node[] = [];
    const seen = new Set<Node>();
    const visit = (n: Node): void => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const i of n.inputs) visit(i.node);
      order.push(n);
    };
    for (const o of this.outputs) visit(o.node);
    for (const n of order) {
      if (n.layer instanceof InputLayer && !this.inputs.some((s) => s.node === n)) {
        throw new Error(`model: the outputs depend on input '${n.layer.name}', which is not listed in inputs`);
      }
    }
    this.nodes = order;
  }

  get layers(): Layer[] { return [...new Set(this.nodes.map((n) => n.layer))]; }
  get inputShapes(): LayerShape[] { return this.inputs.map((s) => s.shape); }
  get outputShapes(): LayerShape[] { return this.outputs.map((s) => s.shape); }
  protected buildFrom(): void {}

  protected run(xs: Tensor[], training: boolean): Tensor[] {
    return core.tidy(() => {
      const values = new Map<number, Tensor>();
      this.inputs.forEach((s, i) => values.set(s.id, xs[i]));
      for (const n of this.nodes) {
        if (n.layer instanceof InputLayer) continue;
        const ins = n.inputs.map((s) => values.get(s.id)!);
        const out = n.layer.call(n.listInput ? ins : ins[0], training);
        const outs = Array.isArray(out) ? out : [out];
        n.outputs.forEach((s, i) => values.set(s.id, outs[i]));
      }
      return this.outputs.map((s) => {
        const v = values.get(s.id)!;
        return xs.includes(v) ? core.clone(v) : v;
      });
    });
  }

  protected layerOutputShapes(): Map<Layer, LayerShape | LayerShape[]> {
    const m = new Map<Layer, LayerShape | LayerShape[]>();
    for (const n of this.nodes) m.set(n.layer, n.outputs.length === 1 ? n.outputs[0].shape : n.outputs.map((o) => o.shape));
    return m;
  }

  protected topology(): Record<string, unknown> {
    const layers = this.layers;
    const ref = (s: SymbolicTensor): [number, number] => [this.nodes.indexOf(s.node), s.outputIndex];
    return {
      className: 'Model',
      config: {
        name: this.name,
        layers: layers.map(serializeLayerSafe),
        nodes: this.nodes.map((n) => ({ layer: layers.indexOf(n.layer), inputs: n.inputs.map(ref), listInput: n.listInput })),
        inputs: this.inputs.map(ref),
        outputs: this.outputs.map(ref),
      },
    };
  }

  /** @internal rebuilds a functional graph from `topology()` output with fresh layers. */
  static fromTopology(config: Record<string, unknown>, layers: Layer[]): Functional {
    const nodes = config.nodes as { layer: number; inputs: [number, number][]; listInput: boolean }[];
    const refsOk = (r: unknown, limit: number) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && r[0] >= 0 && r[0] < limit;
    if (!Array.isArray(nodes)) throw new Error('model load: functional topology has no nodes list');
    const outs: SymbolicTensor[][] = [];
    nodes.forEach((n, i) => {
      const layer = layers[n.layer];
      if (!layer) throw new Error(`model load: node ${i} refers to missing layer ${n.layer}`);
      if (layer instanceof InputLayer) {
        outs.push([makeInput({ shape: layer.batchInputShape!.slice(1) as number[], name: layer.name })]);
        return;
      }
      if (!Array.isArray(n.inputs) || !n.inputs.every((r) => refsOk(r, i))) throw new Error(`model load: node ${i} has invalid input references`);
      const ins = n.inputs.map(([ni, oi]) => outs[ni][oi]);
      const r = layer.apply(n.listInput ? ins : ins[0]);
      outs.push(Array.isArray(r) ? r : [r]);
    });
    const pick = (list: unknown, what: string) => {
      if (!Array.isArray(list) || !list.every((r) => refsOk(r, nodes.length))) throw new Error(`model load: invalid ${what} references`);
      return (list as [number, number][]).map(([ni, oi]) => outs[ni][oi]);
    };
    return new Functional({ inputs: pick(config.inputs, 'input'), outputs: pick(config.outputs, 'output'), name: config.name as string });
  }
}

function serializeLayerSafe(l: Layer): Record<string, unknown> {
  return { className: l.className, config: { name: l.name, trainable: l.trainable, ...(l.batchInputShape ? { batchInputShape: l.batchInputShape } : {}), ...l.getConfig() } };
}
