// Op dispatch: turns one primitive op (inputs, outputs, attrs) into uniforms, buffers and a
// workgroup grid for the WGSL templates in ./shaders. Dims are collapsed so shapes of any rank
// that merge to ≤ 8 dims work.

import {
  BINARY_ARITH_OPS, COMPARE_OPS, LOGIC_BINARY_OPS, REDUCE_OPS, UNARY_KEEP_DTYPE_OPS, UNARY_MATH_OPS, UNARY_PREDICATE_OPS,
  broadcastStrides, stridesOf,
  type BinaryOp, type DType, type FusedActivation, type KernelOpName, type OpAttrs, type ReduceOp, type TensorInfo, type UnaryOp,
} from '@loom/core';
import type { GpuRuntime } from './runtime.js';
import { grid, MAX_RANK, WG } from './shaders/common.js';
import { poolShader } from './shaders/conv.js';
import {
  binaryShader, castShader, fillShader, paramUnaryShader, unaryShader, whereShader, type Access,
} from './shaders/elementwise.js';
import { conv2dGemmShader, MM_TILE, matmulShader } from './shaders/matmul.js';
import { argReduceShader, cumsumShader, reduceShader, softmaxShader, topkShader } from './shaders/reduce.js';
import { concatShader, gatherShader, padShader, stridedCopyShader } from './shaders/shape.js';

/** What kernels need from the backend. */
export interface KernelContext {
  readonly rt: GpuRuntime;
  /** The GPU buffer of a tensor (a small dummy for empty tensors, which kernels never read). */
  buffer(t: TensorInfo): GPUBuffer;
  /** Host copy of an int32 buffer written from the host, when one is kept (gather index checks). */
  hostInt32(t: TensorInfo): Int32Array | undefined;
  /** The 16-byte status buffer where gather flags out-of-range indices. */
  readonly statusBuffer: GPUBuffer;
  /** Called when a gather ran without a host-side index check. */
  markGatherUnchecked(): void;
  readonly subgroups: boolean;
}

type Kernel<K extends KernelOpName> = (ctx: KernelContext, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]) => void;

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

function groups1d(n: number): [number, number, number] {
  return grid(Math.ceil(n / WG));
}

function profileOf(op: string, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], shader: string) {
  return { op, shader, shapes: `${inputs.map((t) => fmt(t.shape)).join('x')}->${outputs.map((t) => fmt(t.shape)).join(',')}` };
}

/**
 * Merges adjacent dims where every operand is contiguous across them (and drops size-1 dims),
 * so a strided walk needs as few dims as possible.
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

function checkRank(op: string, rank: number, shape: readonly number[]): void {
  if (rank > MAX_RANK) {
    throw new Error(`${op}: shape ${fmt(shape)} needs ${rank} dims after merging contiguous ones; the webgpu backend supports up to ${MAX_RANK}`);
  }
}

/** Broadcast access modes and collapsed strides for elementwise inputs. */
function broadcastPlan(op: string, inputs: readonly TensorInfo[], out: TensorInfo) {
  const access: Access[] = inputs.map((t) => (t.size === out.size ? 'same' : t.size === 1 ? 'scalar' : 'strided'));
  const strided = inputs.map((t, k) => (access[k] === 'strided' ? broadcastStrides(t.shape, out.shape) : stridesOf(out.shape)));
  const c = collapseDims(out.shape, strided);
  if (access.includes('strided')) checkRank(op, c.shape.length, out.shape);
  const uniforms: Record<string, number | number[]> = { n: out.size, rank: c.shape.length, shape: c.shape };
  c.strides.forEach((s, k) => { uniforms[`s${k}`] = s; });
  return { access, uniforms };
}

function unary(op: UnaryOp): Kernel<UnaryOp> {
  return (ctx, [x], [y]) => {
    const vec4 = y.size % 4 === 0;
    const spec = unaryShader(op, x.dtype, y.dtype, vec4);
    ctx.rt.dispatch(spec, { n: y.size, rank: 0, shape: [], s0: [] }, [ctx.buffer(x), ctx.buffer(y)], groups1d(vec4 ? y.size / 4 : y.size),
      profileOf(op, [x], [y], spec.key));
  };
}

function binary(op: BinaryOp): Kernel<BinaryOp> {
  return (ctx, [a, b], [y]) => {
    const plan = broadcastPlan(op, [a, b], y);
    const vec4 = y.size % 4 === 0 && !plan.access.includes('strided');
    const spec = binaryShader(op, a.dtype, y.dtype, [plan.access[0], plan.access[1]], vec4);
    ctx.rt.dispatch(spec, plan.uniforms, [ctx.buffer(a), ctx.buffer(b), ctx.buffer(y)], groups1d(vec4 ? y.size / 4 : y.size),
      profileOf(op, [a, b], [y], spec.key));
  };
}

const where: Kernel<'where'> = (ctx, inputs, [y]) => {
  const plan = broadcastPlan('where', inputs, y);
  const spec = whereShader([plan.access[0], plan.access[1], plan.access[2]]);
  ctx.rt.dispatch(spec, plan.uniforms, [...inputs.map((t) => ctx.buffer(t)), ctx.buffer(y)], groups1d(y.size),
    profileOf('where', inputs, [y], spec.key));
};

const cast: Kernel<'cast'> = (ctx, [x], [y], { dtype }) => {
  const spec = castShader(x.dtype, dtype);
  ctx.rt.dispatch(spec, { n: y.size, rank: 0, shape: [], s0: [] }, [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size), profileOf('cast', [x], [y], spec.key));
};

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

const clip: Kernel<'clip'> = (ctx, [x], [y], { min, max }) => {
  const spec = paramUnaryShader('clip', x.dtype);
  const clampInt = (v: number): number => Math.max(INT_MIN, Math.min(INT_MAX, v));
  ctx.rt.dispatch(spec, { n: y.size, p0: min, p1: max, i0: clampInt(min), i1: clampInt(max), w: 0 }, [ctx.buffer(x), ctx.buffer(y)],
    groups1d(y.size), profileOf('clip', [x], [y], spec.key));
};

const leakyRelu: Kernel<'leakyRelu'> = (ctx, [x], [y], { alpha }) => {
  const spec = paramUnaryShader('leakyRelu', x.dtype);
  ctx.rt.dispatch(spec, { n: y.size, p0: alpha, p1: 0, i0: 0, i1: 0, w: 0 }, [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size),
    profileOf('leakyRelu', [x], [y], spec.key));
};

/** The 32-bit word a number is stored as in `dtype` (as a typed-array store would convert it). */
export function wordOf(value: number, dtype: DType): number {
  if (dtype === 'float32') return new Uint32Array(new Float32Array([value]).buffer)[0];
  if (dtype === 'int32') return new Uint32Array(new Int32Array([value]).buffer)[0];
  return value ? 1 : 0;
}

const fill: Kernel<'fill'> = (ctx, _, [y], { value }) => {
  const spec = fillShader();
  const w = wordOf(value, y.dtype);
  ctx.rt.dispatch(spec, { n: y.size, p0: 0, p1: 0, i0: 0, i1: 0, w }, [ctx.buffer(y)], groups1d(y.size), profileOf('fill', [], [y], spec.key));
};

/** Strided copy: out index → input offset `start + Σ idx·strides` after collapsing dims. */
function stridedCopy(ctx: KernelContext, op: string, x: TensorInfo, y: TensorInfo, start: number, strides: number[]): void {
  const c = collapseDims(y.shape, [strides]);
  checkRank(op, c.shape.length, y.shape);
  const spec = stridedCopyShader();
  ctx.rt.dispatch(spec, { n: y.size, rank: c.shape.length, start, shape: c.shape, strides: c.strides[0] },
    [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size), profileOf(op, [x], [y], spec.key));
}

const transpose: Kernel<'transpose'> = (ctx, [x], [y], { perm }) => {
  const s = stridesOf(x.shape);
  stridedCopy(ctx, 'transpose', x, y, 0, perm.map((p) => s[p]));
};

const slice: Kernel<'slice'> = (ctx, [x], [y], { begin, strides }) => {
  const s = stridesOf(x.shape);
  const start = begin.reduce((acc, b, d) => acc + b * s[d], 0);
  stridedCopy(ctx, 'slice', x, y, start, strides.map((st, d) => st * s[d]));
};

const broadcastTo: Kernel<'broadcastTo'> = (ctx, [x], [y]) => {
  stridedCopy(ctx, 'broadcastTo', x, y, 0, broadcastStrides(x.shape, y.shape));
};

const pad: Kernel<'pad'> = (ctx, [x], [y], { paddings, value }) => {
  checkRank('pad', y.shape.length, y.shape);
  const spec = padShader();
  ctx.rt.dispatch(spec, { n: y.size, rank: y.shape.length, value: wordOf(value, y.dtype), shape: [...y.shape], inShape: [...x.shape],
    before: paddings.map((p) => p[0]) }, [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size), profileOf('pad', [x], [y], spec.key));
};

const concat: Kernel<'concat'> = (ctx, inputs, [y], { axis }) => {
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= y.shape[d];
  const rowOut = y.size / outer;
  let offset = 0;
  const spec = concatShader();
  for (const x of inputs) {
    const row = x.size / outer;
    if (x.size > 0) {
      ctx.rt.dispatch(spec, { n: x.size, row, rowOut, offset }, [ctx.buffer(x), ctx.buffer(y)], groups1d(x.size),
        profileOf('concat', [x], [y], spec.key));
    }
    offset += row;
  }
};

const gather: Kernel<'gather'> = (ctx, [x, indices], [y], { axis, batchDims }) => {
  const prod = (s: readonly number[], from: number, to: number): number => {
    let p = 1;
    for (let i = from; i < to; i++) p *= s[i];
    return p;
  };
  const axisSize = x.shape[axis];
  const host = ctx.hostInt32(indices);
  if (host) {
    // Indices written from the host are checked here, so the error is thrown like on the CPU.
    for (let i = 0; i < host.length; i++) {
      const index = host[i];
      if (index < 0 || index >= axisSize) {
        throw new Error(`gather: index ${index} is out of range [0, ${axisSize}) for axis ${axis} of [${x.shape.join(',')}]`);
      }
    }
  } else {
    ctx.markGatherUnchecked();
  }
  const spec = gatherShader();
  ctx.rt.dispatch(spec, {
    n: y.size, outer: prod(x.shape, batchDims, axis), axisSize, inner: prod(x.shape, axis + 1, x.shape.length),
    perBatch: prod(indices.shape, batchDims, indices.shape.length),
  }, [ctx.buffer(x), ctx.buffer(indices), ctx.buffer(y), ctx.statusBuffer], groups1d(y.size), profileOf('gather', [x, indices], [y], spec.key));
};

/** Splits a shape around one axis into [outer, axis, inner]. */
function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

function reduce(op: ReduceOp): Kernel<ReduceOp> {
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
    ctx.rt.dispatch(spec, uniforms, [ctx.buffer(x), ctx.buffer(y)], tree ? grid(y.size) : groups1d(y.size), profileOf(op, [x], [y], spec.key));
  };
}

function argReduce(op: 'argMax' | 'argMin'): Kernel<'argMax' | 'argMin'> {
  return (ctx, [x], [y], { axis }) => {
    const [, axisN, inner] = aroundAxis(x.shape, axis);
    const spec = argReduceShader(op, x.dtype);
    ctx.rt.dispatch(spec, { n: y.size, axisN, inner, exclusive: 0, reverse: 0 }, [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size),
      profileOf(op, [x], [y], spec.key));
  };
}

function softmax(op: 'softmax' | 'logSoftmax'): Kernel<'softmax' | 'logSoftmax'> {
  return (ctx, [x], [y], { axis }) => {
    const [outer, axisN, inner] = aroundAxis(x.shape, axis);
    const lines = outer * inner;
    const tree = axisN >= 128;
    const spec = softmaxShader(op, tree);
    ctx.rt.dispatch(spec, { n: lines, axisN, inner, exclusive: 0, reverse: 0 }, [ctx.buffer(x), ctx.buffer(y)],
      tree ? grid(lines) : groups1d(lines), profileOf(op, [x], [y], spec.key));
  };
}

const cumsum: Kernel<'cumsum'> = (ctx, [x], [y], { axis, exclusive, reverse }) => {
  const [outer, axisN, inner] = aroundAxis(x.shape, axis);
  const spec = cumsumShader(x.dtype);
  ctx.rt.dispatch(spec, { n: outer * inner, axisN, inner, exclusive: exclusive ? 1 : 0, reverse: reverse ? 1 : 0 },
    [ctx.buffer(x), ctx.buffer(y)], groups1d(outer * inner), profileOf('cumsum', [x], [y], spec.key));
};

const topk: Kernel<'topk'> = (ctx, [x], [values, indices], { k }) => {
  const rowN = x.shape[x.shape.length - 1];
  if (k === 0 || x.size === 0) return;
  const spec = topkShader(x.dtype);
  ctx.rt.dispatch(spec, { n: x.size, rowN, k }, [ctx.buffer(x), ctx.buffer(values), ctx.buffer(indices)], groups1d(x.size),
    profileOf('topk', [x], [values, indices], spec.key));
};

const matmul: Kernel<'matmul'> = (ctx, [a, b], [y], { transposeA, transposeB }) => gemm(ctx, 'matmul', a, b, y, transposeA, transposeB);

/** matmul whose shader applies bias and activation as it stores each value (no second pass). */
const fusedMatmul: Kernel<'fusedMatmul'> = (ctx, [a, b, bias], [y], { transposeA, transposeB, activation, hasBias }) =>
  gemm(ctx, 'fusedMatmul', a, b, y, transposeA, transposeB, { activation, bias: hasBias }, hasBias ? bias : undefined);

function gemm(ctx: Parameters<Kernel<'matmul'>>[0], op: 'matmul' | 'fusedMatmul', a: TensorInfo, b: TensorInfo, y: TensorInfo,
  transposeA: boolean, transposeB: boolean, epilogue?: { activation: FusedActivation; bias: boolean }, bias?: TensorInfo): void {
  const [ba, ar, ac] = a.shape;
  const [bb, br, bc] = b.shape;
  const M = transposeA ? ac : ar;
  const K = transposeA ? ar : ac;
  const N = transposeB ? br : bc;
  const batch = y.shape[0];
  if (batch > 65535) throw new Error(`${op}: batch ${batch} exceeds the webgpu backend's 65535 per dispatch`);
  const spec = matmulShader({
    transposeA, transposeB, vecA: (transposeA ? M : K) % 4 === 0, vecB: (transposeB ? K : N) % 4 === 0, epilogue,
  });
  const tiles: [number, number, number] = [Math.ceil(N / MM_TILE), Math.ceil(M / MM_TILE), batch];
  if (tiles[0] > 65535 || tiles[1] > 65535) throw new Error(`${op}: output [${M},${N}] has more tiles than one dispatch allows`);
  const buffers = [ctx.buffer(a), ctx.buffer(b), ctx.buffer(y), ...(bias ? [ctx.buffer(bias)] : [])];
  ctx.rt.dispatch(spec, { M, N, K, strideA: ba === 1 ? 0 : ar * ac, strideB: bb === 1 ? 0 : br * bc },
    buffers, tiles, profileOf(op, bias ? [a, b, bias] : [a, b], [y], spec.key));
}

const conv2d: Kernel<'conv2d'> = (ctx, [x, f], [y], { strides, dilations, pads }) => {
  const [, H, W, C] = x.shape;
  const [kh, kw, , F] = f.shape;
  const [N, oh, ow] = y.shape;
  const M = N * oh * ow;
  const K = kh * kw * C;
  const spec = conv2dGemmShader(C % 4 === 0, F % 4 === 0);
  const tiles: [number, number, number] = [Math.ceil(F / MM_TILE), Math.ceil(M / MM_TILE), 1];
  if (tiles[0] > 65535 || tiles[1] > 65535) throw new Error(`conv2d: output [${y.shape.join(',')}] has more tiles than one dispatch allows`);
  ctx.rt.dispatch(spec, {
    M, N: F, K, strideA: 0, strideB: 0, H, W, C, kw, oh, ow, sy: strides[0], sx: strides[1], dy: dilations[0], dx: dilations[1],
    pt: pads[0], pl: pads[2],
  }, [ctx.buffer(x), ctx.buffer(f), ctx.buffer(y)], tiles, profileOf('conv2d', [x, f], [y], spec.key));
};

function pool(kind: 'max' | 'avg'): Kernel<'maxPool2d' | 'avgPool2d'> {
  return (ctx, [x], [y], { windowSize, strides, pads }) => {
    const [, H, W, C] = x.shape;
    const [, oh, ow] = y.shape;
    const spec = poolShader(kind);
    ctx.rt.dispatch(spec, {
      n: y.size, H, W, C, wh: windowSize[0], ww: windowSize[1], oh, ow, sy: strides[0], sx: strides[1], pt: pads[0], pl: pads[2],
    }, [ctx.buffer(x), ctx.buffer(y)], groups1d(y.size), profileOf(`${kind}Pool2d`, [x], [y], spec.key));
  };
}

const fromList = <L extends readonly string[], K>(list: L, make: (op: L[number]) => K) =>
  Object.fromEntries(list.map((op) => [op, make(op)])) as Record<L[number], K>;

/** One GPU kernel per op; the mapped type makes the compiler reject a missing one. */
export const KERNELS: { [K in KernelOpName]: Kernel<K> } = {
  ...fromList(UNARY_MATH_OPS, unary),
  ...fromList(UNARY_KEEP_DTYPE_OPS, unary),
  ...fromList(UNARY_PREDICATE_OPS, unary),
  logicalNot: unary('logicalNot'),
  ...fromList(BINARY_ARITH_OPS, binary),
  ...fromList(COMPARE_OPS, binary),
  ...fromList(LOGIC_BINARY_OPS, binary),
  ...fromList(REDUCE_OPS, reduce),
  leakyRelu, clip, cast, where,
  argMax: argReduce('argMax'),
  argMin: argReduce('argMin'),
  softmax: softmax('softmax'),
  logSoftmax: softmax('logSoftmax'),
  matmul, fusedMatmul, transpose, slice, concat, pad, gather, broadcastTo, cumsum, topk, conv2d,
  maxPool2d: pool('max'),
  avgPool2d: pool('avg'),
  fill,
};
