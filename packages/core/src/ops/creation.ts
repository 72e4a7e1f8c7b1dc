// Tensor creation: from values, constants, ranges, identity and seeded random draws.

import { isDType, makeTypedArray, type DType } from '../dtype.js';
import { assertAllocatable, makeTensor, runOp, runView } from '../engine/index.js';
import { randomSeed, SeededRandom } from '../random.js';
import { assertValidShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertFitsDType, assertInt, assertNumber, makeFromValues, type TensorLike } from './convert.js';

/**
 * A tensor from values: nested arrays, a typed array, or a single number/boolean.
 * `shape` reshapes flat values (or fills it with a single value); `dtype` converts.
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  return makeFromValues('tensor', values, shape, dtype);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`scalar: value must be a number or boolean, got ${JSON.stringify(value)}`);
  }
  return makeFromValues('scalar', value, [], dtype);
}

function checkDType(op: string, dtype: unknown): asserts dtype is DType {
  if (!isDType(dtype)) throw new Error(`${op}: unknown dtype '${String(dtype)}'; valid dtypes are float32, int32, bool`);
}

function fill(op: string, shape: readonly number[], value: number | boolean, dtype: DType | undefined): Tensor {
  assertValidShape(op, shape);
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  checkDType(op, dt);
  assertFitsDType(op, 'value', value, dt);
  assertAllocatable(op, shape, dt);
  const v = dt === 'bool' ? (value ? 1 : 0) : Number(value);
  return runOp('fill', [], { value: v }, [{ shape: [...shape], dtype: dt }])[0];
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  return fill('full', shape, value, dtype);
}

/** Zeros of `shape`. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill('zeros', shape, 0, dtype);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `x`. */
export function zerosLike(x: Tensor): Tensor {
  assertTensor('zerosLike', x);
  return fill('zerosLike', x.shape, 0, x.dtype);
}

/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor): Tensor {
  assertTensor('onesLike', x);
  return fill('onesLike', x.shape, 1, x.dtype);
}

function assertTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertAlive(op);
}

/**
 * Values from `start` up to (not including) `stop` by `step`, like TensorFlow.js `range`.
 * `arange(5)` is [0..4]. dtype defaults to int32 when all arguments are integers, else float32.
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  assertNumber('arange', 'start', start);
  assertNumber('arange', 'stop', stop);
  assertNumber('arange', 'step', step);
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a finite nonzero number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new Error(`arange: start and stop must be finite, got ${start}, ${stop}`);
  const dt = dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  checkDType('arange', dt);
  if (dt === 'bool') throw new Error('arange: dtype must be int32 or float32, got bool');
  if (dt === 'int32' && !(Number.isInteger(start) && Number.isInteger(step))) {
    throw new Error(`arange: int32 needs an integer start and step, got ${start} and ${step}`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  assertAllocatable('arange', [n], dt);
  const values = makeTypedArray(dt, n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return makeTensor(values, [n], dt);
}

/** `num` evenly spaced float32 values from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, num: number): Tensor {
  assertNumber('linspace', 'start', start);
  assertNumber('linspace', 'stop', stop);
  assertInt('linspace', 'num', num, 0);
  assertAllocatable('linspace', [num], 'float32');
  const values = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) values[i] = start + i * step;
  if (num > 1) values[num - 1] = stop;
  return makeTensor(values, [num], 'float32');
}

/**
 * The identity matrix [n, m] (m defaults to n), repeated over `batchShape` — TensorFlow.js's
 * argument order `eye(numRows, numColumns?, batchShape?, dtype?)`.
 */
export function eye(n: number, m: number = n, batchShape: readonly number[] = [], dtype: DType = 'float32'): Tensor {
  assertInt('eye', 'numRows', n, 0);
  assertInt('eye', 'numColumns', m, 0);
  assertValidShape('eye', batchShape);
  checkDType('eye', dtype);
  const batch = batchShape.reduce((a, b) => a * b, 1);
  assertAllocatable('eye', [...batchShape, n, m], dtype);
  const values = makeTypedArray(dtype, batch * n * m);
  for (let b = 0; b < batch; b++) for (let i = 0; i < Math.min(n, m); i++) values[b * n * m + i * m + i] = 1;
  return makeTensor(values, [...batchShape, n, m], dtype);
}

/** Options of the random creators. `seed` makes the draw reproducible on every backend. */
export interface RandomOptions {
  seed?: number;
  dtype?: DType;
}

function draw(op: string, shape: Shape, options: RandomOptions, sample: (rng: SeededRandom) => number): Tensor {
  assertValidShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${op}: dtype must be float32 or int32, got ${dtype}`);
  if (options.seed !== undefined && (typeof options.seed !== 'number' || !Number.isFinite(options.seed))) {
    throw new Error(`${op}: seed must be a finite number, got ${JSON.stringify(options.seed)}`);
  }
  const rng = new SeededRandom(options.seed ?? randomSeed());
  assertAllocatable(op, shape, dtype);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = makeTypedArray(dtype, size);
  for (let i = 0; i < size; i++) values[i] = sample(rng);
  return makeTensor(values, shape, dtype);
}

/** Uniform values in [minval, maxval). For int32, integers in [minval, maxval). */
export function randomUniform(shape: readonly number[], options: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor {
  const { minval = 0, maxval = 1 } = options;
  if (!(maxval > minval)) throw new Error(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  const int = options.dtype === 'int32';
  if (int) {
    assertFitsDType('randomUniform', 'minval', minval, 'int32');
    assertFitsDType('randomUniform', 'maxval', maxval, 'int32');
  }
  return draw('randomUniform', shape, options, (r) => {
    const v = minval + r.uniform() * (maxval - minval);
    return int ? Math.floor(v) : v;
  });
}

/** Normal values with `mean` and `stddev`. */
export function randomNormal(shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = options;
  if (!(stddev >= 0)) throw new Error(`randomNormal: stddev must be >= 0, got ${stddev}`);
  return draw('randomNormal', shape, options, (r) => mean + stddev * r.normal());
}

/** Normal values, redrawn when more than two standard deviations from the mean. */
export function truncatedNormal(shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = options;
  if (!(stddev >= 0)) throw new Error(`truncatedNormal: stddev must be >= 0, got ${stddev}`);
  return draw('truncatedNormal', shape, options, (r) => {
    let z = r.normal();
    while (Math.abs(z) > 2) z = r.normal();
    return mean + stddev * z;
  });
}

/** A copy of `x` sharing its (immutable) buffer: disposing one leaves the other alive. */
export function clone(x: Tensor): Tensor {
  assertTensor('clone', x);
  return runView(x, x.shape);
}

