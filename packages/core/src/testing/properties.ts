// Property tests (fast-check) for broadcasting and shape ops: random shapes, checked against
// brute-force index arithmetic written independently of any backend.

import fc from 'fast-check';
import { it, expect } from 'vitest';
import * as loom from '../index.js';
import { leakBetween, memorySnapshot } from './evaluate.js';

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = (minRank = 0, maxRank = 4) => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/** Multi-index of flat index `i` in `shape` (row-major). */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const iota = (n: number, offset = 0): number[] => Array.from({ length: n }, (_, i) => i + offset);

/** A shape that broadcasts to `out`: some trailing dims kept, some set to 1. */
const broadcastPair = shapeArb(0, 4).chain((out) =>
  fc.tuple(fc.constant(out), fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([o, keep, ones]) => [o, o.slice(o.length - keep).map((d, i) => (ones[o.length - keep + i] ? 1 : d))] as const),
);

async function withBackend<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  await loom.setBackend(backend);
  const before = memorySnapshot();
  const result = await fn();
  const leak = leakBetween(before, memorySnapshot());
  if (leak) throw new Error(leak);
  return result;
}

async function read(t: loom.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

/** Registers the property tests for the named backend. */
export function definePropertySuite(backendName: () => string): void {
  const runs = { numRuns: 30 };

  it('property: broadcasting add matches index arithmetic', async () => {
    await fc.assert(fc.asyncProperty(broadcastPair, fc.boolean(), async ([outShape, small], swap) => {
      const [sa, sb] = swap ? [small, outShape] : [outShape, small];
      const got = await withBackend(backendName(), async () => {
        const a = loom.tensor(iota(size(sa)), sa);
        const b = loom.tensor(iota(size(sb), 1000), sb);
        const y = loom.add(a, b);
        const shape = [...y.shape];
        const values = await read(y);
        a.dispose(); b.dispose();
        return { shape, values };
      });
      expect(got.shape).toEqual([...outShape]);
      for (let i = 0; i < size(outShape); i++) {
        const idx = unravel(i, outShape);
        const pick = (s: readonly number[]): number => ravel(s.map((d, k) => (d === 1 ? 0 : idx[idx.length - s.length + k])), s);
        expect(got.values[i]).toBe(pick(sa) + 1000 + pick(sb));
      }
    }), runs);
  });

  it('property: transpose moves every element to its permuted index', async () => {
    const arb = shapeArb(1, 5).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(iota(s.length), { minLength: s.length, maxLength: s.length })));
    await fc.assert(fc.asyncProperty(arb, async ([shape, perm]) => {
      const values = await withBackend(backendName(), async () => {
        const x = loom.tensor(iota(size(shape)), shape, 'int32');
        const y = loom.transpose(x, perm);
        x.dispose();
        return read(y);
      });
      const outShape = perm.map((p) => shape[p]);
      for (let i = 0; i < values.length; i++) {
        const outIdx = unravel(i, outShape);
        const inIdx = new Array<number>(shape.length);
        perm.forEach((p, k) => { inIdx[p] = outIdx[k]; });
        expect(values[i]).toBe(ravel(inIdx, shape));
      }
    }), runs);
  });

  it('property: slice takes the window at begin of the given size', async () => {
    const arb = shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), ...s.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))))));
    await fc.assert(fc.asyncProperty(arb, async ([shape, ...windows]) => {
      const begin = windows.map((w) => w[0]);
      const sz = windows.map((w) => w[1]);
      const values = await withBackend(backendName(), async () => {
        const x = loom.tensor(iota(size(shape)), shape, 'int32');
        const y = loom.slice(x, begin, sz);
        x.dispose();
        return read(y);
      });
      expect(values.length).toBe(size(sz));
      for (let i = 0; i < values.length; i++) {
        const idx = unravel(i, sz).map((v, d) => v + begin[d]);
        expect(values[i]).toBe(ravel(idx, shape));
      }
    }), runs);
  });

  it('property: split then concat gives back the input', async () => {
    const arb = shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 })).chain(([sh, ax]) =>
      fc.tuple(fc.constant(sh), fc.constant(ax), fc.integer({ min: 0, max: sh[ax] }))));
    await fc.assert(fc.asyncProperty(arb, async ([shape, axis, cut]) => {
      const values = await withBackend(backendName(), async () => {
        const x = loom.tensor(iota(size(shape)), shape);
        const parts = loom.split(x, [cut, shape[axis] - cut], axis);
        const y = loom.concat(parts, axis);
        loom.dispose([x, parts]);
        return read(y);
      });
      expect(values).toEqual(iota(size(shape)));
    }), runs);
  });

  it('property: sum over random axes matches a brute-force sum', async () => {
    const arb = shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.subarray(iota(s.length)), fc.boolean()));
    await fc.assert(fc.asyncProperty(arb, async ([shape, axes, keepDims]) => {
      const got = await withBackend(backendName(), async () => {
        const x = loom.tensor(iota(size(shape)), shape, 'int32');
        const y = loom.sum(x, axes, keepDims);
        const outShape = [...y.shape];
        x.dispose();
        return { outShape, values: await read(y) };
      });
      const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      expect(got.outShape).toEqual(keepDims ? kept : shape.filter((_, i) => !axes.includes(i)));
      const expected = new Array<number>(size(kept)).fill(0);
      for (let i = 0; i < size(shape); i++) {
        const idx = unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v));
        expected[ravel(idx, kept)] += i;
      }
      expect(got.values).toEqual(expected);
    }), runs);
  });

  it('property: reshape round-trips and keeps element order', async () => {
    const arb = shapeArb(0, 4).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })));
    await fc.assert(fc.asyncProperty(arb, async ([shape, other]) => {
      const values = await withBackend(backendName(), async () => {
        const x = loom.tensor(iota(size(shape)), shape);
        const y = loom.reshape(x, other);
        const z = loom.reshape(y, shape);
        loom.dispose([x, y]);
        return read(z);
      });
      expect(values).toEqual(iota(size(shape)));
    }), runs);
  });
}
