// A tensor's storage as the WebGPU backend tracks it: its buffer, what wrote it, and the command
// batches its contents depend on (see batches.ts), so a tensor a failed batch wrote, or one
// computed from such a tensor, fails its reads with that batch's error.

import type { DType } from '@loom/core/backend';
import { knownFailure, mergeTaints, settle, type Taint } from './batches.js';

/** A tensor's storage on the GPU. */
export interface GpuData {
  buffer: GPUBuffer | null;
  size: number;
  dtype: DType;
  /** Bytes of the pooled buffer holding it. */
  bytes: number;
  /** The device generation it was created on (a lost device invalidates its buffers). */
  generation: number;
  /** Host copy of small int32 data written from the host, for synchronous gather index checks. */
  host?: Int32Array;
  /** What wrote it last: an op name or 'write' (for error messages). */
  writer: string;
  /** Batches its contents depend on (its own and its inputs') that may have failed. */
  taint: Taint;
  /** Why it holds no valid data: a batch it depends on failed. Reads throw it. */
  poison?: string;
  /**
   * Set instead of a buffer when it is above the device's limits. The op (run) or host write
   * that fills it throws this, naming itself; alloc cannot, as it does not know the op.
   */
  tooLarge?: string;
}

/** Why `size` elements do not fit this device's buffer limits, or undefined when they do. */
export function limitError(size: number, dtype: DType, limits: GPUSupportedLimits): string | undefined {
  const bytes = size * 4;
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
    if (bytes > limits[name]) {
      return `a ${dtype} tensor of ${size} elements needs ${bytes} bytes, above this device's ${name} ` +
        `(${limits[name]} bytes); split the work into smaller tensors`;
    }
  }
  return undefined;
}

/**
 * Before `op` writes `outs`: they depend on the batches their inputs depend on. Returns false when
 * an input is already known to hold no valid data; the outputs are then invalid too (same cause).
 */
export function beginWrite(op: string, ins: readonly GpuData[], outs: readonly GpuData[]): boolean {
  let cause: string | undefined;
  for (const d of ins) cause ??= d.poison ?? knownFailure(d.taint)?.error;
  const taints = ins.map((d) => d.taint);
  for (const d of outs) {
    d.writer = op;
    d.taint = mergeTaints(taints); // one each: dispatches add their batch to it
    d.poison = cause;
  }
  return cause === undefined;
}

/** Why `d` holds no valid data, once every batch it depends on has answered (they must be submitted). */
export async function invalidity(d: GpuData): Promise<string | undefined> {
  const taint = d.taint;
  const failed = d.poison ?? (await settle(taint))?.error;
  if (failed !== undefined) d.poison = failed;
  else if (d.taint === taint) d.taint = { batches: [] }; // all of it ran
  return failed;
}

/** The host array for `d`'s bytes (bool words narrowed to bytes); empty for no bytes. */
export function hostArray(d: GpuData, bytes: ArrayBuffer | null): Float32Array | Int32Array | Uint8Array {
  if (d.dtype === 'float32') return bytes ? new Float32Array(bytes) : new Float32Array(0);
  if (d.dtype === 'int32') return bytes ? new Int32Array(bytes) : new Int32Array(0);
  return bytes ? Uint8Array.from(new Uint32Array(bytes)) : new Uint8Array(0);
}
