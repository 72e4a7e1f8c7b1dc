// All conformance cases, and the list of public ops they must cover.

import { ELEMENTWISE_CASES } from './cases-elementwise.js';
import { ERROR_CASES } from './cases-errors.js';
import { REDUCE_CASES } from './cases-reduce.js';
import { SHAPE_CASES } from './cases-shape.js';
import type { ConformanceCase } from './types.js';

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [...ELEMENTWISE_CASES, ...REDUCE_CASES, ...SHAPE_CASES, ...ERROR_CASES];

/** Every public op the suite must cover with at least one computing case. */
export const PUBLIC_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'floorDiv',
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tan',
  'atan', 'tanh', 'sigmoid', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'gelu', 'softplus', 'silu', 'floor', 'ceil',
  'round', 'clip',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalNot', 'where',
  'isNaN', 'isFinite', 'cast',
  'sum', 'mean', 'max', 'min', 'prod', 'argMax', 'argMin', 'logSumExp', 'variance', 'softmax', 'logSoftmax',
  'matmul', 'fusedMatmul', 'dot', 'outer',
  'reshape', 'flatten', 'transpose', 'expandDims', 'squeeze', 'broadcastTo', 'tile', 'slice', 'stridedSlice', 'concat',
  'stack', 'unstack', 'split', 'pad', 'reverse', 'gather', 'oneHot', 'cumsum', 'topk',
  'conv1d', 'conv2d', 'maxPool1d', 'avgPool1d', 'maxPool2d', 'avgPool2d',
  'tensor', 'scalar', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'arange', 'linspace', 'eye',
  'randomUniform', 'randomNormal', 'truncatedNormal', 'clone',
] as const;
