// The backend contract: what js, wasm and webgpu each provide. Core validates inputs, infers output
// shapes and dtypes, allocates outputs, and only then calls `run`.

import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { KernelOpName, OpAttrs } from './op-attrs.js';

/** A backend's handle to one buffer. Opaque to core. */
export type DataId = object;

/** What a kernel sees of a tensor: its buffer, shape, dtype and size. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
}

/** Per-backend memory accounting reported by `memory()`. */
export interface BackendMemory {
  /** Live buffers the backend holds for tensors (pool free lists not counted). */
  buffers: number;
  /** Bytes of those buffers as the backend stores them. */
  bytes: number;
  /** Extra backend-specific figures (pooled bytes, heap size, ...). */
  [extra: string]: number;
}

/** What a backend found about the device it runs on, shown by `info()`. */
export interface BackendDeviceInfo {
  /** 'cpu' or 'gpu'. */
  kind: 'cpu' | 'gpu';
  /** One line for people: "plain TypeScript reference", "NVIDIA (ampere) via WebGPU", ... */
  description: string;
  /** Anything else worth showing (adapter vendor, features, SIMD support, ...). */
  [detail: string]: unknown;
}

/** What every backend provides. */
export interface Backend {
  /** 'js' | 'wasm' | 'webgpu' | ... */
  readonly name: string;
  /**
   * The largest tensor this backend can hold, in bytes (default 2 GiB, the js limit). Core refuses a
   * larger output or creation before allocating anything, naming the op and the limit.
   */
  readonly maxTensorBytes?: number;
  /** Allocates storage for `size` elements of `dtype`. Size 0 is valid. */
  alloc(size: number, dtype: DType): DataId;
  /** Writes a host array (the dtype's typed array, full length) into a buffer. */
  write(id: DataId, data: TypedArray): void;
  /** Reads a buffer back, waiting for queued work. The caller owns the returned array. */
  read(id: DataId): Promise<TypedArray>;
  /** Synchronous read; only for backends whose memory is host-visible. */
  readSync?(id: DataId): TypedArray;
  /** Releases a buffer. Core calls it exactly once per `alloc`. */
  free(id: DataId): void;
  /** Runs one primitive op; `outputs` are already allocated with their shapes and dtypes. */
  run<K extends KernelOpName>(op: K, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]): void;
  /** Whether `op` has a kernel here for inputs of `dtype`. */
  supports(op: KernelOpName, dtype: DType): boolean;
  /** Live buffers and bytes. */
  memory(): BackendMemory;
  /** The device this backend runs on. */
  deviceInfo(): BackendDeviceInfo;
  /** Releases everything the backend holds. */
  dispose(): void;
}

/** How to create a backend: registered with `registerBackend`, created by `init()`. */
export interface BackendFactory {
  readonly name: string;
  /** Creates the backend or throws/rejects saying why it is unavailable here. */
  create(): Backend | Promise<Backend>;
}
