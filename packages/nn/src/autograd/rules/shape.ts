// Gradient rules for shape ops: transpose, slice (with a combine hook for its many uses), concat,
// pad, gather, broadcastTo, reshape and fill.

import { concat, reshape, reverse, slice, split, transpose, zeros, type OpAttrs, type Tensor } from '@loom/core';
import { dilate, padOrCrop, scatterAdd, unbroadcast } from '../grad-helpers.js';
import { nonDiff, NONE, type CombinePart, type GradientFamily } from './types.js';

/** Slice gradient: undo each axis's stride (reverse, zero-dilate) and pad back to the input. */
function sliceGrad(dy: Tensor, x: Tensor, attrs: OpAttrs['slice']): Tensor {
  if (dy.size === 0) return zeros([...x.shape]);
  let g = dy;
  for (let a = 0; a < x.rank; a++) {
    let s = attrs.strides[a];
    const n = dy.shape[a];
    let lo = attrs.begin[a];
    if (s < 0) {
      g = reverse(g, a);
      lo = lo + (n - 1) * s;
      s = -s;
    }
    g = dilate(g, a, s);
    g = padOrCrop(g, a, lo, x.shape[a] - lo - g.shape[a]);
  }
  return g;
}

/** The one axis along which unit-stride slices differ from x (0 when none does), or undefined when several do. */
function cutAxis(x: Tensor, parts: readonly CombinePart<'slice'>[]): number | undefined {
  const varying = new Set<number>();
  for (const p of parts) p.dy.shape.forEach((d, a) => { if (d !== x.shape[a]) varying.add(a); });
  if (varying.size > 1) return undefined;
  return varying.size === 1 ? [...varying][0] : 0;
}

/**
 * The gradient of x from the gradients of several slices of it. When the slices have unit strides and
 * cut x along one axis without overlapping (unstack, split, per-time-step reads), the result is one
 * concat with zero gaps: O(size of x) instead of one full-size padded tensor per slice.
 */
function combineSlices(x: Tensor, parts: readonly CombinePart<'slice'>[]): Tensor {
  const unit = parts.every((p) => p.attrs.strides.every((s) => s === 1));
  const axis = unit && parts.length > 1 ? cutAxis(x, parts) : undefined;
  if (axis !== undefined) {
    const sorted = [...parts].sort((a, b) => a.attrs.begin[axis] - b.attrs.begin[axis]);
    const gap = (n: number): Tensor => zeros(x.shape.map((d, a) => (a === axis ? n : d)));
    const pieces: Tensor[] = [];
    let at = 0;
    let disjoint = true;
    for (const p of sorted) {
      const b = p.attrs.begin[axis];
      if (b < at) { disjoint = false; break; } // overlapping: the sum below
      if (b > at) pieces.push(gap(b - at));
      pieces.push(p.dy);
      at = b + p.dy.shape[axis];
    }
    if (disjoint) {
      if (at < x.shape[axis]) pieces.push(gap(x.shape[axis] - at));
      return concat(pieces, axis);
    }
  }
  return parts.map((p) => sliceGrad(p.dy, x, p.attrs)).reduce((a, b) => a.add(b));
}

/** Rules for the shape family. */
export const SHAPE_GRADIENTS = {
  // d transpose(x, p) = transpose(dy, p⁻¹)
  transpose: { save: NONE, vjp: (dy, { attrs: { perm } }) => [transpose(dy, perm.map((_, i) => perm.indexOf(i)))] },
  // d slice: dy scattered back to the read positions (zeros elsewhere); all uses of x are combined at once
  slice: { save: NONE, vjp: (dy, { inputs: [x], attrs }) => [sliceGrad(dy, x, attrs)], combine: combineSlices },
  // d concat: dy split into the inputs' extents along the axis
  concat: { save: NONE, vjp: (dy, { inputs, attrs: { axis } }) => split(dy, inputs.map((t) => t.shape[axis]), axis) },
  // d pad: the interior of dy
  pad: { save: NONE, vjp: (dy, { inputs: [x], attrs }) => [slice(dy, attrs.paddings.map((p) => p[0]), [...x.shape])] },
  // d gather: dy scatter-added to the gathered rows; the indices get none
  gather: {
    save: { inputs: [1] },
    vjp: (dy, { inputs: [x, idx], attrs }) => [scatterAdd(dy, idx, x.shape, attrs.axis, attrs.batchDims), null],
  },
  // d broadcastTo: dy summed over the broadcast axes
  broadcastTo: { save: NONE, vjp: (dy, { inputs: [x] }) => [unbroadcast(dy, x.shape)] },
  // d reshape = dy reshaped back
  reshape: { save: NONE, vjp: (dy, { inputs: [x] }) => [reshape(dy, [...x.shape])] },
  fill: nonDiff('fill: no inputs'),
} satisfies GradientFamily;
