// Deterministic input data for the cases.

import type { DType } from '../dtype.js';
import { SeededRandom } from '../random.js';
import type { InputData } from './types.js';

/** Values in a kind the op is defined on. */
export type ValueKind = 'normal' | 'positive' | 'unit' | 'int' | 'smallInt' | 'bool' | 'wide';

let seedCounter = 1;

/** Seeded values of `kind` for `shape` (float32 unless the kind is integral). */
export function gen(shape: number[], kind: ValueKind = 'normal', seed = seedCounter++): InputData {
  const rng = new SeededRandom(seed * 7919);
  const size = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let i = 0; i < size; i++) {
    const u = rng.uniform();
    switch (kind) {
      case 'normal': values.push(Math.fround(rng.normal())); break;
      case 'positive': values.push(Math.fround(0.05 + 4 * u)); break;
      case 'unit': values.push(Math.fround(2 * u - 1)); break;
      case 'wide': values.push(Math.fround((u - 0.5) * 40)); break;
      case 'int': values.push(Math.floor(u * 21) - 10); break;
      case 'smallInt': values.push(Math.floor(u * 5) + 1); break;
      case 'bool': values.push(u < 0.5 ? 1 : 0); break;
    }
  }
  const dtype: DType = kind === 'int' || kind === 'smallInt' ? 'int32' : kind === 'bool' ? 'bool' : 'float32';
  return { shape, dtype, values };
}

/** Explicit values. */
export function data(values: number[], shape: number[] = [values.length], dtype: DType = 'float32'): InputData {
  return { shape, dtype, values: dtype === 'float32' ? values.map(Math.fround) : values };
}

/** The values every unary float op is checked on at the edges. */
export const EDGE_VALUES = [0, -0, 1, -1, 0.5, -2.5, 3.75, 1e-7, -1e-7, 20, -20, 100, -100, Infinity, -Infinity, NaN];
