// @loom/core/backend: the vocabulary for backend authors — the Backend contract, typed kernel
// tables, the op families, shared index arithmetic, and `runOp`, the unvalidated door to a kernel.
// App code uses the ops in `@loom/core`; only backends and op authors need this entry.

export type { Backend, BackendDeviceInfo, BackendFactory, BackendMemory, DataId, TensorInfo } from './backend.js';
export * from './op-attrs.js';
export * from './kernel.js';
export * from './geometry.js';
export * from './recurrent.js';
export { runOp } from '../engine/index.js';
export type { OutputSpec } from '../engine/index.js';
export { bytesPerElement, makeTypedArray, type DType, type TypedArray } from '../dtype.js';
