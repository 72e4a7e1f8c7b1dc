// Core layers: input, dense, activation, flatten, reshape, dropout, embedding, batch and layer
// normalization, and the merge layers (concatenate, add) used by functional models.

import * as core from '@loom/core';
import { SeededRandom, type Tensor } from '@loom/core';
import { activationName, getActivation, type ActivationFn, type ActivationName } from '../activations.js';
import type { Variable } from '../autograd/variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { checkIndicesSync, shapeText } from '../util.js';
import { getConstraint, serializeConstraint, type Constraint } from '../constraints.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from '../regularizers.js';
import { bool, checkOptions, finite, given, inRange, integer, positive, positiveInt } from '../validate.js';
import { Layer, layerArgs, Node, one, single, SymbolicTensor, type LayerArgs, type LayerScope, type LayerShape } from './layer.js';

/** An activation given by name or function. */
export type ActivationSpec = ActivationName | ActivationFn | string;

function serializableActivation(layer: string, a: ActivationSpec | undefined): string {
  const n = activationName(a);
  if (n === undefined) throw new Error(`${layer}: a custom activation function cannot be saved; use a built-in name`);
  return n;
}

/** x·kernel on the last axis of a rank ≥ 2 tensor (leading axes flattened into one for the matmul). */
function lastAxisMatmul(x: Tensor, kernel: Tensor): Tensor {
  if (x.rank === 2) return core.matmul(x, kernel);
  const lead = x.shape.slice(0, -1);
  const y = core.matmul(core.reshape(x, [-1, x.shape[x.rank - 1]]), kernel);
  return core.reshape(y, [...lead, kernel.shape[1]]);
}

function lastDim(layer: string, s: LayerShape): number {
  const d = s[s.length - 1];
  if (s.length < 2 || d === null) throw new Error(`${layer}: needs a known last dimension and rank >= 2, got input shape ${shapeText(s)}`);
  return d;
}

/** The shape of a normalization layer's output: its input, which needs a known last dimension. */
function normShape(layer: string, s: LayerShape | LayerShape[]): LayerShape {
  const sh = single(layer, s);
  lastDim(layer, sh);
  return sh;
}

/** The input placeholder of a functional model. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(args: LayerArgs) {
    super(layerArgs('input', args, []), 'input');
    if (!this.batchInputShape) throw new Error('input: needs a shape (e.g. input({ shape: [10] }))');
  }
  build(): void {}
  call(x: Tensor | Tensor[]): Tensor { return core.clone(one(this.name, x)); }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return single(this.name, s); }
  getConfig(): Record<string, unknown> { return {}; }
}

/** A symbolic input for `model({ inputs, outputs })`. `shape` excludes the batch dim. */
export function input(args: { shape: number[]; name?: string }): SymbolicTensor {
  checkOptions('input', args, ['shape', 'name']);
  if (!args || args.shape === undefined) throw new Error('input: needs a shape (e.g. input({ shape: [10] }))');
  const layer = new InputLayer({ inputShape: args.shape, name: args.name });
  layer.built = true;
  const node = new Node(layer, []);
  node.outputs = [new SymbolicTensor(layer.batchInputShape!, node, 0)];
  return node.outputs[0];
}

/** Arguments of `dense`. */
export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /** A penalty on the kernel: 'l1', 'l2', 'l1_l2' or regularizers.l2(0.01) etc. */
  kernelRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  /** A projection of the kernel after each update: constraints.maxNorm() etc. */
  kernelConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
}

/** y = activation(x·kernel + bias); kernel [in, units] (Keras layout), on the last axis. */
export class Dense extends Layer {
  readonly className = 'Dense';
  protected override readonly supportsMasking = true;
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  kernel!: Variable;
  bias?: Variable;
  private readonly args: DenseArgs;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  private readonly kernelRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  private readonly kernelConstraint?: Constraint;
  private readonly biasConstraint?: Constraint;

  constructor(args: DenseArgs) {
    const a = layerArgs('dense', args, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
      'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint']);
    super(a);
    this.kernelRegularizer = getRegularizer('dense', 'kernelRegularizer', a.kernelRegularizer);
    this.biasRegularizer = getRegularizer('dense', 'biasRegularizer', a.biasRegularizer);
    this.kernelConstraint = getConstraint('dense', 'kernelConstraint', a.kernelConstraint);
    this.biasConstraint = getConstraint('dense', 'biasConstraint', a.biasConstraint);
    this.units = positiveInt('dense', 'units', a.units);
    this.args = a;
    this.activation = getActivation(a.activation);
    this.useBias = bool('dense', 'useBias', a.useBias, true);
    // Resolved here so a bad name fails at construction, not at the first call.
    this.kernelInit = getInitializer(a.kernelInitializer, 'glorotUniform', 'dense (kernelInitializer)');
    this.biasInit = getInitializer(a.biasInitializer, 'zeros', 'dense (biasInitializer)');
  }
  build(s: LayerShape | LayerShape[]): void {
    const inDim = lastDim(this.name, single(this.name, s));
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInit, true,
      { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], this.biasInit, true, { regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    }
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      const x = one(this.name, inputs);
      const k = this.kernel.value;
      if (x.shape[x.rank - 1] !== k.shape[0]) {
        throw new Error(`${this.name}: expected input with last dimension ${k.shape[0]}, got shape ${shapeText([...x.shape])}`);
      }
      // The common case runs as one fused kernel: activation(x·kernel + bias).
      const fused = activationName(this.args.activation);
      if (x.rank === 2 && fused !== undefined && (core.FUSED_ACTIVATIONS as readonly string[]).includes(fused)) {
        return core.fusedMatmul(x, k, { bias: this.bias?.value, activation: fused as core.FusedActivation });
      }
      let y = lastAxisMatmul(x, k);
      if (this.bias) y = core.add(y, this.bias.value);
      return this.activation(y);
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const sh = single(this.name, s);
    lastDim(this.name, sh);
    return [...sh.slice(0, -1), this.units];
  }
  getConfig(): Record<string, unknown> {
    return {
      units: this.units, activation: serializableActivation(this.name, this.args.activation), useBias: this.useBias,
      // Saved only when set, so configs of unregularized layers stay as before.
      ...(this.kernelRegularizer ? { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: serializeRegularizer(this.biasRegularizer) } : {}),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
    };
  }
}

/** Applies an activation function. */
export class Activation extends Layer {
  readonly className = 'Activation';
  protected override readonly supportsMasking = true;
  readonly fn: ActivationFn;
  private readonly args: LayerArgs & { activation: ActivationSpec };
  constructor(args: LayerArgs & { activation: ActivationSpec }) {
    const a = layerArgs('activation', args, ['activation']);
    super(a);
    if (a.activation === undefined) throw new Error(`activation: needs an activation, e.g. { activation: 'relu' }`);
    this.args = a;
    this.fn = getActivation(a.activation);
  }
  build(): void {}
  call(x: Tensor | Tensor[]): Tensor { return this.fn(one(this.name, x)); }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return single(this.name, s); }
  getConfig(): Record<string, unknown> { return { activation: serializableActivation(this.name, this.args.activation) }; }
}

/** Flattens all but the batch dim. */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(args: LayerArgs = {}) {
    super(layerArgs('flatten', args, []));
  }
  build(): void {}
  call(x: Tensor | Tensor[]): Tensor {
    const t = one(this.name, x);
    return core.reshape(t, [t.shape[0], -1]);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const sh = single(this.name, s);
    const rest = sh.slice(1);
    return [sh[0], rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  getConfig(): Record<string, unknown> { return {}; }
}

/** Reshapes each sample to `targetShape` (one entry may be −1). */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    const a = layerArgs('reshape', args, ['targetShape']);
    super(a);
    const t = a.targetShape;
    const ok = Array.isArray(t) && t.every((d) => d === -1 || (Number.isSafeInteger(d) && d >= 1)) && t.filter((d) => d === -1).length <= 1;
    if (!ok) throw new Error(`reshape: targetShape must be a list of positive integers (at most one -1), got ${given(t)}`);
    this.targetShape = [...t];
  }
  build(s: LayerShape | LayerShape[]): void {
    this.computeOutputShape(s);
  }
  call(x: Tensor | Tensor[]): Tensor {
    const t = one(this.name, x);
    this.computeOutputShape([null, ...t.shape.slice(1)]);
    return core.reshape(t, [t.shape[0], ...this.targetShape]);
  }
  /** The output shape; refuses a sample size the target shape cannot hold as soon as the input shape is known. */
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const sh = single(this.name, s);
    const known = sh.slice(1);
    if (!known.every((d) => d !== null)) return [sh[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const total = (known as number[]).reduce((a, b) => a * b, 1);
    const other = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const fits = this.targetShape.includes(-1) ? total % other === 0 : total === other;
    if (!fits) {
      throw new Error(`${this.name}: cannot reshape samples of shape ${shapeText(known)} (${total} values) to ` +
        `${shapeText(this.targetShape)}${this.targetShape.includes(-1) ? ` (${other} does not divide ${total})` : ` (${other} values)`}`);
    }
    return [sh[0], ...this.targetShape.map((d) => (d === -1 ? total / other : d))];
  }
  getConfig(): Record<string, unknown> { return { targetShape: this.targetShape }; }
}

/** Inverted dropout mask: kept entries scaled by 1/(1 − rate). */
export function dropoutMask(shape: readonly number[], rate: number, rng: SeededRandom): Tensor {
  return core.tidy(() => {
    const u = core.randomUniform(shape, { seed: rng.nextUint32() });
    return core.div(core.cast(core.greaterEqual(u, rate), 'float32'), 1 - rate);
  });
}

/** Zeroes a fraction `rate` of inputs during training (scaling the rest); identity at inference. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  protected override readonly supportsMasking = true;
  readonly rate: number;
  readonly seed?: number;
  private rng?: SeededRandom;
  constructor(args: LayerArgs & { rate: number; seed?: number }) {
    const a = layerArgs('dropout', args, ['rate', 'seed']);
    super(a);
    this.rate = inRange('dropout', 'rate', a.rate, 0, 1, true);
    this.seed = a.seed === undefined ? undefined : finite('dropout', 'seed', a.seed);
  }
  protected override joined(scope: LayerScope): void {
    this.rng = new SeededRandom(this.seed ?? scope.nextSeed());
  }
  build(): void {}
  call(x: Tensor | Tensor[], training: boolean): Tensor {
    const t = one(this.name, x);
    if (!training || this.rate === 0) return core.clone(t);
    this.joinedScope();
    return core.tidy(() => core.mul(t, dropoutMask(t.shape, this.rate, this.rng!)));
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return single(this.name, s); }
  getConfig(): Record<string, unknown> { return { rate: this.rate, ...(this.seed !== undefined ? { seed: this.seed } : {}) }; }
}

/** Maps integer ids to dense vectors: embeddings [inputDim, outputDim]. */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  embeddings!: Variable;
  private readonly init: Initializer;
  private readonly regularizer?: Regularizer;
  private readonly constraint?: Constraint;
  /** Id 0 is padding: the output's mask marks the steps whose id is not 0 (Keras mask_zero). */
  readonly maskZero: boolean;
  constructor(args: EmbeddingArgs) {
    const a = layerArgs('embedding', args, ['inputDim', 'outputDim', 'embeddingsInitializer', 'maskZero',
      'embeddingsRegularizer', 'embeddingsConstraint']);
    super(a);
    this.regularizer = getRegularizer('embedding', 'embeddingsRegularizer', a.embeddingsRegularizer);
    this.constraint = getConstraint('embedding', 'embeddingsConstraint', a.embeddingsConstraint);
    this.inputDim = positiveInt('embedding', 'inputDim', a.inputDim);
    this.outputDim = positiveInt('embedding', 'outputDim', a.outputDim);
    this.maskZero = bool('embedding', 'maskZero', a.maskZero, false);
    this.init = getInitializer(a.embeddingsInitializer, 'randomUniform', 'embedding (embeddingsInitializer)');
  }
  build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.init, true,
      { regularizer: this.regularizer, constraint: this.constraint });
  }
  /**
   * Ids must be integers in [0, inputDim): checked here where the backend reads synchronously (js,
   * wasm), and by fit and evaluate on every backend; on webgpu, predict and trainOnBatch do not check.
   */
  call(x: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      const t = one(this.name, x);
      if (t.dtype === 'bool') throw new Error(`${this.name}: ids are bool; valid: int32 or integer-valued float32`);
      checkIndicesSync(this.name, 'id', t, this.inputDim);
      const idx = t.dtype === 'int32' ? t : core.cast(t, 'int32');
      return core.gather(this.embeddings.value, idx, 0);
    });
  }
  override computeMask(inputs: Tensor | Tensor[], mask: Tensor | undefined): Tensor | undefined {
    if (!this.maskZero) return super.computeMask(inputs, mask);
    return core.notEqual(one(this.name, inputs), 0);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return [...single(this.name, s), this.outputDim]; }
  getConfig(): Record<string, unknown> {
    return {
      inputDim: this.inputDim, outputDim: this.outputDim, ...(this.maskZero ? { maskZero: true } : {}),
      ...(this.regularizer ? { embeddingsRegularizer: serializeRegularizer(this.regularizer) } : {}),
      ...(this.constraint ? { embeddingsConstraint: serializeConstraint(this.constraint) } : {}),
    };
  }
}

/** Arguments of embedding. */
export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: string | Initializer;
  maskZero?: boolean;
  embeddingsRegularizer?: string | Regularizer;
  embeddingsConstraint?: string | Constraint;
}

/**
 * Marks padded time steps: a step whose features all equal `maskValue` is masked (the layers after it
 * skip it) and its values become 0. Input [batch, steps, features].
 */
export class Masking extends Layer {
  readonly className = 'Masking';
  protected override readonly supportsMasking = true;
  readonly maskValue: number;
  constructor(args: LayerArgs & { maskValue?: number } = {}) {
    const a = layerArgs('masking', args, ['maskValue']);
    super(a);
    this.maskValue = finite('masking', 'maskValue', a.maskValue, 0);
  }
  build(s: LayerShape | LayerShape[]): void {
    const sh = single(this.name, s);
    if (sh.length < 3) throw new Error(`${this.name}: expected input [batch, steps, features], got ${shapeText(sh)}`);
  }
  /** [batch, steps] bool: true where any feature differs from maskValue. */
  private stepMask(x: Tensor): Tensor {
    return core.tidy(() => core.greater(core.sum(core.cast(core.notEqual(x, this.maskValue), 'float32'), -1), 0));
  }
  call(x: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      const t = one(this.name, x);
      return core.mul(t, core.cast(core.expandDims(this.stepMask(t), -1), 'float32'));
    });
  }
  override computeMask(inputs: Tensor | Tensor[]): Tensor {
    return this.stepMask(one(this.name, inputs));
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return single(this.name, s); }
  getConfig(): Record<string, unknown> { return { maskValue: this.maskValue }; }
}

/** Arguments of batchNormalization (Keras defaults). */
export interface BatchNormArgs extends LayerArgs {
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}

/**
 * Normalizes the last axis with batch statistics in training (updating moving averages) and the
 * moving statistics at inference. Weights: gamma, beta, movingMean, movingVariance.
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  protected override readonly supportsMasking = true;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma?: Variable;
  beta?: Variable;
  movingMean!: Variable;
  movingVariance!: Variable;
  constructor(args: BatchNormArgs = {}) {
    const a = layerArgs('batchNormalization', args, ['momentum', 'epsilon', 'center', 'scale']);
    super(a);
    this.momentum = inRange('batchNormalization', 'momentum', a.momentum, 0, 1, false, 0.99);
    this.epsilon = positive('batchNormalization', 'epsilon', a.epsilon, 1e-3);
    this.center = bool('batchNormalization', 'center', a.center, true);
    this.scale = bool('batchNormalization', 'scale', a.scale, true);
  }
  build(s: LayerShape | LayerShape[]): void {
    const d = lastDim(this.name, single(this.name, s));
    if (this.scale) this.gamma = this.addWeight('gamma', [d], getInitializer('ones', 'ones'));
    if (this.center) this.beta = this.addWeight('beta', [d], getInitializer('zeros', 'zeros'));
    this.movingMean = this.addWeight('movingMean', [d], getInitializer('zeros', 'zeros'), false);
    this.movingVariance = this.addWeight('movingVariance', [d], getInitializer('ones', 'ones'), false);
  }
  call(inputs: Tensor | Tensor[], training: boolean): Tensor {
    return core.tidy(() => {
      const x = one(this.name, inputs);
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      let mean: Tensor;
      let variance: Tensor;
      // NOTE: a frozen layer (trainable false) normalizes with its moving statistics, as Keras 2 does.
      if (training && this.trainable) {
        mean = core.mean(x, axes);
        variance = core.variance(x, axes);
        const m = this.momentum;
        this.movingMean.assign(core.add(core.mul(this.movingMean.value, m), core.mul(mean, 1 - m)));
        this.movingVariance.assign(core.add(core.mul(this.movingVariance.value, m), core.mul(variance, 1 - m)));
      } else {
        mean = this.movingMean.value;
        variance = this.movingVariance.value;
      }
      let y = core.mul(core.sub(x, mean), core.rsqrt(core.add(variance, this.epsilon)));
      if (this.gamma) y = core.mul(y, this.gamma.value);
      if (this.beta) y = core.add(y, this.beta.value);
      return y;
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return normShape(this.name, s); }
  getConfig(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/** Normalizes each sample over its last axis; weights gamma, beta. */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  protected override readonly supportsMasking = true;
  readonly epsilon: number;
  gamma!: Variable;
  beta!: Variable;
  constructor(args: LayerArgs & { epsilon?: number } = {}) {
    const a = layerArgs('layerNormalization', args, ['epsilon']);
    super(a);
    this.epsilon = positive('layerNormalization', 'epsilon', a.epsilon, 1e-3);
  }
  build(s: LayerShape | LayerShape[]): void {
    const d = lastDim(this.name, single(this.name, s));
    this.gamma = this.addWeight('gamma', [d], getInitializer('ones', 'ones'));
    this.beta = this.addWeight('beta', [d], getInitializer('zeros', 'zeros'));
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      const x = one(this.name, inputs);
      const mean = core.mean(x, -1, true);
      const v = core.variance(x, -1, true);
      const y = core.mul(core.sub(x, mean), core.rsqrt(core.add(v, this.epsilon)));
      return core.add(core.mul(y, this.gamma.value), this.beta.value);
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape { return normShape(this.name, s); }
  getConfig(): Record<string, unknown> { return { epsilon: this.epsilon }; }
}

export function multiShapes(layer: string, s: LayerShape | LayerShape[]): LayerShape[] {
  if (!Array.isArray(s[0]) || s.length < 2) throw new Error(`${layer}: expects a list of at least 2 inputs`);
  return s as LayerShape[];
}

/** Dims agree unless one is unknown (null). */
const dimsAgree = (a: number | null, b: number | null): boolean => a === null || b === null || a === b;

/** The merged shape (known dims win over null); refuses ranks or dims (except `skipAxis`) that differ. */
export function mergeShapes(layer: string, list: LayerShape[], skipAxis: number | null, what: string): LayerShape {
  const out = [...list[0]];
  for (const [i, s] of list.entries()) {
    const bad = s.length !== out.length || s.some((d, j) => j !== skipAxis && !dimsAgree(d, out[j]));
    if (bad) throw new Error(`${layer}: input shapes ${shapeText(list[0])} and ${shapeText(s)} (input ${i}) ${what}`);
    s.forEach((d, j) => { if (out[j] === null) out[j] = d; });
  }
  return out;
}

/** Joins its inputs along `axis` (default −1). */
export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  protected override readonly supportsMasking = true;
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    const a = layerArgs('concatenate', args, ['axis']);
    super(a);
    this.axis = integer('concatenate', 'axis', a.axis, -1);
  }
  build(s: LayerShape | LayerShape[]): void {
    this.computeOutputShape(s);
  }
  call(x: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(x) || x.length < 2) throw new Error(`${this.name}: expects a list of at least 2 inputs`);
    this.computeOutputShape(x.map((t) => [...t.shape]));
    return core.concat(x, this.axis);
  }
  /** Inputs of one rank whose dims agree except along `axis`. */
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const list = multiShapes(this.name, s);
    const rank = list[0].length;
    const ax = this.axis < 0 ? this.axis + rank : this.axis;
    if (ax < 0 || ax >= rank) throw new Error(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank}`);
    const out = mergeShapes(this.name, list, ax, `differ outside the concatenation axis ${this.axis}`);
    out[ax] = list.some((l) => l[ax] === null) ? null : list.reduce((n, l) => n + (l[ax] as number), 0);
    return out;
  }
  getConfig(): Record<string, unknown> { return { axis: this.axis }; }
}

/** Elementwise sum of its inputs (all of one shape; no broadcasting, as Keras). */
export class Add extends Layer {
  readonly className = 'Add';
  protected override readonly supportsMasking = true;
  constructor(args: LayerArgs = {}) {
    super(layerArgs('add', args, []));
  }
  build(s: LayerShape | LayerShape[]): void {
    this.computeOutputShape(s);
  }
  call(x: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(x) || x.length < 2) throw new Error(`${this.name}: expects a list of at least 2 inputs`);
    mergeShapes(this.name, x.map((t) => [...t.shape]), null, 'differ; add needs inputs of one shape');
    return core.tidy(() => x.slice(1).reduce((a, b) => core.add(a, b), x[0]));
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    return mergeShapes(this.name, multiShapes(this.name, s), null, 'differ; add needs inputs of one shape');
  }
  getConfig(): Record<string, unknown> { return {}; }
}
