// Trainable state: a Variable holds a tensor that optimizers replace in place (assign), so layers
// and the tape keep referring to the same object across steps. There is no registry of variables:
// whoever needs a list (a layer, a model) keeps one, and `variableGrads(f)` without a list takes the
// variables f reads (each read of `value` is reported to the tapes recording at that moment).

import { clone, keep, type Tensor } from '@loom/core';
import { openTapes } from './recorder.js';

/** A named, mutable holder of a float32 tensor; `assign` swaps the tensor and frees the old one. */
export class Variable {
  /** The name given at creation (layers use `layerName/weightName`); unnamed variables are all 'variable'. */
  readonly name: string;
  trainable: boolean;
  private current: Tensor;

  constructor(initial: Tensor, options: { name?: string; trainable?: boolean } = {}) {
    if (!initial || typeof initial.id !== 'number') throw new Error('variable: expected an initial Tensor');
    initial.assertAlive('variable');
    this.name = options.name ?? 'variable';
    this.trainable = options.trainable ?? true;
    this.current = keep(clone(initial));
  }

  /** The current value (owned by the variable: do not dispose it). */
  get value(): Tensor {
    this.current.assertAlive(`variable '${this.name}'`);
    openTapes.noteRead(this, this.current);
    return this.current;
  }

  get shape(): readonly number[] {
    return this.current.shape;
  }

  /** Replaces the value; shape and dtype must stay. The variable keeps its own reference. */
  assign(next: Tensor): void {
    next.assertAlive(`assign to '${this.name}'`);
    if (next.dtype !== this.current.dtype || next.shape.length !== this.current.shape.length ||
        next.shape.some((d, i) => d !== this.current.shape[i])) {
      throw new Error(
        `assign to '${this.name}': value ${JSON.stringify(next.shape)} ${next.dtype} does not match the variable's ` +
          `${JSON.stringify(this.current.shape)} ${this.current.dtype}`,
      );
    }
    if (next === this.current) return;
    const old = this.current;
    this.current = keep(clone(next));
    old.dispose();
  }

  /** Frees the value; the variable can no longer be used. */
  dispose(): void {
    this.current.dispose();
  }
}

/** Creates a trainable variable holding a copy (shared buffer) of `t`. */
export function variable(t: Tensor, options: { name?: string; trainable?: boolean } = {}): Variable {
  return new Variable(t, options);
}
