// Sequential models: a plain stack of single-input, single-output layers, each named in the model's
// scope as it is added and built as soon as the input shape is known.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { Embedding } from '../layers/core-layers.js';
import { isShapeList, Layer, serializeLayer, type LayerShape } from '../layers/layer.js';
import { given } from '../validate.js';
import { saveModel, type SavedModel } from './io.js';
import type { DataLike, TensorOrList } from './fit.js';
import { Model, type BatchOptions, type IndexInput, type ModelArgs } from './model.js';

/** Arguments of `new Sequential`. */
export interface SequentialArgs extends ModelArgs {
  layers?: Layer[];
}

/** A plain stack of single-input, single-output layers. */
export class Sequential extends Model {
  readonly className = 'Sequential';
  private readonly list: Layer[] = [];
  private shapes?: LayerShape[];

  constructor(args: SequentialArgs = {}) {
    super('sequential', args, ['layers']);
    const initial = args.layers ?? [];
    if (!Array.isArray(initial)) throw new Error(`sequential: layers must be a list of layers, got ${given(initial)}`);
    // Given names are reserved first, so auto names never take one of them; every layer joins (and
    // draws its seeds) before the first one builds, the order the seeds were always drawn in.
    const named = initial.filter((l) => l instanceof Layer);
    for (const l of named) l.reserveName(this.scope);
    for (const l of named) l.adopt(this.scope);
    for (const l of initial) this.add(l);
  }

  get layers(): Layer[] { return [...this.list]; }

  /** Predictions: one tensor, since a stack of layers has one output. */
  override predict(x: DataLike, options: BatchOptions = {}): Tensor {
    return super.predict(x, options) as Tensor;
  }

  /** Runs the stack on a batch (inference mode by default): one tensor. */
  override call(x: TensorOrList, training = false): Tensor {
    return super.call(x, training) as Tensor;
  }

  /** Appends a layer (named in this model, and built at once when the input shape is known). */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`sequential: expected a layer, got ${given(layer)}`);
    if (this.list.includes(layer)) throw new Error(`sequential: layer '${layer.name}' was added twice`);
    layer.adopt(this.scope);
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
      let mask: Tensor | undefined;
      for (const l of this.list) {
        const out = l.call(h, training, mask);
        if (Array.isArray(out)) throw new Error(`sequential: layer '${l.name}' returned several outputs`);
        mask = l.computeMask(h, mask);
        h = out;
      }
      return [h === xs[0] ? core.clone(h) : h];
    });
  }

  protected indexInputs(): IndexInput[] {
    const first = this.list[0];
    return first instanceof Embedding ? [{ input: 0, limit: first.inputDim, layer: first.name }] : [];
  }

  protected layerOutputShapes(): Map<Layer, LayerShape | LayerShape[]> {
    const m = new Map<Layer, LayerShape>();
    this.list.forEach((l, i) => { if (this.shapes) m.set(l, this.shapes[i + 1]); });
    return m;
  }

  topology(): Record<string, unknown> {
    return { className: 'Sequential', config: { name: this.name, layers: this.list.map(serializeLayer) } };
  }

  save(): Promise<SavedModel> {
    return saveModel(this);
  }
}
