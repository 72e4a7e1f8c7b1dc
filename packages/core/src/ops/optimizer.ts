// Optimizer steps as one primitive each, so a training step updates every weight in one pass over
// memory (one kernel, one GPU dispatch) instead of a dozen elementwise ops per variable.

import { runOp } from '../engine/index.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { convert, describe, scoped, type TensorLike } from './convert.js';

/** Settings of one Adam step. */
export interface AdamUpdateOptions {
  /** Decay of the first moment, in [0, 1). */
  beta1: number;
  /** Decay of the second moment, in [0, 1). */
  beta2: number;
  /** Added to √v′ (> 0). */
  epsilon: number;
  /** The bias-corrected rate lr·√(1−β₂ᵗ)/(1−β₁ᵗ) at step t (finite, >= 0). */
  stepSize: number;
}

/** What adamUpdate returns: the new weight and moments. */
export interface AdamUpdateResult {
  value: Tensor;
  m: Tensor;
  v: Tensor;
}

/**
 * One Adam step (Keras form) for weight `w` with gradient `g` and moments `m`, `v`, all float32 of one
 * shape: m′ = β₁m + (1−β₁)g, v′ = β₂v + (1−β₂)g², w′ = w − stepSize·m′/(√v′ + ε). New tensors; the
 * inputs are unchanged.
 */
export function adamUpdate(w: TensorLike, g: TensorLike, m: TensorLike, v: TensorLike, options: AdamUpdateOptions): AdamUpdateResult {
  const op = 'adamUpdate';
  return scoped((): AdamUpdateResult & Record<string, Tensor> => {
    if (typeof options !== 'object' || options === null) {
      throw new Error(`${op}: expected options { beta1, beta2, epsilon, stepSize }, got ${options === null ? 'null' : typeof options}`);
    }
    const { beta1, beta2, epsilon, stepSize } = options;
    const inUnit = (name: string, x: unknown): number => {
      if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new Error(`${op}: ${name} must be a number in [0, 1), got ${String(x)}`);
      return x;
    };
    inUnit('beta1', beta1);
    inUnit('beta2', beta2);
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new Error(`${op}: epsilon must be a finite number > 0, got ${String(epsilon)}`);
    }
    if (typeof stepSize !== 'number' || !(stepSize >= 0) || !Number.isFinite(stepSize)) {
      throw new Error(`${op}: stepSize must be a finite number >= 0, got ${String(stepSize)}`);
    }
    const xs = ([['w', w], ['g', g], ['m', m], ['v', v]] as const).map(([name, x]) => {
      const t = convert(op, name, x);
      if (t.dtype !== 'float32') throw new Error(`${op}: ${name} ${describe(t)} must be float32`);
      return t;
    });
    for (let i = 1; i < 4; i++) {
      if (!shapesEqual(xs[i].shape, xs[0].shape)) {
        throw new Error(`${op}: ${'wgmv'[i]} ${describe(xs[i])} must have the shape of w ${describe(xs[0])}`);
      }
    }
    const info = { shape: xs[0].shape, dtype: 'float32' as const };
    const [value, m1, v1] = runOp(op, xs, { beta1, beta2, epsilon, stepSize }, [info, info, info]);
    return { value, m: m1, v: v1 };
  });
}
