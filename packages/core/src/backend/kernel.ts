// The kernel vocabulary every backend is built from: one typed entry per primitive op, each
// declaring the dtypes it accepts, so `supports()` and dispatch are derived the same way everywhere.

import type { DType } from '../dtype.js';
import type { TensorInfo } from './backend.js';
import type { KernelOpName, OpAttrs } from './op-attrs.js';

/**
 * One backend's kernel for op `K`. `Ctx` is what the backend hands its kernels (buffers, device,
 * scratch memory); `T` is how a kernel sees a tensor (`TensorInfo` unless the backend maps it).
 */
export interface Kernel<K extends KernelOpName, Ctx, T = TensorInfo> {
  /**
   * The dtypes of the first input (the output's, for ops without inputs) this kernel runs on.
   * An empty list declines the op: core then composes it from other primitives where it can.
   */
  readonly dtypes: readonly DType[];
  readonly run: (ctx: Ctx, inputs: readonly T[], outputs: readonly T[], attrs: OpAttrs[K]) => void;
}

/** A complete kernel table: the compiler names every op a backend forgot. */
export type KernelTable<Ctx, T = TensorInfo> = { readonly [K in KernelOpName]: Kernel<K, Ctx, T> };

/** Every dtype. */
export const ANY_DTYPE: readonly DType[] = ['float32', 'int32', 'bool'];
/** float32 and int32. */
export const NUMERIC: readonly DType[] = ['float32', 'int32'];
/** float32 only. */
export const FLOAT32: readonly DType[] = ['float32'];
/** bool only. */
export const BOOL: readonly DType[] = ['bool'];
/** No dtype: the backend declines the op. */
export const DECLINED: readonly DType[] = [];

/** Builds a kernel entry. */
export function kernel<K extends KernelOpName, Ctx, T = TensorInfo>(
  dtypes: readonly DType[],
  run: (ctx: Ctx, inputs: readonly T[], outputs: readonly T[], attrs: OpAttrs[K]) => void,
): Kernel<K, Ctx, T> {
  return { dtypes, run };
}

/** One entry per op of a family (`UNARY_MATH_OPS`, ...), built by `make(op)`. */
export function kernelFamily<L extends readonly KernelOpName[], Ctx, T = TensorInfo>(
  ops: L,
  make: (op: L[number]) => Kernel<L[number], Ctx, T>,
): { [K in L[number]]: Kernel<K, Ctx, T> } {
  return Object.fromEntries(ops.map((op) => [op, make(op)])) as unknown as { [K in L[number]]: Kernel<K, Ctx, T> };
}

/** `supports(op, dtype)` as every backend answers it: the table entry accepts that dtype. */
export function tableSupports<Ctx, T>(table: KernelTable<Ctx, T>, op: KernelOpName, dtype: DType): boolean {
  const entry = (table as Partial<Record<string, Kernel<KernelOpName, Ctx, T>>>)[op];
  return entry !== undefined && entry.dtypes.includes(dtype);
}

/** Looks up and runs `op`'s kernel; throws naming the op and backend when the table has none. */
export function runKernel<K extends KernelOpName, Ctx, T>(
  backend: string, table: KernelTable<Ctx, T>, op: K, ctx: Ctx, inputs: readonly T[], outputs: readonly T[], attrs: OpAttrs[K],
): void {
  const entry = (table as Partial<Record<KernelOpName, Kernel<K, Ctx, T>>>)[op];
  if (!entry || entry.dtypes.length === 0) throw new Error(`${op}: no kernel in the ${backend} backend`);
  entry.run(ctx, inputs, outputs, attrs);
}
