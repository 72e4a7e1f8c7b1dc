// The elementwise merge layers beyond add (multiply, subtract, average, maximum, minimum), sharing
// Add's shape checks, and repeatVector (the bridge of encoder–decoder forecasters).

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { shapeText } from '../util.js';
import { positiveInt } from '../validate.js';
import { mergeShapes, multiShapes } from './core-layers.js';
import { Layer, layerArgs, one, single, type LayerArgs, type LayerShape } from './layer.js';

/** Elementwise merges: inputs of one shape (no broadcasting, as Add), folded by `combine`. */
abstract class ElementwiseMerge extends Layer {
  protected override readonly supportsMasking = true;
  /** The input count the merge needs exactly (subtract: 2), else at least 2. */
  protected readonly exactInputs?: number;
  constructor(args: LayerArgs, protected readonly op: string) {
    super(layerArgs(op, args, []));
  }
  protected abstract combine(x: Tensor[]): Tensor;
  private shapes(s: LayerShape | LayerShape[]): LayerShape {
    const list = multiShapes(this.name, s);
    this.checkCount(list.length);
    return mergeShapes(this.name, list, null, `differ; ${this.op} needs inputs of one shape`);
  }
  private checkCount(n: number): void {
    if (this.exactInputs !== undefined && n !== this.exactInputs) {
      throw new Error(`${this.name}: ${this.op} takes exactly ${this.exactInputs} inputs, got ${n}`);
    }
  }
  build(s: LayerShape | LayerShape[]): void {
    this.shapes(s);
  }
  call(x: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(x) || x.length < 2) throw new Error(`${this.name}: expects a list of at least 2 inputs`);
    this.shapes(x.map((t) => [...t.shape]));
    return core.tidy(() => this.combine(x));
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    return this.shapes(s);
  }
  getConfig(): Record<string, unknown> { return {}; }
}

const fold = (x: Tensor[], f: (a: Tensor, b: Tensor) => Tensor): Tensor => x.slice(1).reduce(f, x[0]);

/** Elementwise product of its inputs. */
export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';
  constructor(args: LayerArgs = {}) { super(args, 'multiply'); }
  protected combine(x: Tensor[]): Tensor { return fold(x, core.mul); }
}

/** inputs[0] − inputs[1] (exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  readonly className = 'Subtract';
  protected override readonly exactInputs = 2;
  constructor(args: LayerArgs = {}) { super(args, 'subtract'); }
  protected combine(x: Tensor[]): Tensor { return core.sub(x[0], x[1]); }
}

/** Elementwise mean of its inputs. */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';
  constructor(args: LayerArgs = {}) { super(args, 'average'); }
  protected combine(x: Tensor[]): Tensor { return core.div(fold(x, core.add), x.length); }
}

/** Elementwise maximum of its inputs. */
export class Maximum extends ElementwiseMerge {
  readonly className = 'Maximum';
  constructor(args: LayerArgs = {}) { super(args, 'maximum'); }
  protected combine(x: Tensor[]): Tensor { return fold(x, core.maximum); }
}

/** Elementwise minimum of its inputs. */
export class Minimum extends ElementwiseMerge {
  readonly className = 'Minimum';
  constructor(args: LayerArgs = {}) { super(args, 'minimum'); }
  protected combine(x: Tensor[]): Tensor { return fold(x, core.minimum); }
}

/** Repeats a [batch, features] input n times: [batch, n, features]. */
export class RepeatVector extends Layer {
  readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: LayerArgs & { n: number }) {
    const a = layerArgs('repeatVector', args, ['n']);
    super(a);
    this.n = positiveInt('repeatVector', 'n', a.n);
  }
  private check(s: LayerShape): LayerShape {
    if (s.length !== 2) throw new Error(`${this.name}: expected input [batch, features], got ${shapeText(s)}`);
    return s;
  }
  build(s: LayerShape | LayerShape[]): void { this.check(single(this.name, s)); }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(this.name, inputs);
    this.check([...x.shape]);
    return core.tidy(() => core.broadcastTo(core.expandDims(x, 1), [x.shape[0], this.n, x.shape[1]]));
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const [b, d] = this.check(single(this.name, s));
    return [b, this.n, d];
  }
  getConfig(): Record<string, unknown> { return { n: this.n }; }
}
