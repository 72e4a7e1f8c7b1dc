// Recording for the autodiff tape: a Tape keeps the core ops (seen through core's onOp hook) whose
// inputs depend on what it watches, with the values its rules read; the open tapes form a stack.
//
// State, and where it lives: each tape owns its entries, the ids it watches and the aliases of its
// saved clones. The only module-level object is `openTapes`, the stack of tapes recording right now:
// it is empty, and holds no onOp subscription, whenever no gradient call is running, so nothing one
// gradient call does can reach another one that is not nested inside it.

import { clone, keep, onOp, type OpName, type OpRecord, type Tensor } from '@loom/core';
import { gradientEntry, isNonDifferentiable } from './rules/index.js';
import type { Variable } from './variable.js';

/** One recorded op. */
export interface Entry {
  op: OpName;
  /** Input ids as this tape sees them (saved clones of enclosed tapes resolved to the tensors they copy). */
  inIds: number[];
  outIds: number[];
  /** Saved clones where the rule reads values; the op's own tensors (shape and dtype only) elsewhere. */
  inputs: Tensor[];
  outputs: Tensor[];
  saved: Tensor[];
  attrs: unknown;
}

/** A recording of the ops that depend on watched tensors. */
export class Tape {
  readonly entries: Entry[] = [];
  /** Ids of tensors that depend on a watched tensor. */
  readonly needs = new Set<number>();
  /** Trainable variables read while recording, in order of first read (only when collecting them). */
  readonly reads: Variable[] | undefined;
  /** This tape's saved clones → the tensor each copies. Tapes enclosing this one resolve ids through it. */
  private readonly aliases = new Map<number, number>();
  /** Tapes opened while this one was recording, still alive: their clones count as the originals here. */
  private readonly inner = new Set<Tape>();
  /** The tapes that enclose this one (they list it in `inner` until it is disposed). */
  private readonly outer: Tape[];

  constructor(sources: readonly Tensor[], outer: readonly Tape[], collectReads: boolean) {
    this.outer = [...outer];
    for (const o of this.outer) o.inner.add(this);
    this.reads = collectReads ? [] : undefined;
    for (const s of sources) this.watch(s);
  }

  /** Starts tracking gradients for `t`. */
  watch(t: Tensor): void {
    this.needs.add(this.resolve(t.id));
  }

  /** The id `id` stands for here: a saved clone of an enclosed tape resolves to what it copies. */
  resolve(id: number): number {
    for (const t of this.inner) {
      const r = t.aliasOf(id);
      if (r !== undefined) return r;
    }
    return id;
  }

  private aliasOf(id: number): number | undefined {
    const own = this.aliases.get(id);
    if (own !== undefined) return own;
    for (const t of this.inner) {
      const r = t.aliasOf(id);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** Keeps a shared-buffer clone of `t` alive for the backward pass. */
  private save(t: Tensor, saved: Tensor[]): Tensor {
    const c = keep(clone(t));
    this.aliases.set(c.id, this.resolve(t.id));
    saved.push(c);
    return c;
  }

  record(rec: OpRecord): void {
    const inIds = rec.inputs.map((t) => this.resolve(t.id));
    if (!inIds.some((id) => this.needs.has(id))) return;
    const entry = gradientEntry(rec.op);
    const spec = isNonDifferentiable(entry) ? {} : entry.save;
    // NOTE: core's ops dispose their intermediates when their scope ends; a clone shares the
    // buffer and keeps it alive until the tape is disposed. Only values the rule reads are kept.
    const saved: Tensor[] = [];
    const keepIf = (list: readonly number[] | undefined) => (t: Tensor, i: number): Tensor =>
      (list?.includes(i) ? this.save(t, saved) : t);
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

  /** Notes a read of a trainable variable (collecting tapes watch it from now on). */
  noteRead(v: Variable, value: Tensor): void {
    if (!this.reads || !v.trainable || this.reads.includes(v)) return;
    this.reads.push(v);
    this.watch(value);
  }

  /** Frees the saved values and leaves the enclosing tapes. */
  dispose(): void {
    for (const e of this.entries) for (const t of e.saved) t.dispose();
    this.entries.length = 0;
    this.aliases.clear();
    for (const o of this.outer) o.inner.delete(this);
  }
}

/** The tapes recording right now (innermost last) and the one onOp subscription they share. */
class TapeStack {
  private readonly open: Tape[] = [];
  /** > 0 while tapes are saving values: the clones they make are not ops of the function. */
  private busy = 0;
  private unsubscribe: (() => void) | undefined;

  /** Opens a tape watching `sources`, enclosed by every tape open now. */
  start(sources: readonly Tensor[], collectReads = false): Tape {
    const tape = new Tape(sources, this.open, collectReads);
    this.open.push(tape);
    this.unsubscribe ??= onOp((rec) => this.record(rec));
    return tape;
  }

  /** Stops `tape` recording; the last one to stop ends the subscription. */
  stop(tape: Tape): void {
    const i = this.open.lastIndexOf(tape);
    if (i >= 0) this.open.splice(i, 1);
    if (this.open.length === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  /** Tells the open tapes that `v` was read (variable.ts calls this from `Variable.value`). */
  noteRead(v: Variable, value: Tensor): void {
    for (const t of this.open) t.noteRead(v, value);
  }

  private record(rec: OpRecord): void {
    if (this.busy > 0) return;
    this.busy++;
    try {
      for (const tape of this.open) tape.record(rec);
    } finally {
      this.busy--;
    }
  }
}

/** The stack of open tapes (see the header: empty between gradient calls). */
export const openTapes = new TapeStack();
