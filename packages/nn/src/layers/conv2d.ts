// 2-D convolution and pooling on [batch, height, width, channels] (Keras channels-last), on core's
// conv2d / maxPool2d / avgPool2d, and the 2-D global pooling layers.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import type { Variable } from '../autograd/variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { shapeText } from '../util.js';
import { bool, given, oneOf, positiveInt } from '../validate.js';
import type { ActivationSpec } from './core-layers.js';
import { Layer, layerArgs, one, single, type LayerArgs, type LayerShape } from './layer.js';

type Padding2D = 'valid' | 'same';
type Pair = [number, number];

/** A positive integer or a list of two (Keras writes kernelSize, strides etc. either way). */
function pair(op: string, name: string, v: unknown, dflt?: Pair): Pair {
  if (v === undefined && dflt !== undefined) return dflt;
  if (Number.isSafeInteger(v) && (v as number) >= 1) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isSafeInteger(d) && d >= 1)) return [v[0], v[1]];
  throw new Error(`${op}: ${name} must be a positive integer or a list of two, got ${given(v)}`);
}

function outSize(len: number | null, k: number, stride: number, dilation: number, padding: Padding2D): number | null {
  if (len === null) return null;
  if (padding === 'same') return Math.ceil(len / stride);
  const eff = (k - 1) * dilation + 1;
  return len < eff ? 0 : Math.floor((len - eff) / stride) + 1;
}

function rank4(layer: string, s: LayerShape): [number | null, number | null, number | null, number] {
  if (s.length !== 4 || s[3] === null) {
    throw new Error(`${layer}: expected input [batch, height, width, channels] with known channels, got ${shapeText(s)}`);
  }
  return s as [number | null, number | null, number | null, number];
}

function input4(layer: string, inputs: Tensor | Tensor[]): Tensor {
  const x = one(layer, inputs);
  if (x.rank !== 4) throw new Error(`${layer}: expected input [batch, height, width, channels], got ${shapeText([...x.shape])}`);
  return x;
}

/** Arguments of conv2d. */
export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding2D;
  dilationRate?: number | [number, number];
  activation?: ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
}

/** 2-D convolution: kernel [kh, kw, inChannels, filters], bias [filters] (Keras layout). */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding2D;
  readonly dilationRate: Pair;
  readonly useBias: boolean;
  readonly activation: ActivationFn;
  kernel!: Variable;
  bias?: Variable;
  private readonly args: Conv2DArgs;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  constructor(args: Conv2DArgs) {
    const a = layerArgs('conv2d', args, [
      'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
    ]);
    super(a);
    this.args = a;
    this.filters = positiveInt('conv2d', 'filters', a.filters);
    this.kernelSize = pair('conv2d', 'kernelSize', a.kernelSize);
    this.strides = pair('conv2d', 'strides', a.strides, [1, 1]);
    this.dilationRate = pair('conv2d', 'dilationRate', a.dilationRate, [1, 1]);
    // Keras refuses the combination too: a strided, dilated kernel skips inputs unevenly.
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new Error(`conv2d: strides [${this.strides}] and dilationRate [${this.dilationRate}] cannot both be > 1`);
    }
    this.padding = oneOf<Padding2D>('conv2d', 'padding', a.padding, ['valid', 'same'], 'valid');
    this.useBias = bool('conv2d', 'useBias', a.useBias, true);
    this.activation = getActivation(a.activation);
    this.kernelInit = getInitializer(a.kernelInitializer, 'glorotUniform', 'conv2d (kernelInitializer)');
    this.biasInit = getInitializer(a.biasInitializer, 'zeros', 'conv2d (biasInitializer)');
  }
  build(s: LayerShape | LayerShape[]): void {
    const [, , , c] = rank4(this.name, single(this.name, s));
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c, this.filters], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return core.tidy(() => {
      const x = input4(this.name, inputs);
      const k = this.kernel.value;
      if (x.shape[3] !== k.shape[2]) {
        throw new Error(`${this.name}: expected input [batch, height, width, ${k.shape[2]}], got ${shapeText([...x.shape])}`);
      }
      let y = core.conv2d(x, k, { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
      if (this.bias) y = core.add(y, this.bias.value);
      return this.activation(y);
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, h, w] = rank4(this.name, single(this.name, s));
    return [
      b, outSize(h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding),
      outSize(w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding), this.filters,
    ];
  }
  getConfig(): Record<string, unknown> {
    const act = activationName(this.args.activation);
    if (act === undefined) throw new Error(`${this.name}: a custom activation function cannot be saved`);
    return { filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, activation: act, useBias: this.useBias };
  }
}

/** Arguments of the 2-D pooling layers. */
export interface Pool2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding2D;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding2D;
  constructor(args: Pool2DArgs, private readonly kind: 'max' | 'avg') {
    const op = kind === 'max' ? 'maxPooling2d' : 'averagePooling2d';
    const a = layerArgs(op, args, ['poolSize', 'strides', 'padding']);
    super(a);
    this.poolSize = pair(op, 'poolSize', a.poolSize, [2, 2]);
    // Keras: strides null means the pool size.
    this.strides = pair(op, 'strides', a.strides ?? undefined, this.poolSize);
    this.padding = oneOf<Padding2D>(op, 'padding', a.padding, ['valid', 'same'], 'valid');
  }
  build(s: LayerShape | LayerShape[]): void { rank4(this.name, single(this.name, s)); }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = input4(this.name, inputs);
    const o = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.kind === 'max' ? core.maxPool2d(x, o) : core.avgPool2d(x, o);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, h, w, c] = rank4(this.name, single(this.name, s));
    return [b, outSize(h, this.poolSize[0], this.strides[0], 1, this.padding), outSize(w, this.poolSize[1], this.strides[1], 1, this.padding), c];
  }
  getConfig(): Record<string, unknown> { return { poolSize: this.poolSize, strides: this.strides, padding: this.padding }; }
}

/** Max over poolSize windows of each channel. */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args: Pool2DArgs = {}) { super(args, 'max'); }
}

/** Average over poolSize windows of each channel (padding excluded). */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(args: Pool2DArgs = {}) { super(args, 'avg'); }
}

/** Arguments of the 2-D global pooling layers. */
export interface GlobalPool2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1: [b, 1, 1, c] (Keras keepdims). */
  keepdims?: boolean;
}

abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  constructor(args: GlobalPool2DArgs, private readonly kind: 'max' | 'avg') {
    const op = kind === 'max' ? 'globalMaxPooling2d' : 'globalAveragePooling2d';
    const a = layerArgs(op, args, ['keepdims']);
    super(a);
    this.keepdims = bool(op, 'keepdims', a.keepdims, false);
  }
  build(s: LayerShape | LayerShape[]): void { rank4(this.name, single(this.name, s)); }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = input4(this.name, inputs);
    return this.kind === 'max' ? core.max(x, [1, 2], this.keepdims) : core.mean(x, [1, 2], this.keepdims);
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, , , c] = rank4(this.name, single(this.name, s));
    return this.keepdims ? [b, 1, 1, c] : [b, c];
  }
  getConfig(): Record<string, unknown> { return { keepdims: this.keepdims }; }
}

/** Mean over the height and width axes: [b, h, w, c] → [b, c]. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPool2DArgs = {}) { super(args, 'avg'); }
}

/** Max over the height and width axes. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPool2DArgs = {}) { super(args, 'max'); }
}
