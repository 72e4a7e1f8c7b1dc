// The webgpu kernel table: one typed entry per primitive op, declaring the dtypes its shaders take,
// that turns (inputs, outputs, attrs) into uniforms, buffers and a workgroup grid for ./shaders.
// Dims are collapsed (core's geometry) so shapes of any rank that merge to ≤ 8 dims work.

import {
  ANY_DTYPE, BINARY_ARITH_OPS, BOOL, COMPARE_OPS, FLOAT32, LOGIC_BINARY_OPS, NUMERIC, REDUCE_OPS, UNARY_KEEP_DTYPE_OPS,
  UNARY_MATH_OPS, UNARY_PREDICATE_OPS,
  aroundAxis, broadcastStrides, collapseDims, dimProduct, gatherDims, gatherIndexError, kernel, kernelFamily, matmulDims,
  offsetOf, recurrentGradSlots, recurrentSlots, storedWord, stridesOf,
  type BinaryOp, type DType, type FusedActivation, type Kernel, type KernelOpName, type KernelTable, type ReduceOp,
  type UnaryOp,
} from '@loom/core/backend';
import type { WebGPUBackend } from './backend.js';
import { grid, MAX_RANK, WG } from './shaders/common.js';
import { conv2dGemmShader, poolShader } from './shaders/conv.js';
import {
  adamUpdateShader, binaryShader, castShader, fillShader, paramUnaryShader, unaryShader, whereShader, type Access,
} from './shaders/elementwise.js';
import { MM_KSTEP, MM_TILE, matmulShader } from './shaders/linalg.js';
import {
  recurrentGradShader, recurrentKernelGradShader, recurrentStepShader, rowWide, stageShader, transposeShader, unitLanes, type RecurrentShader,
  type RecurrentTile,
} from './shaders/recurrent.js';
import { argReduceShader, cumsumShader, reduceShader, softmaxShader, topkShader } from './shaders/reduction.js';
import { concatShader, gatherShader, padShader, stridedCopyShader } from './shaders/shape.js';

/**
 * How a kernel sees a tensor: its GPU buffer (a 16-byte dummy for empty tensors, which kernels
 * never read), shape, dtype and size.
 */
export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Host copy of int32 data written from the host, when one is kept (gather's index check). */
  readonly host?: Int32Array;
}

/** The body of op `K`'s kernel; the table pairs it with the dtypes it accepts. */
type Run<K extends KernelOpName> = Kernel<K, WebGPUBackend, GpuTensor>['run'];

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

function groups1d(n: number): [number, number, number] {
  return grid(Math.ceil(n / WG));
}

function profileOf(op: string, inputs: readonly GpuTensor[], outputs: readonly GpuTensor[], shader: string) {
  return { op, shader, shapes: `${inputs.map((t) => fmt(t.shape)).join('x')}->${outputs.map((t) => fmt(t.shape)).join(',')}` };
}

function checkRank(op: string, rank: number, shape: readonly number[]): void {
  if (rank > MAX_RANK) {
    throw new Error(
      `${op}: shape ${fmt(shape)} needs ${rank} dims after merging contiguous ones; the webgpu backend supports up to ${MAX_RANK}`,
    );
  }
}

// ---- elementwise ----

/** Broadcast access modes and collapsed strides for elementwise inputs. */
function broadcastPlan(op: string, inputs: readonly GpuTensor[], out: GpuTensor) {
  const access: Access[] = inputs.map((t) => (t.size === out.size ? 'same' : t.size === 1 ? 'scalar' : 'strided'));
  const strided = inputs.map((t, k) => (access[k] === 'strided' ? broadcastStrides(t.shape, out.shape) : stridesOf(out.shape)));
  const c = collapseDims(out.shape, strided);
  if (access.includes('strided')) checkRank(op, c.shape.length, out.shape);
  const uniforms: Record<string, number | number[]> = { n: out.size, rank: c.shape.length, shape: c.shape };
  c.strides.forEach((s, k) => { uniforms[`s${k}`] = s; });
  return { access, uniforms };
}

function unary(op: UnaryOp): Run<UnaryOp> {
  return (ctx, [x], [y]) => {
    const vec4 = y.size % 4 === 0;
    const spec = unaryShader(op, x.dtype, y.dtype, vec4);
    ctx.dispatch(spec, { n: y.size, rank: 0, shape: [], s0: [] }, [x.buffer, y.buffer],
      groups1d(vec4 ? y.size / 4 : y.size), profileOf(op, [x], [y], spec.key));
  };
}

function binary(op: BinaryOp): Run<BinaryOp> {
  return (ctx, [a, b], [y]) => {
    const plan = broadcastPlan(op, [a, b], y);
    const vec4 = y.size % 4 === 0 && !plan.access.includes('strided');
    const spec = binaryShader(op, a.dtype, y.dtype, [plan.access[0], plan.access[1]], vec4);
    ctx.dispatch(spec, plan.uniforms, [a.buffer, b.buffer, y.buffer],
      groups1d(vec4 ? y.size / 4 : y.size), profileOf(op, [a, b], [y], spec.key));
  };
}

const where: Run<'where'> = (ctx, inputs, [y]) => {
  const plan = broadcastPlan('where', inputs, y);
  const spec = whereShader([plan.access[0], plan.access[1], plan.access[2]]);
  ctx.dispatch(spec, plan.uniforms, [...inputs.map((t) => t.buffer), y.buffer], groups1d(y.size),
    profileOf('where', inputs, [y], spec.key));
};

const cast: Run<'cast'> = (ctx, [x], [y], { dtype }) => {
  const spec = castShader(x.dtype, dtype);
  ctx.dispatch(spec, { n: y.size, rank: 0, shape: [], s0: [] }, [x.buffer, y.buffer], groups1d(y.size),
    profileOf('cast', [x], [y], spec.key));
};

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

const clip: Run<'clip'> = (ctx, [x], [y], { min, max }) => {
  const spec = paramUnaryShader('clip', x.dtype);
  const clampInt = (v: number): number => Math.max(INT_MIN, Math.min(INT_MAX, v));
  ctx.dispatch(spec, { n: y.size, p0: min, p1: max, i0: clampInt(min), i1: clampInt(max), w: 0 }, [x.buffer, y.buffer],
    groups1d(y.size), profileOf('clip', [x], [y], spec.key));
};

const leakyRelu: Run<'leakyRelu'> = (ctx, [x], [y], { alpha }) => {
  const spec = paramUnaryShader('leakyRelu', x.dtype);
  ctx.dispatch(spec, { n: y.size, p0: alpha, p1: 0, i0: 0, i1: 0, w: 0 }, [x.buffer, y.buffer], groups1d(y.size),
    profileOf('leakyRelu', [x], [y], spec.key));
};

const adamUpdate: Run<'adamUpdate'> = (ctx, [w, g, m, v], [w1, m1, v1], { beta1, beta2, epsilon, stepSize }) => {
  const vec4 = w1.size % 4 === 0;
  const spec = adamUpdateShader(vec4);
  ctx.dispatch(spec, { n: w1.size, beta1, c1: 1 - beta1, beta2, c2: 1 - beta2, epsilon, step: stepSize },
    [w, g, m, v, w1, m1, v1].map((t) => t.buffer), groups1d(vec4 ? w1.size / 4 : w1.size), profileOf('adamUpdate', [w, g, m, v], [w1, m1, v1], spec.key));
};

const fill: Run<'fill'> = (ctx, _, [y], { value }) => {
  const spec = fillShader();
  const w = storedWord(value, y.dtype);
  ctx.dispatch(spec, { n: y.size, p0: 0, p1: 0, i0: 0, i1: 0, w }, [y.buffer], groups1d(y.size),
    profileOf('fill', [], [y], spec.key));
};

// ---- shape ----

/** Strided copy: out index → input offset `start + Σ idx·strides` after collapsing dims. */
function stridedCopy(ctx: WebGPUBackend, op: string, x: GpuTensor, y: GpuTensor, start: number, strides: number[]): void {
  const c = collapseDims(y.shape, [strides]);
  checkRank(op, c.shape.length, y.shape);
  const spec = stridedCopyShader();
  ctx.dispatch(spec, { n: y.size, rank: c.shape.length, start, shape: c.shape, strides: c.strides[0] },
    [x.buffer, y.buffer], groups1d(y.size), profileOf(op, [x], [y], spec.key));
}

const transpose: Run<'transpose'> = (ctx, [x], [y], { perm }) => {
  const s = stridesOf(x.shape);
  stridedCopy(ctx, 'transpose', x, y, 0, perm.map((p) => s[p]));
};

const slice: Run<'slice'> = (ctx, [x], [y], { begin, strides }) => {
  const s = stridesOf(x.shape);
  stridedCopy(ctx, 'slice', x, y, offsetOf(x.shape, begin), strides.map((st, d) => st * s[d]));
};

const broadcastTo: Run<'broadcastTo'> = (ctx, [x], [y]) => {
  stridedCopy(ctx, 'broadcastTo', x, y, 0, broadcastStrides(x.shape, y.shape));
};

const pad: Run<'pad'> = (ctx, [x], [y], { paddings, value }) => {
  checkRank('pad', y.shape.length, y.shape);
  const spec = padShader();
  ctx.dispatch(spec, {
    n: y.size, rank: y.shape.length, value: storedWord(value, y.dtype), shape: [...y.shape], inShape: [...x.shape],
    before: paddings.map((p) => p[0]),
  }, [x.buffer, y.buffer], groups1d(y.size), profileOf('pad', [x], [y], spec.key));
};

/** One dispatch per non-empty input, each writing its rows at a column offset of the output. */
const concat: Run<'concat'> = (ctx, inputs, [y], { axis }) => {
  const outer = dimProduct(y.shape, 0, axis);
  const rowOut = y.size / outer;
  let offset = 0;
  const spec = concatShader();
  for (const x of inputs) {
    const row = x.size / outer;
    if (x.size > 0) {
      ctx.dispatch(spec, { n: x.size, row, rowOut, offset }, [x.buffer, y.buffer], groups1d(x.size),
        profileOf('concat', [x], [y], spec.key));
    }
    offset += row;
  }
};

const gather: Run<'gather'> = (ctx, [x, indices], [y], { axis, batchDims }) => {
  const { outer, axisSize, inner, perBatch } = gatherDims(x.shape, indices.shape, axis, batchDims);
  const host = indices.host;
  if (host) {
    // Indices written from the host are checked here, so the error is thrown like on the CPU.
    for (let i = 0; i < host.length; i++) {
      if (host[i] < 0 || host[i] >= axisSize) throw gatherIndexError(host[i], axis, x.shape);
    }
  } else {
    ctx.markGatherUnchecked();
  }
  const spec = gatherShader();
  ctx.dispatch(spec, { n: y.size, outer, axisSize, inner, perBatch },
    [x.buffer, indices.buffer, y.buffer, ctx.gatherStatus], groups1d(y.size),
    profileOf('gather', [x, indices], [y], spec.key));
};

// ---- reduction ----

function reduce(op: ReduceOp): Run<ReduceOp> {
  return (ctx, [x], [y], { axes }) => {
    const strides = stridesOf(x.shape);
    const keptDims = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const kept = collapseDims(keptDims.map((d) => x.shape[d]), [keptDims.map((d) => strides[d])]);
    const red = collapseDims(axes.map((d) => x.shape[d]), [axes.map((d) => strides[d])]);
    checkRank(op, kept.shape.length, x.shape);
    checkRank(op, red.shape.length, x.shape);
    const R = axes.reduce((p, d) => p * x.shape[d], 1);
    const tree = R >= 256 || (R >= 32 && y.size < 2048);
    const spec = reduceShader(op, x.dtype, tree, ctx.subgroups);
    const uniforms = {
      n: y.size, R: x.size === 0 ? 0 : R, outRank: kept.shape.length, redRank: red.shape.length,
      outShape: kept.shape, outStrides: kept.strides[0], redShape: red.shape, redStrides: red.strides[0],
    };
    ctx.dispatch(spec, uniforms, [x.buffer, y.buffer], tree ? grid(y.size) : groups1d(y.size),
      profileOf(op, [x], [y], spec.key));
  };
}

function argReduce(op: 'argMax' | 'argMin'): Run<'argMax' | 'argMin'> {
  return (ctx, [x], [y], { axis }) => {
    const [, axisN, inner] = aroundAxis(x.shape, axis);
    const spec = argReduceShader(op, x.dtype);
    ctx.dispatch(spec, { n: y.size, axisN, inner, exclusive: 0, reverse: 0 }, [x.buffer, y.buffer], groups1d(y.size),
      profileOf(op, [x], [y], spec.key));
  };
}

function softmax(op: 'softmax' | 'logSoftmax'): Run<'softmax' | 'logSoftmax'> {
  return (ctx, [x], [y], { axis }) => {
    const [outer, axisN, inner] = aroundAxis(x.shape, axis);
    const lines = outer * inner;
    const tree = axisN >= 128;
    const spec = softmaxShader(op, tree);
    ctx.dispatch(spec, { n: lines, axisN, inner, exclusive: 0, reverse: 0 }, [x.buffer, y.buffer],
      tree ? grid(lines) : groups1d(lines), profileOf(op, [x], [y], spec.key));
  };
}

const cumsum: Run<'cumsum'> = (ctx, [x], [y], { axis, exclusive, reverse }) => {
  const [outer, axisN, inner] = aroundAxis(x.shape, axis);
  const spec = cumsumShader(x.dtype);
  ctx.dispatch(spec, { n: outer * inner, axisN, inner, exclusive: exclusive ? 1 : 0, reverse: reverse ? 1 : 0 },
    [x.buffer, y.buffer], groups1d(outer * inner), profileOf('cumsum', [x], [y], spec.key));
};

const topk: Run<'topk'> = (ctx, [x], [values, indices], { k }) => {
  const rowN = x.shape[x.shape.length - 1];
  if (k === 0 || x.size === 0) return;
  const spec = topkShader(x.dtype);
  ctx.dispatch(spec, { n: x.size, rowN, k }, [x.buffer, values.buffer, indices.buffer], groups1d(x.size),
    profileOf('topk', [x], [values, indices], spec.key));
};

// ---- linalg ----

const matmul: Run<'matmul'> = (ctx, [a, b], [y], { transposeA, transposeB }) => gemm(ctx, 'matmul', a, b, y, transposeA, transposeB);

/** matmul whose shader applies bias and activation as it stores each value (no second pass). */
const fusedMatmul: Run<'fusedMatmul'> = (ctx, [a, b, bias], [y], { transposeA, transposeB, activation, hasBias }) =>
  gemm(ctx, 'fusedMatmul', a, b, y, transposeA, transposeB, { activation, bias: hasBias }, hasBias ? bias : undefined);

/** The tiled matmul: one workgroup per 64×64 output tile and batch, batch-1 operands broadcast. */
function gemm(ctx: WebGPUBackend, op: 'matmul' | 'fusedMatmul', a: GpuTensor, b: GpuTensor, y: GpuTensor,
  transposeA: boolean, transposeB: boolean, epilogue?: { activation: FusedActivation; bias: boolean }, bias?: GpuTensor): void {
  const { batch, batchA, batchB, m: M, k: K, n: N } = matmulDims(a.shape, b.shape, transposeA, transposeB);
  if (batch > 65535) throw new Error(`${op}: batch ${batch} exceeds the webgpu backend's 65535 per dispatch`);
  const vecA = (transposeA ? M : K) % 4 === 0;
  const vecB = (transposeB ? K : N) % 4 === 0;
  const aligned = vecA && vecB && M % MM_TILE === 0 && N % MM_TILE === 0 && K % MM_KSTEP === 0 && K > 0;
  const spec = matmulShader({ transposeA, transposeB, vecA, vecB, epilogue, aligned });
  const tiles: [number, number, number] = [Math.ceil(N / MM_TILE), Math.ceil(M / MM_TILE), batch];
  if (tiles[0] > 65535 || tiles[1] > 65535) throw new Error(`${op}: output [${M},${N}] has more tiles than one dispatch allows`);
  const buffers = [a.buffer, b.buffer, y.buffer, ...(bias ? [bias.buffer] : [])];
  ctx.dispatch(spec, { M, N, K, strideA: batchA === 1 ? 0 : M * K, strideB: batchB === 1 ? 0 : K * N },
    buffers, tiles, profileOf(op, bias ? [a, b, bias] : [a, b], [y], spec.key));
}

// ---- conv ----

/** conv2d as an implicit GEMM: [N·oh·ow, kh·kw·C] × [kh·kw·C, F] with the image gathered per tile. */
const conv2d: Run<'conv2d'> = (ctx, [x, f], [y], { strides, dilations, pads }) => {
  const [, H, W, C] = x.shape;
  const [kh, kw, , F] = f.shape;
  const [N, oh, ow] = y.shape;
  const M = N * oh * ow;
  const K = kh * kw * C;
  const spec = conv2dGemmShader(C % 4 === 0, F % 4 === 0);
  const tiles: [number, number, number] = [Math.ceil(F / MM_TILE), Math.ceil(M / MM_TILE), 1];
  if (tiles[0] > 65535 || tiles[1] > 65535) {
    throw new Error(`conv2d: output [${y.shape.join(',')}] has more tiles than one dispatch allows`);
  }
  ctx.dispatch(spec, {
    M, N: F, K, strideA: 0, strideB: 0, H, W, C, kw, oh, ow, sy: strides[0], sx: strides[1], dy: dilations[0], dx: dilations[1],
    pt: pads[0], pl: pads[2],
  }, [x.buffer, f.buffer, y.buffer], tiles, profileOf('conv2d', [x, f], [y], spec.key));
};

function pool(kind: 'max' | 'avg'): Run<'maxPool2d' | 'avgPool2d'> {
  return (ctx, [x], [y], { windowSize, strides, pads }) => {
    const [, H, W, C] = x.shape;
    const [, oh, ow] = y.shape;
    const spec = poolShader(kind);
    ctx.dispatch(spec, {
      n: y.size, H, W, C, wh: windowSize[0], ww: windowSize[1], oh, ow, sy: strides[0], sx: strides[1], pt: pads[0], pl: pads[2],
    }, [x.buffer, y.buffer], groups1d(y.size), profileOf(`${kind}Pool2d`, [x], [y], spec.key));
  };
}

// ---- recurrent ----

/** Step-shader tile (batch rows × units): batch 1 (inference) gets a wide row of units. */
function recurrentTile(batch: number): RecurrentTile {
  return batch <= 1 ? { rows: 1, cols: 64 } : batch <= 4 ? { rows: 4, cols: 16 } : { rows: 8, cols: 16 };
}

/** Dispatches `spec` with the tensors its bindings name. */
function dispatchNamed(ctx: WebGPUBackend, op: string, spec: RecurrentShader, named: Record<string, GpuTensor>,
  uniforms: { B: number; T: number; n: number; t: number }, groups: [number, number, number]): void {
  const tensors = spec.bindings.map((name) => named[name]);
  ctx.dispatch(spec, uniforms, tensors.map((x) => x.buffer), groups, profileOf(op, tensors, [], spec.key));
}

/** One dispatch per step, each the h·U matmul fused with the gate math (see shaders/recurrent.ts). */
const recurrent: Run<'recurrent'> = (ctx, inputs, outputs, attrs) => {
  const s = recurrentSlots(attrs);
  const [zx, U, h0] = inputs;
  const [B, T] = zx.shape;
  const n = U.shape[0];
  const tile = recurrentTile(B);
  const named: Record<string, GpuTensor> = { ZX: zx, Uk: U, H0: h0, H: outputs[0] };
  if (s.c0 >= 0) named.C0 = inputs[s.c0];
  if (s.rb >= 0) named.RB = inputs[s.rb];
  if (s.mask >= 0) named.MASK = inputs[s.mask];
  if (s.c >= 0) named.C = outputs[s.c];
  if (s.work >= 0) named.WORK = outputs[s.work];
  const lanes = unitLanes(n);
  const spec = recurrentStepShader(attrs, tile, lanes);
  const groups: [number, number, number] = [rowWide(attrs) ? 1 : Math.ceil(n / (tile.cols * lanes)), Math.ceil(B / tile.rows), 1];
  if (groups[0] > 65535 || groups[1] > 65535) throw new Error(`recurrent: [${B}, ${n}] has more tiles than one dispatch allows`);
  for (let t = 0; t < T; t++) dispatchNamed(ctx, 'recurrent', spec, named, { B, T, n, t }, groups);
};

/**
 * Backpropagation through time: one dispatch per step (two for reset-before GRU), from the last
 * step back, then dh0 and dU (+ drb) once; lstm first stages dh into dzx.
 */
const recurrentGrad: Run<'recurrentGrad'> = (ctx, inputs, outputs, attrs) => {
  const s = recurrentGradSlots(attrs);
  const [dzx, dU, dh0] = outputs;
  const U = inputs[s.U];
  const [B, T] = dzx.shape;
  const n = U.shape[0];
  const G = U.shape[1] / n;
  const tile = recurrentTile(B);
  const named: Record<string, GpuTensor> = {
    DH: inputs[s.dh], Uk: U, UT: dU, H0: inputs[s.h0], H: inputs[s.h], DZX: dzx, DU: dU, DH0: dh0,
  };
  const optional = { DC: s.dc, C0: s.c0, C: s.c, WORK: s.work, MASK: s.mask };
  for (const [name, slot] of Object.entries(optional)) if (slot >= 0) named[name] = inputs[slot];
  if (s.dc0 >= 0) named.DC0 = outputs[s.dc0];
  if (s.drb >= 0) named.DRB = outputs[s.drb];
  const op = 'recurrentGrad';
  const uniforms = (t: number) => ({ B, T, n, t });
  const lanes = unitLanes(n);
  const groups: [number, number, number] = [Math.ceil(n / (tile.cols * lanes)), Math.ceil(B / tile.rows), 1];
  if (groups[1] > 65535) throw new Error(`${op}: batch ${B} has more tiles than one dispatch allows`);
  if (attrs.cell === 'lstm') dispatchNamed(ctx, op, stageShader(), named, uniforms(0), groups1d(B * T * n));
  // With 4 units per invocation the steps read Uᵀ, staged in the dU output until dU is computed.
  if (lanes === 4) dispatchNamed(ctx, op, transposeShader(G), named, uniforms(0), groups1d(n * G * n));
  const step = recurrentGradShader(attrs, tile, 'step', lanes);
  const reset = rowWide(attrs) ? recurrentGradShader(attrs, tile, 'reset', lanes) : undefined;
  for (let t = T - 1; t >= 0; t--) {
    dispatchNamed(ctx, op, step, named, uniforms(t), groups);
    if (reset) dispatchNamed(ctx, op, reset, named, uniforms(t), groups);
  }
  dispatchNamed(ctx, op, recurrentGradShader(attrs, tile, 'initial', lanes), named, uniforms(0), groups);
  // dU: 64 columns × 16·lanes units per workgroup (a drb row after the units).
  const dUGroups: [number, number, number] = [Math.ceil((G * n) / 64), Math.ceil((n + (s.drb >= 0 ? 1 : 0)) / (16 * lanes)), 1];
  dispatchNamed(ctx, op, recurrentKernelGradShader(attrs, lanes), named, uniforms(0), dUGroups);
};

// ---- the table ----

/** A webgpu kernel entry: the dtypes of its first input (its output for `fill`) and its body. */
const gpu = <K extends KernelOpName>(dtypes: readonly DType[], run: Run<K>): Kernel<K, WebGPUBackend, GpuTensor> =>
  kernel<K, WebGPUBackend, GpuTensor>(dtypes, run);

/**
 * One GPU kernel per op with the dtypes its shaders handle: data movement, compares, cast and fill
 * work on 32-bit words of any dtype; float math, softmax, the GEMMs and pooling are float32 only;
 * div is float32 only (core divides int32 as float32). The mapped type makes the compiler reject
 * a missing op; `supports()` is read from it.
 */
export const KERNELS: KernelTable<WebGPUBackend, GpuTensor> = {
  ...kernelFamily(UNARY_MATH_OPS, (op) => gpu(FLOAT32, unary(op))),
  ...kernelFamily(UNARY_KEEP_DTYPE_OPS, (op) => gpu(NUMERIC, unary(op))),
  ...kernelFamily(UNARY_PREDICATE_OPS, (op) => gpu(NUMERIC, unary(op))),
  logicalNot: gpu(BOOL, unary('logicalNot')),
  ...kernelFamily(BINARY_ARITH_OPS, (op) => gpu(op === 'div' ? FLOAT32 : NUMERIC, binary(op))),
  ...kernelFamily(COMPARE_OPS, (op) => gpu(ANY_DTYPE, binary(op))),
  ...kernelFamily(LOGIC_BINARY_OPS, (op) => gpu(BOOL, binary(op))),
  leakyRelu: gpu(FLOAT32, leakyRelu),
  clip: gpu(NUMERIC, clip),
  adamUpdate: gpu(FLOAT32, adamUpdate),
  cast: gpu(ANY_DTYPE, cast),
  where: gpu(BOOL, where),
  fill: gpu(ANY_DTYPE, fill),
  ...kernelFamily(REDUCE_OPS, (op) => gpu(NUMERIC, reduce(op))),
  argMax: gpu(NUMERIC, argReduce('argMax')),
  argMin: gpu(NUMERIC, argReduce('argMin')),
  softmax: gpu(FLOAT32, softmax('softmax')),
  logSoftmax: gpu(FLOAT32, softmax('logSoftmax')),
  cumsum: gpu(NUMERIC, cumsum),
  topk: gpu(NUMERIC, topk),
  matmul: gpu(FLOAT32, matmul),
  fusedMatmul: gpu(FLOAT32, fusedMatmul),
  conv2d: gpu(FLOAT32, conv2d),
  maxPool2d: gpu(FLOAT32, pool('max')),
  avgPool2d: gpu(FLOAT32, pool('avg')),
  recurrent: gpu(FLOAT32, recurrent),
  recurrentGrad: gpu(FLOAT32, recurrentGrad),
  transpose: gpu(ANY_DTYPE, transpose),
  slice: gpu(ANY_DTYPE, slice),
  concat: gpu(ANY_DTYPE, concat),
  pad: gpu(ANY_DTYPE, pad),
  gather: gpu(ANY_DTYPE, gather),
  broadcastTo: gpu(ANY_DTYPE, broadcastTo),
};
