// The engine: backend registry and selection, tensors and buffers, memory scopes, op dispatch.
// Ops validate their inputs first, then call `runOp`, which is the only path to a backend kernel.

export type { OpListener, OpRecord } from './state.js';
export {
  activeBackend, findBackend, getBackend, init, registerBackend, registeredBackends, removeBackend, setBackend,
  type BackendState, type InitOptions,
} from './registry.js';
export { disposeTensor, keep, makeTensor, makeTensorFromHandle, memory, shareHandle, type MemoryInfo } from './handles.js';
export { collectTensors, dispose, tidy, type TensorContainer } from './scope.js';
export { assertAllocatable, moveToBackend, onOp, runOp, runView, type OutputSpec } from './dispatch.js';
