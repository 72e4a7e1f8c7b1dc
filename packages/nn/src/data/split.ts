// Chronological train/validation/test split: no shuffling, so the model is judged on the future
// it has not seen — the honest split for process data.

import { Tensor, slice } from '@loom/core';

/** Fractions of the series for each part; they must add up to at most 1 (the rest is test). */
export interface SplitFractions {
  train: number;
  validation?: number;
}

/** The three consecutive parts, and where each starts and ends (step indices). */
export interface ChronologicalSplit<T> {
  train: T;
  validation: T;
  test: T;
  bounds: { train: [number, number]; validation: [number, number]; test: [number, number] };
}

/**
 * Splits along the first axis into consecutive train, validation and test parts.
 * Works on arrays (returns arrays) and tensors (returns tensors the caller disposes).
 */
export function chronologicalSplit<T extends Tensor | readonly unknown[]>(data: T, fractions: SplitFractions = { train: 0.7, validation: 0.15 }): ChronologicalSplit<T> {
  const { train, validation = 0 } = fractions;
  for (const [name, f] of [['train', train], ['validation', validation]] as const) {
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw new Error(`chronologicalSplit: ${name} must be a fraction in [0, 1], got ${f}`);
  }
  if (train + validation > 1 + 1e-12) throw new Error(`chronologicalSplit: train (${train}) + validation (${validation}) exceed 1`);
  const n = data instanceof Tensor ? (data.rank > 0 ? data.shape[0] : -1) : (data as readonly unknown[]).length;
  if (n < 0) throw new Error('chronologicalSplit: data is a scalar; it needs a time axis');
  const a = Math.round(n * train);
  const b = Math.min(n, a + Math.round(n * validation));
  const part = (from: number, to: number): T => {
    if (data instanceof Tensor) return slice(data, [from], [to - from]) as T;
    return (data as readonly unknown[]).slice(from, to) as unknown as T;
  };
  return {
    train: part(0, a), validation: part(a, b), test: part(b, n),
    bounds: { train: [0, a], validation: [a, b], test: [b, n] },
  };
}
