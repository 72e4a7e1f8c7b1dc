// The op and dtype codes of the TypeScript ↔ AssemblyScript ABI, read by BOTH compilers (assembly/
// imports this file too): only `export const enum`, the subset tsc, esbuild and asc all accept.

/** Codes of `unaryF32` / `unaryI32` (assembly/unary.ts). unaryI32 implements neg..relu6 and clip. */
export const enum UnaryCode {
  neg = 0,
  abs = 1,
  sign = 2,
  square = 3,
  relu = 4,
  relu6 = 5,
  floor = 6,
  ceil = 7,
  round = 8,
  exp = 9,
  expm1 = 10,
  log = 11,
  log1p = 12,
  sqrt = 13,
  rsqrt = 14,
  reciprocal = 15,
  sin = 16,
  cos = 17,
  tan = 18,
  atan = 19,
  tanh = 20,
  sigmoid = 21,
  elu = 22,
  selu = 23,
  gelu = 24,
  softplus = 25,
  silu = 26,
  /** x ≥ 0 ? x : a·x (a = alpha). */
  leakyRelu = 27,
  /** min(max(x, a), b). */
  clip = 28,
}

/** Codes of `predicateF32` (assembly/unary.ts). */
export const enum PredicateCode {
  isNaN = 0,
  isFinite = 1,
}

/**
 * Codes of `binary` (assembly/binary.ts): arithmetic first, then comparisons (from `equal`), then
 * logic (from `logicalAnd`); the kernel tests those two boundaries, so keep the groups in order.
 */
export const enum BinaryCode {
  add = 0,
  sub = 1,
  mul = 2,
  div = 3,
  pow = 4,
  maximum = 5,
  minimum = 6,
  mod = 7,
  floorDiv = 8,
  equal = 9,
  notEqual = 10,
  less = 11,
  lessEqual = 12,
  greater = 13,
  greaterEqual = 14,
  logicalAnd = 15,
  logicalOr = 16,
}

/** Codes of `reduce` (assembly/reduce.ts). */
export const enum ReduceCode {
  sum = 0,
  prod = 1,
  max = 2,
  min = 3,
}

/** Element types as the kernels see them: float32 and int32 take 4 bytes, bool 1. */
export const enum DTypeCode {
  float32 = 0,
  int32 = 1,
  bool = 2,
}

/** Cells of `recurrent` / `recurrentGrad` (assembly/recurrent*.ts). */
export const enum RecurrentCellCode {
  simpleRNN = 0,
  lstm = 1,
  gru = 2,
}

/** Activations the recurrent kernels apply; each one's slope is a function of its output. */
export const enum RecurrentActivationCode {
  tanh = 0,
  sigmoid = 1,
  hardSigmoid = 2,
  relu = 3,
  linear = 4,
}
