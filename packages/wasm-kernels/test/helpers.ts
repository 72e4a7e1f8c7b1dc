// Test helpers: run the same computation on `js` and on a wasm backend and compare the results.

import * as loom from '@loom/core';
import type { Tensor } from '@loom/core';
import { expect } from 'vitest';

/** Deterministic pseudo-random float32 values in [-1, 1) (or integers in [lo, hi) when int). */
export function values(n: number, seed = 1, int?: [number, number]): number[] {
  const rng = new loom.SeededRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    out.push(int ? int[0] + Math.floor(u * (int[1] - int[0])) : Math.fround(2 * u - 1));
  }
  return out;
}

export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32' | 'bool';
  data: number[];
}

/** One output as read back. */
export interface Result {
  shape: number[];
  dtype: string;
  data: ArrayLike<number>;
}

/** Runs `fn` on fresh inputs on `backend`, returns the outputs' data, and frees everything. */
export async function runOn(backend: string, inputs: InputSpec[], fn: (...t: Tensor[]) => Tensor | Tensor[]): Promise<Result[]> {
  await loom.setBackend(backend);
  const ts = inputs.map((i) => loom.tensor(i.data, i.shape, i.dtype ?? 'float32'));
  const out = fn(...ts);
  const list = Array.isArray(out) ? out : [out];
  const res = [];
  for (const t of list) res.push({ shape: [...t.shape], dtype: t.dtype, data: await t.data() });
  loom.dispose([ts, list]);
  return res;
}

/** Asserts `fn` gives the same shapes, dtypes and (within rtol/atol) values on `backend` as on js. */
export async function expectSameAsJs(
  backend: string, inputs: InputSpec[], fn: (...t: Tensor[]) => Tensor | Tensor[], rtol = 1e-5, atol = 1e-5,
): Promise<void> {
  const want = await runOn('js', inputs, fn);
  const got = await runOn(backend, inputs, fn);
  expect(got.length).toBe(want.length);
  for (let o = 0; o < got.length; o++) {
    expect(got[o].shape).toEqual(want[o].shape);
    expect(got[o].dtype).toBe(want[o].dtype);
    const g = got[o].data;
    const w = want[o].data;
    expect(g.length).toBe(w.length);
    let bad = -1;
    for (let i = 0; i < g.length && bad < 0; i++) {
      const a = g[i];
      const b = w[i];
      if (Number.isNaN(b) ? !Number.isNaN(a) : !(a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b))) bad = i;
    }
    expect(bad < 0 ? 'ok' : `output ${o} value ${bad}: ${g[bad]} != ${w[bad]}`).toBe('ok');
  }
}
