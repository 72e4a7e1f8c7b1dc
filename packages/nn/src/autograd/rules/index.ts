// The gradient table: one `{ save, vjp }` entry (or a non-differentiable marker) per core op, joined
// from the family files and checked by the compiler against core's OpName list.

import type { OpName } from '@loom/core';
import { CONV_GRADIENTS } from './conv.js';
import { BINARY_GRADIENTS, UNARY_GRADIENTS } from './elementwise.js';
import { LINALG_GRADIENTS } from './linalg.js';
import { RECURRENT_GRADIENTS } from './recurrent.js';
import { REDUCTION_GRADIENTS } from './reduction.js';
import { SHAPE_GRADIENTS } from './shape.js';
import { isNonDifferentiable, type GradientEntry, type GradientRule, type GradientTable } from './types.js';

/** Every core op's gradient rule; a new primitive without an entry here is a compile error. */
export const GRADIENTS = {
  ...UNARY_GRADIENTS,
  ...BINARY_GRADIENTS,
  ...REDUCTION_GRADIENTS,
  ...LINALG_GRADIENTS,
  ...CONV_GRADIENTS,
  ...SHAPE_GRADIENTS,
  ...RECURRENT_GRADIENTS,
} satisfies GradientTable;

/** The entry for `op`, widened for the generic backward pass. */
export function gradientEntry(op: OpName): GradientEntry<OpName> {
  return (GRADIENTS as GradientTable)[op] as GradientEntry<OpName>;
}

/** The rule for `op`, or undefined when the op is non-differentiable. */
export function gradientRule(op: OpName): GradientRule<OpName> | undefined {
  const entry = gradientEntry(op);
  return isNonDifferentiable(entry) ? undefined : entry;
}

/** The ops with a gradient rule (every op not marked non-differentiable). */
export function differentiableOps(): OpName[] {
  return (Object.keys(GRADIENTS) as OpName[]).filter((op) => gradientRule(op) !== undefined);
}

export { isNonDifferentiable } from './types.js';
export type {
  CombinePart, GradientEntry, GradientFamily, GradientRule, GradientTable, NonDifferentiable, Saved, VjpContext, VjpFn,
} from './types.js';
