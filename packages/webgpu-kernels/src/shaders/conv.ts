// Conv-family WGSL (channels-last NHWC): conv2d as an implicit GEMM on linalg.ts's tiled body, its
// A tile gathered from the image (im2col on the fly), and pooling (max propagating NaN, avg
// excluding padding), one thread per output element.

import { FLOAT_HELPERS, MAIN_1D, uniformLayout, type ShaderSpec, type UniformLayout } from './common.js';
import { LANES, MATMUL_FIELDS, tiledGemm } from './linalg.js';

const C = LANES;

const CONV_LAYOUT = uniformLayout([...MATMUL_FIELDS,
  { name: 'H', type: 'u32' }, { name: 'W', type: 'u32' }, { name: 'C', type: 'u32' }, { name: 'kw', type: 'u32' },
  { name: 'oh', type: 'u32' }, { name: 'ow', type: 'u32' }, { name: 'sy', type: 'u32' }, { name: 'sx', type: 'u32' },
  { name: 'dy', type: 'u32' }, { name: 'dx', type: 'u32' }, { name: 'pt', type: 'i32' }, { name: 'pl', type: 'i32' }]);

/**
 * The A loader of conv2d as a GEMM: row m = output pixel (b, oy, ox), column k = (ky, kx, c) of
 * the filter window; out-of-image taps read 0. With C % 4 == 0 the 4 columns a thread loads share
 * one tap and are one vec4 load.
 */
function im2colLoad(vecX: boolean): string {
  const tap = (k: string, then: string): string => `{
      let c = ${k} % u.C; let t2 = ${k} / u.C; let kx = t2 % u.kw; let ky = t2 / u.kw;
      let iy = i32(oy * u.sy + ky * u.dy) - u.pt; let ix = i32(ox * u.sx + kx * u.dx) - u.pl;
      if (iy >= 0 && iy < i32(u.H) && ix >= 0 && ix < i32(u.W)) {
        let at = ((b * u.H + u32(iy)) * u.W + u32(ix)) * u.C + c;
        ${then}
      }
    }`;
  const loads = vecX
    ? `if (k < u.K) ${tap('k', 'v = A[at / 4u];')}`
    : C.map((c, j) => `if (k + ${j}u < u.K) ${tap(`(k + ${j}u)`, `v.${c} = A[at];`)}`).join('\n      ');
  return `var v = vec4<f32>(0.0);
    if (m < u.M) {
      let ox = m % u.ow; let t1 = m / u.ow; let oy = t1 % u.oh; let b = t1 / u.oh;
      ${loads}
    }`;
}

/** conv2d (NHWC, filter [kh,kw,C,F]) as an implicit GEMM: [N·oh·ow, kh·kw·C] × [kh·kw·C, F]. */
export function conv2dGemmShader(vecX: boolean, vecF: boolean): ShaderSpec & { layout: UniformLayout } {
  const key = `conv2d:gemm:${vecX ? 'v' : 's'}${vecF ? 'v' : 's'}`;
  return tiledGemm({ transposeA: false, transposeB: false, vecA: false, vecB: vecF }, key,
    CONV_LAYOUT, `array<${vecX ? 'vec4<f32>' : 'f32'}>`, im2colLoad(vecX));
}

const POOL_LAYOUT = uniformLayout([
  { name: 'n', type: 'u32' }, { name: 'H', type: 'u32' }, { name: 'W', type: 'u32' }, { name: 'C', type: 'u32' },
  { name: 'wh', type: 'u32' }, { name: 'ww', type: 'u32' }, { name: 'oh', type: 'u32' }, { name: 'ow', type: 'u32' },
  { name: 'sy', type: 'u32' }, { name: 'sx', type: 'u32' }, { name: 'pt', type: 'i32' }, { name: 'pl', type: 'i32' },
]);

/** maxPool2d (NaN propagates) or avgPool2d (divides by the in-bounds count). */
export function poolShader(kind: 'max' | 'avg'): ShaderSpec & { layout: UniformLayout } {
  const step = kind === 'max' ? 'if (v > acc || isnan_(v)) { acc = v; }' : 'acc += v;';
  const result = kind === 'max' ? 'acc' : 'select(0.0, acc / f32(count), count > 0u)';
  return {
    key: `pool:${kind}`,
    layout: POOL_LAYOUT,
    code: /* wgsl */ `${POOL_LAYOUT.wgsl}${FLOAT_HELPERS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let ch = idx % u.C;
  var rem = idx / u.C;
  let ox = rem % u.ow; rem = rem / u.ow;
  let oy = rem % u.oh;
  let b = rem / u.oh;
  var acc = ${kind === 'max' ? '-inf_()' : '0.0'};
  var count = 0u;
  for (var ky = 0u; ky < u.wh; ky++) {
    let iy = i32(oy * u.sy + ky) - u.pt;
    if (iy < 0 || iy >= i32(u.H)) { continue; }
    for (var kx = 0u; kx < u.ww; kx++) {
      let ix = i32(ox * u.sx + kx) - u.pl;
      if (ix < 0 || ix >= i32(u.W)) { continue; }
      let v = X[((b * u.H + u32(iy)) * u.W + u32(ix)) * u.C + ch];
      ${step}
      count++;
    }
  }
  Y[idx] = ${result};
}`,
  };
}
