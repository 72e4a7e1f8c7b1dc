// The backward pass: replays a tape's entries in reverse through the gradient table. It knows no op
// by name; a rule with a `combine` hook has the uses of one input collected and combined at once.

import { clone, tidy, zeros, zerosLike, type OpName, type Tensor } from '@loom/core';
import type { Tape } from './recorder.js';
import { gradientRule, type CombinePart, type GradientRule } from './rules/index.js';

/** Uses of one input by ops with a `combine` hook, waiting for its gradient to be complete. */
interface Pending {
  x: Tensor;
  byOp: Map<OpName, { rule: GradientRule<OpName>; parts: CombinePart<OpName>[] }>;
}

/** Runs backward through `tape` from `y` (seeded with `dy`, default ones) to `sources`. */
export function backward(tape: Tape, y: Tensor, dy: Tensor | undefined, sources: readonly Tensor[]): Tensor[] {
  return tidy(() => {
    const grads = new Map<number, Tensor>();
    const pending = new Map<number, Pending>();
    const accumulate = (id: number, g: Tensor): void => {
      const prev = grads.get(id);
      grads.set(id, prev ? prev.add(g) : g);
    };
    // Every consumer of a tensor comes after it on the tape, so its gradient is complete (and
    // pending uses can be combined) when the entry that produced it is reached.
    const gradOf = (id: number): Tensor | undefined => {
      const p = pending.get(id);
      if (p) {
        pending.delete(id);
        for (const { rule, parts } of p.byOp.values()) accumulate(id, rule.combine!(p.x, parts));
      }
      return grads.get(id);
    };
    const seed = dy ?? zerosLike(y).add(1);
    if (seed.dtype !== 'float32' || seed.shape.length !== y.shape.length || seed.shape.some((d, i) => d !== y.shape[i])) {
      throw new Error(
        `grad: dy ${JSON.stringify(seed.shape)} ${seed.dtype} must match the output ${JSON.stringify(y.shape)} float32`,
      );
    }
    grads.set(tape.resolve(y.id), seed);
    const flows = (id: number, x: Tensor): boolean => tape.needs.has(id) && x.dtype === 'float32';
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const e = tape.entries[i];
      const dys = e.outIds.map(gradOf);
      if (dys.every((d) => d === undefined)) continue;
      const rule = gradientRule(e.op);
      if (!rule) continue;
      const dy0 = dys[0] ?? zeros([...e.outputs[0].shape]);
      if (rule.combine) {
        const id = e.inIds[0];
        if (!flows(id, e.inputs[0])) continue;
        const p = pending.get(id) ?? { x: e.inputs[0], byOp: new Map() };
        const group = p.byOp.get(e.op) ?? { rule, parts: [] };
        group.parts.push({ dy: dy0, attrs: e.attrs as never });
        p.byOp.set(e.op, group);
        pending.set(id, p);
        continue;
      }
      const needs = e.inIds.map((id, j) => flows(id, e.inputs[j]));
      const gins = rule.vjp(dy0, { inputs: e.inputs, outputs: e.outputs, attrs: e.attrs as never, dys, needs });
      e.inIds.forEach((id, j) => {
        const g = gins[j];
        if (g && flows(id, e.inputs[j])) accumulate(id, g);
      });
    }
    // NOTE: clone so a returned gradient never aliases a tape tensor that dispose() frees.
    return sources.map((s) => {
      const g = gradOf(tape.resolve(s.id));
      return g ? clone(g) : zerosLike(s);
    });
  });
}
