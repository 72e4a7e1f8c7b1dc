// Reference kernels for conv2d and 2-D pooling, channels-last (direct loops, float64 accumulation).

import type { RefKernel as Kernel } from './types.js';

export const conv2dKernel: Kernel<'conv2d'> = ([x, f], [y], { strides, dilations, pads }) => {
  const [batch, h, w, c] = x.shape;
  const [kh, kw, , fo] = f.shape;
  const [, oh, ow] = y.shape;
  const xv = x.values;
  const fv = f.values;
  const yv = y.values;
  for (let nb = 0; nb < batch; nb++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let of = 0; of < fo; of++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * strides[0] + ky * dilations[0] - pads[0];
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * strides[1] + kx * dilations[1] - pads[2];
              if (ix < 0 || ix >= w) continue;
              const xBase = ((nb * h + iy) * w + ix) * c;
              const fBase = (ky * kw + kx) * c * fo + of;
              for (let ic = 0; ic < c; ic++) s += xv[xBase + ic] * fv[fBase + ic * fo];
            }
          }
          yv[((nb * oh + oy) * ow + ox) * fo + of] = s;
        }
      }
    }
  }
};

export function poolKernel(kind: 'max' | 'avg'): Kernel<'maxPool2d' | 'avgPool2d'> {
  return ([x], [y], { windowSize, strides, pads }) => {
    const [batch, h, w, c] = x.shape;
    const [, oh, ow] = y.shape;
    const xv = x.values;
    const yv = y.values;
    for (let nb = 0; nb < batch; nb++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ch = 0; ch < c; ch++) {
            let acc = kind === 'max' ? -Infinity : 0;
            let count = 0;
            for (let ky = 0; ky < windowSize[0]; ky++) {
              const iy = oy * strides[0] + ky - pads[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < windowSize[1]; kx++) {
                const ix = ox * strides[1] + kx - pads[2];
                if (ix < 0 || ix >= w) continue;
                const v = xv[((nb * h + iy) * w + ix) * c + ch];
                if (kind === 'max') { if (v > acc || v !== v) acc = v; }
                else acc += v;
                count++;
              }
            }
            yv[((nb * oh + oy) * ow + ox) * c + ch] = kind === 'max' ? acc : count > 0 ? acc / count : 0;
          }
        }
      }
    }
  };
}
