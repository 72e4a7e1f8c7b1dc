// The Tensor class: an immutable n-D array on some backend. Methods chain to the op functions.

import type { Backend, DataId } from './backend/backend.js';
import type { DType, DTypeArrayMap, TypedArray } from './dtype.js';
import { disposeTensor } from './engine/index.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import * as ops from './ops/index.js';
import type { TensorLike } from './ops/convert.js';

/** One backend buffer, shared by tensors that view it (reshape, clone) and freed with the last. */
export interface DataHandle {
  backend: Backend;
  dataId: DataId;
  readonly size: number;
  readonly dtype: DType;
  refs: number;
  readonly bytes: number;
}

/** Nested arrays as `array()` returns them. */
export type NestedArray<T> = T | NestedArray<T>[];

/** Node's `util.inspect.custom` (a registered symbol, so no node:util import in browsers). */
const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * `[Symbol.dispose](): void` where the consumer's TypeScript lib declares `Symbol.dispose`
 * (ESNext.Disposable, or @types/node), else nothing: the published .d.ts must compile under a
 * default `lib` while `using t = ...` still type-checks for consumers that have it.
 */
type DisposableMember = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? { [K in S]: () => void } : {};

/** An immutable n-dimensional array. Create with `tensor()`, `zeros()`, ...; free with `dispose()`. */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  readonly rank: number;
  /** Unique per tensor object. */
  readonly id: number;
  /** @internal */
  readonly handle: DataHandle;
  /** @internal the tidy scope that owns this tensor. */
  scope: { tensors: Set<Tensor> } | undefined;
  private disposed = false;

  /** @internal use tensor(), zeros(), ... */
  constructor(handle: DataHandle, shape: Shape, dtype: DType, id: number) {
    this.handle = handle;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.rank = shape.length;
    this.id = id;
  }

  /** True once disposed (or once its backend was removed). */
  get isDisposed(): boolean {
    return this.disposed || this.handle.refs <= 0;
  }

  /** The name of the backend holding this tensor's data. */
  get backend(): string {
    return this.handle.backend.name;
  }

  /** @internal throws a clear error when the tensor can no longer be used. */
  assertAlive(op: string): void {
    if (this.isDisposed) {
      throw new Error(`${op}: tensor ${fmt(this.shape)} ${this.dtype} (id ${this.id}) is disposed; it cannot be used after dispose()`);
    }
  }

  /** Frees the tensor's memory (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeTensor(this);
  }


  /** The values as a typed array (Float32Array, Int32Array, or Uint8Array for bool). */
  async data<D extends DType = DType>(): Promise<DTypeArrayMap[D]> {
    this.assertAlive('data');
    const values = await this.handle.backend.read(this.handle.dataId);
    return values as DTypeArrayMap[D];
  }

  /** Synchronous `data()`; only where the backend's memory is host-visible (js, wasm). */
  dataSync<D extends DType = DType>(): DTypeArrayMap[D] {
    this.assertAlive('dataSync');
    const backend = this.handle.backend;
    if (!backend.readSync) {
      throw new Error(
        `dataSync: the '${backend.name}' backend's memory is not host-visible, so it cannot be read synchronously; use await t.data()`,
      );
    }
    return backend.readSync(this.handle.dataId) as DTypeArrayMap[D];
  }

  /** The values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray<number | boolean>> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** Synchronous `array()` (host-visible backends only). */
  arraySync(): NestedArray<number | boolean> {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /**
   * A readable description, as TF.js's verbose print lays it out:
   *
   * ```text
   * Tensor
   *   dtype: float32
   *   rank: 2
   *   shape: [2,2]
   *   values:
   *     [[1, 2],
   *      [3, 4]]
   * ```
   *
   * float32 values are shown to 7 significant digits (NaN, ±Infinity and -0 as such), bools as
   * true/false, right-aligned to one width. A dimension longer than 20, or longer than 6 in a
   * tensor of more than 1000 values, shows its first 3 and last 3 entries around `...`. Values are
   * read synchronously, so only host-visible backends (js, wasm) show them; on others (webgpu) the
   * values line says where they are and that `await t.data()` reads them. Never throws.
   */
  toString(): string {
    const head = `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: ${fmt(this.shape)}\n  values:`;
    if (this.isDisposed) return `${head} (disposed)`;
    if (!this.handle.backend.readSync) return `${head} (on the ${this.backend} backend, not host-visible; await t.data() reads them)`;
    return `${head}\n${formatValues(this.dataSync(), this.shape, this.dtype, VALUES_INDENT)}`;
  }

  /** Logs `toString()` with console.log (TF.js's `t.print()`); synchronous on every backend. */
  print(): void {
    console.log(this.toString());
  }

  /** What Node's console.log and util.inspect show: `toString()`. */
  [inspectSymbol](): string {
    return this.toString();
  }

  // --- chaining: each method calls the op of the same name --------------------------------
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  floorDiv(b: TensorLike): Tensor { return ops.floorDiv(this, b); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tan(): Tensor { return ops.tan(this); }
  atan(): Tensor { return ops.atan(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  relu6(): Tensor { return ops.relu6(this); }
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  elu(): Tensor { return ops.elu(this); }
  selu(): Tensor { return ops.selu(this); }
  gelu(): Tensor { return ops.gelu(this); }
  softplus(): Tensor { return ops.softplus(this); }
  silu(): Tensor { return ops.silu(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  isNaN(): Tensor { return ops.isNaN(this); }
  isFinite(): Tensor { return ops.isFinite(this); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  sum(axis?: number | number[], keepDims?: boolean): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: number | number[], keepDims?: boolean): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: number | number[], keepDims?: boolean): Tensor { return ops.max(this, axis, keepDims); }
  min(axis?: number | number[], keepDims?: boolean): Tensor { return ops.min(this, axis, keepDims); }
  prod(axis?: number | number[], keepDims?: boolean): Tensor { return ops.prod(this, axis, keepDims); }
  argMax(axis?: number): Tensor { return ops.argMax(this, axis); }
  argMin(axis?: number): Tensor { return ops.argMin(this, axis); }
  logSumExp(axis?: number | number[], keepDims?: boolean): Tensor { return ops.logSumExp(this, axis, keepDims); }
  variance(axis?: number | number[], keepDims?: boolean): Tensor { return ops.variance(this, axis, keepDims); }
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }
  matmul(b: TensorLike, options?: ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  dot(b: TensorLike): Tensor { return ops.dot(this, b); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(): Tensor { return ops.flatten(this); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  expandDims(axis?: number): Tensor { return ops.expandDims(this, axis); }
  squeeze(axis?: number | number[]): Tensor { return ops.squeeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor { return ops.slice(this, begin, size); }
  pad(paddings: readonly (readonly [number, number])[], value?: number): Tensor { return ops.pad(this, paddings, value); }
  reverse(axis?: number | number[]): Tensor { return ops.reverse(this, axis); }
  gather(indices: TensorLike, axis?: number, batchDims?: number): Tensor { return ops.gather(this, indices, axis, batchDims); }
  cumsum(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor { return ops.cumsum(this, axis, exclusive, reverse); }
  split(numOrSizes: number | number[], axis?: number): Tensor[] { return ops.split(this, numOrSizes, axis); }
  unstack(axis?: number): Tensor[] { return ops.unstack(this, axis); }
  clone(): Tensor { return ops.clone(this); }
}

// `using t = ...` disposes at the end of the block. Defined outside the class body so the .d.ts
// gets its type from DisposableMember; where the runtime lacks Symbol.dispose, the registered
// symbol that esbuild's and core-js's `using` support fall back to.
export interface Tensor extends DisposableMember {}
Object.defineProperty(Tensor.prototype, (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose'), {
  value: function dispose(this: Tensor): void {
    this.dispose();
  },
  writable: true,
  configurable: true,
});

const VALUES_INDENT = 4;
/** A dimension longer than this is summarized as its first and last EDGE entries... */
const MAX_SHOWN = 20;
/** ...and, in a tensor of more than SUMMARIZE_SIZE values, one longer than 2 * EDGE. */
const SUMMARIZE_SIZE = 1000;
const EDGE = 3;

function formatValue(v: number, dtype: DType): string {
  if (dtype === 'bool') return v !== 0 ? 'true' : 'false';
  if (Object.is(v, -0)) return '-0';
  if (dtype === 'int32' || !Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(7)));
}

/** The nested-bracket layout of `Tensor.toString()`, every line indented by `indent` spaces. */
function formatValues(values: TypedArray, shape: Shape, dtype: DType, indent: number): string {
  const pad = ' '.repeat(indent);
  if (shape.length === 0) return pad + formatValue(values[0], dtype);
  const size = sizeOf(shape);
  const summarize = shape.map((n) => n > MAX_SHOWN || (size > SUMMARIZE_SIZE && n > 2 * EDGE));
  // The indices each dimension shows; -1 marks the `...` gap.
  const shown = shape.map((n, d) =>
    summarize[d] ? [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
      : Array.from({ length: n }, (_, i) => i));
  const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  // One width for every shown value, so columns line up.
  let width = 0;
  const visit = (d: number, offset: number): void => {
    for (const i of shown[d]) {
      if (i < 0) continue;
      if (d === shape.length - 1) width = Math.max(width, formatValue(values[offset + i], dtype).length);
      else visit(d + 1, offset + i * strides[d]);
    }
  };
  visit(0, 0);
  // `col` is the column of this block's '['; inner blocks start one column to the right.
  const block = (d: number, offset: number, col: number): string => {
    if (d === shape.length - 1) {
      return `[${shown[d].map((i) => (i < 0 ? '...' : formatValue(values[offset + i], dtype).padStart(width))).join(', ')}]`;
    }
    const inner = ' '.repeat(col + 1);
    // Blocks of rank 2 or more are separated by a blank line, rows by a line break.
    const sep = d < shape.length - 2 ? ',\n\n' + inner : ',\n' + inner;
    return `[${shown[d].map((i) => (i < 0 ? '...' : block(d + 1, offset + i * strides[d], col + 1))).join(sep)}]`;
  };
  return pad + block(0, 0, indent);
}

function toNested(values: TypedArray, shape: Shape, dtype: DType): NestedArray<number | boolean> {
  const asValue = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return asValue(values[0]);
  const build = (dim: number, offset: number, stride: number): NestedArray<number | boolean>[] => {
    const n = shape[dim];
    const inner = stride / (n || 1);
    const out: NestedArray<number | boolean>[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? asValue(values[offset + i]) : build(dim + 1, offset + i * inner, inner);
    }
    return out;
  };
  return build(0, 0, sizeOf(shape));
}
