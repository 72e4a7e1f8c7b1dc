// The Layer base class (weights as Variables, build-on-first-use, Keras-style configs), symbolic
// tensors for the functional API, and the registry that recreates layers from saved configs.

import { Tensor } from '@loom/core';
import { Variable } from '../autograd/variable.js';
import type { Initializer } from '../initializers.js';

/** A shape with a `null` batch (or unknown) dimension. */
export type LayerShape = (number | null)[];

/** Arguments every layer accepts. */
export interface LayerArgs {
  name?: string;
  /** Shape of one sample (without the batch dim); only needed on a model's first layer. */
  inputShape?: number[];
  /** Full input shape including the batch dim (null for any). */
  batchInputShape?: LayerShape;
  trainable?: boolean;
}

const nameCounters = new Map<string, number>();

function uniqueName(prefix: string): string {
  const n = (nameCounters.get(prefix) ?? 0) + 1;
  nameCounters.set(prefix, n);
  return n === 1 ? prefix : `${prefix}_${n - 1}`;
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

let symbolicId = 0;

/** A placeholder in a functional graph: a shape and the layer call that produces it. */
export class SymbolicTensor {
  readonly id = symbolicId++;
  constructor(
    readonly shape: LayerShape,
    readonly node: Node,
    readonly outputIndex: number,
  ) {}
}

/** One call of a layer in a functional graph. */
export class Node {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    /** True when the layer was applied to a list (merge layers), false for one input. */
    readonly listInput = false,
  ) {}
}

/** Anything a layer can be applied to. */
export type LayerInput = Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[];

/** Base class of all layers. Subclasses define build, call, computeOutputShape and getConfig. */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  built = false;
  batchInputShape?: LayerShape;
  protected readonly vars: Variable[] = [];

  constructor(args: LayerArgs = {}, defaultPrefix?: string) {
    this.name = args.name ?? uniqueName(defaultPrefix ?? snake(new.target.name));
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) {
      if (!Array.isArray(args.inputShape) || args.inputShape.some((d) => d !== null && (!Number.isInteger(d) || d < 0))) {
        throw new Error(`${this.name}: inputShape must be a list of non-negative integers, got ${JSON.stringify(args.inputShape)}`);
      }
      this.batchInputShape = [null, ...args.inputShape];
    }
  }

  /** Creates the weights for inputs of `inputShape` (batch dim included, possibly null). */
  abstract build(inputShape: LayerShape | LayerShape[]): void;

  /** The forward computation on concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], training: boolean): Tensor | Tensor[];

  /** Output shape(s) for input shape(s). */
  abstract computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[];

  /** Layer-specific config (Keras names); `name` and `trainable` are added by `serialize`. */
  abstract getConfig(): Record<string, unknown>;

  /** Adds a weight created by `init`; weight names are `layerName/name`. */
  protected addWeight(name: string, shape: number[], init: Initializer, trainable = true): Variable {
    const t = init.create(shape);
    const v = new Variable(t, { name: `${this.name}/${name}`, trainable });
    t.dispose();
    this.vars.push(v);
    return v;
  }

  /** Every weight in Keras order (e.g. kernel, bias; BN gamma, beta, movingMean, movingVariance). */
  get weights(): Variable[] {
    return [...this.vars];
  }

  /** Weights updated by the optimizer (none when the layer is frozen). */
  get trainableWeights(): Variable[] {
    return this.trainable ? this.weights.filter((v) => v.trainable) : [];
  }

  /** Weights not updated by the optimizer (moving statistics, frozen layers). */
  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.weights.filter((v) => !v.trainable) : this.weights;
  }

  /** Number of scalars in all weights. */
  countParams(): number {
    return this.weights.reduce((n, v) => n + v.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Builds once, checking the input shape against an earlier build. */
  ensureBuilt(inputShape: LayerShape | LayerShape[]): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /**
   * Applies the layer: to tensors (eager, inference mode) or to symbolic tensors (builds a
   * functional graph and returns symbolic outputs).
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[], options?: { training?: boolean }): Tensor | Tensor[];
  apply(inputs: LayerInput, options: { training?: boolean } = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`${this.name}: apply needs at least one input`);
    if (list.every((t) => t instanceof SymbolicTensor)) {
      const sym = list as SymbolicTensor[];
      const shapes = sym.map((s) => s.shape);
      const inShape = Array.isArray(inputs) ? shapes : shapes[0];
      this.ensureBuilt(inShape);
      const out = this.computeOutputShape(inShape);
      const node = new Node(this, sym, Array.isArray(inputs));
      const outShapes = isShapeList(out) ? out : [out];
      node.outputs = outShapes.map((s, i) => new SymbolicTensor(s, node, i));
      return isShapeList(out) ? node.outputs : node.outputs[0];
    }
    if (!list.every((t) => t instanceof Tensor)) throw new Error(`${this.name}: apply takes tensors or symbolic tensors, not a mix`);
    const ts = list as Tensor[];
    const shapes = ts.map((t) => [null, ...t.shape.slice(1)] as LayerShape);
    this.ensureBuilt(Array.isArray(inputs) ? shapes : shapes[0]);
    return this.call(Array.isArray(inputs) ? ts : ts[0], options.training ?? false);
  }

  /** Frees the layer's weights. */
  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}

/** True for a list of shapes (as opposed to one shape). */
export function isShapeList(s: LayerShape | LayerShape[]): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** One input shape (rejecting lists). */
export function single(layer: string, s: LayerShape | LayerShape[]): LayerShape {
  if (isShapeList(s)) throw new Error(`${layer}: expects one input, got ${s.length}`);
  return s;
}

/** One input tensor (rejecting lists). */
export function one(layer: string, x: Tensor | Tensor[]): Tensor {
  if (Array.isArray(x)) {
    if (x.length !== 1) throw new Error(`${layer}: expects one input, got ${x.length}`);
    return x[0];
  }
  return x;
}

/** Recreates a layer from its class name and config; filled by each layer module. */
export const LAYER_REGISTRY = new Map<string, (config: Record<string, unknown>) => Layer>();

/** A layer's serializable description. */
export interface LayerJSON {
  className: string;
  config: Record<string, unknown>;
}

/** The JSON form of a layer (class name + config with name, trainable, batchInputShape). */
export function serializeLayer(layer: Layer): LayerJSON {
  return {
    className: layer.className,
    config: {
      name: layer.name, trainable: layer.trainable,
      ...(layer.batchInputShape ? { batchInputShape: layer.batchInputShape } : {}),
      ...layer.getConfig(),
    },
  };
}

/** Recreates a layer from `serializeLayer` output. */
export function deserializeLayer(json: LayerJSON): Layer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string' || !json.config || typeof json.config !== 'object') {
    throw new Error(`model load: a layer entry must be { className, config }, got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  const make = LAYER_REGISTRY.get(json.className);
  if (!make) throw new Error(`model load: unknown layer class '${json.className}'; known: ${[...LAYER_REGISTRY.keys()].join(', ')}`);
  return make(json.config);
}
