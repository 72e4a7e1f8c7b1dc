// Reference kernels for data movement: transpose, strided slice, concat, pad, gather, broadcastTo.

import { stridesOf, type Shape } from '../shape.js';
import { forEachBroadcast } from './kernels-elementwise.js';
import type { RefKernel as Kernel } from './types.js';

/** Visits every output index of `shape` with the input offset given by per-dim strides. */
function forEachStrided(shape: Shape, start: number, strides: number[], visit: (i: number, offset: number) => void): void {
  const rank = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(rank).fill(0);
  let offset = start;
  for (let i = 0; i < size; i++) {
    visit(i, offset);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      offset += strides[d];
      if (idx[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export const transposeKernel: Kernel<'transpose'> = ([x], [y], { perm }) => {
  const inStrides = stridesOf(x.shape);
  const xv = x.values;
  const yv = y.values;
  forEachStrided(y.shape, 0, perm.map((p) => inStrides[p]), (i, o) => {
    yv[i] = xv[o];
  });
};

export const sliceKernel: Kernel<'slice'> = ([x], [y], { begin, strides }) => {
  const inStrides = stridesOf(x.shape);
  const start = begin.reduce((s, b, d) => s + b * inStrides[d], 0);
  const xv = x.values;
  const yv = y.values;
  forEachStrided(y.shape, start, strides.map((s, d) => s * inStrides[d]), (i, o) => {
    yv[i] = xv[o];
  });
};

export const concatKernel: Kernel<'concat'> = (inputs, [y], { axis }) => {
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= y.shape[d];
  const rowOut = y.size / (outer || 1);
  let offset = 0;
  for (const x of inputs) {
    const row = outer === 0 ? 0 : x.size / outer;
    for (let o = 0; o < outer; o++) {
      y.values.set(x.values.subarray(o * row, (o + 1) * row), o * rowOut + offset);
    }
    offset += row;
  }
};

export const padKernel: Kernel<'pad'> = ([x], [y], { paddings, value }) => {
  const yv = y.values;
  yv.fill(y.dtype === 'bool' ? (value ? 1 : 0) : value);
  if (x.size === 0) return;
  const outStrides = stridesOf(y.shape);
  const start = paddings.reduce((s, [before], d) => s + before * outStrides[d], 0);
  const xv = x.values;
  // Walk the input and scatter into the interior of the output.
  forEachStrided(x.shape, start, outStrides, (i, o) => {
    yv[o] = xv[i];
  });
};

export const gatherKernel: Kernel<'gather'> = ([x, indices], [y], { axis, batchDims }) => {
  const prod = (s: Shape, from: number, to: number): number => {
    let p = 1;
    for (let i = from; i < to; i++) p *= s[i];
    return p;
  };
  const batch = prod(x.shape, 0, batchDims);
  const outer = prod(x.shape, batchDims, axis);
  const axisSize = x.shape[axis];
  const inner = prod(x.shape, axis + 1, x.shape.length);
  const perBatch = prod(indices.shape, batchDims, indices.shape.length);
  const xv = x.values;
  const iv = indices.values;
  const yv = y.values;
  let out = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < perBatch; j++) {
        const index = iv[b * perBatch + j];
        if (index < 0 || index >= axisSize) {
          throw new Error(`gather: index ${index} is out of range [0, ${axisSize}) for axis ${axis} of [${x.shape.join(',')}]`);
        }
        const src = ((b * outer + o) * axisSize + index) * inner;
        for (let i = 0; i < inner; i++) yv[out++] = xv[src + i];
      }
    }
  }
};

export const broadcastToKernel: Kernel<'broadcastTo'> = ([x], [y]) => {
  const xv = x.values;
  const yv = y.values;
  forEachBroadcast(y.shape, [x.shape], (i, [o]) => {
    yv[i] = xv[o];
  });
};
