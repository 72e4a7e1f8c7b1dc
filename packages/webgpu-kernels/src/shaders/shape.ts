// Shape-family WGSL templates, data movement on 32-bit words (one pipeline serves every dtype): strided
// copy (transpose, slice with negative strides, broadcastTo), pad, concat, and gather.

import { dim, MAIN_1D, uniformLayout, type ShaderSpec, type UniformLayout } from './common.js';

const STRIDED_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'rank', type: 'u32' }, { name: 'start', type: 'i32' },
  { name: 'shape', type: 'dims' }, { name: 'strides', type: 'idims' }]);

/** Y[i] = X[start + Σ idx_d·stride_d] over the output's multi-index (strides may be negative or 0). */
export function stridedCopyShader(): ShaderSpec & { layout: UniformLayout } {
  return {
    key: 'strided-copy',
    layout: STRIDED_LAYOUT,
    code: /* wgsl */ `${STRIDED_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  var off = u.start;
  var rem = idx;
  for (var d = i32(u.rank) - 1; d >= 0; d--) {
    let ext = ${dim('shape', 'u32(d)')};
    off += i32(rem % ext) * ${dim('strides', 'u32(d)')};
    rem = rem / ext;
  }
  Y[idx] = X[u32(off)];
}`,
  };
}

const PAD_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'rank', type: 'u32' }, { name: 'value', type: 'u32' },
  { name: 'shape', type: 'dims' }, { name: 'inShape', type: 'dims' }, { name: 'before', type: 'dims' }]);

/** Constant padding: output positions outside the input's interior take `value` (its bits). */
export function padShader(): ShaderSpec & { layout: UniformLayout } {
  return {
    key: 'pad',
    layout: PAD_LAYOUT,
    code: /* wgsl */ `${PAD_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  var off = 0u;
  var stride = 1u;
  var inside = true;
  var rem = idx;
  for (var d = i32(u.rank) - 1; d >= 0; d--) {
    let dd = u32(d);
    let ext = ${dim('shape', 'dd')};
    let c = i32(rem % ext) - i32(${dim('before', 'dd')});
    rem = rem / ext;
    let inExt = ${dim('inShape', 'dd')};
    if (c < 0 || c >= i32(inExt)) { inside = false; }
    off += u32(max(c, 0)) * stride;
    stride *= inExt;
  }
  if (inside) { Y[idx] = X[off]; } else { Y[idx] = u.value; }
}`,
  };
}

const CONCAT_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'row', type: 'u32' }, { name: 'rowOut', type: 'u32' },
  { name: 'offset', type: 'u32' }]);

/** Copies one concat input ([outer, row] as words) into its column block of the output. */
export function concatShader(): ShaderSpec & { layout: UniformLayout } {
  return {
    key: 'concat',
    layout: CONCAT_LAYOUT,
    code: /* wgsl */ `${CONCAT_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let o = idx / u.row;
  let j = idx - o * u.row;
  Y[o * u.rowOut + u.offset + j] = X[idx];
}`,
  };
}

const GATHER_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'outer', type: 'u32' }, { name: 'axisSize', type: 'u32' },
  { name: 'inner', type: 'u32' }, { name: 'perBatch', type: 'u32' }]);

/**
 * gather along an axis with batch dims. Output (b, o, j, i) reads x[b, o, indices[b, j], i].
 * An out-of-range index writes 0 and raises a flag in `Status` that the next read reports.
 */
export function gatherShader(): ShaderSpec & { layout: UniformLayout } {
  return {
    key: 'gather',
    layout: GATHER_LAYOUT,
    code: /* wgsl */ `${GATHER_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> Y: array<u32>;
@group(0) @binding(4) var<storage, read_write> Status: array<atomic<u32>>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let i = idx % u.inner;
  var rem = idx / u.inner;
  let j = rem % u.perBatch;
  rem = rem / u.perBatch;
  let o = rem % u.outer;
  let b = rem / u.outer;
  let index = I[b * u.perBatch + j];
  if (index < 0 || u32(index) >= u.axisSize) {
    atomicMax(&Status[0], 1u);
    Y[idx] = 0u;
    return;
  }
  Y[idx] = X[((b * u.outer + o) * u.axisSize + u32(index)) * u.inner + i];
}`,
  };
}
