// Convolution as implicit-im2col GEMM (the patch matrix is packed panel by panel from the input,
// never materialized; 1×1 stride-1 unpadded convolutions are a plain GEMM) and 2-D max/avg pooling
// vectorized over channels (NHWC).

import { off4 } from './common';
import { gemm, gemmImpl, setConvGeometry } from './gemm';

/**
 * conv2d on NHWC x [nb,h,w,c] with filter [kh,kw,c,f] into y [nb,oh,ow,f]: one GEMM whose A
 * operand (the im2col patch matrix) is packed straight from the input. Params at p (i32):
 * nb h w c kh kw f sh sw dh dw pt pl oh ow.
 */
export function conv2d(x: usize, filter: usize, y: usize, p: usize, pa: usize, pb: usize): void {
  const nb = load<i32>(p); const h = load<i32>(p, 4); const w = load<i32>(p, 8); const c = load<i32>(p, 12);
  const kh = load<i32>(p, 16); const kw = load<i32>(p, 20); const f = load<i32>(p, 24);
  const sh = load<i32>(p, 28); const sw = load<i32>(p, 32); const dh = load<i32>(p, 36); const dw = load<i32>(p, 40);
  const pt = load<i32>(p, 44); const pl = load<i32>(p, 48); const oh = load<i32>(p, 52); const ow = load<i32>(p, 56);
  const total = nb * oh * ow;
  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w) {
    gemm(x, filter, y, total, f, c, false, false, f, pa, pb);
    return;
  }
  setConvGeometry(x, h, w, c, kw, sh, sw, dh, dw, pt, pl, oh, ow);
  gemmImpl(0, filter, y, total, f, kh * kw * c, false, false, f, pa, pb, true);
}

/**
 * Max (isAvg false) or average pooling on NHWC. Params at p: nb h w c kh kw sh sw pt pl oh ow.
 * Max propagates NaN and gives -Inf for an empty window; avg divides by in-bounds elements only.
 */
export function pool2d(isAvg: bool, x: usize, y: usize, p: usize): void {
  const nb = load<i32>(p); const h = load<i32>(p, 4); const w = load<i32>(p, 8); const c = load<i32>(p, 12);
  const kh = load<i32>(p, 16); const kw = load<i32>(p, 20); const sh = load<i32>(p, 24); const sw = load<i32>(p, 28);
  const pt = load<i32>(p, 32); const pl = load<i32>(p, 36); const oh = load<i32>(p, 40); const ow = load<i32>(p, 44);
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
