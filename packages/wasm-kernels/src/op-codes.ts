// Op codes shared with the AssemblyScript kernels (assembly/unary.ts, binary.ts): keep in sync.

/** Codes of assembly/unary.ts unaryF32/unaryI32. */
export const UNARY_CODE: Record<string, number> = {
  neg: 0, abs: 1, sign: 2, square: 3, relu: 4, relu6: 5, floor: 6, ceil: 7, round: 8, exp: 9, expm1: 10,
  log: 11, log1p: 12, sqrt: 13, rsqrt: 14, reciprocal: 15, sin: 16, cos: 17, tan: 18, atan: 19, tanh: 20,
  sigmoid: 21, elu: 22, selu: 23, gelu: 24, softplus: 25, silu: 26, leakyRelu: 27, clip: 28,
};

/** Codes of assembly/binary.ts binary: 0–8 arithmetic, 9–14 comparisons, 15–16 logic. */
export const BINARY_CODE: Record<string, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, mod: 7, floorDiv: 8,
  equal: 9, notEqual: 10, less: 11, lessEqual: 12, greater: 13, greaterEqual: 14, logicalAnd: 15, logicalOr: 16,
};

/** Codes of assembly/reduce.ts reduce. */
export const REDUCE_CODE: Record<string, number> = { sum: 0, prod: 1, max: 2, min: 3 };

/** dtype codes used by the kernels. */
export const DTYPE_CODE = { float32: 0, int32: 1, bool: 2 } as const;
