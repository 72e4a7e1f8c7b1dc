// Types shared by the reference kernels.

import type { KernelOpName, OpAttrs } from '../backend/op-attrs.js';
import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/** A tensor as a reference kernel sees it: its host array plus shape and dtype. */
export interface RefTensor {
  values: TypedArray;
  shape: Shape;
  dtype: DType;
  size: number;
}

/** A reference kernel: reads `inputs`, writes `outputs` (already sized). */
export type RefKernel<K extends KernelOpName> = (inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: OpAttrs[K]) => void;
