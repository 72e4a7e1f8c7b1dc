// @loom/core: tensors, ops, memory scopes, backend selection and the reference backend `js`.

export { Tensor } from './tensor.js';
export type { DataHandle, NestedArray } from './tensor.js';
export * from './ops/index.js';
export type { FusedMatmulOptions, MatmulOptions } from './ops/linalg.js';
export type { Conv1DOptions, Conv2DOptions, Padding, Pool1DOptions, Pool2DOptions } from './ops/conv.js';
export type { StridedSliceOptions } from './ops/shape.js';
export type { RecurrentSequence, RecurrentSequenceGrad, RecurrentSequenceOptions } from './ops/recurrent.js';
export type { RandomOptions } from './ops/creation.js';
export {
  activeBackend, dispose, findBackend, getBackend, init, keep, memory, moveToBackend, onOp, registerBackend,
  registeredBackends, removeBackend, setBackend, tidy,
} from './engine/index.js';
export type { BackendState, InitOptions, MemoryInfo, OpListener, OpRecord, TensorContainer } from './engine/index.js';
export { info, runtimeInfo } from './info.js';
export { profile, type Profile, type ProfileRecord, type ProfileSummaryRow } from './profile.js';
export type { EngineInfo, RuntimeInfo } from './info.js';
export type { Backend, BackendDeviceInfo, BackendFactory, BackendMemory, DataId, TensorInfo } from './backend/backend.js';
// The op vocabulary app code meets in `onOp` records; the op families and name lists live in `@loom/core/backend`.
export { FUSED_ACTIVATIONS, RECURRENT_ACTIVATIONS, RECURRENT_CELLS } from './backend/op-attrs.js';
export type { FusedActivation, OpAttrs, OpName, RecurrentActivation, RecurrentCell } from './backend/op-attrs.js';
export { bytesPerElement, DTYPES, isDType, makeTypedArray, upcast } from './dtype.js';
export type { DType, DTypeArrayMap, TypedArray } from './dtype.js';
export {
  broadcastShapes, broadcastStrides, broadcastedAxes, fmt as formatShape, normalizeAxes, normalizeAxis, shapesEqual,
  sizeOf, stridesOf, tryBroadcastShapes,
} from './shape.js';
export type { Shape } from './shape.js';
export { SeededRandom } from './random.js';
export { JsBackend } from './reference/backend.js';
