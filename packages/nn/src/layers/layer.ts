// The Layer base class (weights as Variables, build-on-first-use, Keras-style configs), the scope a
// model gives its layers (names and seeds), symbolic tensors for the functional API, the JSON form
// of a layer (recreated from it by layers/classes.ts), and the guard loadModel puts on weight creation.

import { add, SeededRandom, Tensor, tidy } from '@loom/core';
import { Variable } from '../autograd/variable.js';
import type { Constraint } from '../constraints.js';
import { defaultSeed, type Initializer } from '../initializers.js';
import type { Regularizer } from '../regularizers.js';
import { bool, checkOptions, checkShape, given } from '../validate.js';

/** A shape with a `null` batch (or unknown) dimension. */
export type LayerShape = (number | null)[];

/** The option names of LayerArgs. */
const LAYER_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'trainable'] as const;

/** A layer's options, checked for unknown keys (`own`: the layer's options beyond LayerArgs); undefined reads as {}. */
export function layerArgs<T extends object>(op: string, args: T | undefined, own: readonly string[]): T {
  checkOptions(op, args, [...LAYER_OPTIONS, ...own]);
  return args ?? ({} as T);
}

/** Arguments every layer accepts. */
export interface LayerArgs {
  name?: string;
  /** Shape of one sample (without the batch dim); only needed on a model's first layer. */
  inputShape?: number[];
  /** Full input shape including the batch dim (null for any). */
  batchInputShape?: LayerShape;
  trainable?: boolean;
}

/**
 * What one model gives its layers: auto names unique within it (the first dense is 'dense', the next
 * 'dense_1', as Keras numbers a fresh session) and the seed stream their initial weights come from.
 * Nothing is shared between models, so a model's weight names and values never depend on what else
 * the process built.
 */
export class LayerScope {
  private readonly counts = new Map<string, number>();
  private readonly taken = new Set<string>();
  private readonly seeds: SeededRandom;

  constructor(seed: number) {
    this.seeds = new SeededRandom(seed);
  }

  /** Marks a given name as used, so auto names avoid it. */
  reserve(name: string): void {
    this.taken.add(name);
  }

  /** `prefix`, then `prefix_1`, `prefix_2`, … skipping names already used in this scope. */
  uniqueName(prefix: string): string {
    for (;;) {
      const n = this.counts.get(prefix) ?? 0;
      this.counts.set(prefix, n + 1);
      const name = n === 0 ? prefix : `${prefix}_${n}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }

  /** The next seed of the stream. */
  nextSeed(): number {
    return this.seeds.nextUint32();
  }
}

/** Called before each weight is created; loadModel sets one so a save cannot make it build weights it does not hold. */
type WeightGuard = (layer: string, weight: string, shape: readonly number[]) => void;
let weightGuard: WeightGuard | undefined;

/** @internal Runs `f` (synchronously) with `guard` checking every weight a layer creates. */
export function withWeightGuard<T>(guard: WeightGuard, f: () => T): T {
  const previous = weightGuard;
  weightGuard = guard;
  try {
    return f();
  } finally {
    weightGuard = previous;
  }
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A placeholder in a functional graph: a shape and the layer call that produces it. */
export class SymbolicTensor {
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
  trainable: boolean;
  built = false;
  batchInputShape?: LayerShape;
  protected readonly vars: Variable[] = [];
  /** Penalties and projections registered with addWeight, per weight. */
  private readonly penalties: [Variable, Regularizer][] = [];
  private readonly projections: [Variable, Constraint][] = [];
  private readonly prefix: string;
  private givenName?: string;
  private scope?: LayerScope;

  constructor(args: LayerArgs = {}, defaultPrefix?: string) {
    this.prefix = defaultPrefix ?? snake(new.target.name);
    if (typeof args !== 'object' || args === null) throw new Error(`${this.prefix}: options must be an object, got ${given(args)}`);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new Error(`${this.prefix}: name must be a non-empty string, got ${given(args.name)}`);
    }
    this.givenName = args.name;
    this.trainable = bool(this.name, 'trainable', args.trainable, true);
    if (args.batchInputShape !== undefined) {
      const s = checkShape(this.name, 'batchInputShape', args.batchInputShape, true);
      if (s.length === 0) throw new Error(`${this.name}: batchInputShape needs at least the batch dimension, got []`);
      this.batchInputShape = s;
    } else if (args.inputShape !== undefined) {
      this.batchInputShape = [null, ...checkShape(this.name, 'inputShape', args.inputShape, true)];
    }
  }

  /**
   * The given name, else the one taken on joining a model (unique in it); until then, and for a
   * layer built outside any model, the snake_case class name.
   */
  get name(): string {
    return this.givenName ?? this.prefix;
  }

  /** @internal Marks a given name as used in `scope` before auto names are handed out. */
  reserveName(scope: LayerScope): void {
    if (this.givenName !== undefined) scope.reserve(this.givenName);
  }

  /**
   * @internal Joins a model's scope: takes a name unique in it (or `fallbackName`) unless the layer
   * has one, then draws its seeds from it. A layer joins once: one shared with a second model, or
   * built before it joined, keeps its name and weights.
   */
  adopt(scope: LayerScope, fallbackName?: string): void {
    if (this.scope) {
      scope.reserve(this.name);
      return;
    }
    this.scope = scope;
    if (this.givenName !== undefined) scope.reserve(this.givenName);
    else if (fallbackName !== undefined) scope.reserve((this.givenName = fallbackName));
    else this.givenName = scope.uniqueName(this.prefix);
    this.joined(scope);
  }

  /** Called once on joining a scope: layers with random state draw its seed here; wrappers pass the scope on. */
  protected joined(_scope: LayerScope): void {}

  /** The scope the layer joined; one used outside any model joins a scope of its own (from `setSeed`'s seed). */
  protected joinedScope(): LayerScope {
    if (!this.scope) this.adopt(new LayerScope(defaultSeed()));
    return this.scope!;
  }

  /** Creates the weights for inputs of `inputShape` (batch dim included, possibly null). */
  abstract build(inputShape: LayerShape | LayerShape[]): void;

  /**
   * The forward computation on concrete tensors. `mask` ([batch, steps] bool, from a masking layer or
   * an embedding with maskZero) marks the real time steps; the recurrent layers skip the others.
   */
  abstract call(inputs: Tensor | Tensor[], training: boolean, mask?: Tensor): Tensor | Tensor[];

  /** Layers that keep the [batch, steps] axes and let a mask pass through them (Keras supports_masking). */
  protected readonly supportsMasking: boolean = false;

  /**
   * The mask of the output, given the input and its mask (Keras computeMask): passed on by layers that
   * support masking; a layer that does not refuses a masked input, rather than silently mixing padding in.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Tensor | undefined): Tensor | undefined {
    if (!mask || this.supportsMasking) return mask;
    throw new Error(`${this.name}: this layer does not support masking, but its input carries a mask (from a masking layer or ` +
      `embedding maskZero); put it after a recurrent layer without returnSequences, or drop the mask`);
  }

  /** Output shape(s) for input shape(s). */
  abstract computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[];

  /** Layer-specific config (Keras names); `name` and `trainable` are added by `serialize`. */
  abstract getConfig(): Record<string, unknown>;

  /**
   * Adds a weight created by `init`; weight names are `layerName/name`. A `regularizer` adds its
   * penalty to regularizationLoss; a `constraint` projects the weight in applyConstraints.
   */
  protected addWeight(name: string, shape: number[], init: Initializer, trainable = true,
    extras: { regularizer?: Regularizer; constraint?: Constraint } = {}): Variable {
    const seeds = this.joinedScope();
    weightGuard?.(this.name, `${this.name}/${name}`, shape);
    const size = shape.reduce((a, b) => a * b, 1);
    // NOTE: typed arrays stop at 2^32 elements; say which weight is too big instead of a bare RangeError.
    if (!(size <= 2 ** 32)) throw new Error(`${this.name}: weight '${name}' of shape [${shape}] has ${size} elements; the most is 2^32`);
    const t = init.create(shape, init.needsSeed ? seeds.nextSeed() : undefined);
    const v = new Variable(t, { name: `${this.name}/${name}`, trainable });
    t.dispose();
    this.vars.push(v);
    if (extras.regularizer) this.penalties.push([v, extras.regularizer]);
    if (extras.constraint) this.projections.push([v, extras.constraint]);
    return v;
  }

  /**
   * The sum of this layer's weight penalties from the weights' current values (call it inside the
   * gradient tape so the penalty's gradient flows); null when the layer has none. Weights of a frozen
   * layer, or non-trainable ones, add nothing, as in Keras (their penalty cannot change).
   */
  regularizationLoss(): Tensor | null {
    const active = this.penalties.filter(([v]) => this.trainable && v.trainable);
    if (active.length === 0) return null;
    return tidy(() => active.map(([v, r]) => r.apply(v.value)).reduce((a, b) => add(a, b)));
  }

  /** Projects this layer's constrained weights (called after each optimizer update). */
  applyConstraints(): void {
    for (const [v, c] of this.projections) {
      if (!(this.trainable && v.trainable)) continue;
      const next = c.apply(v.value);
      v.assign(next);
      next.dispose();
    }
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

  /** Builds once (joining a scope of its own first when outside a model); later calls keep that build. */
  ensureBuilt(inputShape: LayerShape | LayerShape[]): void {
    if (this.built) return;
    this.joinedScope();
    this.build(inputShape);
    this.built = true;
  }

  /**
   * Applies the layer: to tensors (eager, inference mode; builds on first use) or to symbolic tensors
   * (adds a node to a functional graph; the model builds its layers once it has named them).
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[], options?: { training?: boolean }): Tensor | Tensor[];
  apply(inputs: LayerInput, options: { training?: boolean } = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`${this.name}: apply needs at least one input`);
    if (list.every((t) => t instanceof SymbolicTensor)) {
      const sym = list as SymbolicTensor[];
      const shapes = sym.map((s) => s.shape);
      const out = this.computeOutputShape(Array.isArray(inputs) ? shapes : shapes[0]);
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
