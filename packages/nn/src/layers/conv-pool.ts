// 1-D convolution and pooling layers on [batch, steps, channels] (Keras channels-last), and the
// global pooling layers.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import type { Variable } from '../autograd/variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { shapeText } from '../util.js';
import { bool, given, oneOf } from '../validate.js';
import type { ActivationSpec } from './core-layers.js';
import { getConstraint, serializeConstraint, type Constraint } from '../constraints.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from '../regularizers.js';
import { Layer, layerArgs, one, single, type LayerArgs, type LayerShape } from './layer.js';

type Padding1D = 'valid' | 'same' | 'causal';

function outLength(len: number | null, k: number, stride: number, dilation: number, padding: Padding1D): number | null {
  if (len === null) return null;
  const eff = (k - 1) * dilation + 1;
  if (padding === 'same') return Math.ceil(len / stride);
  if (padding === 'causal') return Math.floor((len - 1) / stride) + 1;
  return len < eff ? 0 : Math.floor((len - eff) / stride) + 1;
}

function rank3(layer: string, s: LayerShape): [number | null, number | null, number] {
  if (s.length !== 3 || s[2] === null) {
    throw new Error(`${layer}: expected input [batch, steps, channels] with known channels, got ${shapeText(s)}`);
  }
  return s as [number | null, number | null, number];
}

function posInt(layer: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${layer}: ${name} must be a positive integer, got ${given(v)}`);
  return v as number;
}

/** Arguments of conv1d. */
export interface Conv1DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: Padding1D;
  dilationRate?: number;
  activation?: ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  kernelConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
}

/** 1-D convolution: kernel [kernelSize, inChannels, filters], bias [filters]; 'causal' pads on the left. */
export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly useBias: boolean;
  readonly activation: ActivationFn;
  kernel!: Variable;
  bias?: Variable;
  private readonly args: Conv1DArgs;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  private readonly kernelRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  private readonly kernelConstraint?: Constraint;
  private readonly biasConstraint?: Constraint;
  constructor(args: Conv1DArgs) {
    const a = layerArgs('conv1d', args, [
      'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
      'kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint',
    ]);
    super(a);
    this.kernelRegularizer = getRegularizer('conv1d', 'kernelRegularizer', a.kernelRegularizer);
    this.biasRegularizer = getRegularizer('conv1d', 'biasRegularizer', a.biasRegularizer);
    this.kernelConstraint = getConstraint('conv1d', 'kernelConstraint', a.kernelConstraint);
    this.biasConstraint = getConstraint('conv1d', 'biasConstraint', a.biasConstraint);
    this.args = a;
    this.filters = posInt('conv1d', 'filters', a.filters);
    // NOTE: a one-element list is accepted for kernelSize, as Keras configs write it.
    const k: unknown = a.kernelSize;
    this.kernelSize = posInt('conv1d', 'kernelSize', Array.isArray(k) && k.length === 1 ? k[0] : k);
    this.strides = posInt('conv1d', 'strides', a.strides ?? 1);
    this.dilationRate = posInt('conv1d', 'dilationRate', a.dilationRate ?? 1);
    this.padding = oneOf<Padding1D>('conv1d', 'padding', a.padding, ['valid', 'same', 'causal'], 'valid');
    this.useBias = bool('conv1d', 'useBias', a.useBias, true);
    this.activation = getActivation(a.activation);
    this.kernelInit = getInitializer(a.kernelInitializer, 'glorotUniform', 'conv1d (kernelInitializer)');
    this.biasInit = getInitializer(a.biasInitializer, 'zeros', 'conv1d (biasInitializer)');
  }
  build(s: LayerShape | LayerShape[]): void {
    const [, , c] = rank3(this.name, single(this.name, s));
    this.kernel = this.addWeight('kernel', [this.kernelSize, c, this.filters], this.kernelInit, true,
      { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], this.biasInit, true, { regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    }
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      let x = one(this.name, inputs);
      const k = this.kernel.value;
      if (x.rank !== 3 || x.shape[2] !== k.shape[1]) {
        throw new Error(`${this.name}: expected input [batch, steps, ${k.shape[1]}], got ${shapeText([...x.shape])}`);
      }
      let padding: 'valid' | 'same' = this.padding === 'same' ? 'same' : 'valid';
      if (this.padding === 'causal') {
        x = core.pad(x, [[0, 0], [(this.kernelSize - 1) * this.dilationRate, 0], [0, 0]]);
        padding = 'valid';
      }
      let y = core.conv1d(x, k, { stride: this.strides, padding, dilation: this.dilationRate });
      if (this.bias) y = core.add(y, this.bias.value);
      return this.activation(y);
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, len] = rank3(this.name, single(this.name, s));
    return [b, outLength(len, this.kernelSize, this.strides, this.dilationRate, this.padding), this.filters];
  }
  getConfig(): Record<string, unknown> {
    const act = activationName(this.args.activation);
    if (act === undefined) throw new Error(`${this.name}: a custom activation function cannot be saved`);
    return { filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, activation: act, useBias: this.useBias,
      ...(this.kernelRegularizer ? { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: serializeRegularizer(this.biasRegularizer) } : {}),
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}) };
  }
}

/** Arguments of the 1-D pooling layers. */
export interface Pool1DArgs extends LayerArgs {
  poolSize?: number;
  strides?: number;
  padding?: 'valid' | 'same';
}

abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';
  constructor(args: Pool1DArgs, private readonly kind: 'max' | 'avg') {
    const op = kind === 'max' ? 'maxPooling1d' : 'averagePooling1d';
    const a = layerArgs(op, args, ['poolSize', 'strides', 'padding']);
    super(a);
    this.poolSize = posInt(op, 'poolSize', a.poolSize ?? 2);
    this.strides = posInt(op, 'strides', a.strides ?? this.poolSize);
    this.padding = oneOf(op, 'padding', a.padding, ['valid', 'same'] as const, 'valid');
  }
  build(s: LayerShape | LayerShape[]): void { rank3(this.name, single(this.name, s)); }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this.name, inputs);
    if (x.rank !== 3) throw new Error(`${this.name}: expected input [batch, steps, channels], got ${shapeText([...x.shape])}`);
    const o = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.kind === 'max' ? core.maxPool1d(x, o) : core.avgPool1d(x, o);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, len, c] = rank3(this.name, single(this.name, s));
    return [b, outLength(len, this.poolSize, this.strides, 1, this.padding), c];
  }
  getConfig(): Record<string, unknown> { return { poolSize: this.poolSize, strides: this.strides, padding: this.padding }; }
}

/** Max over windows of `poolSize` steps. */
export class MaxPooling1D extends Pooling1D {
  readonly className = 'MaxPooling1D';
  constructor(args: Pool1DArgs = {}) { super(args, 'max'); }
}

/** Average over windows of `poolSize` steps (padding excluded). */
export class AveragePooling1D extends Pooling1D {
  readonly className = 'AveragePooling1D';
  constructor(args: Pool1DArgs = {}) { super(args, 'avg'); }
}

abstract class GlobalPooling1D extends Layer {
  constructor(args: LayerArgs, private readonly kind: 'max' | 'avg') {
    super(layerArgs(kind === 'max' ? 'globalMaxPooling1d' : 'globalAveragePooling1d', args, []));
  }
  build(s: LayerShape | LayerShape[]): void { rank3(this.name, single(this.name, s)); }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this.name, inputs);
    if (x.rank !== 3) throw new Error(`${this.name}: expected input [batch, steps, channels], got ${shapeText([...x.shape])}`);
    return this.kind === 'max' ? core.max(x, 1) : core.mean(x, 1);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, , c] = rank3(this.name, single(this.name, s));
    return [b, c];
  }
  getConfig(): Record<string, unknown> { return {}; }
}

/** Mean over the steps axis: [b, steps, c] → [b, c]. */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  readonly className = 'GlobalAveragePooling1D';
  constructor(args: LayerArgs = {}) { super(args, 'avg'); }
}

/** Max over the steps axis. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  readonly className = 'GlobalMaxPooling1D';
  constructor(args: LayerArgs = {}) { super(args, 'max'); }
}
