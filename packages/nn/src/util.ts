// Small shared helpers: a tidy scope that returns plain values, shape formatting, and whether a
// tensor's data can be read synchronously.

import * as core from '@loom/core';
import { tidy, type Tensor } from '@loom/core';

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

/** True when the tensor's backend reads synchronously (js, wasm; not webgpu), so host-side checks are cheap. */
export function hostReadable(t: Tensor): boolean {
  return typeof t.handle.backend.readSync === 'function';
}

// NOTE: float32 values print with 7 significant digits (1.7, not 1.7000000476837158).
const indexError = (op: string, what: string, v: number, limit: number, where = ''): Error =>
  new Error(`${op}: ${what} ${Number.isInteger(v) ? v : +v.toPrecision(7)}${where} is out of range or not an integer; ` +
    `valid: integers in [0, ${limit})`);

/**
 * Throws on a non-integer or out-of-range index (a class label, an embedding id), which a cast to
 * int32 would silently truncate. Host-side, so it runs only where the backend reads synchronously.
 */
export function checkIndicesSync(op: string, what: string, t: Tensor, limit: number): void {
  if (!hostReadable(t)) return;
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!(Number.isInteger(v[i]) && v[i] >= 0 && v[i] < limit)) throw indexError(op, what, v[i], limit, ` (element ${i})`);
  }
}

/** The same check on any backend (webgpu included): three reductions read back at once. */
export async function checkIndices(op: string, what: string, t: Tensor, limit: number): Promise<void> {
  if (t.size === 0 || t.dtype === 'bool') return;
  const s = core.tidy(() => {
    const f = t.dtype === 'float32' ? t : core.cast(t, 'float32');
    return core.stack([core.min(f), core.max(f), core.sum(core.cast(core.notEqual(f, core.floor(f)), 'float32'))]);
  });
  const [lo, hi, fractional] = (await s.data()) as Float32Array;
  s.dispose();
  if (fractional > 0) throw new Error(`${op}: ${what} holds ${fractional} non-integer value(s); valid: integers in [0, ${limit})`);
  if (!(lo >= 0)) throw indexError(op, what, lo, limit);
  if (!(hi < limit)) throw indexError(op, what, hi, limit);
}
