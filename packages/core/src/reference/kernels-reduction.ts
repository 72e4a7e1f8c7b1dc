// Reference kernels for reductions, arg-reductions, softmax and cumsum.

import type { ReduceOp } from '../backend/op-attrs.js';
import { stridesOf, type Shape } from '../shape.js';
import type { RefKernel as Kernel } from './types.js';

/**
 * Splits `shape` around one axis into (outer, axis, inner) so element (o, a, i) sits at
 * o·axis·inner + a·inner + i.
 */
export function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** For each input element, the index of the output element it reduces into. */
function outputIndexMap(shape: Shape, axes: number[]): Int32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const map = new Int32Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  let o = 0;
  for (let i = 0; i < size; i++) {
    map[i] = o;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      o += keptStrides[d];
      if (idx[d] < shape[d]) break;
      o -= keptStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return map;
}

export function reduceKernel(op: ReduceOp): Kernel<ReduceOp> {
  return ([x], [y], { axes }) => {
    const int = x.dtype === 'int32';
    const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? (int ? INT32_MIN : -Infinity) : int ? INT32_MAX : Infinity;
    // Accumulate in float64 so the reference is more accurate than any float32 backend.
    const acc = new Float64Array(y.size).fill(init);
    const xv = x.values;
    const map = outputIndexMap(x.shape, axes);
    for (let i = 0; i < xv.length; i++) {
      const o = map[i];
      const v = xv[i];
      if (op === 'sum') acc[o] += v;
      else if (op === 'prod') acc[o] = int ? Math.imul(acc[o], v) : acc[o] * v;
      else if (op === 'max') { if (v > acc[o] || v !== v) acc[o] = v; }
      else if (v < acc[o] || v !== v) acc[o] = v;
    }
    const yv = y.values;
    for (let i = 0; i < yv.length; i++) yv[i] = int && op === 'sum' ? acc[i] | 0 : acc[i];
  };
}

export function argReduceKernel(op: 'argMax' | 'argMin'): Kernel<'argMax' | 'argMin'> {
  return ([x], [y], { axis }) => {
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const xv = x.values;
    const yv = y.values;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = xv[base];
        let bestIdx = 0;
        // The first NaN wins (as NumPy); otherwise the first extreme value.
        for (let a = 1; a < n && best === best; a++) {
          const v = xv[base + a * inner];
          if (v !== v || (op === 'argMax' ? v > best : v < best)) {
            best = v;
            bestIdx = a;
          }
        }
        yv[o * inner + i] = bestIdx;
      }
    }
  };
}

export function softmaxKernel(op: 'softmax' | 'logSoftmax'): Kernel<'softmax' | 'logSoftmax'> {
  return ([x], [y], { axis }) => {
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const xv = x.values;
    const yv = y.values;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let m = -Infinity;
        for (let a = 0; a < n; a++) m = Math.max(m, xv[base + a * inner]);
        let s = 0;
        for (let a = 0; a < n; a++) s += Math.exp(xv[base + a * inner] - m);
        const logS = Math.log(s);
        for (let a = 0; a < n; a++) {
          const j = base + a * inner;
          yv[j] = op === 'softmax' ? Math.exp(xv[j] - m) / s : xv[j] - m - logS;
        }
      }
    }
  };
}

export const cumsumKernel: Kernel<'cumsum'> = ([x], [y], { axis, exclusive, reverse }) => {
  const [outer, n, inner] = aroundAxis(x.shape, axis);
  const xv = x.values;
  const yv = y.values;
  const int = x.dtype === 'int32';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = 0;
      for (let step = 0; step < n; step++) {
        const a = reverse ? n - 1 - step : step;
        const j = base + a * inner;
        const v = xv[j];
        if (exclusive) {
          yv[j] = acc;
          acc = int ? (acc + v) | 0 : acc + v;
        } else {
          acc = int ? (acc + v) | 0 : acc + v;
          yv[j] = acc;
        }
      }
    }
  }
};

export const topkKernel: Kernel<'topk'> = ([x], [values, indices], { k }) => {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : x.size / n;
  const xv = x.values;
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) order[i] = i;
    const base = r * n;
    // Larger first; NaN counts as largest; ties keep the lower index first.
    const key = (i: number): number => {
      const v = xv[base + i];
      return v !== v ? Infinity : v;
    };
    order.sort((p, q) => {
      const d = key(q) - key(p);
      return d > 0 ? 1 : d < 0 ? -1 : p - q;
    });
    for (let j = 0; j < k; j++) {
      values.values[r * k + j] = xv[base + order[j]];
      indices.values[r * k + j] = order[j];
    }
  }
};
