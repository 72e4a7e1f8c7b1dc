// One gradient case: the tape's gradient of L = Σₖ Σ wₖ ⊙ yₖ (fixed random weights over the chosen
// outputs) with respect to the case's differentiable inputs, and the same by central differences.

import * as loom from '@loom/core';
import { leakBetween, makeInput, memorySnapshot, resultTensors, type OpCase, type ResultData } from '@loom/core/testing';
import { grads } from '../autograd/index.js';
import { tidyValue } from '../util.js';

/** What a case differentiates: which inputs, which outputs, and the weights that make L a scalar. */
export interface GradientPlan {
  readonly wrt: readonly number[];
  readonly outputs: readonly number[];
  readonly weights: readonly { readonly shape: readonly number[]; readonly values: Float32Array }[];
}

/** A seed from the case name, so every backend draws the same weights. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The inputs and outputs of `c` to differentiate (its GradSpec, or every float32 one) and the weights. */
export function planGradient(c: OpCase): GradientPlan {
  const spec = c.grad ?? {};
  const wrt = spec.inputs ?? c.inputs.flatMap((x, i) => (x.dtype === 'float32' ? [i] : []));
  const shapes = loom.tidy(() => resultTensors(c.run(loom, c.inputs.map(makeInput))).map((y) => ({ shape: [...y.shape], dtype: y.dtype })));
  const outputs = spec.outputs ?? shapes.flatMap((y, i) => (y.dtype === 'float32' ? [i] : []));
  const rng = new loom.SeededRandom(seedOf(c.name));
  const weights = outputs.map((k) => {
    const size = shapes[k].shape.reduce((a, b) => a * b, 1);
    return { shape: shapes[k].shape, values: Float32Array.from({ length: size }, () => 0.5 + rng.uniform()) };
  });
  return { wrt, outputs, weights };
}

/** L for the given inputs, as a scalar tensor (recorded by an open tape). */
function loss(c: OpCase, plan: GradientPlan, inputs: loom.Tensor[]): loom.Tensor {
  const ys = resultTensors(c.run(loom, inputs));
  return plan.outputs
    .map((k, i) => loom.sum(loom.mul(ys[k], loom.tensor(plan.weights[i].values, [...plan.weights[i].shape]))))
    .reduce((a, b) => loom.add(a, b), loom.scalar(0));
}

/** The tape's gradient on the active backend, and what the computation leaked there. */
export async function tapeGradient(c: OpCase, plan: GradientPlan): Promise<{ results: ResultData[]; leak?: string }> {
  const before = memorySnapshot();
  let gs: loom.Tensor[] = [];
  try {
    gs = loom.tidy(() => {
      const inputs = c.inputs.map(makeInput);
      const f = (...xs: loom.Tensor[]): loom.Tensor => {
        const all = [...inputs];
        plan.wrt.forEach((j, i) => { all[j] = xs[i]; });
        return loss(c, plan, all);
      };
      return grads(f)(plan.wrt.map((j) => inputs[j]));
    });
    const results: ResultData[] = [];
    for (const g of gs) results.push({ shape: [...g.shape], dtype: g.dtype, values: await g.data() });
    loom.dispose(gs);
    return { results, leak: leakBetween(before, memorySnapshot()) };
  } finally {
    loom.dispose(gs);
  }
}

/** L evaluated in float64 from the float32 outputs (synchronous reads: the reference backend). */
function lossValue(c: OpCase, plan: GradientPlan, values: readonly Float32Array[]): number {
  return tidyValue(() => {
    const inputs = c.inputs.map((x, i) => {
      const j = plan.wrt.indexOf(i);
      return j < 0 ? makeInput(x) : loom.tensor(values[j], x.shape);
    });
    const ys = resultTensors(c.run(loom, inputs));
    let total = 0;
    plan.outputs.forEach((k, i) => {
      const y = ys[k].dataSync();
      const w = plan.weights[i].values;
      for (let e = 0; e < w.length; e++) total += w[e] * Number(y[e]);
    });
    return total;
  });
}

/**
 * ∂L/∂x by central differences, one element at a time; the step actually taken is the float32
 * distance between x + h and x − h, so rounding of the inputs does not bias the quotient.
 */
export function finiteDifferenceGradient(c: OpCase, plan: GradientPlan, h: number): Float64Array[] {
  const values = plan.wrt.map((j) => Float32Array.from(c.inputs[j].values));
  return values.map((v) => {
    const out = new Float64Array(v.length);
    for (let e = 0; e < v.length; e++) {
      const x = v[e];
      v[e] = x + h;
      const up = v[e];
      const lp = lossValue(c, plan, values);
      v[e] = x - h;
      const down = v[e];
      const lm = lossValue(c, plan, values);
      v[e] = x;
      out[e] = (lp - lm) / (up - down);
    }
    return out;
  });
}
