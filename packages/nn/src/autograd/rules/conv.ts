// Gradient rules for conv2d, maxPool2d and avgPool2d (conv1d and the 1-D pools are compositions
// over these in core).

import {
  add, conv2d, div, equal, logicalAnd, logicalNot, logicalOr, mul, ones, pad, reverse, slice, stridedSlice, transpose,
  where, zeros, type OpAttrs, type Tensor,
} from '@loom/core';
import { dilate, padOrCrop } from '../grad-helpers.js';
import { AB, NONE, XY, type GradientFamily } from './types.js';

type ConvAttrs = OpAttrs['conv2d'];
type PoolAttrs = OpAttrs['maxPool2d'];

/** conv2d input gradient: a stride-1 correlation of the zero-dilated, padded dy with the flipped filter. */
function conv2dInputGrad(dy: Tensor, x: Tensor, f: Tensor, attrs: ConvAttrs): Tensor {
  if (dy.size === 0) return zeros([...x.shape]);
  let g = dy;
  for (const i of [0, 1]) {
    const axis = i + 1;
    const d = attrs.dilations[i];
    const k = f.shape[i];
    g = dilate(g, axis, attrs.strides[i]);
    const before = (k - 1) * d - attrs.pads[2 * i];
    const after = x.shape[axis] + (k - 1) * d - g.shape[axis] - before;
    g = padOrCrop(g, axis, before, after);
  }
  const flipped = transpose(reverse(f, [0, 1]), [0, 1, 3, 2]);
  return conv2d(g, flipped, { dilations: attrs.dilations, padding: 'valid' });
}

/** conv2d filter gradient: correlate the padded input with dy, batch and channels swapped. */
function conv2dFilterGrad(dy: Tensor, x: Tensor, f: Tensor, attrs: ConvAttrs): Tensor {
  if (dy.size === 0 || x.size === 0) return zeros([...f.shape]);
  const [pt, pb, pl, pr] = attrs.pads;
  let xp = pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  // Crop to the extent the windows actually read, so the result has exactly the filter's size.
  const need = [0, 1].map((i) => (dy.shape[i + 1] - 1) * attrs.strides[i] + (f.shape[i] - 1) * attrs.dilations[i] + 1);
  xp = slice(xp, [0, 0, 0, 0], [xp.shape[0], need[0], need[1], xp.shape[3]]);
  const xT = transpose(xp, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, F]
  const g = conv2d(xT, dyT, { strides: attrs.dilations, dilations: attrs.strides, padding: 'valid' }); // [C, kh, kw, F]
  return transpose(g, [1, 2, 0, 3]);
}

/** Reads the window element at offset (ky, kx) of every output position from the padded input. */
function windowTap(xp: Tensor, ky: number, kx: number, outShape: readonly number[], strides: readonly number[]): Tensor {
  const [n, oh, ow, c] = outShape;
  const end = [n, ky + (oh - 1) * strides[0] + 1, kx + (ow - 1) * strides[1] + 1, c];
  return stridedSlice(xp, [0, ky, kx, 0], end, [1, strides[0], strides[1], 1]);
}

/** Places per-output values back at input offset (ky, kx) in a padded-input-shaped tensor. */
function placeTap(v: Tensor, ky: number, kx: number, paddedShape: readonly number[], strides: readonly number[]): Tensor {
  let g = dilate(dilate(v, 1, strides[0]), 2, strides[1]);
  g = padOrCrop(g, 1, ky, paddedShape[1] - ky - g.shape[1]);
  return padOrCrop(g, 2, kx, paddedShape[2] - kx - g.shape[2]);
}

/** Pooling gradient, one window tap at a time: max routes dy to the first maximum, avg spreads dy / count. */
function poolGrad(kind: 'max' | 'avg', dy: Tensor, x: Tensor, y: Tensor, attrs: PoolAttrs): Tensor {
  if (dy.size === 0 || x.size === 0) return zeros([...x.shape]);
  const [pt, pb, pl, pr] = attrs.pads;
  const paddings: [number, number][] = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
  const paddedShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  // NOTE: avg pooling does not save x (only its shape), so only max pooling pads its values.
  const xp = kind === 'max' ? pad(x, paddings, -Infinity) : undefined;
  const inside = pad(ones([...x.shape]), paddings, 0);
  let dxp: Tensor | undefined;
  let taken: Tensor | undefined;
  let count: Tensor | undefined;
  const taps: [number, number][] = [];
  for (let ky = 0; ky < attrs.windowSize[0]; ky++) for (let kx = 0; kx < attrs.windowSize[1]; kx++) taps.push([ky, kx]);
  if (kind === 'avg') {
    for (const [ky, kx] of taps) {
      const c = windowTap(inside, ky, kx, dy.shape, attrs.strides);
      count = count ? add(count, c) : c;
    }
  }
  for (const [ky, kx] of taps) {
    let v: Tensor;
    if (kind === 'max') {
      // The first maximum in window order takes the gradient, as the reference kernel picks it.
      const hit = equal(windowTap(xp!, ky, kx, dy.shape, attrs.strides), y);
      const first = taken ? logicalAnd(hit, logicalNot(taken)) : hit;
      taken = taken ? logicalOr(taken, first) : first;
      v = where(first, dy, 0);
    } else {
      v = div(mul(dy, windowTap(inside, ky, kx, dy.shape, attrs.strides)), count!);
    }
    const placed = placeTap(v, ky, kx, paddedShape, attrs.strides);
    dxp = dxp ? add(dxp, placed) : placed;
  }
  return slice(dxp!, [0, pt, pl, 0], [...x.shape]);
}

/** Rules for the convolution and pooling family. */
export const CONV_GRADIENTS = {
  // y = x ⋆ f: dx = dilate(dy) ⋆ flip(f)ᵀ (full correlation), df = pad(x)ᵀ ⋆ dyᵀ
  conv2d: {
    save: AB,
    vjp: (dy, { inputs: [x, f], attrs, needs }) => [
      needs[0] ? conv2dInputGrad(dy, x, f, attrs) : null, needs[1] ? conv2dFilterGrad(dy, x, f, attrs) : null,
    ],
  },
  // d maxPool: dy routed to the (first) maximal element of each window
  maxPool2d: { save: XY, vjp: (dy, { inputs: [x], outputs: [y], attrs }) => [poolGrad('max', dy, x, y, attrs)] },
  // d avgPool: dy / count spread over each window's in-bounds elements
  avgPool2d: { save: NONE, vjp: (dy, { inputs: [x], outputs: [y], attrs }) => [poolGrad('avg', dy, x, y, attrs)] },
} satisfies GradientFamily;
