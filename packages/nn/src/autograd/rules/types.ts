// The shape of a gradient rule: which of the op's values the tape keeps, the vector-Jacobian
// product, and an optional hook that combines the gradients of several uses of one input.

import type { OpAttrs, OpName, Tensor } from '@loom/core';

/** What a rule sees of the recorded op: its inputs, outputs and attributes. */
export interface VjpContext<K extends OpName> {
  /** Saved clones where the rule's `save` lists them; elsewhere the op's own tensors (read shape and dtype only). */
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: OpAttrs[K];
  /** The gradient of every output (undefined where none flows), for ops with several differentiable outputs. */
  readonly dys: readonly (Tensor | undefined)[];
  /** Which inputs need a gradient (a rule may return null for the others and skip their work: a model's input). */
  readonly needs: readonly boolean[];
}

/** Maps dy (the gradient of the first output; zeros when only others have one) to input gradients (null: none). */
export type VjpFn<K extends OpName> = (dy: Tensor, ctx: VjpContext<K>) => readonly (Tensor | null)[];

/** Which input and output values (by index) a rule reads; the others it uses for shape and dtype only. */
export interface Saved {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
}

/** One use of an input waiting to be combined with its siblings (see `GradientRule.combine`). */
export interface CombinePart<K extends OpName> {
  readonly dy: Tensor;
  readonly attrs: OpAttrs[K];
}

/** A differentiable op: what to keep alive from the forward pass, and its vector-Jacobian product. */
export interface GradientRule<K extends OpName> {
  /** Values the vjp (and combine) read; everything else is released as soon as the forward pass is done. */
  readonly save: Saved;
  readonly vjp: VjpFn<K>;
  /**
   * Optional, for one-input ops read many times (slice: unstack, split, per-time-step reads): instead of
   * one vjp per use, the backward pass collects every use of the same input tensor and calls `combine`
   * once that tensor's gradient is otherwise complete. Must equal the sum of the parts' vjp results.
   */
  readonly combine?: (x: Tensor, parts: readonly CombinePart<K>[]) => Tensor;
}

/** Marks an op through which no gradient flows (its output is discrete, or it has no inputs). */
export interface NonDifferentiable {
  readonly nonDifferentiable: string;
}

/** A gradient rule, or an explicit statement that the op has none. */
export type GradientEntry<K extends OpName> = GradientRule<K> | NonDifferentiable;

/** The whole table: one entry for every primitive op (the compiler names a missing one). */
export type GradientTable = { readonly [K in OpName]: GradientEntry<K> };

/** A family's part of the table (rules/elementwise.ts, reduction, linalg, conv, shape); the index joins them. */
export type GradientFamily = { readonly [K in OpName]?: GradientEntry<K> };

/** Marks `op` non-differentiable, with the reason. */
export const nonDiff = (reason: string): NonDifferentiable => ({ nonDifferentiable: reason });

/** The rule reads input 0. */
export const X: Saved = { inputs: [0] };
/** The rule reads output 0. */
export const Y: Saved = { outputs: [0] };
/** The rule reads input 0 and output 0. */
export const XY: Saved = { inputs: [0], outputs: [0] };
/** The rule reads inputs 0 and 1. */
export const AB: Saved = { inputs: [0, 1] };
/** The rule reads only shapes and attributes. */
export const NONE: Saved = {};

/** True when `entry` is a non-differentiable marker rather than a rule. */
export function isNonDifferentiable(entry: GradientEntry<OpName>): entry is NonDifferentiable {
  return 'nonDifferentiable' in entry;
}
