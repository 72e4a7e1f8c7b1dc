// The autodiff tape: records core ops (through core's onOp hook) whose inputs depend on watched
// tensors, retains what backward needs, and replays the records backwards through the VJP table.
// Backward runs ordinary core ops, so an enclosing tape records it (higher-order gradients).

import { clone, concat, keep, onOp, tidy, zeros, zerosLike, type OpAttrs, type OpName, type OpRecord, type Tensor } from '@loom/core';
import { Variable } from './variable.js';
import { isNonDifferentiable, SAVED, sliceGrad, VJP, type Saved, type VjpFn, type VjpRule } from './vjp.js';

interface Entry {
  op: OpName;
  inIds: number[];
  outIds: number[];
  /** Saved clones where the rule reads values; the op's own tensors (shape and dtype only) elsewhere. */
  inputs: Tensor[];
  outputs: Tensor[];
  saved: Tensor[];
  attrs: unknown;
}

/**
 * Saved clones → the tensor they copy. An outer tape resolves ids through this map, so ops that an
 * inner tape's backward pass runs on its saved values count as ops on the originals: that is what
 * makes grad(grad(f)) work.
 */
const aliasOf = new Map<number, number>();
const resolve = (id: number): number => aliasOf.get(id) ?? id;

function save(t: Tensor): Tensor {
  const c = keep(clone(t));
  aliasOf.set(c.id, resolve(t.id));
  return c;
}

class Tape {
  readonly entries: Entry[] = [];
  /** Ids of tensors that depend on a watched tensor. */
  readonly needs = new Set<number>();

  constructor(sources: readonly Tensor[]) {
    for (const s of sources) this.needs.add(resolve(s.id));
  }

  record(rec: OpRecord): void {
    const inIds = rec.inputs.map((t) => resolve(t.id));
    if (!inIds.some((id) => this.needs.has(id))) return;
    // NOTE: core's ops dispose their intermediates when their scope ends; a clone shares the
    // buffer and keeps it alive until the tape is disposed. Only values the rule reads are kept.
    const spec: Saved = SAVED[rec.op];
    const saved: Tensor[] = [];
    const keepIf = (list: readonly number[] | undefined) => (t: Tensor, i: number): Tensor => {
      if (!list?.includes(i)) return t;
      const c = save(t);
      saved.push(c);
      return c;
    };
    this.entries.push({
      op: rec.op,
      inIds,
      outIds: rec.outputs.map((t) => t.id),
      inputs: rec.inputs.map(keepIf(spec.inputs)),
      outputs: rec.outputs.map(keepIf(spec.outputs)),
      saved,
      attrs: rec.attrs,
    });
    for (const t of rec.outputs) if (t.dtype === 'float32') this.needs.add(t.id);
  }

  dispose(): void {
    for (const e of this.entries) {
      for (const t of e.saved) {
        aliasOf.delete(t.id);
        t.dispose();
      }
    }
    this.entries.length = 0;
  }
}

const active: Tape[] = [];
let paused = 0;
let unsubscribe: (() => void) | undefined;

function listener(rec: OpRecord): void {
  if (paused > 0 || active.length === 0) return;
  paused++;
  try {
    for (const tape of active) tape.record(rec);
  } finally {
    paused--;
  }
}

function startTape(sources: readonly Tensor[]): Tape {
  unsubscribe ??= onOp(listener);
  const tape = new Tape(sources);
  active.push(tape);
  return tape;
}

function stopTape(tape: Tape): void {
  const i = active.lastIndexOf(tape);
  if (i >= 0) active.splice(i, 1);
}

/** Runs backward through `tape` from `y` (seeded with `dy`, default ones) to `sources`. */
/** A slice's gradient waiting to be combined with its siblings (see `combineSlices`). */
interface PendingSlice {
  dy: Tensor;
  begin: number[];
}

/**
 * The gradient of x from the gradients of several unit-stride slices of it. When the slices cut x
 * along one axis without overlapping (unstack, split, per-time-step reads), the result is one
 * concat with zero gaps: O(size of x) instead of one full-size padded tensor per slice.
 */
function combineSlices(x: Tensor, parts: PendingSlice[]): Tensor {
  const varying = new Set<number>();
  for (const p of parts) p.dy.shape.forEach((d, a) => { if (d !== x.shape[a]) varying.add(a); });
  if (varying.size <= 1 && parts.length > 1) {
    const axis = varying.size === 1 ? [...varying][0] : 0;
    const sorted = [...parts].sort((a, b) => a.begin[axis] - b.begin[axis]);
    const pieces: Tensor[] = [];
    let at = 0;
    let ok = true;
    for (const p of sorted) {
      const b = p.begin[axis];
      if (b < at) { ok = false; break; }
      if (b > at) pieces.push(zeros(x.shape.map((d, a) => (a === axis ? b - at : d))));
      pieces.push(p.dy);
      at = b + p.dy.shape[axis];
    }
    if (ok) {
      if (at < x.shape[axis]) pieces.push(zeros(x.shape.map((d, a) => (a === axis ? x.shape[axis] - at : d))));
      return concat(pieces, axis);
    }
  }
  return parts
    .map((p) => sliceGrad(p.dy, x, { begin: p.begin, strides: p.begin.map(() => 1) }))
    .reduce((a, b) => a.add(b));
}

/** Runs backward through `tape` from `y` (seeded with `dy`, default ones) to `sources`. */
function backward(tape: Tape, y: Tensor, dy: Tensor | undefined, sources: readonly Tensor[]): Tensor[] {
  return tidy(() => {
    const grads = new Map<number, Tensor>();
    const pending = new Map<number, { x: Tensor; parts: PendingSlice[] }>();
    const accumulate = (id: number, g: Tensor): void => {
      const prev = grads.get(id);
      grads.set(id, prev ? prev.add(g) : g);
    };
    // Every consumer of a tensor comes after it on the tape, so its gradient is complete (and
    // pending slices can be combined) when the entry that produced it is reached.
    const gradOf = (id: number): Tensor | undefined => {
      const p = pending.get(id);
      if (p) {
        pending.delete(id);
        accumulate(id, combineSlices(p.x, p.parts));
      }
      return grads.get(id);
    };
    const seed = dy ?? zerosLike(y).add(1);
    if (seed.dtype !== 'float32' || seed.shape.length !== y.shape.length || seed.shape.some((d, i) => d !== y.shape[i])) {
      throw new Error(`grad: dy ${JSON.stringify(seed.shape)} ${seed.dtype} must match the output ${JSON.stringify(y.shape)} float32`);
    }
    grads.set(resolve(y.id), seed);
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const e = tape.entries[i];
      const dys = e.outIds.map(gradOf);
      if (dys.every((d) => d === undefined)) continue;
      const rule = VJP[e.op] as VjpRule<OpName>;
      if (isNonDifferentiable(rule)) continue;
      const dy0 = dys[0] ?? zeros([...e.outputs[0].shape]);
      if (e.op === 'slice') {
        const attrs = e.attrs as OpAttrs['slice'];
        const x = e.inputs[0];
        const id = e.inIds[0];
        if (attrs.strides.every((st) => st === 1) && tape.needs.has(id) && x.dtype === 'float32') {
          const p = pending.get(id) ?? { x, parts: [] };
          p.parts.push({ dy: dy0, begin: attrs.begin });
          pending.set(id, p);
          continue;
        }
      }
      const ctx = { inputs: e.inputs, outputs: e.outputs, attrs: e.attrs };
      const gins = (rule as VjpFn<OpName>)(dy0, ctx as never);
      e.inIds.forEach((id, j) => {
        const g = gins[j];
        if (!g || !tape.needs.has(id) || e.inputs[j].dtype !== 'float32') return;
        accumulate(id, g);
      });
    }
    // NOTE: clone so a returned gradient never aliases a tape tensor that dispose() frees.
    return sources.map((s) => {
      const g = gradOf(resolve(s.id));
      return g ? clone(g) : zerosLike(s);
    });
  });
}

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

/** Runs `f` under a tape watching `sources` and returns f's value with the gradients. */
function run(op: string, sources: readonly Tensor[], f: () => Tensor, dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  checkSources(op, sources);
  const tape = startTape(sources);
  let value: Tensor;
  try {
    value = tidy(() => {
      const v = f();
      if (!v || typeof (v as Tensor).id !== 'number') throw new Error(`${op}: the function must return a Tensor`);
      return v;
    });
  } catch (e) {
    stopTape(tape);
    tape.dispose();
    throw e;
  }
  stopTape(tape);
  try {
    if (value.dtype !== 'float32') throw new Error(`${op}: the function returned a ${value.dtype} tensor; it must return float32`);
    return { value, grads: backward(tape, value, dy, sources) };
  } catch (e) {
    value.dispose();
    throw e;
  } finally {
    tape.dispose();
  }
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
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => run('valueAndGrads', xs, () => f(...xs), dy);
}

/**
 * The value of `f` (a scalar loss, usually) and its gradient for each variable in `vars`
 * (default: every trainable variable), keyed by variable name.
 */
export function variableGrads(f: () => Tensor, vars?: readonly Variable[]): { value: Tensor; grads: Map<Variable, Tensor> } {
  const list = vars ?? Variable.allTrainable();
  const { value, grads: g } = run('variableGrads', list.map((v) => v.value), f);
  const map = new Map<Variable, Tensor>();
  list.forEach((v, i) => map.set(v, g[i]));
  return { value, grads: map };
}
