// Order statistics for benchmark samples: median and min–max, robust to the odd slow round.

import type { Summary } from './types.js';

/** Median of `xs` (mean of the two middle values for an even count). Throws on an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, minimum, maximum and count of `xs`. */
export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new Error('summarize: no samples');
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { median: median(xs), min, max, n: xs.length };
}

/**
 * Ratios of paired samples `num[i] / den[i]` (round i of two engines), then their median and range.
 * Pairing by round cancels slow drifts (thermal, other processes) that hit both engines alike.
 */
export function pairedRatio(num: readonly number[], den: readonly number[]): { ratio: number; min: number; max: number } {
  const n = Math.min(num.length, den.length);
  if (n === 0) throw new Error('pairedRatio: no paired samples');
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(num[i] / den[i]);
  const s = summarize(r);
  return { ratio: s.median, min: s.min, max: s.max };
}

/** The engine order of round `round` over `n` engines: rotated by one each round (A B C, B C A, ...). */
export function roundOrder(n: number, round: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push((i + round) % n);
  return order;
}
