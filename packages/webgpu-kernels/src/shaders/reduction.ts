// Reduction-family WGSL templates: sum/prod/max/min over axis lists (a thread per output, or a
// workgroup tree per output for long reductions, optionally with subgroup adds), argMax/argMin,
// fused softmax/logSoftmax, cumsum and topk.

import type { DType, ReduceOp } from '@loom/core/backend';
import { dim, FLOAT_HELPERS, MAIN_1D, uniformLayout, wgslType, type ShaderSpec, type UniformLayout } from './common.js';
import { MATH_HELPERS } from './math.js';

/** Threads per workgroup of the tree reductions. */
export const TREE_WG = 256;

const REDUCE_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'R', type: 'u32' }, { name: 'outRank', type: 'u32' },
  { name: 'redRank', type: 'u32' }, { name: 'outShape', type: 'dims' }, { name: 'outStrides', type: 'dims' },
  { name: 'redShape', type: 'dims' }, { name: 'redStrides', type: 'dims' }]);

function combine(op: ReduceOp, t: 'f32' | 'i32'): string {
  if (op === 'sum') return 'a + b';
  if (op === 'prod') return 'a * b';
  if (t === 'f32') return op === 'max' ? 'fmax_(a, b)' : 'fmin_(a, b)';
  return op === 'max' ? 'max(a, b)' : 'min(a, b)';
}

function initValue(op: ReduceOp, t: 'f32' | 'i32'): string {
  if (op === 'sum') return t === 'f32' ? '0.0' : '0';
  if (op === 'prod') return t === 'f32' ? '1.0' : '1';
  if (t === 'f32') return op === 'max' ? '-inf_()' : 'inf_()';
  return op === 'max' ? 'bitcast<i32>(0x80000000u)' : '2147483647';
}

const OFFSET_FNS = /* wgsl */ `
fn outOffset(i: u32) -> u32 {
  var off = 0u;
  var rem = i;
  for (var d = i32(u.outRank) - 1; d >= 0; d--) {
    let ext = ${dim('outShape', 'u32(d)')};
    off += (rem % ext) * ${dim('outStrides', 'u32(d)')};
    rem = rem / ext;
  }
  return off;
}
fn redOffset(r: u32) -> u32 {
  if (u.redRank == 1u) { return r * u.redStrides[0][0]; }
  var off = 0u;
  var rem = r;
  for (var d = i32(u.redRank) - 1; d >= 0; d--) {
    let ext = ${dim('redShape', 'u32(d)')};
    off += (rem % ext) * ${dim('redStrides', 'u32(d)')};
    rem = rem / ext;
  }
  return off;
}`;

/**
 * sum/prod/max/min. `tree`: one workgroup per output element reduces in workgroup memory;
 * otherwise one thread per output element. `subgroups` adds within subgroups first (sum only).
 */
export function reduceShader(op: ReduceOp, dtype: DType, tree: boolean, subgroups: boolean): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype) as 'f32' | 'i32';
  const useSub = tree && subgroups && op === 'sum';
  const head = `${useSub ? 'enable subgroups;\n' : ''}${REDUCE_LAYOUT.wgsl}${FLOAT_HELPERS}${OFFSET_FNS}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${t}>;
fn combine_(a: ${t}, b: ${t}) -> ${t} { return ${combine(op, t)}; }
`;
  if (!tree) {
    return {
      key: `reduce:${op}:${dtype}:thread`,
      layout: REDUCE_LAYOUT,
      code: /* wgsl */ `${head}${MAIN_1D}
  if (idx >= u.n) { return; }
  let base = outOffset(idx);
  var acc: ${t} = ${initValue(op, t)};
  for (var r = 0u; r < u.R; r++) { acc = combine_(acc, X[base + redOffset(r)]); }
  Y[idx] = acc;
}`,
    };
  }
  const subBuiltins = useSub ? ', @builtin(subgroup_invocation_id) sgi: u32, @builtin(subgroup_size) sgs: u32' : '';
  // With subgroups, lane 0 of each subgroup deposits its subgroup's sum in a free slot; the
  // slots are then summed by a tree as before (unused slots hold 0).
  const deposit = useSub
    ? `  let sg = subgroupAdd(acc);
  part[lid] = ${initValue(op, t)};
  workgroupBarrier();
  if (sgi == 0u) { part[atomicAdd(&slots, 1u)] = sg; }
  workgroupBarrier();`
    : `  part[lid] = acc;
  workgroupBarrier();`;
  return {
    key: `reduce:${op}:${dtype}:tree${useSub ? ':subgroups' : ''}`,
    layout: REDUCE_LAYOUT,
    code: /* wgsl */ `${head}
var<workgroup> part: array<${t}, ${TREE_WG}>;
${useSub ? 'var<workgroup> slots: atomic<u32>;' : ''}
@compute @workgroup_size(${TREE_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${subBuiltins}) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= u.n) { return; }
  let base = outOffset(o);
  var acc: ${t} = ${initValue(op, t)};
  for (var r = lid; r < u.R; r += ${TREE_WG}u) { acc = combine_(acc, X[base + redOffset(r)]); }
${deposit}
  for (var s = ${TREE_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = combine_(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { Y[o] = part[0]; }
}`,
  };
}

const AXIS_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'axisN', type: 'u32' }, { name: 'inner', type: 'u32' },
  { name: 'exclusive', type: 'u32' }, { name: 'reverse', type: 'u32' }]);

/** argMax/argMin along one axis; the first NaN wins, else the first extreme value. */
export function argReduceShader(op: 'argMax' | 'argMin', dtype: DType): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  const better = op === 'argMax' ? 'v > best' : 'v < best';
  const nanV = t === 'f32' ? 'isnan_(v) || ' : '';
  const nanBest = t === 'f32' ? 'if (isnan_(best)) { break; }' : '';
  return {
    key: `${op}:${dtype}`,
    layout: AXIS_LAYOUT,
    code: /* wgsl */ `${AXIS_LAYOUT.wgsl}${FLOAT_HELPERS}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<i32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  if (u.axisN == 0u) { Y[idx] = 0; return; }
  let o = idx / u.inner;
  let i = idx - o * u.inner;
  let base = o * u.axisN * u.inner + i;
  var best = X[base];
  var bi = 0u;
  for (var a = 1u; a < u.axisN; a++) {
    ${nanBest}
    let v = X[base + a * u.inner];
    if (${nanV}${better}) { best = v; bi = a; }
  }
  Y[idx] = i32(bi);
}`,
  };
}

/** Threads per workgroup of the softmax tree (fewer barrier steps than TREE_WG). */
export const SOFTMAX_WG = 64;

/**
 * Fused softmax/logSoftmax: per line the max, the sum of exp(x − max), then the output; a thread
 * or a workgroup per line. softmax stores exp(x − max) on the sum pass and rescales it, so each
 * element's exp is computed once.
 */
export function softmaxShader(op: 'softmax' | 'logSoftmax', tree: boolean): ShaderSpec & { layout: UniformLayout } {
  const soft = op === 'softmax';
  const head = `${AXIS_LAYOUT.wgsl}${FLOAT_HELPERS}${MATH_HELPERS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
`;
  const sumStep = (acc: string, j: string): string => soft
    ? `{ let e = exp_(X[${j}] - m); Y[${j}] = e; ${acc} += e; }`
    : `{ ${acc} += exp_(X[${j}] - m); }`;
  const outStep = (j: string): string => soft ? `Y[${j}] = Y[${j}] * inv;` : `Y[${j}] = X[${j}] - m - ls;`;
  const finish = soft ? 'let inv = 1.0 / s;' : 'let ls = log_(s);';
  if (!tree) {
    return {
      key: `${op}:thread`,
      layout: AXIS_LAYOUT,
      code: /* wgsl */ `${head}${MAIN_1D}
  if (idx >= u.n) { return; }
  let o = idx / u.inner;
  let i = idx - o * u.inner;
  let base = o * u.axisN * u.inner + i;
  var m = -inf_();
  for (var a = 0u; a < u.axisN; a++) { m = fmax_(m, X[base + a * u.inner]); }
  var s = 0.0;
  for (var a = 0u; a < u.axisN; a++) ${sumStep('s', 'base + a * u.inner')}
  ${finish}
  for (var a = 0u; a < u.axisN; a++) { ${outStep('base + a * u.inner')} }
}`,
    };
  }
  return {
    key: `${op}:tree`,
    layout: AXIS_LAYOUT,
    code: /* wgsl */ `${head}
var<workgroup> part: array<f32, ${SOFTMAX_WG}>;
@compute @workgroup_size(${SOFTMAX_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let line = wid.y * nwg.x + wid.x;
  if (line >= u.n) { return; }
  let o = line / u.inner;
  let i = line - o * u.inner;
  let base = o * u.axisN * u.inner + i;
  var pm = -inf_();
  for (var a = lid; a < u.axisN; a += ${SOFTMAX_WG}u) { pm = fmax_(pm, X[base + a * u.inner]); }
  part[lid] = pm;
  workgroupBarrier();
  for (var h = ${SOFTMAX_WG / 2}u; h > 0u; h = h >> 1u) {
    if (lid < h) { part[lid] = fmax_(part[lid], part[lid + h]); }
    workgroupBarrier();
  }
  let m = part[0];
  workgroupBarrier();
  var ps = 0.0;
  for (var a = lid; a < u.axisN; a += ${SOFTMAX_WG}u) ${sumStep('ps', 'base + a * u.inner')}
  part[lid] = ps;
  workgroupBarrier();
  for (var h = ${SOFTMAX_WG / 2}u; h > 0u; h = h >> 1u) {
    if (lid < h) { part[lid] = part[lid] + part[lid + h]; }
    workgroupBarrier();
  }
  let s = part[0];
  ${finish}
  for (var a = lid; a < u.axisN; a += ${SOFTMAX_WG}u) { ${outStep('base + a * u.inner')} }
}`,
  };
}

/** Running sum along an axis, one thread per line (int32 wraps). */
export function cumsumShader(dtype: DType): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  return {
    key: `cumsum:${dtype}`,
    layout: AXIS_LAYOUT,
    code: /* wgsl */ `${AXIS_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${t}>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let o = idx / u.inner;
  let i = idx - o * u.inner;
  let base = o * u.axisN * u.inner + i;
  var acc: ${t} = ${t}(0);
  for (var step = 0u; step < u.axisN; step++) {
    let a = select(step, u.axisN - 1u - step, u.reverse != 0u);
    let j = base + a * u.inner;
    let v = X[j];
    if (u.exclusive != 0u) { Y[j] = acc; acc = acc + v; } else { acc = acc + v; Y[j] = acc; }
  }
}`,
  };
}

const TOPK_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'rowN', type: 'u32' }, { name: 'k', type: 'u32' }]);

/**
 * topk on the last axis by ranking: each element counts the elements ordered before it (larger,
 * NaN largest, ties by lower index) and, when its rank is below k, writes itself there.
 */
export function topkShader(dtype: DType): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  const key = t === 'f32' ? 'select(v, inf_(), isnan_(v))' : 'v';
  return {
    key: `topk:${dtype}`,
    layout: TOPK_LAYOUT,
    code: /* wgsl */ `${TOPK_LAYOUT.wgsl}${FLOAT_HELPERS}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> V: array<${t}>;
@group(0) @binding(3) var<storage, read_write> IX: array<i32>;
fn key_(v: ${t}) -> ${t} { return ${key}; }
${MAIN_1D}
  if (idx >= u.n) { return; }
  let r = idx / u.rowN;
  let i = idx - r * u.rowN;
  let base = r * u.rowN;
  let x = X[idx];
  let kx = key_(x);
  var rank = 0u;
  for (var q = 0u; q < u.rowN; q++) {
    let kq = key_(X[base + q]);
    if (kq > kx || (kq == kx && q < i)) { rank++; }
  }
  if (rank < u.k) {
    V[r * u.k + rank] = x;
    IX[r * u.k + rank] = i32(i);
  }
}`,
  };
}
