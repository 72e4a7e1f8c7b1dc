// The primitive op set every backend implements: one key per op, mapped to its attributes.
// Adding a key makes the compiler demand a reference kernel (and, in @loom/nn, a gradient rule).

import type { DType } from '../dtype.js';

/** Elementwise float math ops with no attributes. int32 inputs are computed as float32. */
export const UNARY_MATH_OPS = [
  'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tan', 'atan',
  'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'softplus', 'silu',
] as const;

/** Elementwise ops that keep the dtype of their input (float32 or int32). */
export const UNARY_KEEP_DTYPE_OPS = ['neg', 'abs', 'sign', 'square', 'relu', 'relu6', 'floor', 'ceil', 'round'] as const;

/** Elementwise predicates: any numeric input, bool output. */
export const UNARY_PREDICATE_OPS = ['isNaN', 'isFinite'] as const;

/** Broadcasting arithmetic: float32 or int32 inputs of one dtype; output of that dtype (div: float32). */
export const BINARY_ARITH_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'floorDiv'] as const;

/** Broadcasting comparisons: inputs of one dtype, bool output. */
export const COMPARE_OPS = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as const;

/** Broadcasting logic: bool inputs, bool output. */
export const LOGIC_BINARY_OPS = ['logicalAnd', 'logicalOr'] as const;

/** Reductions over a sorted list of axes; the output drops those axes. */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min'] as const;

export type UnaryMathOp = (typeof UNARY_MATH_OPS)[number];
export type UnaryKeepDTypeOp = (typeof UNARY_KEEP_DTYPE_OPS)[number];
export type UnaryPredicateOp = (typeof UNARY_PREDICATE_OPS)[number];
export type BinaryArithOp = (typeof BINARY_ARITH_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
export type LogicBinaryOp = (typeof LOGIC_BINARY_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];
export type BinaryOp = BinaryArithOp | CompareOp | LogicBinaryOp;
export type UnaryOp = UnaryMathOp | UnaryKeepDTypeOp | UnaryPredicateOp | 'logicalNot';

/** Activations a fused matmul can apply in its epilogue. */
export const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'gelu'] as const;
export type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

type NoAttrs = Record<string, never>;

/** The recurrent cells with a whole-sequence kernel (`recurrent`, `recurrentGrad`). */
export const RECURRENT_CELLS = ['simpleRNN', 'lstm', 'gru'] as const;
export type RecurrentCell = (typeof RECURRENT_CELLS)[number];
/** Activations a recurrent kernel applies itself; the derivative of each is a function of its output. */
export const RECURRENT_ACTIVATIONS = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear'] as const;
export type RecurrentActivation = (typeof RECURRENT_ACTIVATIONS)[number];

/**
 * A whole recurrent sequence (see backend/recurrent.ts for the input and output lists of each cell).
 * Gate blocks are in Keras order: lstm i, f, c, o; gru z, r, h. hardSigmoid is clip(0.2·x + 0.5, 0, 1).
 */
export interface RecurrentAttrs {
  cell: RecurrentCell;
  /** The candidate / output activation (Keras `activation`). */
  activation: RecurrentActivation;
  /** The gate activation of lstm and gru (Keras `recurrentActivation`; unused by simpleRNN). */
  recurrentActivation: RecurrentActivation;
  /** gru only: the reset gate multiplies (h·U_h + b_rh) instead of h (Keras 2+ default). */
  resetAfter: boolean;
  /** A [batch, units] mask multiplies h before every recurrent matmul (recurrent dropout). */
  hasMask: boolean;
}

/**
 * Attributes of every primitive op. Shapes and dtypes of inputs and outputs travel in the
 * `TensorInfo`s given to `Backend.run`; attributes carry only what those cannot.
 * Axes here are always normalized (non-negative, sorted where a list).
 */
export interface OpAttrs
  extends Record<UnaryMathOp | UnaryKeepDTypeOp | UnaryPredicateOp | 'logicalNot', NoAttrs>,
    Record<BinaryOp, NoAttrs>,
    Record<ReduceOp, { axes: number[] }> {
  /** x for x ≥ 0, alpha·x otherwise (NaN stays NaN). */
  leakyRelu: { alpha: number };
  /** min(max(x, min), max). */
  clip: { min: number; max: number };
  /** Converts to `dtype`: float→int truncates toward zero and saturates at the int32 range (NaN→0); nonzero→true. */
  cast: { dtype: DType };
  /** where(cond, a, b): three broadcasting inputs, cond is bool. */
  where: NoAttrs;
  /** Index of the largest/smallest element along `axis` (first on ties); int32 output without that axis. */
  argMax: { axis: number };
  argMin: { axis: number };
  /** Numerically stable softmax along `axis`. */
  softmax: { axis: number };
  logSoftmax: { axis: number };
  /**
   * Batched matmul on rank-3 inputs a: [Ba, m, k] (or [Ba, k, m] when transposeA),
   * b: [Bb, k, n] (or [Bb, n, k]); Ba and Bb are equal or 1 (a batch of 1 broadcasts).
   */
  matmul: { transposeA: boolean; transposeB: boolean };
  /**
   * matmul with an epilogue: y = activation(a·b + bias). Inputs as `matmul`, plus bias [n] as a
   * third input when `hasBias`. A backend may decline it (`supports` → false): core then composes
   * matmul, add and the activation instead.
   */
  fusedMatmul: { transposeA: boolean; transposeB: boolean; activation: FusedActivation; hasBias: boolean };
  /** Output dim i reads input dim perm[i]. */
  transpose: { perm: number[] };
  /**
   * Strided window: output index j along axis d reads input index begin[d] + j·strides[d].
   * Strides are nonzero and may be negative (reverse). The output shape gives the extent.
   */
  slice: { begin: number[]; strides: number[] };
  /** Joins inputs (same dtype, equal dims except `axis`) along `axis`. */
  concat: { axis: number };
  /** Pads each dim by [before, after] with a constant `value`. */
  pad: { paddings: [number, number][]; value: number };
  /**
   * Gathers along `axis` with int32 indices (second input). Output shape:
   * x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis+1:]. Out-of-range indices are errors
   * the backend reports by throwing (checked only when the output is non-empty: empty outputs run no kernel).
   */
  gather: { axis: number; batchDims: number };
  /** Repeats size-1 (or missing leading) dims up to the output shape. */
  broadcastTo: NoAttrs;
  /** Running sum along `axis`. */
  cumsum: { axis: number; exclusive: boolean; reverse: boolean };
  /** The k largest entries of the last axis: outputs values (x's dtype) and int32 indices. */
  topk: { k: number; sorted: boolean };
  /**
   * 2-D convolution, channels-last: x [N, H, W, C], filter [kh, kw, C, F], output [N, oh, ow, F].
   * pads = [top, bottom, left, right] (already resolved from 'same'/'valid').
   */
  conv2d: { strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number] };
  /** Pooling on [N, H, W, C]; avg divides by the count of in-bounds elements (padding excluded). */
  maxPool2d: { windowSize: [number, number]; strides: [number, number]; pads: [number, number, number, number] };
  avgPool2d: { windowSize: [number, number]; strides: [number, number]; pads: [number, number, number, number] };
  /**
   * The forward pass of simpleRNN / lstm / gru over all T steps: from the input projection
   * zx [B, T, G·u] (x·W + b, in time order), the recurrent kernel U [u, G·u] and the initial states,
   * every h (and lstm's c) and the gate values the backward pass reads.
   */
  recurrent: RecurrentAttrs;
  /** Backpropagation through the whole sequence of `recurrent`: dzx, dU, the initial states' gradients (and gru's db_r). */
  recurrentGrad: RecurrentAttrs;
  /**
   * One Adam step in a single pass (Keras form). Inputs w, g, m, v (float32, one shape); outputs
   * w′, m′, v′: m′ = β₁m + (1−β₁)g, v′ = β₂v + (1−β₂)g², w′ = w − stepSize·m′/(√v′ + ε).
   * `stepSize` is the bias-corrected rate lr·√(1−β₂ᵗ)/(1−β₁ᵗ).
   */
  adamUpdate: { beta1: number; beta2: number; epsilon: number; stepSize: number };
  /** Fills the output with a constant (no inputs). */
  fill: { value: number };
  /**
   * A view with a new shape over the same buffer. Core handles it without a kernel (backends
   * never see it); it is an op so listeners such as the autodiff tape record it.
   */
  reshape: { shape: number[] };
}

/** Ops core handles itself by sharing the input buffer. */
export type ViewOpName = 'reshape';

/** The name of a primitive op. */
export type OpName = keyof OpAttrs;

/** The ops a backend runs a kernel for (every op but the views). */
export type KernelOpName = Exclude<OpName, ViewOpName>;

/** Every primitive op name; the mapped type makes the compiler reject a missing or extra one. */
const OP_TABLE: { [K in OpName]: true } = {
  exp: true, expm1: true, log: true, log1p: true, sqrt: true, rsqrt: true, reciprocal: true,
  sin: true, cos: true, tan: true, atan: true, tanh: true, sigmoid: true, elu: true, selu: true,
  gelu: true, softplus: true, silu: true, neg: true, abs: true, sign: true, square: true,
  relu: true, relu6: true, floor: true, ceil: true, round: true, isNaN: true, isFinite: true,
  logicalNot: true, add: true, sub: true, mul: true, div: true, pow: true, maximum: true,
  minimum: true, mod: true, floorDiv: true, equal: true, notEqual: true, less: true,
  lessEqual: true, greater: true, greaterEqual: true, logicalAnd: true, logicalOr: true, sum: true,
  prod: true, max: true, min: true, leakyRelu: true, clip: true, cast: true, where: true,
  argMax: true, argMin: true, softmax: true, logSoftmax: true, matmul: true, fusedMatmul: true, transpose: true,
  slice: true, concat: true, pad: true, gather: true, broadcastTo: true, cumsum: true, topk: true,
  conv2d: true, maxPool2d: true, avgPool2d: true, recurrent: true, recurrentGrad: true, adamUpdate: true, fill: true, reshape: true,
};
export const OP_NAMES = Object.keys(OP_TABLE) as OpName[];

/** Every op a backend must implement. */
export const KERNEL_OP_NAMES = OP_NAMES.filter((n): n is KernelOpName => n !== 'reshape');
