// Turning user input (tensors, numbers, nested arrays, typed arrays) into tensors, and the small
// validation helpers every op shares.

import { dtypeOfTypedArray, isDType, makeTypedArray, toTypedArray, type DType, type TypedArray } from '../dtype.js';
import { assertAllocatable, makeTensor, tidy } from '../engine/index.js';
import { assertValidShape, fmt, sizeOf, type Shape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';

/** Anything an op accepts where a tensor is expected. */
export type TensorLike = Tensor | number | boolean | TypedArray | Float64Array | NestedArray<number | boolean>;

/**
 * Runs an op's body in its own scope: temporaries (converted numbers, intermediates of composite
 * ops) are disposed whether the body returns or throws; the returned tensors survive.
 */
export function scoped<T extends Tensor | Tensor[] | Record<string, Tensor>>(fn: () => T): T {
  return tidy(fn);
}

/** Infers the shape of nested arrays, throwing on ragged input. */
export function inferShape(op: string, values: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = values;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const len = (cur as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0) break;
    cur = (cur as ArrayLike<unknown>)[0];
  }
  checkRagged(op, values, shape, 0);
  return shape;
}

function checkRagged(op: string, values: unknown, shape: number[], dim: number): void {
  if (dim === shape.length) {
    if (Array.isArray(values) || ArrayBuffer.isView(values)) {
      throw new Error(`${op}: values are ragged (nested deeper than shape ${fmt(shape)}); every row must have the same length`);
    }
    if (typeof values !== 'number' && typeof values !== 'boolean') {
      throw new Error(`${op}: values must be numbers or booleans, got ${typeof values} (${String(values)})`);
    }
    return;
  }
  const arr = values as ArrayLike<unknown>;
  if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[dim]) {
    throw new Error(`${op}: values are ragged at depth ${dim}: expected ${shape[dim]} entries as in shape ${fmt(shape)}`);
  }
  if (ArrayBuffer.isView(arr)) return;
  for (let i = 0; i < arr.length; i++) checkRagged(op, arr[i], shape, dim + 1);
}

function flatten(values: unknown, out: (number | boolean)[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else if (ArrayBuffer.isView(values)) out.push(...Array.from(values as unknown as ArrayLike<number>));
  else out.push(values as number | boolean);
}

function firstLeaf(values: unknown): unknown {
  let cur = values;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return undefined;
    cur = cur[0];
  }
  return cur;
}

/** Creates a tensor from values (nested arrays, a typed array, a number or boolean). */
export function makeFromValues(op: string, values: unknown, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new Error(`${op}: unknown dtype '${String(dtype)}'; valid dtypes are float32, int32, bool`);
  }
  if (shape !== undefined) assertValidShape(op, shape);
  if (values instanceof Tensor) throw new Error(`${op}: got a Tensor where values were expected; use clone(t) to copy a tensor`);
  let flat: ArrayLike<number | boolean>;
  let inferred: number[];
  let inferredDtype: DType;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
    inferredDtype = dtypeOfTypedArray(values) ?? 'float32';
  } else if (typeof values === 'number' || typeof values === 'boolean') {
    flat = [values];
    inferred = [];
    inferredDtype = typeof values === 'boolean' ? 'bool' : 'float32';
  } else if (Array.isArray(values)) {
    inferred = inferShape(op, values);
    const list: (number | boolean)[] = [];
    flatten(values, list);
    flat = list;
    inferredDtype = typeof firstLeaf(values) === 'boolean' ? 'bool' : 'float32';
    const other = inferredDtype === 'bool' ? 'number' : 'boolean';
    const mixed = list.findIndex((v) => typeof v === other);
    if (mixed >= 0 && dtype === undefined) {
      throw new Error(`${op}: values mix booleans and numbers (value ${mixed} is ${JSON.stringify(list[mixed])}); ` +
        `use one kind, or pass a dtype to convert`);
    }
  } else {
    throw new Error(`${op}: values must be a number, boolean, (nested) array or typed array, got ` +
      `${values === null ? 'null' : typeof values}`);
  }
  const finalDtype = dtype ?? inferredDtype;
  let finalShape: Shape = inferred;
  if (shape !== undefined) {
    const size = sizeOf(shape);
    if (inferred.length > 1 && !(inferred.length === shape.length && inferred.every((d, i) => d === shape[i]))) {
      throw new Error(`${op}: nested values have shape ${fmt(inferred)}, which does not match the given shape ${fmt(shape)}; pass flat ` +
        `values to reshape`);
    }
    assertAllocatable(op, shape, finalDtype);
    if (flat.length === 1 && size > 1) {
      // A single value with a shape fills it, as in TensorFlow.js (converted once, filled as a typed array).
      const v = toTypedArray([flat[0]], finalDtype)[0];
      return makeTensor(makeTypedArray(finalDtype, size).fill(v), shape, finalDtype);
    } else if (flat.length !== size) {
      throw new Error(`${op}: ${flat.length} values do not fill shape ${fmt(shape)} (size ${size})`);
    }
    finalShape = shape;
  }
  const typed = toTypedArray(flat, finalDtype);
  return makeTensor(typed, finalShape, finalDtype);
}

/** The dtype a bare number/boolean takes next to tensors of `peer` dtype. */
function dtypeForLiteral(value: number | boolean, peer: DType | undefined): DType {
  if (typeof value === 'boolean') return peer === undefined || peer === 'bool' ? 'bool' : peer;
  if (peer === 'float32') return 'float32';
  if (peer === 'int32' && Number.isInteger(value)) return 'int32';
  return 'float32';
}

/**
 * Converts an op argument to a tensor. Numbers next to a tensor take its dtype when they fit
 * (`x.add(1)` on int32 stays int32). Created tensors belong to the op's scope.
 */
export function convert(op: string, arg: string, x: TensorLike, peer?: DType): Tensor {
  if (x instanceof Tensor) {
    x.assertAlive(op);
    return x;
  }
  if (x === undefined || x === null) throw new Error(`${op}: argument '${arg}' is ${String(x)}; expected a tensor or values`);
  if (typeof x === 'number' || typeof x === 'boolean') return makeFromValues(op, x, undefined, dtypeForLiteral(x, peer));
  try {
    return makeFromValues(op, x, undefined, Array.isArray(x) && peer === 'int32' && isIntegerList(x) ? 'int32' : undefined);
  } catch (e) {
    throw new Error(`${op}: argument '${arg}': ${(e as Error).message.replace(/^[^:]*: /, '')}`);
  }
}

function isIntegerList(x: unknown): boolean {
  if (Array.isArray(x)) return x.every(isIntegerList);
  return typeof x === 'number' && Number.isInteger(x);
}

/** Converts the argument to an int32 tensor (indices); float input is an error, not a silent cast. */
export function convertIndices(op: string, arg: string, x: TensorLike): Tensor {
  const t = x instanceof Tensor ? convert(op, arg, x) : convert(op, arg, x, 'int32');
  if (t.dtype !== 'int32') {
    if (!(x instanceof Tensor) && isIntegerList(x)) return makeFromValues(op, x, undefined, 'int32');
    throw new Error(`${op}: '${arg}' must be int32 indices, got ${t.dtype} ${fmt(t.shape)}; cast(indices, 'int32') first`);
  }
  return t;
}

/** Throws unless `dtype` is one of `allowed`. */
export function assertDType(op: string, what: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) {
    throw new Error(`${op}: ${what} has dtype ${dtype}; valid: ${allowed.join(', ')}`);
  }
}

/** Throws unless `value` can be stored in `dtype` exactly (int32: an integer in range). */
export function assertFitsDType(op: string, name: string, value: number | boolean, dtype: DType): void {
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`${op}: ${name} must be a number or boolean, got ${JSON.stringify(value)}`);
  }
  if (dtype === 'int32' && typeof value === 'number' && (!Number.isInteger(value) || value < -2147483648 || value > 2147483647)) {
    throw new Error(`${op}: ${name} ${value} cannot be stored as int32; use an integer in [-2147483648, 2147483647] or dtype float32`);
  }
}

/** Throws unless `value` is an integer (optionally at least `min`). */
export function assertInt(op: string, name: string, value: unknown, min = -Infinity): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const range = min === -Infinity ? 'an integer' : `an integer >= ${min}`;
    throw new Error(`${op}: ${name} must be ${range}, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is a number (NaN and ±Infinity pass: ops that reject them check separately). */
export function assertNumber(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new Error(`${op}: ${name} must be a number, got ${JSON.stringify(value)}`);
}

/** Throws unless `value` is a boolean (callers apply defaults before checking). */
export function assertBool(op: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new Error(`${op}: ${name} must be true or false, got ${JSON.stringify(value)}`);
}

/** Describes a tensor for messages: `[2,3] float32`. */
export function describe(t: Tensor): string {
  return `${fmt(t.shape)} ${t.dtype}`;
}
