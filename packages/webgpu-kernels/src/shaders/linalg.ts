// Linalg-family WGSL: the batched matmul template (64×64 output tiles, K in steps of 16 through
// workgroup memory, 16×16 threads each accumulating a 4×4 register block, vec4 loads where the
// contiguous dim is a multiple of 4; an unchecked path with vec4 stores when every dim is a
// multiple of its tile) and the tiled GEMM body that conv.ts reuses for conv2d.

import type { FusedActivation } from '@loom/core/backend';
import { FLOAT_HELPERS, uniformLayout, type ShaderSpec, type UniformLayout } from './common.js';
import { UNARY_F32 } from './elementwise.js';
import { MATH_HELPERS } from './math.js';

/** Output tile edge of the tiled matmul. */
export const MM_TILE = 64;
/** K step of the tiled matmul (one workgroup-memory tile). */
export const MM_KSTEP = 16;

/** Uniform fields of the tiled GEMM (conv2d's layout extends them). */
export const MATMUL_FIELDS = [{ name: 'M', type: 'u32' }, { name: 'N', type: 'u32' }, { name: 'K', type: 'u32' },
  { name: 'strideA', type: 'u32' }, { name: 'strideB', type: 'u32' }] as const;
const MATMUL_LAYOUT = uniformLayout(MATMUL_FIELDS);

/** What selects one matmul shader: transposes and which operands use vec4 loads. */
export interface MatmulVariant {
  transposeA: boolean;
  transposeB: boolean;
  /** A's contiguous dim (k, or m when transposed) is a multiple of 4. */
  vecA: boolean;
  /** B's contiguous dim (n, or k when transposed) is a multiple of 4. */
  vecB: boolean;
  /** Fused epilogue: bias [N] (binding 4) and an activation applied as each value is stored. */
  epilogue?: { activation: FusedActivation; bias: boolean };
  /**
   * M and N are multiples of the tile, K of the K step, and both operands use vec4 loads: the
   * unchecked path — no bounds test on any load or store, and vec4 stores of the output.
   */
  aligned?: boolean;
}

/** The component names of a vec4, for unrolled per-lane code. */
export const LANES = ['x', 'y', 'z', 'w'] as const;
const C = LANES;

/**
 * Loads 4 values along the contiguous dim of one operand into `v` (zeros outside). `outer`/`inner`
 * index the first of the 4 along the (non-contiguous, contiguous) dims; `rows`/`cols` their extents.
 * Component accesses are unrolled so every index is a constant (values stay in registers).
 */
function load4(name: string, vec: boolean, base: string, outer: string, inner: string, rows: string, cols: string, checked = true): string {
  if (vec && !checked) return `let v = ${name}[(${base} + ${outer} * ${cols} + ${inner}) / 4u];`;
  if (vec) {
    return `var v = vec4<f32>(0.0);
    if (${outer} < ${rows} && ${inner} < ${cols}) { v = ${name}[(${base} + ${outer} * ${cols} + ${inner}) / 4u]; }`;
  }
  return `var v = vec4<f32>(0.0);
    if (${outer} < ${rows}) {
      let at = ${base} + ${outer} * ${cols} + ${inner};
      ${C.map((c, i) => `if (${inner} + ${i}u < ${cols}) { v.${c} = ${name}[at + ${i}u]; }`).join('\n      ')}
    }`;
}

/** The unrolled multiply-accumulate of one K quad (kq) of the tile: 4 k steps into acc0..acc3. */
function innerProduct(v: MatmulVariant): string {
  const lines: string[] = [];
  if (!v.transposeA) lines.push(...[0, 1, 2, 3].map((i) => `let a${i} = As[(ty * 4u + ${i}u) * 4u + kq];`));
  if (v.transposeB) lines.push(...[0, 1, 2, 3].map((j) => `let b${j} = Bs[(tx * 4u + ${j}u) * 4u + kq];`));
  for (let c = 0; c < 4; c++) {
    const kk = `kq * 4u + ${c}u`;
    if (v.transposeA) lines.push(`{ let a = As[(${kk}) * 16u + ty];`);
    else lines.push(`{ let a = vec4<f32>(a0.${C[c]}, a1.${C[c]}, a2.${C[c]}, a3.${C[c]});`);
    if (v.transposeB) lines.push(`  let b = vec4<f32>(b0.${C[c]}, b1.${C[c]}, b2.${C[c]}, b3.${C[c]});`);
    else lines.push(`  let b = Bs[(${kk}) * 16u + tx];`);
    lines.push('  acc0 += a.x * b; acc1 += a.y * b; acc2 += a.z * b; acc3 += a.w * b; }');
  }
  return lines.join('\n      ');
}

/** The tiled matmul for one combination of transposes and vector loads. */
export function matmulShader(v: MatmulVariant): ShaderSpec & { layout: UniformLayout } {
  const epi = v.epilogue ? `:${v.epilogue.activation}${v.epilogue.bias ? '+bias' : ''}` : '';
  const key = `matmul:${v.transposeA ? 'T' : 'N'}${v.transposeB ? 'T' : 'N'}:${v.vecA ? 'v' : 's'}${v.vecB ? 'v' : 's'}${v.aligned ? ':aligned' : ''}${epi}`;
  return tiledGemm(v, key, MATMUL_LAYOUT, `array<${v.vecA ? 'vec4<f32>' : 'f32'}>`);
}

/**
 * The shared tiled GEMM body; `customLoadA` replaces the matrix loader of A (non-transposed layout),
 * as conv2d's im2col gather does.
 */
export function tiledGemm(
  v: MatmulVariant, key: string, layout: UniformLayout, aType: string, customLoadA?: string,
): ShaderSpec & { layout: UniformLayout } {
  if (v.aligned && (!v.vecA || !v.vecB || customLoadA)) throw new Error('webgpu: the aligned matmul needs vec4 loads of both operands');
  const unchecked = v.aligned === true;
  // A tile (64 m × 16 k) in workgroup memory as vec4s along its contiguous dim:
  // A stored [M, K] → As[m*4 + kq] holds k = 4kq..4kq+3; A stored [K, M] → As[kk*16 + m/4].
  const loadA = v.transposeA
    ? `{
    let kk = lid / 16u; let mq = lid % 16u;
    let k = k0 + kk; let m = m0 + mq * 4u;
    ${load4('A', v.vecA, 'aBase', 'k', 'm', 'u.K', 'u.M', !unchecked)}
    As[kk * 16u + mq] = v;
  }`
    : `{
    let r = lid / 4u; let kq = lid % 4u;
    let m = m0 + r; let k = k0 + kq * 4u;
    ${customLoadA ?? load4('A', v.vecA, 'aBase', 'm', 'k', 'u.M', 'u.K', !unchecked)}
    As[r * 4u + kq] = v;
  }`;
  // B tile (16 k × 64 n): B stored [K, N] → Bs[kk*16 + n/4]; B stored [N, K] → Bs[n*4 + kq].
  const loadB = v.transposeB
    ? `{
    let r = lid / 4u; let kq = lid % 4u;
    let n = n0 + r; let k = k0 + kq * 4u;
    ${load4('B', v.vecB, 'bBase', 'n', 'k', 'u.N', 'u.K', !unchecked)}
    Bs[r * 4u + kq] = v;
  }`
    : `{
    let kk = lid / 16u; let nq = lid % 16u;
    let k = k0 + kk; let n = n0 + nq * 4u;
    ${load4('B', v.vecB, 'bBase', 'k', 'n', 'u.K', 'u.N', !unchecked)}
    Bs[kk * 16u + nq] = v;
  }`;
  // The value stored for lane c (column n + j) of accumulator i: raw, or through the epilogue.
  const value = (i: number, c: string, j: number): string => (v.epilogue ? `epilogue(acc${i}.${c}, n + ${j}u)` : `acc${i}.${c}`);
  const store = unchecked ? [0, 1, 2, 3].map((i) => `Y[(yBase + (m0 + ty * 4u + ${i}u) * u.N + n) / 4u] = vec4<f32>(${C.map((c, j) => value(i, c, j)).join(', ')});`).join('\n  ')
    : [0, 1, 2, 3].map((i) => `{
    let m = m0 + ty * 4u + ${i}u;
    if (m < u.M) {
      let at = yBase + m * u.N + n;
      ${C.map((c, j) => `if (n + ${j}u < u.N) { Y[at + ${j}u] = ${value(i, c, j)}; }`).join('\n      ')}
    }
  }`).join('\n  ');
  const e = v.epilogue;
  // The epilogue: bias and activation applied to each accumulator as it is stored.
  const epilogue = e ? `${FLOAT_HELPERS}${MATH_HELPERS}
${e.bias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
fn epilogue(v: f32, col: u32) -> f32 {
  let x = v${e.bias ? ' + Bias[col]' : ''};
  return ${e.activation === 'linear' ? 'x' : UNARY_F32[e.activation]};
}` : '';
  return {
    key,
    layout,
    code: /* wgsl */ `${layout.wgsl}${epilogue}
@group(0) @binding(1) var<storage, read> A: ${aType};
@group(0) @binding(2) var<storage, read> B: array<${v.vecB ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(3) var<storage, read_write> Y: array<${unchecked ? 'vec4<f32>' : 'f32'}>;
var<workgroup> As: array<vec4<f32>, 256>;
var<workgroup> Bs: array<vec4<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tx = lid % 16u;
  let ty = lid / 16u;
  let m0 = wid.y * ${MM_TILE}u;
  let n0 = wid.x * ${MM_TILE}u;
  let batch = wid.z;
  let aBase = batch * u.strideA;
  let bBase = batch * u.strideB;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < u.K; k0 += ${MM_KSTEP}u) {
    ${loadA}
    ${loadB}
    workgroupBarrier();
    for (var kq = 0u; kq < 4u; kq++) {
      ${innerProduct(v)}
    }
    workgroupBarrier();
  }
  let yBase = batch * u.M * u.N;
  let n = n0 + tx * 4u;
  ${store}
}`,
  };
}
