// Running one case on the active backend: build inputs, run the op, read outputs, free everything,
// and report what leaked.

import { toTypedArray } from '../dtype.js';
import * as loom from '../index.js';
import { Tensor } from '../tensor.js';
import type { ErrorCase, InputData, LoomResult, OpCase, ResultData } from './types.js';

/** Live tensors and the active backend's buffers, to detect leaks. */
export function memorySnapshot(): { tensors: number; buffers: number; backend: string } {
  const m = loom.memory();
  const backend = loom.getBackend();
  return { tensors: m.numTensors, buffers: m.backends[backend]?.buffers ?? 0, backend };
}

/** Describes the difference between two snapshots, or undefined when nothing leaked. */
export function leakBetween(before: ReturnType<typeof memorySnapshot>, after: ReturnType<typeof memorySnapshot>): string | undefined {
  if (before.tensors !== after.tensors || before.buffers !== after.buffers) {
    return `leaked ${after.tensors - before.tensors} tensors and ${after.buffers - before.buffers} ${after.backend} buffers`;
  }
  return undefined;
}

/** The tensors of a Loom result in order. */
export function resultTensors(result: LoomResult): Tensor[] {
  if (result instanceof Tensor) return [result];
  if (Array.isArray(result)) return result;
  return Object.values(result);
}

/** Creates an input tensor on the active backend. */
export function makeInput(input: InputData): Tensor {
  return loom.tensor(toTypedArray(input.values, input.dtype), input.shape, input.dtype);
}

/** Runs an op case on the active backend; returns its outputs as plain data and any leak. */
export async function evaluateCase(c: OpCase): Promise<{ results: ResultData[]; leak?: string }> {
  const before = memorySnapshot();
  const inputs = c.inputs.map(makeInput);
  let outputs: Tensor[] = [];
  try {
    outputs = resultTensors(c.run(loom, inputs));
    const results: ResultData[] = [];
    for (const t of outputs) results.push({ shape: [...t.shape], dtype: t.dtype, values: await t.data() });
    loom.dispose([inputs, outputs]);
    return { results, leak: leakBetween(before, memorySnapshot()) };
  } finally {
    loom.dispose([inputs, outputs]);
  }
}

/** Runs an error case; returns the thrown error (or undefined) and what the failing call leaked. */
export function evaluateErrorCase(c: Pick<ErrorCase, 'inputs' | 'run'>): { error?: Error; leak?: string } {
  const inputs = c.inputs(loom);
  const before = memorySnapshot();
  let error: Error | undefined;
  let result: unknown;
  try {
    result = c.run(loom, inputs);
  } catch (e) {
    error = e as Error;
  }
  const leak = leakBetween(before, memorySnapshot());
  loom.dispose([inputs, result]);
  return { error, leak };
}
