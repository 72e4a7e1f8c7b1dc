// Convolution as implicit-im2col GEMM (the patch matrix is packed panel by panel from the input,
// never materialized; 1×1 stride-1 unpadded convolutions are a plain GEMM) and 2-D max/avg pooling
// vectorized over channels (NHWC).

import { Conv2dParam, Pool2dParam } from '../src/abi/params';
import { off4, param } from './common';
import { gemm, gemmImpl, setConvGeometry } from './gemm';

/**
 * conv2d on NHWC x [nb,h,w,c] with filter [kh,kw,c,f] into y [nb,oh,ow,f]: one GEMM whose A
 * operand (the im2col patch matrix) is packed straight from the input. Params at p: the
 * Conv2dParam slots of src/abi/params.ts. Computes output rows (n, oy, ox) [row0, row0 + rows)
 * only (rows < 0: all), so threads can share one convolution.
 */
export function conv2d(x: usize, filter: usize, y: usize, p: usize, pa: usize, pb: usize, row0: i32, rows: i32): void {
  const nb = param(p, Conv2dParam.batch); const h = param(p, Conv2dParam.inH); const w = param(p, Conv2dParam.inW);
  const c = param(p, Conv2dParam.inC); const kh = param(p, Conv2dParam.kernelH); const kw = param(p, Conv2dParam.kernelW);
  const f = param(p, Conv2dParam.filters); const sh = param(p, Conv2dParam.strideH); const sw = param(p, Conv2dParam.strideW);
  const dh = param(p, Conv2dParam.dilationH); const dw = param(p, Conv2dParam.dilationW);
  const pt = param(p, Conv2dParam.padTop); const pl = param(p, Conv2dParam.padLeft);
  const oh = param(p, Conv2dParam.outH); const ow = param(p, Conv2dParam.outW);
  const total = rows < 0 ? nb * oh * ow - row0 : rows;
  const out = y + off4(row0 * f);
  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w) {
    gemm(x + off4(row0 * c), filter, out, total, f, c, false, false, f, pa, pb);
    return;
  }
  setConvGeometry(x, h, w, c, kw, sh, sw, dh, dw, pt, pl, oh, ow, row0);
  gemmImpl(0, 0, filter, f, out, total, f, kh * kw * c, false, false, f, pa, pb, true);
}

/**
 * Max (isAvg false) or average pooling on NHWC. Params at p: the Pool2dParam slots of
 * src/abi/params.ts. Max propagates NaN and gives -Inf for an empty window; avg divides by
 * in-bounds elements only.
 */
export function pool2d(isAvg: bool, x: usize, y: usize, p: usize): void {
  const nb = param(p, Pool2dParam.batch); const h = param(p, Pool2dParam.inH); const w = param(p, Pool2dParam.inW);
  const c = param(p, Pool2dParam.channels); const kh = param(p, Pool2dParam.windowH); const kw = param(p, Pool2dParam.windowW);
  const sh = param(p, Pool2dParam.strideH); const sw = param(p, Pool2dParam.strideW);
  const pt = param(p, Pool2dParam.padTop); const pl = param(p, Pool2dParam.padLeft);
  const oh = param(p, Pool2dParam.outH); const ow = param(p, Pool2dParam.outW);
  for (let n = 0; n < nb; n++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - pt, 0);
      const y1 = min(oy * sh - pt + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - pl, 0);
        const x1 = min(ox * sw - pl + kw, w);
        const count = max(y1 - y0, 0) * max(x1 - x0, 0);
        const out = y + off4(((n * oh + oy) * ow + ox) * c);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          let acc = f32x4.splat(isAvg ? 0 : -Infinity);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const v = v128.load(x + off4(((n * h + iy) * w + ix) * c + ch));
              acc = isAvg ? f32x4.add(acc, v) : f32x4.max(acc, v);
            }
          }
          if (isAvg) acc = count > 0 ? f32x4.div(acc, f32x4.splat(<f32>count)) : f32x4.splat(0);
          v128.store(out + off4(ch), acc);
        }
        for (; ch < c; ch++) {
          let acc: f32 = isAvg ? 0 : -Infinity;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const v = load<f32>(x + off4(((n * h + iy) * w + ix) * c + ch));
              if (isAvg) acc += v;
              else if (v > acc || v != v) acc = v;
            }
          }
          store<f32>(out + off4(ch), isAvg ? (count > 0 ? acc / <f32>count : 0) : acc);
        }
      }
    }
  }
}
