// Conformance cases for reductions, arg-reductions, logSumExp, variance, softmax and cumsum.

import type * as Loom from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { data, gen } from './data.js';
import type { PublicOp } from './public-ops.js';
import type { ConformanceCase, GradSpec, InputData } from './types.js';

type ReduceFn = (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor;
const reducer = (l: typeof Loom, op: PublicOp): ReduceFn => (l as unknown as Record<string, ReduceFn>)[op];

/** A gradient case differentiating every float32 input and output. */
const GRAD: GradSpec = {};

const VARIANTS: [string, () => InputData, number | number[] | undefined, boolean][] = [
  ['all', () => gen([3, 4]), undefined, false],
  ['axis0', () => gen([3, 4]), 0, false],
  ['axis-1-keepDims', () => gen([3, 4]), -1, true],
  ['axes-0-2', () => gen([2, 3, 4]), [0, 2], false],
  ['axes-keepDims-rank5', () => gen([2, 1, 3, 2, 2]), [1, 3], true],
  ['rank0', () => data([2.5], []), undefined, false],
  ['size1-dims', () => gen([1, 5, 1]), [0, 2], false],
  ['long-row', () => gen([2, 300], 'unit'), 1, false],
];

/** softmax (or logSoftmax) of each row of `n` values in float64: the oracle for hand-made rows. */
function softmaxRows64(values: number[], n: number, isLog: boolean): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length; r += n) {
    const row = values.slice(r, r + n);
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    row.forEach((v, i) => { out[r + i] = isLog ? v - m - Math.log(s) : Math.exp(v - m) / s; });
  }
  return out;
}

export function reduceCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const op of ['sum', 'prod', 'max', 'min', 'mean'] as const) {
    for (const [variant, make, axis, keepDims] of VARIANTS) {
      const input = make();
      // prod over 300 normal values under/overflows meaninglessly: use values near 1.
      if (op === 'prod' && variant === 'long-row') input.values = input.values.map((v) => Math.fround(1 + v / 100));
      cases.push({
        kind: 'op', name: `${op}/${variant}`, op, inputs: [input], run: (l, [x]) => reducer(l, op)(x, axis, keepDims),
        tf: (tf, [x]) => tf[op](x, axis, keepDims),
        // NOTE: the long rows are left to the forward suite (600 finite-difference probes each).
        grad: variant === 'long-row' ? undefined : GRAD,
      });
    }
    cases.push({
      kind: 'op', name: `${op}/int32`, op, inputs: [gen([3, 4], 'int')], run: (l, [x]) => reducer(l, op)(x, 1),
      tf: (tf, [x]) => (op === 'mean' ? tf.mean(tf.cast(x, 'float32'), 1) : tf[op](x, 1)),
    });
    cases.push({
      kind: 'op', name: `${op}/nan`, op, inputs: [data([1, NaN, 3, 4, 5, 6], [2, 3])], run: (l, [x]) => reducer(l, op)(x, 1),
      tf: (tf, [x]) => tf[op](x, 1),
    });
  }
  // Empty reductions: the identity of each op (NumPy's answer, checked by hand).
  const empty: [PublicOp, number][] = [['sum', 0], ['prod', 1], ['max', -Infinity], ['min', Infinity], ['mean', NaN]];
  for (const [op, v] of empty) {
    cases.push({
      kind: 'op', name: `${op}/empty-axis`, op, inputs: [data([], [0, 3])], run: (l, [x]) => reducer(l, op)(x, 0),
      expected: [{ shape: [3], dtype: 'float32', values: [v, v, v] }], grad: GRAD,
    });
  }
  cases.push(
    { kind: 'op', name: 'sum/bool-counts', op: 'sum', inputs: [data([1, 0, 1, 1, 1, 0], [2, 3], 'bool')], run: (l, [x]) => l.sum(x, 1), expected: [{ shape: [2], dtype: 'int32', values: [2, 2] }] },
    { kind: 'op', name: 'sum/empty-result', op: 'sum', inputs: [data([], [3, 0])], run: (l, [x]) => l.sum(x, 0), expected: [{ shape: [0], dtype: 'float32', values: [] }] },
  );
  for (const op of ['argMax', 'argMin'] as const) {
    const run = (axis: number) => (l: typeof Loom, [x]: Tensor[]) => (l as unknown as Record<string, (x: Tensor, a: number) => Tensor>)[op](x, axis);
    cases.push(
      { kind: 'op', name: `${op}/axis0`, op, inputs: [gen([4, 3])], run: run(0), tf: (tf, [x]) => tf[op](x, 0), grad: GRAD },
      { kind: 'op', name: `${op}/axis1`, op, inputs: [gen([4, 3])], run: run(1), tf: (tf, [x]) => tf[op](x, 1) },
      { kind: 'op', name: `${op}/rank3-last`, op, inputs: [gen([2, 3, 5])], run: run(-1), tf: (tf, [x]) => tf[op](x, -1) },
      { kind: 'op', name: `${op}/ties`, op, inputs: [data([2, 5, 5, 1, 1, 2], [6])], run: run(0), tf: (tf, [x]) => tf[op](x, 0) },
      { kind: 'op', name: `${op}/int32`, op, inputs: [gen([3, 4], 'int')], run: run(1), tf: (tf, [x]) => tf[op](x, 1) },
      { kind: 'op', name: `${op}/nan-first`, op, inputs: [data([3, NaN, 9, 1])], run: run(0), expected: [{ shape: [], dtype: 'int32', values: [1] }] },
      { kind: 'op', name: `${op}/rank5`, op, inputs: [gen([2, 1, 3, 2, 2])], run: run(2), tf: (tf, [x]) => tf[op](x, 2) },
    );
  }
  cases.push(
    { kind: 'op', name: 'logSumExp/all', op: 'logSumExp', inputs: [gen([3, 4])], run: (l, [x]) => l.logSumExp(x), tf: (tf, [x]) => tf.logSumExp(x), grad: GRAD },
    { kind: 'op', name: 'logSumExp/axis-keepDims', op: 'logSumExp', inputs: [gen([3, 4], 'wide')], run: (l, [x]) => l.logSumExp(x, 1, true), tf: (tf, [x]) => tf.logSumExp(x, 1, true), grad: GRAD },
    { kind: 'op', name: 'logSumExp/large', op: 'logSumExp', inputs: [data([1000, 1000, -1000, 500], [2, 2])], run: (l, [x]) => l.logSumExp(x, 1), tf: (tf, [x]) => tf.logSumExp(x, 1) },
    { kind: 'op', name: 'logSumExp/infinite', op: 'logSumExp', inputs: [data([-Infinity, -Infinity, Infinity, 1], [2, 2])], run: (l, [x]) => l.logSumExp(x, 1), expected: [{ shape: [2], dtype: 'float32', values: [-Infinity, Infinity] }] },
    { kind: 'op', name: 'variance/all', op: 'variance', inputs: [gen([3, 4])], run: (l, [x]) => l.variance(x), tf: (tf, [x]) => tf.moments(x).variance, grad: GRAD },
    { kind: 'op', name: 'variance/axis', op: 'variance', inputs: [gen([3, 4])], run: (l, [x]) => l.variance(x, 0), tf: (tf, [x]) => tf.moments(x, 0).variance, grad: GRAD },
    { kind: 'op', name: 'variance/keepDims-rank3', op: 'variance', inputs: [gen([2, 3, 4])], run: (l, [x]) => l.variance(x, [1, 2], true), tf: (tf, [x]) => tf.moments(x, [1, 2], true).variance, grad: GRAD },
  );
  const NAN_ROWS = Array.from({ length: 63 }, (_, i) => (i === 26 || i === 62 ? NaN : Math.sin(i)));
  const MASKED_ROWS = Array.from({ length: 38 }, (_, i) => (i % 19 === 3 || i === 7 || i === 17 ? -Infinity : i < 19 ? Math.sin(i) : -6 * (i - 19)));
  for (const op of ['softmax', 'logSoftmax'] as const) {
    const run = (axis?: number) => (l: typeof Loom, [x]: Tensor[]) => (l as unknown as Record<string, (x: Tensor, a?: number) => Tensor>)[op](x, axis);
    cases.push(
      { kind: 'op', name: `${op}/last`, op, inputs: [gen([3, 5], 'wide')], run: run(), tf: (tf, [x]) => tf[op](x), grad: GRAD },
      { kind: 'op', name: `${op}/axis0`, op, inputs: [gen([4, 3])], run: run(0), tf: (tf, [x]) => tf.transpose(tf[op](tf.transpose(x))) },
      { kind: 'op', name: `${op}/middle-axis`, op, inputs: [gen([2, 3, 4])], run: run(1), tf: (tf, [x]) => tf.transpose(tf[op](tf.transpose(x, [0, 2, 1])), [0, 2, 1]), grad: GRAD },
      { kind: 'op', name: `${op}/stable-large`, op, inputs: [data([1000, 1001, 1002, -1000, -1001, -1e30], [2, 3])], run: run(), tf: (tf, [x]) => tf[op](x) },
      { kind: 'op', name: `${op}/rank1`, op, inputs: [gen([7])], run: run(), tf: (tf, [x]) => tf[op](x), grad: GRAD },
      { kind: 'op', name: `${op}/size1`, op, inputs: [gen([3, 1])], run: run(), tf: (tf, [x]) => tf[op](x), grad: GRAD },
      { kind: 'op', name: `${op}/long-row`, op, inputs: [gen([2, 1000])], run: run(), tf: (tf, [x]) => tf[op](x) },
      // Masked entries (−Infinity, as attention masks write them) and gaps of more than 87 below the
      // row's max: exactly 0 (−Infinity for logSoftmax); 19 columns reach the SIMD body and the tail.
      { kind: 'op', name: `${op}/masked`, op, inputs: [data(MASKED_ROWS, [2, 19])], run: run(), tf: (tf, [x]) => tf[op](x) },
      // A NaN turns its whole row into NaN (the sum of exponentials), in the SIMD body and in the tail.
      { kind: 'op', name: `${op}/nan-row`, op, inputs: [data(NAN_ROWS, [3, 21])], run: run(), expected: [{ shape: [3, 21], dtype: 'float32', values: softmaxRows64(NAN_ROWS, 21, op === 'logSoftmax') }] },
    );
  }
  for (const [variant, exclusive, reverse] of [['plain', false, false], ['exclusive', true, false], ['reverse', false, true], ['exclusive-reverse', true, true]] as const) {
    cases.push({ kind: 'op', name: `cumsum/${variant}`, op: 'cumsum', inputs: [gen([3, 4])], run: (l, [x]) => l.cumsum(x, 1, exclusive, reverse), tf: (tf, [x]) => tf.cumsum(x, 1, exclusive, reverse), grad: GRAD });
  }
  cases.push(
    { kind: 'op', name: 'cumsum/axis0-int32', op: 'cumsum', inputs: [gen([4, 2], 'int')], run: (l, [x]) => l.cumsum(x, 0), tf: (tf, [x]) => tf.cumsum(x, 0) },
    { kind: 'op', name: 'cumsum/rank5', op: 'cumsum', inputs: [gen([2, 1, 3, 2, 2])], run: (l, [x]) => l.cumsum(x, 2), tf: (tf, [x]) => tf.cumsum(x, 2), grad: GRAD },
    { kind: 'op', name: 'cumsum/empty', op: 'cumsum', inputs: [data([], [0, 3])], run: (l, [x]) => l.cumsum(x, 1), expected: [{ shape: [0, 3], dtype: 'float32', values: [] }], grad: GRAD },
  );
  return cases;
}

export const REDUCE_CASES: ConformanceCase[] = reduceCases();
