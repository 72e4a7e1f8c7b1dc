// The autodiff API: grad, grads, valueAndGrad, valueAndGrads and variableGrads. Each call opens a
// tape (recorder.ts) over core's op hook, runs the function, closes it and runs the backward pass
// (backward.ts). Backward runs ordinary core ops, so an enclosing tape records it (higher-order
// gradients: grad(grad(f))).

import { tidy, type Tensor } from '@loom/core';
import { backward } from './backward.js';
import { openTapes, type Tape } from './recorder.js';
import type { Variable } from './variable.js';

function checkSources(op: string, xs: readonly unknown[]): void {
  xs.forEach((x, i) => {
    const t = x as Tensor;
    if (!t || typeof t !== 'object' || typeof t.id !== 'number' || !('dtype' in t)) {
      throw new Error(`${op}: argument ${i} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
    }
    if (t.dtype !== 'float32') throw new Error(`${op}: argument ${i} is ${t.dtype}; gradients exist only for float32 tensors`);
    t.assertAlive(op);
  });
}

/** Runs `f` on `tape` (closing it afterwards, and disposing it if f throws). */
function record(op: string, tape: Tape, f: () => Tensor): Tensor {
  try {
    return tidy(() => {
      const v = f();
      if (!v || typeof (v as Tensor).id !== 'number') throw new Error(`${op}: the function must return a Tensor`);
      return v;
    });
  } catch (e) {
    tape.dispose();
    throw e;
  } finally {
    openTapes.stop(tape);
  }
}

/** Runs backward from `value`; frees the tape, and `value` too if backward fails. */
function differentiate(op: string, tape: Tape, value: Tensor, sources: () => readonly Tensor[], dy?: Tensor): Tensor[] {
  try {
    if (value.dtype !== 'float32') throw new Error(`${op}: the function returned a ${value.dtype} tensor; it must return float32`);
    return backward(tape, value, dy, sources());
  } catch (e) {
    value.dispose();
    throw e;
  } finally {
    tape.dispose();
  }
}

/** Runs `f` under a tape watching `sources` and returns f's value with the gradients. */
function run(op: string, sources: readonly Tensor[], f: () => Tensor, dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  checkSources(op, sources);
  const tape = openTapes.start(sources);
  const value = record(op, tape, f);
  return { value, grads: differentiate(op, tape, value, () => sources, dy) };
}

/** `grad(f)(x, dy?)`: the gradient of f at x (dy seeds the backward pass; default ones). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => {
    const { value, grads } = run('grad', [x], () => f(x), dy);
    value.dispose();
    return grads[0];
  };
}

/** `grads(f)(xs, dy?)`: the gradients of f with respect to each of its arguments. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => {
    const { value, grads: g } = run('grads', xs, () => f(...xs), dy);
    value.dispose();
    return g;
  };
}

/** `valueAndGrad(f)(x, dy?)`: f(x) and its gradient. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const { value, grads: g } = run('valueAndGrad', [x], () => f(x), dy);
    return { value, grad: g[0] };
  };
}

/** `valueAndGrads(f)(xs, dy?)`: f(...xs) and the gradients for each argument. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => run('valueAndGrads', xs, () => f(...xs), dy);
}

/**
 * The value of `f` (a scalar loss, usually) and its gradient for each variable in `vars`, keyed by
 * `Variable`. Without `vars`: the trainable variables whose `value` f reads while it runs, in order of
 * first read (as TensorFlow's GradientTape watches accessed variables); there is no process-wide list
 * of variables, so another model's weights never take part.
 */
export function variableGrads(f: () => Tensor, vars?: readonly Variable[]): { value: Tensor; grads: Map<Variable, Tensor> } {
  const given = vars ? vars.map((v) => v.value) : [];
  checkSources('variableGrads', given);
  const tape = openTapes.start(given, !vars);
  const value = record('variableGrads', tape, f);
  const list = vars ?? tape.reads ?? [];
  const g = differentiate('variableGrads', tape, value, () => list.map((v) => v.value));
  const map = new Map<Variable, Tensor>();
  list.forEach((v, i) => map.set(v, g[i]));
  return { value, grads: map };
}
