// Conformance cases for matmul/dot/outer, shape ops, indexing, conv/pool and creation ops.

import { data, gen } from './data.js';
import type { ConformanceCase, GradSpec, ResultData, TfLike } from './types.js';

/** A gradient case differentiating every float32 input and output. */
const GRAD: GradSpec = {};

function linalgCases(): ConformanceCase[] {
  // NOTE: TF.js 4.22 returns too few values when both inputs broadcast batch dims, so those
  // cases broadcast explicitly on the oracle side (`batch`).
  const mm = (name: string, sa: number[], sb: number[], transposeA = false, transposeB = false, kind: 'normal' | 'int' = 'normal', batch?: number[]): ConformanceCase => ({
    kind: 'op', name: `matmul/${name}`, op: 'matmul', inputs: [gen(sa, kind), gen(sb, kind)],
    run: (l, [a, b]) => l.matmul(a, b, { transposeA, transposeB }),
    tf: (tf, [a, b]) => {
      const full = (t: TfLike) => (batch ? tf.broadcastTo(t, [...batch, ...t.shape.slice(-2)]) : t);
      return tf.matMul(full(tf.cast(a, 'float32')), full(tf.cast(b, 'float32')), transposeA, transposeB);
    },
    // NOTE: odd-sizes (1188 inputs) is left to the forward suite; the others are gradient cases.
    grad: kind === 'normal' && name !== 'odd-sizes' && !name.startsWith('tile-aligned') ? GRAD : undefined,
  });
  return [
    mm('2d', [3, 4], [4, 5]),
    mm('transposeA', [4, 3], [4, 5], true),
    mm('transposeB', [3, 4], [5, 4], false, true),
    mm('both', [4, 3], [5, 4], true, true),
    mm('batched', [2, 3, 4], [2, 4, 5]),
    mm('broadcast-batch', [2, 1, 3, 4], [3, 4, 2], false, false, 'normal', [2, 3]),
    mm('batch1-broadcast', [1, 3, 4], [4, 4, 2]),
    mm('rank2-vs-batched', [3, 4], [2, 4, 5]),
    mm('int32', [2, 3], [3, 2], false, false, 'int'),
    mm('vector-shapes', [1, 7], [7, 1]),
    mm('odd-sizes', [17, 33], [33, 19]),
    mm('rank5', [2, 1, 2, 3, 4], [1, 2, 1, 4, 3], false, false, 'normal', [2, 2, 2]),
    // Every dim a multiple of the GPU tile (64) and K step (16): the webgpu backend's unchecked path.
    mm('tile-aligned', [64, 32], [32, 128]),
    mm('tile-aligned-both-transposed', [48, 128], [64, 48], true, true),
    mm('tile-aligned-batched', [2, 64, 16], [2, 16, 64]),
    { kind: 'op', name: 'matmul/k0', op: 'matmul', inputs: [data([], [2, 0]), data([], [0, 3])], run: (l, [a, b]) => l.matmul(a, b), expected: [{ shape: [2, 3], dtype: 'float32', values: [0, 0, 0, 0, 0, 0] }], grad: GRAD },
    { kind: 'op', name: 'matmul/m0', op: 'matmul', inputs: [data([], [0, 2]), gen([2, 3])], run: (l, [a, b]) => l.matmul(a, b), expected: [{ shape: [0, 3], dtype: 'float32', values: [] }], grad: GRAD },
    { kind: 'op', name: 'matmul/inf-nan', op: 'matmul', inputs: [data([1, Infinity, NaN, 2], [2, 2]), data([1, 0, 0, 1], [2, 2])], run: (l, [a, b]) => l.matmul(a, b), tf: (tf, [a, b]) => tf.matMul(a, b) },
    ...fusedMatmulCases(),
    { kind: 'op', name: 'dot/vector-vector', op: 'dot', inputs: [gen([5]), gen([5])], run: (l, [a, b]) => l.dot(a, b), tf: (tf, [a, b]) => tf.dot(a, b), grad: GRAD },
    { kind: 'op', name: 'dot/matrix-vector', op: 'dot', inputs: [gen([3, 5]), gen([5])], run: (l, [a, b]) => l.dot(a, b), tf: (tf, [a, b]) => tf.dot(a, b), grad: GRAD },
    { kind: 'op', name: 'dot/vector-matrix', op: 'dot', inputs: [gen([3]), gen([3, 4])], run: (l, [a, b]) => l.dot(a, b), tf: (tf, [a, b]) => tf.dot(a, b), grad: GRAD },
    { kind: 'op', name: 'dot/matrix-matrix', op: 'dot', inputs: [gen([2, 3]), gen([3, 4])], run: (l, [a, b]) => l.dot(a, b), tf: (tf, [a, b]) => tf.dot(a, b), grad: GRAD },
    { kind: 'op', name: 'outer/basic', op: 'outer', inputs: [gen([3]), gen([4])], run: (l, [a, b]) => l.outer(a, b), tf: (tf, [a, b]) => tf.outerProduct(a, b), grad: GRAD },
  ];
}

function fusedMatmulCases(): ConformanceCase[] {
  // The oracle composes TF.js ops (tf.fused has no tanh or gelu): act(matMul(a, b) + bias).
  const act = (tf: TfLike, name: string, x: TfLike): TfLike => {
    switch (name) {
      case 'relu': return tf.relu(x);
      case 'relu6': return tf.relu6(x);
      case 'sigmoid': return tf.sigmoid(x);
      case 'tanh': return tf.tanh(x);
      case 'gelu': return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
      default: return x;
    }
  };
  const fm = (name: string, sa: number[], sb: number[], bias: number[] | null, activation: 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'gelu',
    transposeA = false, transposeB = false): ConformanceCase => ({
    kind: 'op', name: `fusedMatmul/${name}`, op: 'fusedMatmul',
    inputs: bias ? [gen(sa), gen(sb), gen(bias, 'wide')] : [gen(sa), gen(sb)],
    run: (l, [a, b, c]) => l.fusedMatmul(a, b, { transposeA, transposeB, bias: c, activation }),
    tf: (tf, [a, b, c]) => {
      const y = tf.matMul(a, b, transposeA, transposeB);
      return act(tf, activation, c ? tf.add(y, c) : y);
    },
    grad: name.startsWith('tile-aligned') ? undefined : GRAD,
  });
  return [
    fm('tile-aligned-gelu-bias', [64, 16], [16, 64], [64], 'gelu'),
    fm('relu-bias', [5, 7], [7, 6], [6], 'relu'),
    fm('sigmoid-bias-transposeB', [4, 9], [3, 9], [3], 'sigmoid', false, true),
    fm('tanh-no-bias-transposeA', [6, 4], [6, 5], null, 'tanh', true),
    fm('gelu-bias-batched', [2, 3, 8], [2, 8, 5], [5], 'gelu'),
    fm('relu6-broadcast-batch', [2, 3, 4], [4, 6], [6], 'relu6'),
    fm('linear-bias', [3, 4], [4, 2], [2], 'linear'),
    fm('linear-matrix-bias', [3, 4], [4, 2], [3, 2], 'linear'),
    fm('tanh-odd-sizes', [13, 17], [17, 11], [11], 'tanh'),
  ];
}

function shapeCases(): ConformanceCase[] {
  return [
    { kind: 'op', name: 'reshape/infer', op: 'reshape', inputs: [gen([2, 3, 4])], run: (l, [x]) => l.reshape(x, [4, -1]), tf: (tf, [x]) => tf.reshape(x, [4, -1]), grad: GRAD },
    { kind: 'op', name: 'reshape/to-scalar', op: 'reshape', inputs: [gen([1, 1])], run: (l, [x]) => l.reshape(x, []), tf: (tf, [x]) => tf.reshape(x, []), grad: GRAD },
    { kind: 'op', name: 'reshape/empty', op: 'reshape', inputs: [data([], [0, 4])], run: (l, [x]) => l.reshape(x, [2, 0, 2]), tf: (tf, [x]) => tf.reshape(x, [2, 0, 2]), grad: GRAD },
    { kind: 'op', name: 'reshape/bool-rank5', op: 'reshape', inputs: [gen([2, 6], 'bool')], run: (l, [x]) => l.reshape(x, [1, 2, 1, 3, 2]), tf: (tf, [x]) => tf.reshape(x, [1, 2, 1, 3, 2]) },
    { kind: 'op', name: 'flatten/rank3', op: 'flatten', inputs: [gen([2, 3, 2])], run: (l, [x]) => l.flatten(x), tf: (tf, [x]) => tf.reshape(x, [-1]), grad: GRAD },
    { kind: 'op', name: 'transpose/default', op: 'transpose', inputs: [gen([3, 4])], run: (l, [x]) => l.transpose(x), tf: (tf, [x]) => tf.transpose(x), grad: GRAD },
    { kind: 'op', name: 'transpose/perm-rank3', op: 'transpose', inputs: [gen([2, 3, 4])], run: (l, [x]) => l.transpose(x, [1, 2, 0]), tf: (tf, [x]) => tf.transpose(x, [1, 2, 0]), grad: GRAD },
    { kind: 'op', name: 'transpose/rank5', op: 'transpose', inputs: [gen([2, 1, 3, 2, 2])], run: (l, [x]) => l.transpose(x, [4, 2, 0, 3, 1]), tf: (tf, [x]) => tf.transpose(x, [4, 2, 0, 3, 1]), grad: GRAD },
    { kind: 'op', name: 'transpose/int32', op: 'transpose', inputs: [gen([3, 2], 'int')], run: (l, [x]) => l.transpose(x), tf: (tf, [x]) => tf.transpose(x) },
    { kind: 'op', name: 'transpose/bool', op: 'transpose', inputs: [gen([2, 3, 2], 'bool')], run: (l, [x]) => l.transpose(x, [2, 0, 1]), tf: (tf, [x]) => tf.transpose(x, [2, 0, 1]) },
    { kind: 'op', name: 'transpose/empty', op: 'transpose', inputs: [data([], [0, 3])], run: (l, [x]) => l.transpose(x), tf: (tf, [x]) => tf.transpose(x), grad: GRAD },
    { kind: 'op', name: 'expandDims/axis0', op: 'expandDims', inputs: [gen([3])], run: (l, [x]) => l.expandDims(x), tf: (tf, [x]) => tf.expandDims(x), grad: GRAD },
    { kind: 'op', name: 'expandDims/last', op: 'expandDims', inputs: [gen([2, 3])], run: (l, [x]) => l.expandDims(x, -1), tf: (tf, [x]) => tf.expandDims(x, -1), grad: GRAD },
    { kind: 'op', name: 'squeeze/all', op: 'squeeze', inputs: [gen([1, 3, 1, 2])], run: (l, [x]) => l.squeeze(x), tf: (tf, [x]) => tf.squeeze(x), grad: GRAD },
    { kind: 'op', name: 'squeeze/axis', op: 'squeeze', inputs: [gen([1, 3, 1])], run: (l, [x]) => l.squeeze(x, [2]), tf: (tf, [x]) => tf.squeeze(x, [2]), grad: GRAD },
    { kind: 'op', name: 'broadcastTo/row', op: 'broadcastTo', inputs: [gen([3])], run: (l, [x]) => l.broadcastTo(x, [2, 3]), tf: (tf, [x]) => tf.broadcastTo(x, [2, 3]), grad: GRAD },
    { kind: 'op', name: 'broadcastTo/rank5', op: 'broadcastTo', inputs: [gen([2, 1, 3])], run: (l, [x]) => l.broadcastTo(x, [2, 1, 2, 4, 3]), tf: (tf, [x]) => tf.broadcastTo(x, [2, 1, 2, 4, 3]), grad: GRAD },
    { kind: 'op', name: 'broadcastTo/scalar-int', op: 'broadcastTo', inputs: [data([7], [], 'int32')], run: (l, [x]) => l.broadcastTo(x, [2, 2]), tf: (tf, [x]) => tf.broadcastTo(x, [2, 2]) },
    { kind: 'op', name: 'tile/2d', op: 'tile', inputs: [gen([2, 3])], run: (l, [x]) => l.tile(x, [2, 3]), tf: (tf, [x]) => tf.tile(x, [2, 3]), grad: GRAD },
    { kind: 'op', name: 'tile/rank3-bool', op: 'tile', inputs: [gen([1, 2, 2], 'bool')], run: (l, [x]) => l.tile(x, [3, 1, 2]), tf: (tf, [x]) => tf.tile(x, [3, 1, 2]) },
    { kind: 'op', name: 'tile/zero-reps', op: 'tile', inputs: [gen([2, 2])], run: (l, [x]) => l.tile(x, [0, 2]), expected: [{ shape: [0, 4], dtype: 'float32', values: [] }], grad: GRAD },
    { kind: 'op', name: 'slice/basic', op: 'slice', inputs: [gen([4, 5])], run: (l, [x]) => l.slice(x, [1, 2], [2, 3]), tf: (tf, [x]) => tf.slice(x, [1, 2], [2, 3]), grad: GRAD },
    { kind: 'op', name: 'slice/to-end', op: 'slice', inputs: [gen([4, 5])], run: (l, [x]) => l.slice(x, [2, 1], [-1, -1]), tf: (tf, [x]) => tf.slice(x, [2, 1], [-1, -1]), grad: GRAD },
    { kind: 'op', name: 'slice/first-axis-only', op: 'slice', inputs: [gen([4, 3])], run: (l, [x]) => l.slice(x, 1, 2), tf: (tf, [x]) => tf.slice(x, 1, 2), grad: GRAD },
    { kind: 'op', name: 'slice/rank5', op: 'slice', inputs: [gen([2, 3, 2, 3, 2])], run: (l, [x]) => l.slice(x, [1, 0, 1, 1, 0], [1, 2, 1, 2, 2]), tf: (tf, [x]) => tf.slice(x, [1, 0, 1, 1, 0], [1, 2, 1, 2, 2]), grad: GRAD },
    { kind: 'op', name: 'slice/int32-empty', op: 'slice', inputs: [gen([3, 3], 'int')], run: (l, [x]) => l.slice(x, [1, 1], [0, 2]), tf: (tf, [x]) => tf.slice(x, [1, 1], [0, 2]) },
    { kind: 'op', name: 'stridedSlice/step2', op: 'stridedSlice', inputs: [gen([6, 5])], run: (l, [x]) => l.stridedSlice(x, [0, 1], [6, 5], [2, 2]), tf: (tf, [x]) => tf.stridedSlice(x, [0, 1], [6, 5], [2, 2]), grad: GRAD },
    { kind: 'op', name: 'stridedSlice/negative', op: 'stridedSlice', inputs: [gen([6, 4])], run: (l, [x]) => l.stridedSlice(x, [-1, 3], [0, -5], [-2, -1]), tf: (tf, [x]) => tf.stridedSlice(x, [-1, 3], [0, -5], [-2, -1]), grad: GRAD },
    { kind: 'op', name: 'stridedSlice/masks', op: 'stridedSlice', inputs: [gen([5, 4])], run: (l, [x]) => l.stridedSlice(x, [3, 1], [0, 3], [1, 1], { beginMask: 1, endMask: 2 }), tf: (tf, [x]) => tf.stridedSlice(x, [3, 1], [0, 3], [1, 1], 1, 2), grad: GRAD },
    { kind: 'op', name: 'stridedSlice/shrink', op: 'stridedSlice', inputs: [gen([3, 4])], run: (l, [x]) => l.stridedSlice(x, [1, 0], [2, 4], [1, 1], { shrinkAxisMask: 1 }), tf: (tf, [x]) => tf.stridedSlice(x, [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1), grad: GRAD },
    { kind: 'op', name: 'stridedSlice/clamped', op: 'stridedSlice', inputs: [gen([4])], run: (l, [x]) => l.stridedSlice(x, [-10], [10], [1]), tf: (tf, [x]) => tf.stridedSlice(x, [-10], [10], [1]), grad: GRAD },
    { kind: 'op', name: 'reverse/all', op: 'reverse', inputs: [gen([3, 4])], run: (l, [x]) => l.reverse(x), tf: (tf, [x]) => tf.reverse(x), grad: GRAD },
    { kind: 'op', name: 'reverse/axis1', op: 'reverse', inputs: [gen([2, 3, 4])], run: (l, [x]) => l.reverse(x, 1), tf: (tf, [x]) => tf.reverse(x, 1), grad: GRAD },
    { kind: 'op', name: 'reverse/int32-axes', op: 'reverse', inputs: [gen([2, 3, 2], 'int')], run: (l, [x]) => l.reverse(x, [0, 2]), tf: (tf, [x]) => tf.reverse(x, [0, 2]) },
    { kind: 'op', name: 'concat/axis0', op: 'concat', inputs: [gen([2, 3]), gen([1, 3])], run: (l, ts) => l.concat(ts, 0), tf: (tf, ts) => tf.concat(ts, 0), grad: GRAD },
    { kind: 'op', name: 'concat/axis1-three', op: 'concat', inputs: [gen([2, 1]), gen([2, 3]), gen([2, 2])], run: (l, ts) => l.concat(ts, 1), tf: (tf, ts) => tf.concat(ts, 1), grad: GRAD },
    { kind: 'op', name: 'concat/negative-axis-rank3', op: 'concat', inputs: [gen([2, 2, 3]), gen([2, 2, 1])], run: (l, ts) => l.concat(ts, -1), tf: (tf, ts) => tf.concat(ts, -1), grad: GRAD },
    { kind: 'op', name: 'concat/int32', op: 'concat', inputs: [gen([3], 'int'), gen([2], 'int')], run: (l, ts) => l.concat(ts), tf: (tf, ts) => tf.concat(ts) },
    { kind: 'op', name: 'concat/bool', op: 'concat', inputs: [gen([2, 2], 'bool'), gen([2, 1], 'bool')], run: (l, ts) => l.concat(ts, 1), tf: (tf, ts) => tf.concat(ts, 1) },
    { kind: 'op', name: 'concat/empty-piece', op: 'concat', inputs: [data([], [0, 3]), gen([2, 3])], run: (l, ts) => l.concat(ts, 0), tf: (tf, ts) => tf.concat(ts, 0), grad: GRAD },
    { kind: 'op', name: 'stack/axis0', op: 'stack', inputs: [gen([2, 3]), gen([2, 3])], run: (l, ts) => l.stack(ts), tf: (tf, ts) => tf.stack(ts), grad: GRAD },
    { kind: 'op', name: 'stack/last-axis', op: 'stack', inputs: [gen([3]), gen([3]), gen([3])], run: (l, ts) => l.stack(ts, 1), tf: (tf, ts) => tf.stack(ts, 1), grad: GRAD },
    { kind: 'op', name: 'unstack/axis0', op: 'unstack', inputs: [gen([3, 2])], run: (l, [x]) => l.unstack(x), tf: (tf, [x]) => tf.unstack(x), grad: GRAD },
    { kind: 'op', name: 'unstack/axis1', op: 'unstack', inputs: [gen([2, 3, 2])], run: (l, [x]) => l.unstack(x, 1), tf: (tf, [x]) => tf.unstack(x, 1), grad: GRAD },
    { kind: 'op', name: 'split/equal', op: 'split', inputs: [gen([6, 2])], run: (l, [x]) => l.split(x, 3), tf: (tf, [x]) => tf.split(x, 3), grad: GRAD },
    { kind: 'op', name: 'split/sizes', op: 'split', inputs: [gen([2, 7])], run: (l, [x]) => l.split(x, [2, -1, 1], 1), tf: (tf, [x]) => tf.split(x, [2, 4, 1], 1), grad: GRAD },
    { kind: 'op', name: 'split/int32', op: 'split', inputs: [gen([4], 'int')], run: (l, [x]) => l.split(x, 2), tf: (tf, [x]) => tf.split(x, 2) },
    { kind: 'op', name: 'pad/value', op: 'pad', inputs: [gen([2, 3])], run: (l, [x]) => l.pad(x, [[1, 0], [2, 1]], 9), tf: (tf, [x]) => tf.pad(x, [[1, 0], [2, 1]], 9), grad: GRAD },
    { kind: 'op', name: 'pad/rank3', op: 'pad', inputs: [gen([2, 2, 2])], run: (l, [x]) => l.pad(x, [[0, 1], [1, 1], [0, 0]]), tf: (tf, [x]) => tf.pad(x, [[0, 1], [1, 1], [0, 0]]), grad: GRAD },
    { kind: 'op', name: 'pad/int32', op: 'pad', inputs: [gen([3], 'int')], run: (l, [x]) => l.pad(x, [[2, 2]], -1), tf: (tf, [x]) => tf.pad(x, [[2, 2]], -1) },
    { kind: 'op', name: 'pad/bool-value', op: 'pad', inputs: [data([1, 0], [2], 'bool')], run: (l, [x]) => l.pad(x, [[1, 1]], 5), expected: [{ shape: [4], dtype: 'bool', values: [1, 1, 0, 1] }] },
    { kind: 'op', name: 'pad/empty-input', op: 'pad', inputs: [data([], [0, 2])], run: (l, [x]) => l.pad(x, [[1, 1], [0, 0]], 3), tf: (tf, [x]) => tf.pad(x, [[1, 1], [0, 0]], 3), grad: GRAD },
    { kind: 'op', name: 'gather/axis0', op: 'gather', inputs: [gen([4, 3]), data([3, 0, 0, 2], [4], 'int32')], run: (l, [x, i]) => l.gather(x, i), tf: (tf, [x, i]) => tf.gather(x, i), grad: GRAD },
    { kind: 'op', name: 'gather/axis1', op: 'gather', inputs: [gen([2, 4, 3]), data([1, 3], [2], 'int32')], run: (l, [x, i]) => l.gather(x, i, 1), tf: (tf, [x, i]) => tf.gather(x, i, 1), grad: GRAD },
    { kind: 'op', name: 'gather/2d-indices', op: 'gather', inputs: [gen([5, 2]), data([0, 4, 1, 1, 2, 3], [2, 3], 'int32')], run: (l, [x, i]) => l.gather(x, i), tf: (tf, [x, i]) => tf.gather(x, i), grad: GRAD },
    { kind: 'op', name: 'gather/batchDims', op: 'gather', inputs: [gen([2, 3, 2]), data([2, 0, 1, 1], [2, 2], 'int32')], run: (l, [x, i]) => l.gather(x, i, 1, 1), tf: (tf, [x, i]) => tf.gather(x, i, 1, 1), grad: GRAD },
    { kind: 'op', name: 'gather/int32-values', op: 'gather', inputs: [gen([5], 'int'), data([4, 4, 0], [3], 'int32')], run: (l, [x, i]) => l.gather(x, i), tf: (tf, [x, i]) => tf.gather(x, i) },
    { kind: 'op', name: 'gather/scalar-index', op: 'gather', inputs: [gen([3, 2]), data([1], [], 'int32')], run: (l, [x, i]) => l.gather(x, i), tf: (tf, [x, i]) => tf.gather(x, i), grad: GRAD },
    { kind: 'op', name: 'oneHot/basic', op: 'oneHot', inputs: [data([0, 2, 1, 2], [4], 'int32')], run: (l, [i]) => l.oneHot(i, 3), tf: (tf, [i]) => tf.oneHot(i, 3) },
    { kind: 'op', name: 'oneHot/out-of-range-float', op: 'oneHot', inputs: [data([0, 5, -1, 1], [2, 2], 'int32')], run: (l, [i]) => l.oneHot(i, 3, 2, -1, 'float32'), tf: (tf, [i]) => tf.oneHot(i, 3, 2, -1, 'float32') },
    { kind: 'op', name: 'topk/k2', op: 'topk', inputs: [gen([3, 6])], run: (l, [x]) => { const r = l.topk(x, 2); return [r.values, r.indices]; }, tf: (tf, [x]) => { const r = tf.topk(x, 2); return [r.values, r.indices]; }, grad: GRAD },
    { kind: 'op', name: 'topk/ties', op: 'topk', inputs: [data([1, 3, 3, 2, 3])], run: (l, [x]) => { const r = l.topk(x, 3); return [r.values, r.indices]; }, tf: (tf, [x]) => { const r = tf.topk(x, 3); return [r.values, r.indices]; } },
    { kind: 'op', name: 'topk/int32-rank3', op: 'topk', inputs: [gen([2, 2, 5], 'int')], run: (l, [x]) => { const r = l.topk(x, 5); return [r.values, r.indices]; }, tf: (tf, [x]) => { const r = tf.topk(x, 5); return [r.values, r.indices]; } },
  ];
}

function convCases(): ConformanceCase[] {
  const c1 = (name: string, xs: number[], fs: number[], stride: number, padding: 'same' | 'valid', dilation: number): ConformanceCase => ({
    kind: 'op', name: `conv1d/${name}`, op: 'conv1d', inputs: [gen(xs), gen(fs)],
    run: (l, [x, f]) => l.conv1d(x, f, { stride, padding, dilation }),
    tf: (tf, [x, f]) => tf.conv1d(x, f, stride, padding, 'NWC', dilation),
    grad: GRAD,
  });
  const c2 = (name: string, xs: number[], fs: number[], strides: number, padding: 'same' | 'valid', dilations: number): ConformanceCase => ({
    kind: 'op', name: `conv2d/${name}`, op: 'conv2d', inputs: [gen(xs), gen(fs)],
    run: (l, [x, f]) => l.conv2d(x, f, { strides, padding, dilations }),
    tf: (tf, [x, f]) => tf.conv2d(x, f, strides, padding, 'NHWC', dilations),
    grad: GRAD,
  });
  const pool = (op: 'maxPool2d' | 'avgPool2d', name: string, xs: number[], poolSize: number, strides: number, padding: 'same' | 'valid'): ConformanceCase => ({
    kind: 'op', name: `${op}/${name}`, op, inputs: [gen(xs)],
    run: (l, [x]) => l[op](x, { poolSize, strides, padding }),
    tf: (tf, [x]) => tf[op === 'maxPool2d' ? 'maxPool' : 'avgPool'](x, poolSize, strides, padding),
    grad: GRAD,
  });
  const pool1 = (op: 'maxPool1d' | 'avgPool1d', name: string, xs: number[], poolSize: number, strides: number, padding: 'same' | 'valid'): ConformanceCase => ({
    kind: 'op', name: `${op}/${name}`, op, inputs: [gen(xs)],
    run: (l, [x]) => l[op](x, { poolSize, strides, padding }),
    tf: (tf, [x]) => {
      const x4 = tf.expandDims(x, 1);
      const y = tf[op === 'maxPool1d' ? 'maxPool' : 'avgPool'](x4, [1, poolSize], [1, strides], padding);
      return tf.squeeze(y, [1]);
    },
    grad: GRAD,
  });
  return [
    c1('valid', [2, 8, 3], [3, 3, 4], 1, 'valid', 1),
    c1('same', [2, 8, 3], [3, 3, 4], 1, 'same', 1),
    c1('stride2-same', [1, 9, 2], [4, 2, 3], 2, 'same', 1),
    c1('dilation2', [2, 10, 2], [3, 2, 2], 1, 'valid', 2),
    c1('dilation-same', [1, 7, 3], [2, 3, 2], 1, 'same', 3),
    { kind: 'op', name: 'conv1d/unbatched', op: 'conv1d', inputs: [gen([6, 2]), gen([2, 2, 3])], run: (l, [x, f]) => l.conv1d(x, f), tf: (tf, [x, f]) => tf.conv1d(x, f, 1, 'valid'), grad: GRAD },
    { kind: 'op', name: 'conv1d/explicit-pad', op: 'conv1d', inputs: [gen([1, 5, 2]), gen([3, 2, 2])], run: (l, [x, f]) => l.conv1d(x, f, { padding: [2, 1] }), tf: (tf, [x, f]) => tf.squeeze(tf.conv2d(tf.expandDims(x, 1), tf.expandDims(f, 0), 1, [[0, 0], [0, 0], [2, 1], [0, 0]]), [1]), grad: GRAD },
    c2('valid', [2, 5, 5, 2], [3, 3, 2, 3], 1, 'valid', 1),
    c2('same-stride2', [1, 6, 7, 3], [3, 2, 3, 2], 2, 'same', 1),
    c2('dilation2', [1, 7, 7, 1], [2, 2, 1, 2], 1, 'valid', 2),
    c2('1x1', [2, 3, 3, 4], [1, 1, 4, 5], 1, 'same', 1),
    { kind: 'op', name: 'conv2d/explicit-pad', op: 'conv2d', inputs: [gen([1, 4, 4, 1]), gen([3, 3, 1, 2])], run: (l, [x, f]) => l.conv2d(x, f, { padding: [[1, 0], [0, 2]] }), tf: (tf, [x, f]) => tf.conv2d(x, f, 1, [[0, 0], [1, 0], [0, 2], [0, 0]]), grad: GRAD },
    { kind: 'op', name: 'conv2d/unbatched', op: 'conv2d', inputs: [gen([4, 4, 2]), gen([2, 2, 2, 1])], run: (l, [x, f]) => l.conv2d(x, f), tf: (tf, [x, f]) => tf.conv2d(x, f, 1, 'valid'), grad: GRAD },
    pool('maxPool2d', 'valid', [2, 4, 4, 2], 2, 2, 'valid'),
    {
      // NaN propagates through max pooling (as PyTorch; TF.js skips NaN), checked by hand.
      kind: 'op', name: 'maxPool2d/nan', op: 'maxPool2d', inputs: [data([1, NaN, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1])],
      run: (l, [x]) => l.maxPool2d(x, { poolSize: 2 }), expected: [{ shape: [1, 1, 2, 1], dtype: 'float32', values: [NaN, 8] }],
    },
    {
      kind: 'op', name: 'avgPool2d/explicit-pad', op: 'avgPool2d', inputs: [data([1, 2, 3, 4], [1, 2, 2, 1])],
      run: (l, [x]) => l.avgPool2d(x, { poolSize: 2, strides: 1, padding: 1 }),
      // Padding is not counted: corners average one element, edges two, the centre four.
      expected: [{ shape: [1, 3, 3, 1], dtype: 'float32', values: [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4] }],
      grad: GRAD,
    },
    pool('maxPool2d', 'same-stride1', [1, 5, 5, 1], 3, 1, 'same'),
    pool('maxPool2d', 'overlap', [1, 6, 5, 2], 3, 2, 'valid'),
    pool('avgPool2d', 'valid', [2, 4, 4, 2], 2, 2, 'valid'),
    pool('avgPool2d', 'same-stride1', [1, 5, 5, 1], 3, 1, 'same'),
    pool('avgPool2d', 'same-stride2', [1, 5, 4, 3], 2, 2, 'same'),
    pool1('maxPool1d', 'valid', [2, 8, 3], 2, 2, 'valid'),
    pool1('maxPool1d', 'same', [1, 7, 2], 3, 2, 'same'),
    pool1('avgPool1d', 'valid', [2, 8, 3], 2, 2, 'valid'),
    pool1('avgPool1d', 'same', [1, 7, 2], 3, 1, 'same'),
  ];
}

function creationCases(): ConformanceCase[] {
  const uniformCheck = (lo: number, hi: number) => ([r]: ResultData[]) => {
    const v = Array.from(r.values);
    if (v.some((x) => x < lo || x >= hi)) throw new Error(`values outside [${lo}, ${hi})`);
    const int = r.dtype === 'int32';
    // Integers drawn from [lo, hi) average (lo + hi − 1) / 2, and each must appear.
    const expectedMean = int ? (lo + hi - 1) / 2 : (lo + hi) / 2;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    if (Math.abs(mean - expectedMean) > (hi - lo) * 0.02) throw new Error(`mean ${mean} far from ${expectedMean}`);
    if (int && new Set(v).size !== hi - lo) throw new Error(`not every integer in [${lo}, ${hi}) was drawn`);
  };
  const normalCheck = (mu: number, sigma: number, bound?: number) => ([r]: ResultData[]) => {
    const v = Array.from(r.values);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    if (Math.abs(mean - mu) > 0.1 * sigma) throw new Error(`mean ${mean} far from ${mu}`);
    const expectedSd = bound ? sigma * 0.8796 : sigma; // sd of a normal truncated at ±2σ
    if (Math.abs(sd - expectedSd) > 0.1 * sigma) throw new Error(`stddev ${sd} far from ${expectedSd}`);
    if (bound && v.some((x) => Math.abs(x - mu) > bound * sigma + 1e-6)) throw new Error('values beyond the truncation bound');
  };
  return [
    { kind: 'op', name: 'tensor/nested', op: 'tensor', inputs: [], run: (l) => l.tensor([[1, 2], [3, 4]]), tf: (tf) => tf.tensor([[1, 2], [3, 4]]) },
    { kind: 'op', name: 'tensor/typed-int32', op: 'tensor', inputs: [], run: (l) => l.tensor(new Int32Array([1, -2, 3]), [3, 1]), tf: (tf) => tf.tensor(new Int32Array([1, -2, 3]), [3, 1]) },
    { kind: 'op', name: 'tensor/bool', op: 'tensor', inputs: [], run: (l) => l.tensor([true, false, true]), tf: (tf) => tf.tensor([true, false, true]) },
    { kind: 'op', name: 'tensor/fill-shape', op: 'tensor', inputs: [], run: (l) => l.tensor(5, [2, 2], 'int32'), expected: [{ shape: [2, 2], dtype: 'int32', values: [5, 5, 5, 5] }] },
    { kind: 'op', name: 'tensor/rank6', op: 'tensor', inputs: [], run: (l) => l.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 1, 2, 1]), tf: (tf) => tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 1, 2, 1]) },
    { kind: 'op', name: 'scalar/float', op: 'scalar', inputs: [], run: (l) => l.scalar(3.5), tf: (tf) => tf.scalar(3.5) },
    { kind: 'op', name: 'zeros/int32', op: 'zeros', inputs: [], run: (l) => l.zeros([2, 3], 'int32'), tf: (tf) => tf.zeros([2, 3], 'int32') },
    { kind: 'op', name: 'ones/float', op: 'ones', inputs: [], run: (l) => l.ones([3]), tf: (tf) => tf.ones([3]) },
    { kind: 'op', name: 'full/value', op: 'full', inputs: [], run: (l) => l.full([2, 2], -1.5), tf: (tf) => tf.fill([2, 2], -1.5) },
    { kind: 'op', name: 'full/bool', op: 'full', inputs: [], run: (l) => l.full([3], true), tf: (tf) => tf.fill([3], true, 'bool') },
    { kind: 'op', name: 'zerosLike/int32', op: 'zerosLike', inputs: [gen([2, 2], 'int')], run: (l, [x]) => l.zerosLike(x), tf: (tf, [x]) => tf.zerosLike(x) },
    { kind: 'op', name: 'onesLike/float', op: 'onesLike', inputs: [gen([3, 1])], run: (l, [x]) => l.onesLike(x), tf: (tf, [x]) => tf.onesLike(x), grad: GRAD },
    { kind: 'op', name: 'arange/int', op: 'arange', inputs: [], run: (l) => l.arange(5), tf: (tf) => tf.range(0, 5, 1, 'int32') },
    { kind: 'op', name: 'arange/float-step', op: 'arange', inputs: [], run: (l) => l.arange(1, 2, 0.25), tf: (tf) => tf.range(1, 2, 0.25) },
    { kind: 'op', name: 'arange/negative-step', op: 'arange', inputs: [], run: (l) => l.arange(5, -3, -2), tf: (tf) => tf.range(5, -3, -2, 'int32') },
    { kind: 'op', name: 'arange/empty', op: 'arange', inputs: [], run: (l) => l.arange(3, 3), tf: (tf) => tf.range(3, 3, 1, 'int32') },
    { kind: 'op', name: 'linspace/basic', op: 'linspace', inputs: [], run: (l) => l.linspace(-1, 1, 5), tf: (tf) => tf.linspace(-1, 1, 5) },
    { kind: 'op', name: 'linspace/one', op: 'linspace', inputs: [], run: (l) => l.linspace(2, 9, 1), tf: (tf) => tf.linspace(2, 9, 1) },
    { kind: 'op', name: 'eye/square', op: 'eye', inputs: [], run: (l) => l.eye(3), tf: (tf) => tf.eye(3) },
    { kind: 'op', name: 'eye/rect-int', op: 'eye', inputs: [], run: (l) => l.eye(2, 4, [], 'int32'), tf: (tf) => tf.eye(2, 4, undefined, 'int32') },
    { kind: 'op', name: 'eye/batch', op: 'eye', inputs: [], run: (l) => l.eye(2, 3, [2]), tf: (tf) => tf.eye(2, 3, [2]) },
    { kind: 'op', name: 'randomUniform/seeded', op: 'randomUniform', inputs: [], run: (l) => l.randomUniform([4000], { seed: 42, minval: -2, maxval: 3 }), check: uniformCheck(-2, 3) },
    { kind: 'op', name: 'randomUniform/int32', op: 'randomUniform', inputs: [], run: (l) => l.randomUniform([4000], { seed: 7, minval: 0, maxval: 10, dtype: 'int32' }), check: uniformCheck(0, 10) },
    { kind: 'op', name: 'randomNormal/seeded', op: 'randomNormal', inputs: [], run: (l) => l.randomNormal([4000], { seed: 1, mean: 3, stddev: 2 }), check: normalCheck(3, 2) },
    { kind: 'op', name: 'truncatedNormal/seeded', op: 'truncatedNormal', inputs: [], run: (l) => l.truncatedNormal([4000], { seed: 5, mean: -1, stddev: 0.5 }), check: normalCheck(-1, 0.5, 2) },
    {
      kind: 'op', name: 'clone/float', op: 'clone', inputs: [gen([3, 2], 'normal', 9002)], run: (l, [x]) => l.clone(x),
      tf: (tf, [x]) => tf.clone(x), grad: GRAD,
    },
    { kind: 'op', name: 'clone/int32', op: 'clone', inputs: [gen([2, 3], 'int')], run: (l, [x]) => l.clone(x), tf: (tf, [x]) => tf.clone(x) },
  ];
}

export const SHAPE_CASES: ConformanceCase[] = [...linalgCases(), ...shapeCases(), ...convCases(), ...creationCases()];
