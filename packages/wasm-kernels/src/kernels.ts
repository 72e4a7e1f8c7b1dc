// The wasm kernel table: one typed entry per primitive op, declaring the dtypes its AssemblyScript
// kernels take, that turns (inputs, outputs, attrs) into one call of the module's exports. Codes and
// parameter blocks are the shared ABI of ./abi; shapes are collapsed first (core's geometry), so
// a strided walk runs over as few dims as possible. Large ops go through ./schedule.ts, which cuts
// them into slices for the worker pool of the threaded build (one slice without it).

import {
  ANY_DTYPE, BINARY_ARITH_OPS, BOOL, COMPARE_OPS, FLOAT32, LOGIC_BINARY_OPS, NUMERIC, REDUCE_OPS, UNARY_KEEP_DTYPE_OPS,
  UNARY_MATH_OPS, UNARY_PREDICATE_OPS,
  aroundAxis, broadcastStrides, bytesPerElement, collapseDims, dimProduct, gatherDims, gatherIndexError, kernel, kernelFamily,
  matmulDims, offsetOf, recurrentGradSlots, recurrentSlots, storedWord, stridesOf,
  type BinaryOp, type Collapsed, type DType, type FusedActivation, type Kernel, type KernelOpName, type KernelTable,
  type RecurrentActivation, type RecurrentAttrs, type RecurrentCell, type ReduceOp, type UnaryKeepDTypeOp, type UnaryMathOp,
  type UnaryPredicateOp,
} from '@loom/core/backend';
import {
  BinaryCode, DTypeCode, PredicateCode, RecurrentActivationCode, RecurrentCellCode, ReduceCode, UnaryCode,
} from './abi/codes.js';
import { Conv2dParam, Pool2dParam, RecurrentParam, StridedParam } from './abi/params.js';
import type { WasmBackend } from './backend.js';
import {
  MIN_WORK_PER_THREAD, batchedGemm, conv2dRows, elementwise, gemm2d, rowwise, walkSlices, type WalkOperand,
} from './schedule.js';
import { call } from './threads.js';

/** How a kernel sees a tensor: the byte address of its first element in linear memory, shape, dtype, size. */
export interface WasmTensor {
  readonly ptr: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** The body of op `K`'s kernel; the table pairs it with the dtypes it accepts. */
type Run<K extends KernelOpName> = Kernel<K, WasmBackend, WasmTensor>['run'];

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const DTYPE: { readonly [D in DType]: DTypeCode } = { float32: DTypeCode.float32, int32: DTypeCode.int32, bool: DTypeCode.bool };

const UNARY: { readonly [K in UnaryMathOp | UnaryKeepDTypeOp]: UnaryCode } = {
  neg: UnaryCode.neg, abs: UnaryCode.abs, sign: UnaryCode.sign, square: UnaryCode.square, relu: UnaryCode.relu,
  relu6: UnaryCode.relu6, floor: UnaryCode.floor, ceil: UnaryCode.ceil, round: UnaryCode.round, exp: UnaryCode.exp,
  expm1: UnaryCode.expm1, log: UnaryCode.log, log1p: UnaryCode.log1p, sqrt: UnaryCode.sqrt, rsqrt: UnaryCode.rsqrt,
  reciprocal: UnaryCode.reciprocal, sin: UnaryCode.sin, cos: UnaryCode.cos, tan: UnaryCode.tan, atan: UnaryCode.atan,
  tanh: UnaryCode.tanh, sigmoid: UnaryCode.sigmoid, elu: UnaryCode.elu, selu: UnaryCode.selu, gelu: UnaryCode.gelu,
  softplus: UnaryCode.softplus, silu: UnaryCode.silu,
};

const PREDICATE: { readonly [K in UnaryPredicateOp]: PredicateCode } = { isNaN: PredicateCode.isNaN, isFinite: PredicateCode.isFinite };

const BINARY: { readonly [K in BinaryOp]: BinaryCode } = {
  add: BinaryCode.add, sub: BinaryCode.sub, mul: BinaryCode.mul, div: BinaryCode.div, pow: BinaryCode.pow,
  maximum: BinaryCode.maximum, minimum: BinaryCode.minimum, mod: BinaryCode.mod, floorDiv: BinaryCode.floorDiv,
  equal: BinaryCode.equal, notEqual: BinaryCode.notEqual, less: BinaryCode.less, lessEqual: BinaryCode.lessEqual,
  greater: BinaryCode.greater, greaterEqual: BinaryCode.greaterEqual, logicalAnd: BinaryCode.logicalAnd, logicalOr: BinaryCode.logicalOr,
};

const REDUCE: { readonly [K in ReduceOp]: ReduceCode } = {
  sum: ReduceCode.sum, prod: ReduceCode.prod, max: ReduceCode.max, min: ReduceCode.min,
};

/** The epilogue of fusedMatmul: the unary kernel each activation but 'linear' runs in place. */
const ACTIVATION: { readonly [A in Exclude<FusedActivation, 'linear'>]: UnaryCode } = {
  relu: UnaryCode.relu, relu6: UnaryCode.relu6, sigmoid: UnaryCode.sigmoid, tanh: UnaryCode.tanh, gelu: UnaryCode.gelu,
};

// ---- parameter blocks ----

/** Writes a walk of `c.shape` with one stride list per operand (StridedParam layout); returns its address. */
function walk(ctx: WasmBackend, op: string, c: Collapsed): number {
  const rank = c.shape.length;
  if (rank > StridedParam.maxRank) {
    throw new Error(`${op}: [${c.shape.join(',')}] still has ${rank} dims after merging contiguous ones; ` +
      `the wasm kernels walk at most ${StridedParam.maxRank}`);
  }
  const p = ctx.params();
  p[StridedParam.rank] = rank;
  p.set(c.shape, StridedParam.shape);
  c.strides.forEach((s, k) => p.set(s, StridedParam.shape + (k + 1) * rank));
  return ctx.paramsAt;
}

/** Writes a block of named slots (every member of its enum, so a slot added to ./abi/params.ts must be written). */
function slots<S extends number>(ctx: WasmBackend, values: { readonly [K in S]: number }): number {
  const p = ctx.params();
  for (const [slot, value] of Object.entries<number>(values)) p[Number(slot)] = value;
  return ctx.paramsAt;
}

/** Strided copy of `shape` elements of `size` bytes from src to dst (byte addresses of the first elements). */
function copy(ctx: WasmBackend, op: string, size: number, dst: number, src: number, shape: readonly number[],
  srcStrides: readonly number[], dstStrides: readonly number[]): void {
  copyWalk(ctx, op, size, dst, src, collapseDims(shape, [srcStrides, dstStrides], 1));
}

/** copyStrided over a collapsed walk (operand 0 = source, 1 = destination), sliced for threads. */
function copyWalk(ctx: WasmBackend, op: string, size: number, dst: number, src: number, c: Collapsed): void {
  walkSlices(ctx, op, c, [{ ptr: src, size }, { ptr: dst, size }], undefined, ([s, d], _, p) => call('copyStrided', size, d, s, p));
}

// ---- elementwise ----

/** float32 math and the dtype-keeping ops; int32 runs unaryI32 (where floor, ceil and round copy). */
function unary(op: UnaryMathOp | UnaryKeepDTypeOp): Run<UnaryMathOp | UnaryKeepDTypeOp> {
  const code = UNARY[op];
  return (ctx, [x], [y]) => {
    const fn = x.dtype === 'float32' ? 'unaryF32' : 'unaryI32';
    elementwise(ctx, op, y.size, (s, n) => call(fn, code, x.ptr + 4 * s, y.ptr + 4 * s, n, 0, 0));
  };
}

/** isNaN / isFinite: int32 values are never NaN and always finite, so int32 is a fill, not a kernel. */
function predicate(op: UnaryPredicateOp): Run<UnaryPredicateOp> {
  const code = PREDICATE[op];
  return (ctx, [x], [y]) => {
    if (x.dtype === 'float32') elementwise(ctx, op, y.size, (s, n) => call('predicateF32', code, x.ptr + 4 * s, y.ptr + s, n));
    else ctx.kernels.fill(y.ptr, y.size, 1, code === PredicateCode.isFinite ? 1 : 0);
  };
}

function binary(op: BinaryOp): Run<BinaryOp> {
  const code = BINARY[op];
  return (ctx, [a, b], [y]) => {
    const c = collapseDims(y.shape, [broadcastStrides(a.shape, y.shape), broadcastStrides(b.shape, y.shape)], 1);
    const size = bytesPerElement(a.dtype);
    const operands: WalkOperand[] = [{ ptr: a.ptr, size }, { ptr: b.ptr, size }];
    walkSlices(ctx, op, c, operands, { ptr: y.ptr, size: bytesPerElement(y.dtype) },
      ([pa, pb], py, p) => call('binary', code, DTYPE[a.dtype], pa, pb, py, p));
  };
}

const where: Run<'where'> = (ctx, [c, a, b], [y]) => {
  const walked = collapseDims(y.shape, [c, a, b].map((t) => broadcastStrides(t.shape, y.shape)), 1);
  const size = bytesPerElement(y.dtype);
  walkSlices(ctx, 'where', walked, [{ ptr: c.ptr, size: 1 }, { ptr: a.ptr, size }, { ptr: b.ptr, size }], { ptr: y.ptr, size },
    ([pc, pa, pb], py, p) => call('where', size, pc, pa, pb, py, p));
};

const clip: Run<'clip'> = (ctx, [x], [y], { min, max }) => {
  const k = ctx.kernels;
  if (x.dtype === 'float32') {
    elementwise(ctx, 'clip', y.size, (s, n) => call('unaryF32', UnaryCode.clip, x.ptr + 4 * s, y.ptr + 4 * s, n, min, max));
  } else if (min > INT32_MAX || max < INT32_MIN) {
    // int32: bounds beyond the int32 range either never apply or apply to every element.
    k.fill(y.ptr, y.size, 4, storedWord(min > INT32_MAX ? min : max, 'int32'));
  } else {
    k.unaryI32(UnaryCode.clip, x.ptr, y.ptr, y.size, Math.max(min, INT32_MIN), Math.min(max, INT32_MAX));
  }
};

const fill: Run<'fill'> = (ctx, _, [y], { value }) => {
  const size = bytesPerElement(y.dtype);
  const word = storedWord(value, y.dtype);
  elementwise(ctx, 'fill', y.size, (s, n) => call('fill', y.ptr + s * size, n, size, word));
};

// ---- reductions ----

/**
 * x's dims as runs of reduced or kept dims (size-1 dims vanish). One reduced run is an
 * (outer, n, inner) view; several are moved last by one transpose into scratch, then reduced as rows.
 */
function reduce(op: ReduceOp): Run<ReduceOp> {
  const code = REDUCE[op];
  return (ctx, [x], [y], { axes }) => {
    const dt = DTYPE[x.dtype];
    // An empty reduced dim: each output is the op's identity, wherever the other reduced dims lie.
    if (x.size === 0) return ctx.kernels.reduce(code, dt, x.ptr, y.ptr, y.size, 0, 1);
    const runs: { size: number; reduced: boolean }[] = [];
    x.shape.forEach((d, i) => {
      if (d === 1) return;
      const reduced = axes.includes(i);
      const last = runs[runs.length - 1];
      if (last && last.reduced === reduced) last.size *= d;
      else runs.push({ size: d, reduced });
    });
    const shape = runs.map((r) => r.size);
    const red = runs.flatMap((r, i) => (r.reduced ? [i] : []));
    if (red.length <= 1) {
      const at = red.length === 0 ? shape.length : red[0];
      return reduceRows(ctx, op, code, dt, x.ptr, bytesPerElement(x.dtype), y.ptr, dimProduct(shape, 0, at), shape[at] ?? 1,
        dimProduct(shape, at + 1));
    }
    const perm = [...runs.flatMap((r, i) => (r.reduced ? [] : [i])), ...red];
    const strides = stridesOf(shape);
    const permShape = perm.map((p) => shape[p]);
    const tmp = ctx.temp(x.size * 4);
    copy(ctx, op, 4, tmp, x.ptr, permShape, perm.map((p) => strides[p]), stridesOf(permShape));
    const n = red.reduce((s, i) => s * shape[i], 1);
    reduceRows(ctx, op, code, dt, tmp, bytesPerElement(x.dtype), y.ptr, y.size, n, 1);
  };
}

/** reduce over an (outer, n, inner) view, split by outer rows; outputs are 4-byte. */
function reduceRows(ctx: WasmBackend, op: string, code: ReduceCode, dt: DTypeCode, x: number, xSize: number, y: number,
  outer: number, n: number, inner: number): void {
  rowwise(ctx, op, outer, n * inner, MIN_WORK_PER_THREAD.reduced, (s, rows) => call('reduce', code, dt, x + s * n * inner * xSize, y + 4 * s * inner, rows, n, inner));
}

function argReduce(op: 'argMax' | 'argMin'): Run<'argMax' | 'argMin'> {
  return (ctx, [x], [y], { axis }) => {
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const xSize = bytesPerElement(x.dtype);
    rowwise(ctx, op, outer, n * inner, MIN_WORK_PER_THREAD.reduced, (s, rows) =>
      call('argReduce', op === 'argMax', DTYPE[x.dtype], x.ptr + s * n * inner * xSize, y.ptr + 4 * s * inner, rows, n, inner));
  };
}

function softmax(op: 'softmax' | 'logSoftmax'): Run<'softmax' | 'logSoftmax'> {
  return (ctx, [x], [y], { axis }) => {
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    rowwise(ctx, op, outer, n * inner, MIN_WORK_PER_THREAD.softmax, (s, rows) =>
      call('softmax', op === 'logSoftmax', x.ptr + 4 * s * n * inner, y.ptr + 4 * s * n * inner, rows, n, inner));
  };
}

const cumsum: Run<'cumsum'> = (ctx, [x], [y], { axis, exclusive, reverse }) => {
  const [outer, n, inner] = aroundAxis(x.shape, axis);
  const acc = ctx.temp(inner * 8);
  ctx.kernels.cumsum(DTYPE[x.dtype], exclusive, reverse, x.ptr, y.ptr, outer, n, inner, acc);
};

const topk: Run<'topk'> = (ctx, [x], [values, indices], { k }) => {
  const n = x.shape[x.shape.length - 1];
  const tmp = ctx.temp(2 * n * 4);
  ctx.kernels.topk(DTYPE[x.dtype], x.ptr, values.ptr, indices.ptr, x.size / n, n, k, tmp);
};

// ---- matmul and convolution ----

function gemm(ctx: WasmBackend, op: string, a: WasmTensor, b: WasmTensor, y: WasmTensor, transposeA: boolean, transposeB: boolean): void {
  const { batch, batchA, batchB, m, k, n } = matmulDims(a.shape, b.shape, transposeA, transposeB);
  if (batchB === 1 && batchA === batch && batch > 1 && !transposeA) {
    // A shared B: the batch of A stacks into one tall GEMM.
    gemm2d(ctx, op, a.ptr, b.ptr, y.ptr, batch * m, n, k, false, transposeB);
    return;
  }
  if (batch === 1) {
    gemm2d(ctx, op, a.ptr, b.ptr, y.ptr, m, n, k, transposeA, transposeB);
    return;
  }
  const strideA = batchA === 1 ? 0 : m * k;
  const strideB = batchB === 1 ? 0 : k * n;
  batchedGemm(ctx, op, a.ptr, b.ptr, y.ptr, batch, m, n, k, transposeA, transposeB, strideA, strideB);
}

const matmul: Run<'matmul'> = (ctx, [a, b], [y], { transposeA, transposeB }) => gemm(ctx, 'matmul', a, b, y, transposeA, transposeB);

/**
 * The epilogue runs in place over the output while it is still warm in cache: bias added along
 * rows by the broadcasting kernel, then the SIMD activation — no extra buffer.
 */
const addBias = binary('add');

const fusedMatmul: Run<'fusedMatmul'> = (ctx, [a, b, bias], [y], { transposeA, transposeB, activation }) => {
  gemm(ctx, 'fusedMatmul', a, b, y, transposeA, transposeB);
  if (bias) addBias(ctx, [y, bias], [y], {});
  if (activation !== 'linear') {
    const code = ACTIVATION[activation];
    elementwise(ctx, 'fusedMatmul', y.size, (s, n) => call('unaryF32', code, y.ptr + 4 * s, y.ptr + 4 * s, n, 0, 0));
  }
};

const conv2d: Run<'conv2d'> = (ctx, [x, f], [y], { strides, dilations, pads }) => {
  const rows = y.size / f.shape[3];
  const flopsPerRow = 2 * f.size;
  conv2dRows(ctx, x.ptr, f.ptr, y.ptr, rows, flopsPerRow, () => slots<Conv2dParam>(ctx, {
    [Conv2dParam.batch]: x.shape[0], [Conv2dParam.inH]: x.shape[1], [Conv2dParam.inW]: x.shape[2], [Conv2dParam.inC]: x.shape[3],
    [Conv2dParam.kernelH]: f.shape[0], [Conv2dParam.kernelW]: f.shape[1], [Conv2dParam.filters]: f.shape[3],
    [Conv2dParam.strideH]: strides[0], [Conv2dParam.strideW]: strides[1],
    [Conv2dParam.dilationH]: dilations[0], [Conv2dParam.dilationW]: dilations[1],
    [Conv2dParam.padTop]: pads[0], [Conv2dParam.padLeft]: pads[2], [Conv2dParam.outH]: y.shape[1], [Conv2dParam.outW]: y.shape[2],
  }));
};

function pool(kind: 'max' | 'avg'): Run<'maxPool2d' | 'avgPool2d'> {
  return (ctx, [x], [y], { windowSize, strides, pads }) => {
    const p = slots<Pool2dParam>(ctx, {
      [Pool2dParam.batch]: x.shape[0], [Pool2dParam.inH]: x.shape[1], [Pool2dParam.inW]: x.shape[2], [Pool2dParam.channels]: x.shape[3],
      [Pool2dParam.windowH]: windowSize[0], [Pool2dParam.windowW]: windowSize[1],
      [Pool2dParam.strideH]: strides[0], [Pool2dParam.strideW]: strides[1], [Pool2dParam.padTop]: pads[0], [Pool2dParam.padLeft]: pads[2],
      [Pool2dParam.outH]: y.shape[1], [Pool2dParam.outW]: y.shape[2],
    });
    ctx.kernels.pool2d(kind === 'avg', x.ptr, y.ptr, p);
  };
}

// ---- recurrent sequences ----

const CELL: { readonly [C in RecurrentCell]: RecurrentCellCode } = {
  simpleRNN: RecurrentCellCode.simpleRNN, lstm: RecurrentCellCode.lstm, gru: RecurrentCellCode.gru,
};

const RECURRENT_ACTIVATION: { readonly [A in RecurrentActivation]: RecurrentActivationCode } = {
  tanh: RecurrentActivationCode.tanh, sigmoid: RecurrentActivationCode.sigmoid, hardSigmoid: RecurrentActivationCode.hardSigmoid,
  relu: RecurrentActivationCode.relu, linear: RecurrentActivationCode.linear,
};

/** The RecurrentParam block of a sequence of `batch` × `steps` over `units`. */
function recurrentParams(ctx: WasmBackend, attrs: RecurrentAttrs, batch: number, steps: number, units: number): number {
  return slots<RecurrentParam>(ctx, {
    [RecurrentParam.cell]: CELL[attrs.cell], [RecurrentParam.activation]: RECURRENT_ACTIVATION[attrs.activation],
    [RecurrentParam.recurrentActivation]: RECURRENT_ACTIVATION[attrs.recurrentActivation],
    [RecurrentParam.resetAfter]: attrs.resetAfter ? 1 : 0, [RecurrentParam.hasMask]: attrs.hasMask ? 1 : 0,
    [RecurrentParam.batch]: batch, [RecurrentParam.steps]: steps, [RecurrentParam.units]: units,
  });
}

/** The address of optional slot `i` (-1: the cell has none), or 0. */
const at = (ts: readonly WasmTensor[], i: number): number => (i >= 0 ? ts[i].ptr : 0);

// The time loop runs inside the module (one call per op); the assembly sizes its own scratch.
// The parameter block stays in memory when temp() grows it, so it is written first.

const recurrent: Run<'recurrent'> = (ctx, inputs, outputs, attrs) => {
  const s = recurrentSlots(attrs);
  const [zx, U, h0] = inputs;
  const p = recurrentParams(ctx, attrs, zx.shape[0], zx.shape[1], U.shape[0]);
  const scratch = ctx.temp(ctx.kernels.recurrentScratchSize(p) * 4);
  ctx.kernels.recurrent(p, zx.ptr, U.ptr, h0.ptr, at(inputs, s.c0), at(inputs, s.rb), at(inputs, s.mask),
    outputs[0].ptr, at(outputs, s.c), at(outputs, s.work), scratch);
};

const recurrentGrad: Run<'recurrentGrad'> = (ctx, inputs, outputs, attrs) => {
  const s = recurrentGradSlots(attrs);
  const [dzx, dU, dh0] = outputs;
  const p = recurrentParams(ctx, attrs, dzx.shape[0], dzx.shape[1], dU.shape[0]);
  const scratch = ctx.temp(ctx.kernels.recurrentGradScratchSize(p) * 4);
  ctx.kernels.recurrentGrad(p, inputs[s.dh].ptr, at(inputs, s.dc), inputs[s.U].ptr, inputs[s.h0].ptr, at(inputs, s.c0),
    inputs[s.h].ptr, at(inputs, s.c), at(inputs, s.work), at(inputs, s.mask),
    dzx.ptr, dU.ptr, dh0.ptr, at(outputs, s.dc0), at(outputs, s.drb), scratch);
};

// ---- data movement ----

const transpose: Run<'transpose'> = (ctx, [x], [y], { perm }) => {
  const size = bytesPerElement(x.dtype);
  const inStrides = stridesOf(x.shape);
  const c = collapseDims(y.shape, [perm.map((p) => inStrides[p]), stridesOf(y.shape)], 1);
  const r = c.shape.length;
  const s = c.strides[0];
  // A (batched) 2-D transpose: tiles keep both sides in cache.
  const swapsLastTwo = (r === 2 || r === 3) && s[r - 1] === c.shape[r - 2] && s[r - 2] === 1;
  if (size === 4 && swapsLastTwo && (r === 2 || s[0] === c.shape[1] * c.shape[2])) {
    const rows = c.shape[r - 1];
    const cols = c.shape[r - 2];
    for (let i = 0; i < (r === 3 ? c.shape[0] : 1); i++) {
      ctx.kernels.transpose2d(y.ptr + i * rows * cols * 4, x.ptr + i * rows * cols * 4, rows, cols);
    }
    return;
  }
  copyWalk(ctx, 'transpose', size, y.ptr, x.ptr, c);
};

const slice: Run<'slice'> = (ctx, [x], [y], { begin, strides }) => {
  const size = bytesPerElement(x.dtype);
  const inStrides = stridesOf(x.shape);
  const start = x.ptr + offsetOf(x.shape, begin) * size;
  copy(ctx, 'slice', size, y.ptr, start, y.shape, strides.map((s, d) => s * inStrides[d]), stridesOf(y.shape));
};

const broadcastTo: Run<'broadcastTo'> = (ctx, [x], [y]) => {
  copy(ctx, 'broadcastTo', bytesPerElement(x.dtype), y.ptr, x.ptr, y.shape, broadcastStrides(x.shape, y.shape), stridesOf(y.shape));
};

const pad: Run<'pad'> = (ctx, [x], [y], { paddings, value }) => {
  const size = bytesPerElement(y.dtype);
  ctx.kernels.fill(y.ptr, y.size, size, storedWord(value, y.dtype));
  if (x.size === 0) return;
  const start = offsetOf(y.shape, paddings.map(([before]) => before));
  copy(ctx, 'pad', size, y.ptr + start * size, x.ptr, x.shape, stridesOf(x.shape), stridesOf(y.shape));
};

const concat: Run<'concat'> = (ctx, inputs, [y], { axis }) => {
  const size = bytesPerElement(y.dtype);
  const outer = dimProduct(y.shape, 0, axis);
  if (outer === 0) return;
  const rowOut = y.size / outer;
  let offset = 0;
  for (const x of inputs) {
    const row = x.size / outer;
    if (row > 0) copy(ctx, 'concat', size, y.ptr + offset * size, x.ptr, [outer, row], [row, 1], [rowOut, 1]);
    offset += row;
  }
};

const gather: Run<'gather'> = (ctx, [x, indices], [y], { axis, batchDims }) => {
  const { batch, outer, axisSize, inner, perBatch } = gatherDims(x.shape, indices.shape, axis, batchDims);
  const bad = ctx.kernels.gatherCheck(indices.ptr, batch * perBatch, axisSize);
  if (bad >= 0 && outer > 0) throw gatherIndexError(ctx.readInt32(indices.ptr + bad * 4), axis, x.shape);
  ctx.kernels.gather(bytesPerElement(x.dtype), x.ptr, indices.ptr, y.ptr, batch, outer, axisSize, inner, perBatch);
};

// ---- the table ----

/** A wasm kernel entry: the dtypes of its first input (its output for `fill`) and its body. */
const entry = <K extends KernelOpName>(dtypes: readonly DType[], run: Run<K>): Kernel<K, WasmBackend, WasmTensor> =>
  kernel<K, WasmBackend, WasmTensor>(dtypes, run);

/**
 * One kernel per op with the dtypes the assembly handles: data movement, compares, cast, where and
 * fill work on bytes or 32-bit words of any dtype; float math, softmax, GEMM, convolution,
 * pooling and the recurrent sequences are float32 only; div is float32 only (core divides int32 as float32). The mapped type
 * makes the compiler reject a missing op; `supports()` is read from it.
 */
export const KERNELS: KernelTable<WasmBackend, WasmTensor> = {
  ...kernelFamily(UNARY_MATH_OPS, (op) => entry(FLOAT32, unary(op))),
  ...kernelFamily(UNARY_KEEP_DTYPE_OPS, (op) => entry(NUMERIC, unary(op))),
  ...kernelFamily(UNARY_PREDICATE_OPS, (op) => entry(NUMERIC, predicate(op))),
  logicalNot: entry(BOOL, (ctx, [x], [y]) => ctx.kernels.logicalNot(x.ptr, y.ptr, y.size)),
  ...kernelFamily(BINARY_ARITH_OPS, (op) => entry(op === 'div' ? FLOAT32 : NUMERIC, binary(op))),
  ...kernelFamily(COMPARE_OPS, (op) => entry(ANY_DTYPE, binary(op))),
  ...kernelFamily(LOGIC_BINARY_OPS, (op) => entry(BOOL, binary(op))),
  leakyRelu: entry(FLOAT32, (ctx, [x], [y], { alpha }) =>
    elementwise(ctx, 'leakyRelu', y.size, (s, n) => call('unaryF32', UnaryCode.leakyRelu, x.ptr + 4 * s, y.ptr + 4 * s, n, alpha, 0))),
  clip: entry(NUMERIC, clip),
  adamUpdate: entry(FLOAT32, (ctx, [w, g, m, v], [w1, m1, v1], { beta1, beta2, epsilon, stepSize }) =>
    elementwise(ctx, 'adamUpdate', w1.size, (s, n) => call('adamUpdate', w.ptr + 4 * s, g.ptr + 4 * s, m.ptr + 4 * s, v.ptr + 4 * s,
      w1.ptr + 4 * s, m1.ptr + 4 * s, v1.ptr + 4 * s, n, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, stepSize))),
  cast: entry(ANY_DTYPE, (ctx, [x], [y]) => {
    const xs = bytesPerElement(x.dtype);
    const ys = bytesPerElement(y.dtype);
    elementwise(ctx, 'cast', y.size, (s, n) => call('cast', DTYPE[x.dtype], DTYPE[y.dtype], x.ptr + s * xs, y.ptr + s * ys, n));
  }),
  where: entry(BOOL, where),
  fill: entry(ANY_DTYPE, fill),
  ...kernelFamily(REDUCE_OPS, (op) => entry(NUMERIC, reduce(op))),
  argMax: entry(NUMERIC, argReduce('argMax')),
  argMin: entry(NUMERIC, argReduce('argMin')),
  softmax: entry(FLOAT32, softmax('softmax')),
  logSoftmax: entry(FLOAT32, softmax('logSoftmax')),
  cumsum: entry(NUMERIC, cumsum),
  topk: entry(NUMERIC, topk),
  matmul: entry(FLOAT32, matmul),
  fusedMatmul: entry(FLOAT32, fusedMatmul),
  conv2d: entry(FLOAT32, conv2d),
  maxPool2d: entry(FLOAT32, pool('max')),
  avgPool2d: entry(FLOAT32, pool('avg')),
  recurrent: entry(FLOAT32, recurrent),
  recurrentGrad: entry(FLOAT32, recurrentGrad),
  transpose: entry(ANY_DTYPE, transpose),
  slice: entry(ANY_DTYPE, slice),
  concat: entry(ANY_DTYPE, concat),
  pad: entry(ANY_DTYPE, pad),
  gather: entry(ANY_DTYPE, gather),
  broadcastTo: entry(ANY_DTYPE, broadcastTo),
};
