// Reference kernels for elementwise ops: unary, binary with broadcasting, where, cast, clip, fill,
// and the one-pass Adam step.

import type { BinaryOp, OpAttrs, UnaryOp } from '../backend/op-attrs.js';
import { toInt32 } from '../dtype.js';
import { broadcastStrides, type Shape } from '../shape.js';
import type { RefKernel as Kernel } from './types.js';
import { BINARY_FN, INT_BINARY_FN, INT_UNARY_FN, UNARY_FN } from './math.js';

/** Calls `visit(outIndex, offsets...)` for every output element, reading each input broadcast. */
export function forEachBroadcast(outShape: Shape, inShapes: Shape[], visit: (i: number, offsets: number[]) => void): void {
  const rank = outShape.length;
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  const size = outShape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(rank).fill(0);
  const offsets = inShapes.map(() => 0);
  for (let i = 0; i < size; i++) {
    visit(i, offsets);
    // Odometer increment of the output index, updating each input offset incrementally.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < outShape[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function unaryKernel(op: UnaryOp): Kernel<UnaryOp> {
  return ([x], [y]) => {
    const fn = (x.dtype === 'int32' && INT_UNARY_FN[op as keyof typeof INT_UNARY_FN]) || UNARY_FN[op];
    const xv = x.values;
    const yv = y.values;
    for (let i = 0; i < yv.length; i++) yv[i] = fn(xv[i]);
  };
}

export function binaryKernel(op: BinaryOp): Kernel<BinaryOp> {
  return ([a, b], [y]) => {
    const fn = (a.dtype === 'int32' && INT_BINARY_FN[op as keyof typeof INT_BINARY_FN]) || BINARY_FN[op];
    const av = a.values;
    const bv = b.values;
    const yv = y.values;
    if (a.size === y.size && b.size === y.size) {
      for (let i = 0; i < yv.length; i++) yv[i] = fn(av[i], bv[i]);
    } else if (b.size === 1 && a.size === y.size) {
      const s = bv[0];
      for (let i = 0; i < yv.length; i++) yv[i] = fn(av[i], s);
    } else if (a.size === 1 && b.size === y.size) {
      const s = av[0];
      for (let i = 0; i < yv.length; i++) yv[i] = fn(s, bv[i]);
    } else {
      forEachBroadcast(y.shape, [a.shape, b.shape], (i, [oa, ob]) => {
        yv[i] = fn(av[oa], bv[ob]);
      });
    }
  };
}

export const whereKernel: Kernel<'where'> = ([c, a, b], [y]) => {
  const cv = c.values;
  const av = a.values;
  const bv = b.values;
  const yv = y.values;
  forEachBroadcast(y.shape, [c.shape, a.shape, b.shape], (i, [oc, oa, ob]) => {
    yv[i] = cv[oc] ? av[oa] : bv[ob];
  });
};

export const castKernel: Kernel<'cast'> = ([x], [y], { dtype }) => {
  const xv = x.values;
  const yv = y.values;
  if (dtype === 'bool') for (let i = 0; i < yv.length; i++) yv[i] = xv[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < yv.length; i++) yv[i] = toInt32(xv[i]);
  else yv.set(xv);
};

export const clipKernel: Kernel<'clip'> = ([x], [y], { min, max }) => {
  const xv = x.values;
  const yv = y.values;
  for (let i = 0; i < yv.length; i++) {
    const v = xv[i];
    yv[i] = v < min ? min : v > max ? max : v;
  }
};

export const leakyReluKernel: Kernel<'leakyRelu'> = ([x], [y], { alpha }) => {
  const xv = x.values;
  const yv = y.values;
  for (let i = 0; i < yv.length; i++) yv[i] = xv[i] < 0 ? alpha * xv[i] : xv[i];
};

export const fillKernel: Kernel<'fill'> = (_, [y], { value }: OpAttrs['fill']) => {
  y.values.fill(y.dtype === 'bool' ? (value ? 1 : 0) : value);
};


export const adamUpdateKernel: Kernel<'adamUpdate'> = ([w, g, m, v], [w1, m1, v1], { beta1, beta2, epsilon, stepSize }) => {
  const [wv, gv, mv, vv] = [w.values, g.values, m.values, v.values];
  for (let i = 0; i < wv.length; i++) {
    const gi = gv[i];
    const mi = beta1 * mv[i] + (1 - beta1) * gi;
    const vi = beta2 * vv[i] + (1 - beta2) * gi * gi;
    m1.values[i] = mi;
    v1.values[i] = vi;
    w1.values[i] = wv[i] - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
};
