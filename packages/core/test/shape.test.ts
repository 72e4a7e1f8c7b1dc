// Shape arithmetic: broadcasting rules (properties against a brute-force definition), axes, strides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, normalizeAxes, normalizeAxis, stridesOf, tryBroadcastShapes } from '@loom/core';

const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 });

/** NumPy's rule, stated directly: right-align, each pair equal or one of them 1. */
function numpyBroadcast(a: number[], b: number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 1; i <= rank; i++) {
    const x = a[a.length - i] ?? 1;
    const y = b[b.length - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.unshift(x === 1 ? y : x);
  }
  return out;
}

describe('broadcasting', () => {
  it('matches the NumPy rule and is symmetric', () => {
    fc.assert(fc.property(shape, shape, (a, b) => {
      expect(tryBroadcastShapes(a, b)).toEqual(numpyBroadcast(a, b));
      expect(tryBroadcastShapes(a, b)).toEqual(tryBroadcastShapes(b, a));
    }), { numRuns: 500 });
  });

  it('is associative over three shapes', () => {
    fc.assert(fc.property(shape, shape, shape, (a, b, c) => {
      const ab = tryBroadcastShapes(a, b);
      const bc = tryBroadcastShapes(b, c);
      const left = ab && tryBroadcastShapes(ab, c);
      const right = bc && tryBroadcastShapes(a, bc);
      expect(left ?? undefined).toEqual(right ?? undefined);
    }), { numRuns: 300 });
  });

  it('names the op and both shapes when shapes do not broadcast', () => {
    expect(() => broadcastShapes('mul', [2, 3], [2])).toThrow('mul: shapes [2,3] and [2] do not broadcast; trailing dims must be equal or 1');
  });
});

describe('axes and strides', () => {
  it('normalizes negative axes and rejects out-of-range ones', () => {
    expect(normalizeAxis('op', -1, 3)).toBe(2);
    expect(() => normalizeAxis('op', 3, 3)).toThrow('op: axis 3 is out of range for rank 3; valid: an integer in [-3, 2]');
    expect(normalizeAxes('op', [2, -3], 3)).toEqual([0, 2]);
    expect(normalizeAxes('op', undefined, 2)).toEqual([0, 1]);
  });

  it('computes row-major strides', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
  });
});
