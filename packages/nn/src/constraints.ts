// Weight constraints (Keras semantics): projections applied to a weight after each optimizer update.
// Norms are taken over `axis` (default 0: each output unit's incoming weights for a Dense kernel).

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { checkOptions, given, inRange, integer, nonNegative } from './validate.js';

/** A projection of one weight, serializable as `{ className, config }`. */
export interface Constraint {
  readonly className: 'MaxNorm' | 'NonNeg' | 'UnitNorm' | 'MinMaxNorm';
  readonly config: Record<string, unknown>;
  /** The projected value of `w` (a new tensor). */
  apply(w: Tensor): Tensor;
}

// Keras adds this to the norm before dividing, so an all-zero column stays zero.
const EPSILON = 1e-7;

function axisOption(op: string, v: unknown): number | number[] {
  if (Array.isArray(v)) {
    if (v.length === 0) throw new Error(`${op}: axis must be an integer or a non-empty list of integers, got []`);
    return v.map((a) => integer(op, 'axis', a));
  }
  return integer(op, 'axis', v, 0);
}

// Norms over `axis` (kept as size-1 dims), checked against the weight's rank.
function norms(op: string, w: Tensor, axis: number | number[]): Tensor {
  for (const a of Array.isArray(axis) ? axis : [axis]) {
    if (a < -w.rank || a >= w.rank) throw new Error(`${op}: axis ${a} is out of range for a weight of rank ${w.rank}; valid: [${-w.rank}, ${w.rank})`);
  }
  return core.sqrt(core.sum(core.square(w), axis, true));
}

/** Rescales each slice whose L2 norm over `axis` exceeds maxValue down to maxValue. */
export function maxNorm(o: { maxValue?: number; axis?: number | number[] } = {}): Constraint {
  const op = 'constraints.maxNorm';
  checkOptions(op, o, ['maxValue', 'axis']);
  const maxValue = nonNegative(op, 'maxValue', o.maxValue, 2);
  const axis = axisOption(op, o.axis);
  return {
    className: 'MaxNorm', config: { maxValue, axis },
    apply: (w) => core.tidy(() => {
      const n = norms(op, w, axis);
      return core.mul(w, core.div(core.clip(n, 0, maxValue), core.add(n, EPSILON)));
    }),
  };
}

/** Sets negative weights to zero. */
export function nonNeg(): Constraint {
  return {
    className: 'NonNeg', config: {},
    // max(w, 0): Keras' w · (w >= 0) without its -0 entries.
    apply: (w) => core.relu(w),
  };
}

/** Divides each slice by its L2 norm over `axis`. */
export function unitNorm(o: { axis?: number | number[] } = {}): Constraint {
  const op = 'constraints.unitNorm';
  checkOptions(op, o, ['axis']);
  const axis = axisOption(op, o.axis);
  return {
    className: 'UnitNorm', config: { axis },
    apply: (w) => core.tidy(() => core.div(w, core.add(norms(op, w, axis), EPSILON))),
  };
}

/**
 * Moves each slice's norm towards [minValue, maxValue]: the new norm is
 * rate · clip(norm, minValue, maxValue) + (1 − rate) · norm.
 */
export function minMaxNorm(o: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}): Constraint {
  const op = 'constraints.minMaxNorm';
  checkOptions(op, o, ['minValue', 'maxValue', 'rate', 'axis']);
  const minValue = nonNegative(op, 'minValue', o.minValue, 0);
  const maxValue = nonNegative(op, 'maxValue', o.maxValue, 1);
  if (maxValue < minValue) throw new Error(`${op}: maxValue (${maxValue}) must be >= minValue (${minValue})`);
  const rate = inRange(op, 'rate', o.rate, 0, 1, false, 1);
  const axis = axisOption(op, o.axis);
  return {
    className: 'MinMaxNorm', config: { minValue, maxValue, rate, axis },
    apply: (w) => core.tidy(() => {
      const n = norms(op, w, axis);
      const desired = core.add(core.mul(rate, core.clip(n, minValue, maxValue)), core.mul(1 - rate, n));
      return core.mul(w, core.div(desired, core.add(n, EPSILON)));
    }),
  };
}

const BY_NAME: Readonly<Record<string, () => Constraint>> = {
  maxNorm: () => maxNorm(), max_norm: () => maxNorm(), nonNeg: () => nonNeg(), non_neg: () => nonNeg(),
  unitNorm: () => unitNorm(), unit_norm: () => unitNorm(), minMaxNorm: () => minMaxNorm(), min_max_norm: () => minMaxNorm(),
};

const BY_CLASS: Readonly<Record<string, (c: Record<string, unknown>) => Constraint>> = {
  MaxNorm: (c) => maxNorm(c), NonNeg: (c) => { checkOptions('constraints.nonNeg', c, []); return nonNeg(); },
  UnitNorm: (c) => unitNorm(c), MinMaxNorm: (c) => minMaxNorm(c),
};

/** A constraint from a name, a Constraint, or its JSON `{ className, config }`; undefined and null give none. */
export function getConstraint(op: string, option: string, v: unknown): Constraint | undefined {
  if (v === undefined || v === null) return undefined;
  const where = `${op}: ${option}`;
  if (typeof v === 'string') {
    if (!Object.hasOwn(BY_NAME, v)) throw new Error(`${where}: unknown constraint ${given(v)}; valid: ${Object.keys(BY_NAME).join(', ')}`);
    return BY_NAME[v]();
  }
  if (typeof v === 'object' && typeof (v as Constraint).className === 'string') {
    const { className, config } = v as { className: string; config?: unknown };
    if (config !== undefined && (typeof config !== 'object' || config === null)) {
      throw new Error(`${where}: config must be an object, got ${given(config)}`);
    }
    if (!Object.hasOwn(BY_CLASS, className)) throw new Error(`${where}: unknown constraint class ${given(className)}; valid: ${Object.keys(BY_CLASS).join(', ')}`);
    return BY_CLASS[className]((config ?? {}) as Record<string, unknown>);
  }
  throw new Error(`${where} must be a constraint name, a constraint (constraints.maxNorm()) or its JSON, got ${given(v)}`);
}

/** The saved form of a constraint (null for none). */
export function serializeConstraint(c: Constraint | undefined): { className: string; config: Record<string, unknown> } | null {
  return c ? { className: c.className, config: { ...c.config } } : null;
}
