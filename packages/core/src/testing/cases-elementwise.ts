// Conformance cases for elementwise ops: unary math, binary arithmetic/comparison/logic with
// broadcasting, where, cast, clip, leakyRelu; the one-pass Adam step.

import {
  BINARY_ARITH_OPS, COMPARE_OPS, UNARY_KEEP_DTYPE_OPS, UNARY_MATH_OPS, type BinaryArithOp, type UnaryMathOp, type UnaryOp,
} from '../backend/op-attrs.js';
import type * as Loom from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { data, EDGE_VALUES, gen, type ValueKind } from './data.js';
import type { PublicOp } from './public-ops.js';
import type { ConformanceCase, GradSpec, InputData, OpCase, TfLike } from './types.js';

type AnyFn = (...args: unknown[]) => Tensor;
const call = (l: typeof Loom, op: PublicOp, ...args: unknown[]): Tensor => (l as unknown as Record<string, AnyFn>)[op](...args);

/** Independent float64 erf for the gelu oracle: Maclaurin series, and erfc by continued fraction for |x| > 3. */
function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -1;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = exp(-z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))) (Lentz-free backward evaluation)
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Float64 oracles for ops TensorFlow.js does not have. */
const F64 = {
  gelu: (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  silu: (x: number) => x / (1 + Math.exp(-x)),
} satisfies Partial<Record<UnaryMathOp, (x: number) => number>>;

/** The TensorFlow.js function for every other unary op (the mapped type names a missing one). */
const TF_UNARY: { readonly [K in Exclude<UnaryOp, keyof typeof F64>]: string } = {
  neg: 'neg', abs: 'abs', sign: 'sign', square: 'square', relu: 'relu', relu6: 'relu6', floor: 'floor', ceil: 'ceil',
  round: 'round', exp: 'exp', expm1: 'expm1', log: 'log', log1p: 'log1p', sqrt: 'sqrt', rsqrt: 'rsqrt',
  reciprocal: 'reciprocal', sin: 'sin', cos: 'cos', tan: 'tan', atan: 'atan', tanh: 'tanh', sigmoid: 'sigmoid',
  elu: 'elu', selu: 'selu', softplus: 'softplus', isNaN: 'isNaN', isFinite: 'isFinite', logicalNot: 'logicalNot',
};

/** Where each unary math op is defined, for random inputs. */
const DOMAIN: Partial<Record<UnaryMathOp, ValueKind>> = {
  log: 'positive', sqrt: 'positive', rsqrt: 'positive', log1p: 'positive', reciprocal: 'positive', tan: 'unit',
};

/** A gradient case differentiating every float32 input and output. */
const GRAD: GradSpec = {};

function unaryCase(op: UnaryOp, variant: string, input: InputData, floatOut: boolean, grad?: GradSpec): OpCase {
  const f64 = op in F64 ? F64[op as keyof typeof F64] : undefined;
  const base: OpCase = { kind: 'op', name: `${op}/${variant}`, op, inputs: [input], run: (l, [x]) => call(l, op, x), grad };
  if ((op === 'floor' || op === 'ceil') && input.dtype === 'int32') {
    // TF.js rejects int32 here; on integers both are the identity.
    return { ...base, expected: [{ shape: input.shape, dtype: 'int32', values: input.values }] };
  }
  if (f64) {
    const values = input.values.map((v) => f64(v));
    return { ...base, expected: [{ shape: input.shape, dtype: 'float32', values: Float32Array.from(values) }] };
  }
  return {
    ...base,
    tf: (tf: TfLike, [x]: TfLike[]) =>
      tf[TF_UNARY[op as keyof typeof TF_UNARY]](floatOut && x.dtype !== 'float32' ? tf.cast(x, 'float32') : x),
  };
}

function unaryCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const op of UNARY_MATH_OPS) {
    const kind = DOMAIN[op] ?? 'normal';
    cases.push(
      unaryCase(op, 'random', gen([3, 4], kind), true, GRAD),
      unaryCase(op, 'edge', data(EDGE_VALUES), true),
      unaryCase(op, 'rank0', data([0.75], []), true, GRAD),
      unaryCase(op, 'rank5', gen([2, 1, 3, 1, 2], kind), true),
      unaryCase(op, 'empty', data([], [0, 3]), true),
      unaryCase(op, 'int32', data([1, 2, 3, 4], [4], 'int32'), true),
    );
  }
  for (const op of UNARY_KEEP_DTYPE_OPS) {
    // NOTE: TF.js gives sign(NaN) = 0; Loom follows NumPy (NaN), checked by hand below.
    const edge = op === 'sign' ? EDGE_VALUES.filter((v) => !Number.isNaN(v)) : EDGE_VALUES;
    cases.push(
      unaryCase(op, 'random', gen([3, 4], 'wide'), false, GRAD),
      unaryCase(op, 'edge', data(edge), false),
      // NOTE: round jumps at -2.5, so that rank-0 case is no gradient case.
      unaryCase(op, 'rank0', data([-2.5], []), false, op === 'round' ? undefined : GRAD),
      unaryCase(op, 'rank5', gen([2, 1, 3, 1, 2], 'wide'), false),
      unaryCase(op, 'empty', data([], [2, 0]), false),
      unaryCase(op, 'int32', gen([2, 5], 'int'), false),
    );
  }
  cases.push(
    {
      kind: 'op', name: 'sign/nan', op: 'sign', inputs: [data([NaN, -3, 0, 2])], run: (l, [x]) => l.sign(x),
      expected: [{ shape: [4], dtype: 'float32', values: [NaN, -1, 0, 1] }],
    },
    {
      // Found by the fuzzer (wasm): log(1 + x)·x overflowed before the division for x near the float32 maximum.
      kind: 'op', name: 'log1p/huge', op: 'log1p', inputs: [data([3e38, 3.4e38, 1e30])], run: (l, [x]) => l.log1p(x),
      expected: [{ shape: [3], dtype: 'float32', values: [88.59684753417969, 88.72200775146484, 69.07755279541016] }],
    },
    {
      kind: 'op', name: 'round/half-even', op: 'round', inputs: [data([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, -2.6])],
      run: (l, [x]) => l.round(x), expected: [{ shape: [7], dtype: 'float32', values: [0, 2, 2, -0, -2, 2, -3] }],
    },
    {
      kind: 'op', name: 'square/int32-wrap', op: 'square', inputs: [data([2147483647, 100000001, -46341], [3], 'int32')],
      run: (l, [x]) => l.square(x), expected: [{ shape: [3], dtype: 'int32', values: [1, 2074919425, -2147479015] }],
    },
    {
      kind: 'op', name: 'neg/int32-wrap', op: 'neg', inputs: [data([-2147483648, 2147483647], [2], 'int32')],
      run: (l, [x]) => l.neg(x), expected: [{ shape: [2], dtype: 'int32', values: [-2147483648, -2147483647] }],
    },
  );
  for (const op of ['isNaN', 'isFinite'] as const) {
    cases.push(
      unaryCase(op, 'edge', data(EDGE_VALUES), false),
      unaryCase(op, 'int32', data([0, -5, 7], [3], 'int32'), false),
      unaryCase(op, 'empty', data([], [0]), false),
    );
  }
  cases.push(
    unaryCase('logicalNot', 'basic', data([1, 0, 1, 1, 0, 0], [2, 3], 'bool'), false),
    unaryCase('logicalNot', 'rank0', data([0], [], 'bool'), false),
  );
  // leakyRelu, clip, cast
  cases.push(
    { kind: 'op', name: 'leakyRelu/default', op: 'leakyRelu', inputs: [data(EDGE_VALUES)], run: (l, [x]) => l.leakyRelu(x), tf: (tf, [x]) => tf.leakyRelu(x, 0.2) },
    { kind: 'op', name: 'leakyRelu/alpha', op: 'leakyRelu', inputs: [gen([4, 3], 'wide')], run: (l, [x]) => l.leakyRelu(x, 0.01), tf: (tf, [x]) => tf.leakyRelu(x, 0.01), grad: GRAD },
    { kind: 'op', name: 'leakyRelu/int32', op: 'leakyRelu', inputs: [gen([5], 'int')], run: (l, [x]) => l.leakyRelu(x, 0.5), tf: (tf, [x]) => tf.leakyRelu(tf.cast(x, 'float32'), 0.5) },
    { kind: 'op', name: 'clip/basic', op: 'clip', inputs: [gen([3, 5], 'wide')], run: (l, [x]) => l.clip(x, -2, 3.5), tf: (tf, [x]) => tf.clipByValue(x, -2, 3.5), grad: GRAD },
    { kind: 'op', name: 'clip/inside', op: 'clip', inputs: [gen([2, 5], 'unit', 9001)], run: (l, [x]) => l.clip(x, -0.6, 0.7), tf: (tf, [x]) => tf.clipByValue(x, -0.6, 0.7), grad: GRAD },
    { kind: 'op', name: 'clip/edge', op: 'clip', inputs: [data(EDGE_VALUES.filter((v) => !Number.isNaN(v)))], run: (l, [x]) => l.clip(x, -1, 1), tf: (tf, [x]) => tf.clipByValue(x, -1, 1) },
    { kind: 'op', name: 'clip/int32', op: 'clip', inputs: [gen([6], 'int')], run: (l, [x]) => l.clip(x, -3, 4), tf: (tf, [x]) => tf.clipByValue(x, -3, 4) },
    { kind: 'op', name: 'clip/nan', op: 'clip', inputs: [data([NaN, 5, -5])], run: (l, [x]) => l.clip(x, 0, 1), expected: [{ shape: [3], dtype: 'float32', values: [NaN, 1, 0] }] },
    { kind: 'op', name: 'clip/rank0', op: 'clip', inputs: [data([7], [])], run: (l, [x]) => l.clip(x, 0, 6), tf: (tf, [x]) => tf.clipByValue(x, 0, 6) },
  );
  const castPairs: [string, InputData, 'float32' | 'int32' | 'bool'][] = [
    ['float-to-int', data([-2.7, -0.5, 0, 0.9, 3.99, 1e6]), 'int32'],
    ['float-to-bool', data([0, -0, 1, -2.5, Infinity, NaN]), 'bool'],
    ['int-to-float', gen([2, 3], 'int'), 'float32'],
    ['int-to-bool', data([0, 1, -7, 0], [4], 'int32'), 'bool'],
    ['bool-to-float', data([1, 0, 1], [3], 'bool'), 'float32'],
    ['bool-to-int', data([1, 0, 1], [3], 'bool'), 'int32'],
    ['float-to-float', gen([2, 2]), 'float32'],
    ['empty', data([], [0, 2]), 'int32'],
  ];
  cases.push({
    // Out-of-range floats saturate (as wasm trunc_sat and WGSL i32()); NaN gives 0.
    kind: 'op', name: 'cast/float-to-int-saturate', op: 'cast', inputs: [data([3e9, -3e9, 2147483648, Infinity, -Infinity, NaN, -0.9])],
    run: (l, [x]) => l.cast(x, 'int32'),
    expected: [{ shape: [7], dtype: 'int32', values: [2147483647, -2147483648, 2147483647, 2147483647, -2147483648, 0, 0] }],
  });
  for (const [variant, input, dtype] of castPairs) {
    cases.push({
      kind: 'op', name: `cast/${variant}`, op: 'cast', inputs: [input], run: (l, [x]) => l.cast(x, dtype), tf: (tf, [x]) => tf.cast(x, dtype),
      grad: variant === 'float-to-float' ? GRAD : undefined,
    });
  }
  return cases;
}

/** Binary shapes: same, row broadcast, column broadcast, scalar, rank-5 broadcast, empty. */
const BINARY_SHAPES: [string, number[], number[]][] = [
  ['same', [3, 4], [3, 4]],
  ['row', [3, 4], [4]],
  ['column', [3, 1], [3, 4]],
  ['rank0', [], [2, 3]],
  ['rank5', [2, 1, 3, 1, 2], [4, 1, 1, 2]],
  ['empty', [0, 3], [3]],
];

function binaryInputs(op: BinaryArithOp, shapeA: number[], shapeB: number[], int: boolean): [InputData, InputData] {
  const positiveB = ['div', 'mod', 'floorDiv'].includes(op);
  if (int) return [gen(shapeA, 'int'), gen(shapeB, positiveB || op === 'pow' ? 'smallInt' : 'int')];
  if (op === 'pow') return [gen(shapeA, 'positive'), gen(shapeB, 'unit')];
  return [gen(shapeA, 'wide'), gen(shapeB, positiveB ? 'positive' : 'wide')];
}

function tfBinary(op: BinaryArithOp): (tf: TfLike, inputs: TfLike[]) => TfLike {
  if (op === 'div') return (tf, [a, b]) => tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'));
  // NOTE: TF.js floorDiv returns int32 even for float inputs; Loom keeps float32 (as TensorFlow).
  if (op === 'floorDiv') return (tf, [a, b]) => (a.dtype === 'float32' || b.dtype === 'float32' ? tf.cast(tf.floorDiv(a, b), 'float32') : tf.floorDiv(a, b));
  return (tf, [a, b]) => tf[op](a, b);
}

/**
 * Binary ops whose random cases are gradient cases. mod and floorDiv jump wherever a/b crosses an
 * integer, dense for these inputs: their gradient cases are `mod/smooth` and `floorDiv/smooth`.
 */
const GRAD_BINARY: ReadonlySet<BinaryArithOp> = new Set(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']);

function binaryCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const op of BINARY_ARITH_OPS) {
    const grad = GRAD_BINARY.has(op) ? GRAD : undefined;
    for (const [variant, sa, sb] of BINARY_SHAPES) {
      cases.push({
        kind: 'op', name: `${op}/${variant}`, op, inputs: binaryInputs(op, sa, sb, false), run: (l, [a, b]) => call(l, op, a, b),
        tf: tfBinary(op), grad,
      });
    }
    cases.push({ kind: 'op', name: `${op}/int32`, op, inputs: binaryInputs(op, [2, 3], [2, 3], true), run: (l, [a, b]) => call(l, op, a, b), tf: tfBinary(op) });
    cases.push({
      kind: 'op', name: `${op}/mixed-dtypes`, op, inputs: [gen([2, 2], 'int'), gen([2], op === 'pow' ? 'unit' : 'positive')],
      run: (l, [a, b]) => call(l, op, a, b), tf: (tf, [a, b]) => tfBinary(op)(tf, [tf.cast(a, 'float32'), b]),
      // NOTE: pow of a negative int32 base is NaN, so that one is no gradient case.
      grad: op === 'pow' ? undefined : grad,
    });
    cases.push({
      kind: 'op', name: `${op}/js-number`, op, inputs: [gen([2, 3], 'positive')],
      run: (l, [a]) => call(l, op, a, 2), tf: (tf, [a]) => tfBinary(op)(tf, [a, tf.scalar(2)]), grad,
    });
  }
  // a/b in (1.2, 1.9): away from the jumps of mod and floorDiv.
  const smoothA = data([2.21, 2.38, 2.5, 2.63, 2.79, 2.44]);
  const smoothB = data([1.52, 1.61, 1.77, 1.68, 1.8, 1.55]);
  for (const op of ['mod', 'floorDiv'] as const) {
    cases.push({
      kind: 'op', name: `${op}/smooth`, op, inputs: [smoothA, smoothB], run: (l, [a, b]) => call(l, op, a, b), tf: tfBinary(op), grad: GRAD,
    });
  }
  const special = [0, -0, 1, -1, 2.5, Infinity, -Infinity, NaN];
  const aVals: number[] = [];
  const bVals: number[] = [];
  for (const x of special) for (const y of special) { aVals.push(x); bVals.push(y); }
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
    cases.push({ kind: 'op', name: `${op}/edge`, op, inputs: [data(aVals), data(bVals)], run: (l, [a, b]) => call(l, op, a, b), tf: tfBinary(op) });
  }
  cases.push(
    { kind: 'op', name: 'mod/signs', op: 'mod', inputs: [data([-7, 7, -7, 7, -7.5, 0]), data([3, -3, -3, 3, 2, 5])], run: (l, [a, b]) => l.mod(a, b), expected: [{ shape: [6], dtype: 'float32', values: [2, -2, -1, 1, 0.5, 0] }] },
    // Found by the fuzzer: float32 remainders of large quotients (webgpu) and powers of −∞ (webgpu).
    {
      kind: 'op', name: 'mod/large-quotient', op: 'mod', inputs: [data([3e9, 6779.57080078125, 3e38, -1e20]), data([0.85, -0.8213595747947693, -1.8699231147766113, 7])],
      run: (l, [a, b]) => l.mod(a, b), expected: [{ shape: [4], dtype: 'float32', values: [0.6022685766220093, -0.7524891495704651, -1.276390552520752, 4] }],
      // JavaScript's % is the exact remainder: (3e9 % 0.85) etc., rounded to float32.
    },
    {
      kind: 'op', name: 'pow/negative-infinity', op: 'pow', inputs: [data([-Infinity, -Infinity, -Infinity, -Infinity]), data([0.5, 3, -3, -0.5])],
      run: (l, [a, b]) => l.pow(a, b), expected: [{ shape: [4], dtype: 'float32', values: [Infinity, -Infinity, -0, 0] }],
    },
    { kind: 'op', name: 'floorDiv/signs', op: 'floorDiv', inputs: [data([-7, 7, -7, 7], [4], 'int32'), data([2, -2, -2, 2], [4], 'int32')], run: (l, [a, b]) => l.floorDiv(a, b), expected: [{ shape: [4], dtype: 'int32', values: [-4, -4, 3, 3] }] },
    { kind: 'op', name: 'add/int32-wrap', op: 'add', inputs: [data([2147483647, -2147483648], [2], 'int32'), data([1, -1], [2], 'int32')], run: (l, [a, b]) => l.add(a, b), expected: [{ shape: [2], dtype: 'int32', values: [-2147483648, 2147483647] }] },
    { kind: 'op', name: 'mul/int32-exact', op: 'mul', inputs: [data([46341, -65536, 123456], [3], 'int32'), data([46341, 65536, 7], [3], 'int32')], run: (l, [a, b]) => l.mul(a, b), expected: [{ shape: [3], dtype: 'int32', values: [-2147479015, 0, 864192] }] },
  );
  for (const op of COMPARE_OPS) {
    cases.push(
      { kind: 'op', name: `${op}/edge`, op, inputs: [data(aVals), data(bVals)], run: (l, [a, b]) => call(l, op, a, b), tf: (tf, [a, b]) => tf[op](a, b) },
      { kind: 'op', name: `${op}/broadcast`, op, inputs: [gen([3, 1], 'int'), gen([4], 'int')], run: (l, [a, b]) => call(l, op, a, b), tf: (tf, [a, b]) => tf[op](a, b) },
      { kind: 'op', name: `${op}/js-number`, op, inputs: [gen([2, 3], 'unit')], run: (l, [a]) => call(l, op, a, 0), tf: (tf, [a]) => tf[op](a, tf.scalar(0)) },
    );
  }
  cases.push(
    { kind: 'op', name: 'equal/bool', op: 'equal', inputs: [data([1, 0, 1, 0], [4], 'bool'), data([1, 1, 0, 0], [4], 'bool')], run: (l, [a, b]) => l.equal(a, b), tf: (tf, [a, b]) => tf.equal(a, b) },
    { kind: 'op', name: 'notEqual/empty', op: 'notEqual', inputs: [data([], [0]), data([1])], run: (l, [a, b]) => l.notEqual(a, b), tf: (tf, [a, b]) => tf.notEqual(a, b) },
  );
  for (const op of ['logicalAnd', 'logicalOr'] as const) {
    cases.push(
      { kind: 'op', name: `${op}/same`, op, inputs: [data([1, 1, 0, 0], [4], 'bool'), data([1, 0, 1, 0], [4], 'bool')], run: (l, [a, b]) => call(l, op, a, b), tf: (tf, [a, b]) => tf[op](a, b) },
      { kind: 'op', name: `${op}/broadcast`, op, inputs: [gen([3, 1], 'bool'), gen([1, 4], 'bool')], run: (l, [a, b]) => call(l, op, a, b), tf: (tf, [a, b]) => tf[op](a, b) },
    );
  }
  cases.push(
    { kind: 'op', name: 'where/same', op: 'where', inputs: [gen([3, 4], 'bool'), gen([3, 4]), gen([3, 4])], run: (l, [c, a, b]) => l.where(c, a, b), tf: (tf, [c, a, b]) => tf.where(c, a, b), grad: GRAD },
    { kind: 'op', name: 'where/broadcast', op: 'where', inputs: [gen([4], 'bool'), gen([3, 1]), gen([1])], run: (l, [c, a, b]) => l.where(c, a, b), tf: (tf, [c, a, b]) => tf.where(c, a, b), grad: GRAD },
    { kind: 'op', name: 'where/int32', op: 'where', inputs: [gen([2, 3], 'bool'), gen([2, 3], 'int'), gen([2, 3], 'int')], run: (l, [c, a, b]) => l.where(c, a, b), tf: (tf, [c, a, b]) => tf.where(c, a, b) },
    { kind: 'op', name: 'where/rank5', op: 'where', inputs: [gen([2, 1, 2, 1, 3], 'bool'), gen([1, 2, 1, 2, 1]), gen([3])], run: (l, [c, a, b]) => l.where(c, a, b), tf: (tf, [c, a, b]) => tf.where(c, a, b), grad: GRAD },
  );
  return cases;
}

/** A second moment: v >= 0 (squares of unit values). */
const moment2 = (shape: number[]): InputData => {
  const d = gen(shape, 'unit');
  return { ...d, values: d.values.map((x) => Math.fround(x * x)) };
};

/** adamUpdate against the same step in TF.js ops (Keras form), over shapes that hit vector tails and splits. */
function adamCases(): OpCase[] {
  const tfAdam = (o: Loom.AdamUpdateOptions) => (tf: TfLike, [w, g, m, v]: TfLike[]): TfLike[] => {
    const m1 = tf.add(tf.mul(m, o.beta1), tf.mul(g, 1 - o.beta1));
    const v1 = tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
    return [tf.sub(w, tf.div(tf.mul(m1, o.stepSize), tf.add(tf.sqrt(v1), o.epsilon))), m1, v1];
  };
  const keras = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, stepSize: 0.01 };
  const c = (name: string, inputs: InputData[], o: Loom.AdamUpdateOptions): OpCase => ({
    kind: 'op', name: `adamUpdate/${name}`, op: 'adamUpdate', inputs,
    run: (l, [w, g, m, v]) => { const r = l.adamUpdate(w, g, m, v, o); return [r.value, r.m, r.v]; }, tf: tfAdam(o),
  });
  const zeros = (shape: number[]): InputData => data(new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
  return [
    c('basic', [gen([3, 5]), gen([3, 5], 'unit'), gen([3, 5], 'unit'), moment2([3, 5])], keras),
    c('first-step-rank3', [gen([2, 3, 4]), gen([2, 3, 4]), zeros([2, 3, 4]), zeros([2, 3, 4])], { ...keras, stepSize: 0.001 * Math.sqrt(1 - 0.999) / (1 - 0.9) }),
    c('vector-tail', [gen([37]), gen([37], 'unit'), gen([37], 'unit'), moment2([37])], { beta1: 0.5, beta2: 0.75, epsilon: 1e-3, stepSize: 0.3 }),
    c('large', [gen([67, 61]), gen([67, 61], 'unit'), gen([67, 61], 'unit'), moment2([67, 61])], keras),
    c('beta-zero', [gen([9]), gen([9], 'unit'), gen([9], 'unit'), moment2([9])], { beta1: 0, beta2: 0, epsilon: 0.5, stepSize: 1 }),
    c('scalar', [data([1.5], []), data([-0.25], []), data([0.1], []), data([0.04], [])], keras),
    c('empty', [zeros([0, 3]), zeros([0, 3]), zeros([0, 3]), zeros([0, 3])], keras),
    c('nan-gradient', [data([1, 2, 3, 4, 5]), data([0.5, NaN, -1, 0, 2]), data([0, 0.1, 0.2, 0.3, 0.4]), data([0, 0.01, 0.04, 0.09, 0.16])], keras),
  ];
}

export const ELEMENTWISE_CASES: ConformanceCase[] = [...unaryCases(), ...binaryCases(), ...adamCases()];
