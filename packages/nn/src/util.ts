// Small shared helpers: a tidy scope that returns plain values, and shape formatting.

import { tidy } from '@loom/core';

/** Runs `fn` in a tidy scope (every tensor it creates is freed) and returns its non-tensor result. */
export function tidyValue<T>(fn: () => T): T {
  let out!: T;
  tidy(() => {
    out = fn();
  });
  return out;
}

/** `[2,3]` for messages; null dims (the batch) print as `null`. */
export function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}
