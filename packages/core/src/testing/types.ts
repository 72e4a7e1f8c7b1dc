// The shape of a conformance case: data describing inputs, how to run the op in Loom, and an
// independent oracle (TensorFlow.js, a float64 formula, or hand-checked values).

import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type * as Loom from '../ops/index.js';
import type { PublicOp } from './public-ops.js';

/** One input as plain data. */
export interface InputData {
  shape: number[];
  dtype: DType;
  values: number[];
}

/** A result as plain data. */
export interface ResultData {
  shape: number[];
  dtype: DType;
  values: ArrayLike<number>;
}

/** What a Loom op may return: a tensor, a list, or named tensors (topk). */
export type LoomResult = Tensor | Tensor[] | { [name: string]: Tensor };

/** A loosely typed TensorFlow.js namespace (the oracle is a dev dependency, not a type dependency). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfLike = any;

/**
 * Marks a case for the gradient suite (`defineGradientSuite` in @loom/nn/testing): its float32 inputs
 * are smooth points of the op (no kink, tie or jump within 1e-3), so finite differences are meaningful.
 */
export interface GradSpec {
  /** Inputs to differentiate with respect to (default: every float32 input). */
  readonly inputs?: readonly number[];
  /** Outputs whose weighted sum is differentiated (default: every float32 output). */
  readonly outputs?: readonly number[];
}

/** A case that computes something and compares it. */
export interface OpCase {
  kind: 'op';
  /** Unique, `op/variant`. */
  name: string;
  /** Public op name: the key into the tolerance tables and the coverage list. */
  op: PublicOp;
  inputs: InputData[];
  /** Runs the op with Loom on the current backend. */
  run: (loom: typeof Loom, inputs: Tensor[]) => LoomResult;
  /** Oracle 1: the same computation in TensorFlow.js (tf, inputs as tf tensors). */
  tf?: (tf: TfLike, inputs: TfLike[]) => TfLike;
  /** Oracle 2: hand-checked (or independently computed) outputs. */
  expected?: ResultData[];
  /** Oracle 3: a check of properties of the outputs (random ops), throwing on failure. */
  check?: (outputs: ResultData[]) => void;
  /** Also a gradient case (see GradSpec). */
  grad?: GradSpec;
}

/** A case that must throw a clear error and leak nothing. */
export interface ErrorCase {
  kind: 'error';
  name: string;
  op: PublicOp;
  /** Builds the inputs (freed by the suite afterwards). */
  inputs: (loom: typeof Loom) => Tensor[];
  /** The failing call; runs with no scope around it, so anything the op leaks is seen. */
  run: (loom: typeof Loom, inputs: Tensor[]) => unknown;
  /** What the message must say. */
  error: RegExp;
}

export type ConformanceCase = OpCase | ErrorCase;
