// Pooling WGSL templates (channels-last NHWC): one thread per output element, max propagating NaN,
// avg excluding padding. (conv2d is an implicit GEMM in matmul.ts.)

import { FLOAT_HELPERS, MAIN_1D, uniformLayout, type ShaderSpec, type UniformLayout } from './common.js';

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
